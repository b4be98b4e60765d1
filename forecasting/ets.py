"""Exponential smoothing (ETS) with automatic choice of error, trend and season by AICc (statsmodels ETSModel)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.forecasting.base import levels_or_default


@dataclass(frozen=True)
class ETSSpec:
    error: str  # add | mul
    trend: str | None  # None | add (always damped: undamped trends overshoot at long horizons)
    seasonal: str | None  # None | add | mul

    @property
    def code(self) -> str:
        e = "A" if self.error == "add" else "M"
        t = "Ad" if self.trend else "N"
        s = {None: "N", "add": "A", "mul": "M"}[self.seasonal]
        return f"ETS({e},{t},{s})"


class ETS:
    """ETS(error, damped trend, season) picked by AICc among a small set of well-behaved forms.

    Pass ``spec`` to skip the search (the backtest reuses the spec chosen on its first window)."""

    name = "ets"
    uses_exog = False

    def __init__(self, season_length: int = 1, spec: ETSSpec | None = None) -> None:
        self.season_length = int(season_length)
        self.spec = spec

    def _candidates(self, y: np.ndarray) -> list[ETSSpec]:
        m = self.season_length
        seasonal = m > 1 and len(y) >= 2 * m + 2
        positive = bool(np.all(y > 0))
        out = []
        for trend in (None, "add"):
            out.append(ETSSpec("add", trend, "add" if seasonal else None))
            if positive:
                out.append(ETSSpec("mul", trend, "mul" if seasonal else None))
        return out

    def _fit_one(self, y: np.ndarray, spec: ETSSpec):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model = ETSModel(
            pd.Series(y),
            error=spec.error,
            trend=spec.trend,
            damped_trend=spec.trend is not None,
            seasonal=spec.seasonal,
            seasonal_periods=self.season_length if spec.seasonal else None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(disp=False, maxiter=200)

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> ETS:
        y = np.asarray(y, dtype=float)
        self.n_ = len(y)
        self.flat_ = float(y[-1]) if np.ptp(y) == 0 else None
        if self.flat_ is not None:
            self.spec_ = ETSSpec("add", None, None)
            return self
        specs = [self.spec] if self.spec is not None else self._candidates(y)
        best, best_spec = None, None
        for spec in specs:
            try:
                res = self._fit_one(y, spec)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if not np.isfinite(res.aicc):
                continue
            if best is None or res.aicc < best.aicc:
                best, best_spec = res, spec
        if best is None:  # fall back to the simplest form
            best_spec = ETSSpec("add", None, None)
            best = self._fit_one(y, best_spec)
        self.res_, self.spec_ = best, best_spec
        return self

    def update(self, y: np.ndarray, X: np.ndarray | None = None) -> ETS:
        """Run the fitted smoothing parameters over a longer history without re-estimating them (backtests)."""
        y = np.asarray(y, dtype=float)
        if self.flat_ is not None or not hasattr(self, "res_") or (self.spec_.error == "mul" and np.min(y) <= 0):
            self.spec = getattr(self, "spec_", self.spec)
            return self.fit(y)
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        spec = self.spec_
        model = ETSModel(pd.Series(y), error=spec.error, trend=spec.trend, damped_trend=spec.trend is not None,
                         seasonal=spec.seasonal, seasonal_periods=self.season_length if spec.seasonal else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.res_ = model.smooth(self.res_.params)
        self.n_ = len(y)
        return self

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None) -> dict[str, np.ndarray]:
        levels = levels_or_default(level)
        self.last_h_ = h
        if self.flat_ is not None:
            mean = np.full(h, self.flat_)
            return {"mean": mean, **{f"{b}-{lv}": mean.copy() for lv in levels for b in ("lo", "hi")}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # multiplicative forms get simulated intervals: a fixed random state keeps runs repeatable
            pred = self.res_.get_prediction(start=self.n_, end=self.n_ + h - 1, rng=np.random.default_rng(0))
            out = {"mean": np.asarray(pred.predicted_mean, dtype=float)}
            for lv in levels:
                frame = pred.summary_frame(alpha=1 - lv / 100)
                out[f"lo-{lv}"] = frame["pi_lower"].to_numpy(dtype=float)
                out[f"hi-{lv}"] = frame["pi_upper"].to_numpy(dtype=float)
        return out

    def total_interval(self, levels: list[int], n_paths: int = 2000, seed: int = 0) -> dict[int, tuple[float, float]]:
        """Range of the sum over the last predicted horizon, from paths simulated by the fitted model."""
        h = getattr(self, "last_h_", None)
        if h is None:
            return {}
        if self.flat_ is not None:
            return {lv: (self.flat_ * h, self.flat_ * h) for lv in levels}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sims = self.res_.simulate(h, anchor="end", repetitions=n_paths, rng=np.random.default_rng(seed))
        totals = np.asarray(sims, dtype=float).reshape(h, -1).sum(axis=0)
        return {lv: (float(np.quantile(totals, (100 - lv) / 200)), float(np.quantile(totals, 1 - (100 - lv) / 200)))
                for lv in levels}

    @property
    def description(self) -> str:
        return self.spec_.code if hasattr(self, "spec_") else "ETS"
