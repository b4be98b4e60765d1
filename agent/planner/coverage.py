"""Honest comparisons and money definitions: what an answer must say about the numbers it compares or adds up.

- A comparison period with much less data than the current one (the export starts inside it) is not like for
  like: "+2,144% vs 2010" when 2010 holds 8 days of data misleads. A comparison the person did not ask for is
  dropped with a note; one they asked for is kept with a warning naming the days each side covers.
- When the warehouse holds refunds (credit notes), a money measure says its definition in one short line
  ("Revenue: net of refunds").
"""

from __future__ import annotations

import datetime as dt

from shoplens.data.semantic import SemanticLayer
from shoplens.tools.artifacts import Period
from shoplens.tools.calendar import dates as periods

THIN = 0.5  # a comparison side covering less than half the other's days with data is not like for like


def covered_days(p: Period, first: dt.date, last: dt.date) -> int:
    a, b = max(p.start, first), min(p.end, last)
    return max(0, (b - a).days + 1)


def thin_comparison(current: Period, previous: Period, first: dt.date, last: dt.date) -> str | None:
    """A warning when ``previous`` has much less data than ``current`` (None when they are comparable)."""
    cur, prev = covered_days(current, first, last), covered_days(previous, first, last)
    if cur == 0 or prev >= THIN * cur:
        return None
    out = (f"{previous.label} holds only {prev} day{'s' if prev != 1 else ''} of data (the data starts on "
           f"{periods.fmt_day(first)}) against {cur} in {current.label}: the change is not like for like")
    if prev:  # the same days on both sides: the covered part of the earlier period, moved by the periods' offset
        a, b = max(previous.start, first), min(previous.end, last)
        shift = min(current.end, last) - b
        ca, cb = a + shift, b + shift
        if current.start <= ca <= cb <= current.end:
            out += (f"; like for like would be {periods.label(ca, cb)} vs {periods.label(a, b)}")
    return out


def definition_line(sem: SemanticLayer, metric: str) -> str | None:
    """'Revenue: net of refunds.' for money measures whose definition matters in this warehouse."""
    if "refund" not in sem.statuses or metric not in sem.metrics:
        return None
    m = sem.metrics[metric]
    parts = [sem.metrics[p] for p in sem.derived_parts(m)] if m.is_derived else [m]
    said = [f"{p.label}: {p.definition}" for p in parts if p.definition]
    return "; ".join(said) + "." if said else None
