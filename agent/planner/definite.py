"""'Units of the band last month', 'the linen one', 'the Morning Mill breakfast thing': one product, named loosely.

A definite singular reference ("the" / "that" + a few words, perhaps a head word such as "one" or "thing") says the
user means one product. When its words are in the names of several products, and nothing else in the question
names a product, the planner asks which one instead of dropping the words (the whole shop's total) or answering
for a brand. Runs after the value matcher, on what it left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shoplens.agent.planner.lexicon import KIND_WORDS
from shoplens.tools.text import STOPWORDS, Mask, tokenize

if TYPE_CHECKING:
    from shoplens.agent.planner.entities import Entities
    from shoplens.agent.planner.values import ValueMatcher

#: Words that close a reference to one thing: "the linen one", "the breakfast thing".
HEADS = frozenset(["one", "thing", "product", "item", "model", "version"])
MAX_CHOICES = 6


def definite_refs(vm: ValueMatcher, text: str, mask: Mask, out: Entities, prefer: set[str]) -> None:
    """Add an ambiguity (a clarifying question) for 'the <words>' naming 2-6 products and nothing else; the one in
    ``prefer`` (the user's reply to that question) as the filter instead."""
    from shoplens.agent.planner.entities import Ambiguity

    if out.filters.get("product") or out.ambiguous or out.families:
        return
    toks = tokenize(text)
    for i, t in enumerate(toks):
        if t.norm != "the" or i + 1 >= len(toks):  # not "break that down"
            continue
        words, brand, k = [], None, i + 1
        while k < len(toks) and len(words) < 4 and toks[k].norm not in HEADS and toks[k].norm not in STOPWORDS:
            what = masked_as(mask, toks[k].start, toks[k].end)
            if what == "value:brand" and not words:  # "the morning mill ... thing": the brand's products
                brand = brand or _value_at(out, vm, text[toks[k].start:toks[k].end])
            elif what is not None:
                break
            else:
                words.append(toks[k].norm)
            k += 1
        head = k < len(toks) and toks[k].norm in HEADS
        if brand and not head:
            continue  # "the Morning Mill range": the brand, as matched
        if not words and not brand or any(w in KIND_WORDS for w in words):
            continue
        if words and all(w.isdigit() for w in words) and not head:
            continue  # "the 3 weekdays with the fewest orders": a count, not a product's number
        hits = products_with(vm, words, brand) or (products_with(vm, [], brand) if brand else [])
        end = toks[k].end if head else toks[k - 1].end
        if picked := [h for h in hits if h in prefer]:  # the reply to the clarifying question
            out.filters["product"] = picked[:1]
            mask.add(toks[i + 1].start, end, "value:product")
            return
        if 2 <= len(hits) <= MAX_CHOICES:
            phrase = text[toks[i + 1].start:end]
            if brand:
                out.filters["brand"] = [v for v in out.filters.get("brand", []) if v != brand[0]]
                if not out.filters["brand"]:
                    out.filters.pop("brand")
            out.ambiguous.append(Ambiguity(phrase, "product", hits))
            mask.add(toks[i + 1].start, end, "value:product")
            return


def masked_as(mask: Mask, start: int, end: int) -> str | None:
    return next((what for s, e, what in mask.spans if s < end and start < e), None)


def _value_at(out: Entities, vm: ValueMatcher, word: str) -> tuple[str, tuple[str, ...]] | None:
    """The brand filter this masked word belongs to, with its name words."""
    for value in out.filters.get("brand", []):
        v = vm.by_value.get(("brand", value))
        if v is not None and word.lower() in v.raw:
            return value, v.tokens
    return None


def products_with(vm: ValueMatcher, words: list[str], brand: tuple[str, tuple[str, ...]] | None) -> list[str]:
    """Products whose name holds every word (and the brand's words), in catalogue order, without repeats."""
    want = set(words) | (set(brand[1]) if brand else set())
    ids = None
    for w in want:  # the vocabulary index: no scan of every product at catalogue scale
        hit = {idx for idx in vm.vocab.get(w, ()) if vm.values[idx].dim == "product"}
        ids = hit if ids is None else ids & hit
        if not ids:
            return []
    return list(dict.fromkeys(vm.values[idx].value for idx in sorted(ids or ())))[:MAX_CHOICES + 1]
