"""What question understanding reads, fixed for one warehouse: the semantic layer, the data's dates, the calendar
and the entity matcher. Passed (frozen) to the resolver and the follow-up merger instead of the Understander."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shoplens.agent.planner.entities import EntityMatcher
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.calendar.words import Calendar


@dataclass(frozen=True)
class ParseContext:
    semantic: SemanticLayer
    as_of: dt.date
    data_start: dt.date | None
    calendar: Calendar
    entities: EntityMatcher
    use_embeddings: bool = True
