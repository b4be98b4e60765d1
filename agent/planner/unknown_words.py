"""Questions about something the shop's data does not hold, found by their words rather than by a list of topics.

The words of a question that are no stop word, no question word (prompts/question_words.txt) and nothing the data
names (masked as a measure, dimension, value or period, or a word of one) are counted. Two or more such words (three
when the question also names a measure or a value) mean the question is about something else: "what's the monthly
wage bill for the customer service team", "how many new facebook page likes did we pick up in may", "go ahead and
order 300 more cans of the ace tennis balls". Short unknown words that are not English (typos such as "lst", "wat")
do not count. Only answers that would read the data as something else are declined: reviews, why, forecasts,
unusual days, describe and clarifying questions keep their own wording.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from shoplens.agent.planner.wording_insights import NOTHING_ON
from shoplens.tools.text import STOPWORDS, everyday_words

#: Kinds whose questions use free words of their own ("what do buyers rave about", "why did ... slip").
OWN_WORDS = frozenset(["unsupported", "why", "reviews", "forecast", "anomalies", "describe", "clarify"])


@functools.cache
def question_words() -> frozenset[str]:
    text = resources.files("shoplens.prompts").joinpath("question_words.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def unknown_words(blank: str, domain: frozenset[str]) -> list[str]:
    """The words of ``blank`` (the question with what the planner read masked out) that say nothing it knows."""
    known = question_words()
    english = everyday_words()
    out = []
    for w in re.findall(r"[a-z][a-z'\-]*", blank):
        if w in STOPWORDS or any(x in domain or x in known for x in (w, w.rstrip("s"))):
            continue
        if len(w) > 3 or w in english:
            out.append(w)
    return out


def words_needed(names_something: bool) -> int:
    """How many unknown words decline a question: three when it also names a measure, value or split, else two."""
    return 3 if names_something else 2


def without_lead_in(blank: str) -> str:
    """'for the investor meeting tomorrow, what was q2 revenue': a clause before a comma, colon or dash that the
    question goes on from is context, not what is asked; the rest of the question is what counts."""
    parts = re.split(r"\s*(?:[,;:]|\s-\s)\s*", blank)
    asked = next((i for i, part in enumerate(parts) if i and _QUESTION.match(part)), None)
    return " ".join(parts[asked:]) if asked is not None else blank


_QUESTION = re.compile(r"\s*(?:what|which|who|how|when|where|why|is|are|was|were|did|do|does|can|could|show|give|"
                       r"list|tell)\b")


def off_the_data(blank: str, domain: frozenset[str], kind: str, names_something: bool) -> str | None:
    """The reason to decline a question of ``kind`` about something the data does not hold, or None."""
    if kind in OWN_WORDS:
        return None
    words = list(dict.fromkeys(unknown_words(without_lead_in(blank), domain)))
    if len(words) < words_needed(names_something):
        return None
    said = ", ".join(f"'{w}'" for w in words[:4])
    return f"{NOTHING_ON} {said}, so I can't answer that. Ask 'what data do you have?' to see what it holds"
