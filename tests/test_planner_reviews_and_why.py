"""Why questions asked at the end ("..., why?", "any idea why?"), star-rating ranges in words ("under 3 stars",
"4+ stars") and product names written with common abbreviations ("vit c" for Vitamin C)."""

from __future__ import annotations

import datetime as dt

import pytest

from shoplens.agent.planner.understand import Understander


@pytest.fixture(scope="module")
def u(tool_ctx) -> Understander:
    return Understander(tool_ctx.semantic, tool_ctx.as_of, dt.date(2023, 1, 1), use_embeddings=False)


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
