"""Why questions asked at the end ("..., why?", "any idea why?"), star-rating ranges in words ("under 3 stars",
"4+ stars") and product names written with common abbreviations ("vit c" for Vitamin C)."""

from __future__ import annotations

import pytest

from shoplens.agent.planner.understand import Understander


@pytest.mark.parametrize("q", [
    "apparel sales dropped in july 2025 compared to june 2025, why?",
    "orders fell last week - why",
    "beauty revenue is down this month, any idea why?",
    "how come returns went up in may",
])
def test_a_trailing_why_is_a_why_question(u: Understander, q: str) -> None:
    assert u.understand(q).kind == "why"


@pytest.mark.parametrize(("q", "kind"), [
    ("apparel sales in july 2025 compared to june 2025", "compare"),
    ("why do customers hate the aurora x2", "reviews"),
])
def test_without_a_why_or_about_reviews_it_stays_what_it_was(u: Understander, q: str, kind: str) -> None:
    assert u.understand(q).kind == kind


@pytest.mark.parametrize(("q", "stars"), [
    ("how many reviews under 3 stars did beauty get last quarter", ["1", "2"]),
    ("how many reviews with fewer than 3 stars last month", ["1", "2"]),
    ("how many 3 stars or less reviews in may", ["1", "2", "3"]),
    ("count of reviews with at least 4 stars in 2025", ["4", "5"]),
    ("how many 4+ star reviews did books get last year", ["4", "5"]),
    ("how many reviews over 4 stars in q1", ["5"]),
    ("how many reviews rated 4 or higher in may", ["4", "5"]),
    ("how many 1 or 2 star reviews last month", ["1", "2"]),
])
def test_star_ranges_in_words(u: Understander, q: str, stars: list[str]) -> None:
    p = u.understand(q)
    assert p.metric == "review_count", (q, p.metric)
    assert sorted(p.filters.get("rating", [])) == stars


@pytest.mark.parametrize("q", ["orders over 3 units last month", "products with under 3 orders in may",
                               "top 3 or more brands by revenue"])
def test_numbers_that_are_not_stars_are_not_ratings(u: Understander, q: str) -> None:
    assert "rating" not in u.understand(q).filters


@pytest.mark.parametrize("q", ["what do customers like most about the luna vit c eye cream",
                               "what do people love most about the luna vitamin c eye cream"])
def test_what_customers_like_most_about_a_product_is_about_its_reviews(u: Understander, q: str) -> None:
    p = u.understand(q)
    assert p.kind == "reviews", (q, p.kind, p.metric)
    assert p.filters == {"product": ["Luna Vitamin C Eye Cream"]}


@pytest.mark.parametrize(("q", "product"), [
    ("units of the luna vit c eye cream in may", "Luna Vitamin C Eye Cream"),
    ("revenue of the voltix braided usb-c cable 2pk last month", "Voltix Braided USB-C Cable 2-Pack"),
])
def test_names_written_with_short_forms(u: Understander, q: str, product: str) -> None:
    assert u.understand(q).filters.get("product") == [product]


@pytest.mark.parametrize("q", ["vit d sales last month", "org revenue last month", "how many pcs did we sell in may"])
def test_short_forms_alone_name_nothing(u: Understander, q: str) -> None:
    assert "product" not in u.understand(q).filters


def test_every_short_form_is_only_a_short_form() -> None:
    from shoplens.agent.planner.values import abbreviations

    assert abbreviations()
    assert all(long != short and short for long, short in abbreviations())


@pytest.mark.parametrize(("q", "praise"), [
    ("what do customers like most about the luna vit c eye cream", True),
    ("what do people love about the serum", True),
    ("what don't people like about the serum", False),
    ("what do customers hate about the serum", False),
    ("reviews of the serum", False),
])
def test_praise_leads_the_summary_when_asked_what_people_like(q: str, praise: bool) -> None:
    from shoplens.agent.planner import wording_insights
    from shoplens.agent.planner.execute_insights import _asks_praise

    assert _asks_praise(q) is praise
    facts = {"reviews_facts": {"reviews": 3, "top_negative_aspects": {"scent": 1},
                               "top_positive_aspects": {"texture": 2}}}
    text = wording_insights.reviews(facts, praise_first=_asks_praise(q))  # type: ignore[arg-type]
    assert (text.index("Most praised") < text.index("Most criticised")) is praise
