"""Run one statement on a DuckDB connection within limits and return Arrow (used by both engines).

The gate, binding, execution, the row cap, the result-size cap and the text fix-ups all happen here, so a worker
process and the in-process baseline behave the same. Errors come out as ``EngineFailure`` with server paths
removed from their messages.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import duckdb

from shoplens.data.errors import UserInputError
from shoplens.data.redact import redact_paths
from shoplens.tools.sqlengine.base import MEMORY, REFUSED, SQL, TIMEOUT, TOO_LARGE, EngineFailure, Limits
from shoplens.tools.sqlengine.convert import as_text_projection, fix_dates
from shoplens.tools.sqlengine.gate import check_sql, first_line


def run_statement(con: duckdb.DuckDBPyConnection, sql: str, limits: Limits,
                  known_paths: Iterable[str | Path] = ()):  # noqa: ANN201 - (pa.Table, truncated)
    """Check and run ``sql`` on ``con``; return (table of at most ``row_cap`` rows, truncated)."""
    import pyarrow as pa

    start = time.monotonic()
    try:
        query = check_sql(sql)
        rel = as_text_projection(con.sql(query))
        reader = rel.to_arrow_reader(max(limits.row_cap, 1) + 1)
        batches, rows, size = [], 0, 0
        while rows <= limits.row_cap:  # read just past the cap, to know whether the result was truncated
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            batches.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
            if size > limits.result_bytes:
                raise EngineFailure(
                    TOO_LARGE,
                    f"The result is larger than {limits.result_bytes / 1e6:.0f} MB, the most a query may return.",
                    hint="Aggregate, select fewer or shorter columns, or add a LIMIT.",
                )
        table = pa.Table.from_batches(batches, schema=reader.schema)
        truncated = table.num_rows > limits.row_cap
        if truncated:
            table = table.slice(0, limits.row_cap)
        return fix_dates(table, con), truncated
    except EngineFailure:
        raise
    except UserInputError as exc:
        raise EngineFailure(REFUSED, redact_paths(exc.message, known_paths), hint=exc.hint) from None
    except duckdb.InterruptException:
        raise EngineFailure(TIMEOUT, f"The query was stopped after {limits.timeout_s:g} s (time limit).",
                            elapsed_s=time.monotonic() - start) from None
    except (duckdb.OutOfMemoryException, MemoryError):
        raise memory_failure(limits) from None
    except (duckdb.Error, pa.ArrowException, OSError, OverflowError, ValueError) as exc:
        # the Arrow reader reports DuckDB's errors as OSError/ArrowException with DuckDB's message
        message = redact_paths(first_line(exc), known_paths)
        lowered = message.lower()
        if "out of memory" in lowered or "bad allocation" in lowered or "failed to allocate" in lowered:
            raise memory_failure(limits) from None
        if "interrupt" in lowered:
            raise EngineFailure(TIMEOUT, f"The query was stopped after {limits.timeout_s:g} s (time limit).",
                                elapsed_s=time.monotonic() - start) from None
        if isinstance(exc, duckdb.Error):
            raise EngineFailure(SQL, message, error_class=type(exc).__name__) from None
        raise EngineFailure(SQL, f"The result cannot be returned: {message}", error_class=type(exc).__name__,
                            hint="Cast unusual columns to VARCHAR, or select fewer columns.") from None


def memory_failure(limits: Limits) -> EngineFailure:
    return EngineFailure(
        MEMORY,
        f"The query needed more memory than a query may use ({limits.memory_bytes / 1e9:.1f} GB) and was "
        "stopped.",
        hint="Aggregate earlier, filter to a shorter period, or avoid building very large lists or strings.",
    )
