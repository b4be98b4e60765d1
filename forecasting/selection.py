"""The model race for one series: candidate families, regressor selection, the ensemble, the pick, and the
calibration of the winner's intervals on its backtest."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from shoplens.forecasting import registry
from shoplens.forecasting.backtest import BacktestResult, backtest_candidate, score_windows
from shoplens.forecasting.ensemble import combine
from shoplens.forecasting.intermittent import is_intermittent
from shoplens.forecasting.prepare import LOCAL_LSTM_MAX_SERIES, Options, SeriesContext


def families(ctx: SeriesContext, opts: Options, n_series: int) -> list[str]:
    model = registry.normalize_model(opts.model)
    lstm_ok = opts.lstm in ("local",) or (opts.lstm == "auto" and n_series <= LOCAL_LSTM_MAX_SERIES)
    if model in ("auto", "ensemble"):
        fams = ["naive", "ets", "theta", "arima"] + (["lstm"] if lstm_ok else [])
        if is_intermittent(ctx.s.y):
            fams += ["croston", "tsb", "adida"]
    elif model == "gbm":
        fams = ["naive"]  # the global model joins in forecast(), across series
    else:
        fams = sorted({"naive", model}, key=registry.FAMILIES.index)
    if ctx.s.n < 2 * ctx.h + 10 and "lstm" in fams:
        fams.remove("lstm")
        if model == "lstm":
            ctx.warnings.append("The series is too short for the LSTM; ARIMA is used instead.")
            fams = ["naive", "arima"]
    if opts.lstm == "global" and "lstm" in fams:
        fams.remove("lstm")  # evaluated jointly across series by forecast()
    return fams


def backtest_family(ctx: SeriesContext, family: str, regs: tuple[str, ...], start: object | None = None) -> BacktestResult:
    name = family + "".join(f"+{g}" for g in regs)
    t0 = time.perf_counter()
    try:
        return backtest_candidate(
            ctx.s.y, ctx.X(regs), ctx.plan,
            lambda spec: registry.build(family, ctx.shape, spec, start=start, backtest=True),
            name=name, model=family, regressors=regs, season_length=max(ctx.shape.season_length, 1),
            levels=ctx.levels, nonnegative=ctx.s.nonnegative, closed=ctx.closed,
        )
    except Exception as exc:  # a model that cannot fit this series drops out of the race, with the reason
        return BacktestResult(name=name, model=family, regressors=regs, preds=[], metrics={"mase": np.inf},
                              error=f"{type(exc).__name__}: {exc}")
    finally:
        ctx.spent[family] = ctx.spent.get(family, 0.0) + time.perf_counter() - t0


def select_regressors(ctx: SeriesContext, family: str, report: list[dict[str, Any]]) -> BacktestResult:
    """Greedy forward selection: add each regressor group in turn, keep it only if the backtest MASE drops."""
    current = backtest_family(ctx, family, ())
    for g in ctx.groups:
        # the variant keeps the base model's differencing, scale and seasonality and re-searches its orders
        trial = backtest_family(ctx, family, (*current.regressors, g), start=current.spec)
        kept = trial.error is None and trial.score < current.score - 1e-9
        report.append({
            "model": family, "regressor": g,
            "mase_without": current.metrics.get("mase"), "mase_with": trial.metrics.get("mase"), "kept": kept,
        })
        if kept:
            current = trial
    return current


#: For ``ensemble_method="mean"|"median"``: members must score within this factor of the best model.
ENSEMBLE_TRIM = 1.15
#: ``"weighted"`` (the default): every candidate, weighted by its backtest score to this negative power.
WEIGHT_POWER = 2.0


def _window_scores(r: BacktestResult) -> np.ndarray:
    return np.array([w["mase"] if np.isfinite(w.get("mase", np.nan)) else w.get("mae", np.inf) for w in r.per_window])


def inverse_score_weights(scores: np.ndarray) -> np.ndarray:
    """Weights proportional to score^-2 (Bates-Granger style: a model half as accurate counts a quarter)."""
    scores = np.asarray(scores, dtype=float)
    floor = max(float(np.min(scores)) * 1e-3, 1e-12) if np.any(scores > 0) else 1.0
    w = np.maximum(scores, floor) ** -WEIGHT_POWER
    return w / w.sum()


def ensemble_result(ctx: SeriesContext, results: list[BacktestResult], k: int, method: str) -> BacktestResult | None:
    """The combination of candidates, scored on the same backtest windows.

    ``weighted``: every candidate, weights from the inverse squared backtest score. On M4 Weekly (validation split)
    this beat picking the best candidate by backtest and every equal-weight subset: the backtest is a noisy
    judge of one model, a good judge of how much to trust each. Its own backtest score is honest: the weights used
    in each window come from the other windows only (leave-one-window-out)."""
    ok = sorted((r for r in results if r.error is None and np.isfinite(r.score) and r.preds), key=lambda r: r.score)
    if method != "weighted":
        members = [r for r in ok[:k] if r.score <= ok[0].score * ENSEMBLE_TRIM] if ok else []
        weights = None
    else:
        members = [r for r in ok if len(r.per_window) == ctx.plan.n_windows and np.all(np.isfinite(_window_scores(r)))]
        weights = inverse_score_weights(np.array([r.score for r in members])) if len(members) >= 2 else None
    if len(members) < 2:
        return None
    preds = []
    for i in range(ctx.plan.n_windows):
        if weights is None:
            preds.append(combine([r.preds[i] for r in members], method))
            continue
        ws = np.array([np.delete(_window_scores(r), i).mean() if ctx.plan.n_windows > 1 else r.score for r in members])
        preds.append(combine([r.preds[i] for r in members], "weighted", inverse_score_weights(ws)))
    avg, per = score_windows(ctx.s.y, ctx.plan, preds, max(ctx.shape.season_length, 1), ctx.levels)
    what = (", ".join(f"{r.name} ({w:.0%})" for r, w in zip(members, weights, strict=True)) if weights is not None
            else ", ".join(r.name for r in members))
    return BacktestResult(
        name="ensemble", model="ensemble", regressors=(), preds=preds, metrics=avg, per_window=per,
        description=f"{'weighted mean' if weights is not None else method} of {what}",
        spec={"members": members, "weights": weights, "method": method}, seconds=0.0,
    )


#: The LSTM is trained once per backtest and is the least stable model on a few hundred windows: it must beat the
#: best other candidate by this margin to be chosen, otherwise that candidate is.
LSTM_MARGIN = 0.03


#: ``auto`` uses the weighted combination unless one model beats its (honest) backtest score by this margin.
SINGLE_MARGIN = 0.2


def pick(board: list[BacktestResult]) -> tuple[BacktestResult, str]:
    """``auto``: the weighted combination, unless one candidate is clearly better on the backtest (by
    :data:`SINGLE_MARGIN`); without a combination, the lowest backtest MASE."""
    ens = next((r for r in board if r.model == "ensemble" and r.description.startswith("weighted")), None)
    singles = [r for r in board if r.model != "ensemble"]
    if ens is not None:
        if singles and singles[0].score < ens.score * (1 - SINGLE_MARGIN) and singles[0].model != "lstm":
            return singles[0], f"backtest MASE more than {SINGLE_MARGIN:.0%} below the weighted combination's"
        return ens, "combination of every candidate, weighted by backtest accuracy"
    best = board[0]
    if best.model == "lstm":
        others = [r for r in board if r.model != "lstm" and "lstm" not in r.description]
        if others and others[0].score <= best.score * (1 + LSTM_MARGIN):
            return others[0], (f"backtest MASE within {LSTM_MARGIN:.0%} of the LSTM's, and steadier")
    return best, "lowest backtest MASE"


def leader_row(r: BacktestResult) -> dict[str, Any]:
    row: dict[str, Any] = {"model": r.model, "candidate": r.name, "description": r.description}
    for k, v in r.metrics.items():
        row[k] = round(float(v), 4) if v is not None and np.isfinite(v) else None
    row["backtest_s"] = round(r.seconds, 3)
    if r.error:
        row["error"] = r.error
    return row


def calibrate(pred: dict[str, np.ndarray], r: BacktestResult, ctx: SeriesContext,
               max_factor: float = 3.0) -> tuple[dict[str, np.ndarray], dict[int, float]]:
    """Widen each interval by the smallest factor that gives nominal coverage on the backtest (never narrow it).

    Model-based intervals ignore parameter and model uncertainty, so they are usually too narrow; the backtest
    windows are data the model never saw, which makes them an honest yardstick (split-conformal style)."""
    if not r.preds or ctx.plan.n_windows == 0:
        return tidy_bands(pred, ctx.levels, ctx.s.nonnegative), {}
    y = np.concatenate([ctx.s.y[c:c + ctx.h] for c in ctx.plan.cutoffs])
    out, factors = dict(pred), {}
    for lv in ctx.levels:
        lo_k, hi_k = f"lo-{lv}", f"hi-{lv}"
        if lo_k not in pred or not all(lo_k in p and hi_k in p for p in r.preds):
            continue
        mean = np.concatenate([p["mean"] for p in r.preds])
        down = mean - np.concatenate([p[lo_k] for p in r.preds])
        up = np.concatenate([p[hi_k] for p in r.preds]) - mean
        err = y - mean
        # the factor each point needs to be covered; the level-quantile of those is the calibration factor
        need = np.where(err >= 0, np.divide(err, up, out=np.full_like(err, np.inf), where=up > 0),
                        np.divide(-err, down, out=np.full_like(err, np.inf), where=down > 0))
        need = np.where((err == 0), 0.0, need)
        f = float(np.quantile(need, lv / 100, method="higher"))
        if not np.isfinite(f) or f <= 1.0:
            continue
        f = min(f, max_factor)
        factors[lv] = round(f, 2)
        m = pred["mean"]
        out[lo_k] = m - f * (m - pred[lo_k])
        out[hi_k] = m + f * (pred[hi_k] - m)
    return tidy_bands(out, ctx.levels, ctx.s.nonnegative), factors


def tidy_bands(pred: dict[str, np.ndarray], levels: list[int], nonnegative: bool) -> dict[str, np.ndarray]:
    """lo <= mean <= hi, wider levels contain narrower ones, and nothing below zero for sales."""
    out = dict(pred)
    prev_lo = prev_hi = out["mean"]
    for lv in sorted(levels):
        if f"lo-{lv}" not in out:
            continue
        out[f"lo-{lv}"] = np.minimum(out[f"lo-{lv}"], prev_lo)
        out[f"hi-{lv}"] = np.maximum(out[f"hi-{lv}"], prev_hi)
        prev_lo, prev_hi = out[f"lo-{lv}"], out[f"hi-{lv}"]
    if nonnegative:
        out = {k: np.maximum(v, 0.0) for k, v in out.items()}
    return out


def backtest_frame(ctx: SeriesContext, r: BacktestResult) -> pd.DataFrame | None:
    if not r.preds:
        return None
    rows = []
    for c, p in zip(ctx.plan.cutoffs, r.preds, strict=True):
        part = pd.DataFrame({"ds": ctx.s.ds[c:c + ctx.h], "cutoff": ctx.s.ds[c - 1], "y": ctx.s.y[c:c + ctx.h]})
        for k, v in p.items():
            part[k] = v
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def evaluate_series(ctx: SeriesContext, opts: Options, n_series: int) -> tuple[list[BacktestResult], list[dict[str, Any]]]:
    report: list[dict[str, Any]] = []
    results: list[BacktestResult] = []
    if ctx.plan.n_windows == 0 or ctx.s.constant:
        return results, report
    for fam in families(ctx, opts, n_series):
        model_uses_exog = fam in ("arima", "lstm")
        results.append(select_regressors(ctx, fam, report) if model_uses_exog else backtest_family(ctx, fam, ()))
    return results, report
