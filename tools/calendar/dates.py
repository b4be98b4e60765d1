"""The one calendar of ShopLens, below both answer modes: unit ranges (week, month, quarter, half, year), the
previous period and the same period a year earlier, the grain that suits a span, parsing dates people and models
write, and period labels that read well ("May 2026", "Q3 2025", "1 Mar - 30 Jun 2026",
"Black Friday 2024 (29 Nov 2024)"). The offline planner, the LLM's tools and the metric tools all use these
functions, so the same words give the same period and the same label in every mode."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from shoplens.data.errors import UserInputError
from shoplens.data.semantic import Event

D = dt.date
DAY1 = dt.timedelta(days=1)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def month_no(word: str) -> int:
    return _MONTHS.index(word.strip(". ").lower()[:3]) + 1


def month_end(y: int, m: int) -> dt.date:
    return D(y, m, calendar.monthrange(y, m)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return D(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def shift_years(d: dt.date, n: int) -> dt.date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + n, day=28)


def unit_range(unit: str, d: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar day/week (Mon-Sun)/month/quarter/half/year containing ``d``."""
    if unit == "day":
        return d, d
    if unit == "week":
        a = d - dt.timedelta(days=d.weekday())
        return a, a + dt.timedelta(days=6)
    size = {"month": 1, "quarter": 3, "half": 6, "year": 12}[unit]
    first = (d.month - 1) // size * size + 1
    a = D(d.year, first, 1)
    b = add_months(a, size - 1)
    return a, month_end(b.year, b.month)


def prev_unit_range(unit: str, d: dt.date) -> tuple[dt.date, dt.date]:
    return unit_range(unit, unit_range(unit, d)[0] - DAY1)


def last_complete(unit: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The latest calendar unit fully inside the data (the current one when as_of is its last day)."""
    a, b = unit_range(unit, as_of)
    return (a, b) if b <= as_of else prev_unit_range(unit, as_of)


def rolling_units(unit: str, n: int, as_of: dt.date, rolling: bool = False) -> tuple[dt.date, dt.date]:
    """'last N days/weeks' end on as_of; 'last N months/quarters/years' are whole units ending with the latest
    complete one; ``rolling`` ('the past year') always ends on as_of."""
    if unit == "day":
        return as_of - dt.timedelta(days=n - 1), as_of
    if unit == "week":
        return as_of - dt.timedelta(days=7 * n - 1), as_of
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[unit] * n
    if rolling:
        return add_months(as_of, -months) + DAY1, as_of
    a, b = last_complete(unit, as_of)
    return add_months(D(b.year, b.month, 1), 1 - months), b


def latest_year(make: Callable[[int], tuple[dt.date, dt.date]], bound: dt.date) -> int:
    """The latest year whose occurrence (``make(year)``) starts on or before ``bound``."""
    y = bound.year
    for _ in range(3):
        try:
            if make(y)[0] <= bound:
                return y
        except ValueError:
            pass
        y -= 1
    return y


def event_base(e: Event) -> str:
    return re.sub(r"\s*\(.*?\)", "", e.label).strip()


# ---------------------------------------------------------------------------------------------------- labels
def fmt_day(d: dt.date) -> str:
    return f"{d.day} {d:%b} {d.year}"


def day_range(a: dt.date, b: dt.date) -> str:
    if a == b:
        return fmt_day(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day} - {b.day} {b:%b} {b.year}"
    if a.year == b.year:
        return f"{a.day} {a:%b} - {fmt_day(b)}"
    return f"{fmt_day(a)} - {fmt_day(b)}"


def canonical(a: dt.date, b: dt.date) -> str:
    """'June 2026', 'Q2 2026', 'H1 2026', '2025', '2023 - 2024', else a day range."""
    if a.day == 1 and b == month_end(b.year, b.month):
        months = (b.year - a.year) * 12 + b.month - a.month + 1
        if months == 1:
            return f"{a:%B} {a.year}"
        if months == 3 and a.month % 3 == 1:
            return f"Q{(a.month - 1) // 3 + 1} {a.year}"
        if months == 6 and a.month in (1, 7):
            return f"H{1 if a.month == 1 else 2} {a.year}"
        if a.month == 1 and b.month == 12:
            return str(a.year) if a.year == b.year else f"{a.year} - {b.year}"
    return day_range(a, b)


def label(a: dt.date | None, b: dt.date | None, name: str | None = None) -> str:
    """The canonical label, or ``name (dates)`` when the period has its own name ("last 30 days"); an open end
    reads "since 1 Mar 2025" / "up to 30 Jun 2026" / "all time"."""
    if a is None or b is None:
        if a is None and b is None:
            return name or "all time"
        return f"since {fmt_day(a)}" if a is not None else f"up to {fmt_day(b)}"  # type: ignore[arg-type]
    c = canonical(a, b)
    if not name or name == c:
        return c
    return f"{name} ({day_range(a, b)})"


# ------------------------------------------------------------------------------------------- period algebra
def infer_unit(a: dt.date, b: dt.date) -> str:
    for unit in ("day", "week", "month", "quarter", "half", "year"):
        if unit_range(unit, a) == (a, b):
            return unit
    return "range"


def previous_period(a: dt.date, b: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before: the previous calendar unit; for whole months the same number of months before;
    for a partial unit ('June to date', 1-15 Jun) the same days of the previous unit; else the same number of
    days immediately before."""
    unit = infer_unit(a, b)
    if unit != "range":
        return prev_unit_range(unit, a)
    if a.day == 1 and b == month_end(b.year, b.month):  # whole months: the same number of months before
        months = (b.year - a.year) * 12 + b.month - a.month + 1
        start = add_months(a, -months)
        return start, a - DAY1
    for u in ("month", "quarter", "year"):
        ua, ub = unit_range(u, a)
        if ua == a and b < ub and unit_range(u, b)[0] == ua:  # a partial unit from its start
            pa = prev_unit_range(u, a)[0]
            size = {"month": 1, "quarter": 3, "year": 12}[u]
            return pa, min(add_months(b, -size), prev_unit_range(u, a)[1])
    days = (b - a).days + 1
    return a - dt.timedelta(days=days), a - DAY1


def year_ago(a: dt.date, b: dt.date, event: Event | None = None) -> tuple[dt.date, dt.date]:
    """The same period one year earlier (the same event, the same ISO week, the same dates)."""
    if event is not None and (w := event.window_or_none(a.year - 1)) is not None:
        return w
    if infer_unit(a, b) == "week":
        y, w, _ = a.isocalendar()
        start = D.fromisocalendar(y - 1, min(w, 52), 1)
        return start, start + dt.timedelta(days=6)
    if b == month_end(b.year, b.month) and a.day == 1:
        return shift_years(a, -1), month_end(b.year - 1, b.month)
    return shift_years(a, -1), shift_years(b, -1)


def shift(a: dt.date, b: dt.date, n: int) -> tuple[dt.date, dt.date]:
    """Move a period by ``n`` of its own units (n=-1: the period before)."""
    for _ in range(abs(n)):
        if n < 0:
            a, b = previous_period(a, b)
        else:
            unit = infer_unit(a, b)
            if unit != "range":
                a, b = unit_range(unit, b + DAY1)
            else:
                days = (b - a).days + 1
                a, b = b + DAY1, b + dt.timedelta(days=days)
    return a, b


# ------------------------------------------------------------------------------------------------ grains
def grain_for_span(a: dt.date | None, b: dt.date | None) -> str:
    """The time grain an analyst would pick for a span: days up to about six weeks, weeks up to about six
    months, months up to three years, then quarters (an open span reads as months)."""
    if a is None or b is None:
        return "month"
    days = (b - a).days + 1
    return "day" if days <= 45 else "week" if days <= 190 else "month" if days <= 1100 else "quarter"


# ------------------------------------------------------------------------------------------------ parsing
_QUARTER = re.compile(r"^(?:(\d{4})[-\s]?Q([1-4])|Q([1-4])[-\s]?(\d{4}))$", re.I)
_HALF = re.compile(r"^(?:(\d{4})[-\s]?H([12])|H([12])[-\s]?(\d{4}))$", re.I)


def parse_day(value: object, *, end: bool = False) -> dt.date | None:
    """An inclusive day from a date, 'YYYY-MM-DD', 'YYYY-MM', 'YYYY', 'YYYY-Qn'/'Qn YYYY', 'YYYY-Hn' or an ISO
    timestamp. A month, quarter, half or year means its first day (``end=False``) or its last day (``end=True``).
    Empty values ('', 'none', 'all') are None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if text.lower() in ("", "none", "null", "all", "any"):
        return None
    text = text.replace("/", "-")
    for pattern, months in ((_QUARTER, 3), (_HALF, 6)):
        if m := pattern.match(text):
            year, n = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
            first = D(year, months * (n - 1) + 1, 1)
            return unit_range("quarter" if months == 3 else "half", first)[1 if end else 0]
    try:
        if re.fullmatch(r"\d{4}", text):
            return D(int(text), 12, 31) if end else D(int(text), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", text):
            year, month = map(int, text.split("-"))
            return month_end(year, month) if end else D(year, month, 1)
        return D.fromisoformat(text[:10])
    except ValueError:
        raise UserInputError(f"'{text}' is not a date.",
                             hint="Use ISO dates like 2025-03-31 (inclusive); resolve relative periods first.") from None


def compare_window(a: dt.date, b: dt.date, mode: str = "previous", event: Event | None = None, *,
                   rolling: bool = False) -> tuple[dt.date, dt.date]:
    """The period to compare ``a..b`` with: ``previous`` (the period just before, see ``previous_period``; for a
    rolling window such as "last 30 days", the same number of days before) or ``yoy`` (the same period a year
    earlier, see ``year_ago``)."""
    if mode in ("yoy", "year", "same_period_last_year"):
        return year_ago(a, b, event)
    if rolling:
        return a - (b - a) - DAY1, a - DAY1
    return previous_period(a, b)
