"""Question understanding for the offline planner: a manager's or analyst's question -> a fully resolved ``Plan``.

``Understander(semantic, as_of).understand(question, last)`` parses in a fixed order over one normalised text,
masking what each step explains: exact multi-word names, then periods (``timeparse``), then group-by phrases,
metrics and dimension values (``entities``), then the kind of question (``intent``). Follow-ups merge into the
last plan (``followup``); replies to a clarifying question re-run the original question with the choice.
Everything assumed (a default metric or period, a fuzzy name, a clipped period) is said in ``plan.notes``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from shoplens.agent.planner import followup
from shoplens.agent.planner.context import ParseContext
from shoplens.agent.planner.entities import Entities, EntityMatcher
from shoplens.agent.planner.intent import Intent, decide_kind, detect
from shoplens.agent.planner.lexicon import KIND_WORDS
from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.resolve import Resolver
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.calendar.parse import TimeInfo
from shoplens.tools.calendar.words import Calendar
from shoplens.tools.text import COMMON, STOPWORDS, Mask, normalize


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
        text = normalize(question.strip())
        mask = Mask()
        ents = self.entities.prematch(text, mask)
        tinfo = self.times.parse(text, mask)
        ents = self.entities.match(text, mask, ents, prefer)
        blank = mask.blank(text)
        intent = detect(text, blank)
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
        parsed = self.parse(question)
        if last is not None and followup.is_followup(parsed, last):
            return followup.merge(last, parsed, self.ctx, self.resolver)
        return self.resolver.finish(self.build(parsed), parsed)

    def build(self, p: Parsed) -> Plan:
        """A new question (not a follow-up): kind, metric, filters, split; periods are resolved in ``finish``."""
        ents, it = p.ents, p.intent
        kind, confidence, note = decide_kind(p, self.use_embeddings)
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
        plan.metric, plan.also = self.resolver.metrics(p, kind)
        plan.filters = {d: list(v) for d, v in ents.filters.items()}
        plan.group_by = list(ents.group_by)
        plan.chart_kind = it.chart_kind
        plan.model = it.model
        plan.notes.extend(ents.notes)
        plan.notes.extend(p.time.notes)
        if kind == "top":
            self.resolver.top(plan, p)
        if re.search(r"\b(?:share|percent(?:age)?|proportion|fraction|portion|how\s+much\s+of)\b|%", p.text) and \
                not plan.group_by and kind in ("figure", "breakdown", "chart"):
            single = [d for d, v in plan.filters.items() if len(v) == 1 and d not in ("status", "weekday")]
            if single:  # "what share of revenue comes from the app": every channel, with shares
                dim = single[0]
                plan.kind = "breakdown" if kind == "figure" else kind
                plan.group_by = [dim]
                plan.notes.append(f"showing every {self.semantic.dimensions[dim].label.lower()} with its share "
                                  f"({plan.filters.pop(dim)[0]} among them)")
        plan.notes.extend(self._unknown_names(p))
        return plan

    def _unknown_names(self, p: Parsed) -> list[str]:
        """Capitalised words the question uses as names but the data does not know ('revenue in Europe')."""
        from rapidfuzz import fuzz, process

        notes = []
        for m in re.finditer(r"(?<![\w'])([A-Z][A-Za-z0-9'&\-]+(?:\s+[A-Z0-9][A-Za-z0-9'&\-]*)*)", p.question):
            words = [w for w in re.finditer(r"\S+", m.group(1))
                     if not p.mask.overlaps(m.start() + w.start(), m.start() + w.end())
                     and w.group(0).lower() not in STOPWORDS | COMMON | KIND_WORDS and len(w.group(0)) >= 2]
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


def _pick_choice(text: str, choices: list[str]) -> str | None:
    from rapidfuzz import fuzz, process

    if not choices:
        return None
    ordinals = {"1": 0, "first": 0, "the first": 0, "first one": 0, "the first one": 0, "former": 0, "the former": 0,
                "2": 1, "second": 1, "the second": 1, "second one": 1, "the second one": 1, "latter": 1,
                "the latter": 1, "3": 2, "third": 2, "the third": 2, "4": 3, "fourth": 3, "5": 4, "fifth": 4}
    key = re.sub(r"^(?:i\s+meant?|i\s+mean|the\s+one|option|number|choice|it's|its|yes,?)\s+", "", text).strip()
    key = re.sub(r"^(?:the|a|an)\s+(?!first|second|third|former|latter)", "", key).strip()
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
