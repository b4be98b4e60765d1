"""The offline sentiment model: MiniLM (+ an optional LoRA adapter) and VADER features into a polarity head.

The general model ships inside the package (``models/sentiment_en.npz`` + ``.json``, built bit-for-bit by
``training/build_sentiment_en.py`` from real, human-labelled sentences; see ``models/MODEL_CARD.md``). A shop
adaptation (``shoplens.tools.reviews.adapt``) has the same form and lives under ``<models dir>/sentiment/``.

Calibrated labels: the head gives P(positive). A sentence is "neutral" only when that probability is inside a
narrow band around 0.5 (``|2p - 1| < neutral_margin``), i.e. when the evidence really is weak; the band was set
on the development split so that at most ~3% of clearly polar sentences land in it. ``score`` = 2p - 1 =
P(positive) - P(negative).

Nothing here reads environment variables or trains anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.data.errors import ModelUnavailable
from shoplens.tools.reviews.encoder import MiniLMEncoder
from shoplens.tools.reviews.lexicon import VaderScorer

GENERAL_NAME = "sentiment_en"


@dataclass(frozen=True)
class Sentiment:
    label: str  # negative | neutral | positive
    score: float  # 2p - 1 in [-1, 1]
    probability: float  # P(positive)


def sentiment_from_p(p: np.ndarray, margin: float) -> list[Sentiment]:
    out = []
    for v in np.asarray(p, dtype=np.float64):
        s = 2.0 * v - 1.0
        label = "neutral" if abs(s) < margin else "positive" if s > 0 else "negative"
        out.append(Sentiment(label, round(float(s), 4), round(float(v), 4)))
    return out


def head_features(emb: np.ndarray, vader: np.ndarray, vader_reps: int) -> np.ndarray:
    """Head input: the sentence embedding and the VADER scores (repeated so the L2 penalty does not drown 4
    lexicon features in 384 embedding dimensions)."""
    return np.hstack([emb, np.repeat(vader, max(1, int(vader_reps)), axis=1)]).astype(np.float32)


def mlp_logit(z: np.ndarray, head: dict[str, np.ndarray]) -> np.ndarray:
    """Logit of a standardised feature matrix ``z``: a linear head (``coef``/``intercept``) or a one-hidden-layer
    ReLU MLP (``w1``, ``b1``, ``w2``, ``b2``)."""
    if "w1" in head:
        hidden = np.maximum(z @ head["w1"] + head["b1"], 0.0)
        return (hidden @ head["w2"].reshape(-1) + float(head["b2"].reshape(-1)[0])).astype(np.float64)
    return (z @ head["coef"].reshape(-1) + float(head["intercept"].reshape(-1)[0])).astype(np.float64)


class OfflineSentimentBackend:
    """MiniLM (+ adapter) + VADER -> P(positive) -> label with a weak-evidence neutral band."""

    name = "offline"

    def __init__(self, encoder: MiniLMEncoder, head: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.encoder = encoder
        self._head = head
        self.meta = meta
        self._vader = VaderScorer(domain=True)

    @property
    def version(self) -> str:
        return str(self.meta["version"])

    @property
    def neutral_margin(self) -> float:
        return float(self.meta["neutral_margin"])

    def features(self, emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return head_features(emb, self._vader.features(texts), int(self.meta.get("vader_reps", 1)))

    def logit_from_embeddings(self, emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return mlp_logit((self.features(emb, texts) - self._head["mean"]) / self._head["scale"], self._head)

    def p_from_embeddings(self, emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """P(positive) per row, from precomputed embeddings (shared with aspect extraction)."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logit_from_embeddings(emb, texts), -40, 40)))

    def score_from_embeddings(self, emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return 2.0 * self.p_from_embeddings(emb, texts) - 1.0

    def analyze_embeddings(self, emb: np.ndarray, texts: Sequence[str]) -> list[Sentiment]:
        return sentiment_from_p(self.p_from_embeddings(emb, texts), self.neutral_margin)

    def predict_detailed(self, texts: Sequence[str]) -> list[Sentiment]:
        if not texts:
            return []
        emb, _ = self.encoder.encode(list(texts))
        return self.analyze_embeddings(emb, texts)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        return [(s.label, s.score) for s in self.predict_detailed(texts)]


# --------------------------------------------------------------------------------------------------- storage
def read_model(npz: Path | Any, meta_json: Path | Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, meta) from a head file and its JSON (plain numbers, no pickle)."""
    try:
        meta = json.loads(meta_json.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailable(f"The sentiment model {meta_json} is unreadable: {exc}.",
                               hint="Reinstall shoplens (general model) or run `shoplens reviews train` again.") from exc
    return arrays, meta


def split_arrays(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(head arrays, adapter arrays): adapter keys start with ``lora:``."""
    head = {k: v for k, v in arrays.items() if not k.startswith("lora:")}
    adapter = {k[5:]: v for k, v in arrays.items() if k.startswith("lora:")}
    return head, adapter


def encoder_for(meta: dict[str, Any], adapter: dict[str, np.ndarray], **kwargs: Any) -> MiniLMEncoder:
    lora = meta.get("adapter") or {}
    if not adapter:
        return MiniLMEncoder(**kwargs)
    return MiniLMEncoder(adapter=adapter, adapter_scale=float(lora.get("scale", 1.0)),
                         adapter_id=str(lora.get("id", "adapter")), **kwargs)


@cache
def _general_arrays() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    folder = resources.files("shoplens.tools.reviews").joinpath("models")
    return read_model(folder.joinpath(f"{GENERAL_NAME}.npz"), folder.joinpath(f"{GENERAL_NAME}.json"))


@cache
def general_model() -> OfflineSentimentBackend:
    """The shipped general-language model (one per process; loading MiniLM takes a few seconds on first use)."""
    arrays, meta = _general_arrays()
    head, adapter = split_arrays(arrays)
    return OfflineSentimentBackend(encoder_for(meta, adapter), head, meta)


def general_meta() -> dict[str, Any]:
    return dict(_general_arrays()[1])
