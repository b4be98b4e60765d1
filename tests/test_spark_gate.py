"""The Spark gate, without Spark: the Spark attack corpus and the DuckDB one are refused, the semantic layer's
queries translate, and what Spark would run is regenerated from the checked tree."""

from __future__ import annotations

import pytest
from test_sql_runner import ATTACKS, FILE_READS

from shoplens.data.errors import UserInputError
from shoplens.tools.sqlengine.spark_gate import check_spark_sql, to_spark, translate

TABLES = ["orders", "order_items", "products", "customers", "reviews"]

#: Spark SQL that reads paths, runs code, changes the session or writes (issue #21's list and its relatives)
SPARK_ATTACKS = {
    "csv_path_table": "SELECT * FROM csv.`/etc/passwd`",
    "parquet_path_table": "SELECT * FROM parquet.`/tmp/warehouse/orders`",
    "json_path_table": "SELECT * FROM json.`file:///etc/os-release`",
    "text_path_in_join": "SELECT o.order_id FROM orders o JOIN text.`/etc/hosts` h ON true",
    "path_in_cte": "WITH x AS (SELECT * FROM orc.`/tmp/x`) SELECT * FROM x",
    "backquoted_path": "SELECT * FROM `/etc/passwd`",
    "read_files": "SELECT * FROM read_files('/etc', format => 'text')",
    "read_files_in_subquery": "SELECT (SELECT count(*) FROM read_files('/etc')) AS n",
    "reflect": "SELECT reflect('java.lang.Runtime', 'getRuntime')",
    "java_method": "SELECT java_method('java.lang.System', 'getenv', 'HOME')",
    "try_reflect": "SELECT try_reflect('java.lang.System', 'getProperty', 'user.home')",
    "reflect_in_where": "SELECT order_id FROM orders WHERE java_method('java.lang.Thread', 'sleep', 100000L) IS NULL",
    "transform_using": "SELECT TRANSFORM(order_id) USING 'cat /etc/passwd' AS (x) FROM orders",
    "identifier_clause": "SELECT * FROM IDENTIFIER('csv.`/etc/passwd`')",
    "create_function": "CREATE FUNCTION evil AS 'com.evil.Udf' USING JAR '/tmp/evil.jar'",
    "create_temp_function": "CREATE TEMPORARY FUNCTION f(x INT) RETURNS INT RETURN x",
    "add_jar": "ADD JAR /tmp/evil.jar",
    "add_file": "ADD FILE /tmp/evil.py",
    "set": "SET spark.sql.ansi.enabled = false",
    "set_var": "SET VAR x = 1",
    "reset": "RESET",
    "cache": "CACHE TABLE orders",
    "cache_select": "CACHE LAZY TABLE c AS SELECT * FROM orders",
    "uncache": "UNCACHE TABLE orders",
    "refresh": "REFRESH TABLE orders",
    "refresh_path": "REFRESH '/tmp/warehouse'",
    "temp_view": "CREATE TEMPORARY VIEW v AS SELECT * FROM csv.`/etc/passwd`",
    "global_temp_view": "CREATE GLOBAL TEMPORARY VIEW v AS SELECT 1",
    "create_table": "CREATE TABLE t USING parquet LOCATION '/tmp/x' AS SELECT 1",
    "insert_overwrite_dir": "INSERT OVERWRITE DIRECTORY '/tmp/out' USING csv SELECT * FROM orders",
    "insert": "INSERT INTO orders SELECT * FROM orders",
    "drop": "DROP TABLE orders",
    "truncate": "TRUNCATE TABLE orders",
    "msck": "MSCK REPAIR TABLE orders",
    "use": "USE other_db",
    "execute_immediate": "EXECUTE IMMEDIATE 'DROP TABLE orders'",
    "declare": "DECLARE VARIABLE v INT DEFAULT 1",
    "show": "SHOW TABLES",
    "describe": "DESCRIBE EXTENDED orders",
    "multi": "SELECT 1; DROP TABLE orders",
    "other_catalog": "SELECT * FROM spark_catalog.secret_db.salaries",
    "global_temp": "SELECT * FROM global_temp.v",
    "unknown_table": "SELECT * FROM salaries",
    "input_file_name": "SELECT input_file_name() FROM orders",
}


@pytest.mark.parametrize("name", sorted(SPARK_ATTACKS))
def test_spark_attack_corpus_is_refused_by_the_spark_gate(name: str) -> None:
    with pytest.raises(UserInputError) as info:
        check_spark_sql(SPARK_ATTACKS[name], TABLES)
    assert info.value.message and "Traceback" not in info.value.message


@pytest.mark.parametrize("name", sorted(ATTACKS) + sorted(FILE_READS))
def test_duckdb_attack_corpus_is_refused_before_spark(name: str) -> None:
    with pytest.raises(UserInputError):
        translate(ATTACKS.get(name) or FILE_READS[name], TABLES)


@pytest.mark.parametrize("sql", [
    "SELECT order_id FROM orders WHERE order_date >= DATE '2026-01-01' LIMIT 5",
    "WITH t AS (SELECT product_id, sum(revenue) r FROM order_items GROUP BY 1) SELECT * FROM t ORDER BY r DESC",
    "SELECT category, count(*) FROM products GROUP BY ALL",
    "SELECT x FROM range(3) AS t(x)",
    "SELECT 1 AS a UNION ALL SELECT 2",
])
def test_ordinary_queries_translate(sql: str) -> None:
    out = translate(sql, TABLES)
    assert out.upper().startswith(("SELECT", "WITH"))


def test_spark_runs_the_regenerated_text_without_comments() -> None:
    out = check_spark_sql("SELECT order_id /* ; DROP TABLE orders */ FROM orders -- x\n", TABLES)
    assert out == "SELECT order_id FROM orders"


def golden_queries(as_of):  # noqa: ANN001, ANN201 - shared with test_spark_engine
    """Metric questions covering every kind of SQL the semantic layer writes (filters, grains, ratios, joins)."""
    import datetime as dt

    from shoplens.tools.query import MetricQuery

    month_end = as_of.replace(day=1) - dt.timedelta(days=1)
    month_start, year_start = month_end.replace(day=1), as_of.replace(month=1, day=1)
    return {
        "revenue last month": MetricQuery("revenue", start=month_start, end=month_end),
        "revenue by category last month": MetricQuery("revenue", ["category"], start=month_start, end=month_end),
        "monthly revenue, last 12 months": MetricQuery("revenue", start=as_of - dt.timedelta(days=365), end=as_of,
                                                       grain="month"),
        "top 10 products by units YTD": MetricQuery("units", ["product"], start=year_start, end=as_of, limit=10),
        "revenue by channel by quarter": MetricQuery("revenue", ["channel"], grain="quarter"),
        "return rate by category, 90 days": MetricQuery("return_rate", ["category"],
                                                        start=as_of - dt.timedelta(days=89), end=as_of),
        "AOV by region YTD": MetricQuery("aov", ["region"], start=year_start, end=as_of),
        "weekly Electronics units": MetricQuery("units", filters={"category": ["Electronics"]}, grain="week"),
        "gross margin by brand YTD": MetricQuery("gross_margin", ["brand"], start=year_start, end=as_of),
        "daily orders by channel, 30 days": MetricQuery("orders", ["channel"], start=as_of - dt.timedelta(days=29),
                                                        end=as_of, grain="day"),
        "customers by year": MetricQuery("customers", grain="year"),
        "average rating by category": MetricQuery("avg_rating", ["category"]),
        "ROAS by campaign channel YTD": MetricQuery("roas", ["campaign_channel"], start=year_start, end=as_of),
        "sessions by month": MetricQuery("sessions", grain="month"),
        "orders by weekday 2025": MetricQuery("orders", ["weekday"], start=dt.date(2025, 1, 1),
                                              end=dt.date(2025, 12, 31)),
    }


def test_every_golden_semantic_query_translates(tool_ctx) -> None:
    from shoplens.tools.query import compile_query

    for name, q in golden_queries(tool_ctx.as_of).items():
        duck = compile_query(q, tool_ctx.semantic)
        assert translate(duck, tool_ctx.runner.catalog).startswith(("SELECT", "WITH")), name


def test_functions_whose_spark_namesake_means_something_else_are_rewritten() -> None:
    out = to_spark("SELECT dayname(d) a, monthname(d) b, isodow(d) c, dayofweek(d) e, extract(isodow FROM d) f, "
                   "date_part('dow', d) g FROM t")
    assert out == ("SELECT DATE_FORMAT(d, 'EEEE') AS a, DATE_FORMAT(d, 'MMMM') AS b, (WEEKDAY(d) + 1) AS c, "
                   "(DAYOFWEEK(d) - 1) AS e, (WEEKDAY(d) + 1) AS f, (DAYOFWEEK(d) - 1) AS g FROM t")


def test_union_by_name_becomes_positional_only_when_both_sides_line_up() -> None:
    same = ("SELECT 'current' AS which, * FROM (SELECT sum(revenue) AS r FROM order_items WHERE product_id = 1) "
            "UNION ALL BY NAME SELECT 'previous' AS which, * FROM (SELECT sum(revenue) AS r FROM order_items "
            "WHERE product_id = 2)")
    assert "BY NAME" not in to_spark(same) and "UNION ALL" in to_spark(same)
    with pytest.raises(UserInputError, match="BY NAME"):
        to_spark("SELECT 1 AS a, 2 AS b UNION ALL BY NAME SELECT 2 AS b, 1 AS a")
