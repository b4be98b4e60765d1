"""Replay the default watch day by day, as if each day were today: ``backtest(runner, events, start, end)``.

The panel is read once up to ``end``; the detectors evaluating day ``t`` read only columns ``<= t`` (tested against
a panel cut at ``t``), so no day sees its future.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from shoplens.data.errors import UserInputError
from shoplens.tools.alerts.incidents import IncidentBook
from shoplens.tools.alerts.panel import load_panel
from shoplens.tools.alerts.watch import DefaultWatch, WatchConfig, event_days
from shoplens.tools.sql import SqlRunner


def backtest(runner: SqlRunner, events: Iterable[object], start: dt.date, end: dt.date,
             config: WatchConfig | None = None) -> dict[str, Any]:
    """``{"alerts": [...], "days": N, "elapsed_s": s}``: one alert per incident, on the day it opened, ranked by
    money at stake within a day."""
    if end < start:
        raise UserInputError(f"The end date {end} is before the start date {start}.")
    as_of = runner.as_of
    if start > as_of:
        raise UserInputError(f"The warehouse has data up to {as_of.isoformat()}; start on or before it.")
    end = min(end, as_of)
    started = time.perf_counter()
    panel = load_panel(runner, end)
    watch = DefaultWatch(panel, event_days(events, panel.days[0].date(), end), config)
    book = IncidentBook()
    alerts: list[dict[str, Any]] = []
    t0 = panel.index_of(start) if start >= panel.days[0].date() else 0
    for t in range(t0, panel.n_days):
        day = panel.days[t].date()
        opened, _ = book.add(day, watch.scan(t))
        alerts += [i.alert() for i in sorted(opened, key=lambda i: -i.impact)]
    return {"alerts": alerts, "days": panel.n_days - t0, "elapsed_s": round(time.perf_counter() - started, 2)}
