"""Facts the offline planner derives from tool results before wording them: the shape of a trend (first, last,
peak, low over complete buckets; partial buckets) and, for rates, whether a driver moved by its own rate or its
changed weight. Everything here ends up in ``AnswerMeta.facts``."""

from __future__ import annotations

from typing import Any

from shoplens.tools.artifacts import Period
from shoplens.tools.calendar import dates as periods
from shoplens.tools.formatting import format_date


def trend_facts(tool_facts: dict[str, Any], period: Period, grain: str, additive: bool) -> dict[str, Any]:
    """series (and series_by), first/last/peak/low over complete buckets, change first -> last, total, and a
    note when the first or last bucket is only partly inside the period."""
    out: dict[str, Any] = {}
    first_partial = periods.unit_range(grain, period.start)[0] < period.start
    last_partial = periods.unit_range(grain, period.end)[1] > period.end
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
