"""Model names and how to build each model for a series (the one place that knows every model class)."""

from __future__ import annotations

from dataclasses import dataclass

from shoplens.data.errors import UserInputError

FAMILIES = ("naive", "ets", "theta", "arima", "croston", "tsb", "adida", "lstm", "gbm")
MODEL_CHOICES = ("auto", *FAMILIES, "ensemble")
LABELS = {
    "naive": "seasonal naive",
    "ets": "exponential smoothing (ETS)",
    "theta": "Theta",
    "arima": "ARIMA",
    "croston": "Croston (SBA)",
    "tsb": "TSB",
    "adida": "ADIDA",
    "gbm": "global LightGBM",
    "lstm": "LSTM neural network",
    "ensemble": "ensemble",
}
_ALIASES = {"seasonal_naive": "naive", "snaive": "naive", "sarima": "arima", "autoarima": "arima",
            "auto_arima": "arima", "exponential_smoothing": "ets", "holt_winters": "ets", "nn": "lstm",
            "neural": "lstm", "combo": "ensemble", "best": "auto", "lightgbm": "gbm", "lgbm": "gbm",
            "global_gbm": "gbm", "sba": "croston", "optimized_theta": "theta"}


def normalize_model(name: str) -> str:
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in MODEL_CHOICES:
        from rapidfuzz import process

        close = [c for c, score, _ in process.extract(key, MODEL_CHOICES, limit=2) if score > 50]
        hint = f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise UserInputError(f"Unknown model {name!r}.", hint=hint + f"Choose one of: {', '.join(MODEL_CHOICES)}.")
    return key


@dataclass(frozen=True)
class SeriesShape:
    """What a model needs to know about the series it is built for."""

    season_length: int  # effective short season (1 when the history is too short for seasonality)
    year_period: float | None  # steps per year for yearly seasonality terms (None: not modelled)
    h: int
    t0: int = 0  # periods since 1970 of the first point (aligns positions across series)
    seed: int = 0
    threads: int | None = None


def build(family: str, shape: SeriesShape, spec: object | None = None, *, start: object | None = None,
          backtest: bool = False):
    """An unfitted model of ``family`` for a series of ``shape``.

    ``spec`` skips the automatic search; ``start`` narrows it (ARIMA: orders only, from that spec); ``backtest``
    picks the cheaper forecast path where one exists (ARIMA recursion instead of the Kalman filter)."""
    if family == "naive":
        from shoplens.forecasting.naive import SeasonalNaive

        return SeasonalNaive(shape.season_length)
    if family == "ets":
        from shoplens.forecasting.ets import ETS

        return ETS(shape.season_length if shape.season_length <= 24 else 1, spec=spec)  # type: ignore[arg-type]
    if family == "arima":
        from shoplens.forecasting.arima import AutoARIMA

        return AutoARIMA(shape.season_length, shape.year_period, spec=spec, start=start,  # type: ignore[arg-type]
                         kalman=not backtest)
    if family == "theta":
        from shoplens.forecasting.theta import Theta

        return Theta(shape.season_length, theta=None, spec=spec)
    if family in ("croston", "tsb", "adida"):
        from shoplens.forecasting import intermittent

        cls = {"croston": intermittent.Croston, "tsb": intermittent.TSB, "adida": intermittent.ADIDA}[family]
        return cls(shape.season_length, spec=spec)
    if family == "lstm":
        from shoplens.forecasting.lstm import LSTM

        return LSTM(shape.h, shape.season_length, shape.year_period, seed=shape.seed, t0=shape.t0,
                    threads=shape.threads)
    raise ValueError(f"unknown model family {family!r}")
