"""Answer a resolved Plan through the tools, as typed events: StepStarted/StepFinished around each tool call,
the answer text, tables, a chart where a person would want one, Notices, and AnswerMeta with the facts.

Facts follow the FACTS CONTRACT in ``plan.py``; ``wording`` writes every sentence from them. One query per figure:
a single figure comes with its comparison from one statement, a chart is drawn from the frame already fetched.
A tool's refusal (a metric that cannot be split that way, a value not in the data) becomes a helpful answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from shoplens.agent.events import AnswerMeta, Event, Notice, TextDelta
from shoplens.agent.planner import answer_charts, wording, wording_insights
from shoplens.agent.planner import facts as facts_mod
from shoplens.agent.planner.coverage import definition_line, thin_comparison
from shoplens.agent.planner.execute_insights import InsightKinds
from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.steps import Result, Steps
from shoplens.data.errors import ShopLensError, WarehouseUnavailable
from shoplens.tools.artifacts import Period, ToolOutput, jsonable
from shoplens.tools.metric_query import is_additive

Handler = Callable[["Executor", Plan], "Steps[Result]"]

CHART_MIN_ROWS = 4  # a breakdown of 4+ values gets a chart
MAX_BARS = 15  # a longer breakdown charts its 15 largest values


class Executor(InsightKinds):
    """Runs a Plan: ``Executor(toolbox).run(plan)`` yields events (never FinalAnswer; the Analyst adds it)."""

    # --- entry point -------------------------------------------------------------------------------------------
    def run(self, plan: Plan) -> Iterator[Event]:
        for note in plan.notes:
            yield Notice(note)
        handler: Handler = HANDLERS.get(plan.kind) or Executor._unsupported
        facts: dict[str, Any] = {"kind": plan.kind}
        period: Period | None = None
        try:
            facts, period = yield from handler(self, plan)
        except WarehouseUnavailable:
            raise  # not something to answer around: the front end says "try again"
        except ShopLensError as exc:
            yield TextDelta(wording_insights.cannot(str(exc)))
            facts = {"kind": plan.kind, "error": str(exc)}
        facts.setdefault("kind", plan.kind)
        said = definition_line(self.sem, str(facts.get("metric"))) if "value" in facts or "rows" in facts or \
            "series" in facts else None
        if said:
            yield TextDelta(f"\n\n_{said}_")
        yield AnswerMeta(
            period=period, facts=jsonable(facts), choices=list(plan.choices) if plan.kind == "clarify" else []
        )

    def _figure(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        if plan.share_of:
            return (yield from self._share(plan))
        if plan.share_in:
            return (yield from self._part_share(plan))
        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        prev = self._previous(plan, period) if plan.period is not None else None
        thin = thin_comparison(period, prev, self.ctx.data_start, self.ctx.as_of) if prev else None
        if thin and plan.compare_period is None and not plan.compare_mode:  # not asked for: left out
            yield Notice(f"Not compared with {prev.label if prev else ''}: {thin}.")
            prev = None
        elif thin:
            yield Notice(thin[0].upper() + thin[1:] + ".")
        facts = self._base("figure", metric, plan, period)
        out = yield from self._figure_step(metric, plan, period, prev)
        for key in ("value", "previous_value", "change_pct", "change_abs", "compare_period"):
            if key in out.facts:
                facts[key] = out.facts[key]
        if plan.per:
            facts_mod.per_unit(facts, plan.per)
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

    def _share(self, plan: Plan) -> Steps[Result]:
        """'What % of Q1 revenue came from beauty': the named values' share of the total over every value of the
        dimension (the other filters kept), with the split shown."""
        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        dim = plan.share_of or ""
        chosen = [str(v) for v in plan.filters.get(dim, [])]
        rest = {d: v for d, v in plan.filters.items() if d != dim}
        req = self._request(metric, plan.merged(filters=rest), period, group_by=[dim])
        out = yield from self._query_step(req, period)
        tool_facts = dict(out.facts)
        if not tool_facts.get("shares"):  # distinct counts do not add up over values: the total is its own query
            whole = yield from self._query_step(self._request(metric, plan.merged(filters=rest), period, also=[]),
                                                period)
            total = whole.facts.get("value")
            tool_facts["total"] = total
            tool_facts["shares"] = [[lab, (v / total) if v is not None and total else None]
                                    for lab, v in tool_facts.get("rows", [])]
        facts = self._base("figure", metric, plan, period)
        if dim in ("rating", "status"):  # "share of 1-star reviews": the stars define the measure, like a rate
            facts["filters"] = rest
        facts.update(facts_mod.share_facts(tool_facts, chosen, self.sem.metric(metric), dim))
        yield TextDelta(wording.share(facts, chosen))
        yield from self._emit(out)
        return facts, period

    def _part_share(self, plan: Plan) -> Steps[Result]:
        """'What share of our revenue came from campaigns': a measure over the larger measure it is part of."""
        metric = yield from self._metric(plan)
        period = yield from self._period(plan)
        whole = plan.share_in or ""
        part_out = yield from self._query_step(self._request(metric, plan, period, also=[]), period)
        whole_out = yield from self._query_step(self._request(whole, plan, period, also=[]), period)
        part, total = part_out.facts.get("value"), whole_out.facts.get("value")
        m, w = self.sem.metric(metric), self.sem.metric(whole)
        facts = self._base("figure", metric, plan, period) | {
            "value": part / total if part is not None and total else None, "unit": "percent",
            "label": f"{m.label} as a share of {w.label.lower()}", "part": part, "part_unit": m.unit,
            "total": total, "share_in": whole}
        yield TextDelta(wording.part_share(facts, m.label, w.label))
        yield from self._emit(part_out)
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
        req = self._request(metric, plan, period, also=[])
        return (yield from self._query_step(req, period))

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
        averaged = plan.per == "weekday" and dims == ["weekday"]  # averages per such day rank differently
        whole = averaged or (kind == "top" and plan.winner)  # the winner is shown within the full ranking
        req = self._request(metric, plan, period, group_by=dims, top_n=None if whole else top_n,
                            order=plan.order)
        out = yield from self._query_step(req, period, held)
        facts = self._base(kind, metric, plan, period) | {
            k: out.facts[k] for k in ("rows", "shares", "total", "n_groups") if k in out.facts
        }
        if averaged:
            facts_mod.per_weekday(facts, period)
        if plan.shares and not facts.get("shares") and facts.get("rows"):  # distinct counts: the total is asked
            whole = yield from self._query_step(self._request(metric, plan, period, also=[]), period)
            total = whole.facts.get("value")
            facts["total"] = total
            facts["shares"] = [[lab, (v / total) if v is not None and total else None] for lab, v in facts["rows"]]
        if whole:
            ranked = sorted(facts["rows"], key=lambda r: (r[1] is None, -(r[1] or 0) if plan.order == "desc"
                                                          else (r[1] or 0)))
            facts["ranking"] = ranked
            facts["rows"] = ranked[:top_n] if kind == "top" and top_n else facts["rows"]
        facts["group_by"], facts["dimension_label"] = dims, " and ".join(self._dim_label(d) for d in dims)
        if kind == "top":
            facts.update(top_n=top_n, order=plan.order)
            values = [v for _, v in facts.get("rows", []) if v is not None]
            if values and facts.get("shares") and is_additive(self.sem.metric(metric)):
                facts["top_total"] = sum(values)
                facts["top_share"] = sum(s for _, s in facts["shares"] if s is not None)
        yield TextDelta(wording.top(facts) if kind == "top" else wording.breakdown(facts))
        yield from self._emit(out)
        if not averaged and len(facts.get("rows", [])) >= (2 if kind == "top" or plan.kind == "chart"
                                                          else CHART_MIN_ROWS):
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
        req = self._request(metric, plan, period, group_by=dims, grain=grain)
        out = yield from self._query_step(req, period, held)
        facts = self._base(kind, metric, plan, period) | {"grain": grain, "group_by": dims}
        facts.update(facts_mod.trend_facts(out.facts, period, grain, is_additive(self.sem.metric(metric))))
        if dims:
            facts["dimension_label"] = self._dim_label(dims[0])
        if plan.also and not dims:  # "revenue vs ad spend by month": the second measure is summarised too
            facts["also"] = facts_mod.also_series(held["df"], [m for m in plan.also if m != metric], self.sem)
        ranked = facts_mod.ranked_buckets(facts["series"], period, grain, plan.order, plan.top_n or 1) \
            if plan.kind == "top" and not dims and facts.get("series") else []
        if ranked:
            # "which 3 days had the most orders": the N best (or worst) periods, ranked; "the slowest month": the one,
            # then the series it stands out in
            facts.update(rows=ranked, top_n=plan.top_n, order=plan.order)
            one = (plan.top_n or 1) == 1
            yield TextDelta(wording.top_period(facts) + "\n\n" + wording.trend(facts) if one else wording.top_periods(facts))
        else:  # not a ranking, or no whole bucket inside the period: the series as it is
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
        if thin := thin_comparison(period, prev, self.ctx.data_start, self.ctx.as_of):
            yield Notice(thin[0].upper() + thin[1:] + ".")
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
        elif plan.per:  # "average daily revenue in may vs april": each period's total over its own days
            facts_mod.per_unit(facts, plan.per)
        yield TextDelta(wording.compare(facts))
        yield from self._emit(out)
        rows = facts.get("by_rows") or []
        if by and len(rows) >= 2:
            yield from self._chart(
                {"kind": "grouped_bar", "metric": metric, "by": by},
                lambda tool: answer_charts.compare_chart(tool, self.sem, facts, by, rows[:12]),
            )
        return facts, period


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
