"""Countries named by their adjective or people ("french customers", "the germans"), from prompts/demonyms.yaml,
matched only against the values of the shop's own country dimension; everyday words stay everyday."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from shoplens.agent.planner.demonyms import demonyms
from shoplens.agent.planner.understand import Understander
from shoplens.data.semantic import Dimension

# as the UCI Online Retail export spells them (EIRE, RSA, USA); no Poland, no Japan
COUNTRIES = ["Australia", "EIRE", "France", "Germany", "Netherlands", "RSA", "Switzerland", "USA", "United Kingdom"]


@pytest.fixture(scope="module")
def u(tool_ctx) -> Understander:
    semantic = copy.deepcopy(tool_ctx.semantic)
    semantic.dimensions["country"] = Dimension("country", "Country", {"sales": "o.country"}, ("countries",),
                                               values=list(COUNTRIES), declared=True)
    return Understander(semantic, tool_ctx.as_of, dt.date(2023, 1, 1), use_embeddings=False)


@pytest.mark.parametrize(("q", "country"), [
    ("aov for french customers in 2011", "France"),
    ("how many swiss customers ordered from us this year?", "Switzerland"),
    ("german orders last month", "Germany"),
    ("revenue from dutch clients", "Netherlands"),
    ("irish customers this year", "EIRE"),  # the shop's spelling of Ireland
    ("american buyers last quarter", "USA"),
    ("how much did the germans spend last month", "Germany"),  # a people noun counts on its own
    ("south african orders in march", "RSA"),
    ("swiss-based customers by month", "Switzerland"),
])
def test_a_country_adjective_before_a_customer_or_sales_word_filters_the_country(u: Understander, q: str,
                                                                                  country: str) -> None:
    assert u.parse(q).ents.filters.get("country") == [country], q


@pytest.mark.parametrize("q", [
    "polish the report: revenue by month",  # a verb
    "orders from polish customers last month",  # the shop has no Poland
    "sales of french fries last month",  # not followed by a customer or sales word
    "revenue of the french blue metal door sign",
    "units of swiss roll towel this year",
    "japanese customers last month",  # no Japan in this shop
    "revenue for chinese new year",
    "show us orders by month",
])
def test_everyday_words_and_countries_the_shop_lacks_are_not_country_filters(u: Understander, q: str) -> None:
    assert "country" not in u.parse(q).ents.filters, q


def test_excluding_a_nationality_excludes_its_country(u: Understander) -> None:
    ents = u.parse("revenue excluding french customers last month").ents
    assert ents.excluded.get("country") == ["France"] and "country" not in ents.filters


def test_the_demonym_table_covers_the_common_countries() -> None:
    table = demonyms()
    assert len(set(table.adjectives.values())) >= 60
    assert all(w == w.lower() for w in (*table.adjectives, *table.people, *table.context))
    assert not set(table.people) & set(table.adjectives)  # a people noun that is also an adjective needs context
