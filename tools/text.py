"""Text helpers shared by the question-understanding modules: one normalised form of the question, tokens with
character offsets into it, singular forms, and a mask of the character ranges already explained.

Every module works on the same normalised string, so spans found by one (a date, a metric) can be masked for
the next (a product name must not be read out of "March" or "revenue").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

# Same-length replacements only: offsets into the normalised text stay valid.
_CHARMAP = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " ",
    "\u2212": "-",
})

STOPWORDS = frozenset(
    ["a", "an", "the", "of", "for", "and", "&", "in", "on", "at", "to", "from", "with", "by", "per", "our", "my", "we", "i", "me", "us", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "what", "which", "who", "how", "much", "many", "show", "tell", "give", "get", "let", "see", "do", "did", "does", "please", "can", "could", "would", "you", "your", "there", "their", "them", "all", "any", "some", "about", "over", "vs", "versus", "or", "as", "than"]
)

#: Frequent question words that must never be read as a (fuzzy) product, brand or city name.
COMMON = frozenset(
    ["about", "above", "after", "again", "against", "all", "also", "always", "amount", "and", "any", "are", "around", "average", "back", "bad", "because", "been", "before", "being", "below", "best", "better", "between", "big", "biggest", "both", "bottom", "break", "breakdown", "but", "buy", "bought", "by", "can", "chart", "change", "changed", "changes", "cheap", "come", "compare", "compared", "could", "current", "customer", "customers", "daily", "data", "date", "day", "days", "did", "difference", "different", "do", "does", "doing", "down", "drop", "dropped", "each", "earlier", "early", "end", "even", "ever", "every", "everything", "fall", "fell", "few", "figure", "first", "for", "from", "full", "get", "give", "go", "going", "good", "graph", "great", "grow", "growth", "had", "has", "have", "high", "higher", "highest", "how", "increase", "into", "is", "it", "item", "items", "just", "last", "late", "latest", "least", "less", "let", "like", "list", "look", "lot", "low", "lower", "lowest", "made", "make", "many", "max", "more", "most", "much", "my", "need", "new", "next", "no", "not", "now", "number", "of", "off", "old", "on", "one", "only", "or", "other", "our", "out", "over", "overall", "past", "per", "percent", "performance", "period", "plot", "previous", "price", "prior", "product", "products", "rank", "rate", "rates", "rather", "ratio", "really", "recent", "report", "right", "rise", "rose", "same", "say", "says", "see", "sell", "seller", "sellers", "selling", "share", "should", "show", "since", "so", "sold", "some", "split", "still", "such", "sum", "table", "take", "tell", "than", "that", "the", "their", "them", "then", "there", "these", "they", "thing", "this", "those", "through", "time", "to", "top", "total", "trend", "two", "under", "up", "us", "value", "values", "very", "versus", "vs", "was", "way", "we", "week", "weeks", "well", "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "worse", "worst", "would", "year", "years", "you", "your"]
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'.]*[a-z0-9]|[a-z0-9]|&")


def normalize(text: str) -> str:
    """Lower-cased question with typographic quotes and dashes made plain (same length as the input)."""
    out = text.translate(_CHARMAP).lower()
    return out if len(out) == len(text) else text.translate(_CHARMAP)  # exotic case folding: keep offsets


def singular(word: str) -> str:
    """A crude singular good enough for matching names: earbuds -> earbud, categories -> category."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def canon(text: str) -> str:
    """Canonical form of a name for comparison: lower case, '&' -> 'and', punctuation -> spaces, singulars."""
    t = unicodedata.normalize("NFKD", normalize(text))  # "crème brûlée" is "creme brulee"
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = re.sub(r"(?<=[a-z])\+(?=[a-z])", " and ", t)  # "cash+carry"
    t = t.replace("&", " and ").replace("+", " plus ")
    t = re.sub(r"[’'`]", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return " ".join(singular(w) for w in t.split())


@dataclass(frozen=True)
class Token:
    text: str  # as written (normalised, apostrophes kept)
    norm: str  # canonical (singular, no apostrophes/dots)
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    out = []
    for m in _WORD.finditer(text):
        raw = m.group(0)
        if raw == "&":
            out.append(Token(raw, "and", m.start(), m.end()))
            continue
        # "50's" is a decade ("50s", as canon() reads names); "kid's" a possessive
        norm = raw.replace("'", "") if re.fullmatch(r"\d+'s", raw) else raw.replace("'s", "").replace("'", "")
        norm = norm if re.fullmatch(r"[\d.]+", norm) else norm.replace(".", "")
        out.append(Token(raw, singular(norm), m.start(), m.end()))
    return out


@dataclass
class Mask:
    """Character ranges of the question already explained by some module."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, what)

    def add(self, start: int, end: int, what: str) -> None:
        self.spans.append((start, end, what))

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e, _ in self.spans)

    def covers(self, tok: Token) -> bool:
        return self.overlaps(tok.start, tok.end)

    def blank(self, text: str) -> str:
        """``text`` with masked ranges replaced by spaces (offsets preserved)."""
        chars = list(text)
        for s, e, _ in self.spans:
            chars[s:e] = " " * (e - s)
        return "".join(chars)


def phrase_body(phrase: str) -> str:
    """A regex body for ``phrase``, tolerant of spaces/hyphens between its words (no boundaries)."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", phrase.strip()) if p]
    return r"[\s\-]*".join(parts)


def word_re(phrase: str) -> str:
    """A regex for ``phrase`` on word boundaries."""
    return rf"(?<![a-z0-9]){phrase_body(phrase)}(?![a-z0-9])"


NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "fifty": 50,
    "hundred": 100, "couple": 2, "a couple of": 2, "a few": 3, "few": 3, "dozen": 12, "a dozen": 12,
}
NUM = r"(?:\d{1,3}|a couple of|a few|a dozen|" + "|".join(sorted(
    (k for k in NUMBER_WORDS if " " not in k), key=len, reverse=True)) + ")"


def to_int(word: str) -> int:
    word = word.strip()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


@functools.cache
def everyday_words() -> frozenset[str]:
    """Everyday English words (prompts/common_words.txt): a name word that is also one of these ("growing",
    "keyboard", "holiday") does not name a product on its own."""
    from importlib import resources

    text = resources.files("shoplens.prompts").joinpath("common_words.txt").read_text("utf-8")
    return frozenset(w for w in text.split() if not w.startswith("#")) | COMMON
