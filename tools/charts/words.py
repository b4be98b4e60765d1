"""The fixed words a chart draws (legend entries, the source line, 'Peak'), in the language of the current
``number_style``: English as written here, Chinese from ``prompts/zh_answers.yaml`` (``chart_words``), the file
that holds the Chinese labels of the metrics and dimensions. A word with no translation stays English."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from shoplens.tools.formatting import current_style

_FILES = {"zh": "zh_answers.yaml"}


@functools.cache
def _words(lang: str) -> dict[str, str]:
    import yaml

    name = _FILES.get(lang)
    if not name:
        return {}
    text = resources.files("shoplens.prompts").joinpath(name).read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in (yaml.safe_load(text).get("chart_words") or {}).items()}


def say(english: str, **values: Any) -> str:
    """``english`` (a word or a template with {names}) in the current language, filled with ``values``."""
    lang, _ = current_style()
    template = _words(lang).get(english, english)
    return template.format(**values) if values else template
