"""Follow-ups within a session: "and for Beauty?", "what about last year?", "as a bar chart", "only the West",
"by channel instead", "same for units", "and the previous month?", "top 10 instead", "why?".

``is_followup`` tells a follow-up (a short question that leans on the last one) from a new question;
``merge`` starts from the last plan and changes only what the follow-up names.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from shoplens.agent.planner.plan import Plan
from shoplens.tools.artifacts import Period
from shoplens.tools.calendar import dates as P

if TYPE_CHECKING:
    from shoplens.agent.planner.context import ParseContext
    from shoplens.agent.planner.resolve import Resolver
    from shoplens.agent.planner.understand import Parsed

_LEAD = re.compile(
    r"^\s*(?:and|what\s+about|how\s+about|what\s+of|same|only|just|instead|now|also|but|ok(?:ay)?|then|what\s+if|"
    r"for|in|by|as|show\s+(?:it|that|this|me\s+that|them|those)|make\s+(?:it|that|this)|switch|change\s+(?:it|that)|"
    r"do\s+(?:it|the\s+same|that)|again|excluding|except|without|compare\s+(?:it|that|this)|vs\.?|versus|"
    r"split\s+(?:it|that|this)|break\s+(?:it|that|this)\s+down|drill|zoom|limit|remove|drop|add|include|plus|"
    r"how\s+did\s+(?:it|that|they)|can\s+you\s+(?:show|make|split|break)\s+(?:it|that|this)|"
    r"(?:and\s+)?(?:the\s+)?(?:previous|prior|next)\s+(?:one|month|week|quarter|year))\b")
_REF = re.compile(r"\b(?:instead|same|that|this|it|those|these|them|too|as\s+well|again)\b")
_DECISIVE = {"forecast", "why", "reviews", "anomalies", "describe", "unsupported"}
_ADD = re.compile(r"\b(?:also|too|as\s+well|add|include|plus|and\s+also)\b")
_RESET = re.compile(r"\b(?:all|every|any)\s+(?P<d>categories|regions|channels|brands|products|segments|campaigns|"
                    r"cities|subcategories)\b|\b(?:no|remove\s+(?:the\s+)?|without\s+(?:the\s+)?|drop\s+(?:the\s+)?|"
                    r"clear\s+(?:the\s+)?)filters?\b|\boverall\b|\bin\s+total\b|\beverything\b|\ball\s+of\s+it\b")
#: Filters on one of these replace filters on the others ("and for Aurora?" after "Electronics revenue").
#: "within that category", "for those brands": the values the last answer showed
_THAT_VALUE = re.compile(r"\b(?:that|this|the\s+same|those|these|the\s+(?:top|winning|best|worst))\s+"
                         r"(?P<d>category|categories|subcategory|subcategories|brands?|products?|regions?|channels?|"
                         r"segments?|campaigns?|cit(?:y|ies))\b")
_THEM = re.compile(r"\b(?:those|these|them|they)\b(?!\s+(?:days?|weeks?|months?|years?|periods?))")
_RERANK = re.compile(r"\b(?:rank|re-?rank|sort|order|list)\s+(?:them|those|these|it)\b|"
                     r"\b(?:them|those|these)\s+(?:ranked|sorted|ordered)\b")
_THAT_ONE = re.compile(r"\b(?:that|this)\s+one\b|\bthe\s+(?:winner|top\s+one|worst\s+one|best\s+one|first\s+one)\b")
#: "the #2 on that list", "number 3", "the second one", "the runner-up": a place in the ranking just shown
_NTH = re.compile(r"(?<!\w)#\s?(?P<n>[1-9])\b|\bnumber\s+(?P<n2>[1-9])\b(?!\s*(?:days?|weeks?|months?|%))|"
                  r"\bthe\s+(?P<w>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|runner[\s\-]up)"
                  r"(?=\s+(?:one|place|product|brand|category|item|campaign|region|channel|on|in)\b|\s*[?.,]|$)")
_PLACES = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "runner up": 1, "runner-up": 1, "third": 2, "3rd": 2,
           "fourth": 3, "4th": 3, "fifth": 4, "5th": 4}


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_PLACE_REF = re.compile(r"\b(?:the\s+)?(?:#\s?|number\s+|no\.\s*)(?P<n>[1-9])(?:\s+(?:one|spot|place))?"
                        r"(?P<list>\s+(?:on|in|from)\s+(?:that|the|this|your)\s+(?:[a-z]+\s+){0,2}?"
                        r"(?:list|ranking|table|chart|one))?(?!\s*(?:days?|weeks?|months?|%|products?|brands?))")


def place_refs(text: str) -> str:
    """'the #2 on that revenue list' -> 'the second one' (a place in the ranking just shown, in words the ranking
    rules do not read as "top 2")."""
    return _PLACE_REF.sub(lambda m: f"the {_ORDINALS[int(m.group('n')) - 1]} one", text)


def _nth(m: re.Match[str]) -> int:
    """The 0-based place a reference names (0 for "that one", "the winner")."""
    groups = m.groupdict()
    if number := groups.get("n") or groups.get("n2"):
        return int(number) - 1
    return _PLACES.get(re.sub(r"\s+", " ", groups.get("w") or ""), 0)


_AGAINST = re.compile(r"\b(?:compare[sd]?|comparing)\s+(?:\w+\s+){0,2}?(?:with|to|against)\s+(?:the\s+)?$|"
                      r"\b(?:vs\.?|versus|against)\s+(?:the\s+)?$")
_HIERARCHIES = (("category", "subcategory", "brand", "product"), ("region", "city"))


def is_followup(p: Parsed, last: Plan) -> bool:
    if last.kind in ("unsupported", "describe", "clarify") or p.ents.ambiguous:
        return False  # "and portland?" (two cities): asked back as a question of its own
    text, it = p.text.strip(), p.intent
    own_metric = bool(p.ents.metrics)
    decisive = bool(_DECISIVE & it.signals)
    if "unsupported" in it.signals or ("describe" in it.signals and not own_metric):
        return False
    if _LEAD.match(text) or _THAT_VALUE.search(text) or (last.shown and _NTH.search(text)):
        return True  # "... for the 2nd one"

    if it.top_n and last.kind in ("top", "breakdown") and not own_metric and not p.ents.group_by \
            and not p.ents.filters:
        return True  # "sorry, cat on the keyboard. top 10 pls"
    if p.words <= 8 and _REF.search(p.blank) and not (own_metric and decisive):  # not "this year"
        return True
    if _REF.search(p.blank) and not own_metric and not p.ents.filters and not p.ents.group_by and \
            len(re.findall(r"[a-z0-9']+", p.blank)) <= 6:  # "how does that compare with the same period last year"
        return True
    if p.words <= 3 and decisive:
        return True  # "why?", "forecast it"
    if decisive and p.words <= 6 and last.filters and not own_metric and not p.ents.filters and not p.time.spans \
            and not p.ents.group_by and not p.ents.ambiguous:
        return True  # "what are the main complaints?" after a question about one product: its subject and period
    return p.words <= 5 and not own_metric and not decisive and not p.ents.ambiguous


def merge(last: Plan, p: Parsed, u: ParseContext, r: Resolver) -> Plan:
    plan = replace(last, notes=[], question=p.question, clarify=None, choices=[], reason=None, confidence=1.0,
                   filters={d: list(v) for d, v in last.filters.items()}, group_by=list(last.group_by),
                   also=list(last.also))
    ents, t, it = p.ents, p.time, p.intent
    old_kind = plan.kind
    plan.kind = _new_kind(last, p) or plan.kind
    if (ents.metrics or ents.weak_metric) and not _customers_of_a_value(p, last):
        plan.metric, plan.also = r.metrics(p, plan.kind)
        plan.notes.extend(n for n in ents.notes if n.startswith("'"))
    _filters(plan, p, u, last.shown)
    if ents.group_by:
        plan.group_by = list(ents.group_by)
        for dim in ents.group_by:
            if dim in plan.filters and dim not in ents.filters:
                plan.filters.pop(dim)
                plan.notes.append(f"showing every {u.semantic.dimensions[dim].label.lower()}")
        if plan.kind == "figure":
            plan.kind = "breakdown"
    if it.top_n or (it.ranked and it.order):
        plan.top_n = it.top_n or plan.top_n or 10
        plan.order = it.order or plan.order
        if plan.kind in ("figure", "breakdown"):
            plan.kind = "top"
        if plan.kind == "top" and not plan.group_by:
            plan.group_by = ["product"]
    if it.chart_kind:
        plan.chart_kind = it.chart_kind
    if it.model:
        plan.model = it.model
    if t.grain:
        plan.grain = t.grain
    plan.notes.extend(it.notes)
    plan.notes.extend(t.notes)
    _period(plan, last, p, u, r, old_kind)
    plan.notes.extend(n for n in ents.notes if not n.startswith("'") or n not in plan.notes)
    return r.finish(plan, p, fresh=False)


def _new_kind(last: Plan, p: Parsed) -> str | None:
    it, t, ents = p.intent, p.time, p.ents
    sig = it.signals
    if "why" in sig:
        return "why"
    if "forecast" in sig or t.horizon or t.horizon_end:
        return "forecast"
    if "anomalies" in sig:
        return "anomalies"
    if "reviews" in sig:
        return "reviews"
    if it.chart_kind:
        return "chart"
    if it.chart_word:
        return last.kind if last.kind in ("trend", "chart") else "chart"
    if "trend" in sig or (t.grain and last.kind in ("figure", "breakdown", "compare", "top")):
        return "trend"
    if t.compare_mode or len(t.spans) >= 2 or ("compare" in sig and not ents.group_by):
        return "compare"
    if last.kind in ("forecast", "reviews", "anomalies") and (ents.metrics or ents.group_by or it.top_n):
        return "breakdown" if ents.group_by else "top" if it.top_n else "figure"
    return None


def _filters(plan: Plan, p: Parsed, u: ParseContext, shown: dict[str, list[str]] | None = None) -> None:
    ents = p.ents
    reset = _RESET.search(p.text)
    if reset:
        word = reset.groupdict().get("d")
        dim = u.entities.dim_for(word) if word else None
        for d in [dim] if dim else list(plan.filters):
            if plan.filters.pop(d, None) is not None:
                plan.notes.append(f"without the {u.semantic.dimensions[d].label.lower()} filter")
    add = bool(_ADD.search(p.text))
    for dim, values in ents.filters.items():
        if add and dim in plan.filters:
            plan.filters[dim] += [v for v in values if v not in plan.filters[dim]]
            continue
        for family in _HIERARCHIES:
            if dim in family:
                for other in family:
                    if other != dim and plan.filters.pop(other, None) is not None:
                        plan.notes.append(f"without the earlier {u.semantic.dimensions[other].label.lower()} filter")
        plan.filters[dim] = list(values)
        if dim in plan.group_by and len(values) == 1 and len(plan.group_by) == 1 and plan.kind in ("breakdown",
                                                                                                     "top"):
            plan.group_by = []
            plan.kind = "figure"
    for fam in ents.families:
        plan.filters.pop(fam.dimension, None)
    if _RERANK.search(p.text):
        return  # "rank them by units instead": the same scope ranked again, not a filter on the shown rows
    ref = _THAT_VALUE.search(p.text)
    dim = u.entities.dim_for(ref.group("d")) if ref else None
    one = _THAT_ONE.search(p.text) or _NTH.search(p.text)
    if ref is None and one and not ents.filters and plan.group_by and (shown or {}).get(plan.group_by[0]):
        dim = plan.group_by[0]  # "what are people complaining about in that one": the winner just shown
        k = _nth(one)  # "the #2 on that list", "the second one"
        if k >= len((shown or {})[dim]):
            return
        plan.filters[dim] = (shown or {})[dim][k:k + 1]
        plan.notes.append(f"'{one.group(0)}' read as {plan.filters[dim][0]}")
        if dim in plan.group_by:
            plan.group_by.remove(dim)
        for chain in _HIERARCHIES:  # the product picked from a ranking in a category: the category goes without saying
            if dim in chain:
                for above in chain[:chain.index(dim)]:
                    plan.filters.pop(above, None)
        if not plan.group_by and plan.kind in ("top", "breakdown"):
            plan.kind, plan.top_n, plan.winner = "figure", None, False  # one value's figure, not a ranking of one
        return
    if ref is None and not ents.filters and len(shown or {}) == 1 and _THEM.search(p.text):
        # "how many units did those sell?": the values the last answer listed
        dim, values = next(iter((shown or {}).items()))
        if values and dim not in plan.filters:
            plan.filters[dim] = list(values)
            plan.notes.append(f"'{_THEM.search(p.text).group(0)}' read as {', '.join(values)}")  # type: ignore[union-attr]
            if dim in plan.group_by and len(plan.group_by) > 1:
                plan.group_by.remove(dim)
        return
    if ref and dim and dim not in ents.filters and (shown or {}).get(dim):
        values = (shown or {})[dim]
        plural = ref.group("d") != ref.group("d").rstrip("s") or ref.group("d").endswith("ies")
        plan.filters[dim] = values if plural else values[:1]
        plan.notes.append(f"'{ref.group(0)}' read as {', '.join(plan.filters[dim])}")  # type: ignore[union-attr]
        if dim in plan.group_by:
            plan.group_by.remove(dim)


def _period(plan: Plan, last: Plan, p: Parsed, u: ParseContext, r: Resolver, old_kind: str) -> None:
    t = p.time
    spans = sorted({(s.start, s.end): s for s in t.spans}.values(), key=lambda s: s.pos)
    if plan.kind == "forecast":
        r.forecast_periods(plan, p, spans)
        return
    if last.period is not None and last.period.start > u.as_of:
        plan.period = None  # leaving a forecast: its period is in the future
    if len(spans) == 1 and last.period is not None and _AGAINST.search(p.text[:max(0, spans[0].pos[0])]):
        # "how does that compare with may?": the last period against the one named now
        plan.kind = "compare" if plan.kind in ("figure", "breakdown", "top", "trend", "chart") else plan.kind
        plan.period, plan.compare_mode, plan.grain = last.period, "explicit", None
        if _relative_to_last(spans[0], last):  # "vs the quarter before that": before the last period, not today
            a, b = _shifted(spans[0], last.period)
            plan.compare_period = r.clip(a, b, None, plan, what="the comparison period ")
        else:
            plan.compare_period = r.period_of(spans[0], plan)
        return
    if len(spans) >= 2 or (spans and plan.kind in ("compare", "why") and not _relative_to_last(spans[0], last)):
        r.compare_periods(plan, p, spans)
        return
    if spans:
        s = spans[0]
        if _relative_to_last(s, last) and last.period is not None:
            event = _event_for(last.period, u) if s.rel_unit == "year" else None
            a, b = event.window(last.period.start.year - 1) if event else _shifted(s, last.period)
            name = f"{P.event_base(event)} {a.year}" if event else None
            if s.rel_unit == "year" and s.rel == "last":
                plan.notes.append(f"'last year' read as the same period a year earlier ({P.label(a, b)})")
            plan.period = r.clip(a, b, name, plan)
        else:
            plan.period = r.period_of(s, plan)
    elif plan.kind in ("trend", "chart") and old_kind not in ("trend", "chart") and (
            plan.period is None or plan.period.days <= 45) and not plan.group_by:
        plan.grain = plan.grain or "month"
        plan.period = r.trend_default(plan)
    elif plan.kind == "anomalies" and (plan.period is None or plan.period.days < 14):
        a = u.as_of - P.dt.timedelta(days=89)
        plan.period = Period(a, u.as_of, P.label(a, u.as_of, "last 90 days"))
    elif plan.period is None and plan.kind not in ("reviews",):
        plan.period = r.latest_month(plan)
    if plan.kind in ("trend", "chart") and plan.period is not None and not plan.grain and (
            plan.kind == "trend" or not plan.group_by):  # "put that in a chart" of a breakdown: its categories
        plan.grain = P.grain_for_span(plan.period.start, plan.period.end)
    if plan.kind == "anomalies":
        plan.grain = plan.grain if plan.grain in ("day", "week") else "day"
    if plan.kind in ("compare", "why") and plan.period is not None:
        mode = t.compare_mode or (last.compare_mode if last.compare_mode in ("yoy", "previous") else None)
        if plan.compare_period is None or spans or t.compare_mode or mode:
            event = _event_for(plan.period, u)
            if mode == "yoy" or event:
                a, b = P.year_ago(plan.period.start, plan.period.end, event)
                name = f"{P.event_base(event)} {a.year}" if event else None
                plan.compare_mode = "yoy"
            else:
                a, b = P.previous_period(plan.period.start, plan.period.end)
                name, plan.compare_mode = None, "previous"
            plan.compare_period = r.clip(a, b, name, plan, what="the comparison period ")
    elif plan.kind not in ("compare", "why"):
        plan.compare_mode, plan.compare_period = None, None


def _customers_of_a_value(p: Parsed, last: Plan) -> bool:
    """'what about consumer customers?' after a question about business customers' GMV: 'customers' names the
    group (the value right before it), not a new measure to count."""
    span = p.ents.metric_spans.get("customers")
    if p.ents.metrics != ["customers"] or span is None or last.metric in (None, "customers"):
        return False
    return any(what.startswith("value:") and 0 <= span[0] - e <= 1 for _, e, what in p.mask.spans)


def _relative_to_last(s: object, last: Plan) -> bool:
    """'the previous month' / 'the month before' / 'a year earlier' (and 'last year' after a shorter period)."""
    rel, unit = getattr(s, "rel", None), getattr(s, "rel_unit", None)
    if last.period is None:
        return False
    if rel == "prior":
        return True
    return rel == "last" and unit == "year" and last.period.days < 360


def _shifted(s: object, period: Period) -> tuple[P.dt.date, P.dt.date]:
    unit, n = getattr(s, "rel_unit", None), getattr(s, "count", 0)
    if n and unit:  # "the 7 days before that", "the previous 3 months": N units ending the day before
        end = period.start - P.DAY1
        if unit in ("day", "week"):
            return end - P.dt.timedelta(days=n * (7 if unit == "week" else 1) - 1), end
        a = period.start
        for _ in range(n):
            a = P.unit_range(unit, a - P.DAY1)[0]
        return a, end
    if unit in ("day", "week") and period.days == (7 if unit == "week" else 1):
        return P.previous_period(period.start, period.end)  # "the week before" the last 7 days: the 7 before
    if unit == "year":
        return P.year_ago(period.start, period.end)
    if unit and P.infer_unit(period.start, period.end) != unit:  # "the month before" a quarter: that month
        a, _ = P.unit_range(unit, period.start - P.DAY1)
        return P.unit_range(unit, a)
    return P.previous_period(period.start, period.end)


def _event_for(period: Period, u: ParseContext):  # noqa: ANN202 - Event | None
    return next((e for e in u.semantic.events if e.is_window(period.start, period.end)), None)
