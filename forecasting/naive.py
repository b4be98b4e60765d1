"""Baselines: seasonal naive (the value one season ago) and naive (the last value)."""

from __future__ import annotations

import numpy as np

from shoplens.forecasting.base import normal_bands


class SeasonalNaive:
    """Repeat the last observed season. Intervals from the in-sample seasonal-difference residuals, widening
    with the number of seasons ahead (Hyndman & Athanasopoulos, FPP3 5.5)."""

    name = "naive"
    uses_exog = False

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = max(1, int(season_length))

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> SeasonalNaive:
        y = np.asarray(y, dtype=float)
        if len(y) == 0:
            raise ValueError("empty series")
        self.m_ = self.season_length if len(y) >= self.season_length else 1
        self.last_ = y[-self.m_:]
        resid = y[self.m_:] - y[: -self.m_] if len(y) > self.m_ else np.zeros(1)
        self.sigma_ = float(np.sqrt(np.mean(resid**2)))
        return self

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        reps = int(np.ceil(h / self.m_))
        mean = np.tile(self.last_, reps)[:h]
        k = np.arange(h) // self.m_
        return normal_bands(mean, self.sigma_ * np.sqrt(k + 1), level)

    @property
    def description(self) -> str:
        return f"seasonal naive (repeat the last {self.m_} periods)" if self.m_ > 1 else "naive (repeat the last value)"
