"""``InProcessEngine``: statements on a connection inside this process, stopped by ``interrupt`` at the limit.

The same gate, caps and text fix-ups as the worker, but no hard memory cap and no kill: list and string
functions that ignore ``interrupt`` can run past the limit here. It is the baseline the benchmarks measure the
worker pool against, not for model-written SQL.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

from shoplens.data.warehouse import open_readonly
from shoplens.tools.sqlengine.base import EngineResult, Limits
from shoplens.tools.sqlengine.statement import run_statement


class InProcessEngine:
    def __init__(self, db_path: Path, *, memory_bytes: int = 4_000_000_000, threads: int = 2, **_: Any) -> None:
        self.db_path = Path(db_path)
        from shoplens.tools.sqlengine.process import duckdb_memory

        self._con = open_readonly(self.db_path, memory_limit=f"{duckdb_memory(memory_bytes) // 1024**2}MB",
                                  threads=threads)
        self._lock = threading.Lock()
        self._opened_at = dt.datetime.now(dt.UTC)

    @property
    def generation(self) -> int:
        return 0

    def refresh(self) -> int:
        return 0  # one connection on the file it opened; it does not follow a replaced warehouse

    def execute(self, sql: str, limits: Limits) -> EngineResult:
        with self._lock:
            cur = self._con.cursor()
        timer = threading.Timer(limits.timeout_s, cur.interrupt)
        start = time.perf_counter()
        timer.start()
        try:
            table, truncated = run_statement(cur, sql, limits, [str(self.db_path), str(self.db_path.parent)])
        finally:
            timer.cancel()
            cur.close()
        return EngineResult(table=table, truncated=truncated, elapsed_ms=(time.perf_counter() - start) * 1000)

    def info(self) -> dict[str, Any]:
        return {"engine": "duckdb-in-process", "generation": 0, "opened_at": self._opened_at.isoformat()}

    def close(self) -> None:
        self._con.close()
