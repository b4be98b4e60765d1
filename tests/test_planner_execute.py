"""The offline planner's execution: hand-built Plans answered through the tools on the seeded demo warehouse.

Checks the event stream (steps with SQL and timings, text, tables, charts, notices, AnswerMeta facts), the
wording (metric, period and filters in words), the numbers (against independent SQL) and that refusals become
helpful answers instead of exceptions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shoplens.agent.analyst import build_answer
from shoplens.agent.events import (
    AnswerMeta,
    ChartArtifact,
    Notice,
    StepFinished,
    StepStarted,
    TableArtifact,
    TextDelta,
)
from shoplens.agent.planner import wording, wording_insights
from shoplens.agent.planner.execute import Executor
from shoplens.agent.planner.facts import trend_facts
from shoplens.agent.planner.plan import Plan
from shoplens.agent.toolbox import Toolbox
from shoplens.tools.artifacts import Period

D = dt.date
MAY = Period(D(2026, 5, 1), D(2026, 5, 31), "May 2026")
Y2025 = Period(D(2025, 1, 1), D(2025, 12, 31), "2025")
SALES = (
    "FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) "
    "WHERE o.status = 'completed'"
)


@pytest.fixture()
def executor(tool_ctx, settings) -> Executor:  # noqa: ANN001
    return Executor(Toolbox(tool_ctx, settings))


def run(executor: Executor, plan: Plan):  # noqa: ANN201
    events = list(executor.run(plan))
    meta = [e for e in events if isinstance(e, AnswerMeta)]
    assert len(meta) == 1 and events[-1] is meta[0]
    answer = build_answer(plan.question or plan.kind, "offline", events, 1.0)
    return events, answer, meta[0].facts


def one(ctx, sql: str) -> float:  # noqa: ANN001
    return float(ctx.runner.run(sql).df.iat[0, 0])


def test_figure_states_metric_filters_period_and_comparison(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    events, answer, facts = run(
        executor,
        Plan(
            "figure",
            metric="revenue",
            filters={"category": ["Electronics"]},
            period=MAY,
            question="electronics revenue in may 2026",
        ),
    )
    cur = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND p.category = 'Electronics' "
        "AND o.order_date BETWEEN '2026-05-01' AND '2026-05-31'",
    )
    prev = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND p.category = 'Electronics' "
        "AND o.order_date BETWEEN '2026-04-01' AND '2026-04-30'",
    )
    assert facts["kind"] == "figure" and facts["metric"] == "revenue" and facts["unit"] == "currency"
    assert facts["value"] == pytest.approx(cur) and facts["previous_value"] == pytest.approx(prev)
    assert facts["change_pct"] == pytest.approx((cur - prev) / prev)
    assert facts["period"] == MAY.to_dict() and facts["compare_period"]["label"] == "April 2026"
    assert facts["filters"] == {"category": ["Electronics"]}
    text = answer.answer
    assert text.startswith("**Revenue**, Electronics, May 2026: **$") and "vs April 2026" in text
    from shoplens.tools.formatting import format_value

    assert format_value(cur, "currency") in text and format_value((cur - prev) / prev, "change") in text
    # one tool call, one statement for both periods; its SQL and timing reach the Answer
    starts = [e for e in events if isinstance(e, StepStarted)]
    done = [e for e in events if isinstance(e, StepFinished)]
    assert [e.tool for e in starts] == ["compare_periods"] and done[0].ok and done[0].elapsed_ms > 0
    assert answer.sql == done[0].sql and len(answer.sql) == 1
    assert answer.steps[0]["args"]["filters"] == {"category": ["Electronics"]}
    assert answer.period == MAY and not answer.charts


def test_breakdown_gets_a_chart_only_with_more_than_three_rows(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    _, answer, facts = run(executor, Plan("breakdown", metric="revenue", group_by=["channel"], period=Y2025))
    assert len(facts["rows"]) == 3 and not answer.charts
    assert "**Revenue by sales channel**, 2025 (total $" in answer.answer
    events, answer, facts = run(
        executor, Plan("breakdown", metric="units", group_by=["category"], period=Y2025)
    )
    want = dict(
        tool_ctx.runner.run(
            f"SELECT p.category, SUM(oi.quantity) {SALES} AND year(o.order_date) = 2025 GROUP BY 1"
        ).rows
    )
    assert {r[0]: r[1] for r in facts["rows"]} == {k: pytest.approx(float(v)) for k, v in want.items()}
    assert len(answer.charts) == 1 and Path(answer.charts[0].path).exists()
    assert answer.charts[0].spec["kind"] == "hbar"
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("TextDelta") < kinds.index("ChartArtifact") < kinds.index("AnswerMeta")
    assert [s["tool"] for s in answer.steps] == ["query_metric", "make_chart"]


def test_top_n_with_total_and_share(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    _, answer, facts = run(
        executor, Plan("top", metric="revenue", group_by=["product"], top_n=3, period=Y2025)
    )
    want = tool_ctx.runner.run(
        f"SELECT p.name, SUM(oi.revenue) r {SALES} AND year(o.order_date) = 2025 "
        "GROUP BY 1 ORDER BY r DESC LIMIT 3"
    ).rows
    assert [r[0] for r in facts["rows"]] == [w[0] for w in want]
    assert facts["top_total"] == pytest.approx(sum(float(w[1]) for w in want))
    assert answer.answer.startswith("**Top 3 products by revenue**, 2025:")
    assert "1. " + want[0][0] in answer.answer and answer.charts


def test_compare_same_period_last_year_by_channel(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    plan = Plan("compare", metric="orders", compare_mode="yoy", group_by=["channel"], period=MAY)
    _, answer, facts = run(executor, plan)
    assert facts["compare_period"] == {"start": "2025-05-01", "end": "2025-05-31", "label": "May 2025"}
    last_year = one(
        tool_ctx, "SELECT count(*) FROM orders WHERE order_date BETWEEN '2025-05-01' AND '2025-05-31'"
    )
    assert facts["previous_value"] == last_year
    assert "in May 2026 vs" in answer.answer and "in May 2025" in answer.answer
    assert "By sales channel" in answer.answer and answer.charts[0].spec["kind"] == "grouped_bar"


def test_trend_series_facts_and_partial_periods(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    plan = Plan(
        "trend",
        metric="revenue",
        grain="month",
        filters={"category": ["Beauty"]},
        period=Period(D(2025, 1, 1), D(2025, 6, 30), "H1 2025"),
    )
    _, answer, facts = run(executor, plan)
    want = tool_ctx.runner.run(
        f"SELECT date_trunc('month', o.order_date)::DATE, SUM(oi.revenue) {SALES} "
        "AND p.category = 'Beauty' AND o.order_date BETWEEN '2025-01-01' AND '2025-06-30' "
        "GROUP BY 1 ORDER BY 1"
    ).rows
    assert [s[0] for s in facts["series"]] == [w[0].isoformat() for w in want]
    assert facts["peak"][1] == pytest.approx(max(float(w[1]) for w in want))
    assert facts["total"] == pytest.approx(sum(float(w[1]) for w in want))
    assert answer.answer.startswith("**Monthly revenue**, Beauty, H1 2025: from $") and answer.charts
    assert "partly inside" not in answer.answer and "partial" not in facts
    partial = trend_facts(
        {"series": [["2025-01-01", 10.0], ["2025-02-01", 20.0], ["2025-03-01", 5.0]]},
        Period(D(2025, 1, 1), D(2025, 3, 10), "x"),
        "month",
        True,
    )
    assert (
        partial["last"] == ["2025-02-01", 20.0]
        and "The last month is only partly inside" in partial["partial"]
    )
    assert partial["total"] == 35.0


def test_anomalies_find_the_outage_with_a_chart(executor: Executor) -> None:
    plan = Plan(
        "anomalies",
        metric="orders",
        group_by=["channel"],
        period=Period(D(2025, 3, 1), D(2025, 3, 31), "March 2025"),
    )
    _, answer, facts = run(executor, plan)
    found = {(d[0], d[3]) for d in facts["dates"]}
    assert {("2025-03-14", "web"), ("2025-03-14", "app")} <= found
    assert "Mar 14, 2025 (Fri)" in answer.answer and answer.charts


def test_why_names_drivers_and_product_signals(executor: Executor) -> None:
    plan = Plan(
        "why",
        metric="revenue",
        filters={"category": ["Electronics"]},
        period=Period(D(2025, 10, 1), D(2025, 10, 31), "October 2025"),
        compare_period=Period(D(2025, 8, 1), D(2025, 8, 31), "August 2025"),
        question="why did electronics revenue drop in october compared with august?",
    )
    _, answer, facts = run(executor, plan)
    assert facts["kind"] == "why" and facts["change_abs"] < 0
    assert "Aurora X2 Wireless Earbuds" in [c[0] for c in facts["by_dimension"]["product"]["top"]]
    assert answer.answer.startswith("**Revenue**, Electronics: fell from $")
    assert "August 2025" in answer.answer and "October 2025" in answer.answer
    assert any(s["product"] == "Aurora X2 Wireless Earbuds" for s in facts["signals"])
    assert answer.charts and answer.charts[0].spec["kind"] == "hbar"


def test_refusals_become_helpful_answers(executor: Executor) -> None:
    events, answer, facts = run(
        executor, Plan("breakdown", metric="avg_rating", group_by=["channel"], period=MAY)
    )
    failed = [e for e in events if isinstance(e, StepFinished)]
    assert failed and not failed[0].ok and "cannot break down" in failed[0].error
    assert answer.answer.startswith("I couldn't answer that as asked:") and "can be split by" in answer.answer
    assert "error" in facts
    _, answer, _ = run(
        executor, Plan("figure", metric="revenue", period=Period(D(2030, 1, 1), D(2030, 1, 31), "Jan"))
    )
    assert "Jan (1 - 31 Jan 2030) is outside the data, which covers" in answer.answer
    assert "ask for a forecast to look ahead" in answer.answer


def test_notes_and_open_periods_become_notices(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    as_of = tool_ctx.as_of
    plan = Plan(
        "figure",
        metric="revenue",
        notes=["'sales' read as revenue"],
        period=Period(as_of.replace(day=1), as_of + dt.timedelta(days=40), "this month"),
    )
    events, answer, facts = run(executor, plan)
    notices = [e.message for e in events if isinstance(e, Notice)]
    assert notices[0] == "'sales' read as revenue" and any("is shown to date" in n for n in notices)
    assert facts["period"]["end"] == as_of.isoformat() and "to date" in facts["period"]["label"]
    _, answer, facts = run(executor, Plan("figure", metric="orders"))
    assert facts["period"]["label"].startswith("all time") and "previous_value" not in facts


def test_clarify_unsupported_and_describe(executor: Executor) -> None:
    events, answer, facts = run(
        executor,
        Plan(
            "clarify",
            clarify="Which Aurora product do you mean?",
            choices=["Aurora X2 Wireless Earbuds", "Aurora Mini Bluetooth Speaker"],
        ),
    )
    assert [e for e in events if isinstance(e, AnswerMeta)][0].choices == [
        "Aurora X2 Wireless Earbuds",
        "Aurora Mini Bluetooth Speaker",
    ]
    assert "1. Aurora X2 Wireless Earbuds" in answer.answer and answer.choices
    assert not [e for e in events if isinstance(e, StepStarted)]
    _, answer, facts = run(executor, Plan("unsupported", reason="the question is open-ended"))
    assert "can't answer that offline" in answer.answer and "SHOPLENS_LLM_BASE_URL" in answer.answer
    assert facts == {"kind": "unsupported", "reason": "the question is open-ended"}
    _, answer, _ = run(
        executor, Plan("unsupported", reason="Average rating cannot be split by sales channel")
    )
    assert answer.answer.startswith("I can't answer that from this data: Average rating cannot be split")
    assert "SHOPLENS_LLM_BASE_URL" not in answer.answer  # a model would not help here
    events, answer, facts = run(executor, Plan("describe"))
    assert "orders" in answer.answer and "Revenue" in answer.answer and facts["tables"]["orders"] > 0
    assert len([e for e in events if isinstance(e, TableArtifact)]) == 1


def test_missing_tools_are_explained(tool_ctx, settings) -> None:  # noqa: ANN001
    from shoplens.tools.charts.tool import ChartTool
    from shoplens.tools.forecast import ForecastTool

    class NoExtras(Toolbox):  # an install whose forecasting and chart libraries are missing
        def get(self, cls):  # noqa: ANN001, ANN201
            if cls in (ForecastTool, ChartTool):
                raise ImportError("No module named 'statsmodels'")
            return super().get(cls)

    ex = Executor(NoExtras(tool_ctx, settings))
    _, answer, _ = run(ex, Plan("forecast", metric="revenue", grain="week", horizon=4))
    assert "Forecasting is not available" in answer.answer
    events, answer, facts = run(ex, Plan("trend", metric="revenue", grain="month", period=Y2025))
    assert facts["series"] and not answer.charts
    assert any("Charts are not available" in w for w in answer.warnings)
    assert any(isinstance(e, TextDelta) for e in events) and not any(
        isinstance(e, ChartArtifact) for e in events
    )


def test_wording_helpers() -> None:
    assert (
        wording.filters_phrase({"category": ["Electronics"], "channel": ["web", "app"]})
        == "Electronics, web and app channels"
    )
    assert wording.filters_phrase({"segment": ["business"]}) == "business customers"
    facts = {"unit": "percent", "change_abs": 0.004, "change_pct": 0.07}
    assert wording.change_text(facts) == "+0.4 pts"
    assert (
        wording.change_text({"unit": "currency", "change_abs": -1200, "change_pct": -0.1}, with_abs=True)
        == "-$1.2K, -10.0%"
    )
    text = wording_insights.why(
        {
            "unit": "currency",
            "label": "Revenue",
            "filters": {},
            "value": 110.0,
            "previous_value": 100.0,
            "change_abs": 10.0,
            "change_pct": 0.1,
            "period": {"label": "May"},
            "compare_period": {"label": "April"},
        },
        "why did revenue drop in may?",
    )
    assert text.startswith("**Revenue**: actually rose from $100 in April to $110 in May")


def test_two_filter_values_over_time_are_two_lines(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    plan = Plan(
        "chart",
        metric="units",
        grain="month",
        filters={"category": ["Beauty", "Electronics"]},
        period=Period(D(2025, 1, 1), D(2025, 6, 30), "H1 2025"),
    )
    _, answer, facts = run(executor, plan)
    assert set(facts["series_by"]) == {"Beauty", "Electronics"} and facts["kind"] == "chart"
    beauty_jan = one(
        tool_ctx,
        f"SELECT SUM(oi.quantity) {SALES} AND p.category = 'Beauty' "
        "AND o.order_date BETWEEN '2025-01-01' AND '2025-01-31'",
    )
    assert facts["series_by"]["Beauty"][0] == ["2025-01-01", pytest.approx(beauty_jan)]
    assert answer.charts[0].spec["series"] == "category"
    assert "- Beauty:" in answer.answer and "- Electronics:" in answer.answer


def test_an_ad_hoc_ratio_is_the_ratio_of_its_parts(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    from shoplens.agent.planner.understand import Understander

    u = Understander(tool_ctx.semantic, tool_ctx.as_of, use_embeddings=False)
    _, answer, facts = run(executor, u.understand("orders per customer in 2025"))
    orders = one(tool_ctx, "SELECT count(DISTINCT order_id) FILTER (WHERE status <> 'refund') FROM orders "
                           "WHERE order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'")
    buyers = one(tool_ctx, "SELECT count(DISTINCT customer_id) FROM orders "
                           "WHERE order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'")
    assert facts["metric"] == "orders_per_customers" and facts["value"] == pytest.approx(orders / buyers, rel=1e-6)
    assert "Orders per customer" in answer.answer


def test_the_n_best_periods_are_ranked_without_clipped_buckets(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    from shoplens.agent.planner.understand import Understander

    u = Understander(tool_ctx.semantic, tool_ctx.as_of, use_embeddings=False)
    _, answer, facts = run(executor, u.understand("which 3 days in may 2026 had the most orders"))
    want = [[str(d)[:10], float(v)] for d, v in tool_ctx.runner.run(
        "SELECT order_date, count(DISTINCT order_id) FROM orders WHERE order_date BETWEEN DATE '2026-05-01' AND "
        "DATE '2026-05-31' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3").rows]
    assert [r[1] for r in facts["rows"]] == [w[1] for w in want]
    assert answer.answer.startswith("**Top 3 days by orders**")
    _, _, facts = run(executor, u.understand("the 2 slowest weeks of 2025 by revenue"))
    assert facts["rows"] and all(r[0] >= "2025-01-01" and r[0] <= "2025-12-22" for r in facts["rows"])


def test_customers_ranked_are_labels_in_value_order(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    from shoplens.agent.planner.understand import Understander
    from shoplens.tools.charts.query import spec_for
    from shoplens.tools.query import MetricQuery

    u = Understander(tool_ctx.semantic, tool_ctx.as_of, use_embeddings=False)
    _, answer, facts = run(executor, u.understand("who were our 3 biggest customers in 2025"))
    labels = [r[0] for r in facts["rows"]]
    assert len(labels) == 3 and all(isinstance(x, str) and x.isdigit() for x in labels), labels
    values = [r[1] for r in facts["rows"]]
    assert values == sorted(values, reverse=True) and "(none)" not in labels
    spec = spec_for(tool_ctx, MetricQuery(metric="revenue", group_by=["customer"]), top_n=3)
    assert spec.sort == "desc"  # ids have no natural order: the chart keeps the ranking


def test_compare_per_day_divides_each_period_by_its_own_days(executor: Executor, tool_ctx) -> None:  # noqa: ANN001
    apr = Period(D(2026, 4, 1), D(2026, 4, 30), "April 2026")
    _, answer, facts = run(executor, Plan("compare", metric="revenue", period=MAY, compare_period=apr,
                                          compare_mode="explicit", per="day",
                                          question="average daily revenue in may vs april"))
    may_total = one(tool_ctx, f"SELECT SUM(oi.revenue) {SALES} AND o.order_date BETWEEN '2026-05-01' AND '2026-05-31'")
    apr_total = one(tool_ctx, f"SELECT SUM(oi.revenue) {SALES} AND o.order_date BETWEEN '2026-04-01' AND '2026-04-30'")
    assert facts["value"] == pytest.approx(may_total / 31)
    assert facts["previous_value"] == pytest.approx(apr_total / 30)
    assert "Average daily" in answer.answer


def test_the_one_best_or_worst_period_is_named_and_no_whole_bucket_falls_back_to_the_series(executor: Executor,
                                                                                              tool_ctx) -> None:  # noqa: ANN001
    plan = Plan(kind="top", metric="orders", grain="month", order="asc", top_n=1, period=Y2025, question="slowest month")
    _, answer, facts = run(executor, plan)
    low = min(v for _, v in facts["series"] if v is not None)
    assert facts["rows"][0][1] == low and answer.answer.startswith("**Lowest month by orders**"), answer.answer
    part = Period(D(2026, 6, 3), D(2026, 6, 12), "3 - 12 Jun 2026")  # both weeks only partly inside
    plan = Plan(kind="top", metric="orders", grain="week", order="desc", top_n=1, period=part, question="best week")
    _, answer, facts = run(executor, plan)
    assert "Top 0" not in answer.answer and "Weekly orders" in answer.answer, answer.answer
