"""What every model shares: the Nixtla-style interface and interval helpers.

A model is fitted on a numpy array (``fit(y, X=None)``) and predicts ``h`` steps
(``predict(h, X=None, level=None)``) as a dict with ``mean`` and ``lo-<level>``/``hi-<level>`` arrays.
``X`` holds exogenous regressors, one row per time step (history rows for ``fit``, future rows for ``predict``);
models that cannot use regressors ignore it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np
from scipy.stats import norm

DEFAULT_LEVELS = (80, 95)


class Model(Protocol):
    name: str
    uses_exog: bool

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> Model: ...

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]: ...

    @property
    def description(self) -> str: ...


def levels_or_default(level: list[int] | tuple[int, ...] | None) -> list[int]:
    levels = list(DEFAULT_LEVELS if level is None else level)
    for lv in levels:
        if not 0 < lv < 100:
            raise ValueError(f"interval level must be between 0 and 100, got {lv}")
    return sorted(set(int(lv) for lv in levels))


def normal_bands(mean: np.ndarray, sd: np.ndarray, level: list[int] | tuple[int, ...] | None) -> dict[str, np.ndarray]:
    """Gaussian prediction intervals around ``mean`` with per-step standard deviation ``sd``."""
    out = {"mean": np.asarray(mean, dtype=float)}
    sd = np.nan_to_num(np.asarray(sd, dtype=float), nan=0.0, posinf=0.0)
    for lv in levels_or_default(level):
        z = norm.ppf(0.5 + lv / 200)
        out[f"lo-{lv}"] = out["mean"] - z * sd
        out[f"hi-{lv}"] = out["mean"] + z * sd
    return out


def clip_nonnegative(pred: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sales cannot go below zero: clip the mean and the bounds."""
    return {k: np.maximum(v, 0.0) for k, v in pred.items()}


def as_2d(X: np.ndarray | None) -> np.ndarray | None:
    if X is None:
        return None
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    return X if X.shape[1] else None


def check_exog(X: np.ndarray | None, rows: int, what: str) -> np.ndarray | None:
    X = as_2d(X)
    if X is not None and X.shape[0] != rows:
        raise ValueError(f"{what} regressors have {X.shape[0]} rows, expected {rows}")
    return X


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run BLAS/OpenMP with one thread. The matrices here are small: extra threads add spin-waiting, not speed
    (on 2 shared cores, ETS and LSTM fits ran 3-12x slower with two threads). Parallelism comes from processes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(1):
        yield
