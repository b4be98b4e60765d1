"""The locked-down SQL runner: every query ShopLens runs, model-written or not, goes through here.

Defence in depth: (1) DuckDB's own parser admits exactly one read-only statement, and its parse tree may not call
file readers, other SQL, settings or server introspection (``sqlengine/gate.py``, ``policy.yaml``); (2) it runs in
a worker process on a read-only connection with external access, extensions, configuration changes and spilling
to disk disabled; (3) the worker's address space is capped, so list and string functions cannot exhaust the
server; (4) a deadline covering parse, plan and execute interrupts the query and then kills the worker;
(5) a row cap and a result-size cap bound what comes back. Values Python cannot hold come back as text.

``SqlRunner`` keeps one public API (``run``, ``scalar``, ``catalog``, ``as_of``) over an ``Engine``
(``sqlengine/base.py``), so a second engine can sit behind it without the tools changing.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from shoplens.data.errors import DataError, QueryTimeout, UserInputError, WarehouseBusy
from shoplens.tools.sqlengine import base as kinds
from shoplens.tools.sqlengine.base import Engine, EngineFailure, Limits
from shoplens.tools.sqlengine.convert import plain_strings, to_frame
from shoplens.tools.sqlengine.gate import check_sql
from shoplens.tools.sqlengine.result_cache import ResultCache

__all__ = ["MAX_SQL_CHARS", "QueryResult", "SqlRunner", "check_sql", "parse_size", "plain_strings"]

MAX_SQL_CHARS = 1_000_000  # longer text is refused before any parsing; the deadline bounds the rest
MIN_MEMORY_BYTES = 1_500_000_000  # a worker reserves ~1.1 GB of address space (DuckDB, Arrow) before any query
_NAME_RE = re.compile(r'(?:column|Column) (?:with name )?"?([\w.]+)"? (?:not found|does not exist)')
_TABLE_RE = re.compile(r'Table with name "?([\w.]+)"? does not exist')
_FUNC_RE = re.compile(r'Function with name "?([\w.]+)"? does not exist')
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)?\s*$", re.I)


@dataclass
class QueryResult:
    sql: str
    df: pd.DataFrame
    elapsed_ms: float
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.df.columns]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return list(self.df.itertuples(index=False, name=None))

    @property
    def row_count(self) -> int:
        return len(self.df)

    def to_dict(self, max_rows: int | None = None) -> dict[str, Any]:
        from shoplens.tools.artifacts import jsonable

        rows = self.rows if max_rows is None else self.rows[:max_rows]
        return {
            "sql": self.sql,
            "columns": self.columns,
            "rows": [[jsonable(v) for v in r] for r in rows],
            "row_count": self.row_count,
            "truncated": self.truncated,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def parse_size(text: str | int) -> int:
    """Bytes in '2GB' (DuckDB's units: KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024)."""
    if isinstance(text, int):
        return text
    m = _SIZE_RE.match(str(text))
    if not m:
        raise UserInputError(f"{text!r} is not a memory size.", hint="Write it like 2GB or 512MiB.")
    unit = (m.group(2) or "B").upper()
    power = " KMGT".index(unit[0]) if unit[0] in "KMGT" else 0
    return int(float(m.group(1)) * ((1024 if "I" in unit else 1000) ** power))


class SqlRunner:
    """Runs one read-only statement at a time per worker; safe from many threads.

    ``memory_limit`` is the hard cap of each worker process (its address space); ``workers`` how many statements
    may run at once; ``result_bytes`` the most a result may hold; ``cache_bytes`` the budget for repeated
    statements' results, kept until the warehouse file is replaced (0 = no cache; only engines that notice a
    replaced file are cached). ``engine`` replaces the worker pool (tests, benchmarks, another engine)."""

    def __init__(
        self,
        db_path: Path,
        *,
        timeout_s: float = 10.0,
        row_cap: int = 10_000,
        memory_limit: str = "4GB",
        threads: int = 2,
        workers: int = 1,
        result_bytes: int = 64 * 1024**2,
        cache_bytes: int = 0,
        engine: Engine | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self.memory_bytes = parse_size(memory_limit)
        if self.memory_bytes < MIN_MEMORY_BYTES:
            raise UserInputError(
                f"The SQL memory limit {memory_limit} is too small: each SQL worker needs at least 1.5GB of address "
                "space (about 1.1 GB is reserved by DuckDB and Arrow before a query runs).",
                hint="Set SHOPLENS_SQL_MEMORY_LIMIT to 1.5GB or more (default 4GB).",
            )
        self.result_bytes = result_bytes
        if engine is None:
            from shoplens.tools.sqlengine.process import ProcessEngine

            try:
                engine = ProcessEngine(self.db_path, memory_bytes=self.memory_bytes, threads=threads, workers=workers)
            except EngineFailure as exc:
                raise _startup_error(exc, self.db_path) from None
        self.engine = engine
        self._cache_lock = threading.Lock()
        self._cached: dict[str, Any] = {}
        self._cached_generation = engine.generation
        self.results = ResultCache(cache_bytes if getattr(engine, "results_cacheable", False) else 0)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> SqlRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def generation(self) -> int:
        """Increases when the warehouse file was replaced (a job swapped in a new one) and reopened."""
        return self.engine.generation

    def refresh(self) -> int:
        """Check the warehouse file now (a stat); returns the generation, increased if it was replaced."""
        return self.engine.refresh()

    def run(self, sql: str, *, timeout_s: float | None = None, row_cap: int | None = None) -> QueryResult:
        """Run one SELECT; returns rows (capped, with a truncated flag), elapsed ms and the SQL."""
        text = (sql or "").strip()
        if not text:
            raise UserInputError("The SQL is empty.", hint="Write one SELECT statement.")
        if len(text) > MAX_SQL_CHARS:
            raise UserInputError(f"The SQL is too long ({len(text):,} characters; at most {MAX_SQL_CHARS:,}).",
                                 hint="Send one SELECT of reasonable size.")
        cap = self.row_cap if row_cap is None else row_cap
        limit = self.timeout_s if timeout_s is None else timeout_s
        start = time.perf_counter()
        limits = Limits(timeout_s=limit, row_cap=cap, memory_bytes=self.memory_bytes, result_bytes=self.result_bytes)
        generation = self.engine.refresh() if self.results.enabled else 0
        hit = self.results.get(generation, text, cap) if self.results.enabled else None
        if hit is not None:
            res, df = hit[0], hit[1].copy()  # callers may change their frame; the cached one stays as read
        else:
            try:
                res = self.engine.execute(text, limits)
            except EngineFailure as exc:
                raise self._failure(exc) from None
            try:
                df = to_frame(res.table)
            except Exception as exc:  # noqa: BLE001 - still a message, never a traceback
                raise UserInputError(f"The result cannot be shown ({type(exc).__name__}).",
                                     hint="Cast unusual columns to VARCHAR.") from None
            if self.results.enabled:
                self.results.put(generation, text, cap, (res, df.copy()), res.table.nbytes)
        elapsed = (time.perf_counter() - start) * 1000
        return QueryResult(sql=_statement_text(text), df=df, elapsed_ms=elapsed, truncated=res.truncated)

    def scalar(self, sql: str) -> Any:
        res = self.run(sql, row_cap=1)
        return None if res.df.empty else res.df.iat[0, 0]

    # --- catalog (cached until the warehouse is replaced) ----------------------------------------------------
    def _memo(self, key: str, make: Any) -> Any:
        with self._cache_lock:
            if self._cached_generation != self.engine.generation:
                self._cached, self._cached_generation = {}, self.engine.generation
            if key in self._cached:
                return self._cached[key]
        value = make()
        with self._cache_lock:
            self._cached.setdefault(key, value)
        return value

    @property
    def catalog(self) -> dict[str, list[tuple[str, str]]]:
        """Tables and their (column, type) in the main schema."""
        return self._memo("catalog", self._read_catalog)

    def _read_catalog(self) -> dict[str, list[tuple[str, str]]]:
        own = getattr(self.engine, "read_catalog", None)  # engines without information_schema (Spark)
        if own is not None:
            return own()
        res = self.run(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        )
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, typ in res.rows:
            out.setdefault(table, []).append((column, typ))
        return out

    def has_table(self, name: str) -> bool:
        return name in self.catalog

    @property
    def as_of(self) -> dt.date:
        """'Today' for relative periods: the latest order date in the data (answers stay reproducible)."""
        return self._memo("as_of", self._read_as_of)

    def _read_as_of(self) -> dt.date:
        if not self.has_table("orders"):
            raise DataError("The warehouse has no orders table.", hint="Rebuild or re-import the warehouse.")
        value = self.scalar("SELECT max(order_date) FROM orders")
        if value is None:
            raise DataError("The orders table is empty.", hint="Import orders or rebuild the demo warehouse.")
        return pd.Timestamp(value).date()

    def _failure(self, exc: EngineFailure) -> Exception:
        """The engine's failure as the exception tools and front ends expect (messages carry no paths)."""
        if exc.kind == kinds.TIMEOUT:
            return QueryTimeout(exc.message, hint=exc.hint or "Narrow the period or filters, aggregate more, or "
                                "avoid large joins.")
        if exc.kind in (kinds.MEMORY, kinds.CRASHED, kinds.TOO_LARGE, kinds.REFUSED):
            return UserInputError(exc.message, hint=exc.hint)
        if exc.kind == kinds.BUSY:
            return WarehouseBusy(exc.message, hint=exc.hint or "Retry in a few seconds.", retry_after_s=5)
        if exc.kind == kinds.UNAVAILABLE:
            return DataError(exc.message, hint=exc.hint)
        return self._explain_error(exc)

    def _explain_error(self, exc: EngineFailure) -> UserInputError:
        from rapidfuzz import process

        msg = exc.message
        hint = exc.hint
        if m := _NAME_RE.search(msg):
            bad = m.group(1).split(".")[-1]
            columns = sorted({c for cols in self.catalog.values() for c, _ in cols})
            close = [c for c, score, _ in process.extract(bad, columns, limit=3) if score >= 60]
            hint = f"Closest real columns: {', '.join(close)}." if close else "Run `shoplens schema` for the columns."
        elif m := _TABLE_RE.search(msg):
            from shoplens.data.contract import ENRICHMENT_TABLES, TABLES

            name = m.group(1).split(".")[-1]
            tables = ", ".join(sorted(self.catalog))
            if name in TABLES or name in ENRICHMENT_TABLES:
                msg = f"This warehouse has no {name} table (it is optional and was not imported or computed)."
                hint = f"Available tables: {tables}."
                if name in ENRICHMENT_TABLES:
                    hint += " Run `shoplens reviews score` to compute review sentiment."
            else:
                close = [t for t, score, _ in process.extract(name, list(self.catalog), limit=3) if score >= 50]
                hint = f"Did you mean {' or '.join(close)}? Tables: {tables}." if close else f"Tables: {tables}."
        elif exc.error_class == "PermissionException":
            msg = "Refused: the query tries to read files or use the network, which is disabled."
            hint = "Query the warehouse tables only."
        elif _FUNC_RE.search(msg):
            hint = "That function is not available; use standard SQL functions."
        return UserInputError(msg if msg.startswith(("This warehouse", "Refused")) else f"The query failed: {msg}",
                              hint=hint)


def _statement_text(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def _startup_error(exc: EngineFailure, db_path: Path) -> Exception:
    if exc.kind == kinds.BUSY:
        return WarehouseBusy(exc.message, hint=exc.hint, retry_after_s=30)
    if "missing" in exc.message:
        return DataError("There is no warehouse file yet.", hint="Build the demo with `shoplens data demo` or import "
                         "your shop with `shoplens data import`.")
    return DataError(exc.message, hint=exc.hint)
