"""The offline planner's answer sentences, one function per plan kind, written from the facts alone.

Every number in an answer comes from the facts dict that goes out as ``AnswerMeta.facts`` (the grounding check and
the evaluation read the same dict), formatted with ``shoplens.tools.formatting``. Every answer names the metric, the
resolved period and the filters in words: "**Revenue**, Electronics, May 2026: **$1.23M**, +8.1% vs April 2026".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shoplens.tools.facts import (
    CompareFacts,
    FigureFacts,
    GroupedFacts,
    TrendFacts,
)
from shoplens.tools.formatting import format_date, format_signed, format_value

MAX_BULLETS = 8
_SUFFIX = {
    "channel": ("channel", "channels"),
    "campaign_channel": ("campaigns", "campaigns"),
    "segment": ("customers", "customers"),
    "status": ("orders", "orders"),
    "region": ("", ""),
    "city": ("", ""),
}


# --- small pieces --------------------------------------------------------------------------------------------


def join_and(items: Sequence[str]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def fv(value: Any, unit: str) -> str:
    return format_value(value, unit)


def change_text(facts: Mapping[str, Any], *, with_abs: bool = False) -> str:
    """'+8.1%' (or '+0.4 pts' for percentages), optionally with the absolute change."""
    unit = facts.get("unit", "number")
    pct, diff = facts.get("change_pct"), facts.get("change_abs")
    if unit == "percent":
        return format_signed(diff, "percent") if diff is not None else "n/a"
    parts = []
    if with_abs and diff is not None:
        parts.append(format_signed(diff, unit))
    if pct is not None:
        parts.append(format_value(pct, "change"))
    return ", ".join(parts) or "n/a"


def filters_phrase(filters: Mapping[str, Sequence[str]] | None,
                   excluded: Mapping[str, Sequence[str]] | None = None) -> str:
    """{'category': ['Electronics'], 'channel': ['web', 'app']} -> 'Electronics, web and app channels'; a
    dimension whose values were kept by leaving some out reads 'excluding Books' rather than the long list."""
    parts = []
    for dim, values in (filters or {}).items():
        if not values:
            continue
        left_out = list((excluded or {}).get(dim) or [])
        if left_out and len(values) > 2 and not set(left_out) & set(values):
            parts.append(f"excluding {join_and(left_out)}")
            continue
        joined = join_and(list(values))
        one, many = _SUFFIX.get(dim, ("", ""))
        if dim == "acquisition_channel":
            parts.append(f"customers acquired via {joined}")
        elif dim == "weekday":
            parts.append(join_and([f"{v}s" for v in values]))
        elif dim == "rating":
            parts.append(join_and([f"{v}-star" for v in values]) + " reviews")
        elif one:
            parts.append(f"{joined} {one if len(values) == 1 else many}")
        else:
            parts.append(joined)
    return ", ".join(parts)


def period_phrase(facts: Mapping[str, Any]) -> str:
    p = facts.get("period") or {}
    return p.get("label") or ""


def scope(facts: Mapping[str, Any]) -> str:
    """'Electronics, May 2026' — the filters then the period, for headlines."""
    return ", ".join(x for x in (filters_phrase(facts.get("filters"), facts.get("excluded")), period_phrase(facts))
                     if x)


def headline(facts: Mapping[str, Any], what: str | None = None) -> str:
    head = f"**{what or facts.get('label', 'Value')}**"
    where = scope(facts)
    return f"{head}, {where}" if where else head


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label and not label[:2].isupper() else label


def plural(noun: str) -> str:
    if noun.endswith("s"):
        return noun
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


# --- one function per kind -----------------------------------------------------------------------------------
def figure(facts: FigureFacts) -> str:
    unit = facts["unit"]
    value = facts.get("value")
    if value is None:
        return f"{headline(facts)}: no data — nothing matches these filters in this period."
    text = f"{headline(facts)}: **{fv(value, unit)}**"
    cmp = facts.get("compare_period")
    if cmp and facts.get("previous_value") is not None:
        text += f", {change_text(facts)} vs {cmp['label']} ({fv(facts['previous_value'], unit)})"
    text += "."
    extra = []
    for info in (facts.get("also") or {}).values():
        line = f"{info['label']}: {fv(info.get('value'), info['unit'])}"
        if info.get("previous_value") is not None and cmp:
            line += f", {change_text(info)} vs {cmp['label']}"
        extra.append(line)
    return text + ("\n\n" + bullets(extra) if extra else "")


def share(facts: FigureFacts, chosen: Sequence[str]) -> str:
    """'**Beauty** made up **23.4%** of revenue, Q1 2026 ($1.20M of $5.13M).'"""
    value = facts.get("value")
    what = _lower(str(facts.get("label", "")).removeprefix("Share of ").strip() or "the total")
    dim = str(facts.get("share_of") or "")
    who = f"**{filters_phrase({dim: list(chosen)})}**" if chosen else "That"
    scope = filters_phrase({d: v for d, v in (facts.get("filters") or {}).items() if d != dim})
    what += f" for {scope}" if scope else ""
    period = period_phrase(facts)
    if value is None:
        return f"{who}: no data for {what} in {period}."
    part, total, unit = facts.get("part"), facts.get("total"), str(facts.get("part_unit") or "count")
    tail = f" ({fv(part, unit)} of {fv(total, unit)})" if part is not None and total else ""
    return f"{who} made up **{fv(value, 'percent')}** of {what}, {period}{tail}."


def part_share(facts: FigureFacts, part_label: str, whole_label: str) -> str:
    """'**Campaign revenue** was **13.1%** of revenue, 2025 ($407K of $3.1M).'"""
    value, period = facts.get("value"), period_phrase(facts)
    scope = filters_phrase(facts.get("filters"), facts.get("excluded"))
    whole = _lower(whole_label) + (f" for {scope}" if scope else "")
    if value is None:
        return f"**{part_label}**: no data for {whole} in {period}."
    unit = str(facts.get("part_unit") or "count")
    return (f"**{part_label}** was **{fv(value, 'percent')}** of {whole}, {period} "
            f"({fv(facts.get('part'), unit)} of {fv(facts.get('total'), unit)}).")


def breakdown(facts: GroupedFacts) -> str:
    unit = facts["unit"]
    rows = facts.get("rows") or []
    what = f"{facts['label']} by {_lower(facts.get('dimension_label', 'value'))}"
    if not rows:
        return f"{headline(facts, what)}: no data — nothing matches these filters in this period."
    total = facts.get("total")
    head = headline(facts, what) + (f" (total {fv(total, unit)})" if total is not None else "") + ":"
    shares = dict((lab, s) for lab, s in facts.get("shares") or [])
    lines = []
    for lab, v in rows[:MAX_BULLETS]:
        share = f" ({format_value(shares[lab], 'percent')})" if shares.get(lab) is not None else ""
        lines.append(f"{lab}: {fv(v, unit)}{share}")
    n = facts.get("n_groups") or len(rows)
    more = f"\n\n…and {n - MAX_BULLETS} more in the table." if n > MAX_BULLETS else ""
    return f"{head}\n\n{bullets(lines)}{more}"


def top(facts: GroupedFacts) -> str:
    unit = facts["unit"]
    rows = facts.get("rows") or []
    word = "Top" if facts.get("order", "desc") == "desc" else "Bottom"
    dim = _lower(facts.get("dimension_label", "value"))
    what = f"{word} {len(rows) or facts.get('top_n', '')} {plural(dim)} by {_lower(facts['label'])}"
    if not rows:
        return f"{headline(facts, what)}: no data — nothing matches these filters in this period."
    shares = dict((lab, s) for lab, s in facts.get("shares") or [])
    lines = []
    for i, (lab, v) in enumerate(rows, 1):
        share = (
            f" ({format_value(shares[lab], 'percent')} of the total)" if shares.get(lab) is not None else ""
        )
        lines.append(f"{i}. {lab}: {fv(v, unit)}{share}")
    ranking = facts.get("ranking") or []
    if len(rows) == 1 and len(ranking) > 1:  # the winner, then the rest of the ranking
        lab, v = rows[0][0], rows[0][1]
        rest = "; ".join(f"{r[0]} {fv(r[1], unit)}" for r in ranking[1:6])
        best = "highest" if facts.get("order", "desc") == "desc" else "lowest"
        title = headline(facts, facts["label"] + " by " + dim)
        more = " ..." if len(ranking) > 6 else ""
        return f"{title}: **{lab}** has the {best}, {fv(v, unit)}. The others: {rest}{more}."
    text = f"{headline(facts, what)}:\n\n" + "\n".join(lines)
    if facts.get("top_total") is not None and facts.get("top_share") is not None:
        text += (
            f"\n\nTogether {fv(facts['top_total'], unit)}, "
            f"{format_value(facts['top_share'], 'percent')} of {fv(facts.get('total'), unit)} "
            f"across {fv(facts.get('n_groups'), 'count')} {plural(dim)}."
        )
    return text


def top_caption(facts: GroupedFacts) -> tuple[str, str]:
    """(chart title, plain caption) for a top-N chart: the plotted total is not the metric's total."""
    unit = facts["unit"]
    rows = facts.get("rows") or []
    word = "Top" if facts.get("order", "desc") == "desc" else "Bottom"
    dim = _lower(facts.get("dimension_label", "value"))
    title = f"{word} {len(rows)} {plural(dim)} by {_lower(facts['label'])}"
    caption = f"{title}, {scope(facts)}" if scope(facts) else title
    if rows:
        caption += f": {rows[0][0]} leads with {fv(rows[0][1], unit)}"
    if facts.get("top_total") is not None and facts.get("top_share") is not None:
        caption += (
            f"; together {fv(facts['top_total'], unit)}, "
            f"{format_value(facts['top_share'], 'percent')} of {fv(facts.get('total'), unit)}"
        )
    return title, caption + "."


def breakdown_caption(facts: GroupedFacts, shown: int) -> str:
    """Plain caption for a chart of the largest values of a long breakdown."""
    unit = facts["unit"]
    rows = facts.get("rows") or []
    dim = _lower(facts.get("dimension_label", "value"))
    text = f"{facts['label']} by {dim}, {scope(facts)}: the {shown} largest of {facts.get('n_groups') or len(rows)}"
    if rows:
        text += f"; {rows[0][0]} leads with {fv(rows[0][1], unit)}"
    if facts.get("total") is not None:
        text += f"; total {fv(facts['total'], unit)}"
    return text + "."


def compare(facts: CompareFacts) -> str:
    unit = facts["unit"]
    cur, prev = facts["period"], facts["compare_period"]
    where = filters_phrase(facts.get("filters"), facts.get("excluded"))
    head = f"**{facts['label']}**" + (f", {where}" if where else "")
    value, before = facts.get("value"), facts.get("previous_value")
    if value is None and before is None:
        return f"{head}: no data in {cur['label']} or {prev['label']} for these filters."
    text = f"{head}: **{fv(value, unit)}** in {cur['label']} vs {fv(before, unit)} in {prev['label']}" + (
        f" (**{change_text(facts, with_abs=True)}**)." if value is not None and before is not None else "."
    )
    rows = facts.get("by_rows") or []
    if rows:
        lines = []
        for lab, c, p, delta, pct in rows[:MAX_BULLETS]:
            if delta is None:
                lines.append(f"{lab}: {fv(c, unit)} vs {fv(p, unit)}")
                continue
            ch = format_signed(delta, unit) + (
                f" ({format_value(pct, 'change')})" if pct is not None and unit != "percent" else ""
            )
            lines.append(f"{lab}: {fv(c, unit)} vs {fv(p, unit)}, {ch}")
        text += (
            f"\n\nBy {_lower(facts.get('dimension_label', 'value'))}, largest changes first:\n\n"
            + bullets(lines)
        )
    return text


def top_periods(facts: TrendFacts) -> str:
    """'**Top 3 days by orders**, May 2026:' then '1. May 23, 2026: 146' ... (the ranked buckets of a series)."""
    unit = facts["unit"]
    grain = facts.get("grain") or "month"
    rows = facts.get("rows") or []
    side = "Bottom" if facts.get("order") == "asc" else "Top"
    text = headline(facts, f"{side} {len(rows)} {grain}s by {_lower(facts['label'])}") + ":"
    lines = [f"{i}. {format_date(label, grain)}: {fv(value, unit)}" for i, (label, value) in enumerate(rows, 1)]
    return "\n".join([text, *lines])


def top_period(facts: TrendFacts) -> str:
    """'**Lowest month by revenue**, H1 2011: **Feb 2011**, $42.2K.' (the one best or worst bucket of a series)."""
    grain = facts.get("grain") or "month"
    label, value = (facts.get("rows") or [])[0]
    side = "Lowest" if facts.get("order") == "asc" else "Highest"
    what = headline(facts, f"{side} {grain} by {_lower(facts['label'])}")
    return f"{what}: **{format_date(label, grain)}**, {fv(value, facts['unit'])}."


def trend(facts: TrendFacts) -> str:
    unit = facts["unit"]
    grain = facts.get("grain") or "month"
    adj = {"day": "Daily", "week": "Weekly", "month": "Monthly", "quarter": "Quarterly", "year": "Yearly"}[
        grain
    ]
    what = f"{adj} {_lower(facts['label'])}"
    if facts.get("series_by"):
        return _trend_by(facts, what + f" by {_lower(facts.get('dimension_label', 'value'))}")
    series = [s for s in facts.get("series") or [] if s[1] is not None]
    if not series:
        return f"{headline(facts, what)}: no data — nothing matches these filters in this period."
    text = headline(facts, what) + ":"
    first, last = facts.get("first"), facts.get("last")
    if first and last and first[0] != last[0]:
        text += (
            f" from {fv(first[1], unit)} in {format_date(first[0], grain)} to {fv(last[1], unit)} in "
            f"{format_date(last[0], grain)}"
        )
        if facts.get("change_pct") is not None or unit == "percent":
            text += f" ({change_text(facts)})"
        text += "."
    else:
        text += f" {fv(series[0][1], unit)} in {format_date(series[0][0], grain)}."
    bits = []
    if facts.get("peak") and len(series) > 2:
        bits.append(f"highest {fv(facts['peak'][1], unit)} in {format_date(facts['peak'][0], grain)}")
    if facts.get("low") and len(series) > 2:
        bits.append(f"lowest {fv(facts['low'][1], unit)} in {format_date(facts['low'][0], grain)}")
    if facts.get("total") is not None:
        bits.append(f"total {fv(facts['total'], unit)} over {len(series)} {grain}s")
    if bits:
        text += " " + "; ".join(bits)[0].upper() + "; ".join(bits)[1:] + "."
    for info in (facts.get("also") or {}).values():
        if info.get("first") is not None:
            text += (f" {info['label']}: from {fv(info['first'], info['unit'])} to {fv(info['last'], info['unit'])}"
                     f" (total {fv(info['total'], info['unit'])}).")
    if facts.get("partial"):
        text += f" {facts['partial']}"
    return text


def _trend_by(facts: TrendFacts, what: str) -> str:
    unit = facts["unit"]
    grain = facts.get("grain") or "month"
    rows = facts.get("series_summary") or []
    if not rows:
        return f"{headline(facts, what)}: no data — nothing matches these filters in this period."
    lines = []
    for lab, first, last, pct, total in rows[:MAX_BULLETS]:
        line = (
            f"{lab}: {fv(first[1], unit)} in {format_date(first[0], grain)} → {fv(last[1], unit)} in "
            f"{format_date(last[0], grain)}"
        )
        if pct is not None:
            line += f" ({format_value(pct, 'change')})"
        if total is not None:
            line += f"; total {fv(total, unit)}"
        lines.append(line)
    text = f"{headline(facts, what)}:\n\n{bullets(lines)}"
    if facts.get("partial"):
        text += f"\n\n{facts['partial']}"
    return text
