"""The offline planner's answer sentences, one function per plan kind, written from the facts alone.

Every number in an answer comes from the facts dict that goes out as ``AnswerMeta.facts`` (the grounding check and
the evaluation read the same dict), formatted with ``shoplens.tools.formatting``. Every answer names the metric, the
resolved period and the filters in words: "**Revenue**, Electronics, May 2026: **$1.23M**, +8.1% vs April 2026".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shoplens.tools.facts import (
    AnomalyFacts,
    CompareFacts,
    DescribeFacts,
    FigureFacts,
    ForecastFacts,
    GroupedFacts,
    ReviewsFacts,
    TrendFacts,
    WhyFacts,
)
from shoplens.tools.formatting import format_date, format_signed, format_value

MAX_BULLETS = 8
LLM_HINT = (
    "For free-form questions, connect a language model: set `SHOPLENS_LLM_BASE_URL` to an "
    "OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama; see docs/deploy.md)."
)
EXAMPLES = (
    "revenue last month",
    "units sold by category this year",
    "top 5 products by revenue in 2025",
    "Electronics revenue vs same period last year",
    "monthly orders trend since March",
    "any unusual days in March 2025?",
    "why did Beauty revenue change in May?",
    "forecast revenue for the next 8 weeks",
    "what are customers complaining about for Aurora X2?",
)
_FALL = re.compile(
    r"\b(drop(ped)?|fall|fell|fallen|decline[ds]?|down|decrease[ds]?|lower|dip(ped)?|slump(ed)?|"
    r"worse|tank(ed)?|shrink|shrank|lose|lost)\b",
    re.I,
)
_RISE = re.compile(
    r"\b(rise|rose|risen|grow|grew|grown|increase[ds]?|up|jump(ed)?|spike[ds]?|higher|better|"
    r"surge[ds]?|soar(ed)?|climb(ed)?|boost(ed)?)\b",
    re.I,
)
TABLE_NOUNS = {
    "orders": "orders",
    "order_items": "order lines",
    "products": "products",
    "customers": "customers",
    "reviews": "reviews",
    "web_traffic": "daily product-traffic rows",
    "campaigns": "campaigns",
    "marketing_spend": "daily ad-spend rows",
    "review_sentiment": "scored reviews",
    "review_aspects": "review aspects",
}
TABLE_ORDER = {t: i for i, t in enumerate(TABLE_NOUNS)}
_DATA_LIMIT = re.compile(
    r"cannot be (split|filtered|broken down)|not (in|available in) (the|this) (data|warehouse)", re.I
)
# Dimensions whose values read poorly alone: "web" -> "web channel".
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


def filters_phrase(filters: Mapping[str, Sequence[str]] | None) -> str:
    """{'category': ['Electronics'], 'channel': ['web', 'app']} -> 'Electronics, web and app channels'."""
    parts = []
    for dim, values in (filters or {}).items():
        if not values:
            continue
        joined = join_and(list(values))
        one, many = _SUFFIX.get(dim, ("", ""))
        if dim == "acquisition_channel":
            parts.append(f"customers acquired via {joined}")
        elif dim == "weekday":
            parts.append(join_and([f"{v}s" for v in values]))
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
    return ", ".join(x for x in (filters_phrase(facts.get("filters")), period_phrase(facts)) if x)


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
    text = f"{headline(facts, what)}:\n\n" + "\n".join(lines)
    if facts.get("top_total") is not None and facts.get("top_share") is not None:
        text += (
            f"\n\nTogether {fv(facts['top_total'], unit)}, "
            f"{format_value(facts['top_share'], 'percent')} of {fv(facts.get('total'), unit)} "
            f"across {facts.get('n_groups')} {plural(dim)}."
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
    where = filters_phrase(facts.get("filters"))
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


def anomalies(facts: AnomalyFacts) -> str:
    unit = facts["unit"]
    grain = facts.get("grain") or "day"
    found = facts.get("anomalies") or []
    what = f"Unusual {grain}s in {_lower(facts['label'])}"
    if facts.get("by"):
        what += f" by {_lower(facts.get('dimension_label', facts['by']))}"
    checked = facts.get("points_checked", 0)
    normal = {
        "day": "every day was within the normal range for its weekday",
        "week": "every week was within the normal range of its neighbours",
        "month": "every month was within the normal range of its neighbours",
    }[grain]
    if not found:
        return f"{headline(facts, what)}: none — {normal} ({checked} checked)."
    text = (
        f"{headline(facts, what)}: {len(found)} of {checked} stand{'s' if len(found) == 1 else ''} out "
        f"(compared with {'the same weekday in the surrounding weeks' if grain == 'day' else 'their neighbours'}):"
    )
    lines = []
    for a in found[:MAX_BULLETS]:
        when = format_date(a["date"], grain)
        if grain == "day":
            import datetime as dt

            when += f" ({dt.date.fromisoformat(a['date']):%a})"
        who = f" [{a['by']}]" if a.get("by") else ""
        line = (
            f"**{when}**{who}: {fv(a['value'], unit)} vs about {fv(a['expected'], unit)} expected "
            f"({format_value(a['change_pct'], 'change')})"
        )
        if a.get("event"):
            line += f" — {a['event']}"
        lines.append(line)
    more = f"\n\n…and {len(found) - MAX_BULLETS} more in the table." if len(found) > MAX_BULLETS else ""
    return f"{text}\n\n{bullets(lines)}{more}"


def why(facts: WhyFacts, question: str = "") -> str:
    unit = facts["unit"]
    cur, prev = facts["period"], facts["compare_period"]
    where = filters_phrase(facts.get("filters"))
    name = f"**{facts['label']}**" + (f", {where}" if where else "")
    value, before, delta = facts.get("value"), facts.get("previous_value"), facts.get("change_abs") or 0.0
    if value is None and before is None:
        return f"{name}: no data in {cur['label']} or {prev['label']}, so there is no change to explain."
    asked_fall, asked_rise = bool(_FALL.search(question)), bool(_RISE.search(question))
    if facts.get("flat"):
        text = (
            f"{name}: about flat, {fv(value, unit)} in {cur['label']} vs {fv(before, unit)} in "
            f"{prev['label']} ({change_text(facts, with_abs=True)})."
        )
    else:
        verb = "rose" if delta > 0 else "fell"
        if (asked_fall and not asked_rise and delta > 0) or (asked_rise and not asked_fall and delta < 0):
            verb = f"actually {verb}"
        text = (
            f"{name}: {verb} from {fv(before, unit)} in {prev['label']} to {fv(value, unit)} in "
            f"{cur['label']} ({change_text(facts, with_abs=True)})."
        )
    if facts.get("within_noise"):
        text += " That is within normal variation, so read the drivers below with care."
    dim = facts.get("dimension")
    info = (facts.get("by_dimension") or {}).get(dim or "", {})
    labels = facts.get("dimension_labels") or {}
    pts = unit == "percent"
    if dim and info.get("top"):
        dl = _lower(labels.get(dim, dim))
        parts = []
        for lab, d, share in info["top"][:3]:
            bit = f"**{lab}** {format_signed(d, unit)}"
            if share is not None and 0 < share <= 1:
                bit += f" ({format_value(share, 'percent')} of the change)"
            mix = (facts.get("effects") or {}).get(lab)
            if mix:
                bit += f", {mix}"
            parts.append(bit)
        if facts.get("spread"):
            text += (
                f"\n\nNo single value stands out: the change is spread across {plural(dl)}, products, channels and "
                f"regions roughly in proportion to their size. Largest by {dl}: " + "; ".join(parts) + "."
            )
        else:
            text += f"\n\nMost of it comes down to the {dl}: " + "; ".join(parts) + "."
        if info.get("offset"):
            text += (
                " Partly offset by "
                + join_and([f"{lab} {format_signed(d, unit)}" for lab, d in info["offset"]])
                + "."
            )
        if pts:
            text += " (Contributions are in percentage points of the overall rate.)"
    elif dim:
        text += f"\n\nNo single {_lower(labels.get(dim, dim))} stands out: the change is spread evenly."
    others = []
    for d, other in sorted((facts.get("by_dimension") or {}).items(), key=lambda t: -t[1]["score"]):
        if d == dim or not other.get("top"):
            continue
        lab, d_val, _ = other["top"][0]
        others.append(f"by {_lower(labels.get(d, d))}: {lab} {format_signed(d_val, unit)}")
    if others:
        text += "\n\nOther splits: " + "; ".join(others[:4]) + "."
    sig = []
    for s in facts.get("signals") or []:
        bits = []
        if s.get("return_rate"):
            c, p = s["return_rate"]
            bits.append(f"return rate {format_value(c, 'percent')} vs {format_value(p, 'percent')}")
        if s.get("avg_rating"):
            c, p = s["avg_rating"]
            n = s.get("review_count") or [None, None]
            bits.append(
                f"average rating {format_value(c, 'rating')} vs {format_value(p, 'rating')}"
                + (
                    f" ({format_value(n[0], 'count')} vs {format_value(n[1], 'count')} reviews)"
                    if n[0] is not None and n[1] is not None
                    else ""
                )
            )
        if s.get("negative_share"):
            c, p = s["negative_share"]
            bits.append(f"negative reviews {format_value(c, 'percent')} vs {format_value(p, 'percent')}")
        if bits:
            sig.append(f"**{s['product']}**: " + "; ".join(bits))
    if sig:
        text += f"\n\nProduct signals ({cur['label']} vs {prev['label']}):\n\n" + bullets(sig)
    return text


def forecast(facts: ForecastFacts, sentences: Sequence[str]) -> str:
    fc = facts.get("forecast") or {}
    where = filters_phrase(facts.get("filters"))
    head = f"**{facts.get('label', 'Forecast')} forecast**" + (f", {where}" if where else "")
    if fc.get("horizon"):
        head += f", next {fc['horizon']} {fc.get('grain', 'period')}{'s' if fc['horizon'] != 1 else ''}"
    body = " ".join(s.strip() for s in sentences if s.strip())
    return f"{head}: {body}" if body else head + "."


def reviews(facts: ReviewsFacts) -> str:
    r = facts.get("reviews_facts") or {}
    scope_label = r.get("scope") or "all products"
    period = period_phrase(facts)
    n = r.get("reviews")
    if not n:
        return f"**Reviews**, {scope_label}, {period}: no reviews in this period."
    text = (
        f"**Reviews**, {scope_label}, {period}: {format_value(n, 'count')} reviews, "
        f"{format_value(r.get('share_positive'), 'percent')} positive and "
        f"{format_value(r.get('share_negative'), 'percent')} negative"
    )
    if r.get("avg_rating") is not None:
        text += f", average rating {format_value(r['avg_rating'], 'rating')}"
    text += "."
    if r.get("previous_reviews"):
        text += (
            f" In the period before: {format_value(r['previous_reviews'], 'count')} reviews, "
            f"{format_value(r.get('previous_share_negative'), 'percent')} negative"
            + (
                f", average rating {format_value(r['previous_avg_rating'], 'rating')}"
                if r.get("previous_avg_rating") is not None
                else ""
            )
            + "."
        )
    neg = r.get("top_negative_aspects") or {}
    pos = r.get("top_positive_aspects") or {}
    if neg:
        text += (
            "\n\nMost criticised: "
            + ", ".join(f"{a} ({format_value(c, 'count')})" for a, c in list(neg.items())[:5])
            + "."
        )
    if pos:
        text += (
            "\n\nMost praised: "
            + ", ".join(f"{a} ({format_value(c, 'count')})" for a, c in list(pos.items())[:5])
            + "."
        )
    if not neg and not pos:
        text += "\n\nNo recurring topics stand out in the review text for this period."
    if r.get("negative_jump"):
        text += "\n\n⚠ The share of negative reviews jumped compared with the previous period."
    return text


def describe(facts: DescribeFacts) -> str:
    p = facts.get("period") or {}
    tables = facts.get("tables") or {}
    counts = ", ".join(
        f"{format_value(n, 'count')} {TABLE_NOUNS.get(t, t.replace('_', ' '))}"
        for t, n in sorted(tables.items(), key=lambda kv: TABLE_ORDER.get(kv[0], 99))
    )
    dims = facts.get("dimensions") or {}
    text = (
        f"The warehouse covers **{p.get('label', '')}** ({p.get('start')} to {p.get('end')}): {counts}.\n\n"
        f"**Metrics** you can ask about: {', '.join(facts.get('metric_labels') or facts.get('metrics', []))}.\n\n"
        f"**Split or filter by**: " + ", ".join(f"{d} ({n})" if n else d for d, n in dims.items()) + ".\n\n"
        f"**Named periods**: {', '.join(facts.get('events', []))}.\n\n"
        "Try: " + "; ".join(f"“{e}”" for e in EXAMPLES[:6]) + "."
    )
    hidden = facts.get("hidden_metrics") or {}
    if hidden:
        text += (
            "\n\nNot available in this warehouse: " + "; ".join(f"{k} ({v})" for k, v in hidden.items()) + "."
        )
    return text


def clarify(question: str | None, choices: Sequence[str]) -> str:
    q = (question or "Which one do you mean?").strip()
    if not choices:
        return q
    return (
        q
        + "\n\n"
        + "\n".join(f"{i}. {c}" for i, c in enumerate(choices, 1))
        + "\n\nReply with the number or the name."
    )


def unsupported(reason: str | None) -> str:
    if reason and _DATA_LIMIT.search(
        reason
    ):  # the data itself cannot answer: a language model would not help
        return f"I can't answer that from this data: {reason.rstrip('.')}."
    why_not = f" ({reason.rstrip('.')})" if reason else ""
    return (
        f"I can't answer that offline{why_not}.\n\n"
        "Offline I answer questions about the shop's metrics (revenue, units, orders, average order value, "
        "margin, return rate, ratings, traffic, ad spend, ROAS ...) for any period: single figures, breakdowns, "
        "top N, comparisons, trends and charts, forecasts, review complaints, unusual days and why something "
        "changed. For example: " + "; ".join(f"“{e}”" for e in EXAMPLES[:4]) + ".\n\n" + LLM_HINT
    )


def cannot(message: str, what: str = "") -> str:
    """A tool refused the request (a metric that cannot be split that way, an unknown value ...)."""
    lead = f"I couldn't answer {what} as asked" if what else "I couldn't answer that as asked"
    return f"{lead}: {message.strip()}"
