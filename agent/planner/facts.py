"""Facts the offline planner derives from tool results before wording them: the shape of a trend (first, last,
peak, low over complete buckets; partial buckets) and, for rates, whether a driver moved by its own rate or its
changed weight. Everything here ends up in ``AnswerMeta.facts``."""

from __future__ import annotations

from typing import Any

from shoplens.tools.artifacts import Period
from shoplens.tools.calendar import dates as periods
from shoplens.tools.formatting import format_date


def partial_ends(period: Period, grain: str) -> tuple[bool, bool]:
    """Whether the first and the last ``grain`` bucket of ``period`` are only partly inside it."""
    return (periods.unit_range(grain, period.start)[0] < period.start,
            periods.unit_range(grain, period.end)[1] > period.end)


def trend_facts(tool_facts: dict[str, Any], period: Period, grain: str, additive: bool) -> dict[str, Any]:
    """series (and series_by), first/last/peak/low over complete buckets, change first -> last, total, and a
    note when the first or last bucket is only partly inside the period."""
    out: dict[str, Any] = {}
    first_partial, last_partial = partial_ends(period, grain)
    if first_partial or last_partial:
        which = "first and last" if first_partial and last_partial else "first" if first_partial else "last"
        out["partial"] = (
            f"The {which} {grain}{'s are' if first_partial and last_partial else ' is'} only partly inside "
            f"{format_date(period.start)} – {format_date(period.end)}, so "
            f"{'they are' if first_partial and last_partial else 'it is'} left out of the from/to comparison."
        )

    def full(series: list[list[Any]]) -> list[list[Any]]:
        pts = [p for p in series if p[1] is not None]
        lo, hi = (
            (1 if first_partial and len(pts) > 2 else 0),
            (len(pts) - 1 if last_partial and len(pts) > 2 else len(pts)),
        )
        return pts[lo:hi]

    if tool_facts.get("series_by"):
        out["series_by"] = tool_facts["series_by"]
        rows = []
        for label, series in tool_facts["series_by"].items():
            pts = full(series)
            if not pts:
                continue
            total = sum(v for _, v in series if v is not None) if additive else None
            pct = (pts[-1][1] - pts[0][1]) / abs(pts[0][1]) if len(pts) > 1 and pts[0][1] else None
            rows.append([label, pts[0], pts[-1], pct, total])
        rows.sort(key=lambda r: -(r[4] if r[4] is not None else r[2][1] or 0))
        out["series_summary"] = rows
        if tool_facts.get("series"):
            out["series"] = tool_facts["series"]
        return out
    series = tool_facts.get("series") or []
    out["series"] = series
    pts = full(series)
    if pts:
        out["first"], out["last"] = pts[0], pts[-1]
        out["peak"] = max(pts, key=lambda p: p[1])
        out["low"] = min(pts, key=lambda p: p[1])
        if len(pts) > 1:
            out["change_abs"] = pts[-1][1] - pts[0][1]
            out["change_pct"] = out["change_abs"] / abs(pts[0][1]) if pts[0][1] else None
    if additive and series:
        out["total"] = sum(v for _, v in series if v is not None)
    return out


def ranked_buckets(series: list[list[Any]], period: Period, grain: str, order: str | None, n: int) -> list[list[Any]]:
    """The ``n`` highest (``order`` desc) or lowest buckets of a series as [ISO start, value]; a first or last
    bucket only partly inside ``period`` is left out (a clipped week would always look slow)."""
    pts = [p for p in series if p[1] is not None]
    first_partial, last_partial = partial_ends(period, grain)
    if pts and first_partial:
        pts = pts[1:]
    if pts and last_partial:
        pts = pts[:-1]
    pts.sort(key=lambda p: -p[1] if order != "asc" else p[1])
    return [[str(p[0])[:10], p[1]] for p in pts[:n]]


def rate_effects(facts: dict[str, Any], sem: Any) -> dict[str, str]:
    """For rates: say when a top value's contribution is mostly its changed weight (mix), not its own rate."""
    dim = facts.get("dimension")
    info = (facts.get("by_dimension") or {}).get(dim or "", {})
    weight = facts.get("weight")
    if not weight or not info.get("effects"):
        return {}
    noun = sem.metric(weight).label.lower() if weight in sem.metrics else weight
    out = {}
    for label, (rate, mix, share_change) in info["effects"].items():
        if abs(mix) > abs(rate):
            out[label] = f"mostly its {'larger' if share_change > 0 else 'smaller'} share of {noun}"
    return out


def share_facts(tool_facts: dict[str, Any], chosen: list[str], metric: Any, dim: str) -> dict[str, Any]:
    """The chosen values' share of the total over every value of ``dim`` (from a grouped query's shares)."""
    shares = {str(lab): s for lab, s in tool_facts.get("shares", [])}
    rows = {str(lab): v for lab, v in tool_facts.get("rows", [])}
    want = [c for c in chosen if c in shares] or chosen
    part = sum(rows.get(c) or 0.0 for c in want)
    value = sum(shares.get(c) or 0.0 for c in want) if shares else None
    return {"value": value, "unit": "percent", "label": f"Share of {metric.label.lower()}", "share_of": dim,
            "part": part, "part_unit": metric.unit, "total": tool_facts.get("total"),
            "rows": tool_facts.get("rows", []), "shares": tool_facts.get("shares", [])}


def units_in(period: dict[str, Any] | Period, per: str) -> float:
    """How many days, weeks (days / 7) or months (calendar months, or days / 30.44 for a partial span) a period
    holds: the divisor of an average per day, week or month."""
    import datetime as dt

    start = period.start if isinstance(period, Period) else dt.date.fromisoformat(str(period["start"]))
    end = period.end if isinstance(period, Period) else dt.date.fromisoformat(str(period["end"]))
    days = (end - start).days + 1
    if per == "week":
        return days / 7
    if per == "month":
        whole = start.day == 1 and end == periods.unit_range("month", end)[1]
        return (end.year - start.year) * 12 + end.month - start.month + 1 if whole else days / 30.44
    return float(days)


def per_unit(facts: dict[str, Any], per: str) -> None:
    """Turn a figure (and its comparison) into an average per day, week or month of its own period."""
    word = {"day": "daily", "week": "weekly", "month": "monthly"}[per]
    facts["label"] = f"Average {word} {str(facts.get('label', '')).lower()}"
    facts["per"] = per
    if facts.get("value") is not None and facts.get("period"):
        facts["value"] = facts["value"] / units_in(facts["period"], per)
    if facts.get("previous_value") is not None and facts.get("compare_period"):
        facts["previous_value"] = facts["previous_value"] / units_in(facts["compare_period"], per)
        if facts.get("value") is not None:
            facts["change_abs"] = facts["value"] - facts["previous_value"]
            if facts["previous_value"]:
                facts["change_pct"] = facts["value"] / facts["previous_value"] - 1


def per_weekday(facts: dict[str, Any], period: Period) -> None:
    """A breakdown by weekday as the average per such day (each weekday total / how often it fell in the period)."""
    import datetime as dt

    counts: dict[str, int] = {}
    day = period.start
    while day <= period.end:
        counts[day.strftime("%A")] = counts.get(day.strftime("%A"), 0) + 1
        day += dt.timedelta(days=1)
    rows = [[lab, (v / counts[lab]) if v is not None and counts.get(lab) else v] for lab, v in facts.get("rows", [])]
    total = sum(v for _, v in rows if v is not None) or None
    facts["rows"] = rows
    facts["shares"] = [[lab, (v / total) if v is not None and total else None] for lab, v in rows]
    facts["label"] = f"Average {str(facts.get('label', '')).lower()} per day"
    facts["per"] = "weekday"


def also_series(df: Any, metrics: list[str], sem: Any) -> dict[str, dict[str, Any]]:
    """First, last and total of each extra measure of a series frame ("revenue vs ad spend by month")."""
    out: dict[str, dict[str, Any]] = {}
    for name in metrics:
        if name not in df.columns:
            continue
        values = [v for v in df[name].tolist() if v == v and v is not None]
        m = sem.metric(name)
        out[name] = {"label": m.label, "unit": m.unit, "first": values[0] if values else None,
                     "last": values[-1] if values else None, "total": sum(values) if values else None}
    return out
