"""The metric tools (query_metric, compare_periods, find_anomalies, explain_change, describe_data, run_sql,
make_chart) on the seeded demo warehouse. Every figure is checked against independent SQL written here, not
against the query builder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from shoplens.data.errors import UserInputError
from shoplens.tools.anomalies import AnomaliesTool, expected_values, is_unusual, score
from shoplens.tools.artifacts import Period
from shoplens.tools.compare import ComparePeriodsTool
from shoplens.tools.context import ToolContext
from shoplens.tools.describe import DescribeDataTool
from shoplens.tools.drivers import DriversTool
from shoplens.tools.metric_query import QueryMetricTool, period_label
from shoplens.tools.run_sql import RunSqlTool

D = dt.date
MAY = Period(D(2026, 5, 1), D(2026, 5, 31), "May 2026")
APRIL = Period(D(2026, 4, 1), D(2026, 4, 30), "April 2026")
SALES = (
    "FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) "
    "WHERE o.status = 'completed'"
)


def one(ctx: ToolContext, sql: str) -> float:
    value = ctx.runner.run(sql).df.iat[0, 0]
    return float(value) if value is not None else 0.0


def rows(ctx: ToolContext, sql: str) -> list[tuple]:
    return [tuple(float(v) if hasattr(v, "as_tuple") else v for v in r) for r in ctx.runner.run(sql).rows]


# --- query_metric ----------------------------------------------------------------------------------------------
def test_single_figure_counts_completed_orders_only(tool_ctx: ToolContext) -> None:
    out = QueryMetricTool(tool_ctx).run(
        "revenue", filters={"category": ["electronics"]}, start="2026-05-01", end="2026-05-31"
    )
    expected = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND p.category = 'Electronics' "
        "AND o.order_date >= '2026-05-01' AND o.order_date < '2026-06-01'",
    )
    assert out.facts["value"] == pytest.approx(expected)
    assert out.facts["filters"] == {"category": ["Electronics"]}  # matched to the warehouse's spelling
    assert out.facts["period"]["label"] == "May 2026"
    everything = one(
        tool_ctx,
        "SELECT SUM(revenue) FROM order_items JOIN orders USING (order_id) "
        "JOIN products USING (product_id) WHERE category = 'Electronics' "
        "AND order_date BETWEEN '2026-05-01' AND '2026-05-31'",
    )
    assert everything > expected  # cancelled and returned orders are not revenue
    # completed orders, net of credit notes ('refund' lines are negative); never cancelled or returned ones
    assert out.sql and "o.status IN ('completed', 'refund')" in out.sql[0]
    assert "Electronics" in out.summary and "May 2026" in out.summary


def test_breakdown_rows_shares_and_total(tool_ctx: ToolContext) -> None:
    out = QueryMetricTool(tool_ctx).run(
        "revenue", group_by=["channel"], start=D(2025, 1, 1), end=D(2025, 12, 31)
    )
    want = rows(
        tool_ctx,
        f"SELECT o.channel, SUM(oi.revenue) AS r {SALES} AND year(o.order_date) = 2025 "
        "GROUP BY 1 ORDER BY r DESC",
    )
    total = sum(r for _, r in want)
    got = out.facts["rows"]
    assert [g[0] for g in got] == [w[0] for w in want]
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want])
    assert out.facts["total"] == pytest.approx(total)
    assert [s for _, s in out.facts["shares"]] == pytest.approx([w[1] / total for w in want])
    assert out.facts["n_groups"] == 3
    assert out.tables[0].columns[:2] == ["Sales channel", "Revenue"]


def test_top_and_bottom_n(tool_ctx: ToolContext) -> None:
    tool = QueryMetricTool(tool_ctx)
    want = rows(
        tool_ctx,
        f"SELECT p.name, SUM(oi.quantity) AS u {SALES} AND o.order_date BETWEEN '2026-01-01' "
        "AND '2026-06-30' GROUP BY 1 ORDER BY u DESC, 1",
    )
    top = tool.run("units", group_by=["product"], top_n=5, start=D(2026, 1, 1), end=D(2026, 6, 30))
    assert [r[1] for r in top.facts["rows"]] == pytest.approx([w[1] for w in want[:5]])
    assert top.facts["rows"][0][0] == want[0][0]
    assert top.facts["n_groups"] == len(want)  # counted before the LIMIT
    assert top.facts["total"] == pytest.approx(sum(w[1] for w in want))
    bottom = tool.run(
        "units", group_by=["product"], top_n=3, order="asc", start=D(2026, 1, 1), end=D(2026, 6, 30)
    )
    assert [r[1] for r in bottom.facts["rows"]] == pytest.approx(sorted(w[1] for w in want)[:3])
    assert "(3 values" not in top.summary and len(top.summary.splitlines()) < 12  # a few rows, not the table


def test_monthly_series_and_rates(tool_ctx: ToolContext) -> None:
    out = QueryMetricTool(tool_ctx).run("return_rate", grain="month", start=D(2025, 1, 1), end=D(2025, 6, 30))
    want = rows(
        tool_ctx,
        """
        SELECT date_trunc('month', order_date)::DATE AS m,
               count(*) FILTER (WHERE status = 'returned') * 1.0 / count(*) FILTER (WHERE status IN ('completed', 'returned'))
        FROM orders WHERE order_date BETWEEN '2025-01-01' AND '2025-06-30' GROUP BY 1 ORDER BY 1""",
    )
    assert [s[0] for s in out.facts["series"]] == [w[0].isoformat() for w in want]
    assert [s[1] for s in out.facts["series"]] == pytest.approx([w[1] for w in want])


def test_weekday_breakdown_is_in_calendar_order(tool_ctx: ToolContext) -> None:
    out = QueryMetricTool(tool_ctx).run(
        "orders", group_by=["weekday"], start=D(2025, 1, 1), end=D(2025, 12, 31)
    )
    assert [r[0] for r in out.facts["rows"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    sunday = one(
        tool_ctx, "SELECT count(*) FROM orders WHERE year(order_date) = 2025 AND dayofweek(order_date) = 0"
    )
    assert out.facts["rows"][-1][1] == sunday


def test_unknown_values_and_impossible_splits_are_clear_errors(tool_ctx: ToolContext) -> None:
    tool = QueryMetricTool(tool_ctx)
    with pytest.raises(UserInputError, match="Electronics"):
        tool.run("revenue", filters={"category": ["Electronix"]})
    with pytest.raises(UserInputError, match="cannot break down"):
        tool.run("avg_rating", group_by=["channel"])
    with pytest.raises(UserInputError, match="filtered by"):
        tool.run("sessions", filters={"region": ["West"]})
    with pytest.raises(UserInputError, match="not a date"):
        tool.run("revenue", start="last tuesday")
    with pytest.raises(UserInputError, match="top_n"):
        tool.run("revenue", grain="month", top_n=3)


def test_period_labels() -> None:
    assert period_label(D(2026, 5, 1), D(2026, 5, 31)) == "May 2026"
    assert period_label(D(2026, 1, 1), D(2026, 3, 31)) == "Q1 2026"
    assert period_label(D(2026, 1, 1), D(2026, 6, 30)) == "H1 2026"
    assert period_label(D(2025, 1, 1), D(2025, 12, 31)) == "2025"
    assert period_label(D(2025, 3, 14), D(2025, 3, 14)) == "14 Mar 2025"
    assert period_label(D(2025, 3, 3), D(2025, 3, 9)) == "3 - 9 Mar 2025"
    assert period_label(D(2025, 3, 3), None) == "since 3 Mar 2025" and period_label(None, None) == "all time"


# --- compare_periods -------------------------------------------------------------------------------------------
def test_compare_two_periods(tool_ctx: ToolContext) -> None:
    out = ComparePeriodsTool(tool_ctx).run("revenue", MAY, APRIL, filters={"category": ["Beauty"]})
    cur = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND p.category = 'Beauty' AND month(o.order_date) = 5 "
        "AND year(o.order_date) = 2026",
    )
    prev = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND p.category = 'Beauty' AND month(o.order_date) = 4 "
        "AND year(o.order_date) = 2026",
    )
    f = out.facts
    assert f["value"] == pytest.approx(cur) and f["previous_value"] == pytest.approx(prev)
    assert f["change_abs"] == pytest.approx(cur - prev)
    assert f["change_pct"] == pytest.approx((cur - prev) / prev)
    assert f["period"]["label"] == "May 2026" and f["compare_period"]["label"] == "April 2026"
    assert len(out.sql) == 1  # both periods from one statement


def test_compare_by_dimension_contributions_add_up(tool_ctx: ToolContext) -> None:
    out = ComparePeriodsTool(tool_ctx).run("units", MAY, APRIL, by="category")
    want = {
        c: (a, b)
        for c, a, b in rows(
            tool_ctx,
            """
        SELECT p.category,
               SUM(oi.quantity) FILTER (WHERE o.order_date BETWEEN '2026-05-01' AND '2026-05-31'),
               SUM(oi.quantity) FILTER (WHERE o.order_date BETWEEN '2026-04-01' AND '2026-04-30')
        FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id)
        WHERE o.status = 'completed' GROUP BY 1""",
        )
    }
    got = {r[0]: (r[1], r[2]) for r in out.facts["by_rows"]}
    assert got.keys() == want.keys()
    for cat, (a, b) in want.items():
        assert got[cat] == pytest.approx((a, b))
    assert sum(r[3] for r in out.facts["by_rows"]) == pytest.approx(out.facts["change_abs"])
    deltas = [abs(r[3]) for r in out.facts["by_rows"]]
    assert deltas == sorted(deltas, reverse=True)


def test_compare_rates_by_value_and_derived_metrics(tool_ctx: ToolContext) -> None:
    out = ComparePeriodsTool(tool_ctx).run("aov", MAY, APRIL, by="channel")
    web = one(
        tool_ctx,
        "SELECT SUM(oi.revenue) / COUNT(DISTINCT o.order_id) FROM orders o JOIN order_items oi "
        "USING (order_id) WHERE o.status = 'completed' AND o.channel = 'web' "
        "AND o.order_date BETWEEN '2026-05-01' AND '2026-05-31'",
    )
    assert {r[0]: r[1] for r in out.facts["by_rows"]}["web"] == pytest.approx(web)
    roas = ComparePeriodsTool(tool_ctx).run("roas", MAY, APRIL)
    attributed = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND o.campaign_id IS NOT NULL "
        "AND o.order_date BETWEEN '2026-05-01' AND '2026-05-31'",
    )
    spend = one(
        tool_ctx, "SELECT SUM(spend) FROM marketing_spend WHERE date BETWEEN '2026-05-01' AND '2026-05-31'"
    )
    assert roas.facts["value"] == pytest.approx(attributed / spend)


def test_compare_refuses_overlapping_periods(tool_ctx: ToolContext) -> None:
    with pytest.raises(UserInputError, match="overlap"):
        ComparePeriodsTool(tool_ctx).run("revenue", MAY, Period(D(2026, 5, 20), D(2026, 6, 10), "x"))


def test_split_by_channel_with_a_campaign_filter(tool_ctx: ToolContext) -> None:
    """'channel' exists in orders and campaigns: the split must name the right one."""
    out = ComparePeriodsTool(tool_ctx).run(
        "revenue", MAY, APRIL, filters={"campaign_channel": ["email"]}, by="channel"
    )
    web = one(
        tool_ctx,
        f"SELECT SUM(oi.revenue) {SALES} AND o.channel = 'web' AND o.campaign_id IN "
        "(SELECT campaign_id FROM campaigns WHERE channel = 'email') "
        "AND o.order_date BETWEEN '2026-05-01' AND '2026-05-31'",
    )
    assert web > 0
    assert ({r[0]: r[1] for r in out.facts["by_rows"]}.get("web") or 0.0) == pytest.approx(web)


# --- find_anomalies --------------------------------------------------------------------------------------------
def test_scoring_ignores_the_weekly_rhythm_and_flags_a_drop() -> None:
    days = np.arange(120)
    weekly = np.array([1.0, 0.95, 0.97, 1.0, 0.9, 0.8, 1.3])[days % 7]
    rng = np.random.default_rng(3)
    values = 1000 * weekly * (1 + 0.03 * rng.standard_normal(120))
    values[60] *= 0.4
    expected = expected_values(values, "day", days % 7)
    z = score(values, expected, log_scale=True)
    rel = (values - expected) / expected
    flagged = np.flatnonzero(is_unusual(np.nan_to_num(z), np.nan_to_num(rel)))
    assert flagged.tolist() == [60]


def test_finds_the_outage_in_web_and_app_orders(tool_ctx: ToolContext) -> None:
    out = AnomaliesTool(tool_ctx).run("orders", start=D(2025, 3, 1), end=D(2025, 3, 31), by="channel")
    hits = {(a["date"], a["by"]) for a in out.facts["anomalies"]}
    assert ("2025-03-14", "web") in hits and ("2025-03-14", "app") in hits
    assert ("2025-03-14", "marketplace") not in hits
    web = next(a for a in out.facts["anomalies"] if a["by"] == "web" and a["date"] == "2025-03-14")
    actual = one(tool_ctx, "SELECT count(*) FROM orders WHERE order_date = '2025-03-14' AND channel = 'web'")
    assert web["value"] == actual and web["direction"] == "low" and web["expected"] > 3 * actual
    assert out.facts["points_checked"] == 3 * 31


def test_sale_days_are_tagged_with_their_calendar_event(tool_ctx: ToolContext) -> None:
    out = AnomaliesTool(tool_ctx).run("revenue", start=D(2025, 11, 1), end=D(2025, 11, 30))
    events = {a["date"]: a["event"] for a in out.facts["anomalies"]}
    assert events.get("2025-11-28") == "Black Friday"
    assert out.facts["anomalies"][0]["direction"] == "high"


def test_anomaly_grain_must_be_day_week_or_month(tool_ctx: ToolContext) -> None:
    with pytest.raises(UserInputError, match="per day, week or month"):
        AnomaliesTool(tool_ctx).run("revenue", grain="year")


# --- explain_change --------------------------------------------------------------------------------------------
def test_drivers_name_the_defective_product(tool_ctx: ToolContext) -> None:
    aug, octo = (
        Period(D(2025, 8, 1), D(2025, 8, 31), "August 2025"),
        Period(D(2025, 10, 1), D(2025, 10, 31), "Oct"),
    )
    out = DriversTool(tool_ctx).run("revenue", octo, aug, filters={"category": ["Electronics"]})
    f = out.facts
    top_product = f["by_dimension"]["product"]["top"][0]
    assert top_product[0] == "Aurora X2 Wireless Earbuds"
    aurora = rows(
        tool_ctx,
        f"""
        SELECT SUM(oi.revenue) FILTER (WHERE o.order_date BETWEEN '2025-10-01' AND '2025-10-31')
             - SUM(oi.revenue) FILTER (WHERE o.order_date BETWEEN '2025-08-01' AND '2025-08-31')
        {SALES} AND p.name = 'Aurora X2 Wireless Earbuds'""",
    )[0][0]
    assert top_product[1] == pytest.approx(aurora)
    assert "category" not in f["by_dimension"]  # pinned by the filter
    for info in f["by_dimension"].values():  # contributions of a sum add up to the change, whatever the split
        assert info["score"] >= 0
    signals = {s["product"]: s for s in f["signals"]}
    returned = one(
        tool_ctx,
        """
        SELECT count(DISTINCT o.order_id) FILTER (WHERE o.status = 'returned') * 1.0
             / count(DISTINCT o.order_id) FILTER (WHERE o.status IN ('completed', 'returned'))
        FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id)
        WHERE p.name = 'Aurora X2 Wireless Earbuds' AND o.order_date BETWEEN '2025-10-01' AND '2025-10-31'""",
    )
    aurora_signals = signals["Aurora X2 Wireless Earbuds"]
    assert aurora_signals["return_rate"][0] == pytest.approx(returned)
    assert {"return_rate", "avg_rating"} <= set(aurora_signals["moved"])  # the defect shows in returns and stars
    assert "avg_price" not in aurora_signals["moved"]  # its price did not change
    price = one(tool_ctx, f"""SELECT SUM(oi.revenue) / SUM(oi.quantity) {SALES} AND p.name = 'Aurora X2 Wireless Earbuds'
        AND o.order_date BETWEEN '2025-10-01' AND '2025-10-31'""")
    assert aurora_signals["avg_price"][0] == pytest.approx(price)
    assert len(out.sql) == 4  # the split, then returns and prices, reviews, traffic of the products behind it


def test_signal_thresholds_and_stockouts() -> None:
    from shoplens.tools.signals import _stockout, moved

    assert moved("return_rate", 0.07, 0.04) and not moved("return_rate", 0.05, 0.04)  # 2 pts absolute
    assert moved("avg_price", 95.0, 100.0) and not moved("avg_price", 97.0, 100.0)  # 5% relative
    assert not moved("product_views", 10.0, 0.0) and not moved("avg_price", None, 3.0)
    held = {"add_to_cart_rate": [0.02, 0.08], "product_views": [900.0, 1000.0]}
    assert _stockout(held)  # carts collapsed while views held up
    assert not _stockout(held | {"product_views": [300.0, 1000.0]})  # nobody came: demand, not stock
    assert not _stockout(held | {"add_to_cart_rate": [0.06, 0.08]})


def test_rate_contributions_add_up_to_the_change(tool_ctx: ToolContext) -> None:
    jul, octo = (
        Period(D(2025, 7, 1), D(2025, 7, 31), "July 2025"),
        Period(D(2025, 10, 1), D(2025, 10, 31), "Oct"),
    )
    out = DriversTool(tool_ctx).run("avg_rating", octo, jul, dims=["category"])
    f = out.facts
    want = rows(
        tool_ctx,
        """
        SELECT avg(rating) FILTER (WHERE review_date BETWEEN '2025-10-01' AND '2025-10-31'),
               avg(rating) FILTER (WHERE review_date BETWEEN '2025-07-01' AND '2025-07-31') FROM reviews""",
    )[0]
    assert (f["value"], f["previous_value"]) == pytest.approx(want)
    # An average over reviews splits exactly: the category contributions (rate + mix effects) add up to the change.
    assert sum(r[3] for r in out.tables[0].rows) == pytest.approx(f["change_abs"])
    assert f["summable"] is False and f["weight"] == "review_count"


def test_drivers_refuse_metrics_without_contributions(tool_ctx: ToolContext) -> None:
    with pytest.raises(UserInputError, match="cannot be split"):
        DriversTool(tool_ctx).run("roas", MAY, APRIL)


# --- describe_data, run_sql ------------------------------------------------------------------------------------
def test_describe_counts_rows_and_lists_metrics(tool_ctx: ToolContext) -> None:
    out = DescribeDataTool(tool_ctx).run()
    assert out.facts["tables"]["orders"] == one(tool_ctx, "SELECT count(*) FROM orders")
    assert out.facts["period"]["start"] == "2023-01-01"
    assert "revenue" in out.facts["metrics"] and out.facts["dimensions"]["channel"] == 3
    assert "Revenue" in out.tables[1].rows[0][1]


def test_run_sql_gives_the_model_a_few_rows_and_people_the_table(tool_ctx: ToolContext) -> None:
    out = RunSqlTool(tool_ctx).run("SELECT order_id, order_date FROM orders ORDER BY order_id LIMIT 300")
    assert out.facts["row_count"] == 300 and len(out.facts["rows"]) == 20
    assert len(out.tables[0].rows) == 300
    assert "280 more row(s)" in out.summary and len(out.summary) < 3000
    with pytest.raises(UserInputError, match="Refused"):
        RunSqlTool(tool_ctx).run("DELETE FROM orders")


# --- make_chart ------------------------------------------------------------------------------------------------
def test_chart_from_query_writes_png_csv_and_spec(tool_ctx: ToolContext, tmp_path: Path) -> None:
    from shoplens.tools.charts.query import ChartFromQueryTool
    from shoplens.tools.charts.tool import ChartTool

    tool = ChartFromQueryTool(tool_ctx, ChartTool(tmp_path, tool_ctx.as_of))
    out = tool.run("revenue", group_by=["channel"], grain="month", start="2025-01-01", end="2025-12-31")
    chart = out.charts[0]
    assert Path(chart.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import pandas as pd

    data = pd.read_csv(chart.data)
    want = {
        (m.month, c): r
        for m, c, r in rows(
            tool_ctx,
            f"""
        SELECT date_trunc('month', o.order_date)::DATE, o.channel, SUM(oi.revenue) {SALES}
        AND year(o.order_date) = 2025 GROUP BY 1, 2""",
        )
    }
    got = {
        (pd.Timestamp(p).month, c): r
        for p, c, r in data[["period", "channel", "revenue"]].itertuples(index=False)
    }
    assert got.keys() == want.keys()
    assert [got[k] for k in sorted(want)] == pytest.approx([want[k] for k in sorted(want)])
    assert chart.spec["kind"] == "stacked_bar" and chart.spec["series"] == "channel"
    assert json.loads(Path(chart.path).with_suffix(".json").read_text())["spec"]["x"] == "period"
    with pytest.raises(UserInputError):
        tool.run("revenue", filters={"category": ["Beauty"]}, start="2019-01-01", end="2019-12-31")
