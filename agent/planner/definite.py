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
_MAX_CHOICES = 6
#: A group's name read as one thing of it: "the self-help book", "the board game".
_GROUP_HEADS = HEADS | {"book", "game", "set", "kit"}
_GROUP_DIMS = ("subcategory", "category")
_NO_VALUE = type("_NoValue", (), {"tokens": ()})()
_GROUP_NOUNS = frozenset(["category", "subcategory", "department", "section", "range", "line", "aisle", "products",
                          "items", "segment", "group", "family", "collection", "stuff", "brand", "label", "maker"])


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
            what = _masked_as(mask, toks[k].start, toks[k].end)
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
        hits = _products(vm, words, brand) or (_products(vm, [], brand) if brand else [])
        end = toks[k].end if head else toks[k - 1].end
        if picked := [h for h in hits if h in prefer]:  # the reply to the clarifying question
            out.filters["product"] = picked[:1]
            mask.add(toks[i + 1].start, end, "value:product")
            return
        if 2 <= len(hits) <= _MAX_CHOICES:
            phrase = text[toks[i + 1].start:end]
            if brand:
                out.filters["brand"] = [v for v in out.filters.get("brand", []) if v != brand[0]]
                if not out.filters["brand"]:
                    out.filters.pop("brand")
            out.ambiguous.append(Ambiguity(phrase, "product", hits))
            mask.add(toks[i + 1].start, end, "value:product")
            return


def group_refs(vm: ValueMatcher, text: str, mask: Mask, out: Entities, prefer: set[str]) -> None:
    """'Revenue from the cookbook', 'the board', 'the self-help book': a group (subcategory or category) named in
    the singular after "the" means one of its products. The products whose names hold the word, else the group's
    products: one becomes the filter, 2-6 a clarifying question; more, and the group stands as matched."""
    from shoplens.agent.planner.entities import Ambiguity

    if out.filters.get("product") or out.ambiguous or out.families:
        return
    groups = vm.semantic.dimensions["product"].groups if "product" in vm.semantic.dimensions else {}
    toks = tokenize(text)
    for i, t in enumerate(toks[:-1]):
        span = next((sp for sp in mask.spans if sp[0] == toks[i + 1].start), None) if t.norm == "the" else None
        dim = span[2].split(":", 1)[1] if span and span[2].startswith("value:") else None
        if dim not in _GROUP_DIMS or len(out.filters.get(dim, [])) != 1:
            continue
        group = out.filters[dim][0]
        k = next((j for j in range(i + 1, len(toks)) if toks[j].start >= span[1]), len(toks))
        said = [text[x.start:x.end].lower() for x in toks[i + 1:k]]
        head = k < len(toks) and toks[k].norm in _GROUP_HEADS
        plural_name = group.lower().split()[-1].endswith("s")
        if not (head or (plural_name and not said[-1].endswith("s") and said[-1] != group.lower().split()[-1])):
            continue  # "the cookbooks", "the beauty category": the group itself
        after = k + int(head)
        nxt = _masked_as(mask, toks[after].start, toks[after].end) if after < len(toks) else None
        if nxt not in (None, "time") or after < len(toks) and toks[after].norm in _GROUP_NOUNS:
            continue  # "the cookbook sales", "the beauty range": the group, as a modifier
        named = _products(vm, said, None) if not head else []
        hits = named if 1 <= len(named) <= _MAX_CHOICES else groups.get(dim, {}).get(group, [])[:_MAX_CHOICES + 1]
        picked = [h for h in hits if h in prefer] or (hits if len(hits) == 1 else [])
        if not picked and not 2 <= len(hits) <= _MAX_CHOICES:
            continue
        out.filters.pop(dim)
        end = toks[after - 1].end
        mask.add(toks[i + 1].start, end, "value:product")
        if picked:
            out.filters["product"] = picked[:1]
            out.notes.append(f"'{text[toks[i + 1].start:end]}' read as product '{picked[0]}'")
        else:
            out.ambiguous.append(Ambiguity(text[toks[i + 1].start:end], "product", hits))
        return


def brand_refs(vm: ValueMatcher, text: str, mask: Mask, out: Entities, prefer: set[str]) -> None:
    """'The zoomer toy', 'the crunchwise snack', 'the harbor house novel', 'the bright owl kids book': a brand and one
    singular kind word (a group's name or a plain noun) mean one of the brand's products: the brand's products in
    that group (all of them for a plain noun); one becomes the filter, 2-6 a clarifying question."""
    from shoplens.agent.planner.entities import Ambiguity

    if out.filters.get("product") or out.ambiguous or out.families or len(out.filters.get("brand", [])) != 1:
        return
    groups = vm.semantic.dimensions["product"].groups if "product" in vm.semantic.dimensions else {}
    brand = out.filters["brand"][0]
    toks = tokenize(text)
    for i, t in enumerate(toks[:-2]):
        if t.norm != "the" or _masked_as(mask, toks[i + 1].start, toks[i + 1].end) != "value:brand":
            continue
        k = next((j for j in range(i + 1, len(toks)) if _masked_as(mask, toks[j].start, toks[j].end) != "value:brand"),
                 len(toks))
        group, last = None, k
        for j in range(k, min(k + 3, len(toks))):  # up to two plain words, then perhaps a group's name
            what = _masked_as(mask, toks[j].start, toks[j].end)
            if what in ("value:subcategory", "value:category"):
                dim = what.split(":")[1]
                group = (dim, next((v for v in out.filters.get(dim, [])
                                    if toks[j].norm in vm.by_value.get((dim, v), _NO_VALUE).tokens), None))
                last = j + 1
                break
            if what is not None or toks[j].norm in STOPWORDS or toks[j].norm in _GROUP_NOUNS:
                break
            last = j + 1
        said = text[toks[k].start:toks[last - 1].end].lower() if last > k else ""
        if not said or said.endswith("s") or (group is not None and group[1] is None):
            continue  # "the zoomer range", "the crunchwise snacks": the brand (in the group), as matched
        hits = groups.get("brand", {}).get(brand, [])
        if group is not None:
            hits = [h for h in hits if h in groups.get(group[0], {}).get(group[1], [])]
        picked = [h for h in hits if h in prefer] or (hits if len(hits) == 1 else [])
        if not picked and not 2 <= len(hits) <= _MAX_CHOICES:
            continue
        out.filters.pop("brand")
        if group is not None:
            out.filters[group[0]] = [v for v in out.filters[group[0]] if v != group[1]]
            if not out.filters[group[0]]:
                out.filters.pop(group[0])
        end = toks[last - 1].end
        mask.add(toks[i + 1].start, end, "value:product")
        if picked:
            out.filters["product"] = picked[:1]
        else:
            out.ambiguous.append(Ambiguity(text[toks[i + 1].start:end], "product", hits))
        return


def _masked_as(mask: Mask, start: int, end: int) -> str | None:
    return next((what for s, e, what in mask.spans if s < end and start < e), None)


def _value_at(out: Entities, vm: ValueMatcher, word: str) -> tuple[str, tuple[str, ...]] | None:
    """The brand filter this masked word belongs to, with its name words."""
    for value in out.filters.get("brand", []):
        v = vm.by_value.get(("brand", value))
        if v is not None and word.lower() in v.raw:
            return value, v.tokens
    return None


def _products(vm: ValueMatcher, words: list[str], brand: tuple[str, tuple[str, ...]] | None) -> list[str]:
    """Products whose name holds every word (and the brand's words), in catalogue order, without repeats."""
    want = set(words) | (set(brand[1]) if brand else set())
    ids = None
    for w in want:  # the vocabulary index: no scan of every product at catalogue scale
        hit = {idx for idx in vm.vocab.get(w, ()) if vm.values[idx].dim == "product"}
        ids = hit if ids is None else ids & hit
        if not ids:
            return []
    return list(dict.fromkeys(vm.values[idx].value for idx in sorted(ids or ())))[:_MAX_CHOICES + 1]
