"""The fixed messages a front end writes around an answer (status, time-outs, errors), in the language of the
question: ``message("working", "zh")``. The texts live in ``prompts/front_messages.yaml``; the language comes from
the question (``question_lang``), so a Chinese question gets Chinese status lines and an English one English."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


@functools.cache
def _messages() -> dict[str, Any]:
    text = resources.files("shoplens.prompts").joinpath("front_messages.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def question_lang(question: str) -> str:
    """'zh' for a question written in Chinese, else 'en'."""
    from shoplens.agent.planner.zh_translate import is_chinese

    return "zh" if is_chinese(question or "") else "en"


def message(key: str, lang: str = "en", **values: Any) -> str:
    table = _messages()
    text = (table.get(lang) or {}).get(key) or table["en"][key]
    return str(text).format(**values)


def step_name(tool: str, lang: str = "en") -> str:
    """A tool's name for a status line: 'forecast', 'query metric' (Chinese: 预测, 查询指标)."""
    steps = (_messages().get(lang) or {}).get("steps") or {}
    return str(steps.get(tool) or tool.replace("_", " "))
