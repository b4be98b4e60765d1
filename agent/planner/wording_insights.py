"""The offline planner's sentences for the insight answers (unusual days, "why", forecasts, reviews) and for
describe, clarify, unsupported and tool refusals; written from the facts alone (figures via wording.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shoplens.agent.planner.wording import (
    MAX_BULLETS,
    _lower,
    bullets,
    change_text,
    filters_phrase,
    fv,
    headline,
    join_and,
    period_phrase,
    plural,
)
from shoplens.tools.facts import AnomalyFacts, DescribeFacts, ForecastFacts, ReviewsFacts, WhyFacts
from shoplens.tools.formatting import format_date, format_signed, format_value

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
NOTHING_ON = "The shop's data has nothing on"  # agent/planner/unknown_words.py declines start so
_DATA_LIMIT = re.compile(
    r"cannot be (split|filtered|broken down)|not (in|available in) (the|this) (data|warehouse)", re.I
)
# Dimensions whose values read poorly alone: "web" -> "web channel".


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
    """The change, the dimension that explains most of it, other splits, and the product signals that moved."""
    cur, prev = facts["period"], facts["compare_period"]
    where = filters_phrase(facts.get("filters"), facts.get("excluded"))
    name = f"**{facts['label']}**" + (f", {where}" if where else "")
    if facts.get("value") is None and facts.get("previous_value") is None:
        return f"{name}: no data in {cur['label']} or {prev['label']}, so there is no change to explain."
    return (_why_change(facts, name, question) + _why_drivers(facts) + _why_other_splits(facts)
            + _why_signals(facts))


def _why_change(facts: WhyFacts, name: str, question: str) -> str:
    unit = facts["unit"]
    cur, prev = facts["period"], facts["compare_period"]
    value, before, delta = facts.get("value"), facts.get("previous_value"), facts.get("change_abs") or 0.0
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
    return text


def _why_drivers(facts: WhyFacts) -> str:
    unit = facts["unit"]
    dim = facts.get("dimension")
    info = (facts.get("by_dimension") or {}).get(dim or "", {})
    labels = facts.get("dimension_labels") or {}
    if not dim:
        return ""
    if not info.get("top"):
        return f"\n\nNo single {_lower(labels.get(dim, dim))} stands out: the change is spread evenly."
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
        checked = list(dict.fromkeys(plural(_lower(labels.get(d, d))) for d in (facts.get("by_dimension") or {})))
        text = (f"\n\nNo single value stands out: the change is spread across {join_and(checked or [plural(dl)])} "
                f"roughly in proportion to their size. Largest by {dl}: " + "; ".join(parts) + ".")
    else:
        text = f"\n\nMost of it comes down to the {dl}: " + "; ".join(parts) + "."
    if info.get("offset"):
        text += " Partly offset by " + join_and([f"{lab} {format_signed(d, unit)}" for lab, d in info["offset"]]) + "."
    if unit == "percent":
        text += " (Contributions are in percentage points of the overall rate.)"
    return text


def _why_other_splits(facts: WhyFacts) -> str:
    dim, unit = facts.get("dimension"), facts["unit"]
    labels = facts.get("dimension_labels") or {}
    others = []
    for d, other in sorted((facts.get("by_dimension") or {}).items(), key=lambda t: -t[1]["score"]):
        if d == dim or not other.get("top"):
            continue
        lab, d_val, _ = other["top"][0]
        others.append(f"by {_lower(labels.get(d, d))}: {lab} {format_signed(d_val, unit)}")
    return "\n\nOther splits: " + "; ".join(others[:4]) + "." if others else ""


_SIGNAL_WORDS = (  # (key, words, unit), in the order they are told
    ("return_rate", "return rate", "percent"),
    ("avg_rating", "average rating", "rating"),
    ("negative_share", "negative reviews", "percent"),
    ("avg_price", "average selling price", "currency"),
    ("product_views", "product views", "count"),
    ("add_to_cart_rate", "add-to-cart rate", "percent"),
)


def _why_signals(facts: WhyFacts) -> str:
    """Per product, the signals that moved (all of them when asked about one product), complaints, stock-outs."""
    cur, prev = facts["period"], facts["compare_period"]
    sig, quiet = [], []
    for s in facts.get("signals") or []:
        bits = []
        for key, words, unit in _SIGNAL_WORDS:
            if key in (s.get("moved") or []):
                c, p = s[key]
                bits.append(f"{words} {fv(c, unit)} vs {fv(p, unit)}")
        if s.get("new"):
            bits.append(f"not on sale yet in {prev['label']}, so all of it is new")
        if s.get("stockout"):
            bits.append("views held up while add-to-carts collapsed, which usually means it was out of stock")
        for c in (s.get("complaints") or [])[:2]:
            bits.append(f"negative reviews mention **{c['aspect']}** {c['now']} times vs {c['before']} before")
        (sig if bits else quiet).append(f"**{s['product']}**: " + "; ".join(bits) if bits else s["product"])
    text = f"\n\nProduct signals ({cur['label']} vs {prev['label']}):\n\n" + bullets(sig) if sig else ""
    if quiet:
        text += (f"\n\nFor {join_and(quiet)}, returns, ratings, price and traffic did not move notably "
                 f"(figures in the table).")
    return text


def forecast(facts: ForecastFacts, sentences: Sequence[str]) -> str:
    fc = facts.get("forecast") or {}
    where = filters_phrase(facts.get("filters"), facts.get("excluded"))
    head = f"**{facts.get('label', 'Forecast')} forecast**" + (f", {where}" if where else "")
    if fc.get("horizon"):
        head += f", next {fc['horizon']} {fc.get('grain', 'period')}{'s' if fc['horizon'] != 1 else ''}"
    body = " ".join(s.strip() for s in sentences if s.strip())
    return f"{head}: {body}" if body else head + "."


def reviews(facts: ReviewsFacts, *, praise_first: bool = False) -> str:
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
    sides = [("Most criticised", neg), ("Most praised", pos)]
    for title, side in reversed(sides) if praise_first else sides:  # "what do they like most": praise first
        if side:
            text += f"\n\n{title}: " + ", ".join(f"{a} ({format_value(c, 'count')})"
                                                 for a, c in list(side.items())[:5]) + "."
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
    if reason and reason.startswith(NOTHING_ON):  # already says what is missing and what to ask: said once
        return reason.rstrip(".") + "."
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
