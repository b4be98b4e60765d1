"""A global gradient-boosted model across series (LightGBM), the approach that wins retail competitions (M5).

One model learns from every series at once. Each training row is a (series, forecast origin, step ahead)
triple: features are the series' recent values and its values one season (and one year) before the target,
scaled by the series' recent level so that big and small series share one model, plus the step ahead, the
target date's calendar position, the retail events and known closures on that date. The target is the scaled
value ``step`` periods after the origin (direct multi-step forecasting: no recursion, no error feedback).
The loss is L1, which is what MASE measures.

Determinism: LightGBM runs with a fixed thread count, ``deterministic=True``, row-wise histograms and fixed
seeds, and is trained in the calling process only, so worker processes and machine load cannot change it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.forecasting.base import normal_bands

PARAMS = {
    "objective": "l1", "learning_rate": 0.08, "num_leaves": 31, "min_data_in_leaf": 40, "feature_fraction": 0.9,
    "bagging_fraction": 1.0, "lambda_l2": 1.0, "max_bin": 255, "verbose": -1, "deterministic": True,
    "force_row_wise": True, "num_threads": 1, "seed": 0, "data_random_seed": 0, "feature_fraction_seed": 0,
}
N_TREES = 150
MAX_ROWS = 100_000  # training rows (series x origins x steps); origins are thinned evenly to stay under it


class GBMUnavailable(RuntimeError):
    """LightGBM is not installed."""


@dataclass
class GBMSeries:
    """One series as the global model sees it: values and the date features of history + horizon."""

    y: np.ndarray
    dates: np.ndarray  # (n + h, k) calendar/event/closure features per step, history then future


def _lags(freq: str, m: int, h: int) -> tuple[int, int, int]:
    """(recent lags, seasonal lag, yearly lag) for a frequency."""
    if freq == "D":
        return 14, 7, 364
    if freq == "W":
        return 13, 52, 0
    return max(m, 4), max(m, 1), 0


class GlobalGBM:
    """Direct multi-horizon LightGBM across series; ``fit_many`` then ``predict_many`` at each series' end or at
    chosen origins (backtests)."""

    name = "gbm"

    def __init__(self, h: int, freq: str, season_length: int, seed: int = 0) -> None:
        self.h, self.freq, self.m, self.seed = int(h), freq, max(int(season_length), 1), int(seed)
        self.n_lags, self.s_lag, self.y_lag = _lags(freq, self.m, self.h)
        self.window = max(self.s_lag, 8)

    # ----- features --------------------------------------------------------------------------------------
    def _rows(self, s: GBMSeries, origins: np.ndarray, upto: int) -> np.ndarray:
        """Feature rows for every origin (history length) and step; values after ``upto`` are never read."""
        y = s.y[:upto].astype(float)
        pad = max(self.n_lags, self.s_lag, self.y_lag, self.window) + 1
        yp = np.r_[np.full(pad, np.nan), y]
        T = np.asarray(origins)[:, None]  # (o, 1)
        k = np.arange(1, self.h + 1)[None, :]  # (1, h)
        recent = yp[pad + T - 1 - np.arange(self.window)[None, :]]  # (o, window)
        scale = np.nanmean(np.abs(recent), axis=1)
        allv = np.nanmean(np.abs(yp[pad:pad + upto])) if upto else 1.0
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, allv if allv > 0 else 1.0)[:, None]  # (o, 1)
        lags = yp[pad + T - 1 - np.arange(self.n_lags)[None, :]] / scale  # (o, L)
        feats = [np.repeat(lags[:, None, :], self.h, axis=1)]
        u = T - 1 + k  # target index (o, h)
        slag = self.s_lag * np.ceil(k / self.s_lag).astype(int)
        feats.append((yp[pad + u - slag] / scale)[..., None])
        if self.s_lag > 1:
            feats.append((yp[pad + u - slag - self.s_lag] / scale)[..., None])
        if self.y_lag and self.y_lag >= self.h:
            feats.append((yp[pad + u - self.y_lag] / scale)[..., None])
        r4 = np.nanmean(yp[pad + T - 1 - np.arange(4)[None, :]], axis=1, keepdims=True) / scale
        rw = np.nanmean(recent, axis=1, keepdims=True) / scale
        zeros = np.mean(recent == 0, axis=1, keepdims=True)
        for col in (r4, rw, zeros, np.log1p(scale)):
            feats.append(np.repeat(col[:, None, :], self.h, axis=1))
        feats.append(np.broadcast_to(k[..., None], (len(T), self.h, 1)).astype(float))
        feats.append(s.dates[u])  # (o, h, d)
        X = np.concatenate([np.broadcast_to(f, (len(T), self.h, f.shape[-1])) for f in feats], axis=2)
        return X.reshape(-1, X.shape[-1]), np.repeat(scale[:, 0], self.h)

    def _origins(self, upto: int, per_series: int) -> np.ndarray:
        first = min(max(self.s_lag + 1, 8), max(upto - self.h, 1))
        last = upto - self.h  # the last origin whose whole horizon is observed
        if last < first:
            return np.zeros(0, dtype=int)
        origins = np.arange(first, last + 1)
        if len(origins) > per_series:
            origins = origins[np.unique(np.linspace(0, len(origins) - 1, per_series).round().astype(int))]
        return origins

    # ----- fit / predict ---------------------------------------------------------------------------------
    def fit_many(self, series: list[GBMSeries], upto: list[int] | None = None) -> GlobalGBM:
        try:
            import lightgbm as lgb
        except ImportError as exc:  # pragma: no cover - lightgbm is a dependency
            raise GBMUnavailable("LightGBM is not installed") from exc
        upto = upto or [len(s.y) for s in series]
        per_series = max(8, MAX_ROWS // max(1, self.h * len(series)))
        Xs, ys, scales = [], [], []
        for s, n in zip(series, upto, strict=True):
            origins = self._origins(n, per_series)
            if not len(origins):
                continue
            X, scale = self._rows(s, origins, n)
            target = s.y[(origins[:, None] - 1 + np.arange(1, self.h + 1)[None, :])].reshape(-1)
            Xs.append(X)
            ys.append(target / scale)
            scales.append(scale)
        if not Xs:
            raise ValueError("no series is long enough for the global model")
        X, y = np.vstack(Xs), np.concatenate(ys)
        ok = np.isfinite(y)
        params = {**PARAMS, "seed": self.seed, "data_random_seed": self.seed, "feature_fraction_seed": self.seed}
        self.booster_ = lgb.train(params, lgb.Dataset(X[ok], y[ok], free_raw_data=True), num_boost_round=N_TREES)
        fitted = self.booster_.predict(X[ok], num_threads=1)
        resid = (y[ok] - fitted).reshape(-1)
        steps = np.tile(np.arange(self.h), len(y) // self.h)[ok]
        # spread of the scaled errors per step (in-sample, so too narrow: the backtest calibration widens them)
        self.sd_ = np.array([np.std(resid[steps == i]) if np.any(steps == i) else np.std(resid) for i in range(self.h)])
        self.n_rows_ = int(ok.sum())
        return self

    def predict_at(self, s: GBMSeries, origin: int, level: list[int] | None = None) -> dict[str, np.ndarray]:
        """Forecast the ``h`` steps after the first ``origin`` values of ``s``."""
        X, scale = self._rows(s, np.array([origin]), origin)
        mean = self.booster_.predict(X, num_threads=1) * scale
        return normal_bands(mean, self.sd_ * scale, level)

    @property
    def description(self) -> str:
        return "global LightGBM across series (lags, season, calendar, events)"
