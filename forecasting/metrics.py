"""Forecast accuracy metrics on numpy arrays.

Percentages (MAPE, sMAPE, WAPE, coverage) are returned in percent. MASE scales the MAE by the in-sample MAE
of the seasonal naive forecast on the training data (Hyndman & Koehler 2006), so values below 1 beat that
baseline's one-step errors. Undefined values (division by zero) come back as ``nan``, never as an error.
"""

from __future__ import annotations

import numpy as np

METRICS = ("mae", "rmse", "mape", "smape", "wape", "mase")


def _arrays(y: np.ndarray, yhat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    if y.shape != yhat.shape:
        raise ValueError(f"shapes differ: {y.shape} vs {yhat.shape}")
    return y, yhat


def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    y, yhat = _arrays(y, yhat)
    return float(np.mean(np.abs(y - yhat)))


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    y, yhat = _arrays(y, yhat)
    return float(np.sqrt(np.mean((y - yhat) ** 2)))


def mape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Mean absolute percentage error over the points where the actual is not zero."""
    y, yhat = _arrays(y, yhat)
    mask = y != 0
    if not mask.any():
        return float("nan")
    return float(np.mean(np.abs((y[mask] - yhat[mask]) / y[mask])) * 100)


def smape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Symmetric MAPE, 0..200; a point where both actual and forecast are 0 counts as a perfect 0."""
    y, yhat = _arrays(y, yhat)
    den = np.abs(y) + np.abs(yhat)
    ratio = np.divide(2 * np.abs(y - yhat), den, out=np.zeros_like(den), where=den != 0)
    return float(np.mean(ratio) * 100)


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |error| / sum |actual|."""
    y, yhat = _arrays(y, yhat)
    den = np.sum(np.abs(y))
    return float(np.sum(np.abs(y - yhat)) / den * 100) if den else float("nan")


def mase_scale(y_train: np.ndarray, season_length: int = 1) -> float:
    """In-sample MAE of the seasonal naive forecast (falls back to lag 1 when the history is too short)."""
    y_train = np.asarray(y_train, dtype=float)
    m = season_length if len(y_train) > season_length else 1
    if len(y_train) <= m:
        return float("nan")
    return float(np.mean(np.abs(y_train[m:] - y_train[:-m])))


def mase(y: np.ndarray, yhat: np.ndarray, y_train: np.ndarray, season_length: int = 1) -> float:
    scale = mase_scale(y_train, season_length)
    err = mae(y, yhat)
    if not np.isfinite(scale) or scale == 0:
        return 0.0 if err == 0 else float("nan")
    return err / scale


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Percent of actuals inside [lo, hi]."""
    y = np.asarray(y, dtype=float)
    return float(np.mean((y >= np.asarray(lo)) & (y <= np.asarray(hi))) * 100)


def evaluate(
    y: np.ndarray,
    pred: dict[str, np.ndarray],
    y_train: np.ndarray,
    season_length: int = 1,
    levels: tuple[int, ...] | list[int] = (80, 95),
) -> dict[str, float]:
    """All metrics for one forecast window: MAE, RMSE, MAPE, sMAPE, WAPE, MASE and coverage per level."""
    yhat = pred["mean"]
    out = {
        "mae": mae(y, yhat),
        "rmse": rmse(y, yhat),
        "mape": mape(y, yhat),
        "smape": smape(y, yhat),
        "wape": wape(y, yhat),
        "mase": mase(y, yhat, y_train, season_length),
    }
    for lv in levels:
        lo, hi = pred.get(f"lo-{lv}"), pred.get(f"hi-{lv}")
        if lo is not None and hi is not None:
            out[f"coverage-{lv}"] = coverage(y, lo, hi)
    return out
