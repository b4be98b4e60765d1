"""The daily or weekly digest: KPIs against the previous period and the same period last year, the top movers,
open incidents, one chart and three sentences built only from those numbers (every figure in the text is in
``facts``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shoplens.data.errors import UserInputError
from shoplens.tools.alerts import chart
from shoplens.tools.context import ToolContext
from shoplens.tools.query import MetricQuery, compile_query

KPIS = ("revenue", "orders", "aov", "return_rate")
LENGTH = {"day": 1, "week": 7}


def _window(end: dt.date, days: int, back: int) -> tuple[dt.date, dt.date]:
    e = end - dt.timedelta(days=back)
    return e - dt.timedelta(days=days - 1), e


def _kpis(ctx: ToolContext, a: dt.date, b: dt.date) -> tuple[dict[str, float | None], str]:
    metrics = [m for m in KPIS if m in ctx.semantic.metrics]
    sql = compile_query(MetricQuery(metrics[0], also=metrics[1:], start=a, end=b), ctx.semantic)
    df = ctx.runner.run(sql, timeout_s=60).df
    row = df.iloc[0] if len(df) else None
    return {m: (None if row is None or pd.isna(row[m]) else float(row[m])) for m in metrics}, sql


def _movers(ctx: ToolContext, dim: str, cur: tuple[dt.date, dt.date], prev: tuple[dt.date, dt.date]) -> list[dict[str, Any]]:
    def by(a: dt.date, b: dt.date) -> pd.Series:
        df = ctx.runner.run(compile_query(MetricQuery("revenue", group_by=[dim], start=a, end=b), ctx.semantic),
                            timeout_s=60).df
        return pd.Series(pd.to_numeric(df["revenue"], errors="coerce").to_numpy(dtype=float), index=df[dim].astype(str))

    now, then = by(*cur), by(*prev)
    delta = now.sub(then, fill_value=0.0).sort_values()
    picks = list(delta.index[:2]) + list(delta.index[::-1][:2])
    return [{dim: k, "revenue": round(float(now.get(k, 0.0)), 2), "change": round(float(delta[k]), 2)}
            for k in dict.fromkeys(picks)]


def _change(cur: float | None, ref: float | None) -> float | None:
    return None if cur is None or not ref else (cur - ref) / abs(ref)


def digest(ctx: ToolContext, period: str, day: dt.date | None = None, incidents: list[dict[str, Any]] | None = None,
           charts_dir: Path | None = None) -> dict[str, Any]:
    """The digest as a dict: ``period, start, end, kpis, movers, incidents, chart, text, sql``."""
    if period not in LENGTH:
        raise UserInputError(f"Unknown digest period {period!r}.", hint="Use day or week.")
    day = min(day or ctx.as_of, ctx.as_of)
    n = LENGTH[period]
    cur, prev, last_year = _window(day, n, 0), _window(day, n, n), _window(day, n, 364)
    now, sql = _kpis(ctx, *cur)
    before, _ = _kpis(ctx, *prev)
    year, _ = _kpis(ctx, *last_year)
    kpis = {m: {"value": None if now[m] is None else round(now[m], 4), "previous": before.get(m), "last_year": year.get(m),
                "vs_previous": _change(now[m], before.get(m)), "vs_last_year": _change(now[m], year.get(m))}
            for m in now}
    movers = {"category": _movers(ctx, "category", cur, prev), "product": _movers(ctx, "product", cur, prev)}
    open_incidents = sorted((i for i in (incidents or []) if i.get("status") != "closed"),
                            key=lambda i: -float(i.get("impact") or 0.0))[:5]
    png = _chart(ctx, day, charts_dir) if charts_dir else None
    out = {"period": period, "start": cur[0].isoformat(), "end": cur[1].isoformat(), "kpis": kpis, "movers": movers,
           "incidents": open_incidents, "chart": str(png) if png else None, "sql": sql}
    out["text"] = sentences(out)
    return out


def _chart(ctx: ToolContext, day: dt.date, charts_dir: Path) -> Path | None:
    q = MetricQuery("revenue", start=day - dt.timedelta(days=55), end=day, grain="day", order="period")
    df = ctx.runner.run(compile_query(q, ctx.semantic), timeout_s=60).df
    if df.empty:
        return None
    days = pd.DatetimeIndex(pd.to_datetime(df["period"]))
    return chart.draw(charts_dir, "Revenue, last 8 weeks", days, pd.to_numeric(df["revenue"]).to_numpy(dtype=float),
                      [days[-1]])


def _pct(x: float | None) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x * 100:+.1f}%"


def sentences(d: dict[str, Any]) -> list[str]:
    """Three sentences from the digest's own numbers."""
    k = d["kpis"]
    span = "Yesterday" if d["period"] == "day" else "This week"
    rev = k.get("revenue", {})
    first = (f"{span} ({d['start']}{'' if d['start'] == d['end'] else ' to ' + d['end']}) revenue was "
             f"${(rev.get('value') or 0):,.0f}, {_pct(rev.get('vs_previous'))} vs the previous {d['period']} and "
             f"{_pct(rev.get('vs_last_year'))} vs last year.")
    cats = d["movers"]["category"]
    up = max(cats, key=lambda m: m["change"], default=None)
    down = min(cats, key=lambda m: m["change"], default=None)
    second = "No category moved." if up is None or down is None else (
        f"{up['category']} moved most up (${up['change']:+,.0f}) and {down['category']} most down "
        f"(${down['change']:+,.0f}).")
    inc = d["incidents"]
    third = (f"{len(inc)} open incident{'s' if len(inc) != 1 else ''}" + (f", the largest: {inc[0]['title']}." if inc
                                                                           else ".")) if inc else "No open incidents."
    return [first, second, third]
