"""The insight kinds of answer: unusual days, "why" (contributions and signals), forecasts, reviews, and the
describe/clarify/unsupported answers. Mixed into ``Executor``; shared plumbing is in ``steps.py``."""

from __future__ import annotations

import re
from typing import Any

from shoplens.agent.events import Notice, TextDelta
from shoplens.agent.planner import answer_charts, wording_insights
from shoplens.agent.planner import facts as facts_mod
from shoplens.agent.planner.lexicon import CAMPAIGN_WORDS
from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.steps import StepRunner, Steps
from shoplens.data.errors import UserInputError
from shoplens.tools.anomalies import AnomaliesTool
from shoplens.tools.artifacts import Period, ToolOutput
from shoplens.tools.calendar import dates as periods
from shoplens.tools.describe import DescribeDataTool
from shoplens.tools.drivers import DEFAULT_DIMS, DriversTool
from shoplens.tools.forecast import ForecastTool
from shoplens.tools.reviews.insights import ReviewInsightsTool

ANOMALY_DAYS = 90  # default window for "any unusual days?"
HORIZONS = {"day": 30, "week": 8, "month": 6, "quarter": 4}


class InsightKinds(StepRunner):
    def _anomalies(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:

        metric = yield from self._metric(plan)
        period = yield from self._period(plan, default_days=ANOMALY_DAYS)
        grain = plan.grain if plan.grain in ("day", "week", "month") else "day"
        by = plan.group_by[0] if plan.group_by else None
        tool = self.toolbox.get(AnomaliesTool)
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
        yield TextDelta(wording_insights.anomalies(facts))
        yield from self._emit(out)
        yield from self._chart(
            {"kind": "anomalies", "metric": metric, "by": by},
            lambda t: answer_charts.anomaly_chart(t, self.sem, held["det"], facts, period),
        )
        return facts, period

    def _why(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:

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
        # The marketing channel explains a change only when the question is about marketing: for everything
        # else most orders carry no campaign, and "(no campaign)" would "explain" every change.
        marketing = bool(re.search(CAMPAIGN_WORDS, plan.question.lower())) or "marketing" in \
            self.sem.metric_source_names(self.sem.metric(metric))
        dims = list(DEFAULT_DIMS) if marketing else [d for d in DEFAULT_DIMS if d != "campaign_channel"]
        out = yield from self._step(
            "explain_change", args,
            lambda: self.toolbox.get(DriversTool).run(metric, period, prev, plan.filters, dims=dims)
        )
        facts = self._base("why", metric, plan, period) | {
            k: v
            for k, v in out.facts.items()
            if k not in ("period", "filters", "metric", "label", "unit", "kind")
        }
        facts["dimension_labels"] = {d: self._dim_label(d) for d in facts.get("by_dimension", {})}
        facts["effects"] = facts_mod.rate_effects(facts, self.sem)
        yield TextDelta(wording_insights.why(facts, plan.question))
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
            tool = self.toolbox.get(ForecastTool)
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
        yield TextDelta(wording_insights.forecast(facts, sentences))
        yield from self._emit(out)
        return facts, out.period

    def _reviews(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        try:
            tool = self.toolbox.get(ReviewInsightsTool)
        except ImportError:
            raise UserInputError(
                "Review insights are not available in this installation yet.",
                hint="Ask for the average rating instead, e.g. 'average rating by product'.",
            ) from None
        # No period named: every review (the whole history, so a product's bad patch is never missed), as said
        asked = yield from self._period(plan)
        scope = {}
        for dim in REVIEW_SCOPES:
            if plan.filters.get(dim):
                scope = {dim: plan.filters[dim][0]}
                if len(plan.filters[dim]) > 1:
                    yield Notice(
                        f"Reviews are summarised for one {dim} at a time: showing {plan.filters[dim][0]}."
                    )
                break
        ignored = [d for d in plan.filters if d not in REVIEW_SCOPES]
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
        yield TextDelta(wording_insights.reviews(facts, praise_first=_asks_praise(plan.question)))
        yield from self._emit(out)
        return facts, period

    def _describe(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:

        out = yield from self._step("describe_data", {}, lambda: self.toolbox.get(DescribeDataTool).run())
        facts = dict(out.facts) | {"metric_labels": [m.label for m in self.sem.metrics.values()]}
        yield TextDelta(wording_insights.describe(facts))
        yield from self._emit(out, tables=1)
        return facts, out.period

    def _clarify(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        yield TextDelta(wording_insights.clarify(plan.clarify, plan.choices))
        return {"kind": "clarify", "choices": list(plan.choices), "question": plan.clarify}, None

    def _unsupported(self, plan: Plan) -> Steps[tuple[dict[str, Any], Period | None]]:
        yield TextDelta(wording_insights.unsupported(plan.reason))
        return {"kind": "unsupported", "reason": plan.reason}, None


#: The filters a review summary can be scoped by (the review_insights tool's arguments), most specific first.
REVIEW_SCOPES = ("product", "brand", "subcategory", "category")

_PRAISE = re.compile(r"\b(?:like|likes|liked|love|loves|loved|enjoy\w*|prais\w*|appreciat\w*|rave\w*|happy\s+with|"
                     r"best\s+(?:thing|part|feature)s?|good\s+(?:about|things|points))\b")
_DISLIKE = re.compile(r"\b(?:don'?t|do\s+not|didn'?t|did\s+not|doesn'?t|does\s+not|not)\s+(?:\w+\s+)?(?:like|love|enjoy)|"
                      r"\bdislike|\bhate|\bcomplain|\bunhappy|\bgripe|\bproblem|\bissue|\bwrong\b|\bbad\b|\bworst\b")


def _asks_praise(question: str) -> bool:
    """'What do customers like most about X': the praised topics lead the review summary."""
    q = (question or "").lower()
    return bool(_PRAISE.search(q)) and not _DISLIKE.search(q)
