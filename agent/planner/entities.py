"""Metrics, dimension values and group-by dimensions named in a question, matched against the semantic layer and
the warehouse's real values, tolerant of case, plurals, partial names and typos.

Two passes around the time parser: ``prematch`` (before it) takes exact multi-word names such as "Money Made
Simple" or "Black Friday Doorbusters", so their words are not read as a metric or a date; ``match`` (after it)
finds group-by phrases ("by channel", "top 5 brands"), metrics (synonyms, "how many ... sold") and dimension
values over n-gram windows of what is left. Partial names ("aurora earbuds") count only when a distinctive word
matches; two equally good products become an ``Ambiguity`` (the planner asks which); campaign names that differ
only by their date ("Member Deals Apr 2025") become a ``Family`` resolved against the period.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz.fuzz import ratio

from shoplens.agent.planner.lexicon import (
    CAMPAIGN_WORDS,
    EXTRA_DIM_PHRASES,
    EXTRA_METRIC_PHRASES,
    GB_PREFIX,
    GENERIC,
    RANK_PREFIX,
    WEAK_METRICS,
)
from shoplens.agent.planner.values import ValueMatcher
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.text import COMMON, STOPWORDS, Mask, Token, canon, phrase_body, tokenize

_PERIOD_TOKEN = re.compile(r"(?:19|20)\d\d|q[1-4]|h[12]|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec")


@dataclass
class Ambiguity:
    text: str
    dimension: str
    values: list[str]


@dataclass
class Family:
    """Campaign names differing only by their dates; resolved against the question's period."""

    text: str
    dimension: str
    values: list[str]


@dataclass
class Entities:
    metrics: list[str] = field(default_factory=list)  # in order of mention
    weak_metric: str | None = None  # from "best-selling", "how many ... sold"
    filters: dict[str, list[str]] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)
    group_by: list[str] = field(default_factory=list)
    group_words: dict[str, str] = field(default_factory=dict)  # dimension -> the word used ("product", "brands")
    group_how: dict[str, str] = field(default_factory=dict)  # dimension -> "by" | "rank" | "which" | "noun"
    ambiguous: list[Ambiguity] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metric_words: dict[str, str] = field(default_factory=dict)  # metric -> the phrase used
    metric_spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # metric -> where it was named
    campaign_word: bool = False
    combined: set[str] = field(default_factory=set)  # dimensions whose values are one group ("the south")


class EntityMatcher:
    def __init__(self, semantic: SemanticLayer, timeish: object | None = None) -> None:
        """``timeish(text) -> bool``: whether a phrase is only a date/event (e.g. the campaign "Cyber Week")."""
        self.semantic = semantic
        self.metric_phrases: dict[tuple[str, ...], str] = {}
        known = [*semantic.metrics.values(), *(semantic.raw_metric(n) for n in semantic.hidden)]
        for m in known:  # hidden metrics too: the planner explains why they are unavailable
            for phrase in (m.name.replace("_", " "), m.label, *m.synonyms):
                self.metric_phrases.setdefault(tuple(canon(str(phrase)).split()), m.name)
        for phrase, name in EXTRA_METRIC_PHRASES.items():
            if name in semantic.metrics or name in semantic.hidden:
                self.metric_phrases.setdefault(tuple(canon(phrase).split()), name)
        self._metric_max = max((len(p) for p in self.metric_phrases), default=1)
        self._single_metric = {p[0]: n for p, n in self.metric_phrases.items() if len(p) == 1 and len(p[0]) >= 5}
        dim_phrases: dict[str, str] = {}
        for d in semantic.dimensions.values():
            for phrase in (d.name.replace("_", " "), d.label, *d.synonyms):
                dim_phrases.setdefault(normalize_phrase(phrase), d.name)
        dim_phrases.update(EXTRA_DIM_PHRASES)
        self.dim_phrases = {p: d for p, d in dim_phrases.items() if d in semantic.dimensions}
        alt = "|".join(phrase_body(p) + r"(?:e?s)?" for p in sorted(self.dim_phrases, key=len, reverse=True))
        self._gb = [re.compile(rf"\b{GB_PREFIX}\s+(?:the\s+|our\s+|their\s+|different\s+|all\s+|individual\s+|"
                               rf"each\s+|various\s+|every\s+)?(?P<d>{alt})(?![a-z0-9])"),
                    re.compile(rf"\b{RANK_PREFIX}(?:[a-z&'\-]+\s+){{0,2}}?(?P<d>{alt})(?![a-z0-9])"),
                    re.compile(rf"\b(?:which|what)\s+(?:[a-z'\-]+\s+)?(?P<d>{alt})(?![a-z0-9])"),
                    re.compile(rf"(?<![a-z0-9])(?P<d>{alt})\s+(?:breakdown|split|mix|ranking|rankings|comparison|"
                               rf"performance|share|leaderboard|league\s+table|by\s+revenue)\b")]
        self._gb_more = re.compile(rf"\s*(?:and|&|,|\+|then)\s+(?:by\s+|per\s+|the\s+)?(?P<d>{alt})(?![a-z0-9])")
        self.vm = ValueMatcher(semantic, self.metric_phrases, self.dim_phrases)
        self.values = self.vm.values
        # Multi-word names matched before the time parser; campaign "bases" without their dates.
        self._names: dict[tuple[str, ...], list[tuple[str, str, bool]]] = defaultdict(list)  # -> (dim, value, ev)
        for v in self.values:
            if len(v.tokens) >= 2 and v.dim in ("product", "campaign", "subcategory", "brand", "category", "city"):
                eventish = v.dim == "campaign" and bool(timeish and timeish(v.raw))  # type: ignore[operator]
                self._names[v.tokens].append((v.dim, v.value, eventish))
            if v.dim == "campaign":
                base = tuple(t for t in v.tokens if not _PERIOD_TOKEN.fullmatch(t))
                if base and base != v.tokens:
                    raw_base = re.sub(rf"\b(?:{_PERIOD_TOKEN.pattern})\b", " ", v.raw).strip()
                    eventish = bool(timeish and timeish(raw_base))  # type: ignore[operator]
                    self._names[base].append((v.dim, v.value, eventish))
        self._names_max = max((len(k) for k in self._names), default=0)

    # ------------------------------------------------------------------------------------------- prematch
    def prematch(self, text: str, mask: Mask, out: Entities | None = None) -> Entities:
        """Exact multi-word names (products, campaigns ...) before the time parser sees their words."""
        out = out or Entities()
        out.campaign_word = bool(re.search(CAMPAIGN_WORDS, text))
        toks = [t for t in tokenize(text) if t.norm not in STOPWORDS and not mask.covers(t)]
        i = 0
        while i < len(toks):
            hit = None
            for n in range(min(self._names_max, len(toks) - i), 1 if not out.campaign_word else 0, -1):
                key = tuple(t.norm for t in toks[i:i + n])
                entries = self._names.get(key)
                if entries and (out.campaign_word or not all(ev for _, _, ev in entries)):
                    if n == 1 and (key[0] in COMMON or key[0] in GENERIC):
                        continue
                    hit = (n, entries)
                    break
            if hit is None and out.campaign_word:
                hit = self._campaign_prefix(toks, i)
            if hit is None:
                i += 1
                continue
            n, entries = hit
            start, end = toks[i].start, toks[i + n - 1].end
            exact = [(d, v) for d, v, _ in entries if tuple(canon(v).split()) == tuple(t.norm for t in toks[i:i + n])
                     or len(entries) == 1]
            if len(exact) == 1:
                out.filters.setdefault(exact[0][0], []).append(exact[0][1])
            else:
                out.families.append(Family(text[start:end], entries[0][0], [v for _, v, _ in entries]))
            mask.add(start, end, f"value:{entries[0][0]}")
            i += n
        return out

    def _campaign_prefix(self, toks: list[Token], i: int) -> tuple[int, list[tuple[str, str, bool]]] | None:
        """'the 618 campaigns', 'black friday promo': every campaign whose base name starts with these words."""
        for n in range(min(3, len(toks) - i), 0, -1):
            key = tuple(t.norm for t in toks[i:i + n])
            if n == 1 and (key[0] in COMMON or key[0] in GENERIC or key[0] in ("campaign", "promo", "ad")):
                continue
            entries = [e for k, es in self._names.items() if k[:n] == key and len(k) > n for e in es
                       if e[0] == "campaign"]
            if entries:
                return n, list(dict.fromkeys(entries))
        return None

    # ----------------------------------------------------------------------------------------------- match
    def match(self, text: str, mask: Mask, out: Entities | None = None, prefer: set[str] | None = None) -> Entities:
        out = out or Entities()
        self._group_by(text, mask, out)
        self._special(text, mask, out)
        self._metrics(text, mask, out)
        self.vm.match(text, mask, out, prefer or set())
        return out

    def _group_by(self, text: str, mask: Mask, out: Entities) -> None:
        for rx in self._gb:
            for m in rx.finditer(mask.blank(text)):
                s, e = m.span("d")
                if mask.overlaps(s, e):
                    continue
                dim = self.dim_for(m.group("d"))
                if dim is None or dim in out.group_by:
                    continue
                if rx is self._gb[0] and re.match(r"between|among|compar", m.group(0)) and \
                        not m.group("d").endswith("s"):
                    continue  # "between the brand and ..." is not a split
                out.group_by.append(dim)
                out.group_words[dim] = m.group("d")
                out.group_how[dim] = ("by", "rank", "which", "noun")[self._gb.index(rx)]
                mask.add(s, e, f"group:{dim}")
                while (more := self._gb_more.match(text, e)) and not mask.overlaps(*more.span("d")):
                    d2 = self.dim_for(more.group("d"))  # "by channel and region"
                    if d2 is None or d2 in out.group_by:
                        break
                    out.group_by.append(d2)
                    out.group_words[d2], out.group_how[d2] = more.group("d"), "by"
                    e = more.end("d")
                    mask.add(more.start("d"), e, f"group:{d2}")
        for m in re.finditer(r"\b(?:by|per|for\s+each|across)\s+(?:the\s+)?(?P<d>[a-z]{5,})\b", mask.blank(text)):
            word = m.group("d")  # a typo'd dimension: "by categry"
            if word in COMMON or mask.overlaps(*m.span("d")) or (word,) in self.metric_phrases:
                continue
            best = max(((ratio(word, p), d) for p, d in self.dim_phrases.items() if " " not in p), default=(0, ""))
            if best[0] >= 85 and best[1] not in out.group_by:
                out.group_by.append(best[1])
                out.group_words[best[1]] = word
                out.notes.append(f"'{word}' read as {self.semantic.dimensions[best[1]].label.lower()}")
                mask.add(*m.span("d"), f"group:{best[1]}")

    def dim_for(self, phrase: str) -> str | None:
        p = normalize_phrase(phrase)
        for cand in (p, re.sub(r"es$", "", p), re.sub(r"s$", "", p), re.sub(r"ies$", "y", p)):
            if cand in self.dim_phrases:
                return self.dim_phrases[cand]
        return None

    def _special(self, text: str, mask: Mask, out: Entities) -> None:
        for pattern, metric in _METRIC_PHRASINGS:
            m = re.search(pattern, mask.blank(text))
            if m and metric in self.semantic.metrics and metric not in out.metrics:
                g = "m" if "m" in m.groupdict() else 0
                out.metrics.append(metric)
                out.metric_words[metric] = m.group(0)
                out.metric_spans[metric] = m.span(g)
                mask.add(*m.span(g), "metric")
        blank = mask.blank(text)
        m = re.search(r"\b(completed|cancell?ed|returned|refunded)\s+orders?\b|\borders?\s+(?:were\s+|that\s+were\s+|"
                      r"got\s+|being\s+|have\s+been\s+|was\s+)?(completed|cancell?ed|returned|refunded)\b", blank)
        if m and "status" in self.semantic.dimensions and "orders" in self.semantic.metrics:
            word = m.group(1) or m.group(2)
            status = {"canceled": "cancelled", "refunded": "returned"}.get(word, word)
            out.filters.setdefault("status", []).append(status)
            out.metrics.append("orders")
            out.metric_words["orders"] = m.group(0)
            mask.add(m.start(), m.end(), "metric")
        regions = self.semantic.dimensions.get("region")
        south = [v for v in (regions.values if regions else []) if v in ("Southeast", "Southwest")]
        m = re.search(r"\b(?:the\s+)?south(?:ern)?(?:\s+region)?\b(?![\s\-]*(?:east|west))", mask.blank(text))
        if m and len(south) == 2:
            out.filters.setdefault("region", []).extend(south)
            out.combined.add("region")
            out.notes.append("'the south' read as Southeast and Southwest")
            mask.add(m.start(), m.end(), "value:region")
        if "weekday" in self.semantic.dimensions:
            for m in re.finditer(r"\b(?:on\s+)?(weekends?|weekdays|work\s*days|business\s+days)\b", mask.blank(text)):
                days = ["Saturday", "Sunday"] if m.group(1).startswith("weekend") else \
                    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
                out.filters.setdefault("weekday", []).extend(d for d in days if d not in out.filters["weekday"])
                out.combined.add("weekday")
                mask.add(m.start(), m.end(), "value:weekday")
        for pattern, metric, note in WEAK_METRICS:
            if out.weak_metric is None and metric in self.semantic.metrics and re.search(pattern, blank):
                out.weak_metric = metric
                if note:
                    out.notes.append(note)

    def _metrics(self, text: str, mask: Mask, out: Entities) -> None:
        toks = [t for t in tokenize(text) if not mask.covers(t)]
        i = 0
        while i < len(toks):
            hit = None
            for n in range(min(self._metric_max, len(toks) - i), 0, -1):
                seq = toks[i:i + n]
                if any(b.start - a.end > 2 for a, b in zip(seq, seq[1:], strict=False)):
                    continue  # not contiguous in the question
                key = tuple(t.norm for t in seq)
                if key in self.metric_phrases:
                    hit = (n, self.metric_phrases[key])
                    break
            w = toks[i].norm
            if hit is None and w not in COMMON and len(w) >= 5 and w.isalpha() and w not in self.vm.vocab:
                best = max(((ratio(w, p), name) for p, name in self._single_metric.items() if p[0] == w[0]),
                           default=(0.0, ""))
                if best[0] >= 84:
                    hit = (1, best[1])
            if hit:
                n, name = hit
                start, end = toks[i].start, toks[i + n - 1].end
                pct = re.match(r"\s*(?:%|percent|pct)", text[end:])
                key = tuple(t.norm for t in toks[i:i + n]) + ("percent",)
                if pct and key in self.metric_phrases:  # "margin %": '%' is not a word token
                    name, end = self.metric_phrases[key], end + pct.end()
                    n += 1 if pct.group(0).strip() != "%" else 0
                if name not in out.metrics:
                    out.metrics.append(name)
                    out.metric_words[name] = text[start:end]
                    out.metric_spans[name] = (start, end)
                mask.add(start, end, "metric")
                i += n
            else:
                i += 1

#: Phrasings that name a metric without its name: "% of orders returned", "the worst reviews".
_METRIC_PHRASINGS = [
    (r"(?:%|percent(?:age)?|share|proportion|fraction|rate|how\s+often)\s+(?:of\s+)?(?:our\s+|the\s+)?"
     r"orders?\s+(?:that\s+)?(?:get|got|are|were|is|was|being|have\s+been)?\s*(?:returned|refunded)", "return_rate"),
    (r"(?:%|percent(?:age)?|share|proportion|fraction|rate)\s+(?:of\s+)?(?:our\s+|the\s+)?orders?\s+(?:that\s+)?"
     r"(?:get|got|are|were|is|was|being|have\s+been)?\s*cancell?ed", "cancel_rate"),
    (r"\b(?:best|worst|top|lowest|highest|poorest|bad|good|better|worse)\s+(?P<m>(?:customer\s+)?(?:reviews?|"
     r"ratings?))\b", "avg_rating"),
]


def normalize_phrase(p: str) -> str:
    return re.sub(r"[\s\-_]+", " ", str(p).lower().replace("'", "")).strip()
