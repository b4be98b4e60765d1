"""Metrics, filters and splits named in questions, matched against the demo warehouse's real values."""

from __future__ import annotations

import datetime as dt

import pytest

from shoplens.agent.planner.entities import EntityMatcher
from shoplens.agent.planner.understand import Understander
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.text import Mask


def ents(u: Understander, q: str):
    return u.parse(q).ents


@pytest.mark.parametrize(("q", "metric"), [
    ("revenue last month", "revenue"), ("what were sales in May", "revenue"), ("turnover by region", "revenue"),
    ("GMV this year", "revenue"), ("rev ytd", "revenue"), ("revnue by category", "revenue"),
    ("units sold in Q1", "units"), ("items sold yesterday", "units"), ("number of orders", "orders"),
    ("order count by channel", "orders"), ("average order value", "aov"), ("AOV trend", "aov"),
    ("basket size by segment", "aov"), ("gross margin for Beauty", "gross_margin"), ("profit by brand", "gross_margin"),
    ("margin % by category", "gross_margin_pct"), ("profit margin by category", "gross_margin_pct"),
    ("return rate for apparel", "return_rate"), ("refund rate last quarter", "return_rate"),
    ("cancellation rate", "cancel_rate"), ("average rating of voltix products", "avg_rating"),
    ("star rating by brand", "avg_rating"), ("traffic last week", "sessions"), ("page views by category", "product_views"),
    ("add-to-cart rate for electronics", "add_to_cart_rate"), ("ad spend by campaign", "ad_spend"),
    ("marketing spend in 2025", "ad_spend"), ("ROAS by campaign channel", "roas"), ("return on ad spend", "roas"),
    ("CTR by campaign", "ctr"), ("new customers this year", "new_customers"), ("signups by region", "new_customers"),
    ("how many customers bought in March", "customers"), ("number of reviews", "review_count"),
    ("net sentiment for Beauty", "sentiment"),
])
def test_metric_synonyms(u: Understander, q: str, metric: str) -> None:
    assert ents(u, q).metrics[:1] == [metric]


@pytest.mark.parametrize(("q", "metric"), [
    ("how many did we sell of the Luna Glow Serum", "units"), ("how many earbuds were sold last week", "units"),
    ("how much did Beauty make in Q1", "revenue"), ("best-selling products", "units"), ("top rated brands", "avg_rating"),
    ("most profitable categories", "gross_margin"),
])
def test_weak_metric_cues(u: Understander, q: str, metric: str) -> None:
    e = ents(u, q)
    assert e.metrics == [] and e.weak_metric == metric


def test_a_named_metric_beats_a_weak_cue(u: Understander) -> None:
    e = ents(u, "best-selling products by revenue")
    assert e.metrics == ["revenue"] and e.group_by == ["product"]


@pytest.mark.parametrize(("q", "filters"), [
    ("revenue of aurora earbuds last month", {"product": ["Aurora X2 Wireless Earbuds"]}),
    ("sales of Aurora X2 Wireless Earbuds", {"product": ["Aurora X2 Wireless Earbuds"]}),
    ("sales of electronic in the north-east", {"category": ["Electronics"], "region": ["Northeast"]}),
    ("electornics revenue", {"category": ["Electronics"]}),
    ("home and kitchen revenue", {"category": ["Home & Kitchen"]}),
    ("Home & Kitchen revenue", {"category": ["Home & Kitchen"]}),
    ("toys & games units", {"category": ["Toys & Games"]}),
    ("sports and outdoor sales", {"category": ["Sports & Outdoors"]}),
    ("revenue for Beauty and Electronics", {"category": ["Beauty", "Electronics"]}),
    ("BEAUTY REVENUE", {"category": ["Beauty"]}),
    ("revenue in the North East", {"region": ["Northeast"]}),
    ("revenue in the midwest", {"region": ["Midwest"]}),
    ("revenue in the west", {"region": ["West"]}),
    ("south-west orders", {"region": ["Southwest"]}),
    ("revenue on the app", {"channel": ["app"]}),
    ("web revenue vs app revenue", {"channel": ["web", "app"]}),
    ("marketplace sales", {"channel": ["marketplace"]}),
    ("mobile app orders", {"channel": ["app"]}),
    ("b2b revenue by region", {"segment": ["business"]}),
    ("revenue from business customers", {"segment": ["business"]}),
    ("consumer segment AOV", {"segment": ["consumer"]}),
    ("Aurora revenue", {"brand": ["Aurora"]}),
    ("Voltix units in 2025", {"brand": ["Voltix"]}),
    ("luna glow serum sales", {"product": ["Luna Glow Serum"]}),
    ("glow serum sales", {"product": ["Luna Glow Serum"]}),
    ("earbuds revenue", {"product": ["Aurora X2 Wireless Earbuds"]}),
    ("arora earbuds revenue", {"product": ["Aurora X2 Wireless Earbuds"]}),
    ("money made simple units", {"product": ["Money Made Simple"]}),
    ("the last cartographer sales", {"product": ["The Last Cartographer"]}),
    ("skincare revenue", {"subcategory": ["Skincare"]}),
    ("coffee sales", {"subcategory": ["Coffee & Tea"]}),
    ("smart home revenue", {"subcategory": ["Smart Home"]}),
    ("travel books revenue", {"subcategory": ["Travel"], "category": ["Books"]}),
    ("sales of tops last year", {"subcategory": ["Tops"]}),
    ("revenue in new york", {"city": ["New York"]}),
    ("email campaigns spend", {"campaign_channel": ["email"]}),
    ("revenue from paid search", {"campaign_channel": ["search"]}),
    ("weekend sales", {"weekday": ["Saturday", "Sunday"]}),
    ("sales on mondays", {"weekday": ["Monday"]}),
    ("cancelled orders last month", {"status": ["cancelled"]}),
    ("how many orders were returned in May", {"status": ["returned"]}),
    ("revenue of the Member Deals Apr 2025 campaign", {"campaign": ["Member Deals Apr 2025"]}),
])
def test_filters(u: Understander, q: str, filters: dict[str, list[str]]) -> None:
    assert ents(u, q).filters == filters


@pytest.mark.parametrize("q", [
    "revenue last month", "what are the top products", "top 5 products by revenue", "how is the business doing",
    "display revenue by channel", "show me the sales history", "sales trend over time", "what data do you have",
    "best month ever", "revenue per day", "revenue yoy", "search for the best month", "which category sold most",
    "top 10 items", "total sales last year", "orders and revenue by month", "average order value this quarter",
    "what did we sell on black friday", "Singles' Day 2025 revenue", "revenue in Q3 2025", "sales last week",
    "can you plot the numbers", "what's the trend for the last 12 months", "any unusual days recently",
    "forecast next month", "compare this year with last year", "the data, please",
])
def test_no_filter_when_none_is_named(u: Understander, q: str) -> None:
    e = ents(u, q)
    assert e.filters == {} and e.ambiguous == [] and e.families == [], (e.filters, e.ambiguous, e.families)


@pytest.mark.parametrize(("q", "group_by"), [
    ("revenue by channel", ["channel"]), ("units per region", ["region"]), ("split by brand", ["brand"]),
    ("for each category", ["category"]), ("sales across regions", ["region"]), ("revenue broken down by segment",
                                                                                  ["segment"]),
    ("top 5 products", ["product"]), ("best selling brands", ["brand"]), ("which category sold most", ["category"]),
    ("what channel brings the most revenue", ["channel"]), ("revenue by product category", ["category"]),
    ("revenue by day of week", ["weekday"]), ("orders by weekday", ["weekday"]), ("ad spend by marketing channel",
                                                                                 ["campaign_channel"]),
    ("revenue by categry", ["category"]), ("channel mix", ["channel"]), ("revenue by channel and region",
                                                                          ["channel", "region"]),
    ("top 3 subcategories", ["subcategory"]), ("revenue per city", ["city"]),
])
def test_group_by(u: Understander, q: str, group_by: list[str]) -> None:
    assert ents(u, q).group_by == group_by


def test_month_is_a_grain_not_a_split(u: Understander) -> None:
    p = u.parse("revenue by month")
    assert p.ents.group_by == [] and p.time.grain == "month"


def test_two_equal_products_are_ambiguous(u: Understander) -> None:
    e = ents(u, "kestrel smartwatch sales last month")
    assert len(e.ambiguous) == 1
    assert e.ambiguous[0].dimension == "product"
    assert e.ambiguous[0].values == ["Kestrel Fit 3 Smartwatch", "Kestrel Fit 4 Smartwatch"]
    assert e.filters == {}


def test_a_clarified_choice_is_preferred(u: Understander) -> None:
    e = u.parse("kestrel smartwatch sales last month", prefer={"Kestrel Fit 4 Smartwatch"}).ents
    assert e.filters == {"product": ["Kestrel Fit 4 Smartwatch"]} and e.ambiguous == []


def test_exclusions(u: Understander) -> None:
    e = ents(u, "revenue excluding grocery and books")
    assert e.excluded == {"category": ["Grocery", "Books"]} and e.filters == {}


def test_campaign_names_win_over_dates_only_when_campaigns_are_meant(u: Understander) -> None:
    with_word = u.parse("revenue of the Singles' Day 2025 campaign")
    assert with_word.ents.filters == {"campaign": ["Singles' Day 2025"]} and with_word.time.spans == []
    without = u.parse("Singles' Day 2025 revenue")
    assert without.ents.filters == {} and without.time.spans[0].start == dt.date(2025, 11, 11)


def test_campaign_families_without_a_year(u: Understander) -> None:
    e = ents(u, "revenue from the Black Friday Doorbusters campaign")
    assert e.families and set(e.families[0].values) == {
        "Black Friday Doorbusters 2023", "Black Friday Doorbusters 2024", "Black Friday Doorbusters 2025"}


def test_metric_words_are_not_taken_as_filters(u: Understander) -> None:
    e = ents(u, "web traffic by category")  # 'web' belongs to the metric, not the channel
    assert e.metrics == ["sessions"] and e.filters == {} and e.group_by == ["category"]


def test_partial_matches_are_said_out_loud(u: Understander) -> None:
    e = ents(u, "revenue of aurora earbuds")
    assert "'aurora earbuds' read as product 'Aurora X2 Wireless Earbuds'" in e.notes


def test_everyday_words_are_not_values(u: Understander) -> None:
    for q in ("how is the business doing", "display revenue by channel", "the top products", "search the data"):
        assert ents(u, q).filters == {}, q


def test_another_shop_uses_its_own_values() -> None:
    """Nothing is tuned to the demo: a hand-built layer with other values matches those values."""
    sem = SemanticLayer.load()
    sem.dimensions["category"].values = ["Garden Tools", "Pet Supplies", "Office"]
    sem.dimensions["product"].values = ["Acme Rake Pro", "Acme Leaf Blower 2000", "Purrfect Cat Tree"]
    sem.dimensions["region"].values = ["North", "South"]
    sem.dimensions["channel"].values = ["store", "online"]
    m = EntityMatcher(sem)
    out = m.match("revenue of pet supplys in the north", Mask())
    assert out.filters == {"category": ["Pet Supplies"], "region": ["North"]}
    out = m.match("units of the cat tree by channel", Mask())
    assert out.filters == {"product": ["Purrfect Cat Tree"]} and out.group_by == ["channel"]
    out = m.match("acme sales", Mask())
    assert out.filters == {} and out.ambiguous == []  # 'acme' alone names two products: not a filter
    out = m.match("acme rake sales", Mask())
    assert out.filters == {"product": ["Acme Rake Pro"]}
