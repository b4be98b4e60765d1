"""Chart a metric straight from the semantic layer: run the query, build the chart spec (x, series, units, period
and filters in the subtitle, calendar events on time axes) and render it with the chart tool (PNG + CSV + spec)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Chart, Period, ToolOutput
from shoplens.tools.calendar.dates import grain_for_span
from shoplens.tools.charts.tool import ChartTool
from shoplens.tools.metric_query import QueryMetricTool, as_date, data_start, period_label, shown_filters
from shoplens.tools.query import MetricQuery
from shoplens.tools.requests import ChartRequest

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.tools.charts.spec import ChartSpec
    from shoplens.tools.context import ToolContext

EVENT_GRAINS = ("day", "week")
MAX_EVENT_DAYS = 800  # beyond ~2 years of daily/weekly points, event marks clutter the axis


def auto_grain(start: dt.date | None, end: dt.date | None) -> str:
    """The grain an analyst would pick for a span (the calendar's rule, the same in every mode)."""
    return grain_for_span(start, end)


def spec_for(
    ctx: ToolContext,
    q: MetricQuery,
    *,
    kind: str | None = None,
    top_n: int | None = None,
    title: str | None = None,
    period: Period | None = None,
    order: str = "desc",
) -> ChartSpec:
    """The chart spec for a metric query result (columns: period?, group_by..., metrics...)."""
    from shoplens.tools.charts.spec import ChartSpec, EventMark

    sem = ctx.semantic
    x = "period" if q.grain else (q.group_by[0] if q.group_by else None)
    series = q.group_by[0] if q.grain and q.group_by else (q.group_by[1] if len(q.group_by) > 1 else None)
    units = {m: sem.metric(m).unit for m in q.metrics}
    labels: dict[str, str] = {m: sem.metric(m).label for m in q.metrics}
    labels.update({d: sem.dimension(d).label for d in q.group_by})
    labels["period"] = "Date"
    events = []
    if q.grain in EVENT_GRAINS and period and period.days <= MAX_EVENT_DAYS:
        events = [
            EventMark(e.label, a, None if a == b else b)
            for e, a, b in sem.events_between(period.start, period.end)
        ]
    sort = None if q.grain else ("asc" if order == "asc" else None)
    if sort is None and not q.grain and x and sem.dimension(x).ids:
        sort = "desc"  # identifiers have no natural order: customers 33190, 32345 ... by value, not by id
    return ChartSpec(
        kind=kind or "auto",
        x=x,
        y=list(q.metrics),
        series=series,
        top_n=top_n,
        title=title or "",
        units=units,
        labels=labels,
        events=events,
        sort=sort,
        period_label=period.label if period else "",
        filters=shown_filters(sem, q.filters),  # shown in the subtitle only: the data are already filtered
    )


def chart_frame(df: pd.DataFrame, q: MetricQuery) -> pd.DataFrame:
    """Only the columns a chart plots (drops share/total/n_groups helpers)."""
    keep = [
        c for c in (["period"] if q.grain else []) + list(q.group_by) + list(q.metrics) if c in df.columns
    ]
    return df[keep]


def as_charts(result: Any) -> tuple[list[Chart], list[str]]:
    """Charts (and warnings) from whatever the chart tool returns: a Chart, a ToolOutput or a list of Charts."""
    if isinstance(result, Chart):
        return [result], []
    if isinstance(result, ToolOutput):
        return list(result.charts), list(result.warnings)
    if isinstance(result, list | tuple) and all(isinstance(c, Chart) for c in result):
        return list(result), []
    chart = getattr(result, "chart", None)
    if isinstance(chart, Chart):
        return [chart], list(getattr(result, "warnings", []) or [])
    raise TypeError(f"The chart tool returned {type(result).__name__}, not a Chart.")


class ChartFromQueryTool:
    """Draw a chart of a metric (the same arguments as query_metric plus kind and title); the chart is shown to
    the user and you receive its key figures. Use it for trends, 'plot', 'chart', 'as a bar chart'."""

    name = "make_chart"
    Request = ChartRequest

    def __init__(self, ctx: ToolContext, chart_tool: Any) -> None:
        self.ctx = ctx
        self.chart_tool = chart_tool

    uses = {"chart_tool": ChartTool}  # shared instances the Toolbox passes to from_context

    @classmethod
    def from_context(cls, ctx: ToolContext, chart_tool: ChartTool) -> ChartFromQueryTool:
        return cls(ctx, chart_tool)

    def call(self, req: ChartRequest) -> ToolOutput:
        req = req.named(self.ctx)
        period, notes = req.resolve(self.ctx)
        out = self.run(req.metric, group_by=req.group_by, filters=req.filters,
                       start=period.start if period else None, end=period.end if period else None, grain=req.grain,
                       kind=req.kind, also=req.also, top_n=req.top_n, title=req.title, period=period)
        out.warnings[:0] = notes
        return out

    def run(
        self,
        metric: str,
        group_by: Sequence[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        start: Any = None,
        end: Any = None,
        grain: str | None = None,
        kind: str | None = None,
        also: Sequence[str] | None = None,
        top_n: int | None = None,
        title: str | None = None,
        period: Period | None = None,
    ) -> ToolOutput:
        s, e = as_date(start, "start date"), as_date(end, "end date")
        if not grain and not group_by and kind not in ("scatter", "histogram"):
            grain = auto_grain(s or data_start(self.ctx), e or self.ctx.as_of)
        query = QueryMetricTool(self.ctx)
        df, sql, q, _ = query.fetch(
            metric=metric,
            group_by=group_by,
            filters=filters,
            start=s,
            end=e,
            grain=grain,
            top_n=None if grain else top_n,
            also=also,
        )
        if period is None and (s or e):
            a, b = s or data_start(self.ctx), e or self.ctx.as_of
            period = Period(a, b, period_label(s, e))
        out = query.output(df, sql, q, top_n=top_n, period=period)
        charts, warnings = self.render(df, q, kind=kind, top_n=top_n, title=title, period=period)
        out.charts.extend(charts)
        out.warnings.extend(warnings)
        out.summary += f"\nChart: {charts[0].path}" if charts else ""
        return out

    def render(
        self,
        df: pd.DataFrame,
        q: MetricQuery,
        *,
        kind: str | None = None,
        top_n: int | None = None,
        title: str | None = None,
        period: Period | None = None,
        order: str = "desc",
        explanation: str | None = None,
    ) -> tuple[list[Chart], list[str]]:
        """Render an already-fetched metric frame (no second query); ``explanation`` replaces the chart tool's
        own caption (e.g. a top N, whose plotted total is not the metric's total)."""
        if df.empty:
            raise UserInputError(
                "There is no data to chart for these filters in this period.",
                hint="Widen the period or remove a filter.",
            )
        spec = spec_for(self.ctx, q, kind=kind, top_n=top_n, title=title, period=period, order=order)
        extra = {"explanation": explanation} if explanation else {}
        return as_charts(self.chart_tool.render(spec, chart_frame(df, q), **extra))
