"""ShopLens on Spark through Spark Connect (one loopback server per session): the golden questions give DuckDB's
numbers to the cent, the attack corpus is refused, the deadline stops a runaway query, the row cap holds, and the
Parquet warehouse is left byte-identical."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from test_spark_gate import SPARK_ATTACKS, golden_queries
from test_sql_runner import ATTACKS, FILE_READS

from shoplens.data.errors import QueryTimeout, UserInputError

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark_ctx(spark_remote: str, spark_warehouse: Path, demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from shoplens.tools.context import ToolContext
    from shoplens.tools.sqlengine.spark import SparkEngine
    from shoplens.tools.sqlengine.spark_session import SparkTarget

    engine = SparkEngine(SparkTarget(remote=spark_remote, warehouse=spark_warehouse))
    ctx = ToolContext.open(demo_db, tmp_path_factory.mktemp("spark-charts"), timeout_s=60, engine=engine)
    yield ctx
    ctx.close()


def _cents(df: pd.DataFrame) -> pd.DataFrame:
    """Values as the answer shows them: numbers to the cent, dates as dates, text as text; rows in a fixed order."""
    out = pd.DataFrame(index=range(len(df)))
    for col in df.columns:
        s = df[col].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(s) or s.map(lambda v: hasattr(v, "isoformat")).any():
            out[col] = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_numeric_dtype(s) or s.map(lambda v: hasattr(v, "as_tuple")).any():
            out[col] = pd.to_numeric(s).astype(float).round(2)
        else:
            out[col] = s.astype(str)
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True)


def test_spark_sees_the_same_tables_and_day(spark_ctx, tool_ctx) -> None:
    assert sorted(spark_ctx.runner.catalog) == sorted(tool_ctx.runner.catalog)
    assert spark_ctx.as_of == tool_ctx.as_of
    assert spark_ctx.semantic.hidden == tool_ctx.semantic.hidden


def test_golden_questions_give_duckdbs_numbers_to_the_cent(spark_ctx, tool_ctx) -> None:
    from shoplens.tools.query import compile_query

    for name, q in golden_queries(tool_ctx.as_of).items():
        duck = tool_ctx.runner.run(compile_query(q, tool_ctx.semantic)).df
        spark = spark_ctx.runner.run(compile_query(q, spark_ctx.semantic)).df
        assert list(spark.columns) == list(duck.columns), name
        assert len(duck) > 0, name
        pd.testing.assert_frame_equal(_cents(spark), _cents(duck), check_dtype=False, obj=name)


@pytest.mark.parametrize("name", sorted(SPARK_ATTACKS) + sorted(ATTACKS) + sorted(FILE_READS))
def test_attack_corpus_is_refused_on_spark(spark_ctx, name: str) -> None:
    sql = SPARK_ATTACKS.get(name) or ATTACKS.get(name) or FILE_READS[name]
    with pytest.raises(UserInputError) as info:
        spark_ctx.runner.run(sql)
    assert "Traceback" not in info.value.message


def test_deadline_stops_a_runaway_query_and_the_engine_still_answers(spark_ctx) -> None:
    with pytest.raises(QueryTimeout):
        spark_ctx.runner.run("SELECT count(*) FROM order_items a, order_items b, order_items c "
                             "WHERE a.revenue + b.revenue + c.revenue < 0", timeout_s=2)
    assert spark_ctx.runner.scalar("SELECT count(*) FROM products") == 120


def test_row_cap_sets_truncated(spark_ctx) -> None:
    res = spark_ctx.runner.run("SELECT order_id FROM orders", row_cap=7)
    assert res.row_count == 7 and res.truncated


def test_spark_errors_are_messages(spark_ctx) -> None:
    with pytest.raises(UserInputError) as info:
        spark_ctx.runner.run("SELECT no_such_column FROM orders")
    assert "no_such_column" in info.value.message and "\n" not in info.value.message


def test_parquet_warehouse_is_unchanged_after_the_attacks(spark_ctx, spark_warehouse: Path) -> None:
    def digest() -> dict[str, str]:
        return {str(p.relative_to(spark_warehouse)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(spark_warehouse.rglob("*")) if p.is_file()}

    before = digest()
    for sql in [*SPARK_ATTACKS.values(), *ATTACKS.values()]:
        with pytest.raises(UserInputError):
            spark_ctx.runner.run(sql)
    assert digest() == before


def test_day_and_month_names_and_numbers_mean_the_same_on_both(spark_ctx, tool_ctx) -> None:
    sql = ("SELECT DISTINCT order_date, dayname(order_date) AS a, monthname(order_date) AS b, isodow(order_date) AS c, "
           "dayofweek(order_date) AS d, date_part('dow', order_date) AS e FROM orders "
           "WHERE order_date BETWEEN DATE '2025-12-25' AND DATE '2026-01-05' ORDER BY order_date")
    pd.testing.assert_frame_equal(_cents(spark_ctx.runner.run(sql).df), _cents(tool_ctx.runner.run(sql).df),
                                  check_dtype=False)
