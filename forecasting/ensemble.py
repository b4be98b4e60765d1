"""Combining forecasts: the mean (or median) of the best models' means and interval bounds.

Averaging bounds (quantile averaging) is the usual, slightly conservative way to combine intervals; it keeps
``lo <= mean <= hi`` whenever every member does.
"""

from __future__ import annotations

import numpy as np

from shoplens.forecasting.base import levels_or_default


def combine(preds: list[dict[str, np.ndarray]], method: str = "mean",
            weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Combine forecasts key by key: ``mean``, ``median`` or ``weighted`` (``weights`` summing to one)."""
    if not preds:
        raise ValueError("nothing to combine")
    if method not in ("mean", "median", "weighted"):
        raise ValueError(f"unknown combination {method!r}; use 'mean', 'median' or 'weighted'")
    keys = set(preds[0])
    for p in preds[1:]:
        keys &= set(p)
    if method == "weighted":
        w = np.asarray(weights, dtype=float)[:, None]
        return {k: (w * np.vstack([p[k] for p in preds])).sum(axis=0) / w.sum() for k in sorted(keys)}
    agg = np.mean if method == "mean" else np.median
    return {k: agg(np.vstack([p[k] for p in preds]), axis=0) for k in sorted(keys)}


class Ensemble:
    """Fits each member on the same data and combines their predictions."""

    name = "ensemble"

    def __init__(self, members: list, method: str = "mean") -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = members
        self.method = method

    @property
    def uses_exog(self) -> bool:
        return any(getattr(m, "uses_exog", False) for m in self.members)

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> Ensemble:
        for m in self.members:
            m.fit(y, X if getattr(m, "uses_exog", False) else None)
        return self

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        levels = levels_or_default(level)
        preds = [m.predict(h, X if getattr(m, "uses_exog", False) else None, levels) for m in self.members]
        return combine(preds, self.method)

    @property
    def description(self) -> str:
        return f"{self.method} of " + " + ".join(m.description for m in self.members)
