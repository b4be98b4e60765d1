"""Review sentiment backends behind one interface: ``predict(texts) -> [(label, score), ...]`` plus ``version``.

``label`` is ``negative``, ``neutral`` or ``positive``; ``score`` is the signed polarity P(positive) - P(negative)
in [-1, 1]. Backends:

* ``OfflineSentimentBackend`` (default, ``shoplens.tools.reviews.offline``): the general model shipped in the
  package (MiniLM + LoRA adapter + VADER features into a logistic head, trained on real human-labelled
  sentences), optionally adapted to the shop's star ratings (``shoplens.tools.reviews.adapt``).
* ``VaderBackend`` (``shoplens.tools.reviews.lexicon``): lexicon only; the floor every other backend must beat.
* ``TransformersSentimentBackend``: any local/HF-cached text-classification checkpoint, on GPU when present.
* ``LLMReviewAnalyzer`` (``shoplens.tools.reviews.llm``): aspect-based extraction through an OpenAI-compatible endpoint.

Nothing here reads environment variables: callers pass model paths and folders in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from shoplens.data.errors import ModelUnavailable
from shoplens.tools.reviews.encoder import MiniLMEncoder, default_encoder, folder_digest, minilm_path
from shoplens.tools.reviews.lexicon import VaderBackend, VaderScorer

__all__ = ["LABELS", "MiniLMEncoder", "Prediction", "SentimentBackend", "TransformersSentimentBackend",
           "VaderBackend", "VaderScorer", "default_encoder", "label_from_probs", "map_label", "minilm_path",
           "rating_label"]

LABELS = ("negative", "neutral", "positive")
Prediction = tuple[str, float]


@runtime_checkable
class SentimentBackend(Protocol):
    """What the scoring job, the CLI and the benchmark use."""

    name: str

    @property
    def version(self) -> str: ...

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...


def rating_label(rating: int | float | None) -> str | None:
    """Stars as weak labels: 1-2 negative, 3 neutral, 4-5 positive."""
    if rating is None or rating != rating:  # None or NaN
        return None
    r = int(rating)
    return "negative" if r <= 2 else "neutral" if r == 3 else "positive"


def label_from_probs(probs: np.ndarray) -> list[Prediction]:
    """Rows of P(negative, neutral, positive) -> (argmax label, P(pos) - P(neg))."""
    idx = probs.argmax(axis=1)
    score = probs[:, 2] - probs[:, 0]
    return [(LABELS[i], round(float(s), 4)) for i, s in zip(idx, score, strict=True)]


# --------------------------------------------------------------------------------------------------- transformers
_STAR_RE = re.compile(r"^([1-5])\s*stars?$")


def map_label(raw: str, n_labels: int, index: int) -> str:
    """Map a checkpoint's label name onto negative/neutral/positive (SST-2, 3-way, 5-star and LABEL_i styles)."""
    s = raw.strip().lower()
    if "neg" in s:
        return "negative"
    if "pos" in s:
        return "positive"
    if "neu" in s:
        return "neutral"
    if m := _STAR_RE.match(s):
        return rating_label(int(m.group(1))) or "neutral"
    if n_labels == 2:
        return ("negative", "positive")[index]
    if n_labels == 3:
        return LABELS[index]
    if n_labels == 5:
        return rating_label(index + 1) or "neutral"
    raise ModelUnavailable(f"Cannot map the model's label {raw!r} to negative/neutral/positive.",
                           hint="Use a sentiment model with 2, 3 or 5 labels, or names containing neg/neu/pos.")


class TransformersSentimentBackend:
    """A Hugging Face text-classification checkpoint from a local folder or the HF cache (never downloaded);
    runs on CUDA when ``torch.cuda.is_available()``."""

    name = "transformers"

    def __init__(self, model: str, *, device: str | None = None, batch_size: int = 32, max_length: int = 256) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.model_ref = str(model)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = batch_size
        self.max_length = max_length
        path = Path(self.model_ref).expanduser()
        source = str(path) if path.exists() else self.model_ref
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"Cannot load the sentiment model {self.model_ref!r} from a local folder or the Hugging Face cache.",
                hint="Point SHOPLENS_SENTIMENT_MODEL at a folder saved with save_pretrained(), or unset it to use the "
                     "offline model.",
            ) from exc
        self.model.eval().to(self.device)
        id2label = self.model.config.id2label or {}
        n = int(self.model.config.num_labels)
        self._map = [map_label(str(id2label.get(i, f"LABEL_{i}")), n, i) for i in range(n)]
        digest = hashlib.sha256(json.dumps(self.model.config.to_dict(), sort_keys=True, default=str).encode())
        if path.exists():
            digest.update(folder_digest(path).encode())
        self._version = f"hf-{Path(self.model_ref).name}-{digest.hexdigest()[:10]}"

    @property
    def version(self) -> str:
        return self._version

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), 3), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                idx = order[start:start + self.batch_size]
                batch = self.tokenizer([texts[i] or " " for i in idx], padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt").to(self.device)
                probs = torch.softmax(self.model(**batch).logits.float(), dim=-1).cpu().numpy()
                for j, lbl in enumerate(self._map):
                    out[idx, LABELS.index(lbl)] += probs[:, j]
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return label_from_probs(self.predict_proba(texts)) if texts else []
