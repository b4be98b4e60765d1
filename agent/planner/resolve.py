"""Completes a Plan: metric and period defaults per kind, comparison periods, forecast horizons, campaign-name
families, exclusions, clipping to the data, and checks that the metric can be split/filtered as asked. Every
assumption is written to ``plan.notes``; anything impossible becomes kind "unsupported" with a reason."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from shoplens.agent.planner.intent import LOWER_IS_BETTER
from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.resolve_time import PeriodResolver
from shoplens.tools.calendar import dates as P
from shoplens.tools.text import canon

if TYPE_CHECKING:
    from shoplens.agent.planner.context import ParseContext
    from shoplens.agent.planner.understand import Parsed

_CUSTOMER_SPEND = re.compile(r"\b(?:customers?|clients?|buyers?|shoppers?|accounts?)\b.{0,40}\bspen[dt]\w*|"
                             r"\bspen[dt]\w*\b.{0,30}\b(?:per|by|each|every|of)\s+(?:the\s+)?(?:customers?|clients?|"
                             r"buyers?|shoppers?|accounts?)\b")
_AD_WORDS = re.compile(r"\b(?:ads?|advert\w*|campaigns?|marketing|media|cpc|cpm|roas|impressions?|clicks?|google|"
                       r"facebook|meta|social|search|display|affiliates?)\b")
_BEFORE_REFUNDS = re.compile(r"\b(?:before|gross\s+of|prior\s+to)\s+(?:any\s+)?(?:refunds?|returns?|credit\s+notes?)\b")
_NO_PERIOD = {"unsupported", "describe", "clarify"}
_SUBSTITUTE = {"sentiment": "avg_rating", "negative_share": "avg_rating"}


_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

#: The measure shown when none is named, in order: the first that every requested split applies to.
DEFAULT_METRICS = ("revenue", "review_count", "sessions", "ad_spend", "new_customers")


#: The measure a ranking is by: "5 weakest apparel items by rev".
_RANKED_BY = re.compile(r"\b(?:by|on|in\s+terms\s+of)\s+(?:total\s+|their\s+|the\s+)?$")
_PRICE_RANK = re.compile(r"\b(?:cheapest|priciest|costliest|(?:most|least)\s+expensive)\b")
_SPENT = re.compile(r"\b(?:spen[dt]|spending|paid|pay)\b")
#: "customers" naming who is compared, not what is counted, when another measure follows: "customers from which
#: channel have the highest AOV", "customers who came via search spend more per order".
_SUBJECT_CUSTOMERS = re.compile(r"\s+(?:from|in|who|that|which|with|whose|on|via|acquired|coming)\b")

class Resolver(PeriodResolver):
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.sem = ctx.semantic
        self.as_of = ctx.as_of

    # ------------------------------------------------------------------------------------------- metrics
    def metrics(self, p: Parsed, kind: str) -> tuple[str | None, list[str]]:
        ents = p.ents
        names = list(ents.metrics) or ([ents.weak_metric] if ents.weak_metric else [])
        if not names and {"campaign", "campaign_channel"} & set(ents.group_by) and "ad_spend" in self.sem.metrics \
                and re.search(r"\bspen[dt]\b", p.text):
            return "ad_spend", []  # "which 3 campaigns spent the most": what the campaigns cost
        if not names and _PRICE_RANK.search(p.text) and "avg_price" in self.sem.metrics:
            return "avg_price", []  # "the cheapest products in beauty": ranked by what they sell for
        if not names:
            return None, []
        if len(names) > 1 and kind == "top":  # "5 weakest apparel items by rev": ranked by revenue
            by = [n for n in names if (sp := ents.metric_spans.get(n)) and _RANKED_BY.search(p.text[:sp[0]])
                  and not p.text[sp[1]:].startswith("'")]  # not "by the customers' acquisition channel"
            names = by[:1] + [n for n in names if n not in by[:1]]
        if len(names) > 1 and names[0] == "customers" and (span := ents.metric_spans.get("customers")) and (
                _SUBJECT_CUSTOMERS.match(p.blank[span[1]:])  # "customers from which channel have the best AOV"
                or (nxt := ents.metric_spans.get(names[1])) and 0 <= nxt[0] - span[1] <= 2):  # "customers spend ..."
            names = names[1:]
        if names == ["customers"] and (span := ents.metric_spans.get("customers")) and "revenue" in self.sem.metrics \
                and _SUBJECT_CUSTOMERS.match(p.blank[span[1]:]) and _SPENT.search(p.text[span[1]:]):
            names = ["revenue"]  # "customers from which 2 channels spent the most": what they spent
            p.ents.notes.append("customers' spend read as revenue")
        if names[0] == "ad_spend" and "revenue" in self.sem.metrics and not _AD_WORDS.search(p.text) and (
                _CUSTOMER_SPEND.search(p.text) or "ad_spend" not in self.sem.metrics and re.search(r"\bspen[dt]", p.text)):
            # "top 10 customers by spend", or a shop without marketing data: what customers spend is revenue
            names[0] = "revenue"
            p.ents.notes.append("customers' spend read as revenue")
        if names[0] == "revenue" and "gross_revenue" in self.sem.metrics and _BEFORE_REFUNDS.search(p.text):
            names[0] = "gross_revenue"  # "revenue in 2011 before refunds"
        if len(names) > 1:  # a second measure only when joined to the first: "revenue and orders", "x vs y"
            first = ents.metric_spans.get(names[0])
            keep = [names[0]]
            for name in names[1:]:
                span = ents.metric_spans.get(name)
                if first and span:
                    gap = p.blank[min(first[1], span[1]):max(first[0], span[0])] if span[0] > first[1] else \
                        p.blank[span[1]:first[0]]
                    words = gap.split()
                    linked = re.search(r"(?:^|\s)(?:,|and|&|\+|plus|vs\.?|versus|against|with|as\s+well\s+as)(?:\s|$)",
                                       f" {gap} ")
                    if (linked and len(words) <= 8) or (kind == "chart" and p.intent.chart_kind in ("scatter", "combo")):
                        keep.append(name)
            names = keep
        for name in names[:1]:
            word = ents.metric_words.get(name)
            m = self.sem.metrics.get(name)
            if word and m and canon(word) not in (canon(m.name.replace("_", " ")), canon(m.label)):
                p.ents.notes.append(f"'{word.strip()}' read as {m.label.lower()}")
        return names[0], names[1:3]

    def top(self, plan: Plan, p: Parsed) -> None:
        it, ents = p.intent, p.ents
        if not plan.group_by and not it.rank_grain:
            plan.group_by = ["product"]
            plan.notes.append("ranking products (name another split, e.g. 'top 5 brands')")
        if it.rank_grain and not plan.group_by:
            plan.grain = it.rank_grain
        dim = plan.group_by[0] if plan.group_by else None
        word = ents.group_words.get(dim, "") if dim else (it.rank_grain or "")
        singular = bool(word) and not word.endswith("s") and ents.group_how.get(dim or "") in ("rank", "which")
        after = re.search(r"\b(?:best|top|worst|most\s+popular|least\s+popular|highest|lowest)[\s\-]?"
                          r"(?:selling|rated|performing|seller|grossing)?\s+([a-z]+)\b", p.text)
        one_named = bool(after and not ents.group_words and len(after.group(1)) > 3
                         and not after.group(1).endswith("s") and p.mask.overlaps(*after.span(1)))
        which_n = re.search(r"\b(?:which|what)\s+(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)\s+[a-z]",
                            p.blank)  # "which 5 products made the most money"
        if it.top_n:
            plan.top_n = it.top_n
        elif which_n and (dim or it.rank_grain):
            w = which_n.group(1)
            plan.top_n = int(w) if w.isdigit() else _NUMBER_WORDS.index(w) + 2
        elif singular or (it.rank_grain and not plan.group_by) or one_named:  # "the best-selling book": one
            plan.top_n = 1
            plan.winner = bool(plan.group_by)
        else:
            plan.top_n = 10
            plan.notes.append("showing the top 10")
        plan.order = it.order or "desc"
        if it.quality_rank and (plan.metric or "revenue") in LOWER_IS_BETTER:
            plan.order = "asc" if plan.order == "desc" else "desc"

    def _default_metric(self, plan: Plan) -> str:
        """Revenue, unless the split asked for only exists elsewhere: "breakdown of star ratings" counts reviews."""
        dims = [self.sem.dimensions[d] for d in plan.group_by if d in self.sem.dimensions]
        for name in DEFAULT_METRICS:
            m = self.sem.metrics.get(name)
            if m is not None and all(d.column_for(self.sem.sources[s]) for d in dims
                                     for s in self.sem.metric_source_names(m)):
                return name
        return "revenue"

    # -------------------------------------------------------------------------------------------- finish
    def finish(self, plan: Plan, p: Parsed, *, fresh: bool = True) -> Plan:
        """Defaults, periods, checks. ``fresh``: a new question (periods come from ``p``), not a follow-up."""
        if plan.kind == "clarify" and not plan.choices:
            self._clarify(plan, p)
        if plan.kind in _NO_PERIOD:
            return plan
        if plan.kind == "reviews":
            plan.metric, plan.also = None, []
        elif plan.metric is None:
            plan.metric = self._default_metric(plan)
            shown = self.sem.metrics.get(plan.metric)
            plan.notes.insert(0, f"no metric named; showing {shown.label.lower() if shown else plan.metric}")
        self._exclusions(plan, p)
        self._acquisition(plan, p)
        _implied_brand(plan)
        if fresh:
            self.stated_periods(plan, p)
        if plan.kind == "unsupported":
            return plan
        self._families(plan, p, fresh)
        self._shape(plan, p)
        self._availability(plan)
        plan.notes = list(dict.fromkeys(n for n in plan.notes if n))
        plan.filters = {d: list(dict.fromkeys(v)) for d, v in plan.filters.items()}  # "1-2 stars (1-2 star)"
        return plan

    def _clarify(self, plan: Plan, p: Parsed) -> None:
        if p.ents.ambiguous:
            a = p.ents.ambiguous[0]
            label = self.sem.dimensions[a.dimension].label.lower()
            _ask_which(plan, label, a.text, a.values)
        elif p.intent.year_or_n:
            n = p.intent.year_or_n
            plan.clarify = f"Did you mean the year {n} or the top {n}?"
            plan.choices = [f"the year {n}", f"the top {n}"]

    def _acquisition(self, plan: Plan, p: Parsed) -> None:
        """'customers we got through affiliates': the channel a customer came in by, not the campaign's."""
        acq = self.sem.dimensions.get("acquisition_channel")
        hit = _ACQUIRED.search(p.text)
        if acq is None or hit is None:
            return
        if hit.group(0).startswith("came") and not re.search(r"\b(?:customers?|buyers?|shoppers?|users?|people|"
                                                             r"sign[\s\-]?ups?)\b", p.text):
            return  # "orders that came in through the marketplace": the order's own channel
        for dim in ("campaign_channel", "channel"):
            values = plan.filters.get(dim)
            if values and set(values) <= set(acq.values) and "acquisition_channel" not in plan.filters:
                plan.filters["acquisition_channel"] = plan.filters.pop(dim)
                plan.notes.append(f"'{', '.join(values)}' read as the acquisition channel")

    def _exclusions(self, plan: Plan, p: Parsed) -> None:
        for dim, values in p.ents.excluded.items():
            keep = [v for v in self.sem.dimensions[dim].values if v not in values]
            if plan.filters.get(dim):
                keep = [v for v in plan.filters[dim] if v not in values]
            plan.filters[dim] = keep
            plan.excluded[dim] = list(values)
            plan.notes.append(f"excluding {', '.join(values)}")

    # -------------------------------------------------------------------------------------- families/shape
    def _families(self, plan: Plan, p: Parsed, fresh: bool) -> None:
        explicit = bool(p.time.spans) and plan.period is not None
        for fam in p.ents.families:
            members = fam.values
            if explicit:
                hit = [v for v in members if _overlaps(_name_range(v), plan.period)]  # type: ignore[arg-type]
                members = hit or members
            else:
                years = [y for v in members if (y := _name_year(v)) and y <= self.as_of.year]
                latest = max(years) if years else None
                members = [v for v in members if _name_year(v) == latest] or members
            if len(members) >= 2 and plan.kind in ("figure", "compare", "trend") and not plan.group_by and \
                    re.search(rf"\b(?:the|that|this)\s+{re.escape(fam.text)}\s+(?:campaign|promo|promotion|ad)\b(?!s)",
                              p.text):  # "ctr of the black friday campaign last year" names one of two: ask which
                plan.kind = "clarify"
                _ask_which(plan, fam.dimension, fam.text, members)
                return
            plan.filters.setdefault(fam.dimension, [])
            plan.filters[fam.dimension] += [v for v in members if v not in plan.filters[fam.dimension]]
            plan.notes.append(f"'{fam.text}' read as {fam.dimension} {', '.join(members[:4])}"
                              + (f" and {len(members) - 4} more" if len(members) > 4 else ""))

    def _shape(self, plan: Plan, p: Parsed) -> None:
        if plan.kind == "figure":
            multi = [d for d, v in plan.filters.items() if len(v) >= 2 and d not in p.ents.combined
                     and d not in p.ents.excluded and d in self.sem.dimensions]
            for d in multi:  # every value named ("consumer and business"): a split, not a filter
                if set(plan.filters[d]) >= set(self.sem.dimensions[d].values):
                    plan.filters.pop(d)
            if multi and not plan.group_by and not any(n.startswith("excluding") for n in plan.notes):
                plan.kind, plan.group_by = "breakdown", [multi[0]]
                plan.notes.append(f"showing each {self.sem.dimensions[multi[0]].label.lower()} separately")
        if plan.kind in ("breakdown", "chart", "trend") and not plan.group_by and not plan.grain:
            multi = [d for d, v in plan.filters.items() if 2 <= len(v) <= len(self.sem.dimensions[d].values)
                     and d not in p.ents.combined and d not in p.ents.excluded]
            if multi:
                plan.group_by = [multi[0]]
        if plan.kind == "trend" and not plan.grain:
            plan.grain = "month"
        if plan.kind == "breakdown" and plan.grain and not plan.group_by:
            plan.kind = "trend"

    # ---------------------------------------------------------------------------------------- availability
    def _availability(self, plan: Plan) -> None:
        if plan.kind == "reviews" or plan.metric is None:
            return
        if plan.metric not in self.sem.metrics:
            sub = _SUBSTITUTE.get(plan.metric)
            why = self.sem.hidden.get(plan.metric, "not defined")
            if sub in self.sem.metrics:
                plan.notes.append(f"{plan.metric.replace('_', ' ')} is not available ({why}; run 'shoplens reviews "
                                  f"score'); showing {self.sem.metrics[sub].label.lower()} instead")
                plan.metric = sub
            else:
                plan.kind, plan.reason = "unsupported", f"The metric {plan.metric} is not available here ({why})"
                return
        plan.also = [m for m in plan.also if m in self.sem.metrics]
        metric = self.sem.metrics[plan.metric]
        sources = [self.sem.sources[s] for s in self.sem.metric_source_names(metric)]
        for dim in list(plan.filters) + list(plan.group_by):
            d = self.sem.dimensions.get(dim)
            if d is None or all(d.column_for(s) for s in sources):
                continue
            alt = next((a for a in _REMAP.get(dim, ()) if a in self.sem.dimensions
                        and all(self.sem.dimensions[a].column_for(s) for s in sources)
                        and (dim not in plan.filters or set(plan.filters[dim]) <= set(self.sem.dimensions[a].values))),
                       None)
            if alt:
                _rename(plan, dim, alt)
                plan.notes.append(f"'{d.label.lower()}' read as {self.sem.dimensions[alt].label.lower()} "
                                  f"for {metric.label.lower()}")
                continue
            ok = [x.label.lower() for x in self.sem.dimensions.values() if all(x.column_for(s) for s in sources)
                  and not x.time_part]
            plan.kind = "unsupported"
            plan.reason = (f"{metric.label} cannot be split or filtered by {d.label.lower()}; it can be by "
                           f"{', '.join(ok)}")
            return


#: Dimensions sharing values ("social", "search", "marketplace"), tried in order when a metric cannot use the first.
_REMAP = {"channel": ("campaign_channel", "acquisition_channel"),
          "campaign_channel": ("acquisition_channel", "channel"),
          "acquisition_channel": ("campaign_channel", "channel")}
_ACQUIRED = re.compile(r"\b(?:got|acquired|won|brought\s+in|signed\s+up|sign[\s\-]?ups?|came\s+(?:in\s+)?(?:from|through|via)|"
                       r"found\s+us|first\s+came|joined)\b")


def _rename(plan: Plan, old: str, new: str) -> None:
    if old in plan.filters:
        plan.filters[new] = plan.filters.pop(old)
    plan.group_by = [new if g == old else g for g in plan.group_by]


def _name_year(value: str) -> int | None:
    m = re.search(r"\b((?:19|20)\d\d)\b", value)
    return int(m.group(1)) if m else None


def _name_range(value: str) -> tuple[dt.date, dt.date] | None:
    y = _name_year(value)
    if y is None:
        return None
    low = value.lower()
    if m := re.search(r"\bq([1-4])\b", low):
        return P.unit_range("quarter", dt.date(y, 3 * int(m.group(1)) - 2, 1))
    if m := re.search(r"\bh([12])\b", low):
        return P.unit_range("half", dt.date(y, 6 * int(m.group(1)) - 5, 1))
    if m := re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b", low):
        return P.unit_range("month", dt.date(y, P.month_no(m.group(1)), 1))
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _overlaps(r: tuple[dt.date, dt.date] | None, period: Any) -> bool:
    return r is not None and r[0] <= period.end and period.start <= r[1]


def _ask_which(plan: Plan, what: str, words: str, values: list[str]) -> None:
    """One clarifying question: which of these values the words mean."""
    plan.clarify = f"Which {what} do you mean by '{words}': " + " or ".join(values) + "?"
    plan.choices = list(values)


def _implied_brand(plan: Plan) -> None:
    """'... with Zestra about the Zestra Stand Mixer': a brand every named product carries adds nothing."""
    products, brands = plan.filters.get("product"), plan.filters.get("brand")
    if products and brands and all(any(p.lower().startswith(b.lower() + " ") for b in brands) for p in products):
        plan.filters.pop("brand")
