"""Grammar for single date expressions ("Q3 2025", "March 3rd", "Black Friday 2024", "week 12 of 2025") and the
types the time parser returns. A year-less expression resolves to its latest occurrence on or before as-of."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shoplens.data.semantic import Event
from shoplens.tools.calendar.dates import (
    event_base,
    fmt_day,
    label,
    latest_year,
    month_end,
    month_no,
    unit_range,
)

D = dt.date

YEAR = r"(?:(?:19|20)\d\d|'\d\d|(?:last|this|previous|prior|current)\s+year)"
MON = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
       r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?(?![a-z])")
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
UNIT = r"(?:days?|weeks?|wks?|months?|mos?|mths?|quarters?|qtrs?|years?|yrs?)"
_UNIT_NAMES = {"wk": "week", "mo": "month", "mth": "month", "qtr": "quarter", "yr": "year"}
B, E = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_POINT_PARTS: list[tuple[str, str]] = [
    ("iso", r"(?:19|20)\d\d[-/.](?:1[0-2]|0?[1-9])[-/.](?:[12]\d|3[01]|0?[1-9])"),
    ("num", r"(?:[12]\d|3[01]|0?[1-9])[/.\-](?:[12]\d|3[01]|0?[1-9])[/.\-](?:(?:19|20)\d\d|\d\d)"),
    ("wom", rf"(?:the\s+)?(?:first|second|third|fourth|last|1st|2nd|3rd|4th)\s+week\s+(?:of|in)\s+{MON}(?:,?\s*{YEAR})?"),
    ("yweek", r"(?:19|20)\d\d[-\s]?w(?:eek\s*)?\d{1,2}"),
    ("week", rf"(?:(?:iso\s+|calendar\s+)?week\s*(?:no\.?\s*|number\s*|#\s*)?|wk\s*|w)\d{{1,2}}(?:(?:\s*,\s*|\s+of\s+|\s+in\s+|\s+){YEAR})?"),
    ("yquarter", r"(?:19|20)\d\d\s*[-/]?\s*q[1-4]"),
    ("quarter", rf"q[1-4](?:(?:\s+of\s+|\s*[-/]?\s*){YEAR}|\s+[1-3]\d(?![\d%]))?"),  # "q1 26" too
    ("ordq", rf"(?:the\s+)?(?:(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter(?:\s+(?:of\s+)?{YEAR})?|(?:last|final)\s+quarter\s+of\s+{YEAR})"),
    ("yhalf", r"(?:19|20)\d\d\s*[-/]?\s*h[12]"),
    ("half", rf"h[12](?:(?:\s+of\s+|\s*[-/]?\s*){YEAR})?"),
    ("ordh", rf"(?:the\s+)?(?:first|second|1st|2nd)\s+half(?:\s+of)?(?:\s+the\s+year)?(?:\s+{YEAR})?"),
    ("weekof", rf"week\s+(?:of|starting|beginning|commencing|ending)\s+(?:the\s+)?(?:(?:19|20)\d\d-\d\d?-\d\d?|{DAY}\s+(?:of\s+)?{MON}(?:,?\s*{YEAR})?|{MON}\s+{DAY}(?:,?\s*{YEAR})?)"),
    ("event", ""),  # filled per instance from the calendar events
    ("dmy", rf"{DAY}\s+(?:of\s+)?{MON}(?:,?\s*{YEAR})?"),
    ("mdy", rf"{MON}\s+(?:the\s+)?{DAY}(?:,?\s*{YEAR})?"),
    ("ym", r"(?:19|20)\d\d-(?:1[0-2]|0[1-9])"),
    ("my_num", r"(?:1[0-2]|0?[1-9])/(?:19|20)\d\d"),
    ("my", rf"{MON}(?:,?\s*(?:of\s+|in\s+)?{YEAR})?"),
    ("year", r"(?:fy\s?|cy\s?)?(?:19|20)\d\d|fy\s?'?\d\d"),
]

@dataclass(frozen=True)
class TimeSpan:
    start: dt.date
    end: dt.date  # inclusive; not yet clipped to the data
    unit: str  # day | week | month | quarter | half | year | range | rolling | todate | event | all
    pos: tuple[int, int]
    name: str | None = None  # display name when the canonical one would not read well ("last 30 days")
    bare: bool = False  # written without a year ("March", "Q3", "Black Friday"): resolved to the latest one
    rel: str | None = None  # "prior": "the previous month" (re-anchored to the last plan in follow-ups)
    rel_unit: str | None = None
    count: int = 0  # with rel "prior": "the 7 days before that" steps back 7 units from the period already named
    event: str | None = None
    open_start: bool = False  # "until March": from the start of the data
    text: str = ""
    ends: tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]] | None = None  # "from Aug to Oct": the two units

    @property
    def label(self) -> str:
        return label(self.start, self.end, self.name)


@dataclass
class TimeInfo:
    spans: list[TimeSpan] = field(default_factory=list)
    grain: str | None = None
    compare_mode: str | None = None  # "yoy" | "previous"
    compare_unit: str | None = None  # the unit in "month over month"
    horizon: tuple[int, str] | None = None  # (n, unit) from "next 8 weeks"
    horizon_end: dt.date | None = None  # "rest of the year"
    all_time: bool = False
    notes: list[str] = field(default_factory=list)


class PointGrammar:
    def __init__(self, as_of: dt.date, events: Iterable[Event] = (), data_start: dt.date | None = None) -> None:
        self.as_of = as_of
        self.data_start = data_start or D(as_of.year - 30, 1, 1)
        self.events = {e.name: e for e in events}
        self._syn: dict[str, str] = {}
        for e in self.events.values():
            for s in {*e.synonyms, e.name.replace("_", " "), event_base(e).lower()}:
                self._syn[re.sub(r"[\s\-]+", " ", str(s).lower().strip())] = e.name
        ev_alt = "|".join(re.escape(s).replace("\\ ", " ").replace(" ", r"[\s\-]+") for s in sorted(self._syn, key=len, reverse=True))
        parts = [(k, (rf"(?:{YEAR}(?:'s)?\s+)?(?:{ev_alt})(?:\s+(?:of\s+|in\s+)?{YEAR})?" if k == "event" else v))
                 for k, v in _POINT_PARTS if k != "event" or ev_alt]
        self._parts = [(k, re.compile(v)) for k, v in parts]
        self.P = "(?:" + "|".join(f"(?:{v})" for _, v in parts) + ")"

    # ------------------------------------------------------------------------------------------------ points
    def point(self, s: str, year: int | None = None, before: dt.date | None = None) -> TimeSpan | None:
        """Resolve one date expression; ``year`` supplies a missing year, ``before`` bounds a year-less one."""
        s = s.strip().rstrip(".")
        for kind, rx in self._parts:
            m = rx.fullmatch(s)
            if m:
                return self._resolve(kind, s, year, before)
        return None

    def _year(self, s: str) -> int | None:
        if m := re.search(r"(last|this|previous|prior|current)\s+year", s):
            return self.as_of.year - (0 if m.group(1) in ("this", "current") else 1)
        m = (re.search(r"(?<![\d])((?:19|20)\d\d)(?!\d)", s) or re.search(r"'(\d\d)(?!\d)|fy\s?(\d\d)$", s)
             or re.search(r"^q[1-4]\s+([1-3]\d)$", s))
        if not m:
            return None
        g = next(x for x in m.groups() if x)
        return int(g) if len(g) == 4 else 2000 + int(g)

    def _resolve(self, kind: str, s: str, year_hint: int | None, before: dt.date | None) -> TimeSpan | None:  # long: one table of point kinds (month, quarter, season, event...) resolved against a year
        y = self._year(s) if kind not in ("iso", "num", "ym", "my_num") else None
        bound = before or self.as_of
        name = None
        if kind in ("iso", "num", "ym", "my_num"):
            nums = [int(x) for x in re.findall(r"\d+", s)]
            if kind == "iso":
                a = b = _safe_date(nums[0], nums[1], nums[2])
            elif kind == "num":
                yy = nums[2] + (2000 if nums[2] < 100 else 0)
                m_, d_ = (nums[0], nums[1]) if "." not in s and nums[0] <= 12 else (nums[1], nums[0])
                a = b = _safe_date(yy, m_, d_)
            else:
                yy, m_ = (nums[0], nums[1]) if kind == "ym" else (nums[1], nums[0])
                a, b = D(yy, m_, 1), month_end(yy, m_)
            if a is None or b is None:
                return None
            return TimeSpan(a, b, "day" if a == b else "month", (0, 0))
        unit: str
        make: Callable[[int], tuple[dt.date, dt.date]]
        if kind == "weekof":
            day = self.point(re.sub(r"^week\s+(?:of|starting|beginning|commencing|ending)\s+(?:the\s+)?", "", s))
            if day is None:
                return None
            a = day.start - dt.timedelta(days=day.start.weekday())
            return TimeSpan(a, a + dt.timedelta(days=6), "week", (0, 0), name=f"week of {fmt_day(a)}", bare=day.bare)
        if kind in ("week", "yweek"):
            w = int(re.findall(r"\d{1,2}", re.sub(r"(?:19|20)\d\d|'\d\d", "", s))[0])
            if not 1 <= w <= 53:
                return None
            unit = "week"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                a = D.fromisocalendar(yr, min(w, 52), 1)
                return a, a + dt.timedelta(days=6)
        elif kind in ("quarter", "yquarter", "ordq"):
            q = _ordinal(s, "quarter") if kind == "ordq" else int(re.search(r"q([1-4])", s).group(1))  # type: ignore[union-attr]
            unit = "quarter"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                return unit_range("quarter", D(yr, 3 * q - 2, 1))
        elif kind in ("half", "yhalf", "ordh"):
            h = _ordinal(s, "half") if kind == "ordh" else int(re.search(r"h([12])", s).group(1))  # type: ignore[union-attr]
            unit = "half"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                return unit_range("half", D(yr, 6 * h - 5, 1))
        elif kind in ("dmy", "mdy"):
            mon = month_no(re.search(MON, s).group(0))  # type: ignore[union-attr]
            day = int(re.search(r"(?<![\d'])([0-3]?\d)(?:st|nd|rd|th)?(?!\d)", re.sub(YEAR, "", s)).group(1))  # type: ignore[union-attr]
            unit = "day"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                d = _safe_date(yr, mon, day) or month_end(yr, mon)
                return d, d
        elif kind == "wom":  # "the first week of March": days 1-7 (the last week: the month's last 7 days)
            mon = month_no(re.search(MON, s).group(0))  # type: ignore[union-attr]
            nth = _ordinal(s, "quarter")
            unit = "range"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                if re.search(r"\blast\b", s):
                    end = month_end(yr, mon)
                    return end - dt.timedelta(days=6), end
                start = D(yr, mon, 7 * (nth - 1) + 1)
                return start, start + dt.timedelta(days=6)
        elif kind == "my":
            mon = month_no(re.search(MON, s).group(0))  # type: ignore[union-attr]
            unit = "month"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                return D(yr, mon, 1), month_end(yr, mon)
        elif kind == "event":
            event_name = self._event_name(s)
            if event_name is None:
                return None
            ev = self.events[event_name]
            unit = "event"

            def make(yr: int) -> tuple[dt.date, dt.date]:
                return ev.window(yr)
        else:  # year
            if y is None:
                return None
            a, b = D(y, 1, 1), D(y, 12, 31)
            return TimeSpan(a, b, "year", (0, 0), name=None)
        yr = y or year_hint
        bare = yr is None
        if yr is None:
            yr = latest_year(make, bound)
        try:
            a, b = make(yr)
        except ValueError:  # an event with no date known for that year
            return None
        if kind == "event":
            name = f"{event_base(ev)} {yr}"
        elif unit == "week":
            name = f"week {a.isocalendar()[1]} {a.isocalendar()[0]}"
        return TimeSpan(a, b, unit, (0, 0), name=name, bare=bare, event=ev.name if kind == "event" else None)

    def _event_name(self, s: str) -> str | None:
        """The event a matched phrase names: its year (and an "of"/"in" before it) removed, so "black friday of
        2025" and "4th of july 2024" both find their synonym; the longest synonym inside wins."""
        core = re.sub(rf"(?:\b(?:of|in)\s+)?{YEAR}(?:'s)?", " ", s)
        core = re.sub(r"[\s\-]+", " ", core).strip()
        if core in self._syn:
            return self._syn[core]
        inside = [syn for syn in self._syn if syn in core]
        return self._syn[max(inside, key=len)] if inside else None


def _unit(word: str) -> str:
    w = word.rstrip("s") if word not in ("mos",) else "mo"
    return _UNIT_NAMES.get(w, w)


def _ordinal(s: str, what: str) -> int:
    for i, words in enumerate((("first", "1st"), ("second", "2nd"), ("third", "3rd"), ("fourth", "4th", "last",
                                                                                          "final")), 1):
        if any(w in s for w in words):
            return i if what == "quarter" else min(i, 2)
    return 1


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return D(y, m, d)
    except ValueError:
        return None
