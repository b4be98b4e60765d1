"""The global LightGBM candidate: trained across all series of one ``forecast()`` call, backtested on the same
windows as the local models, and added to every series' race.

It is trained twice per call: once on every series' history up to its first backtest cutoff (the model then
forecasts each window from that window's origin, without refitting: the same rolling origin without
re-estimation as the local models), and once on the whole history for the final forecast.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shoplens.forecasting.backtest import BacktestResult, score_windows
from shoplens.forecasting.gbm import GBMSeries, GBMUnavailable, GlobalGBM

#: series shorter than this (in periods) do not join the global model
MIN_LENGTH = 16


def date_features(ds: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Calendar position of each date for a tree model (plain integers: trees need no sine/cosine)."""
    if freq == "D":
        cols = [ds.day_of_week, ds.day, ds.month, ds.day_of_year]
    elif freq == "W":
        cols = [ds.isocalendar().week.to_numpy(dtype=float), ds.month, ds.day]
    elif freq == "M":
        cols = [ds.month]
    else:
        cols = [ds.quarter]
    return np.column_stack([np.asarray(c, dtype=float) for c in cols])


def _gbm_series(ctx: Any, opts: Any) -> GBMSeries:
    from shoplens.forecasting.calendar import calendar_features

    all_ds = ctx.s.ds.append(ctx.fut_ds)
    parts = []
    if opts.calendar:
        parts.append(date_features(all_ds, ctx.s.freq))
        if ctx.s.freq in ("D", "W", "M"):
            parts.append(calendar_features(all_ds, ctx.s.freq, extra_events=opts.extra_events).to_numpy(dtype=float))
    if ctx.closed is not None:
        parts.append(ctx.closed[:, None].astype(float))
    if "campaigns" in ctx.groups:
        hist, fut = ctx.groups["campaigns"]
        parts.append(np.r_[hist[:, 0], fut[:, 0]][:, None])
    dates = np.column_stack(parts) if parts else np.zeros((len(all_ds), 0))
    return GBMSeries(np.asarray(ctx.s.y, dtype=float), dates)


def _columns_agree(series: list[GBMSeries]) -> bool:
    return len({s.dates.shape[1] for s in series}) == 1


def add_global_gbm(runs: list[tuple[Any, list[BacktestResult], list[dict[str, Any]], dict[str, float]]],
                   opts: Any) -> None:
    """Backtest the global LightGBM model and append it to every eligible series' candidates."""
    import time

    ctxs = [r[0] for r in runs if r[0].plan.n_windows and not r[0].s.constant and r[0].s.n >= MIN_LENGTH]
    if not ctxs or len({(c.h, c.s.freq) for c in ctxs}) != 1:
        return
    t0 = time.perf_counter()
    series = [_gbm_series(c, opts) for c in ctxs]
    if not _columns_agree(series):  # e.g. campaigns known for some series only: leave the campaign column out
        series = [GBMSeries(s.y, s.dates[:, : min(x.dates.shape[1] for x in series)]) for s in series]
    c0 = ctxs[0]
    model = GlobalGBM(c0.h, c0.s.freq, max(c0.s.season_length, 1), seed=opts.seed)
    try:
        model.fit_many(series, [c.plan.cutoffs[0] for c in ctxs])
    except GBMUnavailable:
        return
    results = []
    for c, s in zip(ctxs, series, strict=True):
        preds = []
        for cut in c.plan.cutoffs:
            p = model.predict_at(s, cut, c.levels)
            preds.append({k: np.maximum(v, 0.0) for k, v in p.items()} if c.s.nonnegative else p)
        avg, per = score_windows(c.s.y, c.plan, preds, max(c.shape.season_length, 1), c.levels)
        results.append(BacktestResult(name="gbm", model="gbm", regressors=(), preds=preds, metrics=avg, per_window=per,
                                      description=model.description))
    final = GlobalGBM(c0.h, c0.s.freq, max(c0.s.season_length, 1), seed=opts.seed).fit_many(series)
    spent = (time.perf_counter() - t0) / len(ctxs)
    for c, s, r in zip(ctxs, series, results, strict=True):
        r.final = final.predict_at(s, c.s.n, c.levels)
        r.seconds = spent
        c.spent["gbm"] = spent
    by_ctx = {id(c): r for c, r in zip(ctxs, results, strict=True)}
    for ctx, res, _, _ in runs:
        r = by_ctx.get(id(ctx))
        if r is not None:
            res.append(r)
