"""The check every rule file's test shares: a rule's examples match its pattern and its counter-examples do not,
each read the way a question is (normalised)."""

from __future__ import annotations

import re
from typing import Any

from shoplens.tools.text import normalize


def check_examples(pattern: re.Pattern[str], rule: dict[str, Any]) -> None:
    name = rule.get("name") or rule.get("kind") or ""
    assert rule.get("examples"), f"{name}: every rule needs examples"
    for text in rule["examples"]:
        assert pattern.search(normalize(text)), f"{name}: {text!r} should match"
    for text in rule.get("not", []):
        assert not pattern.search(normalize(text)), f"{name}: {text!r} should not match"
