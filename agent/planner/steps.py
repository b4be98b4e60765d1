"""The plumbing every kind of answer uses: a tool call as StepStarted/StepFinished events, artifacts as events, a
chart that never costs the answer, the plan's period clipped by the calendar, the period to compare with, the
query tool's request. ``Executor`` (execute.py) and the insight kinds (execute_insights.py) build on it."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from shoplens.agent.events import ChartArtifact, Event, Notice, StepFinished, StepStarted, TableArtifact
from shoplens.agent.planner import answer_charts
from shoplens.agent.planner.plan import Plan
from shoplens.data.errors import ShopLensError, UserInputError
from shoplens.tools.artifacts import Period, ToolOutput, jsonable
from shoplens.tools.calendar import dates as periods
from shoplens.tools.charts.query import ChartFromQueryTool
from shoplens.tools.charts.tool import ChartTool
from shoplens.tools.compare import ComparePeriodsTool
from shoplens.tools.launch import launch_date
from shoplens.tools.metric_query import QueryMetricTool
from shoplens.tools.requests import MetricRequest

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.agent.toolbox import Toolbox
    from shoplens.tools.query import MetricQuery

log = logging.getLogger("shoplens.planner")
T = TypeVar("T")
Steps = Generator[Event, None, T]
Result = tuple[dict[str, Any], Period | None]  # what a kind's handler returns: (facts, period)

STEP_IDS = itertools.count(1)  # unique across runs and threads: one Executor serves every session


class StepRunner:
    """Runs a Plan: ``Executor(toolbox).run(plan)`` yields events (never FinalAnswer; the Analyst adds it)."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox
        self.ctx = toolbox.ctx
        self.sem = toolbox.semantic
        self.query = toolbox.get(QueryMetricTool)
        self.compare = toolbox.get(ComparePeriodsTool)

    # --- steps ---------------------------------------------------------------------------------------------
    def _step(self, tool: str, args: dict[str, Any], fn: Callable[[], ToolOutput]) -> Steps[ToolOutput]:
        sid, clean = next(STEP_IDS), jsonable({k: v for k, v in args.items() if v not in (None, [], {})})
        yield StepStarted(sid, tool, clean)
        start = time.perf_counter()
        try:
            out = fn()
        except ShopLensError as exc:
            yield StepFinished(sid, tool, clean, False, (time.perf_counter() - start) * 1000, error=str(exc))
            raise
        yield StepFinished(
            sid,
            tool,
            clean,
            True,
            (time.perf_counter() - start) * 1000,
            sql=list(out.sql),
            summary=out.summary,
        )
        return out

    def _emit(self, out: ToolOutput, tables: int | None = None) -> Iterator[Event]:
        for t in out.tables[:tables]:
            yield TableArtifact(t)
        for c in out.charts:
            yield ChartArtifact(c)
        for w in out.warnings:
            yield Notice(w)

    def _chart(
        self, args: dict[str, Any], draw: Callable[[Any], tuple[list[Any], list[str]]]
    ) -> Iterator[Event]:
        """Draw a chart without ever losing the answer: a missing chart tool or a drawing problem is a Notice."""
        try:
            tool = self.toolbox.get(ChartTool)
        except ImportError as exc:
            yield Notice(f"Charts are not available in this installation ({exc}).")
            return
        try:
            out = yield from self._step("make_chart", args, lambda: answer_charts.charts_output(*draw(tool)))
        except ShopLensError as exc:
            yield Notice(f"The chart could not be drawn: {exc}")
            return
        except Exception:  # noqa: BLE001 - a chart bug must not cost the person the answer
            log.exception("chart rendering failed for %s", args)
            yield Notice(
                "The chart could not be drawn (an internal error was logged); the numbers above stand."
            )
            return
        yield from self._emit(out)

    def _metric_chart(
        self,
        df: pd.DataFrame,
        q: MetricQuery,
        plan: Plan,
        period: Period | None,
        *,
        kind: str | None = None,
        top_n: int | None = None,
        title: str | None = None,
        explanation: str | None = None,
    ) -> Iterator[Event]:

        kind = plan.chart_kind or kind
        args = {
            "metric": q.metric,
            "also": q.also,
            "group_by": q.group_by,
            "grain": q.grain,
            "kind": kind,
            "top_n": top_n,
            "filters": q.filters,
        }
        yield from self._chart(
            args,
            lambda tool: self.toolbox.get(ChartFromQueryTool).render(
                df,
                q,
                kind=kind,
                top_n=top_n,
                period=period,
                order=plan.order,
                title=title,
                explanation=explanation,
            ),
        )

    # --- periods -------------------------------------------------------------------------------------------
    def _period(self, plan: Plan, default_days: int | None = None) -> Steps[Period]:
        """The plan's period clipped to the data by the calendar's rule (with a notice when clipped); no period
        = all the data (or the last ``default_days`` days)."""
        cal = self.ctx.calendar
        first, as_of = cal.data_start or self.ctx.data_start, self.ctx.as_of
        p = plan.period
        if p is None and plan.since_first:
            return (yield from self._since_first(plan, first, as_of))
        if p is None and plan.campaign_window is not None:
            return (yield from self._campaign_days(plan, first, as_of))
        if p is None:
            if default_days:
                a = max(first, as_of - dt.timedelta(days=default_days - 1))
                return Period(a, as_of, periods.label(a, as_of, f"last {default_days} days"))
            return Period(first, as_of, periods.label(first, as_of, "all time"))
        name = re.sub(r"\s*\(.*\)$", "", p.label)
        clipped = cal.clip(p.start, p.end, name if name != periods.canonical(p.start, p.end) else None)
        if clipped.reason or clipped.period is None:
            reason = clipped.reason or f"{p.label} is outside the data"
            raise UserInputError(reason[0].upper() + reason[1:] + ".")
        for note in clipped.notes:
            yield Notice(note[0].upper() + note[1:] + ".")
        return clipped.period if clipped.notes else p

    def _days_with_orders(self, filters: dict[str, list[str]], first: dt.date, as_of: dt.date) -> Steps[list[dt.date]]:
        """The days the filtered values had orders (one query by day over all the data)."""
        whole = Period(first, as_of, periods.label(first, as_of, "all time"))
        req = MetricRequest(metric="orders" if "orders" in self.sem.metrics else "revenue", filters=filters,
                            also=[], start=first.isoformat(), end=as_of.isoformat(), grain="day")
        out = yield from self._query_step(req, whole)
        return [dt.date.fromisoformat(str(d)[:10]) for d, v in out.facts.get("series") or [] if v]

    def _since_first(self, plan: Plan, first: dt.date, as_of: dt.date) -> Steps[Period]:
        """'Since launch': from the catalogue's launch date of the named products where the shop records one, else
        from the first day the filtered values had orders, to the data's end."""
        launched = launch_date(self.ctx.runner, plan.filters.get("product", []))
        if launched is not None and first <= launched <= as_of:
            return Period(launched, as_of, periods.label(launched, as_of, "since launch"))
        days = yield from self._days_with_orders(plan.filters, first, as_of)
        a = min(days) if days else first
        return Period(a, as_of, periods.label(a, as_of, "since launch" if days else "all time"))

    def _campaign_days(self, plan: Plan, first: dt.date, as_of: dt.date) -> Steps[Period]:
        """'During <campaign> vs the same days in 2025': the days the campaign's orders came in; the comparison
        is those dates in the year asked for (a year earlier when none)."""
        campaign, year = plan.campaign_window or ("", 0)
        days = yield from self._days_with_orders({"campaign": [campaign]}, first, as_of)
        if not days:
            raise UserInputError(f"No orders carry the campaign {campaign}, so its days are unknown.",
                                 hint="Name the dates instead, e.g. '3-14 Feb 2026 vs 3-14 Feb 2025'.")
        a, b = min(days), max(days)
        year = year or a.year - 1
        ca, cb = periods.shift_years(a, year - a.year), periods.shift_years(b, year - a.year)
        plan.compare_period = Period(ca, cb, periods.label(ca, cb))
        return Period(a, b, periods.label(a, b, campaign))

    def _previous(self, plan: Plan, period: Period, *, required: bool = False) -> Period | None:
        """The period to compare with: the plan's, else the calendar's previous period (or the same period last
        year, the same event a year before) - the one rule both answer modes use."""
        if plan.compare_period is not None:
            prev = plan.compare_period
        else:
            mode = "yoy" if plan.compare_mode == "yoy" else "previous"
            event = next((e for e in self.sem.events if e.is_window(period.start, period.end)),
                         None) if mode == "yoy" else None
            prev = self.ctx.calendar.compare_with(period, mode, event.name if event else None)
            if event is not None:
                prev = Period(prev.start, prev.end, f"{periods.event_base(event)} {prev.start.year}")
        if prev.end < self.ctx.data_start:
            if required:
                raise UserInputError(
                    f"There is no data for {prev.label} to compare with: the data starts on "
                    f"{periods.fmt_day(self.ctx.data_start)}.",
                    hint="Pick a later period.",
                )
            return None
        return prev

    # --- shared pieces -------------------------------------------------------------------------------------
    def _request(self, metric: str, plan: Plan, period: Period, **extra: Any) -> MetricRequest:
        """The plan as the query tool's request (the same model the LLM's tools and the chart speak)."""
        return MetricRequest(metric=metric, filters=plan.filters, also=extra.pop("also", plan.also),
                             start=period.start.isoformat(), end=period.end.isoformat(), **extra)

    def _query_step(self, req: MetricRequest, period: Period, held: dict[str, Any] | None = None
                    ) -> Steps[ToolOutput]:
        """One query step: the step shows exactly the request that ran; ``held`` keeps the frame for a chart."""

        def fetch() -> ToolOutput:
            df, sql, q, _ = self.query.fetch(**req.query_args(period))
            if held is not None:
                held.update(df=df, q=q)
            return self.query.output(df, sql, q, top_n=req.top_n, period=period)

        return (yield from self._step("query_metric", req.model_dump(exclude_defaults=True), fetch))

    def _metric(self, plan: Plan, default: str = "revenue") -> Steps[str]:
        if plan.metric:
            return self.sem.metric(plan.metric).name
        yield Notice(f"No metric named: showing {self.sem.metric(default).label.lower()}.")
        return default

    def _base(self, kind: str, metric: str, plan: Plan, period: Period | None) -> dict[str, Any]:
        m = self.sem.metric(metric)
        return {
            "kind": kind,
            "metric": m.name,
            "label": m.label,
            "unit": m.unit,
            "filters": dict(plan.filters),
            "period": period.to_dict() if period else None,
        } | ({"excluded": left} if (left := {d: v for d, v in plan.excluded.items() if d in plan.filters}) else {})

    def _dim_label(self, name: str) -> str:
        return self.sem.dimension(name).label

    # --- kinds ---------------------------------------------------------------------------------------------
