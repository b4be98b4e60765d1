"""'The cookbook', 'the self-help book', 'the zoomer toy', 'the harbor house novel': one product named by its group
or its brand and a kind word.

A group (subcategory or category) named in the singular after "the", or a brand followed by one singular kind word,
means one product: the products whose names hold the word, else the group's (or the brand's, in that group)
products. One becomes the filter (with a note), 2-6 a clarifying question; more, and the words stand as matched.
The group itself ("the cookbooks"), the group or brand as a modifier ("the cookbook sales", "the luna range") and a
brand before a word about the answer ("the luna performance", "the voltix campaign") are left alone. Runs after the
value matcher and definite.py, on the semantic layer's product groups (read at bind time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shoplens.agent.planner.definite import HEADS, MAX_CHOICES, masked_as, products_with
from shoplens.agent.planner.lexicon import KIND_WORDS, SHOP_WORDS
from shoplens.agent.planner.unknown_words import question_words
from shoplens.tools.text import STOPWORDS, Mask, Token, tokenize

if TYPE_CHECKING:
    from shoplens.agent.planner.entities import Entities
    from shoplens.agent.planner.values import ValueMatcher

#: A group's name read as one thing of it: "the self-help book", "the board game".
_GROUP_HEADS = HEADS | {"book", "game", "set", "kit"}
_GROUP_DIMS = ("subcategory", "category")
#: Words after a group or brand that keep it the group or brand: "the cookbook range", "the luna brand".
_GROUP_NOUNS = frozenset(["category", "subcategory", "department", "section", "range", "line", "aisle", "products",
                          "gear", "goods", "lines", "ranges", "collections",
                          "items", "segment", "group", "family", "collection", "stuff", "brand", "label", "maker",
                          "launch", "launches", "release", "sale", "promo", "promotion"])


def group_refs(vm: ValueMatcher, text: str, mask: Mask, out: Entities, prefer: set[str]) -> None:
    """'Revenue from the cookbook', 'the board', 'the self-help book': a group named in the singular after 'the'."""
    if out.filters.get("product") or out.ambiguous or out.families:
        return
    groups = _groups(vm)
    toks = tokenize(text)
    for i, t in enumerate(toks[:-1]):
        span = next((sp for sp in mask.spans if sp[0] == toks[i + 1].start), None) if t.norm == "the" else None
        dim = span[2].split(":", 1)[1] if span and span[2].startswith("value:") else None
        if span is None or dim not in _GROUP_DIMS or len(out.filters.get(dim, [])) != 1:
            continue
        group = out.filters[dim][0]
        k = next((j for j in range(i + 1, len(toks)) if toks[j].start >= span[1]), len(toks))
        said = [text[x.start:x.end].lower() for x in toks[i + 1:k]]
        head = k < len(toks) and toks[k].norm in _GROUP_HEADS
        last_name_word = group.lower().split()[-1]
        if not (head or (last_name_word.endswith("s") and not said[-1].endswith("s") and said[-1] != last_name_word)):
            continue  # "the cookbooks", "the beauty category": the group itself
        after = k + int(head)
        if _modifier(mask, toks, after):
            continue  # "the cookbook sales", "the beauty range": the group, as a modifier
        named = products_with(vm, said, None) if not head else []
        hits = named if 1 <= len(named) <= MAX_CHOICES else groups.get(dim, {}).get(group, [])[:MAX_CHOICES + 1]
        if _settle(text, mask, out, prefer, hits, toks[i + 1].start, toks[after - 1].end, drop=[(dim, group)]):
            return


def brand_refs(vm: ValueMatcher, text: str, mask: Mask, out: Entities, prefer: set[str]) -> None:
    """'The zoomer toy', 'the crunchwise snack', 'the bright owl kids book': a brand and one singular kind word."""
    if out.filters.get("product") or out.ambiguous or out.families or len(out.filters.get("brand", [])) != 1:
        return
    groups = _groups(vm)
    brand = out.filters["brand"][0]
    toks = tokenize(text)
    for i, t in enumerate(toks[:-2]):
        if t.norm != "the" or masked_as(mask, toks[i + 1].start, toks[i + 1].end) != "value:brand":
            continue
        k = next((j for j in range(i + 1, len(toks)) if masked_as(mask, toks[j].start, toks[j].end) != "value:brand"),
                 len(toks))
        group, last = None, k
        for j in range(k, min(k + 3, len(toks))):  # up to two plain words, then perhaps a group's name
            what = masked_as(mask, toks[j].start, toks[j].end)
            if what in ("value:subcategory", "value:category"):
                dim = what.split(":")[1]
                named = [v for v in out.filters.get(dim, []) if (v2 := vm.by_value.get((dim, v))) is not None
                         and toks[j].norm in v2.tokens]
                group, last = ((dim, named[0]) if named else None), j + 1
                break
            if what is not None or not _kind_word(vm, toks[j].norm):
                break
            last = j + 1
        said = text[toks[k].start:toks[last - 1].end].lower() if last > k else ""
        if not said or said.endswith("s") or _modifier(mask, toks, last):
            continue  # "the crunchwise snacks", "the zoomer toy sales": the brand (in the group), as matched
        hits = groups.get("brand", {}).get(brand, [])
        if group is not None:
            inside = set(groups.get(group[0], {}).get(group[1], []))
            hits = [h for h in hits if h in inside]
        drop = [("brand", brand)] + ([group] if group is not None else [])
        if _settle(text, mask, out, prefer, hits, toks[i + 1].start, toks[last - 1].end, drop=drop):
            return


def _groups(vm: ValueMatcher) -> dict[str, dict[str, list[str]]]:
    return vm.semantic.dimensions["product"].groups if "product" in vm.semantic.dimensions else {}


def _kind_word(vm: ValueMatcher, word: str) -> bool:
    """A plain word that can say what kind of product is meant ('novel', 'kids'): not a stop word, a word about the
    answer ('performance', 'trend', 'total'), a measure's or a dimension's word."""
    if word in STOPWORDS or word in KIND_WORDS or word in SHOP_WORDS or word in question_words() or word in _GROUP_NOUNS \
            or not word.isalpha():
        return False
    return not any(word in (p if isinstance(p, tuple) else str(p).split())
                   for p in (*vm.metric_phrases, *vm.dim_phrases))


def _modifier(mask: Mask, toks: list[Token], after: int) -> bool:
    """The words go on into a measure, a name or a group noun: the group or brand is a modifier."""
    if after >= len(toks):
        return False
    return masked_as(mask, toks[after].start, toks[after].end) not in (None, "time") \
        or toks[after].norm in _GROUP_NOUNS


def _settle(text: str, mask: Mask, out: Entities, prefer: set[str], hits: list[str], start: int, end: int,
            drop: list[tuple[str, str]]) -> bool:
    """One product (or the user's pick) becomes the filter with a note, 2-6 a clarifying question; the named group
    and brand filters go. False when the words name no product or too many."""
    from shoplens.agent.planner.entities import Ambiguity

    picked = [h for h in hits if h in prefer] or (hits if len(hits) == 1 else [])
    if not picked and not 2 <= len(hits) <= MAX_CHOICES:
        return False
    for dim, value in drop:
        out.filters[dim] = [v for v in out.filters.get(dim, []) if v != value]
        if not out.filters[dim]:
            out.filters.pop(dim)
    mask.add(start, end, "value:product")
    if picked:
        out.filters["product"] = picked[:1]
        out.notes.append(f"'{text[start:end]}' read as product '{picked[0]}'")
    else:
        out.ambiguous.append(Ambiguity(text[start:end], "product", hits))
    return True
