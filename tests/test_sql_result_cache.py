"""Repeated statements come from the result cache, and never outlive the warehouse file they were read from."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa

from shoplens.tools.sql import SqlRunner
from shoplens.tools.sqlengine.base import EngineResult
from shoplens.tools.sqlengine.result_cache import ResultCache

COUNT = "SELECT count(*) AS n FROM orders"


def _result(rows: int) -> EngineResult:
    return EngineResult(table=pa.table({"x": list(range(rows))}), truncated=False, elapsed_ms=1.0)


def test_cache_is_an_lru_bounded_by_bytes_and_keyed_by_statement_and_row_cap() -> None:
    one = _result(1000)  # 8,000 bytes of int64
    cache = ResultCache(max_bytes=10 * (one.table.nbytes + 20))
    assert cache.get(0, "a", 10) is None
    cache.put(0, "a", 10, one, one.table.nbytes)
    assert cache.get(0, "a", 10) is one
    assert cache.get(0, "a", 11) is None  # another row cap is another result
    for i in range(12):  # more than fit: the least recently used go first
        cache.put(0, f"q{i}", 10, _result(1000), 8000)
    info = cache.info()
    assert info["bytes"] <= cache.max_bytes
    assert cache.get(0, "a", 10) is None
    assert cache.get(0, "q11", 10) is not None
    assert info["hits"] == 1


def test_a_new_generation_drops_every_entry_and_large_results_are_not_kept() -> None:
    cache = ResultCache(max_bytes=1_000_000)
    cache.put(3, "a", 10, _result(10), 80)
    assert cache.get(4, "a", 10) is None  # the warehouse was replaced
    assert cache.info()["entries"] == 0
    cache.put(4, "big", 10, _result(20_000), 160_000)  # 160 KB > a tenth of the budget
    assert cache.get(4, "big", 10) is None
    assert not ResultCache(0).enabled


def test_runner_serves_repeats_from_the_cache_until_the_file_is_replaced(warehouse: Path) -> None:
    with SqlRunner(warehouse, cache_bytes=8 * 1024**2) as runner:
        first = runner.run(COUNT)
        again = runner.run(COUNT)
        assert again.rows == first.rows and runner.results.info()["hits"] == 1
        again.df.loc[0, "n"] = -1  # a caller changing its frame does not change the next answer
        assert runner.run(COUNT).rows == first.rows

        new = warehouse.with_name("new.duckdb")  # a job writes a copy with fewer orders and swaps it in
        shutil.copyfile(warehouse, new)
        with duckdb.connect(str(new)) as con:
            con.execute("DELETE FROM orders WHERE order_id IN (SELECT order_id FROM orders LIMIT 7)")
        os.replace(new, warehouse)
        assert runner.run(COUNT).rows == [(first.rows[0][0] - 7,)]
        assert runner.generation == 1


def test_runner_without_a_budget_or_on_an_uncached_engine_always_executes(warehouse: Path) -> None:
    with SqlRunner(warehouse) as runner:
        runner.run(COUNT)
        runner.run(COUNT)
        assert not runner.results.enabled and runner.results.info()["hits"] == 0

    class Remote:  # an engine that cannot notice changed data (Spark) is never cached
        generation = 0
        calls = 0

        def refresh(self) -> int:
            return 0

        def execute(self, sql: str, limits: object) -> EngineResult:
            Remote.calls += 1
            return _result(3)

        def info(self) -> dict:
            return {}

        def close(self) -> None:
            pass

    with SqlRunner(warehouse, engine=Remote(), cache_bytes=8 * 1024**2) as runner:
        runner.run("SELECT 1")
        runner.run("SELECT 1")
    assert Remote.calls == 2
