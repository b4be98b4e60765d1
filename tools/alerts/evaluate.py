"""Evaluate one configured monitor as of a day: its metric through the semantic layer (the SQL is kept as
evidence), or, for product conditions (negative reviews, top complaint, stock-out), the product's daily panel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from shoplens.data.errors import UserInputError
from shoplens.tools.alerts import product_checks
from shoplens.tools.alerts.baseline import expected_at
from shoplens.tools.alerts.findings import Finding
from shoplens.tools.alerts.monitors import Monitor
from shoplens.tools.alerts.panel import Panel
from shoplens.tools.context import ToolContext
from shoplens.tools.query import MetricQuery, compile_query

PRODUCT_CONDITIONS = ("negative_reviews", "top_complaint", "stockout")
HISTORY_DAYS = 800


def metric_series(ctx: ToolContext, metric: str, filters: dict[str, list[str]], grain: str, day: dt.date,
                  days: int = HISTORY_DAYS) -> tuple[pd.Series, str]:
    """(values by period start, SQL) up to ``day``; for week/month grains only complete periods count."""
    q = MetricQuery(metric, filters=filters, start=day - dt.timedelta(days=days), end=day, grain=grain,
                    order="period")
    sql = compile_query(q, ctx.semantic)
    df = ctx.runner.run(sql, timeout_s=60, row_cap=5000).df
    s = pd.Series(pd.to_numeric(df[metric], errors="coerce").to_numpy(dtype=float),
                  index=pd.DatetimeIndex(pd.to_datetime(df["period"])))
    freq = {"day": "D", "week": "W-MON", "month": "MS"}[grain]
    full = pd.date_range(s.index.min() if len(s) else pd.Timestamp(day), pd.Timestamp(day), freq=freq)
    s = s.reindex(full.union(s.index)).fillna(0.0 if ctx.semantic.metric(metric).unit in ("count", "currency") else np.nan)
    if grain != "day":
        nxt = {"week": pd.Timestamp(day) + pd.Timedelta(days=1), "month": pd.Timestamp(day) + pd.Timedelta(days=1)}[grain]
        s = s[s.index + pd.tseries.frequencies.to_offset(freq) <= nxt]
    return s.dropna(), sql


def evaluate(ctx: ToolContext, monitor: Monitor, day: dt.date, panel: Panel | None = None) -> list[Finding]:
    """Findings of ``monitor`` on ``day`` (empty when its condition does not hold)."""
    cond = monitor.condition
    if cond.type in PRODUCT_CONDITIONS:
        return _product(monitor, day, panel)
    metric = "return_rate" if cond.type == "return_rate" else monitor.metric
    s, sql = metric_series(ctx, metric, monitor.filter_lists(), monitor.grain, day)
    if len(s) < 2:
        return []
    value, when = float(s.iloc[-1]), s.index[-1]
    ref: float | None = None
    hit, lo, hi = False, None, None
    if cond.type == "threshold":
        hit = value > cond.value if cond.op == "above" else value < cond.value
        ref = cond.value
    elif cond.type == "return_rate":
        hit, ref = value > cond.above, cond.above
    elif cond.type == "change":
        back = {"previous": 1, "last_year": {"day": 364, "week": 52, "month": 12}[monitor.grain]}[cond.vs]
        if len(s) <= back:
            return []
        ref = float(s.iloc[-1 - back])
        rel = (value - ref) / abs(ref) if ref else 0.0
        hit = abs(rel) * 100 >= cond.pct and (cond.op == "either" or (rel > 0) == (cond.op == "up"))
    else:  # forecast interval / anomaly score, from the robust baseline on the history before the last period
        y = s.to_numpy()[None, :]
        weekday = np.asarray(s.index.dayofweek if monitor.grain == "day" else np.zeros(len(s)), dtype=int)
        e = expected_at(y, weekday, np.ones_like(y, dtype=bool), len(s) - 1, np.array([0]))
        ref, lo, hi = float(e.mean[0]), float(e.lo95()[0]), float(e.hi95()[0])
        z = float(e.z(np.array([value]))[0])
        hit = not lo <= value <= hi if cond.type == "forecast" else abs(z) >= cond.z
    if not hit:
        return []
    return [_finding(ctx, monitor, when.date(), value, ref, lo, hi, sql)]


def _finding(ctx: ToolContext, m: Monitor, when: dt.date, value: float, ref: float | None, lo: float | None,
             hi: float | None, sql: str) -> Finding:
    unit = ctx.semantic.metric("return_rate" if m.condition.type == "return_rate" else m.metric).unit
    shown = (lambda v: f"{v * 100:.1f}%") if unit == "percent" else (lambda v: f"{v:,.2f}")
    scope = ", ".join(f"{v}" for v in m.filters.values()) or "Whole shop"
    title = f"{m.name}: {scope} {m.metric} {shown(value)} ({m.condition.type}" + \
        (f", reference {shown(ref)})" if ref is not None else ")")
    impact = abs(value - ref) if unit == "currency" and ref is not None else 0.0
    filters = {k: v if isinstance(v, str) else ",".join(v) for k, v in m.filters.items()}
    return Finding(date=when, kind=m.condition.type, metric=m.metric, filters=filters, title=title,
                   direction=1 if ref is None or value >= ref else -1, actual=value, expected=ref or 0.0,
                   impact=impact, lo95=lo, hi95=hi, evidence={"monitor": m.name, "sql": sql},
                   why=[f"{m.metric} for {scope} was {shown(value)} for the {m.grain} of {when.isoformat()}."])


def _product(m: Monitor, day: dt.date, panel: Panel | None) -> list[Finding]:
    names = m.filter_lists().get("product") or []
    if panel is None or not names:
        raise UserInputError(f"Monitor {m.name!r}: a {m.condition.type} condition needs a product filter.",
                             hint="Add filters: {product: <name>}.")
    out: list[Finding] = []
    t = panel.index_of(day)
    for name in names:
        rows = np.flatnonzero(panel.products["name"].astype(str).to_numpy() == name)
        if not len(rows):
            raise UserInputError(f"Monitor {m.name!r}: no product named {name!r}.")
        k = int(rows[0])
        if m.condition.type == "stockout":
            f = product_checks.stockout(panel, t, k)
            out += [f] if f else []
        elif m.condition.type == "top_complaint":
            out += product_checks.aspects(panel, t, [k])
        else:
            out += _negative_share(panel, t, k, m.condition.share, name)
    for f in out:
        f.evidence["monitor"] = m.name
    return out


def _negative_share(panel: Panel, t: int, k: int, share: float, name: str) -> list[Finding]:
    a = max(0, t - product_checks.REVIEW_DAYS + 1)
    n, neg = panel.reviews[k, a : t + 1].sum(), panel.negative[k, a : t + 1].sum()
    if n < 3 or neg / n < share:
        return []
    return [Finding(date=panel.days[t].date(), kind="sentiment", metric="negative_review_share",
                    filters={"product": name}, title=f"{name}: {neg / n:.0%} of reviews negative in 14 days",
                    direction=1, actual=neg / n, expected=share, impact=0.0,
                    evidence={"negative_reviews": int(neg), "reviews": int(n)})]
