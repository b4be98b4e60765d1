"""Period words -> Periods, for every caller: the offline planner, the LLM's tools and the metric tools.

``Calendar(as_of, events, data_start)`` parses a phrase with the one grammar (``parse.TimeParser``), clips it
to the data the same way everywhere and labels it with ``dates.label``. The LLM's tools accept a ``period``
argument in words ("last quarter", "since Black Friday 2025", "2025-Q3") and resolve it here, so the same words
give the same dates and the same label in offline and LLM mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from shoplens.data.errors import UserInputError
from shoplens.data.semantic import Event
from shoplens.tools.artifacts import Period
from shoplens.tools.calendar import dates as D
from shoplens.tools.calendar.parse import TimeInfo, TimeParser, TimeSpan
from shoplens.tools.text import Mask, normalize

EXAMPLES = "'last month', 'Q3 2025', 'last 30 days', 'since March', 'Black Friday 2024', '2025-01-01 to 2025-03-31'"


@dataclass
class Clipped:
    """A period clipped to the data, with what was assumed (``notes``), or why it cannot be used (``reason``)."""

    period: Period | None
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    rolling: bool = False  # "last 30 days": compared with the same number of days before


class Calendar:
    def __init__(self, as_of: dt.date, events: Iterable[Event] = (), data_start: dt.date | None = None) -> None:
        self.as_of = as_of
        self.data_start = data_start
        self.events = {e.name: e for e in events}
        self.parser = TimeParser(as_of, self.events.values(), data_start)

    # ------------------------------------------------------------------------------------------------ parsing
    def parse(self, text: str, mask: Mask | None = None) -> TimeInfo:
        """Every period mention, grain, comparison and horizon in ``text`` (normalised text, see tools/text.py)."""
        return self.parser.parse(text, mask)

    def clip(self, a: dt.date, b: dt.date, name: str | None = None, *, quiet_start: bool = False,
             what: str = "") -> Clipped:
        """``a..b`` clipped to the data: an end past the data reads "... to date", a start before it is moved to
        the first day (said in the notes unless ``quiet_start``); a period wholly outside gives a reason."""
        first = self.data_start
        shown = D.label(a, b, name)
        if a > self.as_of or (first and b < first):
            rng = f"{D.fmt_day(first)} - {D.fmt_day(self.as_of)}" if first else f"up to {D.fmt_day(self.as_of)}"
            reason = f"{what}{shown} is outside the data, which covers {rng}" + (
                "; ask for a forecast to look ahead" if a > self.as_of else "")
            return Clipped(None, reason=reason)
        notes: list[str] = []
        base = name or D.canonical(a, b)
        if b > self.as_of:
            b = self.as_of
            name = f"{base} to date"
            notes.append(f"the data ends on {D.fmt_day(self.as_of)}; {base} is shown to date")
        if first and a < first:
            a = first
            if not quiet_start:
                notes.append(f"the data starts on {D.fmt_day(first)}")
            name = name if name and name.endswith("to date") else (None if quiet_start and name is None else name)
        return Clipped(Period(a, b, D.label(a, b, name)), notes)

    def span_period(self, span: TimeSpan) -> Clipped:
        """A parsed span as a Period clipped to the data. With no known first date, 'all time' is no period (all
        the data) and 'until March' is labelled 'up to ...'."""
        if span.open_start and self.data_start is None:
            if span.unit == "all":
                return Clipped(None)
            return Clipped(Period(span.start, span.end, f"up to {D.fmt_day(span.end)}"))
        return self.clip(span.start, span.end, span.name, quiet_start=span.open_start)

    def period(self, words: str) -> Clipped:
        """The one period named by ``words`` (clipped), or UserInputError saying what to write instead."""
        text = normalize(words.strip())
        info = self.parse(text)
        spans = sorted({(s.start, s.end): s for s in info.spans}.values(), key=lambda s: s.pos)
        if info.all_time and not spans:
            first = self.data_start or dt.date(self.as_of.year - 30, 1, 1)
            return self.clip(first, self.as_of, "all time", quiet_start=True)
        if not spans:
            raise UserInputError(f"'{words}' is not a period I can read.", hint=f"Write it like {EXAMPLES}.")
        if len(spans) > 1:
            raise UserInputError(f"'{words}' names {len(spans)} periods; give one.",
                                 hint="Use compare_periods for two periods.")
        out = self.span_period(spans[0])
        out.rolling = spans[0].unit == "rolling"
        if out.reason:
            raise UserInputError(out.reason[0].upper() + out.reason[1:] + ".")
        return out

    # ------------------------------------------------------------------------------------------------ algebra
    def compare_with(self, period: Period, mode: str = "previous", event: str | None = None, *,
                     rolling: bool = False) -> Period:
        """The period to compare ``period`` with, labelled the same way in every mode."""
        a, b = D.compare_window(period.start, period.end, mode, self.events.get(event) if event else None,
                                rolling=rolling)
        return Period(a, b, D.label(a, b))
