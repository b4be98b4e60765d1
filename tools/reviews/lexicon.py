"""VADER with a product-review lexicon and phrase cues (``lexicon.yaml``), and the lexicon-only VADER backend.

The lexicon scores are features of the offline model and the clause polarity of aspect extraction; the stock
VADER backend is the floor every other backend is measured against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

LEXICON_FILE = "lexicon.yaml"


@cache
def _lexicon() -> tuple[dict[str, float], tuple[tuple[re.Pattern[str], float], ...]]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(
        resources.files("shoplens.tools.reviews").joinpath(LEXICON_FILE).read_text(encoding="utf-8"))
    words = {str(k): float(v) for k, v in data["words"].items()}
    cues = tuple((re.compile(c["pattern"], re.I), float(c["valence"])) for c in data["cues"])
    return words, cues


def domain_lexicon() -> dict[str, float]:
    """Product-review words VADER lacks or under-weights (valence on VADER's -4..4 scale)."""
    return dict(_lexicon()[0])


def phrase_cues() -> tuple[tuple[re.Pattern[str], float], ...]:
    """Multi-word cues (regex, valence) that a word lexicon misses ("didn't last", "no complaints")."""
    return _lexicon()[1]


class VaderScorer:
    """VADER with an optional product-review lexicon and phrase cues (``domain=True``)."""

    def __init__(self, domain: bool = True) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._sia = SentimentIntensityAnalyzer()
        self.domain = domain
        if domain:
            self._sia.lexicon.update(domain_lexicon())

    def compound(self, text: str) -> float:
        value = self._sia.polarity_scores(text)["compound"]
        if self.domain:
            value = apply_cues(text, value)
        return float(value)

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 4): neg, neu, pos shares and the compound score (cue-adjusted when ``domain``)."""
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            s = self._sia.polarity_scores(text)
            c = apply_cues(text, s["compound"]) if self.domain else s["compound"]
            out[i] = (s["neg"], s["neu"], s["pos"], c)
        return out


def apply_cues(text: str, compound: float) -> float:
    hits = [v for pat, v in phrase_cues() if pat.search(text)]
    if not hits:
        return compound
    if all(v == 0.0 for v in hits):  # "does the job", "as described": damp towards neutral
        return compound * 0.5
    cue = float(np.clip(sum(hits) / 2.5, -1.0, 1.0))  # back to roughly [-1, 1]; a cue outweighs the word lexicon
    return float(np.clip(0.35 * compound + 0.75 * cue, -1.0, 1.0))


class VaderBackend:
    """Lexicon-only VADER (stock lexicon, standard +-0.05 thresholds): the floor to beat."""

    name = "vader"

    def __init__(self, domain: bool = False, threshold: float = 0.05) -> None:
        self._vader = VaderScorer(domain=domain)
        self.threshold = threshold
        self.name = "vader+domain" if domain else "vader"

    @property
    def version(self) -> str:
        return f"{self.name}-3.3"

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        out = []
        for text in texts:
            c = self._vader.compound(text)
            label = "positive" if c >= self.threshold else "negative" if c <= -self.threshold else "neutral"
            out.append((label, round(c, 4)))
        return out
