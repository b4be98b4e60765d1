"""Aspects of Chinese reviews: clauses between punctuation and contrast words, matched against the Chinese
vocabulary in ``aspects_zh.yaml`` (same aspect names and category lists as the English one)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources

import numpy as np

_SPLIT = re.compile(r"[，,。！!？?；;、\n～~…]+|(?:但是|不过|可是|然而|就是)")


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    import yaml

    data = yaml.safe_load(resources.files("shoplens.tools.reviews").joinpath("aspects_zh.yaml").read_text(encoding="utf-8"))
    return {name: re.compile(terms, re.I) for name, terms in data["aspects"].items()}


def zh_version() -> str:
    import yaml

    data = yaml.safe_load(resources.files("shoplens.tools.reviews").joinpath("aspects_zh.yaml").read_text(encoding="utf-8"))
    return str(data["version"])


def split_clauses_zh(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of a Chinese text (pieces of at least 2 characters)."""
    spans, pos = [], 0
    for m in list(_SPLIT.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        a, b = pos, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 2:
            spans.append((a, b))
        pos = m.end() if m else len(text)
    return spans


def aspects_zh(text: str, allowed: Sequence[str],
               clause_score: Callable[[list[str]], np.ndarray]) -> list[tuple[str, str, float]]:
    """(aspect, clause, signed score) for each clause that names an allowed aspect."""
    spans = split_clauses_zh(text)
    hits = []
    for a, b in spans:
        clause = text[a:b]
        names = [n for n in allowed if n in _patterns() and _patterns()[n].search(clause)]
        hits += [(n, clause) for n in names]
    if not hits:
        return []
    scores = clause_score([c for _, c in hits])
    return [(n, c, float(s)) for (n, c), s in zip(hits, scores, strict=True)]
