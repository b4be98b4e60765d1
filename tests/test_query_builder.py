"""The semantic layer and query builder on a tiny warehouse whose answers are known by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from shoplens.data.contract import TABLES, create_table_sql
from shoplens.data.errors import UserInputError
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.context import ToolContext
from shoplens.tools.query import MetricQuery, compile_query

D = dt.date


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    con = duckdb.connect(str(path))
    for table in TABLES:
        con.execute(create_table_sql(table))
    con.execute("""INSERT INTO products VALUES
        (1, 'A1', 'Aurora X2 Wireless Earbuds', 'Electronics', 'Audio', 'Aurora', 80, 30, '2023-01-01', NULL, ''),
        (2, 'B1', 'Luna Glow Serum', 'Beauty', 'Skincare', 'Luna', 20, 5, '2023-01-01', NULL, '')""")
    con.execute("""INSERT INTO customers VALUES
        (1, '2024-12-30', 'West', 'Seattle', 'consumer', 'search'),
        (2, '2025-01-15', 'Northeast', 'Boston', 'business', 'email')""")
    con.execute("""INSERT INTO campaigns VALUES (1, 'Winter Email', 'email', '2025-01-01', '2025-01-31', 10),
                                                 (2, 'Display Push', 'display', '2025-01-01', '2025-02-28', 5)""")
    con.execute("""INSERT INTO orders VALUES
        (10, '2025-01-06 10:00', '2025-01-06', 1, 'web', 'West', 'completed', 1),
        (11, '2025-01-07 10:00', '2025-01-07', 2, 'app', 'Northeast', 'completed', NULL),
        (12, '2025-01-20 10:00', '2025-01-20', 1, 'web', 'West', 'returned', NULL),
        (13, '2025-02-03 10:00', '2025-02-03', 2, 'marketplace', 'Northeast', 'cancelled', 2),
        (14, '2025-02-04 10:00', '2025-02-04', 1, 'app', 'West', 'completed', 2)""")
    con.execute("""INSERT INTO order_items VALUES
        (10, 1, 1, 1, 80, 0, 80), (10, 2, 2, 2, 20, 0, 40),
        (11, 1, 2, 1, 20, 2, 18),
        (12, 1, 1, 1, 80, 0, 80),
        (13, 1, 1, 2, 80, 0, 160),
        (14, 1, 1, 1, 80, 10, 70)""")
    con.execute("""INSERT INTO reviews VALUES
        (1, 1, 1, 10, '2025-01-10', 5, 't', 'great'), (2, 1, 1, 12, '2025-01-25', 1, 't', 'battery died'),
        (3, 2, 2, 11, '2025-01-12', 4, 't', 'nice')""")
    con.execute("INSERT INTO web_traffic VALUES ('2025-01-06', 1, 100, 80, 8), ('2025-01-06', 2, 50, 40, 2)")
    con.execute("INSERT INTO marketing_spend VALUES ('2025-01-05', 1, 20, 1000, 50), ('2025-02-01', 2, 100, 5000, 40)")
    con.close()
    ctx = ToolContext.open(path, tmp_path_factory.mktemp("charts"))
    yield ctx
    ctx.close()


def run(ctx: ToolContext, **kw) -> list[tuple]:
    return ctx.runner.run(compile_query(MetricQuery(**kw), ctx.semantic)).rows


def test_revenue_counts_completed_orders_only(tiny: ToolContext) -> None:
    assert float(run(tiny, metric="revenue")[0][0]) == 80 + 40 + 18 + 70


def test_breakdown_and_filters(tiny: ToolContext) -> None:
    rows = run(tiny, metric="revenue", group_by=["category"])
    assert [(r[0], float(r[1])) for r in rows] == [("Electronics", 150.0), ("Beauty", 58.0)]
    rows = run(tiny, metric="units", filters={"region": ["West"]}, start=D(2025, 1, 1), end=D(2025, 1, 31))
    assert rows[0][0] == 3


def test_time_grain_adds_period_column(tiny: ToolContext) -> None:
    res = tiny.runner.run(compile_query(MetricQuery("orders", grain="month"), tiny.semantic))
    assert res.columns == ["period", "orders"]
    assert [(str(p), n) for p, n in res.rows] == [("2025-01-01", 3), ("2025-02-01", 2)]


def test_rates_and_averages(tiny: ToolContext) -> None:
    rate = run(tiny, metric="return_rate")[0][0]
    assert rate == pytest.approx(1 / 4)  # 1 returned of 3 completed + 1 returned
    assert run(tiny, metric="cancel_rate")[0][0] == pytest.approx(1 / 5)
    assert float(run(tiny, metric="aov")[0][0]) == pytest.approx(208 / 3)
    assert run(tiny, metric="avg_rating", filters={"product": ["Aurora X2 Wireless Earbuds"]})[0][0] == 3.0
    assert run(tiny, metric="add_to_cart_rate")[0][0] == pytest.approx(10 / 120)


def test_customer_dimension_joins_only_when_needed(tiny: ToolContext) -> None:
    sql = compile_query(MetricQuery("revenue"), tiny.semantic)
    assert "customers" not in sql
    rows = run(tiny, metric="revenue", group_by=["segment"])
    assert {r[0]: float(r[1]) for r in rows} == {"consumer": 190.0, "business": 18.0}


def test_dimension_names_shared_by_joined_tables_are_not_ambiguous(tiny: ToolContext) -> None:
    # the segment filter joins customers, which also has a region column
    rows = run(tiny, metric="revenue", group_by=["region"], filters={"segment": ["consumer"]})
    assert [(r[0], float(r[1])) for r in rows] == [("West", 190.0)]
    rows = run(tiny, metric="revenue", group_by=["channel"], filters={"campaign_channel": ["email"]}, grain="month")
    assert [(str(r[0]), r[1], float(r[2])) for r in rows] == [("2025-01-01", "web", 120.0)]


def test_derived_roas_joins_two_sources(tiny: ToolContext) -> None:
    rows = run(tiny, metric="roas", group_by=["campaign_channel"])
    got = {r[0]: r[1] for r in rows}
    assert float(got["email"]) == pytest.approx(120 / 20)
    assert float(got["display"]) == pytest.approx(70 / 100)


def test_top_n_order_and_limit(tiny: ToolContext) -> None:
    # completed units: Aurora 1 + 1 = 2, Luna 2 + 1 = 3
    assert run(tiny, metric="units", group_by=["product"], limit=1, order="asc")[0][0] == "Aurora X2 Wireless Earbuds"
    assert run(tiny, metric="units", group_by=["product"], limit=1)[0][0] == "Luna Glow Serum"


def test_dimension_values_read_from_the_warehouse(tiny: ToolContext) -> None:
    sem = tiny.semantic
    assert sem.dimensions["category"].values == ["Beauty", "Electronics"]
    assert "Winter Email" in sem.dimensions["campaign"].values
    assert tiny.as_of == D(2025, 2, 4)


def test_unsplittable_and_unknown_requests_are_explained(tiny: ToolContext) -> None:
    with pytest.raises(UserInputError, match="cannot break down"):
        compile_query(MetricQuery("ad_spend", group_by=["category"]), tiny.semantic)
    with pytest.raises(UserInputError, match="revenue"):
        compile_query(MetricQuery("revnue"), tiny.semantic)
    with pytest.raises(UserInputError, match="after it ends"):
        compile_query(MetricQuery("revenue", start=D(2025, 2, 1), end=D(2025, 1, 1)), tiny.semantic)


def test_values_are_quoted_safely(tiny: ToolContext) -> None:
    rows = run(tiny, metric="revenue", filters={"brand": ["O'Reilly'); DROP TABLE orders; --"]})
    assert rows[0][0] is None


def test_metrics_of_absent_tables_are_hidden(tmp_path: Path) -> None:
    path = tmp_path / "min.duckdb"
    con = duckdb.connect(str(path))
    for table in ("products", "orders", "order_items"):
        con.execute(create_table_sql(table))
    con.execute("INSERT INTO products VALUES (1, 'S', 'P', 'Uncategorised', NULL, NULL, 1, NULL, NULL, NULL, NULL)")
    con.execute("INSERT INTO orders VALUES (1, NULL, '2024-01-01', NULL, NULL, NULL, 'completed', NULL)")
    con.execute("INSERT INTO order_items VALUES (1, 1, 1, 1, 1, 0, 1)")
    con.close()
    ctx = ToolContext.open(path, tmp_path / "c")
    try:
        assert "revenue" in ctx.semantic.metrics and "ad_spend" not in ctx.semantic.metrics
        with pytest.raises(UserInputError, match="not available in this warehouse"):
            ctx.semantic.metric("roas")
        # unit_cost is empty: margin is hidden with the reason; customers/campaigns are absent: said plainly
        assert "all empty" in ctx.semantic.hidden["gross_margin"]
        with pytest.raises(UserInputError, match="needs the customers table"):
            compile_query(MetricQuery("revenue", group_by=["segment"]), ctx.semantic)
        with pytest.raises(UserInputError, match="needs the campaigns table"):
            compile_query(MetricQuery("revenue", filters={"campaign": ["X"]}), ctx.semantic)
    finally:
        ctx.close()


def test_calendar_event_windows() -> None:
    sem = SemanticLayer.load()
    assert sem.event("black_friday").window(2024) == (D(2024, 11, 29), D(2024, 11, 29))
    assert sem.event("bfcm").window(2025) == (D(2025, 11, 28), D(2025, 12, 1))
    assert sem.event("singles_day").window(2025) == (D(2025, 11, 11), D(2025, 11, 11))
    assert sem.event("holiday_season").window(2025) == (D(2025, 11, 1), D(2025, 12, 31))
