"""``SparkEngine``: the warehouse on Apache Spark (Spark Connect or a local session) behind the ``Engine`` protocol.

Every statement passes two gates: DuckDB's (``gate.check_sql``: ShopLens's SQL is written in DuckDB's dialect)
and, once transpiled with sqlglot, the Spark gate (``spark_gate``), whose regenerated text is what Spark runs.
The deadline tags the statement's jobs (``addTag``) and cancels them with ``interruptTag`` (repeated until the
call returns, since planning is not interruptible); the row cap is a ``LIMIT cap + 1`` on the plan, so at most
``cap + 1`` rows ever leave the cluster. Results come back as Arrow (``DataFrame.toArrow``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import uuid
from typing import Any

from shoplens.data.errors import UserInputError
from shoplens.tools.sqlengine.base import (
    REFUSED,
    SQL,
    TIMEOUT,
    TOO_LARGE,
    EngineFailure,
    EngineResult,
    Limits,
)
from shoplens.tools.sqlengine.spark_gate import translate
from shoplens.tools.sqlengine.spark_session import SparkTarget, open_session, read_catalog, register_tables

_REPEAT_S = 0.5  # how often the interrupt is repeated past the deadline, until the call returns


class SparkEngine:
    def __init__(self, target: SparkTarget, *, session: Any = None) -> None:
        self.target = target
        self._spark = session if session is not None else open_session(target)
        self._tables = register_tables(self._spark, target.warehouse)
        self._opened_at = dt.datetime.now(dt.UTC)
        self._connect = type(self._spark).__module__.startswith("pyspark.sql.connect")

    @property
    def spark(self) -> Any:
        """The session (batch jobs distribute through it)."""
        return self._spark

    @property
    def generation(self) -> int:
        return 0

    def refresh(self) -> int:
        return 0  # views read the Parquet folders at each query; new tables need a new engine

    def read_catalog(self) -> dict[str, list[tuple[str, str]]]:
        return read_catalog(self._spark, self._tables)

    def translate(self, sql: str) -> str:
        """The Spark text ShopLens would run for ``sql`` (DuckDB dialect), or UserInputError saying why not."""
        return translate(sql, self._tables)

    def execute(self, sql: str, limits: Limits) -> EngineResult:
        start = time.perf_counter()
        try:
            spark_sql = self.translate(sql)
        except UserInputError as exc:
            raise EngineFailure(REFUSED, exc.message, hint=exc.hint) from None
        tag = f"shoplens-{uuid.uuid4().hex}"
        done, fired = threading.Event(), threading.Event()

        def interrupt() -> None:
            if done.wait(limits.timeout_s):
                return
            fired.set()
            while not done.is_set():
                with contextlib.suppress(Exception):  # the call may be finishing; try again
                    self._cancel(tag)
                done.wait(_REPEAT_S)

        watchdog = threading.Thread(target=interrupt, name="shoplens-spark-deadline", daemon=True)
        self._tag(tag, add=True)
        watchdog.start()
        try:
            table = self._spark.sql(spark_sql).limit(limits.row_cap + 1).toArrow()
        except Exception as exc:  # noqa: BLE001 - pyspark raises many kinds; all become a message
            if fired.is_set():
                raise EngineFailure(TIMEOUT, f"The query was stopped after {limits.timeout_s:g} s (time limit).",
                                    elapsed_s=time.perf_counter() - start) from None
            raise EngineFailure(SQL, _message(exc), error_class=_error_class(exc)) from None
        finally:
            done.set()
            self._tag(tag, add=False)
        if fired.is_set():
            raise EngineFailure(TIMEOUT, f"The query was stopped after {limits.timeout_s:g} s (time limit).",
                                elapsed_s=time.perf_counter() - start)
        if table.nbytes > limits.result_bytes:
            raise EngineFailure(TOO_LARGE, f"The result is larger than {limits.result_bytes / 1e6:.0f} MB, the most "
                                "a query may return.", hint="Aggregate, select fewer or shorter columns, or add a LIMIT.")
        truncated = table.num_rows > limits.row_cap
        if truncated:
            table = table.slice(0, limits.row_cap)
        return EngineResult(table=table, truncated=truncated, elapsed_ms=(time.perf_counter() - start) * 1000)

    def _tag(self, tag: str, *, add: bool) -> None:
        """Tag this thread's Spark work. Connect: the session's operation tags (thread-local on the client);
        a local session: SparkContext job tags (inherited by the threads that collect results)."""
        if self._connect:
            (self._spark.addTag if add else self._spark.removeTag)(tag)
            return
        sc = self._spark.sparkContext
        if add:
            sc.setInterruptOnCancel(True)
            sc.addJobTag(tag)
        else:
            sc.removeJobTag(tag)

    def _cancel(self, tag: str) -> None:
        if self._connect:
            self._spark.interruptTag(tag)
        else:
            self._spark.sparkContext.cancelJobsWithTag(tag)

    def info(self) -> dict[str, Any]:
        return {"engine": self.target.kind, "generation": 0, "opened_at": self._opened_at.isoformat(),
                "tables": len(self._tables)}

    def close(self) -> None:
        if self.target.remote:
            with contextlib.suppress(Exception):  # a session that already went away
                self._spark.stop()  # ends this client's session on the server, not the server


def _error_class(exc: BaseException) -> str:
    get = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    try:
        return str(get() or type(exc).__name__) if get else type(exc).__name__
    except Exception:  # noqa: BLE001
        return type(exc).__name__


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line[:500]
