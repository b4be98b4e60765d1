"""Question -> Plan for the way people type in chat: ratios of two measures, rankings of periods and customers,
shorthand, "leave out", "onwards", averages per week, and follow-ups that point back (demo warehouse, as of
2026-06-30)."""

from __future__ import annotations

import pytest
from test_planner_understand import D, dates, plan

from shoplens.agent.planner.understand import Understander


@pytest.mark.parametrize("q, metric", [
    ("orders per customer last month", "orders_per_customers"),
    ("discount for each order in 2025", "discount_per_orders"),
    ("ad spend per order last quarter", "ad_spend_per_orders"),
    ("ad spend per click last month", "cpc"),  # declared with the same formula: the declared one
    ("revenue per customer in 2025", "revenue_per_customer"),
    ("items per order last month", "items_per_order"),  # the whole phrase is declared
    ("revenue per order last month", "aov"),
])
def test_a_measure_per_counted_thing_is_their_ratio(u: Understander, q: str, metric: str) -> None:
    p = plan(u, q)
    assert p.metric == metric and not p.group_by, (q, p)


def test_per_a_split_or_a_time_grain_is_not_a_ratio(u: Understander) -> None:
    assert plan(u, "revenue per category last month").group_by == ["category"]
    assert plan(u, "orders per day in may 2026").metric == "orders"
    assert u.semantic.ratio_metric("revenue", "aov") is None  # money per money
    assert u.semantic.ratio_metric("return_rate", "orders") is None  # a rate per anything


def test_a_mistyped_two_word_dimension_is_read(u: Understander) -> None:
    p = plan(u, "revenue by custmer segment last month")
    assert p.group_by == ["segment"] and any("custmer segment" in n for n in p.notes)
    assert plan(u, "revenue by sales chanel last month").group_by == ["channel"]


def test_a_split_that_only_reviews_have_counts_reviews(u: Understander) -> None:
    p = plan(u, "breakdown of star ratings for apparel in 2025")
    assert (p.kind, p.metric, p.group_by) == ("breakdown", "review_count", ["rating"])
    assert p.notes[0] == f"no metric named; showing {u.semantic.metrics['review_count'].label.lower()}"
    assert plan(u, "breakdown of orders across regions in 2025").group_by == ["region"]
    assert plan(u, "by category last month").metric == "revenue"  # revenue stays the default where it splits


@pytest.mark.parametrize("q, n, order, grain, group", [
    ("which campaign had the cheapest cpc in q4 2025", 1, "asc", None, ["campaign"]),
    ("whats the #1 product on the app by revenue since mother's day", 1, "desc", None, ["product"]),
    ("which 3 days last month had the most orders", 3, "desc", "day", []),
    ("lowest rated 3 books this yr", 3, "asc", None, ["product"]),
    ("top selling 5 brands in 2025", 5, "desc", None, ["brand"]),
])
def test_ranking_phrasings(u: Understander, q: str, n: int, order: str, grain: str | None, group: list) -> None:
    p = plan(u, q)
    assert (p.kind, p.top_n, p.order, p.group_by) == ("top", n, order, group), (q, p)
    if grain:
        assert p.grain == grain


def test_leave_out_excludes_and_onwards_runs_to_the_end(u: Understander) -> None:
    p = plan(u, "5 worst selling products this quarter by units - leave out books")
    assert "Books" not in p.filters["category"] and len(p.filters["category"]) >= 2
    p = plan(u, "beauty margin % by quarter, 2024 onwards")
    assert (p.grain, dates(p)) == ("quarter", (D(2024, 1, 1), u.as_of))
    assert dates(plan(u, "units 2025 on the app")) == (D(2025, 1, 1), D(2025, 12, 31))  # "on the app" is a channel
    assert dates(plan(u, "revenue march 2026 on email")) == (D(2026, 3, 1), D(2026, 3, 31))
    assert dates(plan(u, "orders in 2025 and later")) == (D(2025, 1, 1), u.as_of)


def test_month_to_month_and_averages_a_week(u: Understander) -> None:
    assert plan(u, "how's cpc on search been trending month to month this year").grain == "month"
    p = plan(u, "on average how many orders a week did we get last quarter?")
    assert (p.kind, p.per) == ("figure", "week")
    assert plan(u, "orders per day in may 2026").kind == "trend"  # a series, not an average


def test_chat_shorthand_and_longer_follow_ups(u: Understander) -> None:
    from shoplens.agent.planner.understand import expand_shorthand

    assert expand_shorthand("compare w/ last yr, w/o the app, thru june pls") == \
        "compare with last year, without the app, through june please"
    assert expand_shorthand("brown rn the wrn") == "brown right now the wrn"  # whole words only
    first = plan(u, "AOV for web orders so far this year")
    again = plan(u, "how does that compare w/ the same period last year", first)
    assert (again.metric, again.filters, again.compare_mode) == ("aov", {"channel": ["web"]}, "yoy")
    chart = plan(u, "line chart of daily app orders, last 30 days")
    assert plan(u, "add web on the same chart", chart).filters == {"channel": ["app", "web"]}


def test_customers_are_ranked_by_what_they_bought(u: Understander) -> None:
    for q in ("who are our 3 biggest customers this year", "top 5 customers by revenue in 2025",
              "which clients spent the most last quarter"):
        p = plan(u, q)
        assert (p.kind, p.group_by, p.metric) == ("top", ["customer"], "revenue"), q
    assert u.semantic.dimensions["customer"].values == []  # ids: never read up front, never matched
    assert plan(u, "how many customers did we have last month").metric == "customers"
    p = plan(u, "which region has the most customers")
    assert (p.group_by, p.metric) == (["region"], "customers")
    assert plan(u, "top 5 products in 2025").filters == {}


def test_left_out_names_and_rates_asked_as_shares(u: Understander) -> None:
    p = plan(u, "gross margin on toys excluding board games, h2 last year")
    assert "Board Games" not in p.filters["subcategory"] and p.excluded == {"subcategory": ["Board Games"]}
    assert p.filters["category"] == ["Toys & Games"]
    left = plan(u, "add to cart rate per category for the past two weeks, leave books out")
    assert "Books" not in left.filters["category"] and left.group_by == ["category"]
    rate = plan(u, "what % of orders in the west got cancelled in the last 30 days")
    assert (rate.metric, rate.filters, rate.share_of) == ("cancel_rate", {"region": ["West"]}, None)
    assert plan(u, "how many orders were returned in may").filters == {"status": ["returned"]}  # a count stays one


def test_seasons_slang_days_and_change_questions(u: Understander) -> None:
    assert dates(plan(u, "revenue this past winter")) == (D(2025, 12, 1), D(2026, 2, 28))
    assert dates(plan(u, "marketplace orders yday?")) == (D(2026, 6, 29), D(2026, 6, 29))
    assert plan(u, "toys rev dropped in april vs march this yr, what happened").kind == "why"
    assert plan(u, "what happened on black friday").kind != "why"
    first = plan(u, "how many unique buyers did the app have last qtr")
    again = plan(u, "vs the quarter before that?", first)
    assert (again.kind, dates(again), (again.compare_period.start, again.compare_period.end)) == (
        "compare", (D(2026, 1, 1), D(2026, 3, 31)), (D(2025, 10, 1), D(2025, 12, 31)))


def test_customers_as_the_group_and_picked_choices(u: Understander) -> None:
    p = plan(u, "customers from which acquisition channel have the highest AOV ytd?")
    assert (p.metric, p.group_by) == ("aov", ["acquisition_channel"])
    assert plan(u, "customers in the west last month").metric == "customers"
    first = plan(u, "top 5 cities by gmv from business customers in 2025")
    other = plan(u, "what about consumer customers?", first)
    assert (other.metric, other.filters.get("segment"), other.group_by) == ("revenue", ["consumer"], ["city"])
    asked = plan(u, "units of the leafwell tea last month")
    assert asked.kind == "clarify"
    picked = plan(u, "the green tea one", asked)
    assert (picked.metric, picked.filters, dates(picked)) == (
        "units", {"product": ["Leafwell Organic Green Tea (100 Bags)"]}, (D(2026, 5, 1), D(2026, 5, 31)))
    bars = plan(u, "horizontal bars: 10 best sellers by units last quarter")
    assert (bars.kind, bars.group_by, bars.top_n, bars.chart_kind) == ("chart", ["product"], 10, "hbar")


def test_titles_name_what_was_left_out_not_the_fifty_names_left_in(u: Understander) -> None:
    from shoplens.tools.metric_query import filters_text, shown_filters

    sem = u.semantic
    subs = [v for v in sem.dimensions["subcategory"].values if v != "Board Games"]
    shown = shown_filters(sem, {"category": ["Toys & Games"], "subcategory": subs})
    assert shown == {"category": ["Toys & Games"], "subcategory": ["all but Board Games"]}
    assert shown_filters(sem, {"region": ["West", "Midwest"]}) == {"region": ["West", "Midwest"]}  # a short list
    assert "all but Board Games" in filters_text(sem, {"subcategory": subs})


def test_a_mistyped_order_status_is_read(u: Understander) -> None:
    from shoplens.agent.planner.understand import fix_status_words

    assert plan(u, "how many retruned orders did we have in april?").filters == {"status": ["returned"]}
    assert fix_status_words("cancled orders in may") == "cancelled orders in may"
    for same in ("recent orders", "compare orders by region", "canceled orders"):  # words that are not a typo
        assert fix_status_words(same) == same
