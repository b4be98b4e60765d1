"""Time expressions -> date ranges, resolved against the data's as-of date (pure functions of text and as_of)."""

from __future__ import annotations

import datetime as dt

import pytest

from shoplens.data.semantic import SemanticLayer
from shoplens.tools.calendar import dates as P
from shoplens.tools.calendar.parse import TimeParser
from shoplens.tools.text import Mask, normalize

D = dt.date
AS_OF = D(2026, 6, 30)  # a Tuesday, the last day of a month and of a quarter
MID = D(2026, 6, 17)  # a Wednesday in the middle of a month


@pytest.fixture(scope="module")
def events():
    return SemanticLayer.load().events


@pytest.fixture(scope="module")
def tp(events):
    return TimeParser(AS_OF, events, D(2023, 1, 1))


@pytest.fixture(scope="module")
def tp_mid(events):
    return TimeParser(MID, events, D(2023, 1, 1))


def spans(tp: TimeParser, text: str):
    return tp.parse(normalize(text), Mask()).spans


def one(tp: TimeParser, text: str) -> tuple[dt.date, dt.date]:
    found = spans(tp, text)
    assert len(found) == 1, f"{text!r}: {[s.label for s in found]}"
    return found[0].start, found[0].end


@pytest.mark.parametrize(("text", "start", "end"), [
    ("revenue last month", D(2026, 5, 1), D(2026, 5, 31)),
    ("sales this month", D(2026, 6, 1), D(2026, 6, 30)),
    ("orders last week", D(2026, 6, 22), D(2026, 6, 28)),
    ("last 7 days", D(2026, 6, 24), D(2026, 6, 30)),
    ("in the last 30 days", D(2026, 6, 1), D(2026, 6, 30)),
    ("past 90 days", D(2026, 4, 2), D(2026, 6, 30)),
    ("yesterday", D(2026, 6, 29), D(2026, 6, 29)),
    ("today", D(2026, 6, 30), D(2026, 6, 30)),
    ("this year", D(2026, 1, 1), D(2026, 6, 30)),
    ("YTD", D(2026, 1, 1), D(2026, 6, 30)),
    ("year to date", D(2026, 1, 1), D(2026, 6, 30)),
    ("last year", D(2025, 1, 1), D(2025, 12, 31)),
    ("Q3 2025", D(2025, 7, 1), D(2025, 9, 30)),
    ("q3'25", D(2025, 7, 1), D(2025, 9, 30)),
    ("2025 Q3", D(2025, 7, 1), D(2025, 9, 30)),
    ("the third quarter of 2025", D(2025, 7, 1), D(2025, 9, 30)),
    ("the last quarter of 2025", D(2025, 10, 1), D(2025, 12, 31)),
    ("Q4 last year", D(2025, 10, 1), D(2025, 12, 31)),
    ("H1 2026", D(2026, 1, 1), D(2026, 6, 30)),
    ("second half of 2025", D(2025, 7, 1), D(2025, 12, 31)),
    ("h2 last year", D(2025, 7, 1), D(2025, 12, 31)),
    ("in 2024", D(2024, 1, 1), D(2024, 12, 31)),
    ("FY2024", D(2024, 1, 1), D(2024, 12, 31)),
    ("since March", D(2026, 3, 1), D(2026, 6, 30)),
    ("since 2025", D(2025, 1, 1), D(2026, 6, 30)),
    ("after Q1 2026", D(2026, 4, 1), D(2026, 6, 30)),
    ("from 2024 to today", D(2024, 1, 1), D(2026, 6, 30)),
    ("until March 2024", D(2023, 1, 1), D(2024, 3, 31)),
    ("between 1 March and 15 April 2025", D(2025, 3, 1), D(2025, 4, 15)),
    ("between March 1st and April 15th, 2025", D(2025, 3, 1), D(2025, 4, 15)),
    ("from 2025-03-01 to 2025-04-15", D(2025, 3, 1), D(2025, 4, 15)),
    ("2025-01-01..2025-03-31", D(2025, 1, 1), D(2025, 3, 31)),
    ("1/1/2025 - 3/31/2025", D(2025, 1, 1), D(2025, 3, 31)),
    ("march 1-15 2025", D(2025, 3, 1), D(2025, 3, 15)),
    ("Jan-Mar 2025", D(2025, 1, 1), D(2025, 3, 31)),
    ("from march to may 2025", D(2025, 3, 1), D(2025, 5, 31)),
    ("dec-feb 2025", D(2024, 12, 1), D(2025, 2, 28)),
    ("between q1 and q3 2025", D(2025, 1, 1), D(2025, 9, 30)),
    ("2023-2024", D(2023, 1, 1), D(2024, 12, 31)),
    ("March 2025", D(2025, 3, 1), D(2025, 3, 31)),
    ("mar '25", D(2025, 3, 1), D(2025, 3, 31)),
    ("2025-03", D(2025, 3, 1), D(2025, 3, 31)),
    ("in march", D(2026, 3, 1), D(2026, 3, 31)),
    ("in December", D(2025, 12, 1), D(2025, 12, 31)),
    ("march last year", D(2025, 3, 1), D(2025, 3, 31)),
    ("May revenue", D(2026, 5, 1), D(2026, 5, 31)),
    ("on 3/14/2025", D(2025, 3, 14), D(2025, 3, 14)),
    ("on 14/3/2025", D(2025, 3, 14), D(2025, 3, 14)),
    ("march 3rd 2025", D(2025, 3, 3), D(2025, 3, 3)),
    ("3 March", D(2026, 3, 3), D(2026, 3, 3)),
    ("2025-03-14", D(2025, 3, 14), D(2025, 3, 14)),
    ("the holiday season", D(2025, 11, 1), D(2025, 12, 31)),
    ("holiday season 2024", D(2024, 11, 1), D(2024, 12, 31)),
    ("Singles' Day 2025", D(2025, 11, 11), D(2025, 11, 11)),
    ("singles day", D(2025, 11, 11), D(2025, 11, 11)),
    ("11.11 2024", D(2024, 11, 11), D(2024, 11, 11)),
    ("double 11", D(2025, 11, 11), D(2025, 11, 11)),
    ("Black Friday 2024", D(2024, 11, 29), D(2024, 11, 29)),
    ("black friday", D(2025, 11, 28), D(2025, 11, 28)),
    ("black friday last year", D(2025, 11, 28), D(2025, 11, 28)),
    ("Cyber Monday 2024", D(2024, 12, 2), D(2024, 12, 2)),
    ("BFCM 2025", D(2025, 11, 28), D(2025, 12, 1)),
    ("618", D(2026, 6, 18), D(2026, 6, 18)),
    ("618 2025", D(2025, 6, 18), D(2025, 6, 18)),
    ("christmas", D(2025, 12, 25), D(2025, 12, 25)),
    ("xmas 2024", D(2024, 12, 25), D(2024, 12, 25)),
    ("the christmas run-up", D(2025, 12, 1), D(2025, 12, 24)),
    ("valentine's day", D(2026, 2, 14), D(2026, 2, 14)),
    ("last 3 months", D(2026, 4, 1), D(2026, 6, 30)),
    ("past 6 weeks", D(2026, 5, 20), D(2026, 6, 30)),
    ("last 12 months", D(2025, 7, 1), D(2026, 6, 30)),
    ("last twelve months", D(2025, 7, 1), D(2026, 6, 30)),
    ("TTM", D(2025, 7, 1), D(2026, 6, 30)),
    ("last 2 qtrs", D(2026, 1, 1), D(2026, 6, 30)),
    ("last 30d", D(2026, 6, 1), D(2026, 6, 30)),
    ("the past year", D(2025, 7, 1), D(2026, 6, 30)),
    ("previous quarter", D(2026, 1, 1), D(2026, 3, 31)),
    ("last qtr", D(2026, 1, 1), D(2026, 3, 31)),
    ("MTD", D(2026, 6, 1), D(2026, 6, 30)),
    ("QTD", D(2026, 4, 1), D(2026, 6, 30)),
    ("week 12 of 2025", D(2025, 3, 17), D(2025, 3, 23)),
    ("2025-W12", D(2025, 3, 17), D(2025, 3, 23)),
    ("wk 1 2026", D(2025, 12, 29), D(2026, 1, 4)),
    ("the week of March 3 2025", D(2025, 3, 3), D(2025, 3, 9)),
    ("3 months ago", D(2026, 3, 1), D(2026, 3, 31)),
    ("the month before last", D(2026, 4, 1), D(2026, 4, 30)),
    ("last monday", D(2026, 6, 29), D(2026, 6, 29)),
    ("last weekend", D(2026, 6, 27), D(2026, 6, 28)),
    ("summer 2025", D(2025, 6, 1), D(2025, 8, 31)),
    ("march the 3rd 2025", D(2025, 3, 3), D(2025, 3, 3)),
    ("the 3rd of march 2025", D(2025, 3, 3), D(2025, 3, 3)),
    ("Mar. 3, 2025", D(2025, 3, 3), D(2025, 3, 3)),
    ("3-14-2025", D(2025, 3, 14), D(2025, 3, 14)),
    ("2025.03.14", D(2025, 3, 14), D(2025, 3, 14)),
    ("14.03.2025", D(2025, 3, 14), D(2025, 3, 14)),
    ("from the 1st to the 15th of march 2025", D(2025, 3, 1), D(2025, 3, 15)),
    ("Nov 28 - Dec 1 2025", D(2025, 11, 28), D(2025, 12, 1)),
    ("the first week of march 2025", D(2025, 3, 1), D(2025, 3, 7)),
    ("the last week of february 2024", D(2024, 2, 23), D(2024, 2, 29)),
    ("since the start of the year", D(2026, 1, 1), D(2026, 6, 30)),
    ("618 this year", D(2026, 6, 18), D(2026, 6, 18)),
    ("black friday sales in 2024", D(2024, 11, 29), D(2024, 11, 29)),
    ("all time", D(2023, 1, 1), D(2026, 6, 30)),
    ("best month ever", D(2023, 1, 1), D(2026, 6, 30)),
])
def test_expressions(tp: TimeParser, text: str, start: dt.date, end: dt.date) -> None:
    assert one(tp, text) == (start, end)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("this month", D(2026, 6, 1), D(2026, 6, 17)),
    ("MTD", D(2026, 6, 1), D(2026, 6, 17)),
    ("last week", D(2026, 6, 8), D(2026, 6, 14)),
    ("this week", D(2026, 6, 15), D(2026, 6, 17)),
    ("in june", D(2026, 6, 1), D(2026, 6, 30)),  # the latest June that has started (clipped later)
    ("in july", D(2025, 7, 1), D(2025, 7, 31)),
    ("last 3 months", D(2026, 3, 1), D(2026, 5, 31)),  # whole months, ending with the last complete one
    ("QTD", D(2026, 4, 1), D(2026, 6, 17)),
    ("618", D(2025, 6, 18), D(2025, 6, 18)),  # this year's 618 has not happened yet
])
def test_mid_month_as_of(tp_mid: TimeParser, text: str, start: dt.date, end: dt.date) -> None:
    assert one(tp_mid, text) == (start, end)


@pytest.mark.parametrize(("text", "label"), [
    ("last month", "May 2026"),
    ("Q3 2025", "Q3 2025"),
    ("in 2024", "2024"),
    ("H1 2026", "H1 2026"),
    ("since March", "1 Mar - 30 Jun 2026"),
    ("Black Friday 2024", "Black Friday 2024 (29 Nov 2024)"),
    ("Singles' Day 2025", "Singles' Day 2025 (11 Nov 2025)"),
    ("last 30 days", "last 30 days (1 - 30 Jun 2026)"),
    ("YTD", "2026 to date (1 Jan - 30 Jun 2026)"),
    ("week 12 of 2025", "week 12 2025 (17 - 23 Mar 2025)"),
    ("between 15 Dec 2025 and 10 Jan 2026", "15 Dec 2025 - 10 Jan 2026"),
    ("2023-2024", "2023 - 2024"),
])
def test_labels_read_well(tp: TimeParser, text: str, label: str) -> None:
    assert spans(tp, text)[0].label == label


def test_mid_month_labels(tp_mid: TimeParser) -> None:
    assert spans(tp_mid, "this month")[0].label == "June 2026 to date (1 - 17 Jun 2026)"


@pytest.mark.parametrize("text", [
    "top 5 products by revenue", "web vs app", "it may be cheaper", "what data do you have", "revenue by category",
    "the last cartographer", "top 10 brands", "sales for the Summit 20F Sleeping Bag", "3 best products",
    "revenue from the app", "show me 500 rows",
])
def test_no_period_in(tp: TimeParser, text: str) -> None:
    assert spans(tp, text) == []


@pytest.mark.parametrize(("text", "grain"), [
    ("monthly revenue", "month"), ("revenue by week", "week"), ("orders per day", "day"), ("each quarter", "quarter"),
    ("day by day", "day"), ("yearly totals", "year"), ("annual revenue", "year"), ("montly sales", "month"),
    ("revenue by month in 2025", "month"), ("weekly orders", "week"),
])
def test_grains(tp: TimeParser, text: str, grain: str) -> None:
    assert tp.parse(normalize(text), Mask()).grain == grain


def test_day_of_week_is_not_a_grain(tp: TimeParser) -> None:
    assert tp.parse("revenue by day of week", Mask()).grain is None


@pytest.mark.parametrize(("text", "mode"), [
    ("revenue yoy", "yoy"), ("vs last year", "yoy"), ("same period last year", "yoy"), ("year over year", "yoy"),
    ("compared to the same time a year ago", "yoy"), ("rev ytd vs ly", "yoy"), ("month over month", "previous"),
    ("vs last month", "previous"), ("compared with the previous period", "previous"), ("WoW", "previous"),
])
def test_compare_hints(tp: TimeParser, text: str, mode: str) -> None:
    assert tp.parse(normalize(text), Mask()).compare_mode == mode


def test_a_year_less_partner_takes_the_other_year(tp: TimeParser) -> None:
    assert [s.label for s in spans(tp, "Q1 vs Q2 2025")] == ["Q1 2025", "Q2 2025"]
    assert [s.label for s in spans(tp, "march vs april 2024")] == ["March 2024", "April 2024"]


def test_two_periods_for_a_comparison(tp: TimeParser) -> None:
    found = spans(tp, "revenue 2024 vs 2025")
    assert [(s.start, s.end) for s in found] == [(D(2024, 1, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31))]
    q = spans(tp, "Q1 vs Q2")
    assert [s.label for s in q] == ["Q1 2026", "Q2 2026"]


def test_this_month_vs_same_period_last_year_keeps_one_period(tp: TimeParser) -> None:
    info = tp.parse(normalize("revenue this month vs same period last year"), Mask())
    assert [s.label for s in info.spans] == ["June 2026"] and info.compare_mode == "yoy"


@pytest.mark.parametrize(("text", "horizon"), [
    ("forecast the next 8 weeks", (8, "week")), ("next 30 days", (30, "day")), ("next quarter", (1, "quarter")),
    ("for the coming 6 months", (6, "month")), ("12 weeks ahead", (12, "week")), ("next two weeks", (2, "week")),
])
def test_horizons(tp: TimeParser, text: str, horizon: tuple[int, str]) -> None:
    info = tp.parse(normalize(text), Mask())
    assert info.horizon == horizon and info.spans == []


def test_rest_of_year_is_a_horizon_end(tp: TimeParser) -> None:
    assert tp.parse("forecast for the rest of the year", Mask()).horizon_end == D(2026, 12, 31)


def test_year_less_mentions_are_said_out_loud(tp: TimeParser) -> None:
    notes = tp.parse("sales in march", Mask()).notes
    assert notes == ["'march' read as March 2026"]


def test_parsed_spans_are_masked(tp: TimeParser) -> None:
    mask = Mask()
    text = "revenue for march 2025 by week"
    tp.parse(text, mask)
    assert mask.blank(text).split() == ["revenue", "for"]


def test_prior_phrasing_is_marked_for_follow_ups(tp: TimeParser) -> None:
    assert spans(tp, "and the previous month?")[0].rel == "prior"
    assert spans(tp, "last month")[0].rel == "last"


# ---------------------------------------------------------------------------------------------- period algebra
@pytest.mark.parametrize(("a", "b", "prev"), [
    (D(2026, 5, 1), D(2026, 5, 31), (D(2026, 4, 1), D(2026, 4, 30))),
    (D(2025, 7, 1), D(2025, 9, 30), (D(2025, 4, 1), D(2025, 6, 30))),
    (D(2025, 1, 1), D(2025, 12, 31), (D(2024, 1, 1), D(2024, 12, 31))),
    (D(2026, 6, 22), D(2026, 6, 28), (D(2026, 6, 15), D(2026, 6, 21))),
    (D(2026, 6, 1), D(2026, 6, 17), (D(2026, 5, 1), D(2026, 5, 17))),  # month to date: the same days before
    (D(2026, 6, 1), D(2026, 6, 30), (D(2026, 5, 1), D(2026, 5, 31))),
    (D(2026, 6, 11), D(2026, 6, 20), (D(2026, 6, 1), D(2026, 6, 10))),  # any range: as many days just before
    (D(2024, 3, 1), D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29))),
])
def test_previous_period(a: dt.date, b: dt.date, prev: tuple[dt.date, dt.date]) -> None:
    assert P.previous_period(a, b) == prev


def test_year_ago_follows_events_and_iso_weeks(events) -> None:
    bf = next(e for e in events if e.name == "black_friday")
    assert P.year_ago(D(2025, 11, 28), D(2025, 11, 28), bf) == (D(2024, 11, 29), D(2024, 11, 29))
    assert P.year_ago(D(2025, 3, 17), D(2025, 3, 23)) == (D(2024, 3, 18), D(2024, 3, 24))
    assert P.year_ago(D(2024, 2, 1), D(2024, 2, 29)) == (D(2023, 2, 1), D(2023, 2, 28))
    assert P.year_ago(D(2024, 2, 29), D(2024, 2, 29)) == (D(2023, 2, 28), D(2023, 2, 28))


@pytest.mark.parametrize(("a", "b", "label"), [
    (D(2026, 5, 1), D(2026, 5, 31), "May 2026"), (D(2026, 4, 1), D(2026, 6, 30), "Q2 2026"),
    (D(2026, 1, 1), D(2026, 6, 30), "H1 2026"), (D(2025, 1, 1), D(2025, 12, 31), "2025"),
    (D(2026, 3, 1), D(2026, 6, 30), "1 Mar - 30 Jun 2026"), (D(2026, 6, 30), D(2026, 6, 30), "30 Jun 2026"),
    (D(2026, 6, 1), D(2026, 6, 15), "1 - 15 Jun 2026"),
])
def test_canonical_labels(a: dt.date, b: dt.date, label: str) -> None:
    assert P.label(a, b) == label


def test_parsing_never_reads_the_wall_clock(events) -> None:
    old = TimeParser(D(2024, 2, 29), events)
    assert one(old, "last year") == (D(2023, 1, 1), D(2023, 12, 31))
    assert one(old, "this month") == (D(2024, 2, 1), D(2024, 2, 29))
    assert one(old, "black friday") == (D(2023, 11, 24), D(2023, 11, 24))
