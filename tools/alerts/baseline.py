"""A robust daily baseline with a 95% interval, vectorised over many series (the detectors' forecast).

For each series the expected value on day ``t`` is a level (the weekday-adjusted mean of the 28 days before ``t``)
times a weekday factor (from the 12 weeks before ``t``); known calendar-event days are left out of both. The spread
is a Poisson term plus a multiplicative term whose size comes from the robust (median-based) residuals of the
8 weeks before ``t``: ``var = E + (c * E) ** 2``. Nothing on or after ``t`` is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVEL_DAYS = 28
WEEKDAY_DAYS = 84
SPREAD_DAYS = 56
Z95 = 1.959964


@dataclass(frozen=True)
class Expected:
    mean: np.ndarray  # (S,) expected value on day t
    sd: np.ndarray  # (S,) standard deviation of the value around it
    daily_mean: np.ndarray  # (S,) level: average day over the last 28 days (weekday-adjusted)

    def lo95(self) -> np.ndarray:
        return np.maximum(self.mean - Z95 * self.sd, 0.0)

    def hi95(self) -> np.ndarray:
        return self.mean + Z95 * self.sd

    def z(self, actual: np.ndarray) -> np.ndarray:
        return (actual - self.mean) / np.maximum(self.sd, 1e-9)


def _nanmean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    n = np.sum(~np.isnan(x), axis=axis)
    return np.where(n > 0, np.nansum(x, axis=axis) / np.maximum(n, 1), np.nan)


def weekday_factors(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(S, 7) weekday factors from history ``y`` (S, n) with ``weekday`` (n,) and ``usable`` (n,) bool."""
    hist = np.where(usable[None, :], y, np.nan)
    overall = _nanmean(hist)
    out = np.ones((y.shape[0], 7))
    for d in range(7):
        cols = weekday == d
        if cols.any():
            m = _nanmean(hist[:, cols])
            out[:, d] = np.where((overall > 0) & np.isfinite(m), m / np.where(overall > 0, overall, 1.0), 1.0)
    return np.clip(out, 0.3, 3.0)


def expected_at(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, t: int) -> Expected:
    """The baseline for day ``t`` from ``y[:, :t]`` only (``y`` may be longer; nothing at or after t is read)."""
    a = max(0, t - WEEKDAY_DAYS)
    factors = weekday_factors(y[:, a:t], weekday[a:t], usable[a:t])
    b = max(0, t - LEVEL_DAYS)
    f_hist = factors[:, weekday[b:t]]
    adj = np.where(usable[None, b:t], y[:, b:t] / f_hist, np.nan)
    level = np.nan_to_num(_nanmean(adj), nan=0.0)
    mean = level * factors[:, weekday[t]]
    c = _spread(y, weekday, usable, t, factors, level)
    sd = np.sqrt(mean + (c * mean) ** 2 + 0.25)
    return Expected(mean=mean, sd=sd, daily_mean=level)


def _spread(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, t: int, factors: np.ndarray,
            level: np.ndarray) -> np.ndarray:
    """Relative extra-Poisson spread ``c`` per series, from median squared residuals over the last 8 weeks."""
    a = max(0, t - SPREAD_DAYS)
    e = level[:, None] * factors[:, weekday[a:t]]
    resid2 = (y[:, a:t] - e) ** 2 - e
    resid2 = np.where(usable[None, a:t], resid2 / np.maximum(e, 1e-9) ** 2, np.nan)
    # the median of squared residuals is about 0.45 of their mean for a normal: rescale
    c2 = np.nan_to_num(np.nanmedian(resid2, axis=1) / 0.455, nan=0.0) if resid2.shape[1] else np.zeros(len(y))
    return np.sqrt(np.clip(c2, 0.0025, 1.0))


def window_expected(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, t: int, days: int) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """Sum of actual and expected values over the ``days`` usable days ending at ``t``, with the baseline frozen
    before the window, and the sum's standard deviation (day noise plus a 6% level drift): (actual, expected, sd)."""
    start = t - days + 1
    base = expected_at(y, weekday, usable, start)
    a = max(0, start - WEEKDAY_DAYS)
    factors = weekday_factors(y[:, a:start], weekday[a:start], usable[a:start])
    mask = usable[start : t + 1]
    e = base.daily_mean[:, None] * factors[:, weekday[start : t + 1]] * mask[None, :]
    actual = (y[:, start : t + 1] * mask[None, :]).sum(axis=1)
    exp_sum = e.sum(axis=1)
    c = _spread(y, weekday, usable, start, factors, base.daily_mean)
    sd = np.sqrt(exp_sum + (c**2) * (e**2).sum(axis=1) + (0.06 * exp_sum) ** 2 + 0.25)
    return actual, exp_sum, sd
