"""Each rule of prompts/rephrasings.yaml changes its examples and leaves its counter-examples alone, and the planner
reads the rewritten measure."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml
from rule_examples import check_examples

from shoplens.agent.planner.rephrase import rephrase
from shoplens.tools.text import normalize

RAW = yaml.safe_load(resources.files("shoplens.prompts").joinpath("rephrasings.yaml").read_text("utf-8"))


@pytest.mark.parametrize("rule", RAW, ids=[r["name"] for r in RAW])
def test_rule_changes_its_examples_only(rule: dict[str, Any]) -> None:
    import re

    check_examples(re.compile(rule["pattern"]), rule)
    for text in rule.get("not", []):  # and nothing else rewrites it either
        assert rephrase(normalize(text)) == normalize(text) or any(
            re.compile(r["pattern"]).search(normalize(text)) for r in RAW if r is not rule), text


@pytest.mark.parametrize(("q", "metric"), [
    ("how many items does the avg customer buy from us ytd?", "units_per_customers"),
    ("what does each customer spend in 2025", "revenue_per_customer"),
    ("how much rev do we make per site session? last month", "revenue_per_sessions"),
    ("what are we actually getting per pickleball paddle set after discounts, ytd?", "avg_price"),
])
def test_the_planner_reads_the_rewritten_measure(u, q: str, metric: str) -> None:  # noqa: ANN001
    assert u.understand(q).metric == metric


def test_shares_of_negative_reviews_are_counted_by_stars(u) -> None:  # noqa: ANN001
    plan = u.understand("what share of reviews were negative this year")
    assert plan.metric == "review_count" and plan.filters.get("rating") == ["1", "2"]
