"""Intermittent demand: series with many zero periods (a SKU that sells a few days a month).

* **Croston (SBA)**: SES on the non-zero demand sizes and on the intervals between them; the forecast is their
  ratio with the Syntetos-Boylan bias correction ``(1 - alpha/2)``.
* **TSB** (Teunter, Syntetos & Babai 2011): SES on the demand probability, updated every period, so a product
  that stops selling sees its forecast decay instead of staying at the last rate.
* **ADIDA** (Nikolopoulos et al. 2011): aggregate into non-overlapping buckets of the mean inter-demand
  interval, forecast the bucket totals with SES, spread them back evenly.

The smoothing constants are chosen by in-sample squared error over a small grid. Forecasts are flat (a rate),
with intervals from the in-sample errors of the rate.
"""

from __future__ import annotations

import numpy as np

from shoplens.forecasting.base import normal_bands
from shoplens.forecasting.smoothing import ses, ses_levels

_ALPHAS = (0.05, 0.1, 0.2, 0.3)
#: share of zero periods from which a series counts as intermittent
INTERMITTENT_ZEROS = 0.3


def is_intermittent(y: np.ndarray) -> bool:
    y = np.asarray(y, dtype=float)
    return len(y) >= 8 and np.all(y >= 0) and float(np.mean(y == 0)) >= INTERMITTENT_ZEROS and np.any(y > 0)


def _croston_path(y: np.ndarray, alpha: float) -> np.ndarray:
    """One-step-ahead SBA forecasts (value after each period) of a series."""
    nz = np.flatnonzero(y > 0)
    out = np.zeros(len(y))
    if len(nz) == 0:
        return out
    sizes = y[nz]
    gaps = np.diff(np.r_[-1, nz]).astype(float)
    zs = ses_levels(sizes, alpha)
    ps = ses_levels(gaps, alpha)
    rate = (1 - alpha / 2) * zs / ps
    # the rate known after each period is the one from the last demand so far
    which = np.searchsorted(nz, np.arange(len(y)), side="right") - 1
    out[which >= 0] = rate[which[which >= 0]]
    return out


def _tsb_path(y: np.ndarray, a_p: float, a_z: float) -> np.ndarray:
    occ = (y > 0).astype(float)
    p = ses_levels(occ, a_p, l0=float(np.mean(occ)))
    nz = np.flatnonzero(y > 0)
    out = np.zeros(len(y))
    if len(nz) == 0:
        return out
    zs = ses_levels(y[nz], a_z)
    which = np.searchsorted(nz, np.arange(len(y)), side="right") - 1
    size = np.where(which >= 0, zs[np.maximum(which, 0)], 0.0)
    return p * size


class _Rate:
    """Shared predict/description for models that forecast a flat rate."""

    name = "intermittent"
    uses_exog = False
    label = ""

    def __init__(self, season_length: int = 1, spec: object | None = None) -> None:
        self.spec = spec

    def _finish(self, y: np.ndarray, path: np.ndarray) -> None:
        self.rate_ = float(path[-1])
        err = y[1:] - path[:-1]
        self.sigma_ = float(np.sqrt(np.mean(err**2))) if len(err) else 0.0

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        out = normal_bands(np.full(h, self.rate_), np.full(h, self.sigma_), level)
        return {k: np.maximum(v, 0.0) for k, v in out.items()}

    @property
    def description(self) -> str:
        return self.label + (f" (alpha {self.spec_})" if getattr(self, "spec_", None) is not None else "")


class Croston(_Rate):
    label = "Croston (SBA) intermittent demand"

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> Croston:
        y = np.asarray(y, dtype=float)
        alphas = [self.spec] if self.spec is not None else _ALPHAS
        best = min(alphas, key=lambda a: float(np.sum((y[1:] - _croston_path(y, a)[:-1]) ** 2)))
        self.spec_ = best
        self._finish(y, _croston_path(y, best))
        return self


class TSB(_Rate):
    label = "TSB intermittent demand"

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> TSB:
        y = np.asarray(y, dtype=float)
        pairs = [self.spec] if self.spec is not None else [(ap, az) for ap in _ALPHAS for az in (0.05, 0.1, 0.2)]
        best = min(pairs, key=lambda pa: float(np.sum((y[1:] - _tsb_path(y, *pa)[:-1]) ** 2)))  # type: ignore[misc]
        self.spec_ = best
        self._finish(y, _tsb_path(y, *best))  # type: ignore[misc]
        return self


class ADIDA(_Rate):
    label = "ADIDA temporal aggregation"

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> ADIDA:
        y = np.asarray(y, dtype=float)
        nz = np.flatnonzero(y > 0)
        k = max(1, int(round(len(y) / max(len(nz), 1)))) if len(nz) else 1
        k = min(k, max(1, len(y) // 4))
        usable = len(y) - len(y) % k
        buckets = y[len(y) - usable:].reshape(-1, k).sum(axis=1)
        fit = ses(buckets)
        self.spec_ = k
        self.rate_ = max(fit.level / k, 0.0)
        self.sigma_ = float(np.std(y[len(y) - usable:] - self.rate_))
        return self
