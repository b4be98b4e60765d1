"""Measures named in a question: their phrases (or a mistyped one), and ratios of two ("orders per customer").

Functions over an ``EntityMatcher``'s tables (``metric_phrases`` and friends), called from ``EntityMatcher.match``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio

from shoplens.tools.text import COMMON, Mask, Token, tokenize

if TYPE_CHECKING:
    from shoplens.agent.planner.entities import Entities, EntityMatcher


def find_metrics(em: EntityMatcher, text: str, mask: Mask, out: Entities) -> None:
    """The measures a question names, by their phrases, a mistyped phrase or a close single word."""
    toks = [t for t in tokenize(text) if not mask.covers(t)]
    i = 0
    while i < len(toks):
        hit = None
        for n in range(min(em._metric_max, len(toks) - i), 0, -1):
            seq = toks[i:i + n]
            if any(b.start - a.end > 2 and not _names_between(mask, text, a.end, b.start)
                   for a, b in zip(seq, seq[1:], strict=False)):
                continue  # not contiguous in the question ("spend per german account": a name between is fine)
            key = tuple(t.norm for t in seq)
            if key in em.metric_phrases:
                hit = (n, em.metric_phrases[key])
                break
        if hit is not None and hit[0] == 1 and _in_a_name(em, toks, i):
            i += 1  # "jumbo shopper": a word of a product's name next to another word of that name
            continue
        if hit is None:
            hit = typo_phrase(em, toks, i)
        w = toks[i].norm
        raw = toks[i].text.lower()  # "ordrs" (its norm drops the plural s)
        if hit is None and w not in COMMON and len(raw) >= 5 and w.isalpha() and w not in em.vm.vocab \
                and raw not in em.vm.vocab and w not in em._everyday and raw not in em._everyday:  # not "monkey"
            best = max(((max(ratio(w, p), ratio(raw, p)), name) for p, name in em._single_metric.items()
                        if p[0] == w[0]), default=(0.0, ""))
            if best[0] >= 84:
                hit = (1, best[1])
        if hit:
            n, name = hit
            start, end = toks[i].start, toks[i + n - 1].end
            pct = re.match(r"\s*(?:%|percent|pct)", text[end:])
            key = tuple(t.norm for t in toks[i:i + n]) + ("percent",)
            if pct and key in em.metric_phrases:  # "margin %": '%' is not a word token
                name, end = em.metric_phrases[key], end + pct.end()
                n += 1 if pct.group(0).strip() != "%" else 0
            if name not in out.metrics:
                out.metrics.append(name)
                out.metric_words[name] = text[start:end]
                out.metric_spans[name] = (start, end)
            mask.add(start, end, "metric")
            i += n
        else:
            i += 1

def find_ratios(em: EntityMatcher, text: str, mask: Mask, out: Entities) -> None:
    """'orders per customer', 'discount for each order': a measure per counted thing is their ratio (before
    "per customer" is read as a split). A phrase the layer declares whole ("items per order") is left to it."""
    toks = [t for t in tokenize(text) if not mask.covers(t)]
    for k, t in enumerate(toks):
        share = [x.norm for x in toks[k:k + 4]] == ["as", "a", "share", "of"]  # "refunds as a share of gross sales"
        if t.norm != "per" and not share and not (
                t.norm == "for" and k + 1 < len(toks) and toks[k + 1].norm in ("each", "every")):
            continue
        after = k + 4 if share else k + 1 if t.norm == "per" else k + 2
        while after < len(toks) and toks[after].norm in ("a", "an", "each", "every"):
            after += 1
        left = next(((n, em.metric_phrases[key]) for n in range(min(em._metric_max, k), 0, -1)
                     if (key := tuple(x.norm for x in toks[k - n:k])) in em.metric_phrases), None)
        right = next(((n, em.metric_phrases[key]) for n in range(min(em._metric_max, len(toks) - after), 0, -1)
                      if (key := tuple(x.norm for x in toks[after:after + n])) in em.metric_phrases), None)
        if left is None or right is None:
            continue
        whole = tuple(x.norm for x in toks[k - left[0]:after + right[0]])
        if whole in em.metric_phrases:
            continue  # declared: "revenue per order" is the average order value
        metric = em.semantic.share_metric(left[1], right[1]) if share else em.semantic.ratio_metric(left[1], right[1])
        if metric is None:
            continue
        start, end = toks[k - left[0]].start, toks[after + right[0] - 1].end
        out.ratios.append(text[start:end])
        if metric.name not in out.metrics:
            out.metrics.append(metric.name)
            out.metric_words[metric.name] = text[start:end]
            out.metric_spans[metric.name] = (start, end)
        mask.add(start, end, "metric")


def typo_phrase(em: EntityMatcher, toks: list[Token], i: int) -> tuple[int, str] | None:
    """A measure's two- or three-word name with one word mistyped: "retrun rate", "avg ratting"."""
    for n in (3, 2):
        key = tuple(t.norm for t in toks[i:i + n])
        if len(key) < n:
            continue
        for phrase, name in em._metric_by_len.get(n, ()):
            odd = [(a, b) for a, b in zip(key, phrase, strict=True) if a != b]
            if len(odd) == 1 and len(odd[0][0]) >= 4 and odd[0][0][0] == odd[0][1][0] \
                    and odd[0][0] not in COMMON and OSA.distance(*odd[0], score_cutoff=2) <= 2:
                return n, name
    return None


def _names_between(mask: Mask, text: str, start: int, end: int) -> bool:
    """Only a value of the data between two words of a measure's phrase ("spend per german account")."""
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    return bool(words) and all(
        any(s <= start + a and start + b <= e and what.startswith("value") for s, e, what in mask.spans)
        for a, b in words)


def _in_a_name(em: EntityMatcher, toks: list[Token], i: int) -> bool:
    """The word at ``i`` and a neighbour written next to it are both words of one product's name."""
    ids = em.vm.vocab.get(toks[i].norm)
    if not ids:
        return False
    for k in (i - 1, i + 1):
        if 0 <= k < len(toks) and abs(toks[max(i, k)].start - toks[min(i, k)].end) <= 2:
            both = ids & em.vm.vocab.get(toks[k].norm, set())
            if any(em.vm.values[idx].dim == "product" for idx in both):
                return True
    return False
