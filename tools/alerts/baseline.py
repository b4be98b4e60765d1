"""A robust daily baseline with a 95% interval, vectorised over many series (the detectors' forecast).

For each series the expected value on day ``t`` is a level (the weekday-adjusted mean of the 28 usable days before
``t``) times a weekday factor (from the 12 weeks before ``t``) times a yearly-season ratio (how a reference series
moved from the same 28 days to the same day one year earlier; the series itself for shop-level series, its category
for products). Days around calendar events and campaign days are not usable for fitting. The spread is a Poisson
term plus a multiplicative term sized by the robust (median-based) residuals of the 8 weeks before ``t``:
``var = E + (c * E) ** 2``. Nothing on or after ``t`` is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVEL_DAYS = 28
WEEKDAY_DAYS = 84
SPREAD_DAYS = 56
YEAR = 364  # 52 weeks: the same weekday one year ago
SEASON_HALF = 7
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


def masked_mean(y: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Row means of ``y`` over cells where ``ok`` (NaN where a row has none)."""
    n = ok.sum(axis=-1)
    return np.where(n > 0, np.where(ok, y, 0.0).sum(axis=-1) / np.maximum(n, 1), np.nan)


def weekday_factors(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(S, 7) weekday factors from history ``y`` (S, n) with ``weekday`` (n,) and ``usable`` (S, n)."""
    overall = masked_mean(y, usable)
    out = np.ones((y.shape[0], 7))
    for d in range(7):
        cols = weekday == d
        if cols.any():
            m = masked_mean(y[:, cols], usable[:, cols])
            good = (overall > 0) & np.isfinite(m)
            out[:, d] = np.where(good, m / np.where(good, overall, 1.0), 1.0)
    return np.clip(out, 0.3, 3.0)


def season_ratio(y: np.ndarray, usable: np.ndarray, ref: np.ndarray, a: int, b: int, t: int) -> np.ndarray:
    """How the reference series moved, one year earlier, from the level window [a, b) to the days around ``t``."""
    if a - YEAR - SEASON_HALF < 0:
        return np.ones(len(ref))
    yr, ok = y[ref], usable[ref]
    lo, hi = t - YEAR - SEASON_HALF, min(t - YEAR + SEASON_HALF + 1, t)
    now = masked_mean(yr[:, lo:hi], ok[:, lo:hi])
    then = masked_mean(yr[:, a - YEAR : b - YEAR], ok[:, a - YEAR : b - YEAR])
    good = np.isfinite(now) & np.isfinite(then) & (then > 0) & (now > 0)
    return np.clip(np.where(good, now / np.where(good, then, 1.0), 1.0), 0.5, 2.0)


def expected_at(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, t: int, ref: np.ndarray) -> Expected:
    """The baseline for day ``t`` from ``y[:, :t]`` only (``y`` may be longer; nothing at or after t is read)."""
    a = max(0, t - WEEKDAY_DAYS)
    factors = weekday_factors(y[:, a:t], weekday[a:t], usable[:, a:t])
    b = max(0, t - LEVEL_DAYS)
    level = _level(y, weekday, usable, factors, b, t)
    mean = level * factors[:, weekday[t]] * season_ratio(y, usable, ref, b, t, t)
    c = _spread(y, weekday, usable, t, factors, level)
    sd = np.sqrt(mean + (c * mean) ** 2 + 0.25)
    return Expected(mean=mean, sd=sd, daily_mean=level)


def _level(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, factors: np.ndarray, b: int, t: int) -> np.ndarray:
    rows = np.arange(len(y))[:, None]
    adj = y[:, b:t] / factors[rows, weekday[None, b:t]]
    return np.nan_to_num(masked_mean(adj, usable[:, b:t]), nan=0.0)


def _spread(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, t: int, factors: np.ndarray,
            level: np.ndarray) -> np.ndarray:
    """Relative extra-Poisson spread ``c`` per series, from median squared residuals over the last 8 weeks."""
    a = max(0, t - SPREAD_DAYS)
    if t - a < 7:
        return np.full(len(y), 0.2)
    e = level[:, None] * factors[:, weekday[a:t]]
    resid2 = ((y[:, a:t] - e) ** 2 - e) / np.maximum(e, 1e-9) ** 2
    resid2 = np.where(usable[:, a:t], resid2, np.nan)
    with np.errstate(all="ignore"):
        # the median of squared residuals is about 0.455 of their mean for a normal: rescale
        med = np.nanmedian(np.where(np.isnan(resid2).all(axis=1, keepdims=True), 0.0, resid2), axis=1)
    return np.sqrt(np.clip(np.nan_to_num(med / 0.455, nan=0.0), 0.0025, 1.0))


def window_expected(y: np.ndarray, weekday: np.ndarray, usable: np.ndarray, t: int, days: int,
                    ref: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum of actual and expected values over the usable days of the ``days`` ending at ``t``, with the baseline
    frozen before the window, and the sum's standard deviation (day noise plus a 6% level drift)."""
    start = t - days + 1
    a = max(0, start - WEEKDAY_DAYS)
    factors = weekday_factors(y[:, a:start], weekday[a:start], usable[:, a:start])
    b = max(0, start - LEVEL_DAYS)
    level = _level(y, weekday, usable, factors, b, start)
    season = season_ratio(y, usable, ref, b, start, start + days // 2)
    mask = usable[:, start : t + 1]
    rows = np.arange(len(y))[:, None]
    e = (level * season)[:, None] * factors[rows, weekday[None, start : t + 1]] * mask
    actual = (y[:, start : t + 1] * mask).sum(axis=1)
    exp_sum = e.sum(axis=1)
    c = _spread(y, weekday, usable, start, factors, level)
    sd = np.sqrt(exp_sum + (c**2) * (e**2).sum(axis=1) + (0.06 * exp_sum) ** 2 + 0.25)
    return actual, exp_sum, sd
