"""Everyday spellings and phrasings of measures a blind-written set showed the planner missing: typos of period and
measure words, 'cost per clik', 'paying per order from ads (cpa)', campaigns that 'spent the most', what each
customer spends, 'a week on avg', 'sends back', a rate before a dimension ('margin % brand'), 'more profitable'."""

from __future__ import annotations

import pytest

from shoplens.agent.planner.understand import Understander


def test_typos_of_period_and_measure_words(u: Understander) -> None:
    p = u.understand("whats revenue for last quater")
    assert p.period is not None and (p.period.start.month, p.period.end.month) == (1, 3), p.period
    assert u.understand("cost per clik on social in may").metric == "cpc"
    p = u.understand("wat was revenue lst month")
    assert p.period is not None and p.period.start.month == 5, p.period


@pytest.mark.parametrize(("q", "metric"), [
    ("what are we paying per order from email ads in may", "cpa"),
    ("what does the average customer spend in 2025", "revenue_per_customer"),
    ("how much does each app customer spend on avg in 2025", "revenue_per_customer"),
    ("was may less profitable than april", "gross_margin"),
])
def test_measures_named_by_a_phrase(u: Understander, q: str, metric: str) -> None:
    assert u.understand(q).metric == metric, q


def test_campaigns_that_spent_the_most_rank_by_ad_spend_and_customers_by_revenue(u: Understander) -> None:
    p = u.understand("which 2 campaigns spent the most last year")
    assert p.kind == "top" and p.metric == "ad_spend" and p.group_by == ["campaign"], p
    p = u.understand("which 5 customers spent the most last year")
    assert p.kind == "top" and p.metric == "revenue", p


def test_a_week_on_avg_is_an_average_per_week(u: Understander) -> None:
    p = u.understand("orders a week on avg in q1")
    assert p.metric == "orders" and p.per == "week", (p.metric, p.per)


def test_sends_back_and_a_rate_before_a_dimension_rank(u: Understander) -> None:
    p = u.understand("which region sends back the highest share of its orders in may")
    assert p.kind == "top" and p.metric == "return_rate" and p.group_by == ["region"], p
    p = u.understand("lowest margin % brand in 2025")
    assert p.kind == "top" and p.metric == "gross_margin_pct" and p.group_by == ["brand"] and p.order == "asc", p
