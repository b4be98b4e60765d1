"""Evaluation sets and the previous (v0.1) model for ``bench_reviews.py``.

Real held-out text only: the UCI sentences (never trained on), the test splits of the VADER Amazon snippets and
the clothing reviews (never trained on), the 132 hand-written hard cases, the 251 hand-labelled aspect
sentences (``tests/data/aspects_heldout.jsonl``, labelled by a helper who never saw the aspect rules), and the
demo shop's own newest reviews for the shop adaptation.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
import corpora  # noqa: E402

from shoplens.tools.reviews.encoder import MiniLMEncoder, pool_spans  # noqa: E402

HARD = ROOT / "tests" / "data" / "review_hard_cases.jsonl"
ASPECTS_HELDOUT = ROOT / "tests" / "data" / "aspects_heldout.jsonl"
ASPECTS_DEV = ROOT / "tests" / "data" / "aspects_dev.jsonl"


@dataclass
class EvalSet:
    name: str
    texts: list[str]
    gold: list[str]  # positive / negative / neutral


def real_sets() -> list[EvalSet]:
    """Binary (polar) held-out sets of real sentences."""
    out = []
    for name, label in (("amazon", "UCI Amazon phones"), ("yelp", "UCI Yelp restaurants"), ("imdb", "UCI IMDb movies")):
        items = corpora.uci_items(name)
        out.append(EvalSet(label, [i.text for i in items], [i.polarity or "neutral" for i in items]))
    test = [i for i in corpora.english_training_items() if i.split == "test"]
    for source, label in (("vader-amazon", "VADER Amazon snippets, test split"), ("clothing", "clothing reviews, test split")):
        polar = [i for i in test if i.source == source and i.polarity]
        out.append(EvalSet(label, [i.text for i in polar], [str(i.polarity) for i in polar]))
    return out


def weak_set() -> EvalSet:
    """Test-split VADER Amazon snippets that people rated near zero (|mean| < 0.5): weak evidence."""
    items = [i for i in corpora.english_training_items()
             if i.split == "test" and i.source == "vader-amazon" and abs(i.value) < corpora.WEAK_RATING]
    return EvalSet("VADER Amazon snippets rated near 0", [i.text for i in items], ["neutral"] * len(items))


def hard_cases() -> list[dict[str, Any]]:
    return [json.loads(x) for x in HARD.read_text(encoding="utf-8").splitlines() if x.strip()]


def aspect_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def embeddings(encoder: Any, texts: list[str], workdir: Path) -> np.ndarray:
    """Embeddings of ``texts``, cached per text on disk for this encoder (reruns embed only new texts)."""
    path = workdir / f"emb-{hashlib.sha256(encoder.model_id.encode()).hexdigest()[:12]}.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            known = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in known})
    if missing:
        vecs, _ = encoder.encode(missing)
        known.update(zip(missing, vecs, strict=True))
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(list(known), dtype=str), vectors=np.vstack(list(known.values())))
        tmp.replace(path)
    return np.vstack([known[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


class PreviousModel:
    """ShopLens 0.1's offline model, rebuilt for comparison: plain MiniLM + VADER (domain lexicon, weight 3) into
    a 3-class logistic head (balanced, C = 60 / n) trained on the shop's stars (1-2 / 3 / 4-5)."""

    name = "previous (stars-only head)"
    labels = ("negative", "neutral", "positive")

    def __init__(self, encoder: Any, workdir: Path) -> None:
        from shoplens.tools.reviews.lexicon import VaderScorer

        self.encoder, self.workdir = encoder, workdir
        self._vader = VaderScorer(domain=True)

    def _x(self, texts: list[str]) -> np.ndarray:
        return np.hstack([embeddings(self.encoder, texts, self.workdir), np.repeat(self._vader.features(texts), 3, axis=1)])

    def fit(self, texts: list[str], ratings: list[int]) -> PreviousModel:
        from sklearn.linear_model import LogisticRegression

        y = np.array(["negative" if r <= 2 else "neutral" if r == 3 else "positive" for r in ratings])
        x = self._x(texts)
        self.mean, self.scale = x.mean(0), x.std(0) + 1e-6
        c = float(np.clip(60.0 / len(texts), 0.003, 1.0))
        self.clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit((x - self.mean) / self.scale, y)
        return self

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        p = self.clf.predict_proba((self._x(texts) - self.mean) / self.scale)
        classes = list(self.clf.classes_)
        p = p[:, [classes.index(c) for c in self.labels]]
        return [(self.labels[int(k)], float(s)) for k, s in zip(p.argmax(1), p[:, 2] - p[:, 0], strict=True)]


class Cached:
    """An offline backend fed with cached embeddings of its own encoder (same head, same features)."""

    def __init__(self, backend: Any, workdir: Path, name: str) -> None:
        self.backend, self.workdir, self.name = backend, workdir, name

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        emb = embeddings(self.backend.encoder, texts, self.workdir)
        return [(s.label, s.score) for s in self.backend.analyze_embeddings(emb, texts)]


def load_demo_reviews(db: Path) -> list[tuple[str, int, str, str | None]]:
    import duckdb

    from shoplens.tools.reviews.scoring import review_text

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT r.title, r.body, r.rating, r.review_date, p.category FROM reviews r "
                       "LEFT JOIN products p USING (product_id) WHERE r.rating IS NOT NULL "
                       "ORDER BY r.review_date, r.review_id").fetchall()
    con.close()
    out = [(review_text(t, b), int(r), str(d), c) for t, b, r, d, c in rows]
    return [row for row in out if row[0].strip()]


class PaddedEncoder(MiniLMEncoder):
    """The encoder's batching before token-count batching, kept only to measure against: texts sorted by
    character length, each batch padded by the tokenizer to its longest text. Shares ``encoder``'s loaded model
    (same weights, same pooling), so only the batching differs."""

    def __init__(self, encoder: MiniLMEncoder) -> None:
        super().__init__(encoder.model_dir, max_length=encoder.max_length, batch_size=encoder.batch_size)
        self.__dict__["_model"] = encoder._model

    def encode(self, texts: Any, spans: Any = None, progress: Any = None) -> tuple[np.ndarray, list[np.ndarray]]:
        import torch

        tok, model, device = self._model
        n = len(texts)
        emb = np.zeros((n, self.dim), dtype=np.float32)
        span_out = [np.zeros((len(s), self.dim), np.float32) for s in spans] if spans else []
        order = sorted(range(n), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                batch = tok([texts[i] or " " for i in idx], padding=True, truncation=True, max_length=self.max_length,
                            return_tensors="pt", return_offsets_mapping=True)
                offsets = batch.pop("offset_mapping")
                hidden = model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                emb[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
                if spans:
                    pool_spans(hidden, offsets, [spans[i] for i in idx], [span_out[i] for i in idx])
        return emb, span_out
