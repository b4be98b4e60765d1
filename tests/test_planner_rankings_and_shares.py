"""Rankings, shares and periods as people type them: a count before a split is not a product's number, "by <measure>"
names the ranking measure, "cheapest" ranks by price, star shares know their part from their whole, "vs the same
month last year" compares with the month named, and doing things in the shop is declined."""

from __future__ import annotations

import datetime as dt

import pytest

D = dt.date


def _dates(p):  # noqa: ANN001, ANN202
    return (p.period.start, p.period.end)


def test_a_count_before_a_split_is_not_a_products_number(u) -> None:  # noqa: ANN001
    p = u.understand("the 3 weekdays with the fewest orders this yr")  # not "Fit 3" or "(3-Piece)"
    assert (p.kind, p.top_n, p.order, p.group_by, p.metric) == ("top", 3, "asc", ["weekday"], "orders")


def test_the_measure_after_by_ranks(u) -> None:  # noqa: ANN001
    p = u.understand("5 weakest apparel items by rev ytd")  # "items" is not the measure here
    assert (p.kind, p.metric, p.top_n, p.order) == ("top", "revenue", 5, "asc")
    assert u.understand("revenue by the customers' acquisition channel, 2025").metric == "revenue"


def test_cheapest_ranks(u) -> None:  # noqa: ANN001
    p = u.understand("cheapest ad channel on a cost per click basis this yr?")
    assert (p.kind, p.metric, p.order, p.group_by, p.top_n) == ("top", "cpc", "asc", ["campaign_channel"], 1)
    assert u.understand("cheapest products in beauty").metric == "avg_price"


def test_customers_from_a_group_who_spent_the_most(u) -> None:  # noqa: ANN001
    p = u.understand("customers from which 2 acquisition channels spent the most last qtr?")
    assert (p.kind, p.metric, p.group_by, p.top_n) == ("top", "revenue", ["acquisition_channel"], 2)


def test_a_count_of_reviews_is_a_figure(u) -> None:  # noqa: ANN001
    p = u.understand("# of reviews on tidewater gear ytd")
    assert (p.kind, p.metric, p.filters) == ("figure", "review_count", {"brand": ["Tidewater"]})


@pytest.mark.parametrize(("q", "part"), [
    ("what fraction of reviews for velvet products are 1 star, past year?", "rating"),
    ("share of 5-star reviews for books last year", "rating"),
    ("what share of 1-star reviews were for velvet products last year", "brand"),
    ("what % of 1 and 2 star reviews were about velvet in 2025", "brand"),
])
def test_star_shares_know_the_part_from_the_whole(u, q: str, part: str) -> None:  # noqa: ANN001
    assert u.understand(q).share_of == part


def test_the_same_month_last_year_is_the_month_named(u) -> None:  # noqa: ANN001
    p = u.understand("revenue in march vs the same month last year")
    assert (p.kind, _dates(p), (p.compare_period.start, p.compare_period.end)) == \
        ("compare", (D(2026, 3, 1), D(2026, 3, 31)), (D(2025, 3, 1), D(2025, 3, 31)))
    p = u.understand("app gmv q2 vs the same qtr last yr")  # the bare quarter is this year's
    assert (_dates(p), p.compare_period.start) == ((D(2026, 4, 1), D(2026, 6, 30)), D(2025, 4, 1))


def test_the_same_time_last_yr_in_a_conversation_moves_the_period(u) -> None:  # noqa: ANN001
    first = u.understand("revenue by category in march")
    for q in ("how about the same time last yr", "how about the same time last year"):
        p = u.understand(q, first)
        assert (p.kind, p.group_by, _dates(p)) == ("breakdown", ["category"], (D(2025, 3, 1), D(2025, 3, 31))), q


@pytest.mark.parametrize("q", [
    "give the customer on order 90017 a $25 store credit for the hassle",
    "reply to every 1 star review on the aurora speaker with an apology and a 10% off code",
    "which of our warehouses shipped the most midwest orders in q1",
    "which size of the maren leggings sells best - xs, s, m, l or xl?",
    "which influencers drove the most signups last month",
])
def test_actions_and_missing_splits_are_declined(u, q: str) -> None:  # noqa: ANN001
    assert u.understand(q).kind == "unsupported", q


def test_blended_cac_is_ad_spend_per_new_customer(u) -> None:  # noqa: ANN001
    assert u.understand("whats our blended CAC ytd? (total ad spend / new signups)").metric == "cac"


def test_a_ranking_of_campaigns_leaves_out_orders_with_no_campaign(tool_ctx) -> None:  # noqa: ANN001
    from shoplens.tools.metric_query import QueryMetricTool

    sql, _ = QueryMetricTool(tool_ctx).build_sql("orders", group_by=["campaign"], top_n=2)
    assert "campaign IS NOT NULL" in sql
    sql, _ = QueryMetricTool(tool_ctx).build_sql("orders", group_by=["campaign"])  # a breakdown keeps them
    assert "campaign IS NOT NULL" not in sql


def test_most_visited_pages_are_sessions_and_a_brands_gear_is_the_brand(u) -> None:  # noqa: ANN001
    assert u.understand("2 most visited home & kitchen product pages this qtr").metric == "sessions"
    p = u.understand("what are ppl saying they like about the summit gear this yr")
    assert (p.kind, p.filters) == ("reviews", {"brand": ["Summit"]})


def test_it_after_a_declined_question_is_what_that_question_named(u) -> None:  # noqa: ANN001
    declined = u.understand("how many nimbus security cams are sitting in the warehouse rn?")
    assert declined.kind == "unsupported" and declined.subject == {"product": ["Nimbus Indoor Security Camera"]}
    p = u.understand("alright, what did it sell in units this qtr then", declined)
    assert (p.kind, p.metric, p.filters) == ("figure", "units", {"product": ["Nimbus Indoor Security Camera"]})


def test_the_nth_place_of_the_ranking_just_shown(u) -> None:  # noqa: ANN001
    ranking = u.understand("top 3 home & kitchen items by revenue last month")
    ranking.shown = {"product": ["Zestra Compact Air Fryer 4qt", "Brewmaster Pro Drip Coffee Maker", "Zestra Stand Mixer"]}
    for q in ("whats the avg star rating for the #2 on that revenue list, past year?",
              "avg rating of the second one last year"):
        p = u.understand(q, ranking)
        assert (p.kind, p.metric, p.filters) == ("figure", "avg_rating", {"product": ["Brewmaster Pro Drip Coffee Maker"]}), q


def test_a_mistyped_plural_measure_and_review_verbs(u) -> None:  # noqa: ANN001
    assert u.understand("# of ordrs yday?").metric == "orders"
    assert u.understand("monkey business").kind == "unsupported"  # an everyday word is no typo of "money"
    for q in ("whats the biggest knock on the sparklab robotics kit in reviews",
              "what do buyers rave about w maren stuff since jan"):
        assert u.understand(q).kind == "reviews", q


def test_a_model_named_by_its_code_or_number(u) -> None:  # noqa: ANN001
    assert u.understand("rating trend for the x2 by month this year").filters == {
        "product": ["Aurora X2 Wireless Earbuds"]}
    assert u.understand("units of the fit 4 in may").filters == {"product": ["Kestrel Fit 4 Smartwatch"]}
    assert u.understand("top 3 products in q2").filters == {}  # a count and a quarter, not model codes
