"""Per-series preparation for the orchestrator: options, the backtest plan and the regressor groups.

A :class:`SeriesContext` carries everything the model race needs for one series: the clean series, its
effective seasonality, the rolling-origin windows, and each candidate regressor group's history and future rows
(``calendar`` events, ``campaigns`` from the shop's campaign calendar, and any user columns such as ``sentiment``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shoplens.forecasting import registry
from shoplens.forecasting.backtest import WindowPlan, plan_windows
from shoplens.forecasting.base import levels_or_default
from shoplens.forecasting.calendar import calendar_features, campaign_feature, campaigns_end
from shoplens.forecasting.closures import closed_mask
from shoplens.forecasting.closures import describe as describe_closures
from shoplens.forecasting.series import Series, check_horizon, future_dates, periods_per_year, unit

LOCAL_LSTM_MAX_SERIES = 10  # with more series, "auto" leaves the LSTM out unless lstm="global" or "local"


@dataclass
class Options:
    h: int
    model: str = "auto"
    level: tuple[int, ...] = (80, 95)
    n_windows: int = 5
    step: int | None = None  # default: windows spread over about a year when the history allows, else h
    calendar: bool = True
    campaigns: Any = None  # frame start_date/end_date[/discount_pct] or [(start, end, intensity)]
    extra_events: dict[str, list] | None = None
    seed: int = 0
    lstm: str = "auto"  # auto | local | global | off
    ensemble_k: int = 3
    ensemble_method: str = "weighted"  # weighted (every candidate, by backtest score) | mean | median (top k)
    closures: list | None = None  # known closed days: ISO dates, or MM-DD for every year
    detect_closures: bool = True  # also find closed weekdays / yearly closed days in daily sales
    gbm: str = "auto"  # auto | on | off: the global LightGBM candidate
    explain: bool = True  # build the explanation facts (trend, seasonality, vs last year); batch runs skip them
    # Threads for torch inside one process. The models are small: on 2 shared cores one thread was 2-12x faster
    # than two (OpenMP/OpenBLAS threads spin while waiting), so parallelism comes from processes across series.
    threads: int = 1


@dataclass
class SeriesContext:
    s: Series
    h: int
    levels: list[int]
    shape: registry.SeriesShape
    plan: WindowPlan
    groups: dict[str, tuple[np.ndarray, np.ndarray]]  # regressor group -> (history rows, future rows)
    fut_ds: pd.DatetimeIndex
    warnings: list[str]
    notes: list[str]
    spent: dict[str, float] = field(default_factory=dict)  # seconds per model family, regressor trials included
    closed: np.ndarray | None = None  # closed days over history + horizon (daily series), forecast as zero

    def X(self, groups: tuple[str, ...], future: bool = False) -> np.ndarray | None:
        if not groups:
            return None
        return np.column_stack([self.groups[g][1 if future else 0] for g in groups])


def period_index(ds: pd.Timestamp, freq: str) -> int:
    days = (pd.Timestamp(ds) - pd.Timestamp("1970-01-01")).days
    return {"D": days, "W": days // 7}.get(freq, (ds.year - 1970) * 12 + ds.month - 1)


def build_context(s: Series, opts: Options, future_X: pd.DataFrame | None) -> SeriesContext:
    check_horizon(opts.h, s)
    h = opts.h
    warnings, notes = list(s.warnings), list(s.notes)
    m = s.season_length
    u = unit(s.freq)
    if m > 1 and s.n < 2 * m:
        warnings.append(
            f"Only {s.n} {u}s of history, less than two seasons of {m} {u}s: seasonality is not modelled and "
            "simpler models are used."
        )
        m = 1
    yp: float | None = periods_per_year(s.freq)
    if yp is not None and (yp <= max(m, 1) or s.n < 2 * yp):
        if s.freq == "D" and s.n >= 2 * 7:
            notes.append(f"{s.n} days of history (under two years): yearly seasonality and last year's values are not used.")
        yp = None
    shape = registry.SeriesShape(m, yp, h, period_index(s.ds[0], s.freq), opts.seed, opts.threads)
    min_train = max(2 * m, 8) if m > 1 else 8
    step = opts.step or default_step(s, h, opts.n_windows, yp, min_train)
    plan = plan_windows(s.n, h, opts.n_windows, step, min_train=min_train)
    if plan.n_windows == 0:
        warnings.append(
            f"Too little history to backtest a {h}-{u} forecast; the model could not be checked on held-out data."
        )
    elif plan.n_windows < opts.n_windows:
        notes.append(f"Backtest on {plan.n_windows} window(s) instead of {opts.n_windows} (short history).")
    fut_ds = future_dates(s.ds[-1], h, s.freq)
    groups: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    all_ds = s.ds.append(fut_ds)
    if opts.calendar and s.freq in ("D", "W", "M"):
        cal = calendar_features(all_ds, s.freq, extra_events=opts.extra_events)
        hist = cal.iloc[: s.n]
        keep = [c for c in cal.columns if hist[c].std() > 0]
        if keep:
            groups["calendar"] = (cal[keep].to_numpy()[: s.n], cal[keep].to_numpy()[s.n:])
    if opts.campaigns is not None and len(opts.campaigns):
        camp = campaign_feature(all_ds, s.freq, opts.campaigns)["campaigns"].to_numpy()
        if camp[: s.n].std() > 0:
            fut = camp[s.n:].copy()
            # beyond the last scheduled campaign, assume last year's campaign calendar rather than none at all
            last = campaigns_end(opts.campaigns)
            lag = {"D": 364, "W": 52, "M": 12, "Q": 4}.get(s.freq, 0)
            period_end = {"D": fut_ds, "W": fut_ds + pd.Timedelta(days=6), "M": fut_ds + pd.offsets.MonthEnd(0),
                          "Q": fut_ds + pd.offsets.QuarterEnd(0)}.get(s.freq, fut_ds + pd.offsets.YearEnd(0))
            unknown = np.asarray(period_end > (last if last is not None else fut_ds[0] - pd.Timedelta(days=1)))
            if unknown.any() and lag and s.n >= lag:
                idx = np.arange(s.n, s.n + h) - lag
                lagged = np.where(idx < s.n, camp[np.minimum(idx, s.n - 1)], 0.0)
                fut[unknown] = lagged[unknown]
                notes.append(f"No campaigns are scheduled after {last.date() if last is not None else 'the data end'}; "
                             "the forecast assumes last year's campaign calendar from then on.")
            groups["campaigns"] = (camp[: s.n, None], np.asarray(fut, dtype=float)[:, None])
    if s.X is not None:
        for col in s.X.columns:
            hist = s.X[col].to_numpy(dtype=float)
            if np.nanstd(hist) == 0:
                notes.append(f"Regressor {col!r} is constant over the history and was not used.")
                continue
            fut = None
            if future_X is not None and col in future_X.columns:
                fx = future_X.set_index("ds")[col].reindex(fut_ds)
                if fx.notna().all():
                    fut = fx.to_numpy(dtype=float)
            if fut is None:
                fut = np.full(h, hist[-1])
                notes.append(f"Future values of {col!r} are not known; held at the last value ({hist[-1]:.3g}).")
            groups[col] = (hist[:, None], fut[:, None])
    closed = closed_mask(s.ds, s.y, fut_ds, s.freq, opts.closures, opts.detect_closures and s.nonnegative)
    if closed is not None and (note := describe_closures(closed, fut_ds)):
        notes.append(note)
    return SeriesContext(s, h, levels_or_default(opts.level), shape, plan, groups, fut_ds, warnings, notes,
                         closed=closed)


def default_step(s: Series, h: int, n_windows: int, yp: float | None, min_train: int) -> int:
    """Spread the backtest windows over about a year when the history allows, so the score (and every regressor
    decision) covers different seasons and the big sale days, not just the last few weeks; otherwise step = h.

    The first window must still train on two years (when yearly seasonality is modelled) and on two thirds of
    the history."""
    per_year = periods_per_year(s.freq)
    if n_windows < 2 or per_year < 4:
        return h
    step = max(h, int(per_year // n_windows))
    need = max(int(np.ceil(2 * yp)) if yp else min_train, int(0.67 * (s.n - h)))
    while step > h and s.n - h - step * (n_windows - 1) < need:
        step = max(h, step // 2)
    return step
