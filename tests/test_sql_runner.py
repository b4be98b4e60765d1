"""The locked-down SQL runner: the attack corpus is refused or stopped, and the warehouse is left byte-identical."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from pathlib import Path

import pytest

from shoplens.data.errors import QueryTimeout, UserInputError
from shoplens.tools.sql import SqlRunner, check_sql

ATTACKS = {
    "insert": "INSERT INTO products (product_id, sku, name, category) VALUES (999999, 'x', 'x', 'x')",
    "update": "UPDATE order_items SET revenue = 0",
    "delete": "DELETE FROM orders",
    "drop": "DROP TABLE orders",
    "create_table": "CREATE TABLE evil AS SELECT 1",
    "create_macro": "CREATE MACRO m(a) AS a",
    "create_temp": "CREATE TEMP TABLE t AS SELECT 1",
    "alter": "ALTER TABLE orders ADD COLUMN x INT",
    "multi_statement": "SELECT 1; DROP TABLE orders",
    "multi_statement_comment": "SELECT 1 /* hi */; DELETE FROM orders -- bye",
    "trailing_statement_after_comment": "SELECT 1 -- harmless?\n; DROP TABLE orders",
    "attach": "ATTACH '/tmp/evil.duckdb' AS evil",
    "detach": "DETACH main",
    "copy_out": "COPY orders TO '/tmp/stolen.csv'",
    "copy_in": "COPY orders FROM '/etc/passwd'",
    "export": "EXPORT DATABASE '/tmp/exported'",
    "pragma": "PRAGMA database_list",
    "set": "SET threads = 64",
    "reset": "RESET memory_limit",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "call": "CALL pragma_version()",
    "checkpoint": "CHECKPOINT",
    "vacuum": "VACUUM",
    "use": "USE main",
    "transaction": "BEGIN TRANSACTION",
}

FILE_READS = {
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_csv_auto": "SELECT * FROM read_csv_auto('/etc/hostname')",
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "read_blob": "SELECT * FROM read_blob('/etc/passwd')",
    "read_parquet": "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "read_json": "SELECT * FROM read_json('/etc/os-release')",
    "glob": "SELECT * FROM glob('/etc/*')",
    "bare_path": "SELECT * FROM '/etc/passwd'",
    "cte_wrapped": "WITH x AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM x",
    "subquery_wrapped": "SELECT (SELECT content FROM read_text('/etc/hostname'))",
    "http": "SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')",
}

SLOW = {
    "recursive_cte_bomb": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
    "huge_cross_join": "SELECT count(*) FROM range(100000000) a, range(100000000) b WHERE a.range + b.range = -1",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runner(demo_db: Path):
    r = SqlRunner(demo_db, timeout_s=10.0, row_cap=100)
    yield r
    r.close()


def test_plain_select_returns_rows_with_metadata(runner: SqlRunner) -> None:
    res = runner.run("SELECT category, count(*) AS n FROM products GROUP BY 1 ORDER BY 1")
    assert res.columns == ["category", "n"]
    assert res.row_count == 8
    assert not res.truncated
    assert res.elapsed_ms > 0
    assert res.sql.startswith("SELECT category")


def test_with_and_set_operations_are_allowed(runner: SqlRunner) -> None:
    res = runner.run("WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION ALL SELECT 2 ORDER BY 1")
    assert [r[0] for r in res.rows] == [1, 2]


def test_row_cap_sets_truncated_flag(runner: SqlRunner) -> None:
    res = runner.run("SELECT * FROM range(1000)")
    assert res.row_count == 100 and res.truncated


def test_empty_result_keeps_columns(runner: SqlRunner) -> None:
    res = runner.run("SELECT product_id, name FROM products WHERE false")
    assert res.columns == ["product_id", "name"] and res.row_count == 0


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_statements_are_refused_by_the_parser_gate(name: str) -> None:
    with pytest.raises(UserInputError) as exc:
        check_sql(ATTACKS[name])
    assert "Refused" in str(exc.value) or "does not parse" in str(exc.value)


@pytest.mark.parametrize("name", sorted(ATTACKS) + sorted(FILE_READS))
def test_every_attack_is_refused_by_the_runner(runner: SqlRunner, name: str) -> None:
    sql = ATTACKS.get(name) or FILE_READS[name]
    with pytest.raises(UserInputError) as exc:
        runner.run(sql)
    message = str(exc.value)
    assert message and "Traceback" not in message
    if name in FILE_READS:
        assert "files or use the network" in message or "not available" in message or "failed" in message


@pytest.mark.parametrize("name", sorted(SLOW))
def test_runaway_queries_are_stopped_by_the_time_or_memory_limit(runner: SqlRunner, name: str) -> None:
    with pytest.raises((QueryTimeout, UserInputError)) as exc:
        runner.run(SLOW[name], timeout_s=0.5)
    assert "time limit" in str(exc.value) or "more memory than a query may use" in str(exc.value)


def test_warehouse_is_byte_identical_after_the_attack_corpus(demo_db: Path) -> None:
    before = _digest(demo_db)
    with SqlRunner(demo_db, timeout_s=0.5) as r:
        for sql in [*ATTACKS.values(), *FILE_READS.values(), *SLOW.values()]:
            with contextlib.suppress(UserInputError, QueryTimeout):
                r.run(sql)
        # the runner still works after being attacked
        assert r.scalar("SELECT count(*) FROM products") > 0
    assert _digest(demo_db) == before
    assert not Path("/tmp/stolen.csv").exists()


def test_unknown_column_suggests_the_closest_real_names(runner: SqlRunner) -> None:
    with pytest.raises(UserInputError) as exc:
        runner.run("SELECT revenu FROM order_items")
    assert "revenue" in str(exc.value)


def test_unknown_table_lists_tables(runner: SqlRunner) -> None:
    with pytest.raises(UserInputError) as exc:
        runner.run("SELECT * FROM ordrs")
    assert "orders" in str(exc.value)


def test_concurrent_use_from_many_threads(runner: SqlRunner) -> None:
    errors: list[BaseException] = []
    totals: list[float] = []

    def work(i: int) -> None:
        try:
            totals.append(float(runner.scalar(f"SELECT sum(revenue) + {i} - {i} FROM order_items")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(totals) == 16 and len(set(totals)) == 1


def test_missing_warehouse_says_how_to_build_one(tmp_path: Path) -> None:
    from shoplens.data.errors import DataError

    with pytest.raises(DataError) as exc:
        SqlRunner(tmp_path / "nope.duckdb")
    assert "shoplens data demo" in str(exc.value)


def test_cli_sql_json_and_refusal(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shoplens.agent.cli.main import main

    assert main(["sql", "SELECT count(*) AS n FROM products", "--json", "--db", str(demo_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["columns"] == ["n"] and out["rows"][0][0] > 0
    code = main(["sql", "DROP TABLE orders", "--json", "--db", str(demo_db)])
    assert code != 0
    assert "Refused" in json.loads(capsys.readouterr().out)["error"]
    code = main(["sql", "DELETE FROM orders", "--db", str(demo_db)])
    captured = capsys.readouterr()
    assert code != 0 and "Refused" in captured.err and "Traceback" not in captured.err


def test_cli_sql_reads_long_sql_from_a_file_and_stdin(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from shoplens.agent.cli.main import main

    ids = ", ".join(str(i) for i in range(40_000))  # ~230 KB: more than the 128 KiB a command-line argument may hold
    sql = f"SELECT count(*) AS n FROM products WHERE product_id IN ({ids})"
    assert len(sql) > 128 * 1024
    path = tmp_path / "q.sql"
    path.write_text(sql, encoding="utf-8")
    assert main(["sql", "--file", str(path), "--json", "--db", str(demo_db)]) == 0
    from_file = json.loads(capsys.readouterr().out)
    monkeypatch.setattr("sys.stdin", io.StringIO(sql))
    assert main(["sql", "-", "--json", "--db", str(demo_db)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == from_file["rows"] and from_file["rows"][0][0] > 0
    assert main(["sql", "SELECT 1", "--file", str(path), "--db", str(demo_db)]) == 2
    assert main(["sql", "--file", str(tmp_path / "missing.sql"), "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert "either as an argument or with --file" in err and "Cannot read the SQL" in err


@pytest.mark.parametrize(
    "sql",
    ["SELECT '-infinity'::DATE AS d", "SELECT union_value(k := 1) AS u", "SELECT 'infinity'::TIMESTAMP AS t"],
)
def test_cli_prints_values_python_cannot_hold_as_text(demo_db: Path, capsys: pytest.CaptureFixture[str],
                                                       sql: str) -> None:
    from shoplens.agent.cli.main import main

    assert main(["sql", sql, "--json", "--db", str(demo_db)]) == 0
    value = json.loads(capsys.readouterr().out)["rows"][0][0]
    assert value in ("-infinity", "1", "infinity")
