"""Simple exponential smoothing and seasonal adjustment on numpy arrays: the building blocks of the Theta and
intermittent-demand models.

* :func:`ses` fits SES by least squares on one-step errors (a grid, then a bounded scalar refinement), using
  ``scipy.signal.lfilter`` for the recursion so a fit costs microseconds.
* :func:`seasonal_test` is the M4 competition's test: the lag-``m`` autocorrelation is significant at 90%.
* :func:`deseasonalize` removes a multiplicative seasonal pattern (classical decomposition, as the M4 Theta
  benchmark does) or, for long seasons and series with zeros, an additive STL pattern; it returns the pattern
  repeated over the history and the future so a model can forecast the adjusted series and put it back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter

_GRID = np.r_[0.01, 0.02, 0.05, np.arange(0.1, 1.0, 0.1), 0.95, 0.99]


def ses_levels(z: np.ndarray, alpha: float, l0: float | None = None) -> np.ndarray:
    """Levels after each observation: ``l_t = alpha z_t + (1 - alpha) l_{t-1}`` with ``l_{-1} = l0``."""
    z = np.asarray(z, dtype=float)
    l0 = float(z[0]) if l0 is None else float(l0)
    levels, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], z, zi=[(1.0 - alpha) * l0])
    return levels


def _sse(z: np.ndarray, alpha: float) -> float:
    lv = ses_levels(z, alpha)
    err = z[1:] - lv[:-1]
    return float(err @ err)


@dataclass(frozen=True)
class SESFit:
    alpha: float
    level: float  # the last level: the flat forecast
    sigma: float  # one-step residual standard deviation


def ses(z: np.ndarray, alpha: float | None = None) -> SESFit:
    """Fit simple exponential smoothing (alpha by least squares unless given)."""
    z = np.asarray(z, dtype=float)
    if len(z) < 3:
        return SESFit(0.5, float(z[-1]), float(np.std(z)) if len(z) > 1 else 0.0)
    if alpha is None:
        scores = [_sse(z, a) for a in _GRID]
        i = int(np.argmin(scores))
        lo, hi = _GRID[max(i - 1, 0)], _GRID[min(i + 1, len(_GRID) - 1)]
        res = minimize_scalar(lambda a: _sse(z, a), bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
        alpha = float(res.x) if res.fun <= scores[i] else float(_GRID[i])
    lv = ses_levels(z, alpha)
    err = z[1:] - lv[:-1]
    return SESFit(float(alpha), float(lv[-1]), float(np.sqrt(np.mean(err**2))) if len(err) else 0.0)


def acf(y: np.ndarray, max_lag: int) -> np.ndarray:
    y = np.asarray(y, dtype=float) - np.mean(y)
    den = float(y @ y)
    if den == 0:
        return np.zeros(max_lag + 1)
    return np.array([1.0] + [float(y[k:] @ y[:-k]) / den for k in range(1, max_lag + 1)])


def seasonal_test(y: np.ndarray, m: int) -> bool:
    """Is the lag-``m`` autocorrelation significant at 90% (the M4 benchmarks' seasonality test)?"""
    if m < 2 or len(y) < 3 * m:
        return False
    r = acf(y, m)
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[1:m] ** 2)) / len(y))
    return bool(abs(r[m]) > limit)


@dataclass(frozen=True)
class Seasonality:
    kind: str  # "none" | "mul" | "add"
    history: np.ndarray  # the pattern over the history (1 or 0 when none)
    cycle: np.ndarray  # one season: cycle[k] applies to the steps t with t % m == k

    def remove(self, y: np.ndarray) -> np.ndarray:
        return y / self.history if self.kind == "mul" else y - self.history if self.kind == "add" else y

    def future(self, h: int) -> np.ndarray:
        n, m = len(self.history), len(self.cycle)
        return self.cycle[(n + np.arange(h)) % m]

    def restore(self, f: np.ndarray) -> np.ndarray:
        if self.kind == "none":
            return f
        pattern = self.future(len(f))
        return f * pattern if self.kind == "mul" else f + pattern


def _classical_indices(y: np.ndarray, m: int) -> np.ndarray:
    """Multiplicative seasonal indices by ratio to a centred moving average (length ``m``, normalised)."""
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")
    off = (len(w) - 1) // 2
    ratio = np.full(len(y), np.nan)
    ratio[off:off + len(trend)] = y[off:off + len(trend)] / trend
    idx = np.array([np.nanmean(ratio[k::m]) for k in range(m)])
    idx = np.where(np.isfinite(idx) & (idx > 0), idx, 1.0)
    return idx / np.mean(idx)


def deseasonalize(y: np.ndarray, m: int, *, test: bool = True) -> Seasonality:
    """The seasonal pattern of ``y`` with period ``m`` (none when the test finds no seasonality).

    Positive series get multiplicative classical indices; series with zeros or negatives an additive robust STL
    seasonal, carried forward by repeating its last ``m`` values."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if m < 2 or n < 2 * m + 1 or (test and not seasonal_test(y, m)):
        return Seasonality("none", np.ones(n), np.ones(1))
    if np.all(y > 0):
        idx = _classical_indices(y, m)  # idx[k] belongs to the steps t with t % m == k
        return Seasonality("mul", idx[np.arange(n) % m], idx)
    from statsmodels.tsa.seasonal import STL

    seas = STL(y, period=m, robust=True).fit().seasonal
    cycle = np.empty(m)
    cycle[np.arange(n - m, n) % m] = seas[n - m:]
    return Seasonality("add", seas, cycle)
