"""Countries named by their adjective or people ("french customers", "swiss orders", "the germans"): a filter on
the shop's country dimension, read from prompts/demonyms.yaml and matched only against the values the shop has.

An adjective counts only right before a customer or sales word of the file's ``context`` list, so that everyday
words stay everyday ("polish the report", "french fries", the product "SWISS ROLL TOWEL"); a people noun
("germans", "americans") counts on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from shoplens.data.semantic import SemanticLayer
from shoplens.tools.text import STOPWORDS, Mask, Token, tokenize

_COUNTRY_WORDS = ("country", "countries")
#: Period words after "the <adjective>" that make it the people: "aov from the swiss ytd".
_PERIOD_WORDS = frozenset(["ytd", "mtd", "qtd", "wtd", "today", "yesterday", "lately", "recently", "since", "during",
                           "this", "last"])
#: Verbs after "the <adjective>" that make it the people: "what are the irish buying", "the dutch spent more".
_PEOPLE_VERBS = frozenset(["buy", "bought", "order", "ordered", "spend", "spent", "do", "did", "like", "want", "pay",
                           "paid", "return", "returned"])


@dataclass(frozen=True)
class Demonyms:
    context: frozenset[str]
    adjectives: dict[str, str]  # "french" -> "France"
    people: dict[str, str]  # "germans" -> "Germany"
    spellings: dict[str, tuple[str, ...]]  # "Ireland" -> ("eire", "republic of ireland")


@cache
def demonyms() -> Demonyms:
    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("demonyms.yaml").read_text("utf-8"))
    return Demonyms(
        frozenset(w.lower() for w in raw["context"]),
        {w.lower(): c for c, ws in raw["adjectives"].items() for w in ws},
        {w.lower(): c for c, ws in raw["people"].items() for w in ws},
        {c: tuple(w.lower() for w in ws) for c, ws in raw.get("spellings", {}).items()},
    )


def country_dimension(semantic: SemanticLayer) -> str | None:
    """The dimension holding countries: one named so, or called so by its label or a synonym."""
    if "country" in semantic.dimensions:
        return "country"
    for d in semantic.dimensions.values():
        if any(w.lower() in _COUNTRY_WORDS for w in (d.label, *d.synonyms)):
            return d.name
    return None


class CountryWords:
    """Phrase (tuple of lower-case words) -> the shop's country value, for the countries the shop has."""

    def __init__(self, semantic: SemanticLayer) -> None:
        self.dim = country_dimension(semantic)
        values = semantic.dimensions[self.dim].values if self.dim else []
        by_lower = {v.lower(): v for v in values}
        table = demonyms()

        def shop_value(country: str) -> str | None:
            for name in (country.lower(), *table.spellings.get(country, ())):
                if name in by_lower:
                    return by_lower[name]
            return None

        self.adjectives: dict[tuple[str, ...], str] = {}
        self.people: dict[tuple[str, ...], str] = {}
        for words, out in ((table.adjectives, self.adjectives), (table.people, self.people)):
            for w, country in words.items():
                if (v := shop_value(country)) is not None:
                    out[tuple(w.split())] = v
        for country, spellings in table.spellings.items():  # "czechia", "holland", "ireland" for EIRE: names
            if (v := shop_value(country)) is not None:
                for name in (country.lower(), *spellings):
                    if name != v.lower() and name not in STOPWORDS:  # not "us" of "bought from us"
                        self.people.setdefault(tuple(name.split()), v)
        self.context = table.context
        self._longest = max((len(k) for k in (*self.adjectives, *self.people)), default=0)

    def find(self, text: str, mask: Mask) -> list[tuple[int, int, str]]:
        """(start, end, value) of each country named by its adjective or people in the unmasked text."""
        if not self._longest:
            return []
        toks = tokenize(text)
        words = [t.text.lower() for t in toks]
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(toks):
            hit = self._at(text, toks, words, i, mask)
            if hit is None:
                i += 1
                continue
            n, value = hit
            out.append((toks[i].start, toks[i + n - 1].end, value))
            i += n
        return out

    def _at(self, text: str, toks: list[Token], words: list[str], i: int, mask: Mask) -> tuple[int, str] | None:
        for n in range(min(self._longest, len(toks) - i), 0, -1):
            span = toks[i:i + n]
            if any(mask.covers(t) for t in span):
                continue
            key = tuple(words[i:i + n])
            if key in self.people:
                return n, self.people[key]
            if key not in self.adjectives:
                continue
            j = i + n + (i + n < len(toks) and words[i + n] in ("based", "registered"))  # "swiss-based customers"
            if j < len(toks) and all(_joined(text, toks[k - 1], toks[k]) for k in range(i + n, j + 1)) \
                    and (words[j] in self.context or toks[j].norm in self.context):
                return n, self.adjectives[key]
            if i > 0 and words[i - 1] == "the" and (j >= len(toks) or words[j] in STOPWORDS or words[j] in _PEOPLE_VERBS
                                                    or words[j] in _PERIOD_WORDS or words[j].endswith("ing")):
                return n, self.adjectives[key]  # "what are the irish buying", "how did the dutch do"
            if j + 1 < len(toks) and words[j] in ("vs", "versus", "and", "or", "&") and \
                    self._at(text, toks, words, j + 1, mask) is not None:
                return n, self.adjectives[key]  # "dutch vs belgian aov": the second one carries the word
            if i >= 2 and words[i - 1] in ("vs", "versus", "and", "or", "&") and any(
                    k < i - 1 and self._at(text, toks, words, k, mask) is not None for k in range(max(0, i - 4), i - 1)
                    if (words[k],) in self.adjectives or (words[k],) in self.people):
                return n, self.adjectives[key]  # "german accounts vs french": the first one carried the word
        return None


def _joined(text: str, a: Token, b: Token) -> bool:
    """Two words written next to each other (a space or a hyphen between them, no comma or full stop)."""
    return re.fullmatch(r"\s*-?\s*", text[a.end:b.start]) is not None
