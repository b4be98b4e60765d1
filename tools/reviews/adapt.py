"""Shop adaptation: tune the general model to a shop's own star ratings, and keep it only if it is better.

``adapt_to_shop`` embeds the shop's rated reviews once, holds out the newest share (by review date), fits a
logistic head on the older polar reviews (1-2 stars negative, 4-5 positive; 3 stars carry no polarity label)
whose features are the general model's logit plus the embedding and VADER scores (the general logit is scaled
up so the L2 penalty lets it through: the head learns a correction, not a new model), and compares both models
on the held-out polar reviews. The adaptation is saved and made current only when it beats the general model
there; otherwise ``CURRENT`` points back at the general model and the report says why.

Storage: ``<models_dir>/sentiment/<version>/{head.npz, meta.json}`` and ``<models_dir>/sentiment/CURRENT``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.data.errors import ModelUnavailable, UserInputError
from shoplens.tools.reviews.offline import OfflineSentimentBackend, general_model, read_model

Progress = Callable[[int, int], None]
GENERAL = "general"
#: The general logit enters the head multiplied by this, so its weight costs almost nothing under L2.
LOGIT_GAIN = 10.0
ADAPT_C = 0.05
MIN_REVIEWS = 60


@dataclass
class AdaptReport:
    kept: bool
    version: str  # the model now in use
    reason: str
    n_train: int
    n_holdout: int
    general_accuracy: float | None
    shop_accuracy: float | None
    seconds: float
    label_counts: dict[str, int] = field(default_factory=dict)
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _polarity(rating: Any) -> int | None:
    if rating is None or rating != rating:
        return None
    r = int(rating)
    return 0 if r <= 2 else 1 if r >= 4 else None


def adapt_to_shop(texts: Sequence[str], ratings: Sequence[Any], dates: Sequence[Any], models_dir: Path, *,
                  general: OfflineSentimentBackend | None = None, holdout: float = 0.2,
                  progress: Progress | None = None, embeddings: np.ndarray | None = None) -> tuple[OfflineSentimentBackend, AdaptReport]:
    """Adapt the general model to (text, stars, date) rows; returns (the model now in use, report).

    ``embeddings`` (optional) are the general encoder's vectors of the polar rows (1-2 or 4-5 stars, non-empty
    text) in input order; without them the texts are encoded here (with ``progress``)."""
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    general = general or general_model()
    rows = [(t.strip(), _polarity(r), str(d)) for t, r, d in zip(texts, ratings, dates, strict=True) if t and t.strip()]
    counts = {"negative": sum(1 for _, y, _ in rows if y == 0), "positive": sum(1 for _, y, _ in rows if y == 1),
              "no polarity (3 stars)": sum(1 for _, y, _ in rows if y is None)}
    polar = [(t, y, d) for t, y, d in rows if y is not None]
    if len(polar) < MIN_REVIEWS or min(counts["negative"], counts["positive"]) < 10:
        raise UserInputError(
            f"Too few rated reviews to adapt the sentiment model ({counts}).",
            hint=f"Need at least {MIN_REVIEWS} reviews with text and 1-2 or 4-5 stars, 10 or more of each side. "
                 "The general model is used meanwhile.")
    order = np.argsort(np.array([d for _, _, d in polar]), kind="stable")
    given = embeddings is not None and len(embeddings) == len(polar)  # rows of the polar reviews, input order
    polar = [polar[i] for i in order]
    ptexts = [t for t, _, _ in polar]
    y = np.array([v for _, v, _ in polar])
    if given:
        emb = np.asarray(embeddings, np.float32)[order]
    else:
        emb, _ = general.encoder.encode(ptexts, progress=progress)
    g = general.logit_from_embeddings(emb, ptexts)
    x = np.hstack([g[:, None] * LOGIT_GAIN / max(1e-6, float(np.std(g))), general.features(emb, ptexts)])

    def fit(idx: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
        mean, scale = x[idx].mean(0), x[idx].std(0) + 1e-6
        mean[0], scale[0] = 0.0, 1.0  # the general logit stays as it is
        clf = LogisticRegression(C=ADAPT_C, class_weight="balanced", max_iter=3000)
        clf.fit((x[idx] - mean) / scale, y[idx])
        return clf, mean, scale

    n_hold = int(len(polar) * holdout)
    train_idx, hold_idx = np.arange(len(polar) - n_hold), np.arange(len(polar) - n_hold, len(polar))
    clf, mean, scale = fit(train_idx)
    shop_acc = float(np.mean(clf.predict((x[hold_idx] - mean) / scale) == y[hold_idx]))
    general_acc = float(np.mean((g[hold_idx] > 0).astype(int) == y[hold_idx]))
    seconds = lambda: round(time.perf_counter() - t0, 2)  # noqa: E731
    if shop_acc <= general_acc:
        point_at(models_dir, GENERAL)
        reason = (f"the shop adaptation ({shop_acc:.1%}) did not beat the general model ({general_acc:.1%}) on the "
                  f"newest {n_hold:,} reviews; keeping the general model")
        return general, AdaptReport(False, general.version, reason, len(train_idx), n_hold, general_acc, shop_acc,
                                    seconds(), counts)
    clf, mean, scale = fit(np.arange(len(polar)))  # better on the holdout: refit on everything
    digest = hashlib.sha256(general.version.encode())
    for t, v in zip(ptexts, y, strict=True):
        digest.update(f"{v}:{t}\n".encode())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    version = f"shop-{stamp}-{digest.hexdigest()[:10]}"
    head = {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
            "coef": clf.coef_.reshape(-1).astype(np.float32), "intercept": clf.intercept_.astype(np.float32)}
    meta = {"version": version, "base": general.version, "kind": "shop", "trained_at": stamp,
            "neutral_margin": general.neutral_margin, "vader_reps": general.meta.get("vader_reps", 1),
            "logit_scale": LOGIT_GAIN / max(1e-6, float(np.std(g))), "n_train": len(polar), "label_counts": counts,
            "holdout": {"reviews": n_hold, "general_accuracy": general_acc, "shop_accuracy": shop_acc}}
    folder = save(models_dir, head, meta)
    model = ShopAdaptedBackend(general, head, meta)
    reason = (f"the shop adaptation ({shop_acc:.1%}) beats the general model ({general_acc:.1%}) on the newest "
              f"{n_hold:,} reviews")
    return model, AdaptReport(True, version, reason, len(train_idx), n_hold, general_acc, shop_acc, seconds(),
                              counts, str(folder))


class ShopAdaptedBackend(OfflineSentimentBackend):
    """The general model's encoder and logit, corrected by a head fitted on the shop's stars."""

    name = "offline"

    def __init__(self, general: OfflineSentimentBackend, head: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        super().__init__(general.encoder, head, meta)
        self.general = general

    def logit_from_embeddings(self, emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        g = self.general.logit_from_embeddings(emb, texts)
        x = np.hstack([g[:, None] * float(self.meta["logit_scale"]), self.general.features(emb, texts)])
        x = (x - self._head["mean"]) / self._head["scale"]
        return (x @ self._head["coef"] + float(self._head["intercept"][0])).astype(np.float64)


def save(models_dir: Path, head: dict[str, np.ndarray], meta: dict[str, Any], keep: int = 3) -> Path:
    """Write ``<models_dir>/sentiment/<version>/`` (through a temporary folder) and point ``CURRENT`` at it."""
    root = Path(models_dir) / "sentiment"
    folder = root / str(meta["version"])
    tmp = root / f".{meta['version']}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    np.savez(tmp / "head.npz", **head)
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    tmp.replace(folder)
    point_at(models_dir, str(meta["version"]))
    old = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != folder.name),
                 key=lambda p: p.stat().st_mtime)
    for stale in old[: max(0, len(old) - (keep - 1))]:
        for f in stale.iterdir():
            f.unlink()
        stale.rmdir()
    return folder


def point_at(models_dir: Path, version: str) -> None:
    root = Path(models_dir) / "sentiment"
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / "CURRENT.tmp"
    tmp.write_text(version, encoding="utf-8")
    tmp.replace(root / "CURRENT")


def load_current(models_dir: Path, general: OfflineSentimentBackend | None = None) -> tuple[OfflineSentimentBackend, str | None]:
    """The model in use: the shop adaptation named by ``CURRENT`` if there is one and it was built on this
    general model, else the general model. Returns (model, note for the user or None). Never trains."""
    general = general or general_model()
    pointer = Path(models_dir) / "sentiment" / "CURRENT"
    if not pointer.exists():
        return general, None
    version = pointer.read_text(encoding="utf-8").strip()
    if version in ("", GENERAL):
        return general, None
    folder = Path(models_dir) / "sentiment" / version
    try:
        head, meta = read_model(folder / "head.npz", folder / "meta.json")
    except ModelUnavailable as exc:
        return general, f"{exc} Using the general model; run `shoplens reviews train` to adapt it again."
    if meta.get("base") != general.version:
        return general, (f"The shop adaptation {version} was built on another general model ({meta.get('base')}); "
                         "using the general model. Run `shoplens reviews train` to adapt it again.")
    return ShopAdaptedBackend(general, head, meta), None
