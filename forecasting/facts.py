"""Explanation facts for a forecast, and the plain sentences built from them.

Facts are data (numbers, dates, names) that an answer may quote; :func:`describe` words them. The agent's
grounding check compares the numbers in an answer with these facts, so every sentence here is built from them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from shoplens.forecasting import registry
from shoplens.forecasting.series import periods_per_year, unit

if TYPE_CHECKING:
    from shoplens.forecasting.backtest import BacktestResult
    from shoplens.forecasting.core import SeriesForecast

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _pct(new: float, old: float) -> float | None:
    if old is None or not np.isfinite(old) or old == 0 or not np.isfinite(new):
        return None
    return round((new / old - 1) * 100, 1)


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def trend_facts(ds: pd.DatetimeIndex, y: np.ndarray, freq: str, m: int) -> dict[str, Any] | None:
    """Trend level now vs one year earlier (or vs the start when the history is shorter), from STL."""
    n = len(y)
    if n < 8 or np.ptp(y) == 0:
        return None
    if m > 1 and n >= 2 * m + 1:
        from statsmodels.tsa.seasonal import STL

        trend = STL(y, period=m, robust=True).fit().trend
    else:
        w = max(1, min(n // 4, 3))
        trend = pd.Series(y).rolling(w, center=True, min_periods=1).mean().to_numpy()
    year = int(round(periods_per_year(freq)))
    back = year if n > year else n - 1
    change = _pct(trend[-1], trend[-1 - back])
    if change is None:
        return None
    direction = "flat" if abs(change) < 2 else ("up" if change > 0 else "down")
    return {
        "direction": direction,
        "change_pct": change,
        "over_periods": back,
        "from": ds[-1 - back].date().isoformat(),
        "to": ds[-1].date().isoformat(),
    }


def seasonality_facts(ds: pd.DatetimeIndex, y: np.ndarray, freq: str) -> dict[str, Any]:
    """Peak and low weekday (daily data) and month (at least a year of history), relative to the average."""
    out: dict[str, Any] = {}
    s = pd.Series(y, index=ds)
    if s.mean() == 0:
        return out
    if freq == "D" and len(s) >= 14:
        # ratio to a centred weekly mean removes trend before averaging by weekday
        base = s.rolling(7, center=True, min_periods=7).mean()
        ratio = (s / base).replace([np.inf, -np.inf], np.nan).dropna()
        prof = ratio.groupby(ratio.index.day_of_week).mean()
        if len(prof) == 7 and prof.notna().all():
            out["weekly_peak"] = WEEKDAYS[int(prof.idxmax())]
            out["weekly_peak_pct"] = _r((prof.max() - 1) * 100, 1)
            out["weekly_low"] = WEEKDAYS[int(prof.idxmin())]
            out["weekly_low_pct"] = _r((prof.min() - 1) * 100, 1)
    if freq in ("D", "W", "M") and (ds[-1] - ds[0]).days >= 360:
        monthly = s.groupby([s.index.year, s.index.month]).mean()
        yearly = monthly.groupby(level=0).transform("mean")
        rel = (monthly / yearly).replace([np.inf, -np.inf], np.nan).dropna()
        prof = rel.groupby(level=1).mean()
        if len(prof) >= 6:
            out["yearly_peak_month"] = MONTHS[int(prof.idxmax()) - 1]
            out["yearly_peak_pct"] = _r((prof.max() - 1) * 100, 1)
            out["yearly_low_month"] = MONTHS[int(prof.idxmin()) - 1]
            out["yearly_low_pct"] = _r((prof.min() - 1) * 100, 1)
    return out


def _same_period_last_year(ds: pd.DatetimeIndex, y: np.ndarray, fut: pd.DatetimeIndex, freq: str) -> dict | None:
    shift = {"D": pd.Timedelta(days=364), "W": pd.Timedelta(days=364)}.get(freq)
    past = fut - shift if shift is not None else pd.DatetimeIndex([d - pd.DateOffset(years=1) for d in fut])
    s = pd.Series(y, index=ds)
    if past[0] < ds[0]:
        return None
    vals = s.reindex(past)
    if vals.isna().any():
        return None
    return {"start": past[0].date().isoformat(), "end": past[-1].date().isoformat(), "total": _r(vals.sum())}


def build_facts(sf: SeriesForecast, m: int, chosen: BacktestResult, board: list[BacktestResult]) -> dict[str, Any]:
    fc = sf.forecast
    h = len(fc)
    u = unit(sf.freq)
    total = float(fc["mean"].sum())
    facts: dict[str, Any] = {
        "series": sf.uid,
        "unit": u,
        "history": {"start": sf.ds[0].date().isoformat(), "end": sf.ds[-1].date().isoformat(), "periods": len(sf.y)},
        "horizon": {"periods": h, "start": fc["ds"].iloc[0].date().isoformat(),
                    "end": fc["ds"].iloc[-1].date().isoformat()},
        "forecast_total": _r(total),
        "forecast_mean_per_period": _r(total / h),
    }
    peak = int(np.argmax(fc["mean"].to_numpy()))
    facts["forecast_peak"] = {"ds": fc["ds"].iloc[peak].date().isoformat(), "value": _r(fc["mean"].iloc[peak])}
    if len(sf.y) >= h:
        last = float(np.sum(sf.y[-h:]))
        facts["previous_period"] = {"start": sf.ds[-h].date().isoformat(), "end": sf.ds[-1].date().isoformat(),
                                    "total": _r(last), "change_pct": _pct(total, last)}
    ly = _same_period_last_year(sf.ds, sf.y, pd.DatetimeIndex(fc["ds"]), sf.freq)
    if ly:
        ly["change_pct"] = _pct(total, ly["total"])
        facts["same_period_last_year"] = ly
    trend = trend_facts(sf.ds, sf.y, sf.freq, m)
    if trend:
        facts["trend"] = trend
    seas = seasonality_facts(sf.ds, sf.y, sf.freq)
    if seas:
        facts["seasonality"] = seas
    mean = fc["mean"].to_numpy()
    intervals = {}
    for col in fc.columns:
        if col.startswith("hi-"):
            lv = col[3:]
            width = (fc[col] - fc[f"lo-{lv}"]).to_numpy()
            rel = np.divide(width / 2, np.abs(mean), out=np.full_like(width, np.nan), where=mean != 0)
            intervals[lv] = {
                "avg_half_width_pct": _r(float(np.nanmean(rel)) * 100, 1) if np.isfinite(rel).any() else None,
                "last_period": [_r(fc[f"lo-{lv}"].iloc[-1]), _r(fc[col].iloc[-1])],
            }
    facts["intervals"] = intervals
    naive = next((r for r in board if r.model == "naive"), None)
    model_facts: dict[str, Any] = {
        "name": sf.model,
        "label": registry.LABELS.get(sf.model, sf.model),
        "description": sf.description,
        "why": sf.why,
        "regressors": list(chosen.regressors),
    }
    if chosen.metrics:
        model_facts["backtest_mase"] = _r(chosen.metrics.get("mase"), 3)
        model_facts["backtest_wape_pct"] = _r(chosen.metrics.get("wape"), 1)
        for lv in intervals:
            if f"coverage-{lv}" in chosen.metrics:
                model_facts[f"backtest_coverage_{lv}_pct"] = _r(chosen.metrics[f"coverage-{lv}"], 1)
    if naive is not None and naive.metrics:
        model_facts["naive_mase"] = _r(naive.metrics.get("mase"), 3)
        nm, cm = naive.metrics.get("mase"), chosen.metrics.get("mase") if chosen.metrics else None
        if nm and cm is not None and np.isfinite(nm) and np.isfinite(cm) and nm > 0:
            model_facts["improvement_vs_naive_pct"] = _r((1 - cm / nm) * 100, 1)
    if chosen.per_window:
        model_facts["backtest_windows"] = len(chosen.per_window)
    facts["model"] = model_facts
    facts["forecast_rows"] = [
        {"ds": r["ds"].date().isoformat(), **{k: _r(v) for k, v in r.items() if k != "ds"}}
        for r in fc.to_dict(orient="records")
    ]
    facts["leaderboard"] = [
        {k: row.get(k) for k in ("candidate", "model", "mase", "wape", "coverage-80", "coverage-95") if k in row}
        for row in sf.leaderboard
    ]
    facts["regressors"] = [
        {k: (_r(v, 3) if isinstance(v, float) else v) for k, v in row.items()} for row in sf.regressors
    ]
    return facts


def describe(facts: dict[str, Any], label: str = "", fmt: Callable[[float], str] | None = None) -> list[str]:
    """Two to five plain sentences, each built only from ``facts``. ``fmt`` writes an amount for people (the
    callers pass ``shoplens.tools.formatting.format_value`` with the metric's unit: one formatter for every
    front end); without it amounts are written in full with thousands separators."""

    def _num(x: float | None) -> str:
        if x is None:
            return "n/a"
        return fmt(x) if fmt is not None else f"{x:,.0f}"

    u = facts["unit"]
    hz = facts["horizon"]
    m = facts["model"]
    s1 = f"{label + ': f' if label else 'F'}orecast of {_num(facts['forecast_total'])}"
    rng = (facts.get("forecast_total_range") or {}).get("80")
    if rng and (facts.get("forecast_total_range") or {}).get("method") == "simulated paths":
        s1 += f" (80% range {_num(rng[0])} to {_num(rng[1])})"
    s1 += f" over the next {hz['periods']} {u}s ({hz['start']} to {hz['end']})"
    ly = facts.get("same_period_last_year")
    if ly and ly.get("change_pct") is not None:
        s1 += f", {ly['change_pct']:+.1f}% vs the same period last year ({_num(ly['total'])})"
    out = [s1 + "."]
    why = f"Model: {m['description']}"
    if m.get("why"):
        why += f" ({m['why']})"
    if m.get("backtest_mase") is not None and m.get("naive_mase") is not None and m["name"] != "naive":
        why += f"; backtest MASE {m['backtest_mase']:.2f} vs {m['naive_mase']:.2f} for seasonal naive"
        imp = m.get("improvement_vs_naive_pct")
        if imp is not None and imp != 0:
            why += f" ({abs(imp):.0f}% {'better' if imp > 0 else 'worse'})"
    out.append(why + ".")
    iv = facts.get("intervals", {})
    if "80" in iv and iv["80"].get("avg_half_width_pct") is not None:
        txt = f"The 80% range is about ±{iv['80']['avg_half_width_pct']:.0f}% per {u}"
        if "95" in iv and iv["95"].get("avg_half_width_pct") is not None:
            txt += f" (95%: ±{iv['95']['avg_half_width_pct']:.0f}%)"
        out.append(txt + ".")
    parts = []
    tr = facts.get("trend")
    if tr:
        parts.append(f"the trend is {tr['direction']} ({tr['change_pct']:+.1f}% since {tr['from']})")
    seas = facts.get("seasonality", {})
    if seas.get("weekly_peak"):
        parts.append(f"{seas['weekly_peak']}s are the strongest day ({seas['weekly_peak_pct']:+.0f}%)")
    if seas.get("yearly_peak_month"):
        parts.append(f"{seas['yearly_peak_month']} is the peak month ({seas['yearly_peak_pct']:+.0f}%)")
    if parts:
        out.append(("; ".join(parts))[0].upper() + ("; ".join(parts))[1:] + ".")
    kept = sorted({r["regressor"] for r in facts.get("regressors", []) if r.get("kept")})
    dropped = sorted({r["regressor"] for r in facts.get("regressors", []) if not r.get("kept")} - set(kept))
    if kept or dropped:
        bits = []
        if kept:
            bits.append(f"{', '.join(kept)} improved the backtest and {'was' if len(kept) == 1 else 'were'} kept")
        if dropped:
            bits.append(f"{', '.join(dropped)} did not and {'was' if len(dropped) == 1 else 'were'} left out")
        out.append("Regressors: " + "; ".join(bits) + ".")
    return out
