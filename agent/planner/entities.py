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

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

import yaml
from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio

from shoplens.agent.planner import measure_words
from shoplens.agent.planner.definite import definite_refs
from shoplens.agent.planner.group_refs import brand_refs, group_refs
from shoplens.agent.planner.lexicon import (
    CAMPAIGN_WORDS,
    EXTRA_DIM_PHRASES,
    EXTRA_METRIC_PHRASES,
    GB_PREFIX,
    GENERIC,
    RANK_PREFIX,
    RANKED_CUSTOMERS,
    WEAK_METRICS,
    excluded_at,
)
from shoplens.agent.planner.values import ValueMatcher
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.text import (
    COMMON,
    NUM,
    STOPWORDS,
    Mask,
    Token,
    canon,
    everyday_words,
    phrase_body,
    tokenize,
)

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
    ratios: list[str] = field(default_factory=list)  # ratios spelled out in the question ("orders per session")


#: "most viewed items": the measure is in the ranking words, so "items" is what is ranked
_RANKED_BY = re.compile(r"\b(?:most|least)[\s\-](?:viewed|visited|reviewed|returned|purchased|bought|ordered|profitable)\b|"
                        r"\b(?:best|worst|top|bottom|lowest|highest)[\s\-]?(?:selling|rated|performing)\b")

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
        self._metric_by_len: dict[int, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for phrase, name in self.metric_phrases.items():
            self._metric_by_len[len(phrase)].append((phrase, name))
        self._single_metric = {p[0]: n for p, n in self.metric_phrases.items() if len(p) == 1 and len(p[0]) >= 5}
        self._everyday = everyday_words()
        dim_phrases: dict[str, str] = {}
        for d in semantic.dimensions.values():
            for phrase in (d.name.replace("_", " "), d.label, *d.synonyms):
                dim_phrases.setdefault(normalize_phrase(phrase), d.name)
        own = {p for p, d in dim_phrases.items() if semantic.dimensions[d].declared}  # the shop's words win
        dim_phrases.update({p: d for p, d in EXTRA_DIM_PHRASES.items() if p not in own})
        self.dim_phrases = {p: d for p, d in dim_phrases.items() if d in semantic.dimensions}
        alt = "|".join(phrase_body(p) + r"(?:e?s)?" for p in sorted(self.dim_phrases, key=len, reverse=True))
        self._gb = [re.compile(rf"\b{GB_PREFIX}\s+(?:the\s+|our\s+|their\s+|different\s+|all\s+|individual\s+|"
                               rf"each\s+|various\s+|every\s+)?(?:[a-z]+'s?\s+|[a-z]+s'\s+|email\s+|search\s+|"
                               rf"social\s+|display\s+|affiliate\s+)?(?P<d>{alt})(?![a-z0-9])"),
                    re.compile(rf"\b{RANK_PREFIX}(?:[a-z&'\-%]+\s+){{0,2}}?(?P<d>{alt})(?![a-z0-9])"),
                    re.compile(rf"\b(?:which|what)\s+(?:{NUM}\s+)?(?:[a-z'\-]+\s+)?(?P<d>{alt})(?![a-z0-9])"),
                    re.compile(rf"(?<![a-z0-9])(?P<d>{alt})\s+(?:breakdown|split|mix|ranking|rankings|comparison|"
                               rf"performance|share|leaderboard|league\s+table|by\s+revenue)\b"),
                    re.compile(rf"(?<![\d,.$])\b(?:[1-9]|[1-4]\d|two|three|four|five|six|seven|eight|nine|ten|twelve|"
                               rf"fifteen|twenty)\s+(?:[a-z&'\-]+\s+)?(?P<d>{alt})(?![a-z0-9])"),  # "3 categories with"
                    re.compile(rf"(?<![a-z0-9])(?P<d>{alt})\s+(?:with|that\s+(?:had|has|have|got)|having|had|has|got)"
                               rf"\s+the\s+(?:highest|lowest|most|least|best|worst|biggest|largest|smallest|top)\b")]
        self._gb_more = re.compile(rf"\s*(?:and|&|,|\+|then)\s+(?:by\s+|per\s+|the\s+)?(?P<d>{alt})(?![a-z0-9])")
        self.vm = ValueMatcher(semantic, self.metric_phrases, self.dim_phrases)
        self.values = self.vm.values
        # Multi-word names matched before the time parser; campaign "bases" without their dates.
        self._names: dict[tuple[str, ...], list[tuple[str, str, bool]]] = defaultdict(list)  # -> (dim, value, ev)
        self._product_words: dict[tuple[str, ...], set[str]] = defaultdict(set)  # brand words -> product words
        brands = [v.tokens for v in self.values if v.dim == "brand"]
        for v in self.values:
            for b in brands:
                if v.dim == "product" and v.tokens[:len(b)] == b:
                    self._product_words[b].update(v.tokens[len(b):])
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
        self._heads: dict[tuple[str, ...], set[str]] = defaultdict(set)  # name minus its first word -> first words
        for k in self._names:
            if len(k) >= 3:
                self._heads[k[1:]].add(k[0])
        self._other_values = {v.tokens[0] for v in self.values if v.dim != "campaign" and len(v.tokens) == 1}

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
            if any(a <= toks[i].start and toks[i + n - 1].end <= b and (b - a) > toks[i + n - 1].end - toks[i].start
                   for a, b in self._event_spans(text)):
                i += n  # "holiday" in "the 2025 holiday season" is the calendar event, not a campaign's name
                continue
            while i > 0 and (longer := self._typo_head(toks, i, n)):  # "jembo bag red retrospot": a longer name
                i, n, entries = i - 1, n + 1, longer
                out.notes.append(f"'{text[toks[i].start:toks[i + n - 1].end]}' read as "
                                 f"{self.semantic.dimensions[entries[0][0]].label.lower()} '{entries[0][1]}'")
            if i + n < len(toks) and all(d == "brand" for d, _, _ in entries) and \
                    toks[i + n].norm in self._product_words.get(tuple(t.norm for t in toks[i:i + n]), ()):
                i += n  # "cuddle cove plush": the brand starts a product's name; the value matcher reads it all
                continue
            start, end = toks[i].start, toks[i + n - 1].end
            exact = [(d, v) for d, v, _ in entries if tuple(canon(v).split()) == tuple(t.norm for t in toks[i:i + n])
                     or len(entries) == 1]
            if len(exact) == 1:  # "excluding board games": the name is left out, not filtered on
                bucket = out.excluded if excluded_at(text, start, end) else out.filters
                bucket.setdefault(exact[0][0], []).append(exact[0][1])
            else:
                out.families.append(Family(text[start:end], entries[0][0], [v for _, v, _ in entries]))
            mask.add(start, end, f"value:{entries[0][0]}")
            i += n
        return out

    def _event_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the calendar's event names of two words or more occur in the text ("holiday season")."""
        if not hasattr(self, "_event_re"):
            names = sorted({str(s).lower() for e in self.semantic.events for s in (*e.synonyms, e.label)
                            if len(str(s).split()) >= 2}, key=len, reverse=True)
            self._event_re = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b") if names else None
        return [m.span() for m in self._event_re.finditer(text)] if self._event_re else []

    def _typo_head(self, toks: list[Token], i: int, n: int) -> list[tuple[str, str, bool]] | None:
        """The names one word longer than ``toks[i:i+n]`` whose first word is a typo of the word before it."""
        key = tuple(t.norm for t in toks[i:i + n])
        word = toks[i - 1].norm
        if toks[i - 1].end + 3 < toks[i].start or len(word) < 4 or word in COMMON or not word.isalpha():
            return None
        heads = [h for h in self._heads.get(key, ()) if h[0] == word[0] and abs(len(h) - len(word)) <= 1
                 and OSA.distance(h, word, score_cutoff=1) <= 1]
        return self._names[(heads[0], *key)] if len(heads) == 1 else None

    def _campaign_prefix(self, toks: list[Token], i: int) -> tuple[int, list[tuple[str, str, bool]]] | None:
        """'the 618 campaigns', 'black friday promo': every campaign whose base name starts with these words."""
        for n in range(min(3, len(toks) - i), 0, -1):
            key = tuple(t.norm for t in toks[i:i + n])
            if n == 1 and (key[0] in COMMON or key[0] in GENERIC or key[0] in ("campaign", "promo", "ad")
                           or key[0] in self._other_values):
                continue  # "social campaigns" is the marketing channel, not every "Social Retargeting ..."
            entries = [e for k, es in self._names.items() if k[:n] == key and len(k) > n for e in es
                       if e[0] == "campaign"]
            if entries:
                return n, list(dict.fromkeys(entries))
        return None

    # ----------------------------------------------------------------------------------------------- match
    def match(self, text: str, mask: Mask, out: Entities | None = None, prefer: set[str] | None = None) -> Entities:
        out = out or Entities()
        self.vm.demonyms(text, mask, out)
        measure_words.find_ratios(self, text, mask, out)
        self._group_by(text, mask, out)
        self._special(text, mask, out)
        measure_words.find_metrics(self, text, mask, out)
        self.vm.match(text, mask, out, prefer or set())
        self._siblings(text, mask, out)
        for fam in [f for f in out.families if prefer and set(f.values) & prefer]:  # the clarifying reply
            out.families.remove(fam)
            out.filters.setdefault(fam.dimension, []).append(next(v for v in fam.values if v in (prefer or ())))
        definite_refs(self.vm, text, mask, out, prefer or set())
        group_refs(self.vm, text, mask, out, prefer or set())
        brand_refs(self.vm, text, mask, out, prefer or set())
        spans = out.metric_spans
        out.metrics.sort(key=lambda m: spans.get(m, (len(text), 0))[0])  # in order of mention
        return out

    def _group_by(self, text: str, mask: Mask, out: Entities) -> None:
        if "customer" in self.semantic.dimensions and "customer" not in out.group_by:
            m = RANKED_CUSTOMERS.search(mask.blank(text))  # "our 3 biggest customers": customers ranked, not counted
            if m:
                group = next(g for g in ("d", "d2", "d3", "d4") if m.group(g))
                out.group_by.append("customer")
                out.group_words["customer"] = m.group(group)
                out.group_how["customer"] = "rank"
                mask.add(*m.span(group), "group:customer")
        for rx in self._gb:
            for m in rx.finditer(mask.blank(text)):
                s, e = m.span("d")
                if mask.overlaps(s, e):
                    continue
                dim = self.dim_for(m.group("d"))
                if dim is None or dim in out.group_by:
                    continue
                if self.semantic.dimensions[dim].ids and (m.group("d").endswith("s") or m.group(0).startswith("per")):
                    continue  # "orders placed by customers ...", "revenue per customer": not a split by customer id
                if rx is not self._gb[0] and self._metric_word(m.group("d")) and not _RANKED_BY.search(m.group(0)):
                    continue  # "the worst avg rating" names a measure; only "by rating" splits by it
                if rx is self._gb[0] and re.match(r"between|among|compar", m.group(0)) and \
                        not m.group("d").endswith("s"):
                    continue  # "between the brand and ..." is not a split
                out.group_by.append(dim)
                out.group_words[dim] = m.group("d")
                out.group_how[dim] = ("by", "rank", "which", "noun", "rank", "which")[self._gb.index(rx)]
                before = re.search(r"([a-z]+)\s+$", text[:s])  # "which sales channel": 'sales' is part of it
                longer = normalize_phrase(f"{before.group(1)} {m.group('d')}") if before else ""
                if longer not in self.dim_phrases and longer[:-1] in self.dim_phrases and longer.endswith("s"):
                    longer = longer[:-1]  # "which acquisition channels"
                if longer in self.dim_phrases:
                    s = before.start(1)  # type: ignore[union-attr]
                    if self.dim_phrases[longer] != dim:  # "which marketing channel": not the sales channel
                        how = out.group_how.pop(dim)
                        out.group_words.pop(dim)
                        out.group_by[-1] = dim = self.dim_phrases[longer]
                        out.group_words[dim], out.group_how[dim] = longer, how
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
            word = m.group("d")  # a typo'd dimension: "by categry", "by custmer segment"
            if word in COMMON or mask.overlaps(*m.span("d")) or (word,) in self.metric_phrases:
                continue
            span = m.span("d")
            best = (0.0, "")
            two = re.match(r"\s+([a-z]{3,})\b", text[span[1]:])
            if two and not mask.overlaps(span[1], span[1] + two.end()):  # "custmer segment" before "custmer"
                pair = f"{word} {two.group(1)}"
                best = max(((ratio(pair, p), d) for p, d in self.dim_phrases.items() if p.count(" ") == 1),
                           default=(0, ""))
                if best[0] >= 85:
                    word, span = pair, (span[0], span[1] + two.end())
            if best[0] < 85:
                best = max(((ratio(word, p), d) for p, d in self.dim_phrases.items() if " " not in p),
                           default=(0, ""))
            if best[0] >= 85 and best[1] not in out.group_by:
                out.group_by.append(best[1])
                out.group_words[best[1]] = word
                out.notes.append(f"'{word}' read as {self.semantic.dimensions[best[1]].label.lower()}")
                mask.add(*span, f"group:{best[1]}")

    def _metric_word(self, phrase: str) -> bool:
        """Whether a dimension word is also a measure's name ("rating", "ratings")."""
        words = canon(phrase).split()
        return any(tuple(w) in self.metric_phrases for w in (words, [re.sub(r"s$", "", x) for x in words]))

    def dim_for(self, phrase: str) -> str | None:
        p = normalize_phrase(phrase)
        for cand in (p, re.sub(r"es$", "", p), re.sub(r"s$", "", p), re.sub(r"ies$", "y", p)):
            if cand in self.dim_phrases:
                return self.dim_phrases[cand]
        return None

    def _special(self, text: str, mask: Mask, out: Entities) -> None:
        for pattern, metric in metric_phrasings():
            m = pattern.search(mask.blank(text))
            if m and metric in self.semantic.metrics and metric not in out.metrics:
                g = "m" if "m" in m.groupdict() else 0
                out.metrics.append(metric)
                out.metric_words[metric] = m.group(0)
                out.metric_spans[metric] = m.span(g)
                mask.add(*m.span(g), "metric")
        blank = mask.blank(text)
        m = re.search(r"\b(completed|cancell?ed|returned|refunded)\s+orders?\b|\borders?\s+(?:were\s+|that\s+were\s+|"
                      r"got\s+|being\s+|have\s+been\s+|was\s+)?(completed|cancell?ed|returned|refunded)\b", blank)
        if m is None and _RATE_CUE.search(blank):  # "what % of orders in the west got cancelled"
            m = re.search(r"()\borders?\s+(?:[\w&\-]+\s+){0,4}?(?:were|got|get|gets|getting|being|are|is|was)\s+"
                          r"(cancell?ed|returned|refunded)\b", blank)
        if m and "status" in self.semantic.dimensions and "orders" in self.semantic.metrics:
            word = m.group(1) or m.group(2)
            status = {"canceled": "cancelled", "refunded": "returned"}.get(word, word)
            rate = {"cancelled": "cancel_rate", "returned": "return_rate"}.get(status)
            metric = rate if rate in self.semantic.metrics and _RATE_CUE.search(blank) else "orders"
            out.metrics.append(metric)  # "what % of orders got cancelled": the rate, else the orders of that status
            out.metric_words[metric] = m.group(0)
            out.metric_spans[metric] = m.span()
            if metric == "orders":
                out.filters.setdefault("status", []).append(status)
                mask.add(m.start(), m.end(), "metric")
            else:  # only the two words: "orders in the west got cancelled" keeps the west readable
                noun = re.search(r"\borders?\b", m.group(0))
                mask.add(*m.span(1 if m.group(1) else 2), "metric")
                mask.add(m.start() + noun.start(), m.start() + noun.end(), "metric")  # type: ignore[union-attr]
        if "rating" in self.semantic.dimensions:  # "under 3 stars", "4+ stars", "rated 4 or higher"
            values = self.semantic.dimensions["rating"].values or ["1", "2", "3", "4", "5"]
            for m in _STAR_RANGE.finditer(mask.blank(text)):
                stars = _star_range(m)
                if stars:
                    out.filters.setdefault("rating", []).extend(str(s) for s in stars if str(s) in values)
                    out.combined.add("rating")
                    mask.add(m.start(), m.end(), "value:rating")
            for m in _STARS.finditer(mask.blank(text)):  # "1-star reviews", "4 or 5 stars", "one to three stars"
                a, b = _star(m.group("a")), _star(m.group("b")) if m.group("b") else None
                joiner = (m.group("j") or "").strip()
                stars = list(range(min(a, b), max(a, b) + 1)) if b and joiner in ("-", "to", "through") else \
                    sorted({a} | ({b} if b else set()))
                out.filters.setdefault("rating", []).extend(str(s) for s in stars if str(s) in values)
                out.combined.add("rating")
                mask.add(m.start(), m.end(), "value:rating")
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

    def _siblings(self, text: str, mask: Mask, out: Entities) -> None:
        """'kestrel fit 4 vs fit 3': the words after 'vs' name a product of the same brand as the one before."""
        named = out.filters.get("product", [])
        if len(named) != 1:
            return
        first = self.vm.by_value.get(("product", named[0]))
        brand = next((b for b in self._product_words if first and first.tokens[:len(b)] == b), None)
        if first is None or brand is None:
            return
        m = re.search(r"\b(?:vs\.?|versus|against|or|and|compared\s+(?:to|with))\s+(?:the\s+)?"
                      r"(?P<w>[a-z0-9]+(?: [a-z0-9]+){0,2})", mask.blank(text))
        if m is None or mask.overlaps(*m.span("w")):
            return
        words = m.group("w").split()
        for n in range(len(words), 0, -1):
            want = set(brand) | set(words[:n])
            hits = [v.value for v in self.values if v.dim == "product" and v.value != first.value
                    and want <= set(v.tokens)]
            if len(hits) == 1:
                named.append(hits[0])
                end = m.start("w") + len(" ".join(words[:n]))
                mask.add(m.start("w"), end, "value:product")
                out.notes.append(f"'{text[m.start('w'):end]}' read as product '{hits[0]}'")
                return

#: A status word asked as a rate: "what % of orders got cancelled", "are app orders cancelled more than web ones".
_RATE_CUE = re.compile(r"%|\bpercent\w*|\bpct\b|\bshare\b|\bproportion\b|\bfraction\b|\bhow\s+often\b|"
                       r"\b(?:more|less)\s+(?:often\s+)?than\b|\bmore\s+often\b|\bhow\s+likely\b")


@functools.cache
def metric_phrasings() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, measure) from prompts/metric_phrasings.yaml, in order."""
    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("metric_phrasings.yaml").read_text("utf-8"))
    return tuple((re.compile(r["pattern"]), str(r["metric"])) for r in raw)


_STAR_WORD = r"(?:[1-5]|one|two|three|four|five)"
_STARS = re.compile(rf"\b(?P<a>{_STAR_WORD})(?:[\s\-]*stars?)?(?:\s*(?P<j>or|and|,|/|-|to|through)\s*"
                    rf"(?P<b>{_STAR_WORD}))?[\s\-]*stars?\b")


#: "under 3 stars", "at least 4 stars", "4+ stars", "3 stars or less", "rated 4 or higher": the comparison, in words
_BELOW, _AT_MOST = r"under|below|less\s+than|fewer\s+than|lower\s+than|worse\s+than|<", r"at\s+most|no\s+more\s+than|up\s+to|<="
_ABOVE, _AT_LEAST = r"over|above|more\s+than|greater\s+than|higher\s+than|better\s+than|>", r"at\s+least|no\s+less\s+than|>="
_POST_AT_MOST = r"or\s+(?:less|fewer|lower|below|under|worse)|and\s+(?:below|under|lower|less)"
_POST_AT_LEAST = r"\+|or\s+(?:more|higher|above|better|up)|and\s+(?:up|above|over|higher|more)"
_STAR_RANGE = re.compile(
    rf"(?:\brated\s+)?(?<![\w<>=])(?P<pre>{_AT_MOST}|{_AT_LEAST}|{_BELOW}|{_ABOVE})\s*(?P<a>{_STAR_WORD})\b"
    rf"(?:[\s\-]*stars?\b)?"
    rf"|(?:\brated\s+)?\b(?P<b>{_STAR_WORD})(?:[\s\-]*stars?)?\s*(?P<post>{_POST_AT_MOST}|{_POST_AT_LEAST})"
    rf"(?:[\s\-]*stars?\b)?")


def _star_range(m: re.Match[str]) -> list[int]:
    """The star ratings a comparison names; [] when it names none or no stars were said ("under 3 orders")."""
    said = m.group(0)
    if not re.search(r"\bstars?\b|\brated\b", said):
        return []
    n = _star(m.group("a") or m.group("b"))
    how = (m.group("pre") or m.group("post")).strip()
    if re.fullmatch(_BELOW, how):
        return list(range(1, n))
    if re.fullmatch(_AT_MOST, how) or re.fullmatch(_POST_AT_MOST, how):
        return list(range(1, n + 1))
    if re.fullmatch(_ABOVE, how):
        return list(range(n + 1, 6))
    return list(range(n, 6))


def _star(word: str) -> int:
    return {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}.get(word) or int(word)


def normalize_phrase(p: str) -> str:
    return re.sub(r"[\s\-_]+", " ", str(p).lower().replace("'", "")).strip()
