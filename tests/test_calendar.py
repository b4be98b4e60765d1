"""The one calendar below both answer modes: property tests over random dates, and the same period and label for
the same words in the offline planner and in the LLM's tools."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.agent.planner.understand import Understander
from shoplens.tools.calendar import dates as D
from shoplens.tools.metric_query import QueryMetricTool
from shoplens.tools.requests import CompareRequest, MetricRequest

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
UNITS = ("day", "week", "month", "quarter", "half", "year")


@given(days, st.sampled_from(UNITS))
def test_a_unit_contains_its_day_and_the_previous_one_ends_the_day_before(d: dt.date, unit: str) -> None:
    a, b = D.unit_range(unit, d)
    assert a <= d <= b and D.infer_unit(a, b) == unit
    pa, pb = D.previous_period(a, b)
    assert pb == a - dt.timedelta(days=1) and D.infer_unit(pa, pb) == unit


@given(days, days)
def test_previous_period_is_adjacent_and_no_longer_than_a_unit_more(x: dt.date, y: dt.date) -> None:
    a, b = min(x, y), max(x, y)
    pa, pb = D.previous_period(a, b)
    assert pa <= pb < a
    assert pb == a - dt.timedelta(days=1) or D.infer_unit(a, b) == "range"  # partial units keep their days
    assert (pb - pa).days <= (b - a).days + 31


@given(days, days)
def test_year_ago_is_about_a_year_earlier_and_as_long(x: dt.date, y: dt.date) -> None:
    a, b = min(x, y), max(x, y)
    ya, yb = D.year_ago(a, b)
    assert 358 <= (a - ya).days <= 372 and abs((yb - ya).days - (b - a).days) <= 3


@given(days, days)
def test_labels_are_never_empty_and_whole_units_read_as_units(x: dt.date, y: dt.date) -> None:
    a, b = min(x, y), max(x, y)
    text = D.label(a, b)
    assert text and str(b.year) in text
    if D.infer_unit(a, b) == "month":
        assert text == f"{a:%B} {a.year}"


@given(days)
def test_parse_day_reads_what_it_writes(d: dt.date) -> None:
    assert D.parse_day(d.isoformat()) == d
    assert D.parse_day(f"{d.year}-{d.month:02d}") == d.replace(day=1)
    assert D.parse_day(f"{d.year}-{d.month:02d}", end=True) == D.unit_range("month", d)[1]
    q = (d.month - 1) // 3 + 1
    assert D.parse_day(f"Q{q} {d.year}") == D.unit_range("quarter", d)[0]
    assert D.parse_day(f"{d.year}-Q{q}", end=True) == D.unit_range("quarter", d)[1]


@settings(max_examples=50)
@given(st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2035, 12, 31)),
       st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_the_grain_grows_with_the_span(x: dt.date, y: dt.date) -> None:
    a, b = min(x, y), max(x, y)
    order = ["day", "week", "month", "quarter"]
    g = D.grain_for_span(a, b)
    longer = D.grain_for_span(a, b + dt.timedelta(days=400))
    assert order.index(longer) >= order.index(g)


# --- both modes, the same words ------------------------------------------------------------------------------
PHRASES = [
    "last month", "this month", "this quarter", "last quarter", "this year", "last year", "ytd", "mtd", "qtd",
    "last week", "this week", "last 7 days", "last 30 days", "last 90 days", "past two weeks", "last 3 months",
    "last 6 months", "last 12 months", "the past year", "yesterday", "q1 2026", "q3 2025", "h1 2026", "h2 2025",
    "2025", "2024", "march 2026", "march", "may 2025", "jan-mar 2025", "from march to may 2025",
    "since march", "since black friday 2025", "black friday 2024", "singles day 2025", "618 2025",
    "cyber monday 2024", "the holiday season 2025", "christmas 2025", "between 2025-02-01 and 2025-02-14",
    "2025-01-01 to 2025-03-31", "summer 2025", "spring 2026", "fy2025", "last weekend", "1 march 2026",
    "the first half of 2025", "the second quarter of 2025", "december 2024", "all time",
    "4th of july 2024", "the fourth of july", "black friday of 2025", "christmas in 2024",
]


@pytest.fixture(scope="module")
def understander(tool_ctx: Any) -> Understander:
    return Understander(tool_ctx.semantic, tool_ctx.as_of, tool_ctx.data_start, use_embeddings=False)


@pytest.mark.parametrize("words", PHRASES)
def test_offline_and_llm_tools_read_the_same_words_as_the_same_period(words: str, understander: Understander,
                                                                      tool_ctx: Any) -> None:
    plan = understander.understand(f"revenue {words}")
    assert plan.period is not None, (words, plan.kind, plan.reason)
    llm_period, _ = MetricRequest(metric="revenue", period=words).resolve(tool_ctx)
    assert llm_period is not None
    assert (llm_period.start, llm_period.end, llm_period.label) == (plan.period.start, plan.period.end,
                                                                    plan.period.label), words
    # and the figure a model's tool call reports carries the same label as the planner's answer
    out = QueryMetricTool(tool_ctx).call(MetricRequest(metric="revenue", period=words))
    assert out.period is not None and out.period.label == plan.period.label


@pytest.mark.parametrize("words", ["last month", "q3 2025", "last 30 days", "2025", "last week"])
def test_the_period_to_compare_with_is_the_same_in_both_modes(words: str, understander: Understander,
                                                              tool_ctx: Any) -> None:
    for mode, question, compare_to in (("previous", f"revenue {words} vs the period before", "previous_period"),
                                       ("yoy", f"revenue {words} vs the same period last year",
                                        "same_period_last_year")):
        plan = understander.understand(question)
        assert plan.compare_period is not None or plan.compare_mode == mode, (question, plan)
        expected = plan.compare_period or tool_ctx.calendar.compare_with(plan.period, mode)
        _, prev = CompareRequest(metric="revenue", current_period=words, compare_to=compare_to).periods(tool_ctx)
        assert (prev.start, prev.end) == (expected.start, expected.end), (question, prev, expected)


def test_words_that_are_not_a_period_get_a_clear_message(tool_ctx: Any) -> None:
    from shoplens.data.errors import UserInputError

    with pytest.raises(UserInputError, match="not a period I can read"):
        MetricRequest(metric="revenue", period="the blue moon").resolve(tool_ctx)
    with pytest.raises(UserInputError, match="outside the data"):
        MetricRequest(metric="revenue", period="2031").resolve(tool_ctx)
