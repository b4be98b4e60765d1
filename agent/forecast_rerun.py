"""Re-running the last forecast with new controls (horizon, model, intervals on or off) for a front end: the
same forecast tool the answer used, through the Toolbox, as the typed events the planner would yield."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from shoplens.agent.events import (
    ChartArtifact,
    Event,
    Notice,
    StepFinished,
    StepStarted,
    TableArtifact,
    TextDelta,
)
from shoplens.data.errors import ShopLensError
from shoplens.tools.artifacts import Table
from shoplens.tools.charts.tool import ChartTool
from shoplens.tools.forecast import ForecastTool

if TYPE_CHECKING:
    from shoplens.agent.toolbox import Toolbox


def rerun_forecast(toolbox: Toolbox, args: dict[str, Any], *, horizon: int, model: str, intervals: bool,
                   step_id: int = 1) -> Iterator[Event]:
    """Re-run a forecast with new controls; events as the planner would yield them.

    With ``intervals`` off the ranges are still computed (the tool needs them to choose a model) but not shown:
    the table loses its Low/High columns and the fan chart is redrawn from its own CSV without the bands."""
    tool = toolbox.get(ForecastTool)
    new = {**args, "horizon": int(horizon), "model": model}
    yield StepStarted(step_id, "forecast", new)
    start = time.perf_counter()
    try:
        out = tool.run(new["metric"], filters=new.get("filters") or {}, grain=new.get("grain", "week"),
                       horizon=int(horizon), model=model, level=(80, 95))
    except ShopLensError as exc:
        yield StepFinished(step_id, "forecast", new, False, (time.perf_counter() - start) * 1000, error=str(exc))
        yield TextDelta(str(exc))
        return
    yield StepFinished(step_id, "forecast", new, True, (time.perf_counter() - start) * 1000, sql=list(out.sql),
                       summary=out.summary)
    sentences = [s for s in out.summary.splitlines() if s and not s.startswith(("First periods", "Note:"))]
    if not intervals:
        sentences = [s for s in sentences if not s.startswith("The 80% range")]
    yield TextDelta(" ".join(sentences))
    for i, t in enumerate(out.tables):
        yield TableArtifact(t if intervals or i else without_ranges(t))
    for c in out.charts:
        yield ChartArtifact(c if intervals else redraw_without_bands(toolbox.get(ChartTool), c))
    for w in out.warnings:
        yield Notice(w)


def without_ranges(table: Table) -> Table:
    keep = [i for i, c in enumerate(table.columns) if not re.match(r"^(Low|High) \d+%?$", str(c))]
    return Table(table.title, [table.columns[i] for i in keep], [[r[i] for i in keep] for r in table.rows],
                 table.total_rows)


def redraw_without_bands(chart_tool: Any, chart: Any) -> Any:
    """The fan chart drawn again from its CSV without the lo-/hi- columns (same spec); the original on failure."""
    import pandas as pd

    try:
        df = pd.read_csv(chart.data)
        df = df[[c for c in df.columns if not str(c).startswith(("lo-", "hi-"))]]
        x = chart.spec.get("x") or "ds"
        df[x] = pd.to_datetime(df[x])
        out = chart_tool.render(chart.spec, df, title=chart.title, explanation=chart.explanation)
        return out.charts[0]
    except (ShopLensError, OSError, ValueError, KeyError, IndexError):
        return chart
