"""The orchestrator: long frames in (``unique_id, ds, y`` + regressor columns), forecasts out.

``forecast(df, h, model="auto")`` cleans each series (:mod:`series`), backtests candidate models on rolling
origins (:mod:`backtest`), keeps a regressor only when it lowers the backtest MASE, picks the model with the
lowest MASE (or the one asked for), refits it on the whole history and returns the forecast with intervals,
the leaderboard, the regressor report, warnings and explanation facts. ``cross_validation`` exposes the
backtest as a Nixtla-style frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shoplens.data.errors import UserInputError
from shoplens.forecasting import registry
from shoplens.forecasting.backtest import BacktestResult, apply_closed
from shoplens.forecasting.base import single_threaded
from shoplens.forecasting.ensemble import combine
from shoplens.forecasting.prepare import Options, SeriesContext, build_context
from shoplens.forecasting.selection import (
    backtest_family,
    backtest_frame,
    calibrate,
    ensemble_result,
    evaluate_series,
    leader_row,
    pick,
)
from shoplens.forecasting.series import Series, check_horizon, prepare_series

__all__ = ["ForecastResult", "Options", "SeriesForecast", "cross_validation", "forecast"]


@dataclass
class SeriesForecast:
    uid: str
    freq: str
    ds: pd.DatetimeIndex
    y: np.ndarray
    forecast: pd.DataFrame  # ds, mean, lo-80, hi-80, lo-95, hi-95
    model: str
    description: str
    leaderboard: list[dict[str, Any]]
    regressors: list[dict[str, Any]]  # one row per regressor test: model, regressor, mase without/with, kept
    selected_regressors: list[str]
    backtest: pd.DataFrame | None  # chosen model's backtest forecasts: ds, cutoff, y, mean, bounds
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    why: str = ""
    candidate: str = ""  # the chosen leaderboard row (e.g. "arima+calendar")

    def to_dict(self) -> dict[str, Any]:
        from shoplens.data.serialize import jsonable

        return jsonable({
            "unique_id": self.uid,
            "freq": self.freq,
            "model": self.model,
            "model_description": self.description,
            "candidate": self.candidate,
            "why": self.why,
            "forecast": self.forecast.assign(ds=self.forecast["ds"].dt.date).to_dict(orient="records"),
            "leaderboard": self.leaderboard,
            "regressors": self.regressors,
            "warnings": self.warnings,
            "notes": self.notes,
            "facts": self.facts,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        })


@dataclass
class ForecastResult:
    series: list[SeriesForecast]
    errors: dict[str, str] = field(default_factory=dict)  # uid -> message for series that could not be forecast

    def to_frame(self) -> pd.DataFrame:
        """Long frame ``unique_id, ds, model, mean, lo-80, ...``."""
        frames = [s.forecast.assign(unique_id=s.uid, model=s.model) for s in self.series]
        if not frames:
            return pd.DataFrame(columns=["unique_id", "ds", "model", "mean"])
        out = pd.concat(frames, ignore_index=True)
        return out[["unique_id", "ds", "model", *[c for c in out.columns if c not in ("unique_id", "ds", "model")]]]

    def __getitem__(self, uid: str) -> SeriesForecast:
        for s in self.series:
            if s.uid == uid:
                return s
        raise KeyError(uid)

    def to_dict(self) -> dict[str, Any]:
        return {"series": [s.to_dict() for s in self.series], "errors": self.errors}


Totals = dict[int, tuple[float, float]]


def _fit_final(ctx: SeriesContext, r: BacktestResult) -> tuple[dict[str, np.ndarray], str, Totals | None]:
    """Refit the chosen candidate on the whole history: the forecast, its description and, when the model can
    simulate paths, the range of the horizon total."""
    if r.model == "ensemble":
        spec: dict[str, Any] = r.spec  # type: ignore[assignment]
        parts = [_fit_final(ctx, m) for m in spec["members"]]
        if spec["weights"] is None:
            return (combine([p for p, _, _ in parts], spec["method"]),
                    f"{spec['method']} of " + " + ".join(d for _, d, _ in parts), None)
        # the same words as the leaderboard row: candidate names and weights (each form is on its own row)
        return combine([p for p, _, _ in parts], "weighted", spec["weights"]), r.description, None
    if r.final is not None:
        return r.final, r.description + (" + " + ", ".join(r.regressors) if r.regressors else ""), None
    # the final fit keeps the form the backtest validated (ARIMA orders, ETS components, theta, smoothing
    # constants) and re-estimates its coefficients on the whole history: the headline and the leaderboard
    # describe the same model
    model = registry.build(r.model, ctx.shape, r.spec)
    model.fit(ctx.s.y, ctx.X(r.regressors))
    pred = model.predict(ctx.h, ctx.X(r.regressors, future=True), ctx.levels)
    desc = model.description + (" + " + ", ".join(r.regressors) if r.regressors else "")
    totals = model.total_interval(ctx.levels) if hasattr(model, "total_interval") else None
    return pred, desc, totals or None


def _total_range(fc: pd.DataFrame, totals: Totals | None, factors: dict[int, float], levels: list[int],
                 nonnegative: bool) -> dict[str, Any]:
    """The horizon total's interval per level: simulated when the model can (correlated errors), else the sum of
    the periods' bounds, which is an upper limit on the range."""
    total = float(fc["mean"].sum())
    out: dict[str, Any] = {"method": "simulated paths" if totals else "sum of the periods' bounds (widest case)"}
    for lv in levels:
        if totals and lv in totals:
            lo, hi = totals[lv]
            f = factors.get(lv, 1.0)
            lo, hi = total - f * (total - lo), total + f * (hi - total)
        elif f"lo-{lv}" in fc:
            lo, hi = float(fc[f"lo-{lv}"].sum()), float(fc[f"hi-{lv}"].sum())
        else:
            continue
        lo, hi = min(lo, total), max(hi, total)
        out[str(lv)] = [round(max(lo, 0.0) if nonnegative else lo, 2), round(hi, 2)]
    return out


def _finish(ctx: SeriesContext, opts: Options, results: list[BacktestResult], report: list[dict[str, Any]],
            timings: dict[str, float]) -> SeriesForecast:
    from shoplens.forecasting.facts import build_facts

    model = registry.normalize_model(opts.model)
    start = time.perf_counter()
    ens = ensemble_result(ctx, results, opts.ensemble_k, opts.ensemble_method) if model in ("auto", "ensemble") else None
    board = [r for r in results if r.error is None] + ([ens] if ens else [])
    board.sort(key=lambda r: r.score)
    failed = [r for r in results if r.error]
    chosen: BacktestResult | None
    why = ""
    if ctx.s.constant:
        chosen = BacktestResult("naive", "naive", (), [], {})
        why = "the history is constant"
    elif not board:
        fam = "ets" if ctx.s.n >= 10 else "naive"
        if model in ("naive", "ets", "arima") and (model == "naive" or ctx.s.n >= 10):
            fam = model
        chosen = BacktestResult(fam, fam, (), [], {})
        why = "too little history to compare models" if model in ("auto", "ensemble") else "requested"
    elif model == "auto":
        chosen, why = pick(board)
    else:
        asked = [r for r in board if r.model == model]
        chosen = asked[0] if asked else board[0]
        if not asked:
            ctx.warnings.append(f"The {registry.LABELS[model]} model could not be fitted to this series; "
                                f"{registry.LABELS[chosen.model]} is used instead.")
        why = "requested" if asked else "fallback"
    try:
        pred, desc, totals = _fit_final(ctx, chosen)
    except Exception as exc:  # never lose the forecast to one model's failure on the full history
        ctx.warnings.append(f"The {registry.LABELS.get(chosen.model, chosen.model)} model failed on the full history "
                            f"({type(exc).__name__}); seasonal naive is used instead.")
        chosen = next((r for r in board if r.model == "naive"), BacktestResult("naive", "naive", (), [], {}))
        pred, desc, totals = _fit_final(ctx, chosen)
        why = "fallback"
    if ctx.s.nonnegative:
        pred = {k: np.maximum(v, 0.0) for k, v in pred.items()}
    pred = apply_closed(pred, ctx.closed, ctx.s.n, ctx.h)
    pred, calibration = calibrate(pred, chosen, ctx)
    pred = apply_closed(pred, ctx.closed, ctx.s.n, ctx.h)
    if calibration:
        ctx.notes.append("Intervals widened to match the backtest's coverage: " + ", ".join(
            f"{lv}% x{f:.2f}" for lv, f in calibration.items()) + ".")
    order = ["mean"] + [f"{b}-{lv}" for lv in ctx.levels for b in ("lo", "hi")]
    fc = pd.DataFrame({"ds": ctx.fut_ds, **{k: pred[k] for k in order if k in pred}})
    timings["final_fit"] = time.perf_counter() - start
    timings.update({f"backtest:{k}": v for k, v in ctx.spent.items()})
    leaderboard = [leader_row(r) for r in board] + [leader_row(r) for r in failed]
    sf = SeriesForecast(
        uid=ctx.s.uid, freq=ctx.s.freq, ds=ctx.s.ds, y=ctx.s.y, forecast=fc, model=chosen.model, description=desc,
        leaderboard=leaderboard, regressors=report, selected_regressors=list(chosen.regressors),
        backtest=backtest_frame(ctx, chosen), warnings=ctx.warnings, notes=ctx.notes, timings=timings, why=why,
        candidate=chosen.name,
    )
    if not opts.explain:  # batch runs store the forecasts only: no explanation facts (STL trend, seasonality...)
        return sf
    t_facts = time.perf_counter()
    sf.facts = build_facts(sf, ctx.shape.season_length, chosen, board)
    sf.facts["forecast_total_range"] = _total_range(fc, totals, calibration, ctx.levels, ctx.s.nonnegative)
    if "80" in sf.facts["forecast_total_range"]:
        sf.facts["forecast_lo"], sf.facts["forecast_hi"] = sf.facts["forecast_total_range"]["80"]
    timings["facts"] = time.perf_counter() - t_facts
    return sf


def _run_one(s: Series, opts: Options, future_X: pd.DataFrame | None, n_series: int,
             worker: bool = False) -> tuple[SeriesContext, list[BacktestResult], list[dict[str, Any]], dict[str, float]]:
    if worker:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    t = time.perf_counter()
    ctx = build_context(s, opts, future_X)
    t_ctx = time.perf_counter()
    results, report = evaluate_series(ctx, opts, n_series)
    return ctx, results, report, {"prepare": t_ctx - t, "backtest": time.perf_counter() - t_ctx}


def _split_future(df: pd.DataFrame, regressors: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Rows after a series' last value that carry regressor values are future regressor rows."""
    if not regressors:
        return df, None
    y = pd.to_numeric(df["y"], errors="coerce")
    last_valid = df.assign(_y=y).dropna(subset=["_y"]).groupby("unique_id")["ds"].max()
    after = df["ds"] > df["unique_id"].map(last_valid)
    return df[~after], (df[after] if after.any() else None)


def forecast(
    df: pd.DataFrame,
    h: int,
    model: str = "auto",
    level: tuple[int, ...] | list[int] = (80, 95),
    *,
    freq: str | None = None,
    regressors: list[str] | None = None,
    future_X: pd.DataFrame | None = None,
    fill: str = "zero",
    end: pd.Timestamp | None = None,
    n_jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> ForecastResult:
    """Forecast every series of a long frame ``unique_id, ds, y`` ``h`` steps ahead.

    ``regressors`` names extra columns of ``df`` to try as regressors (e.g. ``sentiment``); their future values
    come from ``future_X`` (``unique_id, ds, <columns>``), from rows after the last value in ``df``, or are held
    at the last value. ``progress(done, total)`` is called as series finish their model race. Other keyword
    options are the fields of :class:`Options`.

    The result depends only on the inputs and options: never on ``n_jobs``, thread counts or machine load
    (every model runs single-threaded with fixed seeds, and no decision uses a time budget).
    """
    bad = [lv for lv in level if not isinstance(lv, int | float) or not 0 < lv < 100]
    if bad or not level:
        raise UserInputError(f"Interval levels must be percentages between 0 and 100 (got {list(level)}).",
                             hint="For example --level 80 --level 95.")
    if isinstance(h, bool) or not isinstance(h, int | np.integer):
        raise UserInputError(f"The horizon must be a whole number of periods (got {h!r}).")
    unknown = set(options) - set(Options.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown forecast option(s): {', '.join(sorted(unknown))}")
    opts = Options(h=int(h), model=registry.normalize_model(model), level=tuple(int(lv) for lv in level), **options)
    if opts.lstm not in ("auto", "local", "global", "off"):
        raise UserInputError(f"Unknown LSTM mode {opts.lstm!r}.", hint="Use auto, local, global or off.")
    with single_threaded():
        return _forecast(df, opts, regressors, future_X, freq, fill, end, n_jobs, progress)


def _forecast(df: pd.DataFrame, opts: Options, regressors: list[str] | None, future_X: pd.DataFrame | None,
              freq: str | None, fill: str, end: pd.Timestamp | None, n_jobs: int,
              progress: Callable[[int, int], None] | None = None) -> ForecastResult:
    df = df if "unique_id" in df.columns else df.assign(unique_id="series")
    regs = [r for r in (regressors or [])]
    missing = [r for r in regs if r not in df.columns]
    if missing:
        raise UserInputError(f"Regressor column(s) not found: {', '.join(missing)}.",
                             hint=f"Columns are: {', '.join(map(str, df.columns))}.")
    df = df.assign(ds=pd.to_datetime(df["ds"], errors="coerce"))
    df, fut_rows = _split_future(df, regs)
    if future_X is None:
        future_X = fut_rows
    if df.empty:
        raise UserInputError("There is no data to forecast.", hint="Check the filters or the input file.")
    series: list[Series] = []
    errors: dict[str, str] = {}
    for uid, g in df.groupby("unique_id", sort=True):
        try:
            series.append(prepare_series(str(uid), g["ds"], g["y"], freq=freq, fill=fill,
                                         X=g[regs] if regs else None, end=end))
        except UserInputError as exc:
            errors[str(uid)] = str(exc)
    fx = {str(u): g for u, g in future_X.groupby("unique_id")} if future_X is not None else {}
    runs: list[Any] = []
    todo = []
    for s in series:
        try:
            check_horizon(opts.h, s)
            todo.append(s)
        except UserInputError as exc:
            errors[s.uid] = str(exc)
    if not todo:
        first = next(iter(errors.values()), "nothing to forecast")
        raise UserInputError(first) if len(errors) <= 1 else UserInputError(
            f"None of the {len(errors)} series could be forecast. First problem: {first}")
    n = len(todo)
    if n_jobs != 1 and n > 1:
        from joblib import Parallel, delayed

        wopts = Options(**{**opts.__dict__, "threads": 1})
        gen = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")(
            delayed(_run_one)(s, wopts, fx.get(s.uid), n, True) for s in todo
        )
    else:
        gen = (_run_one(s, opts, fx.get(s.uid), n) for s in todo)
    for run in gen:  # in input order, whatever the number of processes
        runs.append(run)
        if progress is not None:
            progress(len(runs), n)
    if opts.lstm == "global":
        from shoplens.forecasting.global_lstm import add_global_lstm

        add_global_lstm(runs, opts)
    if opts.gbm == "on" or (opts.gbm == "auto" and opts.model in ("auto", "ensemble", "gbm")):
        from shoplens.forecasting.global_gbm import add_global_gbm

        add_global_gbm(runs, opts)
    out = [_finish(ctx, opts, results, report, timings) for ctx, results, report, timings in runs]
    return ForecastResult(series=out, errors=errors)


def cross_validation(
    df: pd.DataFrame,
    h: int,
    n_windows: int = 3,
    step: int | None = None,
    models: tuple[str, ...] = ("naive", "ets", "arima"),
    level: tuple[int, ...] = (80, 95),
    freq: str | None = None,
    fill: str = "zero",
) -> pd.DataFrame:
    """Nixtla-style backtest frame: ``unique_id, ds, cutoff, y, <model>, <model>-lo-80, ...`` (no regressors)."""
    with single_threaded():
        return _cross_validation(df, h, n_windows, step, models, level, freq, fill)


def _cross_validation(df: pd.DataFrame, h: int, n_windows: int, step: int | None, models: tuple[str, ...],
                      level: tuple[int, ...], freq: str | None, fill: str) -> pd.DataFrame:
    frames = []
    opts = Options(h=int(h), n_windows=n_windows, step=step or int(h), level=tuple(level), calendar=False)
    df = df if "unique_id" in df.columns else df.assign(unique_id="series")
    for uid, g in df.groupby("unique_id", sort=True):
        s = prepare_series(str(uid), g["ds"], g["y"], freq=freq, fill=fill)
        ctx = build_context(s, opts, None)
        base = None
        for fam in models:
            r = backtest_family(ctx, registry.normalize_model(fam), ())
            if r.error:
                raise UserInputError(f"{fam} could not be backtested on {uid!r}: {r.error}")
            frame = backtest_frame(ctx, r)
            if frame is None:
                raise UserInputError(f"Series {uid!r} is too short for {n_windows} backtest windows of {h}.")
            renamed = frame.rename(columns={k: (fam if k == "mean" else f"{fam}-{k}") for k in frame.columns
                                            if k not in ("ds", "cutoff", "y")})
            base = renamed if base is None else base.merge(renamed, on=["ds", "cutoff", "y"])
        if base is not None:
            frames.append(base.assign(unique_id=str(uid)))
    out = pd.concat(frames, ignore_index=True)
    return out[["unique_id", *[c for c in out.columns if c != "unique_id"]]]
