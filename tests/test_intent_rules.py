"""Each intent rule of prompts/intent_rules.yaml matches its own examples and none of its counter-examples."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml
from rule_examples import check_examples

from shoplens.agent.planner.intent import DECISION, rules

RAW = yaml.safe_load(resources.files("shoplens.prompts").joinpath("intent_rules.yaml").read_text("utf-8"))
CASES = [(section, r) for section, items in RAW.items() for r in items]


@pytest.mark.parametrize(("section", "rule"), CASES,
                         ids=[f"{s}:{r.get('name') or r.get('kind') or r.get('order') or r.get('model')}"
                              for s, r in CASES])
def test_rule_matches_its_examples_only(section: str, rule: dict[str, Any]) -> None:
    import re

    check_examples(re.compile(rule["pattern"]), rule)


def test_the_rules_load_and_every_decision_predicate_is_named() -> None:
    r = rules()
    assert r.unsupported and r.signals and r.chart_kinds and r.top_n and r.models
    names = [fn.__name__ for fn, _, _ in DECISION]
    assert len(names) == len(set(names)) and all(n != "<lambda>" for n in names)
