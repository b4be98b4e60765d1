"""Question understanding for the offline planner: a manager's or analyst's question -> a fully resolved ``Plan``.

``Understander(semantic, as_of).understand(question, last)`` parses in a fixed order over one normalised text,
masking what each step explains: exact multi-word names, then periods (``timeparse``), then group-by phrases,
metrics and dimension values (``entities``), then the kind of question (``intent``). Follow-ups merge into the
last plan (``followup``); replies to a clarifying question re-run the original question with the choice.
Everything assumed (a default metric or period, a fuzzy name, a clipped period) is said in ``plan.notes``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources

import yaml

from shoplens.agent.planner import followup
from shoplens.agent.planner.context import ParseContext
from shoplens.agent.planner.entities import Entities, EntityMatcher
from shoplens.agent.planner.intent import Intent, decide_kind, detect, rules
from shoplens.agent.planner.lexicon import KIND_WORDS, SHOP_WORDS
from shoplens.agent.planner.missing_dims import missing_dimension
from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.rephrase import rephrase
from shoplens.agent.planner.resolve import Resolver
from shoplens.agent.planner.unknown_words import off_the_data
from shoplens.data.semantic import Metric, SemanticLayer
from shoplens.tools.calendar.parse import TimeInfo
from shoplens.tools.calendar.words import Calendar
from shoplens.tools.text import COMMON, STOPWORDS, Mask, everyday_words, normalize


@dataclass
class Parsed:
    question: str
    text: str  # normalised
    blank: str  # with every explained span masked
    ents: Entities
    time: TimeInfo
    intent: Intent
    words: int
    mask: Mask = field(default_factory=Mask)
    decided: tuple[str, float, str | None] | None = None  # decide_kind's answer, computed once


class Understander:
    def __init__(self, semantic: SemanticLayer, as_of: dt.date, data_start: dt.date | None = None, *,
                 use_embeddings: bool = True) -> None:
        self.semantic = semantic
        self.as_of = as_of
        self.data_start = data_start or getattr(semantic, "data_start", None)
        self.use_embeddings = use_embeddings
        self.calendar = Calendar(as_of, semantic.events, self.data_start)
        self.times = self.calendar.parser
        self.entities = EntityMatcher(semantic, timeish=self._timeish)
        self.ctx = ParseContext(semantic, as_of, self.data_start, self.calendar, self.entities, use_embeddings)
        self.resolver = Resolver(self.ctx)
        self._all_values = sorted({v for d in semantic.dimensions.values() for v in d.values})

    def _timeish(self, phrase: str) -> bool:
        mask = Mask()
        self.times.parse(phrase, mask)
        return all(mask.overlaps(m.start(), m.end()) for m in re.finditer(r"\S+", phrase))

    # ---------------------------------------------------------------------------------------------- parsing
    def parse(self, question: str, prefer: set[str] | None = None) -> Parsed:
        text = star_counts(fix_status_words(rephrase(expand_shorthand(normalize(question.strip())))))
        mask = Mask()
        ents = self.entities.prematch(text, mask)
        tinfo = self.times.parse(text, mask)
        ents = self.entities.match(text, mask, ents, prefer)
        blank = mask.blank(text)
        names_only = Mask([s for s in mask.spans if s[2] != "time"])
        intent = detect(text, blank, names_only.blank(text))
        return Parsed(question, text, blank, ents, tinfo, intent, len(re.findall(r"[a-z0-9']+", text)), mask)

    # ---------------------------------------------------------------------------------------------- entry
    def understand(self, question: str, last: Plan | None = None) -> Plan:
        """The Plan for ``question``; ``last`` is the session's previous plan (follow-ups, clarify replies)."""
        if not question or not question.strip():
            return Plan(kind="describe", question=question or "", notes=["empty question; here is what I can do"])
        if last is not None and last.kind == "clarify":
            resolved = self._answer_clarify(question, last)
            if resolved is not None:
                return resolved
            last = None
        if last is not None and _SAME_LAST_YEAR.fullmatch(expand_shorthand(normalize(question.strip()))):
            question = "and the same period last year"  # a follow-up naming a period, not asking for a comparison
            parsed = self.parse("and last year")
            parsed.question = question
        elif last is not None and last.shown:  # "the #2 on that list": the second value the last answer showed
            parsed = self.parse(followup.place_refs(normalize(question.strip())))
            parsed.question = question
        else:
            parsed = self.parse(question)
        if self._gibberish(parsed):  # the same refusal in a conversation as in a fresh session
            return Plan(kind="unsupported", question=question, confidence=0.0,
                        reason="I could not read that as a question about the shop's data")
        if last is not None and followup.is_followup(parsed, last):
            if reason := self._declined(parsed, self._kind(parsed)[0]):
                return Plan(kind="unsupported", question=question, confidence=0.0, reason=reason)  # as in a new session
            return followup.merge(last, parsed, self.ctx, self.resolver)
        plan = self.resolver.finish(self.build(parsed), parsed)
        if plan.kind == "unsupported" and not plan.filters:  # what it was about, for "what did it sell then?"
            plan.subject = {d: list(v) for d, v in parsed.ents.filters.items()}
        elif last is not None and last.kind == "unsupported" and last.subject and not parsed.ents.filters \
                and (pronoun := _PRONOUN.search(parsed.blank)) and plan.kind not in ("unsupported", "clarify",
                                                                                     "describe"):
            plan.filters.update({d: list(v) for d, v in last.subject.items()})  # the thing the declined one named
            plan.notes.append(f"'{pronoun.group(0)}' read as {', '.join(v for vs in last.subject.values() for v in vs)}")
        return plan

    def build(self, p: Parsed) -> Plan:
        """A new question (not a follow-up): kind, metric, filters, split; periods are resolved in ``finish``."""
        ents, it = p.ents, p.intent
        kind, confidence, note = self._kind(p)
        plan = Plan(kind=kind, question=p.question, confidence=confidence)
        if note:
            plan.notes.append(note)
        plan.notes.extend(it.notes)
        if kind == "unsupported":
            plan.reason = it.reason or ("I could not match this to a question about the shop's sales, products, "
                                        "customers, reviews or marketing")
            return plan
        if kind == "clarify":
            return plan  # the question and choices are filled in by the resolver
        if kind == "reviews" and self.semantic.tables and "reviews" not in self.semantic.tables:
            plan.kind = "unsupported"
            plan.reason = ("This shop's data has no reviews (none were imported), so I can't say what customers write. "
                           "Add a reviews source to the import mapping to ask about them (docs/import.md)")
            return plan
        unknown = self._declined(p, kind) or self._unknown_measure(p, kind) \
            or missing_dimension(p.blank, self.semantic, set(self.entities.dim_phrases))
        if unknown:
            plan.kind, plan.reason = "unsupported", unknown
            return plan
        plan.metric, plan.also = self.resolver.metrics(p, kind)
        plan.filters = {d: list(v) for d, v in ents.filters.items()}
        plan.group_by = list(ents.group_by)
        plan.chart_kind = it.chart_kind
        plan.model = it.model
        plan.notes.extend(ents.notes)
        plan.notes.extend(p.time.notes)
        if kind == "top":
            self.resolver.top(plan, p)
        elif kind == "chart" and plan.group_by and it.top_n:  # "a bar chart of our 8 biggest brands"
            plan.top_n, plan.order = it.top_n, it.order or "desc"
        elif kind == "chart" and not plan.group_by and not it.rank_grain and _SELLERS.search(p.blank):
            self.resolver.top(plan, p)  # "horizontal bars: 10 best sellers": the products ranked, charted
        self._shares(plan, p, kind)
        per = _PER.search(p.text)
        if per and plan.kind in ("figure", "trend", "compare", "breakdown", "top") and not plan.share_of:
            unit = next(g for g in per.groups() if g)
            unit = {"daily": "day", "weekly": "week", "monthly": "month"}.get(unit, unit.split()[-1])
            m = self.semantic.metrics.get(plan.metric or "revenue")
            if "weekday" in plan.group_by:
                plan.per = "weekday"
            elif m is not None and _is_rate(m) and plan.kind in ("figure", "trend"):
                plan.kind, plan.grain = "trend", unit  # "avg rating per month": a rate is a series per month
            elif plan.kind in ("figure", "trend", "compare") and not _OVER_TIME.search(p.text):
                plan.kind = "compare" if plan.kind == "compare" else "figure"
                plan.per, plan.grain = unit, None
        elif "weekday" in plan.group_by and _AVERAGE.search(p.text):
            plan.per = "weekday"
        camp = plan.filters.get("campaign") or []
        during = next((sp for sp in p.mask.spans if sp[2] == "value:campaign"
                       and _DURING.search(p.text[max(0, sp[0] - 20):sp[0]])), None)
        if plan.kind in ("why", "compare") and len(camp) == 1 and during is not None:
            same = _SAME_DAYS.search(p.text)
            year = int(same.group("y")) if same and same.group("y") else 0
            plan.campaign_window = (camp[0], year)
            plan.notes.append(f"comparing the days {camp[0]} ran with the same days "
                              + (f"in {year}" if year else "a year earlier"))
            plan.filters.pop("campaign")
        if _SINCE_LAUNCH.search(p.text) and plan.period is None and plan.filters:
            plan.since_first = True  # the executor looks up the first day the named values sold
        plan.notes.extend(self._unknown_names(p))
        return plan

    def _unknown_measure(self, p: Parsed, kind: str) -> str | None:
        """'What was our bounce rate?': a measure-like phrase when no measure of the data is named."""
        if p.ents.metrics or p.ents.weak_metric or kind in ("reviews", "describe", "anomalies"):
            return None
        m = rules().signals["measure_word"].search(p.text, p.blank)
        if m is None:
            return None
        known = ", ".join(mm.label.lower() for mm in list(self.semantic.metrics.values())[:12])
        return (f"There is no '{m.group('m').strip()}' in the shop's data. It has measures such as {known} "
                f"(ask 'which metrics can I ask about?' for all of them)")

    def _shares(self, plan: Plan, p: Parsed, kind: str) -> None:
        """'What % of ...': shares in a breakdown, a part of a measure (part_of), or named values' share."""
        ents = p.ents
        share = next((m for m in _SHARE.finditer(p.text) if not p.mask.overlaps(*m.span())), None)  # not "margin %"
        if share and plan.group_by and kind in ("breakdown", "top"):
            plan.shares = True
        named_parts = [x for x in ents.metrics if x in self.semantic.metrics
                       and self.semantic.metrics[x].part_of in ents.metrics] if share else []
        if named_parts:  # "what % of orders were campaign orders": the part over the whole
            plan.metric, plan.also = named_parts[0], []
        whole = self.semantic.metrics.get(plan.metric or "") and self.semantic.metrics[plan.metric or ""].part_of
        if share and not plan.group_by and kind in ("figure", "compare") and whole in self.semantic.metrics:
            plan.share_in = whole  # "what share of our revenue came from campaigns"
        elif share and not plan.group_by and kind in ("figure", "breakdown", "chart", "reviews", "compare") \
                and not self._rate(plan.metric):  # "what % of orders in the west got cancelled": a rate, no share
            named = [d for d, v in plan.filters.items() if v and d != "status"]
            if named and kind == "chart":  # a share chart: every value, with its share
                dim = named[0]
                plan.group_by = [dim]
                plan.notes.append(f"showing every {self.semantic.dimensions[dim].label.lower()} with its share "
                                  f"({', '.join(plan.filters.pop(dim))} among them)")
            elif named:  # "what % of Q1 revenue came from beauty": Beauty's share of the total, as a figure
                plan.kind = "figure" if kind != "compare" else kind
                ranked = sorted(named, key=lambda d: _distance(p, d, share.end()))
                # "what % of electronics revenue came from audio": the value right after "of" is the whole
                whole_first = len(ranked) >= 2 and ranked[0] != "rating" and _distance(p, ranked[0], share.end()) <= 6 \
                    and _after_part_word(p, ranked[1])
                plan.share_of = ranked[1] if whole_first else ranked[0]
                if "rating" in ranked and len(ranked) >= 2:  # the stars are the part ("share of 5-star reviews
                    other = next(d for d in ranked if d != "rating")  # for books") unless another value is said
                    stars = _STARS.search(p.text, share.end())  # to be: "what share of 1-star reviews were for velvet"
                    first = stars is not None and stars.start() - share.end() <= 9 and _said_to_be(p, other)
                    plan.share_of = other if first else "rating"
                if plan.metric is None and kind == "reviews":
                    plan.metric = "review_count"

    def _rate(self, metric: str | None) -> bool:
        m = self.semantic.metrics.get(metric or "")
        return m is not None and m.unit in ("percent", "ratio")

    def _gibberish(self, p: Parsed) -> bool:
        """No word of the question is English, a name in the data, a metric or a period ("asdf qwerty")."""
        words = re.findall(r"[a-z]+", p.text)
        if not words or p.time.spans or p.ents.metrics or p.ents.filters or p.ents.group_by:
            return False
        known = everyday_words() | set(self.entities.vm.vocab) | STOPWORDS
        if all(w not in known and len(w) >= 3 for w in words):
            return True
        # everyday words only, none of them about a shop ("purple monkey dishwasher"): no measure, name, period,
        # split, ranking, chart or kind of question in it
        it = p.intent
        if it.signals or it.top_n or it.chart_kind or p.time.grain or p.ents.weak_metric:
            return False
        content = [w for w in words if w not in STOPWORDS]
        domain = self._domain_words
        if len(content) < 2 or any(w in domain or w.rstrip("s") in domain for w in content):
            return False
        return self._kind(p)[0] in ("figure", "unsupported")  # not "the lay of the land"

    def _kind(self, p: Parsed) -> tuple[str, float, str | None]:
        """The kind of question, its confidence and a note (``decide_kind``), computed once per parse."""
        if p.decided is None:
            p.decided = decide_kind(p, self.use_embeddings)
        return p.decided

    def _declined(self, p: Parsed, kind: str) -> str | None:
        """Why a question of ``kind`` is about something the data does not hold (its unknown words), or None."""
        ents = p.ents
        return off_the_data(p.blank, self._known_words, kind, bool(ents.metrics or ents.filters or ents.group_by))

    @cached_property
    def _known_words(self) -> frozenset[str]:
        return self._domain_words - _LACKING

    @cached_property
    def _domain_words(self) -> frozenset[str]:
        """Words that make a question about a shop: kinds of answer, names in the data, measures, dimensions."""
        words = set(KIND_WORDS) | set(self.entities.vm.vocab) | SHOP_WORDS
        for phrase in list(self.entities.metric_phrases) + list(self.entities.dim_phrases):
            words.update(phrase if isinstance(phrase, tuple) else str(phrase).split())
        return frozenset(words)

    def _unknown_names(self, p: Parsed) -> list[str]:
        """Capitalised words the question uses as names but the data does not know ('revenue in Europe')."""
        from rapidfuzz import fuzz, process

        notes = []
        for m in re.finditer(r"(?<![\w'])([A-Z][A-Za-z0-9'&\-]+(?:\s+[A-Z0-9][A-Za-z0-9'&\-]*)*)", p.question):
            words = [w for w in re.finditer(r"\S+", m.group(1))
                     if not p.mask.overlaps(m.start() + w.start(), m.start() + w.end())
                     and w.group(0).lower() not in STOPWORDS | COMMON | KIND_WORDS and len(w.group(0)) >= 2
                     and not re.fullmatch(r"i(?:['’](?:m|ve|d|ll))?", w.group(0).lower())]  # "I'm"
            first = m.start() + words[0].start() if words else 0
            if not words or not p.question[:first].strip(" \"'") or re.search(r"[.!?]\s*$", p.question[:first]):
                continue
            name = " ".join(w.group(0) for w in words)
            best = process.extractOne(name, self._all_values, scorer=fuzz.WRatio, score_cutoff=80)
            hint = f" (did you mean '{best[0]}'?)" if best else ""
            notes.append(f"'{name}' did not match anything in the data, so it is not used as a filter{hint}")
        return notes

    # ------------------------------------------------------------------------------------------- clarify
    def _answer_clarify(self, reply: str, last: Plan) -> Plan | None:
        text = normalize(reply.strip()).strip(" .!?")
        choice = _pick_choice(text, last.choices)
        if choice is None:
            return None
        original = last.question
        if m := re.fullmatch(r"the year (\d{4})", choice):  # "top 2025" meant the year
            original = re.sub(rf"\b(top|bottom)\s+{m.group(1)}\b", rf"\1 in {m.group(1)}", original, flags=re.I)
        elif m := re.fullmatch(r"the top (\d+)", choice):
            original = re.sub(rf"\b{m.group(1)}\b", "500", original, count=1)
        parsed = self.parse(original, prefer={choice})
        return self.resolver.finish(self.build(parsed), parsed)


_LACKING = frozenset(["stock", "inventory"])  # shop words the data does not hold (unknown_words counts them)
_SELLERS = re.compile(r"\b(?:best|top|worst|biggest)[\s\-]?sell(?:ers?|ing\s+(?:items|products|skus))\b")
_PRONOUN = re.compile(r"\b(?:it|they|them|those|these|that\s+one|this\s+one)\b")
_STARS = re.compile(r"\b[1-5](?:[\s\-]*(?:-|or|and|to|&)[\s\-]*[1-5])?[\s\-]*stars?\b")
_SHARE = re.compile(r"\b(?:share|percent(?:age)?|proportion|fraction|portion|how\s+much\s+of|what\s+part\s+of)\b|%")
_DURING = re.compile(r"\b(?:during|over|throughout|while|in\s+the\s+days\s+of)\s+(?:the\s+|our\s+)?$")
_SAME_DAYS = re.compile(r"\bsame\s+(?:days|dates|period|window|time)\s+(?:in\s+|of\s+)?(?:(?P<y>20\d\d)|last\s+year|"
                        r"a\s+year\s+(?:earlier|before))")
_SINCE_LAUNCH = re.compile(r"\bsince\s+(?:its\s+|the\s+|their\s+)?(?:launch(?:ed)?|release|introduction|debut|"
                          r"it\s+(?:launched|came\s+out|was\s+(?:launched|released|introduced)))\b")
_AVERAGE = re.compile(r"\b(?:avg|average|mean|typical(?:ly)?|on\s+average|usually)\b")
_PER = re.compile(r"\b(?:avg|average|mean|typical)\s+(daily|weekly|monthly|per\s+day|a\s+day|per\s+week|a\s+week|"
                  r"per\s+month|a\s+month)\b|\b(daily|weekly|monthly)\s+(?:average|avg|mean)\b|"
                  r"\b(?:per|a|each)\s+(day|week|month)\s+on\s+average\b|\bon\s+average\s+(?:per|a|each)\s+"
                  r"(day|week|month)\b|\b(?:avg|average|mean)\s+\w+(?:\s+\w+)?\s+(?:per|a)\s+(day|week|month)\b|"
                  r"\bon\s+average\b[^.?!]{0,40}?\b(?:per|a|each|every)\s+(day|week|month)\b|"
                  r"\b(?:per|a|each|every)\s+(day|week|month)\b[^.?!]{0,30}?\bon\s+average\b")
_OVER_TIME = re.compile(r"\btrend\w*|\bover\s+time\b|\bby\s+(?:day|week|month)\b|\bchart\b|\bplot\b|\bgraph\b")


def _is_rate(m: Metric) -> bool:
    """A rate or an average (a per-month figure of it is a series), not a sum or a count."""
    return m.unit in ("percent", "ratio", "rating") or "AVG(" in (m.sql or "").upper() or \
        "/" in (m.derived or "")


def _after_part_word(p: Parsed, dim: str) -> bool:
    """A value of ``dim`` named as the part: "... came from audio", "... was the luna brand"."""
    starts = [s for s, _, what in p.mask.spans if what == f"value:{dim}"]
    return any(re.search(r"\b(?:from|was|were|is|are|by|through|via|on)\s+(?:the\s+)?$", p.text[max(0, s - 20):s])
               for s in starts)


def _said_to_be(p: Parsed, dim: str) -> bool:
    """A value of ``dim`` named after a verb, as what the rest were: "... were for velvet", "... were about the x2"."""
    starts = [s for s, _, what in p.mask.spans if what == f"value:{dim}"]
    return any(re.search(r"\b(?:was|were|is|are|came|come|went)\s+(?:(?:for|about|from|on|of|to|with)\s+)?"
                         r"(?:the\s+|our\s+)?$", p.text[max(0, s - 24):s]) for s in starts)


def _distance(p: Parsed, dim: str, at: int) -> int:
    """How far after ``at`` the question names a value of ``dim`` (the numerator of "share of X")."""
    starts = [s for s, _, what in p.mask.spans if what == f"value:{dim}"]
    after = [s - at for s in starts if s >= at]
    return min(after) if after else 10_000 + min((abs(s - at) for s in starts), default=0)


def _pick_choice(text: str, choices: list[str]) -> str | None:
    from rapidfuzz import fuzz, process

    if not choices:
        return None
    ordinals = {"1": 0, "first": 0, "the first": 0, "first one": 0, "the first one": 0, "former": 0, "the former": 0,
                "2": 1, "second": 1, "the second": 1, "second one": 1, "the second one": 1, "latter": 1,
                "the latter": 1, "3": 2, "third": 2, "the third": 2, "4": 3, "fourth": 3, "5": 4, "fifth": 4}
    key = re.sub(r"^(?:i\s+meant?|i\s+mean|the\s+one|option|number|choice|it's|its|yes,?)\s+", "", text).strip()
    key = re.sub(r"^(?:the|a|an)\s+(?!first|second|third|former|latter)", "", key).strip()
    if key not in ordinals:  # "the green tea one", "the chamomile one please": the words that pick
        key = re.sub(r"\s+(?:one|ones|version|kind|variant|option)(?:\s+(?:please|pls|thanks))?$", "", key).strip()
    if key in ordinals and ordinals[key] < len(choices):
        return choices[ordinals[key]]
    lowered = [c.lower() for c in choices]
    if key in lowered:
        return choices[lowered.index(key)]
    hits = [c for c in choices if key and key in c.lower()]
    if len(hits) == 1:
        return hits[0]
    words = set(key.split())
    hits = [c for c in choices if words and words <= set(re.findall(r"[a-z0-9]+", c.lower()))]
    if len(hits) == 1:
        return hits[0]
    best = process.extractOne(key, lowered, scorer=fuzz.WRatio)
    if best and best[1] >= 85:
        second = sorted((fuzz.WRatio(key, c) for c in lowered), reverse=True)[1:2]
        if not second or best[1] - second[0] >= 3:
            return choices[best[2]]
    return None


@functools.cache
def _shorthand() -> tuple[re.Pattern[str], dict[str, str]]:
    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("shorthand.yaml").read_text("utf-8"))
    table = {str(k).lower(): str(v) for k, v in (raw or {}).items()}
    alt = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![\w/])(?:{alt})(?![\w/])"), table


_IMPERATIVE = re.compile(r"^\s*(?:(?:please|pls|plz|can\s+(?:you|u)|could\s+(?:you|u)|go\s+ahead\s+and)\s+)?$")
_STATUS_WORDS = ("returned", "cancelled", "completed", "refunded")
_NEXT_TO_ORDERS = re.compile(r"\b([a-z]{6,11})(?=\s+orders?\b)|(?<=\borders\s)(?:(?:were|got|being|was)\s+)?([a-z]{6,11})\b")


def fix_status_words(text: str) -> str:
    """'retruned orders', 'orders were cancelld': a mistyped order status next to 'orders' is spelled right
    (one or two edits, same first letter), so the status filter and the rates find it."""
    from rapidfuzz.distance import OSA

    def fix(m: re.Match[str]) -> str:
        word = m.group(1) or m.group(2)
        if word in _STATUS_WORDS or word == "canceled" or (m.group(1) and any(w.startswith(word) for w in _STATUS_WORDS)
                                                              and _IMPERATIVE.search(text[:m.start()])):
            return m.group(0)  # "refund order 77120": a request (refused as such), not a typo
        close = [w for w in _STATUS_WORDS if w[0] == word[0] and OSA.distance(word, w) <= 2]
        return m.group(0).replace(word, close[0]) if len(close) == 1 else m.group(0)

    return _NEXT_TO_ORDERS.sub(fix, text)


_SAME_LAST_YEAR = re.compile(r"(?:(?:and|what\s+about|how\s+about|ok|now)\s+)*(?:for\s+|in\s+)?(?:the\s+)?same\s+"
                             r"(?:period|time|days|dates|stretch|window)\s+(?:of\s+|in\s+)?(?:last|previous|the\s+previous|"
                             r"prior)\s+year\s*\??\s*")
_STAR_COUNT = re.compile(r"\b(how\s+many|number\s+of|count\s+of|no\.?\s+of|#\s*of|total|(?:the\s+)?(?:most|fewest|least)|more|"
                         r"fewer)\s+(?:(negative|bad|poor|"
                         r"critical|angry|low)|(positive|good|great|glowing|happy))(?:[\s\-]+rated)?\s+(reviews?)\b")


_RANKS = re.compile(r"\b(?:which|who|rank|ranked|ranking|top)\b")  # "which products had the most bad reviews"
_STAR_SPLIT = re.compile(r"\b(?:star|stars|rating|ratings)[\s\-](?:breakdown|distribution|split|mix|spread)\b")


def star_counts(text: str) -> str:
    """'how many negative reviews': counted by the stars people gave (1-2 stars; positive: 4-5), which every
    shop has, rather than by a sentiment score the warehouse may not hold. The answer names the stars."""
    text = _STAR_SPLIT.sub("review count by star rating", text)  # "star breakdown for the x2"
    def stars(m: re.Match[str]) -> str:
        if m.group(1).removeprefix("the ")[0] in "mfl" and not _RANKS.search(text[:m.start()]):
            return m.group(0)  # "show me / summarize the most negative reviews": the reviews themselves, to read
        return f"{m.group(1)} {'1-2' if m.group(2) else '4-5'} star {m.group(4)}"

    return _STAR_COUNT.sub(stars, text)


def expand_shorthand(text: str) -> str:
    """'how does that compare w/ last year' -> '... with last year' (prompts/shorthand.yaml)."""
    pattern, table = _shorthand()
    return pattern.sub(lambda m: table[m.group(0)], text)
