"""One LSTM trained across related series (``lstm="global"``), backtested on the same windows as the local models.

The network is trained once on every series' history up to the first backtest cutoff and rolled forward through
the later windows, so a backtest costs one training for all series instead of one per series per window. Regressor groups are tested on the
pooled backtest (median MASE across series) and kept for every series only when they help.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shoplens.forecasting.backtest import BacktestResult, score_windows
from shoplens.forecasting.lstm import LSTM, LSTMUnavailable


def _model(ctxs: list[Any], opts: Any) -> LSTM:
    shape = ctxs[0].shape
    return LSTM(shape.h, shape.season_length, shape.year_period, seed=opts.seed, threads=opts.threads)


def _backtest(ctxs: list[Any], opts: Any, regs: tuple[str, ...]) -> list[BacktestResult]:
    """Train once on every series' history up to its first cutoff, then roll the origin through the windows."""
    n_w = max(c.plan.n_windows for c in ctxs)
    preds: list[list[dict[str, np.ndarray]]] = [[] for _ in ctxs]
    model: LSTM | None = None
    trained_on: list[int] = []
    for w in range(n_w):
        members = [i for i, c in enumerate(ctxs) if w >= n_w - c.plan.n_windows]
        cuts = {i: ctxs[i].plan.cutoffs[w - (n_w - ctxs[i].plan.n_windows)] for i in members}
        Xfull = {i: ctxs[i].X(regs) for i in members}
        if model is None or members != trained_on:
            # series join the training set in the window where their own backtest starts
            model = _model(ctxs, opts).fit_many(
                [ctxs[i].s.y[:cuts[i]] for i in members],
                [Xfull[i][:cuts[i]] for i in members] if regs else None,
                [ctxs[i].shape.t0 for i in members],
            )
            trained_on = members
        else:
            model.update_many([ctxs[i].s.y[:cuts[i]] for i in members],
                              [Xfull[i][:cuts[i]] for i in members] if regs else None)
        futs = [Xfull[i][cuts[i]:cuts[i] + ctxs[i].h] for i in members] if regs else None
        outs = model.predict_many(ctxs[0].h, futs, ctxs[0].levels)
        for i, p in zip(members, outs, strict=True):
            if ctxs[i].s.nonnegative:
                p = {k: np.maximum(v, 0.0) for k, v in p.items()}
            preds[i].append(p)
    results = []
    name = "lstm" + "".join(f"+{g}" for g in regs)
    for c, p in zip(ctxs, preds, strict=True):
        avg, per = score_windows(c.s.y, c.plan, p, max(c.shape.season_length, 1), c.levels)
        results.append(BacktestResult(name=name, model="lstm", regressors=regs, preds=p, metrics=avg, per_window=per,
                                      description="global LSTM across series"))
    return results


def add_global_lstm(runs: list[tuple[Any, list[BacktestResult], list[dict[str, Any]], dict[str, float]]],
                    opts: Any) -> None:
    """Backtest a global LSTM with greedy regressor selection and append it to every series' candidates."""
    ctxs = [r[0] for r in runs if r[0].plan.n_windows and not r[0].s.constant]
    if len(ctxs) < 1 or len({c.h for c in ctxs}) != 1:
        return
    common = [g for g in ctxs[0].groups if all(g in c.groups and c.groups[g][0].shape[1] == ctxs[0].groups[g][0].shape[1]
                                                for c in ctxs)]
    try:
        current = _backtest(ctxs, opts, ())
    except LSTMUnavailable:
        return

    def pooled(rs: list[BacktestResult]) -> float:
        return float(np.nanmedian([r.score for r in rs]))

    tests = []
    for g in common:
        trial = _backtest(ctxs, opts, (*current[0].regressors, g))
        kept = pooled(trial) < pooled(current) - 1e-9
        tests.append((g, pooled(current), pooled(trial), kept))
        if kept:
            current = trial
    regs = current[0].regressors
    final = _model(ctxs, opts).fit_many([c.s.y for c in ctxs], [c.X(regs) for c in ctxs] if regs else None,
                                        [c.shape.t0 for c in ctxs])
    futs = [c.X(regs, future=True) for c in ctxs] if regs else None
    for r, p in zip(current, final.predict_many(ctxs[0].h, futs, ctxs[0].levels), strict=True):
        r.final = p
        r.description = final.description.replace("LSTM", "global LSTM", 1)
    by_ctx = {id(c): r for c, r in zip(ctxs, current, strict=True)}
    for ctx, results, report, _ in runs:
        r = by_ctx.get(id(ctx))
        if r is None:
            continue
        results.append(r)
        for g, without, with_, kept in tests:
            report.append({"model": "lstm (global)", "regressor": g, "mase_without": without, "mase_with": with_,
                           "kept": kept})
