"""'revenue by country' on a warehouse with no country dimension: said plainly, never answered with another split.

The words come from prompts/dimension_words.yaml. A word counts when it follows a split or ranking cue ("by",
"per", "each", "top 5", "which", "across") and no dimension of the warehouse answers to it (its name, label or
one of its synonyms, including the shop's own dimensions declared in the import mapping).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import yaml

from shoplens.data.semantic import SemanticLayer

_CUE = (r"\b(?:by|per|each|every|across|between|which|what|among|top\s+\d*|bottom\s+\d*|best|worst|biggest|"
        r"largest|leading|rank(?:ed|ing)?|split\s+(?:by|across))\s+(?:of\s+)?(?:the\s+|our\s+|all\s+|\d+\s+)?")


@functools.cache
def dimension_words() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("dimension_words.yaml").read_text("utf-8"))
    return {str(k): tuple(str(w).lower() for w in v) for k, v in raw.items()}


def missing_dimension(text: str, semantic: SemanticLayer, known_phrases: set[str]) -> str | None:
    """The reason to give when ``text`` splits by a dimension this warehouse lacks (None otherwise)."""
    words = {w: dim for dim, ws in dimension_words().items() for w in ws}
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    m = re.search(rf"{_CUE}(?P<w>{alt})\b", text)
    if m is None:
        return None
    word = m.group("w")
    singular = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    if {word, singular} & known_phrases or (word.endswith("ies") and word[:-3] + "y" in known_phrases):
        return None
    have = [d.label.lower() for d in semantic.dimensions.values() if d.values or d.time_part]
    return (f"This warehouse has no {words[word]} dimension, so I cannot split by {word}. Dimensions it has: "
            f"{', '.join(have)}. A {words[word]} column in your exports can be declared as a dimension in the "
            "import mapping (docs/import.md, 'Your own dimensions')")
