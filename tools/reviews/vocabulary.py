"""The shop's own aspect vocabulary: frequent noun phrases of its reviews, placed under the nearest aspect.

Fixed lists miss what a shop's customers talk about ("the strap", "the lid", "the nozzle"). ``learn_vocabulary``
finds noun phrases that reviews evaluate (a determiner, one or two words, then a verb such as "is", "broke",
"feels": "the lid leaks", "my strap snapped"), keeps those frequent enough that no aspect term already covers,
and places each under the aspect whose example phrases its MiniLM embedding is closest to, when that is close
and clearly ahead of the runner-up. The result is plain JSON under ``<models dir>/aspects/vocabulary.json``;
the extractor adds the phrases to the aspects' terms.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.tools.reviews.aspects import ASPECTS, aspect_vectors, aspects_for, compile_vocabulary

_NP_RE = re.compile(
    r"\b(?:the|my|this|these|those|its|their|our|your)\s+([a-z][a-z-]{2,}(?:\s+[a-z][a-z-]{2,})?)\s+"
    r"(?:is|was|are|were|has|had|feels?|felt|looks?|looked|seems?|seemed|broke|snapped|cracked|leaks?|leaked|"
    r"works?|worked|stopped|keeps?|kept|came|arrived|fell|died|lasted|fits?|runs?|ran|gets?|got|started|needs?)\b",
    re.I)
_STOP = {
    "product", "item", "thing", "things", "one", "ones", "order", "purchase", "price", "first", "second", "last",
    "whole", "only", "same", "other", "new", "old", "best", "worst", "reviews", "review", "seller", "company",
    "problem", "issue", "way", "time", "day", "week", "month", "year", "kids", "son", "daughter", "wife", "husband",
    "family", "friend", "mom", "dad", "store", "shop", "box", "package", "brand", "money", "size", "color",
    "colour", "quality", "design", "style", "material", "fabric", "sound", "battery", "screen", "shipping",
}
MIN_SIMILARITY, MIN_MARGIN = 0.45, 0.05
FILE = Path("aspects") / "vocabulary.json"


def candidate_phrases(texts: Sequence[str], *, min_count: int = 15) -> Counter[str]:
    """Noun phrases that reviews evaluate, with their counts (at least ``min_count``)."""
    counts: Counter[str] = Counter()
    for text in texts:
        for m in _NP_RE.finditer(text or ""):
            phrase = m.group(1).lower()
            words = phrase.split()
            if words[-1] in _STOP or words[0] in _STOP or any(w in {"very", "so", "really", "not", "also"} for w in words):
                continue
            counts[phrase] += 1
    return Counter({p: n for p, n in counts.items() if n >= min_count})


def learn_vocabulary(texts: Sequence[str], categories: Sequence[str | None], encode: Callable[[list[str]], np.ndarray],
                     *, min_count: int = 15, max_phrases: int = 300) -> dict[str, Any]:
    """{"aspects": {aspect: [phrase, ...]}, "phrases": [{phrase, count, aspect, similarity, runner_up}]}."""
    counts = candidate_phrases(texts, min_count=min_count)
    known = compile_vocabulary()
    fresh = [p for p, _ in counts.most_common(max_phrases)
             if not any(t is not None and t.search(p) for t, _, _ in known.values())]
    if not fresh:
        return {"aspects": {}, "phrases": []}
    cat_of: dict[str, Counter[str]] = {p: Counter() for p in fresh}
    wanted = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(fresh, key=len, reverse=True)) + r")\b", re.I)
    for text, cat in zip(texts, categories, strict=True):
        for m in wanted.finditer(text or ""):
            cat_of[m.group(1).lower()][cat or ""] += 1
    vectors = aspect_vectors(encode)
    emb = encode([f"the {p}" for p in fresh])
    out: dict[str, list[str]] = {}
    details = []
    for phrase, vec in zip(fresh, emb, strict=True):
        category = cat_of[phrase].most_common(1)[0][0] if cat_of[phrase] else None
        allowed = [a for a in aspects_for(category or None) if a in vectors]
        sims = sorted(((float(vec @ vectors[a]), a) for a in allowed), reverse=True)
        if not sims:
            continue
        (best_sim, best), runner = sims[0], sims[1][0] if len(sims) > 1 else -1.0
        accepted = best_sim >= MIN_SIMILARITY and best_sim - runner >= MIN_MARGIN
        details.append({"phrase": phrase, "count": counts[phrase], "category": category, "aspect": best if accepted else None,
                        "similarity": round(best_sim, 3), "runner_up": round(runner, 3)})
        if accepted:
            out.setdefault(best, []).append(phrase)
    return {"aspects": {a: sorted(v) for a, v in sorted(out.items())}, "phrases": details}


def save_vocabulary(models_dir: Path, vocab: dict[str, Any]) -> Path:
    path = Path(models_dir) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(vocab, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def load_vocabulary(models_dir: Path) -> dict[str, list[str]]:
    """aspect -> learned phrases (empty when none were learned or the file is unreadable)."""
    path = Path(models_dir) / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(a): [str(p) for p in v] for a, v in data.get("aspects", {}).items() if a in ASPECTS}
    except (OSError, ValueError, AttributeError):
        return {}
