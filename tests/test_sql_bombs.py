"""The grown attack corpus: resource bombs, server introspection, values Python cannot hold, a replaced warehouse.

Every bomb is stopped by the time limit (interrupt, then the worker is killed) or the worker's hard memory cap,
with a message and no traceback; nothing is written next to the warehouse; no answer or error names a server
path. Timings against the limits are measured in benchmarks/bench_sql_limits.py, not asserted here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
from pathlib import Path

import pytest

from shoplens.data.errors import QueryTimeout, UserInputError
from shoplens.tools.sql import MAX_SQL_CHARS, SqlRunner

BOMBS = {
    "list_sort_200m": "SELECT len(list_sort(range(200000000)))",
    "nested_list_transform": "SELECT sum(len(list_transform(range(30000), lambda x: "
    "list_transform(range(30000), lambda y: x * y))))",
    "repeat_1_5_gb": "SELECT length(repeat('x', 1500000000))",
    "repeat_100mb_x30": "SELECT repeat('x', 100000000) AS s FROM range(30)",
    "string_agg_bomb": "SELECT length(string_agg(repeat('y', 1000000), '')) FROM range(5000)",
    "recursive_cte": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
    "cross_join": "SELECT count(*) FROM range(20000000) a, range(20000000) b WHERE a.range + b.range = -1",
    "big_order_by_would_spill": "SELECT range, random() AS r, repeat('ab', 20) AS s FROM range(60000000) ORDER BY r",
    "union_all_chain_900kb": " UNION ALL ".join(f"SELECT {i} AS n" for i in range(34000)),
}

INTROSPECTION = {
    "duckdb_databases_fn": "SELECT path FROM duckdb_databases()",
    "duckdb_databases_view": "SELECT * FROM duckdb_databases",
    "qualified_view": "SELECT * FROM system.main.duckdb_databases",
    "pragma_database_list": "SELECT * FROM pragma_database_list",
    "temp_directory": "SELECT current_setting('temp_directory')",
    "secret_directory": "SELECT current_setting('secret_directory')",
    "settings_fn": "SELECT * FROM duckdb_settings()",
    "pg_settings": "SELECT * FROM pg_settings",
    "extensions": "SELECT install_path FROM duckdb_extensions()",
    "which_secret": "SELECT * FROM which_secret('s3://x', 's3')",
    "temporary_files": "SELECT * FROM duckdb_temporary_files()",
    "dynamic_sql": "SELECT * FROM query('SELECT path FROM duckdb_databases()')",
    "dynamic_sql_table": "SELECT * FROM query_table('duckdb_databases')",
    "serialized_sql": "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
    "in_subquery": "SELECT (SELECT max(path) FROM duckdb_databases()) AS p",
    "in_cte": "WITH d AS (SELECT * FROM duckdb_databases()) SELECT {'p': path} FROM d",
    "method_call": "SELECT 'temp_directory'.current_setting()",
    "database_size": "SELECT * FROM pragma_database_size()",
    "logs": "SELECT * FROM duckdb_logs",
    "file_as_table": "SELECT * FROM '/etc/passwd'",
    "enable_logging": "SELECT * FROM enable_logging()",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def warehouse(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy, alone in its folder, so files appearing next to it can be seen."""
    path = tmp_path_factory.mktemp("bombs") / "shop.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def runner(warehouse: Path):
    r = SqlRunner(warehouse, timeout_s=1.0, row_cap=100)
    yield r
    r.close()


def _server_paths(warehouse: Path) -> list[str]:
    return [str(warehouse), str(warehouse.parent), str(Path.home()), "/tmp/", "/root", "/home/"]


def _assert_no_paths(text: str, warehouse: Path) -> None:
    for p in _server_paths(warehouse):
        assert p not in text, f"{p!r} leaked in {text[:300]!r}"


@pytest.mark.slow
def test_every_bomb_is_stopped_with_a_message_and_leaves_nothing_behind(runner: SqlRunner, warehouse: Path) -> None:
    before_files = sorted(os.listdir(warehouse.parent))
    before = _digest(warehouse)
    for name, sql in BOMBS.items():
        with pytest.raises((QueryTimeout, UserInputError)) as exc:
            runner.run(sql)
        message = str(exc.value)
        assert "time limit" in message or "memory" in message or "larger than" in message, (name, message)
        assert "Traceback" not in message
        _assert_no_paths(message, warehouse)
        # the runner still answers (a replacement worker may be starting: a generous limit on a loaded machine)
        assert runner.run("SELECT count(*) FROM products", timeout_s=30).rows[0][0] > 0, name
    assert sorted(os.listdir(warehouse.parent)) == before_files  # no spill folder, no scratch file
    assert _digest(warehouse) == before


def test_sql_longer_than_the_limit_is_refused_before_parsing(runner: SqlRunner) -> None:
    with pytest.raises(UserInputError, match="too long"):
        runner.run("SELECT '" + "x" * MAX_SQL_CHARS + "'")


@pytest.mark.parametrize("name", sorted(INTROSPECTION))
def test_server_introspection_is_refused_without_paths(runner: SqlRunner, warehouse: Path, name: str) -> None:
    with pytest.raises(UserInputError) as exc:
        runner.run(INTROSPECTION[name])
    assert "Refused" in str(exc.value) or "not available" in str(exc.value)
    _assert_no_paths(str(exc.value), warehouse)


def test_no_allowed_catalog_function_or_view_reveals_a_path(runner: SqlRunner, warehouse: Path) -> None:
    """Enumerated from DuckDB itself, so new functions in a DuckDB upgrade are covered too."""
    tables = runner.run(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'table' "
        "AND len(parameters) = 0 ORDER BY 1", row_cap=10_000).rows
    views = runner.run("SELECT DISTINCT schema_name || '.' || view_name FROM duckdb_views() WHERE internal "
                       "ORDER BY 1", row_cap=10_000).rows
    scalars = runner.run(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'scalar' "
        "AND len(parameters) = 0 AND function_name NOT LIKE '%sleep%' ORDER BY 1", row_cap=10_000).rows
    queries = ([f"SELECT * FROM {t}()" for (t,) in tables] + [f"SELECT * FROM {v}" for (v,) in views]
               + [f"SELECT {f}() AS v" for (f,) in scalars])
    assert len(queries) > 50
    answered = 0
    for sql in queries:
        try:
            res = runner.run(sql, row_cap=5000)
        except (UserInputError, QueryTimeout) as exc:
            _assert_no_paths(str(exc), warehouse)
            continue
        answered += 1
        _assert_no_paths(res.df.to_string(), warehouse)
    assert answered > 20  # information_schema, pg_catalog, duckdb_tables, version() ... still work


@pytest.mark.parametrize(
    "sql,expected",
    [
        ("SELECT '-infinity'::DATE AS v", "-infinity"),
        ("SELECT 'infinity'::DATE AS v", "infinity"),
        ("SELECT 'infinity'::TIMESTAMP AS v", "infinity"),
        ("SELECT '-infinity'::TIMESTAMPTZ AS v", "-infinity"),
        ("SELECT 'infinity'::TIMESTAMP_NS AS v", "infinity"),
        ("SELECT DATE '10000-01-01' AS v", "10000-01-01"),
        ("SELECT union_value(k := 1) AS v", "1"),
        ("SELECT [union_value(k := 'a')] AS v", "[a]"),
        ("SELECT INTERVAL 3 DAY AS v", "3 days"),
        ("SELECT 12345678901234567890123456789::BIGNUM AS v", "12345678901234567890123456789"),
        ("SELECT '101'::BIT AS v", "101"),
    ],
)
def test_values_python_cannot_hold_come_back_as_faithful_text(runner: SqlRunner, sql: str, expected: str) -> None:
    assert runner.scalar(sql) == expected


def test_ordinary_dates_stay_dates(runner: SqlRunner) -> None:
    import datetime as dt

    res = runner.run("SELECT DATE '2020-01-02' AS d, TIMESTAMP '2020-01-02 03:04:05' AS t, 'infinity'::DATE AS i")
    d, t, i = res.rows[0]
    assert d == dt.date(2020, 1, 2) and t.year == 2020 and i == "infinity"


def test_worker_runs_under_a_hard_address_space_cap(runner: SqlRunner) -> None:
    runner.scalar("SELECT 1")
    pids = runner.engine.worker_pids()  # type: ignore[attr-defined]
    assert pids
    limits = Path(f"/proc/{pids[0]}/limits").read_text()
    line = next(ln for ln in limits.splitlines() if ln.startswith("Max address space"))
    assert str(runner.memory_bytes) in line.split()


def test_a_killed_worker_is_replaced(runner: SqlRunner) -> None:
    runner.run("SELECT 1", timeout_s=30)
    for pid in runner.engine.worker_pids():  # type: ignore[attr-defined]
        os.kill(pid, signal.SIGKILL)
        _wait_dead(pid)
    # a fresh worker takes the query that met the dead one (a generous limit: it starts on a loaded machine)
    assert runner.run("SELECT 2", timeout_s=30).rows[0][0] == 2


def _wait_dead(pid: int) -> None:
    import time

    for _ in range(500):
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return
        except OSError:
            return
        time.sleep(0.01)


def test_a_replaced_warehouse_is_reopened(demo_db: Path, tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "shop.duckdb"
    shutil.copyfile(demo_db, path)
    with SqlRunner(path, timeout_s=5) as r:
        n = r.scalar("SELECT count(*) FROM products")
        assert r.generation == 0 and "products" in r.catalog
        new = tmp_path / ".shop.duckdb.new"
        con = duckdb.connect(str(new))
        con.execute("CREATE TABLE products AS SELECT 1 AS product_id")
        con.close()
        os.replace(new, path)  # what WarehouseWriter does when a job is done
        assert r.scalar("SELECT count(*) FROM products") == 1 != n
        assert r.generation == 1 and list(r.catalog) == ["products"]


def test_in_process_baseline_engine_gives_the_same_answers(warehouse: Path) -> None:
    from shoplens.tools.sqlengine.local import InProcessEngine

    with SqlRunner(warehouse, engine=InProcessEngine(warehouse)) as r:
        assert r.scalar("SELECT '-infinity'::DATE") == "-infinity"
        assert r.scalar("SELECT count(*) FROM products") > 0
        with pytest.raises(UserInputError, match="Refused"):
            r.run("SELECT * FROM duckdb_databases()")


def test_a_memory_cap_too_small_for_a_worker_is_refused_with_the_setting(warehouse: Path) -> None:
    with pytest.raises(UserInputError, match="SHOPLENS_SQL_MEMORY_LIMIT"):
        SqlRunner(warehouse, memory_limit="1GB")
