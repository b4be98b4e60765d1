"""Series diagnostics that choose ARIMA terms: Fourier terms for long seasons, STL seasonal strength (``D``) and
unit-root tests (``d``)."""

from __future__ import annotations

import warnings

import numpy as np


def fourier(t: np.ndarray, period: float, K: int) -> np.ndarray:
    """Sine/cosine pairs of the time index ``t`` for a seasonal ``period`` (in time steps)."""
    if K <= 0:
        return np.zeros((len(t), 0))
    k = np.arange(1, K + 1)
    ang = 2 * np.pi * np.outer(t, k) / period
    return np.column_stack([np.sin(ang), np.cos(ang)])


def seasonal_strength(y: np.ndarray, s: int) -> float:
    """1 - Var(remainder)/Var(seasonal + remainder) from an STL decomposition, 0..1."""
    from statsmodels.tsa.seasonal import STL

    if s < 2 or len(y) < 2 * s + 1 or np.ptp(y) == 0:
        return 0.0
    res = STL(y, period=s, robust=False).fit()
    v = np.var(res.seasonal + res.resid)
    return float(max(0.0, 1 - np.var(res.resid) / v)) if v > 0 else 0.0


def unit_root_tests(x: np.ndarray) -> tuple[float, float]:
    """(KPSS p-value, ADF p-value) of a series; KPSS small -> not stationary, ADF small -> no unit root."""
    from statsmodels.tsa.stattools import adfuller, kpss

    if len(x) < 12 or np.ptp(x) == 0:
        return 1.0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kp = float(kpss(x, regression="c", nlags="auto")[1])
        maxlag = int(np.floor(12 * (len(x) / 100) ** 0.25))
        adf = float(adfuller(x, maxlag=min(maxlag, len(x) // 3), autolag=None)[1])
    return kp, adf
