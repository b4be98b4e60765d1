"""Everyday phrasings of a measure rewritten into the words the planner reads ("how many items does the average
customer buy" -> "items per customer"), before a question is parsed. The rules are data: prompts/rephrasings.yaml."""

from __future__ import annotations

import functools
import re
from importlib import resources

import yaml


@functools.cache
def rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("rephrasings.yaml").read_text("utf-8"))
    return tuple((re.compile(r["pattern"]), str(r["replace"])) for r in raw or ())


def rephrase(text: str) -> str:
    """``text`` (normalised, shorthand expanded) with every rule of prompts/rephrasings.yaml applied in order."""
    for pattern, replace in rules():
        text = pattern.sub(replace, text)
    return text
