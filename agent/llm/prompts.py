"""Prompt files (``shoplens.prompts``: system.j2, examples.yaml, explanation_style.md), loaded with
importlib.resources and rendered with Jinja2 StrictUndefined so a missing variable fails loudly."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import yaml

PACKAGE = "shoplens.prompts"


@cache
def read_prompt(name: str) -> str:
    """The text of one prompt file shipped in the ``shoplens.prompts`` package."""
    return resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8")


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)  # keeps key order (tojson sorts)
    return env


@cache
def _template(name: str) -> jinja2.Template:
    return _env().from_string(read_prompt(name))


def render(name: str, **variables: Any) -> str:
    """Render a Jinja prompt file; any variable the template uses but is not given raises UndefinedError."""
    return _template(name).render(**variables).strip() + "\n"


@cache
def examples() -> list[dict[str, Any]]:
    data = yaml.safe_load(read_prompt("examples.yaml")) or []
    return [dict(e) for e in data]


def render_system_prompt(*, semantic_text: str, as_of: dt.date | str, tools: Sequence[Any], max_steps: int) -> str:
    """The system prompt: the semantic layer, the as-of date, the tool list, the rules, style and examples.

    ``tools`` are LangChain tools (or anything with ``name`` and ``description``); the first sentence of each
    description is listed (the full description travels with the tool schema)."""
    tool_lines = [{"name": t.name, "summary": _first_sentence(t.description)} for t in tools]
    names = {t.name for t in tools}
    usable = [e for e in examples() if all(c["tool"] in names for c in e.get("calls", []))]
    return render(
        "system.j2",
        as_of=as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of),
        semantic=semantic_text.strip(),
        tools=tool_lines,
        style=read_prompt("explanation_style.md").strip(),
        examples=usable,
        max_steps=max_steps,
    )


def _first_sentence(text: str) -> str:
    text = " ".join((text or "").split())
    for stop in (". ", ".\n"):
        if stop in text:
            return text.split(stop, 1)[0] + "."
    return text
