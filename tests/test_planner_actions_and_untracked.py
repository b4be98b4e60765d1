"""Questions about things the shop's data does not hold (backorders, time on page, search-engine volume) and
requests to act (promo codes, sending or scheduling summaries) are declined with a reason; ordinary questions
with the same words (email campaigns, search ads, promo revenue) are still answered."""

from __future__ import annotations

import pytest

from shoplens.agent.planner.understand import Understander


@pytest.mark.parametrize(("q", "reason_word"), [
    ("how many brickly castle sets are on backorder rn?", "backorders"),
    ("when will the aurora x2 be restocked", "restocks"),
    ("avg time on page for the kestrel fit 4 product page last month?", "time on page"),
    ("average session duration in may", "time on page"),
    ("what's the scroll depth on the serum page", "scroll depth"),
    ("how many people googled 'air fryer' this month vs last", "Search-engine"),
    ("search volume for wireless earbuds last quarter", "Search-engine"),
    ("pls set up a 20% off promo code for beauty for next weekend", "promo codes"),
    ("can you launch a flash sale on toys tomorrow", "promo codes"),
    ("lower the price of the aurora x2 by 10%", "change prices"),
    ("email the weekly sales summary to the leadership team every monday at 8", "digest"),
    ("send this report to the board every friday", "digest"),
])
def test_declined_with_a_reason(u: Understander, q: str, reason_word: str) -> None:
    p = u.understand(q)
    assert p.kind == "unsupported", (q, p.kind, p.metric)
    assert reason_word in (p.reason or ""), p.reason


def test_the_digest_the_decline_points_to_is_read_as_a_digest() -> None:
    from shoplens.tools.alerts.words import is_request

    assert is_request("every Monday at 8 send the weekly digest to #sales")


@pytest.mark.parametrize(("q", "kind", "metric"), [
    ("email revenue last month", "figure", "revenue"),
    ("cpc on search campaigns in q1", "figure", "cpc"),
    ("clicks from search ads last month", "figure", "clicks"),
    ("how many brickly castle sets did we sell last month", "figure", "units"),
    ("sessions for the serum last month", "figure", "sessions"),
    ("revenue from the black friday campaign", None, "revenue"),
])
def test_ordinary_questions_with_the_same_words_are_answered(u: Understander, q: str, kind: str | None,
                                                             metric: str) -> None:
    p = u.understand(q)
    assert p.kind != "unsupported", (q, p.reason)
    assert kind is None or p.kind == kind
    assert p.metric == metric
