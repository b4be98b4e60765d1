"""Every answer's facts keep to the typed contract of tools/facts.py: a known kind and only declared keys."""

from __future__ import annotations

from typing import Any

import pytest

from shoplens.agent.analyst import Analyst
from shoplens.tools.facts import SHAPES, unknown_keys

QUESTIONS = [
    "revenue last month", "orders by channel in 2025", "top 5 products by units this year",
    "revenue last month vs the month before", "monthly revenue trend 2025", "stacked bars of monthly revenue by "
    "channel for 2025", "what are customers complaining about for the aurora earbuds", "any unusual days in march "
    "2025", "why did electronics revenue fall from aug to oct 2025", "what data do you have",
    "revenue of the kestrel fit smartwatch last month", "what's the weather tomorrow", "aov by region last quarter",
    "return rate by category 2025 as a bar chart",
]


@pytest.fixture(scope="module")
def analyst(tool_ctx: Any, tmp_path_factory: pytest.TempPathFactory) -> Analyst:
    from shoplens.agent.config import Settings

    s = Settings.load(env={}, home=tmp_path_factory.mktemp("home"), db=tool_ctx.runner.db_path)
    return Analyst(s, ctx=tool_ctx)


@pytest.mark.parametrize("question", QUESTIONS)
def test_planner_facts_keep_to_the_contract(analyst: Analyst, question: str) -> None:
    facts = dict(analyst.ask(question).facts)
    assert facts.get("kind") in SHAPES, facts
    assert unknown_keys(facts) == [], (question, facts.get("kind"))
