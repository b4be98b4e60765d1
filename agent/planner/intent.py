"""What kind of question it is (figure, breakdown, top N, compare, trend, chart, forecast, reviews, anomalies,
why, describe, unsupported) plus top-N, chart kind and forecast model, from keyword rules; when no rule and no
other cue decides, from MiniLM sentence similarity to a small bank of example questions (loaded lazily, once).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from shoplens.tools.text import to_int

#: Metrics where a lower value is better ("worst return rate" = the highest).
LOWER_IS_BETTER = {"return_rate", "cancel_rate", "negative_share", "ad_spend"}


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    on: str = "blank"  # "text" (the normalised question) or "blank" (names and periods masked out)
    signal: str = ""
    reason: str = ""
    value: str = ""  # chart kind, top-N order or forecast model
    note: str = ""
    weak: bool = False  # a refusal only when the question asks for nothing the data has
    unless_ratio: bool = False  # no refusal when the question spells the measure out as a ratio ("orders per session")

    def search(self, text: str, blank: str) -> re.Match[str] | None:
        return self.pattern.search(text if self.on == "text" else blank)


@dataclass(frozen=True)
class Rules:
    """The rule tables of prompts/intent_rules.yaml, compiled once."""

    unsupported: tuple[Rule, ...]
    signals: dict[str, Rule]
    chart_kinds: tuple[Rule, ...]
    top_n: tuple[Rule, ...]
    models: tuple[Rule, ...]

    @classmethod
    def load(cls) -> Rules:
        raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("intent_rules.yaml").read_text("utf-8"))

        def rule(r: dict[str, Any], value_key: str = "") -> Rule:
            return Rule(r.get("name", r.get(value_key, "")), re.compile(r["pattern"]), r.get("on", "blank"),
                        r.get("signal", ""), r.get("reason", ""), r.get(value_key, "") if value_key else "",
                        r.get("note", ""), bool(r.get("weak", False)), bool(r.get("unless_ratio", False)))

        return cls(tuple(rule(r) for r in raw["unsupported"]),
                   {r["name"]: rule(r) for r in raw["signals"]},
                   tuple(rule(r, "kind") for r in raw["chart_kinds"]),
                   tuple(rule(r, "order") for r in raw["top_n"]),
                   tuple(rule(r, "model") for r in raw["models"]))


@functools.cache
def rules() -> Rules:
    return Rules.load()


@dataclass
class Intent:
    kind: str | None = None  # None: no rule decided
    signals: set[str] = field(default_factory=set)  # every kind a rule saw
    top_n: int | None = None
    order: str | None = None  # "desc" | "asc" when ranking words were used
    ranked: bool = False  # ranking words without a number ("best-selling", "which ... most")
    chart_kind: str | None = None
    chart_word: bool = False
    model: str | None = None
    reason: str | None = None
    weak_reason: str | None = None
    reviews_span: tuple[int, int] | None = None  # where a reviews phrase was ("what do customers like")
    ratio_reason: str | None = None  # a refusal that a spelled-out ratio lifts ("conversion rate, i.e. orders per session")
    notes: list[str] = field(default_factory=list)
    year_or_n: int | None = None  # "top 2025": a year or N?
    rank_grain: str | None = None  # "best month", "busiest day": rank periods
    quality_rank: bool = False  # "best"/"worst" (flips for metrics where lower is better)
    confidence: float = 1.0


def detect(text: str, blank: str, names_blank: str | None = None) -> Intent:
    """Keyword rules. ``text`` is the normalised question; ``blank`` the same with names, values and periods
    masked out; ``names_blank`` with names and values only (a refusal word such as "lifetime value" must not hide
    behind a period the time parser took)."""
    R = rules()
    sig = R.signals
    it = Intent()
    for rule in R.unsupported:
        if rule.search(text, names_blank if names_blank is not None else blank):
            if rule.unless_ratio:
                it.signals.add("unsupported_unless_ratio")
                it.ratio_reason = it.ratio_reason or rule.reason
                continue
            it.signals.add("unsupported_weak" if rule.weak else "unsupported")
            if rule.weak:
                it.weak_reason = it.weak_reason or rule.reason
            else:
                it.reason = it.reason or rule.reason
    for name in ("describe", "forecast"):
        if sig[name].search(text, blank):
            it.signals.add(name)
    if sig["reviews_why"].search(text, blank):
        it.signals.add("reviews")
    elif sig["why"].search(text, blank):
        it.signals.add("why")
    if sig["anomalies"].search(text, blank):
        it.signals.add("anomalies")
    elif sig["anomalies_weak"].search(text, blank):
        it.signals.add("anomalies_weak")
    if m := sig["reviews_strong"].search(text, blank):
        it.signals.add("reviews")
        it.reviews_span = m.span()
    elif sig["reviews_weak"].search(text, blank) and not sig["numeric"].search(text, blank):
        it.signals.add("reviews_weak")
    it.chart_word = bool(sig["chart_word"].search(text, blank))
    for rule in R.chart_kinds:
        if rule.search(text, blank):
            it.chart_kind = rule.value
            if rule.note:
                it.notes.append(rule.note)
            break
    if it.chart_kind or it.chart_word:
        it.signals.add("chart")
    for name in ("trend", "compare", "performance"):
        if sig[name].search(text, blank):
            it.signals.add(name)
    for rule in R.top_n:
        m = rule.search(text, blank)
        if m:
            n = to_int(m.group("n"))
            if 1900 <= n <= 2100 and re.search(rf"\b{n}\b", text):
                it.year_or_n = n
                continue
            it.top_n, it.order = max(1, min(n, 500)), rule.value
            it.signals.add("top")
            break
    if it.top_n is None and not it.year_or_n:
        m = re.search(r"\b(?:top|bottom)\s+(?P<n>(?:19|20)\d\d)\b", text)
        if m:
            it.year_or_n = int(m.group("n"))
    m = sig["rank_period"].search(text, blank)
    if m:
        it.rank_grain = m.group("g")
    it.quality_rank = bool(sig["quality_rank"].search(text, blank))
    if it.order is None:
        asc, desc = sig["rank_asc"].search(text, blank), sig["rank_desc"].search(text, blank)
        if asc or desc:
            it.ranked = True
            it.order = "asc" if asc and (not desc or asc.start() < desc.start()) else "desc"
    for rule in R.models:
        if rule.search(text, blank):
            it.model = rule.value
            break
    if re.search(r"\bprophet\b", blank):
        it.notes.append("Prophet is not available offline; choosing the model automatically")
    return it


# ------------------------------------------------------------------------------------------ embedding fallback
def examples() -> dict[str, list[str]]:
    """The example bank (prompts/intent_examples.yaml): kind -> questions."""
    text = resources.files("shoplens.prompts").joinpath("intent_examples.yaml").read_text("utf-8")
    return {str(k): [str(q) for q in v] for k, v in yaml.safe_load(text).items()}


#: Accept the nearest kind only when it is close enough and clearly ahead of the runner-up.
MIN_SIMILARITY, MIN_MARGIN = 0.40, 0.03
_lock = threading.Lock()
_bank: dict[str, Any] = {}


def embedding_kind(question: str, encoder: Any | None = None) -> tuple[str, float, float]:
    """(kind, similarity, margin over the next kind) by cosine similarity to the example bank (MiniLM, loaded
    on first use and cached for the process)."""
    import numpy as np

    with _lock:
        if "enc" not in _bank:
            if encoder is None:
                from shoplens.tools.reviews.backends import MiniLMEncoder

                encoder = MiniLMEncoder(batch_size=64, dtype="float32")  # bf16 is slower for one sentence
            bank = examples()
            labels = [k for k, qs in bank.items() for _ in qs]
            texts = [q for qs in bank.values() for q in qs]
            _bank.update(enc=encoder, labels=labels, matrix=encoder.encode(texts)[0])
    vec = _bank["enc"].encode([question])[0][0]
    sims = _bank["matrix"] @ vec
    best: dict[str, float] = {}
    for label, s in zip(_bank["labels"], sims, strict=True):
        best[label] = max(best.get(label, -1.0), float(s))
    ranked = sorted(best, key=lambda k: best[k], reverse=True)
    return (
        ranked[0],
        float(np.round(best[ranked[0]], 3)),
        float(np.round(best[ranked[0]] - best[ranked[1]], 3)),
    )


# ------------------------------------------------------------------------------------------------ the decision
_REVIEW_METRICS = {"review_count", "avg_rating", "sentiment", "negative_share"}


@dataclass(frozen=True)
class Cues:
    """What a new question shows, computed once from its parse; the predicates below only read it."""

    sig: frozenset[str]
    it: Intent
    ents: Any  # entities.Entities
    time: Any  # calendar.parse.TimeInfo
    metric_named: bool
    cue: bool  # names something the data has: a metric, a value, a split, a period
    numeric: bool  # asks for numbers (a split, a grain, a ranking, "how many")
    strong_compare: bool  # two periods, or "vs last year"

    @classmethod
    def of(cls, p: Any) -> Cues:
        it, ents, t = p.intent, p.ents, p.time
        metric_named = bool(ents.metrics or ents.weak_metric)
        cue = bool(metric_named or ents.filters or ents.group_by or t.spans or t.grain or ents.families
                   or ents.ambiguous or ents.excluded or t.horizon or t.horizon_end)
        numeric = bool(t.grain or ents.group_by or it.top_n or it.ranked or t.compare_mode or len(t.spans) >= 2
                       or rules().signals["numeric"].search(p.text, p.blank) or {"trend", "chart"} & it.signals
                       or bool(_COUNT_OF.search(p.text)))  # "number of reviews" is masked as the measure
        strong = bool(t.compare_mode) or len({(s.start, s.end) for s in t.spans}) >= 2
        return cls(frozenset(it.signals), it, ents, t, metric_named, cue, numeric, strong)


def refused(c: Cues) -> bool:
    """A refusal rule fired (advice stays answerable when it asks why/forecast/anomalies about a metric; a weak
    one, such as 'supplier', only when nothing else in the question is something the data has)."""
    if "unsupported" in c.sig:
        return not ({"why", "anomalies", "forecast"} & c.sig and c.metric_named
                    and (c.it.reason or "").startswith("Advice"))
    if "unsupported_unless_ratio" in c.sig:
        if not c.ents.ratios:
            c.it.reason = c.it.reason or c.it.ratio_reason
            return True
        c.it.notes.append(f"no such metric is defined; answering {c.ents.ratios[0]!r} as the question spells it out")
    if "unsupported_weak" in c.sig and not (c.metric_named or c.ents.group_by
                                            or {"reviews", "forecast", "why", "anomalies"} & c.sig):
        c.it.reason = c.it.reason or c.it.weak_reason
        return True
    return False


def ambiguous(c: Cues) -> bool:
    return bool(c.ents.ambiguous or c.it.year_or_n)


def about_the_data(c: Cues) -> bool:
    return "describe" in c.sig and not (c.ents.metrics or c.ents.filters or c.time.spans)


def looks_ahead(c: Cues) -> bool:
    return "forecast" in c.sig or bool(c.time.horizon or c.time.horizon_end)


def asks_why(c: Cues) -> bool:
    return "why" in c.sig


def _measures_asked(c: Cues) -> set[str]:
    """Measures named outside a reviews phrase: "customers" in "what do customers like most" asks for none."""
    span = c.it.reviews_span
    return {m for m in c.ents.metrics
            if not (span and span[0] <= c.ents.metric_spans.get(m, (-1, -1))[0] < span[1])}


_COUNT_OF = re.compile(r"(?:\bnumber|\bcount|\bno\.?|#)\s*of\b")


def about_reviews(c: Cues) -> bool:
    if "reviews" in c.sig and not c.numeric:
        return True
    if "reviews" in c.sig and c.it.ranked and not (c.time.grain or c.ents.group_by or c.it.top_n or c.time.compare_mode
                                                  or len(c.time.spans) >= 2 or _measures_asked(c) - _REVIEW_METRICS):
        return True  # "biggest gripes in audio reviews", "what do customers like most": the top themes
    return "reviews_weak" in c.sig and not c.numeric and not (set(c.ents.metrics) - _REVIEW_METRICS)


def unusual_days(c: Cues) -> bool:
    return "anomalies" in c.sig or ("anomalies_weak" in c.sig and not c.strong_compare and not c.it.ranked)


def chart_of_a_kind(c: Cues) -> bool:
    return bool(c.it.chart_kind)


def chart_over_time(c: Cues) -> bool:
    return c.it.chart_word and ("trend" in c.sig or bool(c.time.grain))


def chart_word(c: Cues) -> bool:
    return c.it.chart_word


def two_periods(c: Cues) -> bool:
    return c.strong_compare


def over_time(c: Cues) -> bool:
    return "trend" in c.sig or bool(c.time.grain and not c.it.rank_grain)


def values_side_by_side(c: Cues) -> bool:
    multi = any(len(v) >= 2 for v in c.ents.filters.values())
    return "compare" in c.sig and (bool(c.ents.group_by and not c.time.spans) or multi)


def change_of_a_figure(c: Cues) -> bool:
    return "compare" in c.sig and c.cue and not (c.it.top_n or (c.it.ranked and not c.ents.group_by))


def ranking(c: Cues) -> bool:
    return bool(c.it.top_n or (c.it.ranked and (c.ents.group_by or c.it.rank_grain or c.ents.weak_metric)))


def split(c: Cues) -> bool:
    return bool(c.ents.group_by)


def how_it_is_doing(c: Cues) -> bool:
    return "performance" in c.sig and not (c.ents.filters.get("campaign") or c.ents.families)


def describe_word(c: Cues) -> bool:
    return "describe" in c.sig


#: The decision, in order: the first predicate that holds names the kind (a note says what was assumed).
DECISION: tuple[tuple[Any, str, str | None], ...] = (
    (refused, "unsupported", None),
    (ambiguous, "clarify", None),
    (about_the_data, "describe", None),
    (looks_ahead, "forecast", None),
    (asks_why, "why", None),
    (about_reviews, "reviews", None),
    (unusual_days, "anomalies", None),
    (chart_of_a_kind, "chart", None),
    (chart_over_time, "trend", None),
    (chart_word, "chart", None),
    (two_periods, "compare", None),
    (over_time, "trend", None),
    (values_side_by_side, "breakdown", None),
    (change_of_a_figure, "compare", None),
    (ranking, "top", None),
    (split, "breakdown", None),
    (how_it_is_doing, "compare", "read as how it did against the previous period"),
    (describe_word, "describe", None),
)


def decide_kind(p: Any, use_embeddings: bool = True) -> tuple[str, float, str | None]:
    """(kind, confidence, note) from the parse of a new question (``p``: understand.Parsed): the first rule of
    ``DECISION`` that holds; else the nearest example question by similarity; else a figure when the question
    names something the data has."""
    c = Cues.of(p)
    for holds, kind, note in DECISION:
        if holds(c):
            return kind, 1.0, note
    undecided = not c.metric_named and not (c.sig - {"reviews_weak"})
    if undecided and use_embeddings and p.words >= (4 if c.cue else 3):
        kind, sim, margin = _nearest(p.question)
        if sim >= MIN_SIMILARITY and margin >= MIN_MARGIN and kind != "unsupported" and not (
                c.cue and kind == "describe"):
            return kind, sim, f"read as a {kind} question (by similarity to known questions, {sim:.2f})"
    if c.cue:
        return "figure", 1.0, None
    return "unsupported", 0.0, None


def _nearest(question: str) -> tuple[str, float, float]:
    try:
        return embedding_kind(question)
    except Exception:  # noqa: BLE001 - the model is optional: without it the rules' answer stands
        return "unsupported", 0.0, 0.0
