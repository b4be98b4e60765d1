"""Offline aspect extraction: (aspect, polarity, verbatim snippet) triples per review, plus brand/product mentions.

A review is cut into clauses (sentences, then contrast words such as "but"/"although", then "and" before a new
subject). A clause goes under the aspects of its product category whose TERMS it names ("battery", "fabric");
only when it names none do opinion CUES count ("flimsy", "runs small"), and optionally MiniLM similarity to
the aspects' example phrases. The vocabulary lives in ``aspects.yaml``; a shop's own frequent noun phrases can
extend it (``shoplens.tools.reviews.vocabulary``). Polarity per clause comes from VADER with a product-review
lexicon and phrase cues that handle negation, blended with the sentiment model's score on the clause's own
embedding when one is available. The snippet is the clause, verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from shoplens.tools.reviews.chinese import is_chinese
from shoplens.tools.reviews.lexicon import VaderScorer

ASPECTS_FILE = "aspects.yaml"


@dataclass(frozen=True)
class Aspect:
    name: str
    terms: str  # regex alternation: words that name the aspect
    phrases: str  # regex alternation: multi-word expressions about the aspect on their own
    cues: str  # regex alternation: single opinion words that imply it
    examples: str  # "|"-separated example phrases; their mean embedding stands for the aspect


@cache
def _vocabulary() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(
        resources.files("shoplens.tools.reviews").joinpath(ASPECTS_FILE).read_text(encoding="utf-8"))
    return data


ASPECTS: dict[str, Aspect] = {name: Aspect(name, a["terms"] or "", a["phrases"] or "", a["cues"] or "", a["examples"])
                              for name, a in _vocabulary()["aspects"].items()}
GENERIC: tuple[str, ...] = tuple(_vocabulary()["generic"])
CATEGORY_ASPECTS: dict[str, tuple[str, ...]] = {c: tuple(v) for c, v in _vocabulary()["categories"].items()}
ASPECTS_VERSION = str(_vocabulary()["version"])


def aspects_for(category: str | None) -> tuple[str, ...]:
    """The aspect names that apply to a category (every aspect when the category is unknown)."""
    if category in CATEGORY_ASPECTS:
        return CATEGORY_ASPECTS[category] + GENERIC
    return tuple(ASPECTS)


def _compile(alternation: str) -> re.Pattern[str] | None:
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I) if alternation.strip() else None


def compile_vocabulary(extra_terms: Mapping[str, Sequence[str]] | None = None) -> dict[str, tuple[Any, Any, Any]]:
    """aspect -> (terms, phrases, cues) regexes; ``extra_terms`` (aspect -> literal phrases) join the terms."""
    out = {}
    for name, a in ASPECTS.items():
        terms = a.terms
        extra = [re.escape(t) for t in (extra_terms or {}).get(name, []) if t.strip()]
        if extra:
            terms = f"{terms}|{'|'.join(extra)}" if terms else "|".join(extra)
        out[name] = (_compile(terms), _compile(a.phrases), _compile(a.cues))
    return out


_DEFAULT_PATTERNS = compile_vocabulary()
_SENT_RE = re.compile(r"(?<=[.!?])\s+|\n+|\s*;\s*|\s+-{1,2}\s+|\s*\.{3}\s*")
_CONTRAST_RE = re.compile(r",?\s+(?=\b(?:but|however|although|though|yet|except|whereas|while|otherwise)\b)", re.I)
_AND_RE = re.compile(
    r",?\s+and\s+(?=(?:the|it|its|it's|they|their|this|that|my|shipping|delivery|price|customer|support|"
    r"seller|i|packaging)\b)", re.I)
_LEAD_RE = re.compile(r"^(?:and|but|however|although|though|yet|so|also|plus|overall|otherwise)\b[,\s]*", re.I)


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of ``text`` (leading conjunctions trimmed off; empty clauses dropped)."""
    spans: list[tuple[int, int]] = []
    for s0, s1 in _split(text, 0, len(text), _SENT_RE):
        for c0, c1 in _split(text, s0, s1, _CONTRAST_RE):
            for a0, a1 in _split(text, c0, c1, _AND_RE):
                piece = text[a0:a1]
                lead = _LEAD_RE.match(piece)
                if lead and lead.end() < len(piece):
                    a0 += lead.end()
                while a1 > a0 and text[a1 - 1] in " ,.!?":
                    a1 -= 1
                while a0 < a1 and text[a0] in " ,":
                    a0 += 1
                if a1 - a0 >= 3 and re.search(r"\w", text[a0:a1]):
                    spans.append((a0, a1))
    return spans


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def snippet_of(text: str, span: tuple[int, int], hit: tuple[int, int] | None = None, max_len: int = 140) -> str:
    """A verbatim piece of ``text``: the clause, or a word-aligned window around the keyword when it is long."""
    a, b = span
    if b - a <= max_len:
        return text[a:b].strip()
    centre = (hit[0] + hit[1]) // 2 if hit else a + max_len // 2
    lo = max(a, centre - max_len // 2)
    hi = min(b, lo + max_len)
    lo = max(a, hi - max_len)
    if lo > a:
        lo = text.find(" ", lo, hi) + 1 or lo
    if hi < b:
        cut = text.rfind(" ", lo, hi)
        hi = cut if cut > lo else hi
    return text[lo:hi].strip()


@dataclass(frozen=True)
class AspectMention:
    aspect: str  # an aspect name, or "mention:<brand or product>"
    polarity: str  # positive | negative | neutral
    snippet: str
    score: float = 0.0

    def as_row(self) -> tuple[str, str, str]:
        return (self.aspect, self.polarity, self.snippet)


def polarity_label(score: float, threshold: float = 0.2) -> str:
    return "positive" if score >= threshold else "negative" if score <= -threshold else "neutral"


class MentionFinder:
    """Finds brand and product names in text (whole words, case-insensitive; product names also by their
    distinctive first words, e.g. "Aurora X2" for "Aurora X2 Wireless Earbuds")."""

    def __init__(self, products: Sequence[tuple[str, str | None]]) -> None:
        keys: dict[str, str] = {}
        prefixes: dict[str, set[str]] = {}
        for name, brand in products:
            keys[name.lower()] = name
            words = name.split()
            if len(words) >= 3:
                prefixes.setdefault(" ".join(words[:2]).lower(), set()).add(name)
            if brand:
                keys.setdefault(brand.lower(), brand)
        for prefix, names in prefixes.items():
            if len(names) == 1 and len(prefix) >= 5:
                keys.setdefault(prefix, next(iter(names)))
        self._keys = keys
        alternation = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
        self._re = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I) if keys else None

    def find(self, text: str) -> list[tuple[str, int, int]]:
        if not self._re:
            return []
        return [(self._keys[m.group(0).lower()], m.start(), m.end()) for m in self._re.finditer(text)]

    def mask(self, text: str) -> str:
        """``text`` with every mention blanked out (same length), so "Aurora replaced my pair" is not read as
        a product word."""
        if not self._re:
            return text
        return self._re.sub(lambda m: " " * len(m.group(0)), text)


class AspectExtractor:
    """Aspect triples for many reviews at once.

    ``extra_terms`` (aspect -> phrases, e.g. the shop's own noun phrases) extend the vocabulary;
    ``aspect_vectors`` (aspect -> unit vector) turn on embedding similarity for clauses without any keyword;
    ``clause_score`` (clause embeddings, clause texts -> signed scores) blends a learned polarity into VADER's.
    """

    def __init__(self, *, mentions: MentionFinder | None = None, aspect_vectors: dict[str, np.ndarray] | None = None,
                 similarity_threshold: float = 0.5, similarity_margin: float = 0.06,
                 clause_score: Callable[[np.ndarray, list[str]], np.ndarray] | None = None,
                 learned_weight: float = 0.5, threshold: float = 0.2,
                 extra_terms: Mapping[str, Sequence[str]] | None = None) -> None:
        self._vader = VaderScorer(domain=True)
        self.mentions = mentions
        self.aspect_vectors = aspect_vectors or {}
        self.similarity_threshold = similarity_threshold
        self.similarity_margin = similarity_margin
        self.clause_score = clause_score
        self.learned_weight = learned_weight
        self.threshold = threshold
        self.extra_terms = {k: list(v) for k, v in (extra_terms or {}).items() if v}
        self._patterns = compile_vocabulary(self.extra_terms) if self.extra_terms else _DEFAULT_PATTERNS

    @property
    def version(self) -> str:
        extra = ""
        if self.extra_terms:
            import hashlib

            blob = "|".join(f"{k}:{','.join(sorted(v))}" for k, v in sorted(self.extra_terms.items()))
            extra = "v" + hashlib.sha256(blob.encode()).hexdigest()[:6]
        from shoplens.tools.reviews.aspects_zh import zh_version

        return (f"{ASPECTS_VERSION}{extra}{'e' if self.aspect_vectors else ''}{'l' if self.clause_score else ''}"
                f"-{zh_version()}")

    def clause_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [split_clauses(t or "") for t in texts]

    def extract(self, texts: Sequence[str], categories: Sequence[str | None] | None = None,
                spans: Sequence[Sequence[tuple[int, int]]] | None = None,
                clause_vectors: Sequence[np.ndarray] | None = None) -> list[list[AspectMention]]:
        """One list of AspectMention per text. Pass ``spans``/``clause_vectors`` from a shared encoder pass."""
        spans = spans if spans is not None else self.clause_spans(texts)
        categories = categories or [None] * len(texts)
        learned: list[np.ndarray | None] = [None] * len(texts)
        if self.clause_score and clause_vectors is not None:
            flat_vecs = [v for vecs in clause_vectors for v in vecs]
            if flat_vecs:
                flat_texts = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
                scores = self.clause_score(np.vstack(flat_vecs), flat_texts)
                pos = 0
                for i, sp in enumerate(spans):
                    learned[i] = scores[pos:pos + len(sp)]
                    pos += len(sp)
        return [self._one(texts[i] or "", categories[i], spans[i],
                          clause_vectors[i] if clause_vectors is not None else None, learned[i])
                for i in range(len(texts))]

    def aspects_of(self, clause: str, allowed: Sequence[str], polar: bool = True) -> list[tuple[str, tuple[int, int]]]:
        """(aspect, keyword span in ``clause``) for the aspects a clause is about.

        Phrases always count; terms count when the clause carries an opinion (``polar``, or any phrase or cue in
        it); single-word cues count only when no term or phrase matched."""
        return self._select(*self._candidates(clause, allowed), polar)

    def _candidates(self, clause: str, allowed: Sequence[str]) -> tuple[list[Any], list[Any], list[Any]]:
        """(phrase hits, term hits, cue hits) of ``clause``: what ``aspects_of`` chooses from."""
        strong: list[Any] = []
        named: list[Any] = []
        cues: list[Any] = []
        for name in allowed:
            term_re, phrase_re, cue_re = self._patterns[name]
            if phrase_re is not None and (m := phrase_re.search(clause)):
                strong.append((name, m.span()))
            elif term_re is not None and (m := term_re.search(clause)):
                named.append((name, m.span()))
            elif cue_re is not None and (m := cue_re.search(clause)):
                cues.append((name, m.span()))
        return strong, named, cues

    @staticmethod
    def _select(strong: list[Any], named: list[Any], cues: list[Any], polar: bool) -> list[Any]:
        if named and (polar or strong or cues):
            return strong + named
        return strong or cues

    def _one(self, text: str, category: str | None, spans: Sequence[tuple[int, int]],
             vectors: np.ndarray | None, learned: np.ndarray | None) -> list[AspectMention]:
        allowed = aspects_for(category)
        out: dict[str, AspectMention] = {}
        if is_chinese(text):
            return self._chinese(text, allowed)
        found_mentions = self.mentions.find(text) if self.mentions else []
        masked = self.mentions.mask(text) if found_mentions and self.mentions else text
        for k, (a, b) in enumerate(spans):
            candidates = self._candidates(masked[a:b], allowed)
            by_vector = vectors is not None and bool(self.aspect_vectors) and bool(np.any(vectors[k]))
            mentioned = any(a <= m0 and m1 <= b for _, m0, m1 in found_mentions)
            if not (any(candidates) or by_vector or mentioned):
                continue  # nothing this clause could report: skip scoring its sentiment
            score = self._vader.compound(text[a:b])
            if learned is not None and vectors is not None and np.any(vectors[k]):
                score = (1 - self.learned_weight) * score + self.learned_weight * float(learned[k])
            polarity = polarity_label(score, self.threshold)
            found = self._select(*candidates, polar=polarity != "neutral")
            hits = [(name, (a + s, a + e)) for name, (s, e) in found]
            if not hits and by_vector:
                best, sim, runner_up = self._nearest(vectors[k], allowed)  # type: ignore[index]
                if best and sim >= self.similarity_threshold and sim - runner_up >= self.similarity_margin:
                    hits.append((best, (a, b)))
            for name, hit in hits:
                self._keep(out, AspectMention(name, polarity, snippet_of(text, (a, b), hit), round(score, 3)))
            for entity, m0, m1 in found_mentions:
                if a <= m0 and m1 <= b:
                    self._keep(out, AspectMention(f"mention:{entity}", polarity, snippet_of(text, (a, b), (m0, m1)),
                                                  round(score, 3)))
        return list(out.values())

    def _chinese(self, text: str, allowed: Sequence[str]) -> list[AspectMention]:
        """Chinese reviews: Chinese clauses and vocabulary, clause polarity from the Chinese model."""
        from shoplens.tools.reviews.aspects_zh import aspects_zh
        from shoplens.tools.reviews.chinese import chinese_model

        out: dict[str, AspectMention] = {}
        model = chinese_model()
        for name, clause, score in aspects_zh(text, allowed, lambda c: 2 * model.p_positive(c) - 1):
            self._keep(out, AspectMention(name, polarity_label(score, self.threshold), clause[:140], round(score, 3)))
        if self.mentions:
            for entity, m0, m1 in self.mentions.find(text):
                self._keep(out, AspectMention(f"mention:{entity}", "neutral", snippet_of(text, (max(0, m0 - 20), min(len(text), m1 + 20)), (m0, m1)), 0.0))
        return list(out.values())

    @staticmethod
    def _keep(out: dict[str, AspectMention], item: AspectMention) -> None:
        """One triple per (aspect, polarity) per review; the strongest clause wins."""
        key = f"{item.aspect}|{item.polarity}"
        if key not in out or abs(item.score) > abs(out[key].score):
            out[key] = item

    def _nearest(self, vec: np.ndarray, allowed: Sequence[str]) -> tuple[str | None, float, float]:
        """Best aspect, its cosine similarity, and the runner-up's (a clear winner is required)."""
        sims = sorted(((float(vec @ self.aspect_vectors[n]), n) for n in allowed if n in self.aspect_vectors),
                      reverse=True)
        if not sims:
            return None, -1.0, -1.0
        return sims[0][1], sims[0][0], sims[1][0] if len(sims) > 1 else -1.0


def aspect_vectors(encode: Callable[[list[str]], np.ndarray]) -> dict[str, np.ndarray]:
    """Embed the aspects' example phrases once with the caller's encoder (returns unit vectors)."""
    names = list(ASPECTS)
    phrases = [(n, p.strip()) for n in names for p in ASPECTS[n].examples.split("|")]
    vecs = encode([p for _, p in phrases])
    out = {}
    for n in names:
        mean = np.mean([vecs[i] for i, (m, _) in enumerate(phrases) if m == n], axis=0)
        out[n] = mean / (np.linalg.norm(mean) or 1.0)
    return out
