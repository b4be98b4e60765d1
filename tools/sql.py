"""The locked-down SQL runner: every query ShopLens runs, model-written or not, goes through here.

Defence in depth: (1) a real parser (DuckDB's own ``extract_statements``) admits exactly one read-only statement;
(2) the connection is read-only with external access, extensions and configuration changes disabled;
(3) a timeout interrupts the query; (4) a row cap bounds what comes back.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from shoplens.data.errors import DataError, QueryTimeout, UserInputError
from shoplens.data.warehouse import open_readonly

_ALLOWED = {duckdb.StatementType.SELECT}
_NAME_RE = re.compile(r'(?:column|Column) (?:with name )?"?([\w.]+)"? (?:not found|does not exist)')
_TABLE_RE = re.compile(r'Table with name "?([\w.]+)"? does not exist')
_FUNC_RE = re.compile(r'Function with name "?([\w.]+)"? does not exist')


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


def plain_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python ``str``/``None`` objects, as pandas 2 gave them (pandas 3 infers a ``str`` dtype
    whose missing value is NaN, which would turn SQL NULLs into NaN in rows, JSON and tables)."""
    import pandas as pd

    for col in df.columns:
        ser = df[col]
        if pd.api.types.is_string_dtype(ser) and not pd.api.types.is_object_dtype(ser):
            df[col] = ser.astype(object).where(ser.notna(), None)
    return df


def check_sql(sql: str) -> str:
    """Return the single read-only statement in ``sql`` or raise UserInputError saying why it is refused."""
    text = (sql or "").strip()
    if not text:
        raise UserInputError("The SQL is empty.", hint="Write one SELECT statement.")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise UserInputError(f"The SQL does not parse: {_first_line(exc)}", hint="Fix the syntax and retry.") from exc
    if len(statements) != 1:
        raise UserInputError(
            f"Refused: {len(statements)} statements found; exactly one SELECT is allowed.",
            hint="Send a single SELECT (or WITH ... SELECT) without ';'-separated extras.",
        )
    stmt = statements[0]
    if stmt.type not in _ALLOWED:
        kind = stmt.type.name.replace("_STATEMENT", "")
        raise UserInputError(
            f"Refused: {kind} statements are not allowed; the warehouse is read-only.",
            hint="Only SELECT / WITH queries (and set operations of them) can run.",
        )
    return stmt.query.strip().rstrip(";").strip()


def _first_line(exc: BaseException) -> str:
    msg = str(exc).strip()
    return msg.splitlines()[0] if msg else type(exc).__name__


class SqlRunner:
    """Runs one read-only statement at a time against a locked-down connection; safe from many threads."""

    def __init__(
        self,
        db_path: Path,
        *,
        timeout_s: float = 10.0,
        row_cap: int = 10_000,
        memory_limit: str = "2GB",
        threads: int = 2,
    ) -> None:
        self.db_path = Path(db_path)
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self._con = open_readonly(self.db_path, memory_limit=memory_limit, threads=threads)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> SqlRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, sql: str, *, timeout_s: float | None = None, row_cap: int | None = None) -> QueryResult:
        """Run one SELECT; returns rows (capped, with a truncated flag), elapsed ms and the SQL."""
        query = check_sql(sql)
        cap = self.row_cap if row_cap is None else row_cap
        limit = self.timeout_s if timeout_s is None else timeout_s
        with self._lock:
            cur = self._con.cursor()
        timer = threading.Timer(limit, cur.interrupt)
        start = time.perf_counter()
        timer.start()
        try:
            reader = cur.sql(query).to_arrow_reader(max(cap, 1) + 1)
            batches, n = [], 0
            while n <= cap:  # read just past the cap, to know whether the result was truncated
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                batches.append(batch)
                n += batch.num_rows
            import pyarrow as pa

            table = plain_strings(pa.Table.from_batches(batches, schema=reader.schema).to_pandas())
        except duckdb.InterruptException as exc:
            raise QueryTimeout(
                f"The query was stopped after {limit:g} s (time limit).",
                hint="Narrow the period or filters, aggregate more, or avoid large joins.",
            ) from exc
        except duckdb.Error as exc:
            if not timer.is_alive() and time.perf_counter() - start >= limit:
                raise QueryTimeout(f"The query was stopped after {limit:g} s (time limit).") from exc
            raise self._explain_error(exc) from exc
        finally:
            timer.cancel()
            cur.close()
        elapsed = (time.perf_counter() - start) * 1000
        truncated = len(table) > cap
        if truncated:
            table = table.iloc[:cap]
        return QueryResult(sql=query, df=table, elapsed_ms=elapsed, truncated=truncated)

    def scalar(self, sql: str) -> Any:
        res = self.run(sql, row_cap=1)
        return None if res.df.empty else res.df.iat[0, 0]

    # --- catalog -------------------------------------------------------------------------------------------
    @cached_property
    def catalog(self) -> dict[str, list[tuple[str, str]]]:
        """Tables and their (column, type) in the main schema."""
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

    @cached_property
    def as_of(self) -> dt.date:
        """'Today' for relative periods: the latest order date in the data (answers stay reproducible)."""
        if not self.has_table("orders"):
            raise DataError("The warehouse has no orders table.", hint="Rebuild or re-import the warehouse.")
        value = self.scalar("SELECT max(order_date) FROM orders")
        if value is None:
            raise DataError("The orders table is empty.", hint="Import orders or rebuild the demo warehouse.")
        return pd.Timestamp(value).date()

    def _explain_error(self, exc: duckdb.Error) -> UserInputError:
        from rapidfuzz import process

        msg = _first_line(exc)
        hint = None
        if m := _NAME_RE.search(str(exc)):
            bad = m.group(1).split(".")[-1]
            columns = sorted({c for cols in self.catalog.values() for c, _ in cols})
            close = [c for c, score, _ in process.extract(bad, columns, limit=3) if score >= 60]
            hint = f"Closest real columns: {', '.join(close)}." if close else "Run `shoplens schema` for the columns."
        elif m := _TABLE_RE.search(str(exc)):
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
        elif isinstance(exc, duckdb.PermissionException):
            msg = "Refused: the query tries to read files or use the network, which is disabled."
            hint = "Query the warehouse tables only."
        elif _FUNC_RE.search(str(exc)):
            hint = "That function is not available; use standard SQL functions."
        return UserInputError(msg if msg.startswith(("This warehouse", "Refused")) else f"The query failed: {msg}",
                              hint=hint)
