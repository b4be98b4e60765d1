"""Measures named in everyday words: what we pay per click (CPC) or per thousand impressions (CPM), people signing
up (new customers), a conversion rate the question defines itself ("like orders per session"); and the ordinary
questions next to them that must keep their own measure."""

from __future__ import annotations

import pytest

from shoplens.agent.planner.understand import Understander


@pytest.mark.parametrize(("q", "metric", "filters"), [
    ("what are we paying per click on social QTD", "cpc", {"campaign_channel": ["social"]}),
    ("how much do we pay for each click on search", "cpc", {"campaign_channel": ["search"]}),
    ("what did we pay per thousand impressions on display in q1", "cpm", {"campaign_channel": ["display"]}),
    ("how many ppl signed up thru referral since jan", "new_customers", {"acquisition_channel": ["referral"]}),
    ("how many registrations did we get last month", "new_customers", {}),
    ("how many people created an account in may", "new_customers", {}),
])
def test_measures_named_in_words(u: Understander, q: str, metric: str, filters: dict) -> None:
    p = u.understand(q)
    assert p.kind == "figure", (q, p.kind, p.reason)
    assert p.metric == metric
    assert p.filters == filters


@pytest.mark.parametrize(("q", "metric"), [
    ("how many clicks on social last month", "clicks"),
    ("what did we spend on social last month", "ad_spend"),
    ("revenue from customers who signed up in 2025", "revenue"),
])
def test_neighbouring_questions_keep_their_measure(u: Understander, q: str, metric: str) -> None:
    assert u.understand(q).metric == metric


@pytest.mark.parametrize(("q", "kind"), [
    ("whats our site conversion rate last month, like orders per session", "figure"),
    ("conversion rate (orders per session) by month in 2025", "trend"),
])
def test_a_conversion_rate_the_question_defines_is_answered_as_that_ratio(u: Understander, q: str, kind: str) -> None:
    p = u.understand(q)
    assert p.kind == kind, (q, p.reason)
    m = u.semantic.metrics[p.metric or ""]
    assert m.derived and "orders" in m.derived and "sessions" in m.derived
    assert any("orders per session" in n for n in p.notes)


@pytest.mark.parametrize("q", ["what's our conversion rate", "conversion rate last month by channel",
                               "how many sessions converted in may"])
def test_a_bare_conversion_rate_is_still_declined(u: Understander, q: str) -> None:
    p = u.understand(q)
    assert p.kind == "unsupported" and "conversion" in (p.reason or "")


def test_small_ratios_keep_three_significant_digits() -> None:
    from shoplens.tools.formatting import format_value

    assert format_value(0.015944, "ratio", lang="en") == "0.0159"
    assert format_value(1.5, "ratio", lang="en") == "1.50"
