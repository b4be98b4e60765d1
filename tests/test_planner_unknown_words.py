"""Questions about something the shop's data does not hold are declined by their words (agent/planner/unknown_words.py),
naming those words, whatever the topic; questions with a stray word or two about what the data has are answered."""

from __future__ import annotations

import pytest

from shoplens.agent.planner.understand import Understander
from shoplens.agent.planner.unknown_words import off_the_data, unknown_words


@pytest.mark.parametrize(("q", "words"), [
    ("what's our carbon footprint per parcel this year", {"carbon", "footprint"}),
    ("how many podcast downloads did we get in march", {"podcast", "downloads"}),
    ("whats the monthly wage bill for the customer service team", {"wage", "bill"}),
    ("how much state tax do we owe for h1", set()),  # declined (another rule may say why first)
    ("how many new facebook page likes did we pick up in may", {"facebook"}),
])
def test_a_question_about_something_else_is_declined_naming_its_words(u: Understander, q: str,
                                                                       words: set[str]) -> None:
    p = u.understand(q)
    assert p.kind == "unsupported", (q, p.kind, p.metric, p.filters)
    assert all(f"'{w}'" in (p.reason or "") for w in words), p.reason
    assert not words or "what data do you have" in (p.reason or "")


@pytest.mark.parametrize("q", [
    "quick q - revenue by brand last month thx",
    "hey can u pull avg order value for app customers ytd",
    "wat % of units sold lst month was grocery",  # typos are not topics
    "how many copies of the harbor house novel went out in may",  # a value named: one stray word more is allowed
    "which 5 customers ordered from us most often this year",
    "what do buyers rave about for the maren stuff since jan",  # reviews keep their own words
    "which products are doing great right now",
    "which other brands did well in june",
    "which products are our cash cows",  # a split named: two stray words are not enough
    "for the investor meeting tomorrow, what was q2 revenue",  # a lead-in clause is context
    "my manager asked which campaign performed best",
    "change in the average price of lunch bags in 2024",  # a year is not a new price
])
def test_stray_words_around_what_the_data_has_are_answered(u: Understander, q: str) -> None:
    p = u.understand(q)
    assert p.kind != "unsupported", (q, p.reason)


def test_the_count_skips_stop_words_question_words_and_short_typos() -> None:
    domain = frozenset(["revenue", "brand"])
    assert unknown_words("what's the   by    thx for the carbon footprint", domain) == ["carbon", "footprint"]
    assert unknown_words("lst qrz tax", domain) == ["tax"]  # 'tax' is English; 'lst' and 'qrz' are typos
    assert off_the_data("carbon footprint", domain, "figure", names_something=False)
    assert off_the_data("carbon footprint", domain, "figure", names_something=True) is None
    assert off_the_data("carbon footprint", domain, "why", names_something=False) is None


def test_the_same_decline_in_a_conversation_as_in_a_new_session(u: Understander) -> None:
    first = u.understand("revenue by category last month")
    p = u.understand("and the podcast downloads in may?", first)  # read as a follow-up, still declined
    assert p.kind == "unsupported" and "'podcast'" in (p.reason or ""), (p.kind, p.reason)
    assert u.understand("and for beauty?", first).filters.get("category") == ["Beauty"]


def test_the_decline_is_said_once(settings, tmp_path) -> None:  # noqa: ANN001
    from shoplens.agent.analyst import Analyst

    analyst = Analyst(settings)
    try:
        text = analyst.ask("how many podcast downloads did we get in march").answer
    finally:
        analyst.close()
    assert text.startswith("The shop's data has nothing on 'podcast', 'downloads'") and "offline" not in text, text
