"""Answer a resolved Plan through the tools, as typed events: StepStarted/StepFinished around each tool call,
the answer text, tables, a chart where a person would want one, Notices, and AnswerMeta with the facts.

Facts follow the FACTS CONTRACT in ``plan.py``; ``wording`` writes every sentence from them. One query per figure:
a single figure comes with its comparison from one statement, a chart is drawn from the frame already fetched.
A tool's refusal (a metric that cannot be split that way, a value not in the data) becomes a helpful answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from shoplens.agent.events import (
    AnswerMeta,
    ChartArtifact,
    Event,
    Notice,
    StepFinished,
    StepStarted,
    TableArtifact,
    TextDelta,
)
from shoplens.agent.planner import answer_charts, periods, wording
from shoplens.agent.planner import facts as facts_mod
from shoplens.agent.planner.plan import Plan
from shoplens.data.errors import ShopLensError, UserInputError, WarehouseUnavailable
from shoplens.tools.artifacts import Period, ToolOutput, jsonable
from shoplens.tools.compare import ComparePeriodsTool
from shoplens.tools.metric_query import QueryMetricTool, data_start, is_additive

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.agent.toolbox import Toolbox
    from shoplens.tools.query import MetricQuery

log = logging.getLogger("shoplens.planner")
T = TypeVar("T")
Steps = Generator[Event, None, T]
Handler = Callable[["Executor", Plan], "Steps[tuple[dict[str, Any], Period | None]]"]

CHART_MIN_ROWS = 4  # a breakdown of 4+ values gets a chart
MAX_BARS = 15  # a longer breakdown charts its 15 largest values
ANOMALY_DAYS = 90  # default window for "any unusual days?"
HORIZONS = {"day": 30, "week": 8, "month": 6, "quarter": 4}


STEP_IDS = itertools.count(1)  # unique across runs and threads: one Executor serves every session


class Executor:
    """Runs a Plan: ``Executor(toolbox).run(plan)`` yields events (never FinalAnswer; the Analyst adds it)."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox
        self.ctx = toolbox.ctx
        self.sem = toolbox.semantic
        self.query = QueryMetricTool(self.ctx)
        self.compare = ComparePeriodsTool(self.ctx)

    # --- entry point -------------------------------------------------------------------------------------------
    def run(self, plan: Plan) -> Iterator[Event]:
        for note in plan.notes:
            yield Notice(note)
        handler = HANDLERS.get(plan.kind, Executor._unsupported)
        facts: dict[str, Any] = {"kind": plan.kind}
        period: Period | None = None
        try:
            facts, period = yield from handler(self, plan)
        except WarehouseUnavailable:
            raise  # not something to answer around: the front end says "try again"
        except ShopLensError as exc:
            yield TextDelta(wording.cannot(str(exc)))
            facts = {"kind": plan.kind, "error": str(exc)}
        facts.setdefault("kind", plan.kind)
        yield AnswerMeta(
            period=period, facts=jsonable(facts), choices=list(plan.choices) if plan.kind == "clarify" else []
        )

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
            tool = self.toolbox.chart
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
        from shoplens.tools.charts.query import ChartFromQueryTool

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
            lambda tool: ChartFromQueryTool(self.ctx, tool).render(
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
        """The plan's period clipped to the data (with a notice when clipped); no period = all the data."""
        first, as_of = data_start(self.ctx), self.ctx.as_of
        p = plan.period
        if p is None:
            if default_days:
                a = max(first, as_of - dt.timedelta(days=default_days - 1))
                return Period(a, as_of, f"last {default_days} days ({periods.day_range(a, as_of)})")
            return Period(first, as_of, f"all time ({periods.label(first, as_of)})")
        if p.start > as_of:
            raise UserInputError(
                f"There is no data for {p.label} yet: the data ends on {as_of:%b} {as_of.day}, {as_of.year}.",
                hint="Ask about a period up to that date.",
            )
        if p.end < first:
            raise UserInputError(
                f"There is no data for {p.label}: the data starts on {first:%b} {first.day}, {first.year}.",
                hint="Ask about a later period.",
            )
        if p.end > as_of:
            yield Notice(
                f"{p.label} is not over: the data runs to {as_of:%b} {as_of.day}, {as_of.year}, "
                "so this covers the days so far."
            )
            p = Period(p.start, as_of, f"{p.label} to date ({periods.day_range(p.start, as_of)})")
        if p.start < first:
            yield Notice(
                f"The data starts on {first:%b} {first.day}, {first.year}; earlier days have no data."
            )
            p = Period(first, p.end, p.label)
        return p

    def _previous(self, plan: Plan, period: Period, *, required: bool = False) -> Period | None:
        """The period to compare with: the plan's, else the previous one (or the same period last year)."""
        if plan.compare_period is not None:
            prev = plan.compare_period
        elif plan.compare_mode == "yoy":
            event = next(
                (e for e in self.sem.events if e.window(period.start.year) == (period.start, period.end)),
                None,
            )
            a, b = periods.year_ago(period.start, period.end, event)
            name = f"{periods.event_base(event)} {a.year}" if event else None
            prev = Period(a, b, name or periods.label(a, b))
        else:
            a, b = periods.previous_period(period.start, period.end)
            prev = Period(a, b, periods.label(a, b))
        if prev.end < data_start(self.ctx):
            if required:
                raise UserInputError(
                    f"There is no data for {prev.label} to compare with: the data starts on "
                    f"{data_start(self.ctx).isoformat()}.",
                    hint="Pick a later period.",
                )
            return None
        return prev

    # --- shared pieces -------------------------------------------------------------------------------------
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
        }

    def _dim_label(self, name: str) -> str:
        return self.sem.dimension(name).label

    # --- kinds ---------------------------------------------------------------------------------------------
    def _figure(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        prev = self._previous(plan, period) if plan.period is not None else None
        facts = self._base("figure", metric, plan, period)
        out = yield from self._figure_step(metric, plan, period, prev)
        for key in ("value", "previous_value", "change_pct", "change_abs", "compare_period"):
            if key in out.facts:
                facts[key] = out.facts[key]
        for extra in plan.also:
            if extra == metric:
                continue
            more = yield from self._figure_step(extra, plan, period, prev)
            m = self.sem.metric(extra)
            facts.setdefault("also", {})[m.name] = {"label": m.label, "unit": m.unit} | {
                k: more.facts.get(k) for k in ("value", "previous_value", "change_pct", "change_abs")
            }
        yield TextDelta(wording.figure(facts))
        yield from self._emit(out)
        return facts, period

    def _figure_step(self, metric: str, plan: Plan, period: Period, prev: Period | None) -> Steps[ToolOutput]:
        if prev is not None:
            args = {
                "metric": metric,
                "current": period.to_dict(),
                "previous": prev.to_dict(),
                "filters": plan.filters,
            }
            return (
                yield from self._step(
                    "compare_periods", args, lambda: self.compare.run(metric, period, prev, plan.filters)
                )
            )
        args = {"metric": metric, "filters": plan.filters, "start": period.start, "end": period.end}
        return (
            yield from self._step(
                "query_metric",
                args,
                lambda: self.query.run(metric, filters=plan.filters, start=period.start, end=period.end),
            )
        )

    def _grouped(self, plan: Plan, kind: str) -> Steps[tuple[dict[str, Any], Period | None]]:
        """breakdown and top: one query (shares and the number of values come from the same scan)."""
        if plan.grain:
            return (yield from self._trend(plan))
        if plan.compare_mode or plan.compare_period:
            return (yield from self._compare(plan))
        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        dims = list(plan.group_by) or (["product"] if kind == "top" else ["category"])
        top_n = (plan.top_n or 5) if kind == "top" else plan.top_n
        held: dict[str, Any] = {}
        args = {
            "metric": metric,
            "group_by": dims,
            "filters": plan.filters,
            "start": period.start,
            "end": period.end,
            "top_n": top_n,
            "order": plan.order,
            "also": plan.also,
        }

        def fetch() -> ToolOutput:
            df, sql, q, _ = self.query.fetch(**args)  # the step shows exactly what was run
            held.update(df=df, q=q)
            return self.query.output(df, sql, q, top_n=top_n, period=period)

        out = yield from self._step("query_metric", args, fetch)
        facts = self._base(kind, metric, plan, period) | {
            k: out.facts[k] for k in ("rows", "shares", "total", "n_groups") if k in out.facts
        }
        facts["group_by"], facts["dimension_label"] = dims, " and ".join(self._dim_label(d) for d in dims)
        if kind == "top":
            facts.update(top_n=top_n, order=plan.order)
            values = [v for _, v in facts.get("rows", []) if v is not None]
            if values and facts.get("shares") and is_additive(self.sem.metric(metric)):
                facts["top_total"] = sum(values)
                facts["top_share"] = sum(s for _, s in facts["shares"] if s is not None)
        yield TextDelta(wording.top(facts) if kind == "top" else wording.breakdown(facts))
        yield from self._emit(out)
        if len(facts.get("rows", [])) >= (2 if kind == "top" or plan.kind == "chart" else CHART_MIN_ROWS):
            title = explanation = None
            chart_n = top_n
            if kind == "top":
                title, explanation = wording.top_caption(facts)
            elif len(facts.get("rows", [])) > MAX_BARS:  # a long breakdown: the largest values, said so
                chart_n = MAX_BARS
                explanation = wording.breakdown_caption(facts, MAX_BARS)
            yield from self._metric_chart(
                held["df"], held["q"], plan, period, top_n=chart_n, title=title, explanation=explanation
            )
        return facts, period

    def _breakdown(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        return (yield from self._grouped(plan, "breakdown"))

    def _top(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        return (yield from self._grouped(plan, "top"))

    def _trend(self, plan: Plan, kind: str = "trend") -> Steps[tuple[dict[str, Any], Period | None]]:
        from shoplens.tools.charts.query import auto_grain

        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        grain = plan.grain or auto_grain(period.start, period.end)
        dims = list(plan.group_by)[:1] or split_by_filter(plan)
        held: dict[str, Any] = {}
        args = {
            "metric": metric,
            "group_by": dims,
            "filters": plan.filters,
            "start": period.start,
            "end": period.end,
            "grain": grain,
            "also": plan.also,
        }

        def fetch() -> ToolOutput:
            df, sql, q, _ = self.query.fetch(**args)  # the step shows exactly what was run
            held.update(df=df, q=q)
            return self.query.output(df, sql, q, period=period)

        out = yield from self._step("query_metric", args, fetch)
        facts = self._base(kind, metric, plan, period) | {"grain": grain, "group_by": dims}
        facts.update(facts_mod.trend_facts(out.facts, period, grain, is_additive(self.sem.metric(metric))))
        if dims:
            facts["dimension_label"] = self._dim_label(dims[0])
        yield TextDelta(wording.trend(facts))
        yield from self._emit(out)
        if facts.get("series") or facts.get("series_by"):
            yield from self._metric_chart(held["df"], held["q"], plan, period)
        return facts, period

    def _chart_kind(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        """Chart by description: a time axis when there is a grain or no dimension, else categories."""
        if plan.group_by and not plan.grain:
            facts, period = yield from self._grouped(plan, "top" if plan.top_n else "breakdown")
        else:
            facts, period = yield from self._trend(plan)
        facts["shape"], facts["kind"] = facts.get("kind"), "chart"
        return facts, period

    def _compare(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        prev = self._previous(plan, period, required=True)
        assert prev is not None
        by = plan.group_by[0] if plan.group_by else None
        args = {
            "metric": metric,
            "current": period.to_dict(),
            "previous": prev.to_dict(),
            "filters": plan.filters,
            "by": by,
        }
        out = yield from self._step(
            "compare_periods", args, lambda: self.compare.run(metric, period, prev, plan.filters, by=by)
        )
        facts = self._base("compare", metric, plan, period) | {
            k: v for k, v in out.facts.items() if k not in ("period", "filters", "metric", "label", "unit")
        }
        if by:
            facts["dimension_label"] = self._dim_label(by)
        yield TextDelta(wording.compare(facts))
        yield from self._emit(out)
        rows = facts.get("by_rows") or []
        if by and len(rows) >= 2:
            yield from self._chart(
                {"kind": "grouped_bar", "metric": metric, "by": by},
                lambda tool: answer_charts.compare_chart(tool, self.sem, facts, by, rows[:12]),
            )
        return facts, period

    def _anomalies(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        from shoplens.tools.anomalies import AnomaliesTool

        metric = yield from self._metric(plan)
        period = yield from self._period(plan, default_days=ANOMALY_DAYS)
        grain = plan.grain if plan.grain in ("day", "week", "month") else "day"
        by = plan.group_by[0] if plan.group_by else None
        tool = AnomaliesTool(self.ctx)
        held: dict[str, Any] = {}

        def detect() -> ToolOutput:
            det = tool.detect(metric, plan.filters, period.start, period.end, grain, by)
            held["det"] = det
            return tool.output(det, grain, plan.filters)

        args = {
            "metric": metric,
            "filters": plan.filters,
            "start": period.start,
            "end": period.end,
            "grain": grain,
            "by": by,
        }
        out = yield from self._step("find_anomalies", args, detect)
        facts = self._base("anomalies", metric, plan, period) | {
            k: out.facts[k] for k in ("grain", "by", "points_checked", "dates", "anomalies")
        }
        if by:
            facts["dimension_label"] = self._dim_label(by)
        yield TextDelta(wording.anomalies(facts))
        yield from self._emit(out)
        yield from self._chart(
            {"kind": "anomalies", "metric": metric, "by": by},
            lambda t: answer_charts.anomaly_chart(t, self.sem, held["det"], facts, period),
        )
        return facts, period

    def _why(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        from shoplens.tools.drivers import DriversTool

        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        prev = self._previous(plan, period, required=True)
        assert prev is not None
        args = {
            "metric": metric,
            "current": period.to_dict(),
            "previous": prev.to_dict(),
            "filters": plan.filters,
        }
        out = yield from self._step(
            "explain_change", args, lambda: DriversTool(self.ctx).run(metric, period, prev, plan.filters)
        )
        facts = self._base("why", metric, plan, period) | {
            k: v
            for k, v in out.facts.items()
            if k not in ("period", "filters", "metric", "label", "unit", "kind")
        }
        facts["dimension_labels"] = {d: self._dim_label(d) for d in facts.get("by_dimension", {})}
        facts["effects"] = facts_mod.rate_effects(facts, self.sem)
        yield TextDelta(wording.why(facts, plan.question))
        yield from self._emit(out)
        if facts.get("dimension") and out.tables:
            yield from self._chart(
                {"kind": "hbar", "metric": metric, "by": facts["dimension"]},
                lambda t: answer_charts.drivers_chart(t, self.sem, facts, out),
            )
        return facts, period

    def _forecast(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        metric = yield from self._metric(plan)
        grain = plan.grain if plan.grain in HORIZONS else "week"
        horizon = plan.horizon or HORIZONS[grain]
        try:
            tool = self.toolbox.forecast
        except ImportError:
            raise UserInputError(
                "Forecasting is not available in this installation yet.",
                hint="Ask for the trend instead, e.g. 'weekly revenue trend this year'.",
            ) from None
        args = {
            "metric": metric,
            "filters": plan.filters,
            "grain": grain,
            "horizon": horizon,
            "model": plan.model or "auto",
        }
        out = yield from self._step(
            "forecast",
            args,
            lambda: tool.run(
                metric, filters=plan.filters, grain=grain, horizon=horizon, model=plan.model or "auto"
            ),
        )
        f = out.facts
        facts = self._base("forecast", metric, plan, out.period) | {
            "forecast": {
                "horizon": horizon,
                "grain": grain,
                "model": (f.get("model") or {}).get("name"),
                "total": f.get("forecast_total"),
                "lo": f.get("forecast_lo"),
                "hi": f.get("forecast_hi"),
            },
            "forecast_facts": f,
        }
        sentences = [
            s for s in out.summary.splitlines() if s and not s.startswith(("First periods", "Note:"))
        ]
        yield TextDelta(wording.forecast(facts, sentences))
        yield from self._emit(out)
        return facts, out.period

    def _reviews(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        try:
            tool = self.toolbox.review_insights
        except ImportError:
            raise UserInputError(
                "Review insights are not available in this installation yet.",
                hint="Ask for the average rating instead, e.g. 'average rating by product'.",
            ) from None
        asked = (yield from self._period(plan)) if plan.period else None
        scope = {}
        for dim, arg in (("product", "product"), ("brand", "brand"), ("category", "category")):
            if plan.filters.get(dim):
                scope = {arg: plan.filters[dim][0]}
                if len(plan.filters[dim]) > 1:
                    yield Notice(
                        f"Reviews are summarised for one {dim} at a time: showing {plan.filters[dim][0]}."
                    )
                break
        ignored = [d for d in plan.filters if d not in ("product", "brand", "category")]
        if ignored:
            yield Notice(
                f"Review insights cannot be filtered by {', '.join(ignored)}; that filter was left out."
            )
        args = {**scope, "start": asked.start if asked else None, "end": asked.end if asked else None}
        out = yield from self._step("review_insights", args, lambda: tool.run(**args))
        period = asked or out.period
        if period is not None and asked is None:  # the tool's default window, labelled like the planner's
            period = Period(
                period.start,
                period.end,
                f"last {period.days} days ({periods.day_range(period.start, period.end)})",
            )
        r = out.facts
        facts = {
            "kind": "reviews",
            "metric": "sentiment",
            "label": "Reviews",
            "unit": "percent",
            "filters": dict(plan.filters),
            "period": period.to_dict() if period else None,
            "aspects": {
                "negative": [[a, n] for a, n in (r.get("top_negative_aspects") or {}).items()],
                "positive": [[a, n] for a, n in (r.get("top_positive_aspects") or {}).items()],
            },
            "mix": {k: r.get(f"share_{k}") for k in ("positive", "neutral", "negative")},
            "reviews_facts": r,
        }
        yield TextDelta(wording.reviews(facts))
        yield from self._emit(out)
        return facts, period

    def _describe(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        from shoplens.tools.describe import DescribeDataTool

        out = yield from self._step("describe_data", {}, lambda: DescribeDataTool(self.ctx).run())
        facts = dict(out.facts) | {"metric_labels": [m.label for m in self.sem.metrics.values()]}
        yield TextDelta(wording.describe(facts))
        yield from self._emit(out, tables=1)
        return facts, out.period

    def _clarify(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        yield TextDelta(wording.clarify(plan.clarify, plan.choices))
        return {"kind": "clarify", "choices": list(plan.choices), "question": plan.clarify}, None

    def _unsupported(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        yield TextDelta(wording.unsupported(plan.reason))
        return {"kind": "unsupported", "reason": plan.reason}, None


HANDLERS: dict[str, Handler] = {
    "figure": Executor._figure,
    "breakdown": Executor._breakdown,
    "top": Executor._top,
    "compare": Executor._compare,
    "trend": Executor._trend,
    "chart": Executor._chart_kind,
    "forecast": Executor._forecast,
    "reviews": Executor._reviews,
    "anomalies": Executor._anomalies,
    "why": Executor._why,
    "describe": Executor._describe,
    "clarify": Executor._clarify,
    "unsupported": Executor._unsupported,
}


def split_by_filter(plan: Plan) -> list[str]:
    """'Beauty and Electronics weekly units': a filter naming 2-7 values, over time and without a split, is read
    as one line per value (their sum is rarely what is meant)."""
    for dim, values in plan.filters.items():
        if 2 <= len(values) <= 7:
            return [dim]
    return []
