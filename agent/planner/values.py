"""Dimension values named in a question: n-gram windows of the words no earlier step explained, matched to the
warehouse's values with plural, spacing ("north east"), '&'/'and' and one- or two-letter typo tolerance.

A value counts in full, or in part for products, campaigns and categories when a distinctive word matches
("aurora earbuds"); everyday words that are also values ("app", "web", "business") need a nearby domain word.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import yaml
from rapidfuzz.distance import OSA

from shoplens.agent.planner.demonyms import CountryWords
from shoplens.agent.planner.lexicon import (
    ADDING_WORDS,
    CONTEXT_WORDS,
    DIM_PRIORITY,
    GENERIC,
    GUARDED,
    LEAD_PREPS,
    PARTIAL_DIMS,
    STRICT,
    STRICT_NEIGHBOURS,
    VALUE_ALIASES,
    VERBS,
    excluded_at,
)
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.text import COMMON, STOPWORDS, Mask, Token, canon, everyday_words, tokenize

if TYPE_CHECKING:
    from shoplens.agent.planner.entities import Entities


#: words around a value that is a whole follow-up ("just the app", "and only web?", "what about email?")
FOLLOWUP_LEADS = frozenset(["just", "only", "and", "what", "about", "how", "now", "then", "but", "instead", "same",
                            "for", "the", "on", "in", "via", "through", "thru", "please", "pls", "ok", "okay"])

_FEW = 64  # a window's candidate values beyond which the index narrows them
#: "for each colour of the ...", "all the ...", "both ...": every value the words name, side by side.
_EACH_OF = re.compile(r"\b(?:each|every|all|both)\b(?:\s+(?:colou?r|size|variant|version|kind|type|flavou?r|style|"
                      r"design|model)s?)?(?:\s+(?:of|the|our))*\s*$")
#: Words after which a lone name word is a verb: "customers place orders", "we return".
_SUBJECTS = frozenset(["we", "they", "i", "you", "who", "customer", "people", "user", "buyer", "shopper", "client"])
_CODE = re.compile(r"(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]+")  # a code mixing letters and digits
_CODE_CUE = re.compile(r"\b(?:sku|skus|code|item|stock\s*code|stockcode|article|product|part)\s*(?:#|no\.?|number)?\s*"
                       r"(?P<code>[a-z0-9][a-z0-9\-]{1,30})\b")


@dataclass
class _Value:
    dim: str
    value: str
    tokens: tuple[str, ...]  # canonical content tokens
    raw: str  # lower-case value


@dataclass
class _Cand:
    dim: str
    value: str
    i: int  # first and last question-token index
    j: int
    full: bool
    n: int  # content tokens matched
    score: float

    def key(self) -> tuple[float, ...]:
        return (-self.n, -int(self.full), -round(self.score, 3),
                DIM_PRIORITY.index(self.dim) if self.dim in DIM_PRIORITY else 99)


class ValueMatcher:
    def __init__(self, semantic: SemanticLayer, metric_phrases: dict[tuple[str, ...], str],
                 dim_phrases: dict[str, str]) -> None:
        self.semantic = semantic
        self.metric_phrases = metric_phrases
        self.dim_phrases = dim_phrases
        self.values: list[_Value] = []
        for d in semantic.dimensions.values():
            if d.name in ("status", "rating"):  # statuses and star ratings are read by their own phrasings
                continue
            for v in d.values:
                toks = tuple(t for t in canon(v).split() if t not in STOPWORDS)
                if toks:
                    self.values.append(_Value(d.name, v, toks, v.lower()))
        self.countries = CountryWords(semantic)  # "french customers", "the germans"
        self.codes: dict[str, tuple[str, str]] = {}  # a value's code (SKU), lower case -> (dimension, value)
        for d in semantic.dimensions.values():
            for alias, value in d.aliases.items():
                self.codes.setdefault(alias.lower(), (d.name, value))
                toks = tuple(t for t in canon(alias).split() if t not in STOPWORDS)
                if (len(toks) == 1 and len(toks[0]) >= 4 and _CODE.fullmatch(toks[0])) or len(toks) >= 2:
                    self.values.append(_Value(d.name, value, toks, alias.lower()))  # "85123a", another spelling
        for (dim, alias), value in VALUE_ALIASES.items():
            if dim in semantic.dimensions and value in semantic.dimensions[dim].values:
                self.values.append(_Value(dim, value, tuple(canon(alias).split()), alias))
        self.values += _abbreviated(self.values)
        self._df: dict[tuple[str, str], int] = defaultdict(int)
        self.vocab: dict[str, set[int]] = defaultdict(set)
        self._nospace: dict[str, list[int]] = defaultdict(list)
        for idx, v in enumerate(self.values):
            for t in set(v.tokens):
                self._df[(v.dim, t)] += 1
                self.vocab[t].add(idx)
            self._nospace["".join(v.tokens)].append(idx)
        self._single_values = {v.tokens[0] for v in self.values if len(v.tokens) == 1}
        # The index that keeps a window's candidates few at catalogue scale (100k products): a value can only be
        # named in full by as many words as it has, or in part through a rare word or (products) its first word.
        self.by_value: dict[tuple[str, str], _Value] = {}
        for v in self.values:
            self.by_value.setdefault((v.dim, v.value), v)
        self._size = [len(set(v.tokens)) for v in self.values]
        self._upto = [{idx for idx, k in enumerate(self._size) if k <= n} for n in range(8)]  # ids by word count
        self._rare_vocab = {t: {idx for idx in ids if self._df[(self.values[idx].dim, t)] <= 3}
                            for t, ids in self.vocab.items()}  # value ids where the word is rare (distinctive)
        self._rare_hits: dict[str, set[int]] = {}  # question word -> ids reached through a rare similar word
        self._first: dict[str, set[int]] = defaultdict(set)
        for idx, v in enumerate(self.values):
            self._first[v.tokens[0]].add(idx)
        self._vocab_by_first: dict[str, list[str]] = defaultdict(list)
        for t in self.vocab:
            self._vocab_by_first[t[0]].append(t)

    def _closest(self, tokens: Sequence[str], word: str) -> str:
        """The value token most similar to ``word``."""
        return max(tokens, key=lambda t: self._sim(word, t))

    def _sim(self, q: str, v: str) -> float:
        if q == v:
            return 1.0
        if q in COMMON or len(q) < 5 or len(v) < 4 or q[0] != v[0] or not q.isalpha():
            return 0.0
        d = OSA.distance(q, v, score_cutoff=2)
        if d == 1:
            return 0.9
        if d == 2 and len(q) >= 8 and len(v) >= 8:
            return 0.8
        return 0.0

    def _lookup(self, q: str) -> dict[int, float]:
        """Value ids containing a word similar to ``q``, with the best similarity."""
        hits = dict.fromkeys(self.vocab.get(q, ()), 1.0)
        rare = set(self._rare_vocab.get(q, ()))
        self._rare_hits[q] = rare
        if q in COMMON or len(q) < 5 or not q.isalpha():
            return hits
        for t in self._vocab_by_first.get(q[0], ()):
            s = self._sim(q, t) if abs(len(t) - len(q)) <= 2 and t != q else 0.0
            if s:
                rare |= self._rare_vocab[t]
                for idx in self.vocab[t]:
                    hits[idx] = max(hits.get(idx, 0.0), s)
        return hits

    def match(self, text: str, mask: Mask, out: Entities, prefer: set[str]) -> None:
        """Dimension values over n-gram windows of the unmasked words, into ``out``."""
        from shoplens.agent.planner.entities import Ambiguity, Family

        self._named_codes(text, mask, out)
        toks = tokenize(text)
        live = [not mask.covers(t) for t in toks]
        lookups = [self._lookup(t.norm) if live[k] and t.norm not in STOPWORDS else {} for k, t in enumerate(toks)]
        cands: list[_Cand] = []
        for i in range(len(toks)):
            if not live[i] or toks[i].norm in STOPWORDS:
                continue
            for j in range(i, min(i + 7, len(toks))):
                if not live[j] or (j > i and toks[j].start - toks[j - 1].end > 3):
                    break
                if toks[j].norm not in STOPWORDS:
                    cands.extend(self._window(toks, [k for k in range(i, j + 1) if toks[k].norm not in STOPWORDS],
                                              i, j, lookups))
        cands.sort(key=_Cand.key)
        chosen: list[_Cand] = []
        doubted: list[_Cand] = []
        used: set[int] = set()
        k = 0
        while k < len(cands):
            c = cands[k]
            group = [x for x in cands[k:] if x.key() == c.key() and (x.i, x.j) == (c.i, c.j)]
            k += len(group)
            if used & set(range(c.i, c.j + 1)):
                continue
            if not self._context_ok(c, toks):
                doubted.append(c)
                continue
            values = list(dict.fromkeys(x.value for x in group if x.dim == c.dim))
            if len(values) > 1:  # "jumbo shopper": the names holding these words in this order (not "shopper ... jumbo")
                values = self._in_order(c.dim, [toks[x].norm for x in range(c.i, c.j + 1)], gaps=True) or values
            used |= set(range(c.i, c.j + 1))
            phrase = text[toks[c.i].start:toks[c.j].end]
            if len(values) > 1 and not (picked := [v for v in values if v in prefer]):
                if c.dim == "campaign":
                    out.families.append(Family(phrase, c.dim, values))
                elif _EACH_OF.search(text[max(0, toks[c.i].start - 40):toks[c.i].start]):
                    out.filters.setdefault(c.dim, []).extend(values)  # "each colour of the alarm clock": all
                    if c.dim not in out.group_by:
                        out.group_by.append(c.dim)
                        out.group_words[c.dim], out.group_how[c.dim] = phrase, "by"
                else:
                    out.ambiguous.append(Ambiguity(phrase, c.dim, values[:6]))
                mask.add(toks[c.i].start, toks[c.j].end, f"value:{c.dim}")
                continue
            value = picked[0] if len(values) > 1 else values[0]
            if len(values) == 1 and (longer := self._longer_names(c, value, toks, mask)):
                mine = [x for x in longer if x in prefer]  # "hanging heart t-light holder": the longer names
                if not mine and len(longer) > 1:
                    out.ambiguous.append(Ambiguity(text[toks[c.i - 1].start:toks[c.j].end], c.dim, longer[:6]))
                    mask.add(toks[c.i - 1].start, toks[c.j].end, f"value:{c.dim}")
                    continue
                value = (mine or longer)[0]
            chosen.append(_Cand(c.dim, value, c.i, c.j, c.full, c.n, c.score))
        for c in doubted:  # an everyday word next to another value of its dimension: "app vs web"; or set
            # against one further away: "are marketplace orders cancelled more than app ones"
            ones = c.j + 1 < len(toks) and toks[c.j + 1].norm in ("ones", "one")
            near = [x for x in chosen if x.dim == c.dim and (abs(x.i - c.i) <= 3 or ones) and x.value != c.value]
            if near and not used & {c.i}:
                chosen.append(c)
                used.add(c.i)
        last_excluded: tuple[str, int] | None = None
        for c in sorted(chosen, key=lambda c: c.i):
            start, end = toks[c.i].start, toks[c.j].end
            mask.add(start, end, f"value:{c.dim}")
            excluded = excluded_at(text, start, end) or (
                last_excluded is not None and last_excluded[0] == c.dim
                and re.fullmatch(r"\s*(?:,|and|or|&|nor|,\s*and)?\s*", text[last_excluded[1]:start]) is not None)
            bucket = out.excluded if excluded else out.filters
            last_excluded = (c.dim, end) if excluded else None
            if c.value not in bucket.get(c.dim, []):
                bucket.setdefault(c.dim, []).append(c.value)
            if not c.full or c.score < 1.0:
                out.notes.append(f"'{text[start:end]}' read as {self.semantic.dimensions[c.dim].label.lower()} "
                                 f"'{c.value}'")

    def _named_codes(self, text: str, mask: Mask, out: Entities) -> None:
        """'sku 22423', 'stock code 85123A': a value named by its code, digits-only codes included."""
        for m in _CODE_CUE.finditer(mask.blank(text)):
            hit = self.codes.get(m.group("code"))
            if hit is None or mask.overlaps(*m.span("code")):
                continue
            dim, value = hit
            if value not in out.filters.get(dim, []):
                out.filters.setdefault(dim, []).append(value)
            mask.add(m.start(), m.end(), f"value:{dim}")
            out.notes.append(f"'{m.group('code')}' read as {self.semantic.dimensions[dim].label.lower()} '{value}'")

    def demonyms(self, text: str, mask: Mask, out: Entities) -> None:
        """'french customers', 'swiss orders', 'the germans': the country the shop has, as a filter (before the
        other steps, which would read 'south' of 'south african' as a region)."""
        dim = self.countries.dim
        for start, end, value in self.countries.find(text, mask) if dim else ():
            excluded = excluded_at(text, start, end)
            bucket = out.excluded if excluded else out.filters
            if value not in bucket.get(dim, []):  # type: ignore[arg-type]
                bucket.setdefault(dim, []).append(value)  # type: ignore[arg-type]
            mask.add(start, end, f"value:{dim}")
            out.notes.append(f"'{text[start:end]}' read as {self.semantic.dimensions[dim].label.lower()} '{value}'")

    def _window(self, toks: list[Token], content: list[int], i: int, j: int,
                lookups: list[dict[int, float]]) -> list[_Cand]:
        out: list[_Cand] = []
        joined = [toks[k].norm for k in content]
        if len(joined) > 1 and all(w in COMMON for w in joined):
            joined = []  # "each category make up": a verb, not the subcategory "Makeup"
        for idx in self._nospace.get("".join(joined), ()) if joined else ():  # "north east", "home & kitchen"
            v = self.values[idx]
            out.append(_Cand(v.dim, v.value, i, j, True, len(content), 1.0))
        pool: set[int] | None = None
        for k in sorted(content, key=lambda k: len(lookups[k])):  # the rarest word first: small sets, no copies
            pool = set(lookups[k]) if pool is None else pool & lookups[k].keys()
            if not pool:
                return out
        seen = {(c.dim, c.value) for c in out}
        if pool and len(pool) > _FEW:  # only values that can pass below (the same answer, far fewer checks)
            n = len(content)
            firsts = set().union(*(self._first.get(w, set()) for w in joined)) if n >= 2 else set()
            rare = set().union(*(self._rare_hits.get(toks[k].norm, set()) for k in content))
            pool = (pool & self._upto[min(n, 7)]) | (pool & rare) | (pool & firsts)
        after = toks[j + 1].norm if j + 1 < len(toks) else ""
        named = i > 0 and toks[i - 1].norm in ("the", "our", "that") and (not after or after in STOPWORDS)
        partials = 0
        for idx in sorted(pool or (), key=self._size.__getitem__):  # full matches (fewest words) first
            if partials > _FEW and self._size[idx] > len(content):
                break  # only partial matches are left, and there are too many to name anything
            v = self.values[idx]
            if (v.dim, v.value) in seen:
                continue
            matched = {self._closest(v.tokens, toks[k].norm) for k in content}
            if len(matched) < len(content):
                continue  # two question words on one value word
            score = sum(lookups[k][idx] for k in content) / len(content)
            full = matched == set(v.tokens)
            if not full and (partials > _FEW or not self._partial_ok(v, matched, len(content), score, named=named)):
                continue
            partials += not full
            if partials > _FEW:  # words naming hundreds of values in part ("set of 2") name none of them
                out = [c for c in out if c.full]
                continue
            seen.add((v.dim, v.value))
            out.append(_Cand(v.dim, v.value, i, j, full, len(content), score))
        return out

    def _partial_ok(self, v: _Value, matched: set[str], n: int, score: float, *, named: bool = False) -> bool:
        """Whether matching some of a value's words names it. ``named``: the words stand alone after 'the'
        ("sales of the paddle this summer"), which names a thing even with an everyday word."""
        if v.dim not in PARTIAL_DIMS:
            return False
        if n == 1 and v.dim in ("category", "subcategory"):
            t = next(iter(matched))
            if t == v.tokens[0] and len(t) >= 3 and score == 1.0 and self._df[(v.dim, t)] <= 1 \
                    and t not in self._single_values:  # not "business" (a customer segment)
                return True  # "toys" names "Toys & Games"
        if n >= 2 and v.dim == "product" and v.tokens[0] in matched and score == 1.0:
            return True  # the brand word and a word of the name: "the luna cream", "cuddle cove plush"
        if n >= 3 and v.dim == "product" and score == 1.0:
            return True  # three words of the name as written: "regency teacup and saucer"
        if n >= 2 and v.dim == "product" and score == 1.0 and any(t.isdigit() or _model(t) for t in matched) \
                and any(set(v.tokens[k:k + n]) == matched for k in range(len(v.tokens) - n + 1)):
            return True  # a model named by its words and number, as written: "the fit 4" (next to the Fit 3)
        distinctive = [t for t in matched if self._df[(v.dim, t)] <= 3 and t not in COMMON and t not in GENERIC
                       and (len(t) >= 4 and not t.isdigit() or _model(t) and self._df[(v.dim, t)] <= 1)]
        if not distinctive:
            return False
        if n == 1:  # one word: unique-ish, written in full, not an everyday word
            t = next(iter(matched))
            limit = 3 if v.dim in ("product", "campaign") else 1
            if v.dim in ("product", "campaign") and t != v.tokens[-1] and t in everyday_words() and not named:
                return False  # "growing" does not name the "Crystal Growing Kit"; its head noun "kit" might
            if _model(t):  # a model code only one name carries: "the x2"
                return score == 1.0 and self._df[(v.dim, t)] <= 1
            return score == 1.0 and len(t) >= 5 and self._df[(v.dim, t)] <= limit
        return True

    def _longer_names(self, c: _Cand, value: str, toks: list[Token], mask: Mask) -> list[str]:
        """A product named whole, right after a word that other product names put before it ("hanging" + "heart
        t-light holder"): those names, which the user more likely means."""
        if c.dim != "product" or c.i == 0 or (v := self.by_value.get((c.dim, value))) is None:
            return []
        before = toks[c.i - 1]
        if before.norm in STOPWORDS or mask.covers(before) or before.norm not in self.vocab:
            return []
        return [n for n in self._in_order(c.dim, [before.norm, *v.tokens], gaps=True) if n != value]

    def _in_order(self, dim: str, words: list[str], gaps: bool = False) -> list[str]:
        """The values of ``dim`` whose names hold ``words`` in this order: next to each other, or with other
        words between them (``gaps``)."""
        words = [w for w in words if w not in STOPWORDS]
        if len(words) < 2:
            return []
        ids = set.intersection(*(self.vocab.get(w, set()) for w in words))
        n = len(words)

        def holds(tokens: tuple[str, ...]) -> bool:
            if not gaps:
                return any(tokens[k:k + n] == tuple(words) for k in range(len(tokens) - n + 1))
            rest = iter(tokens)
            return all(w in rest for w in words)  # a subsequence

        return sorted({v.value for v in (self.values[i] for i in ids) if v.dim == dim and holds(v.tokens)})

    def _context_ok(self, c: _Cand, toks: list[Token]) -> bool:
        tok = toks[c.i]
        word = tok.norm
        if c.i != c.j:
            return True
        v_raw = self.by_value[(c.dim, c.value)].raw if (c.dim, c.value) in self.by_value else ""
        if word in COMMON and tok.text != v_raw:
            return False  # "top" is not the subcategory "Tops"
        if not c.full and c.dim in ("category", "subcategory") and len(word) >= 3 and v_raw.startswith(tok.text) \
                and word not in self._single_values:
            return True  # "toys" for "Toys & Games": the name's own first word
        near = [t.norm for t in toks[max(0, c.i - 3):c.i] + toks[c.j + 1:c.j + 4] if t.norm not in STOPWORDS]
        before = [t.norm for t in toks[:c.i] if t.norm not in ("the", "our", "my", "their")]
        prev = before[-1] if before else ""
        if not c.full and c.dim == "product" and c.i > 0 and toks[c.i - 1].norm in _SUBJECTS:
            return False  # "how many orders did seattle customers place": a verb, not "Atlas of Forgotten Places"
        if word in STRICT:
            return prev in ("in", "for", "from", "on", "within", "of") or any(n in STRICT_NEIGHBOURS for n in near)
        if not (word in COMMON or len(word) <= 3 or word in GUARDED):
            return True
        nxt = toks[c.j + 1].norm if c.j + 1 < len(toks) else ""
        metric_next = self.metric_phrases.get((nxt,))
        marketing_next = bool(metric_next and metric_next in self.semantic.metrics
                              and "marketing" in self.semantic.metric_source_names(self.semantic.metrics[metric_next]))
        if c.i == 0 and word in VERBS and not marketing_next:
            return False  # "display the revenue" is a verb; "display ctr" is the marketing channel
        if any(n in CONTEXT_WORDS or (n,) in self.metric_phrases for n in near):
            return True
        dim_words = {w for p, d in self.dim_phrases.items() if d == c.dim for w in p.split()}
        others = [t.norm for k, t in enumerate(toks) if k != c.i and t.norm not in STOPWORDS and t.norm.isalpha()]
        if all(w in FOLLOWUP_LEADS for w in others):
            return True  # the value is all the question names: "just the app", "what about email?"
        return prev in LEAD_PREPS or prev in ADDING_WORDS or any(n in dim_words for n in near)


@functools.cache
def abbreviations() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(long form, short form) word tuples from prompts/name_abbreviations.yaml."""
    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("name_abbreviations.yaml").read_text("utf-8"))
    return tuple((tuple(canon(str(k)).split()), tuple(canon(str(a)).split()))
                 for k, shorts in (raw or {}).items() for a in shorts)


def _abbreviated(values: list[_Value]) -> list[_Value]:
    """Products and subcategories also spelled with the short forms of their words ("vit c" for "vitamin c")."""
    out = []
    for v in values:
        if v.dim not in ("product", "subcategory"):
            continue
        for long, short in abbreviations():
            n = len(long)
            at = next((i for i in range(len(v.tokens) - n + 1) if v.tokens[i:i + n] == long), None)
            if at is not None:
                out.append(_Value(v.dim, v.value, v.tokens[:at] + short + v.tokens[at + n:], v.raw))
    return out


def _model(word: str) -> bool:
    """A model code: letters and digits in one short word ("x2", "s10", "pro3")."""
    return len(word) <= 6 and _CODE.fullmatch(word) is not None
