"""Bring your own shop: import CSV/Parquet sales exports into a contract warehouse, all or nothing.

``import_shop(mapping, target)`` reads the files named by the mapping (``data/importing/mapping.py``) into DuckDB,
cleans them there (``import_plan``/``import_transforms``), checks them row by row and across rows, builds the
contract tables (``import_build``) in a new file *beside* the target and swaps it in only when every step
succeeded. A failure or an interruption (including Ctrl-C) removes the new file and leaves the previous warehouse
byte-identical.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from shoplens.data.contract import TABLES
from shoplens.data.errors import DataError, UserInputError
from shoplens.data.importing.build import Builder
from shoplens.data.importing.dimensions import write_dimensions
from shoplens.data.importing.mapping import Mapping, load_mapping
from shoplens.data.importing.plan import SourcePlan, clean_sql, compile_source, dup_sql
from shoplens.data.importing.sources import headers, resolve_files, stage_source
from shoplens.data.importing.transforms import (
    ambiguity_sql,
    date_formats,
    format_hits_sql,
    ident,
    literal,
    number_macros,
    timestamp_macro,
)

ProgressFn = Callable[[str, float], None]  # (what is happening, fraction done 0..1)
# Share of the progress bar per phase (reading dominates on large exports).
_READ, _CLEAN, _BUILD = 0.45, 0.30, 0.20


@dataclass
class SourceStats:
    files: int = 0
    rows_read: int = 0
    duplicates: int = 0
    rejected: int = 0

    @property
    def kept(self) -> int:
        return self.rows_read - self.duplicates - self.rejected


@dataclass
class ImportReport:
    target: Path
    dry_run: bool
    sources: dict[str, SourceStats] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> rows
    tables: dict[str, int] = field(default_factory=dict)  # contract table -> rows written
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    ids: dict[str, str] = field(default_factory=dict)  # entity -> id strategy used
    warnings: list[str] = field(default_factory=list)
    rejects_file: Path | None = None
    seconds: float = 0.0

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sources.values())

    @property
    def rows_kept(self) -> int:
        return sum(s.kept for s in self.sources.values())

    @property
    def duplicates(self) -> int:
        return sum(s.duplicates for s in self.sources.values())

    @property
    def absent_tables(self) -> list[str]:
        return [t for t in TABLES if t not in self.tables]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": str(self.target), "dry_run": self.dry_run, "rows_read": self.rows_read,
            "rows_kept": self.rows_kept, "duplicates_dropped": self.duplicates,
            "rows_rejected": sum(self.rejected.values()), "rejected_by_reason": dict(self.rejected),
            "sources": {n: {"files": s.files, "rows_read": s.rows_read, "duplicates_dropped": s.duplicates,
                            "rejected": s.rejected, "kept": s.kept} for n, s in self.sources.items()},
            "tables": dict(self.tables), "absent_tables": self.absent_tables,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "ids": dict(self.ids), "warnings": list(self.warnings),
            "rejects_file": str(self.rejects_file) if self.rejects_file else None, "seconds": round(self.seconds, 2),
        }


def import_shop(mapping: Mapping | Path | str, target: Path, *, dry_run: bool = False,
                rejects: Path | None = None, progress: ProgressFn | None = None, threads: int = 2,
                memory_limit: str = "4GB") -> ImportReport:
    """Import the shop described by ``mapping`` into the warehouse file ``target`` (replaced atomically).

    ``dry_run`` runs every step in a scratch file and reports without touching ``target``. ``rejects`` names a CSV
    to receive rejected rows (file, line, reason, column, value and the row's mapped columns)."""
    started = time.perf_counter()
    m = mapping if isinstance(mapping, Mapping) else load_mapping(Path(mapping))
    target = Path(target).expanduser().resolve()
    report = ImportReport(target=target, dry_run=dry_run)
    tick = progress or (lambda label, frac: None)
    tick("Checking the mapping", 0.0)
    files = {name: resolve_files(spec, m.base_dir, m.origin) for name, spec in m.sources.items()}
    from shoplens.data.writer import WarehouseWriter

    # The writer takes the job lock first (another job writing this warehouse is reported at once), cleans up what
    # interrupted jobs left, and gives a scratch file beside the target; only commit() replaces the target.
    with WarehouseWriter(target, job="data import --dry-run" if dry_run else "data import") as writer:
        con: duckdb.DuckDBPyConnection | None = None
        try:
            con = duckdb.connect(str(writer.path), config={"threads": threads, "memory_limit": memory_limit,
                                                           "preserve_insertion_order": True})
            _run(con, m, files, report, tick, rejects)
            con.execute("CHECKPOINT")
            con.close()
            con = None
            if not dry_run:
                tick("Swapping in the new warehouse", 0.99)
                writer.commit()
        except duckdb.InterruptException as exc:
            raise KeyboardInterrupt from exc
        except RuntimeError as exc:  # DuckDB reports Ctrl-C during a query as RuntimeError("Query interrupted")
            if "interrupted" in str(exc).lower():
                raise KeyboardInterrupt from exc
            raise
        except duckdb.Error as exc:  # a step failed in a way no check foresaw: still a message, never a traceback
            raise DataError(f"The import failed: {str(exc).strip().splitlines()[0]}",
                            hint="Nothing was written. Check the mapping and the files named above.") from exc
        except OSError as exc:
            raise DataError(f"Cannot write the warehouse {target}: {exc}.",
                            hint="Check that its folder exists and is writable; nothing was written.") from exc
        finally:
            if con is not None:
                with contextlib.suppress(Exception):
                    con.close()
    report.seconds = time.perf_counter() - started
    tick("Done", 1.0)
    return report


def _run(con: duckdb.DuckDBPyConnection, m: Mapping, files: dict, report: ImportReport, tick: ProgressFn,
         rejects: Path | None) -> None:
    plans: dict[str, SourcePlan] = {}
    for i, (name, spec) in enumerate(m.sources.items()):
        tables = [t.name for t in m.tables_of(name)]
        if not tables:
            report.warnings.append(f"Source '{name}' feeds no table and was not read.")
            continue
        num_fn, stmts = number_macros(spec.decimal)
        for stmt in [*stmts, *timestamp_macro(f"_sl_ts_{i}", spec.dates)]:
            con.execute(stmt)
        types = dict(headers(con, spec, files[name][0].path))
        plan = SourcePlan(spec, i, files[name], types, tables, num_fn, f"_sl_ts_{i}")
        compile_source(plan, m)
        plans[name] = plan
    total_bytes = sum(f.size for p in plans.values() for f in p.files) or 1
    done = 0

    for name, plan in plans.items():
        def on_file(sf: Any) -> None:
            nonlocal done
            done += sf.size
            tick(f"Reading {sf.path.name}", _READ * done / total_bytes)

        tick(f"Reading {plan.files[0].path.name}", _READ * done / total_bytes)

        stage_source(con, plan.spec, plan.files, plan.stage, plan.columns, on_file)
        report.sources[name] = SourceStats(files=len(plan.files), rows_read=sum(f.rows for f in plan.files))
        _check_date_order(con, plan, m)
        _detect_date_formats(con, plan)

    builder = Builder(con, m, plans)
    for j, (name, plan) in enumerate(plans.items()):
        tick(f"Cleaning {name}", _READ + _CLEAN * j / len(plans))
        derived = {t: builder.derived(t) for t in plan.tables}
        dups = None
        if plan.spec.drop_duplicates:
            dups = f"{plan.stage}_dups"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {dups} AS {dup_sql(plan)}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {plan.clean} AS {clean_sql(plan, m, derived, dups)}")
    tick("Checking keys and references", _READ + _CLEAN)
    builder.cross_row_checks()
    _count_rejects(con, plans, report)
    if rejects is not None:
        report.rejects_file = _write_rejects(con, plans, Path(rejects))
    for plan in plans.values():  # raw values were only needed for the rejects file
        con.execute(f"DROP TABLE {plan.stage}")
    if report.rejected and m.on_error == "fail":
        raise _first_problem(con, plans, report)
    report.ids = builder.key_maps()
    written: list[str] = []

    def on_table(table: str) -> None:
        written.append(table)
        tick(f"Wrote {table}", _READ + _CLEAN + _BUILD * len(written) / len(m.tables))

    report.tables = builder.build_tables(on_table)
    write_dimensions(con, m.dimensions)
    report.warnings += builder.conflicts()
    if not report.tables.get("orders") or not report.tables.get("order_items"):
        raise DataError("No order lines were kept, so there is nothing to import.",
                        hint=_reject_hint(report) or "Check that the mapping points at the order-lines export.")
    first, last = con.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone() or (None, None)
    report.first_date, report.last_date = first, last
    for table in report.tables:
        con.execute(f"DROP VIEW IF EXISTS _sl_rows_{table}")


def _check_date_order(con: duckdb.DuckDBPyConnection, plan: SourcePlan, m: Mapping) -> None:
    """Refuse day/month-ambiguous dates (03/04/2024) unless the mapping says which comes first."""
    if plan.spec.dates.order or plan.spec.dates.formats:
        return
    for (col, kind) in plan.typed:
        if kind != "ts" or plan.header_types.get(col, "VARCHAR").upper() != "VARCHAR":
            continue
        line = f"({plan.stage}.rowid - fi.first_rowid + fi.first_line)"
        sql = ambiguity_sql(plan.stage, col, line)
        value, line_no, f, first, second = con.execute(sql).fetchone() or (None,) * 5
        if value is None:
            continue
        guess = ("day_first" if (first or 0) > 12 else "month_first" if (second or 0) > 12 else None)
        raise UserInputError(
            f"{plan.files[f].path.name}, line {line_no}, column '{col}': the date '{value}' could be day-first "
            "or month-first.",
            hint=f"Add `dates: {guess}` to {m.origin} (values in this column suggest it)." if guess else
            f"Add `dates: day_first` or `dates: month_first` to {m.origin}.",
        )


def _detect_date_formats(con: duckdb.DuckDBPyConnection, plan: SourcePlan) -> None:
    """Find the few formats each text date column really uses, so 1M rows do not each try forty formats."""
    formats = date_formats(plan.spec.dates)
    if not formats:
        return
    for col, kind in plan.typed:
        if kind == "ts" and plan.header_types.get(col, "VARCHAR").upper() == "VARCHAR":
            hits = con.execute(format_hits_sql(plan.stage, col, formats)).fetchone() or ()
            plan.ts_formats[col] = [f for n, f in sorted(zip(hits, formats, strict=True), key=lambda p: -p[0])
                                    if n]


def _count_rejects(con: duckdb.DuckDBPyConnection, plans: dict[str, SourcePlan], report: ImportReport) -> None:
    for name, plan in plans.items():
        stats = report.sources[name]
        for reason, n, dup in con.execute(
                f"SELECT _sl_reason, count(*), _sl_dup FROM {plan.clean} WHERE _sl_dup OR _sl_reason IS NOT NULL "
                "GROUP BY ALL ORDER BY 2 DESC").fetchall():
            if dup:
                stats.duplicates += n
            else:
                stats.rejected += n
                report.rejected[reason] = report.rejected.get(reason, 0) + n


def _first_problem(con: duckdb.DuckDBPyConnection, plans: dict[str, SourcePlan], report: ImportReport) -> DataError:
    total = sum(report.rejected.values())
    for plan in plans.values():
        row = con.execute(f"SELECT _sl_f, _sl_line, _sl_reason, _sl_column, _sl_value FROM {plan.clean} "
                          f"WHERE _sl_reason IS NOT NULL AND NOT _sl_dup ORDER BY _sl_rid LIMIT 1").fetchone()
        if row is None:
            continue
        f, line, reason, column, value = row
        path = plan.files[f].path
        where = "line" if plan.spec.format != "parquet" and path.suffix.lower() != ".parquet" else "row"
        shown = f" ('{value}')" if value not in (None, "") else ""
        more = f" {total - 1:,} more row(s) have problems ({_reasons(report)})." if total > 1 else ""
        listed = f" All are listed in {report.rejects_file}." if report.rejects_file else \
            " List them all with --rejects FILE."
        advice = next((h for prefix, h in REASON_HINTS.items() if reason.startswith(prefix)), "")
        return DataError(f"{path.name}, {where} {line}, column '{column}': {reason}{shown}.{more}",
                         hint=f"{advice}Fix the file, or set on_error: skip in the mapping to leave such rows out."
                         f"{listed} Nothing was written.")
    return DataError("Some rows were rejected.")


REASON_HINTS = {
    "unparsable date": "Check `dates:` in the mapping (day_first, month_first or a format like '%d/%m/%Y'). ",
    "not a number": "Check `decimal:` in the mapping ('.' for 1,234.50, ',' for 1.234,50). ",
    "negative quantity": "If negative quantities mean returns or cancellations, set negative_quantity: returned "
                         "(or cancelled) under tables.order_items. ",
    "unknown status": "Map your status values with values: {pending: completed, refunded: returned, ...} under "
                      "tables.orders.columns.status. ",
    "unknown product": "The product is missing from the products source; add it there. ",
    "duplicate": "A file that should hold one row per key repeats a key. ",
}


def _reasons(report: ImportReport) -> str:
    return ", ".join(f"{r}: {n:,}" for r, n in sorted(report.rejected.items(), key=lambda kv: -kv[1]))


def _reject_hint(report: ImportReport) -> str:
    return f"Rejected rows: {_reasons(report)}." if report.rejected else ""


def _write_rejects(con: duckdb.DuckDBPyConnection, plans: dict[str, SourcePlan], path: Path) -> Path:
    """Write rejected rows to ``path`` (CSV): source, file, line, reason, column, value, then the mapped columns."""
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    for name, plan in plans.items():
        raw = ", ".join(f"s.{ident(c)} AS {ident(c)}" for c in plan.columns)
        parts.append(f"SELECT {literal(name)} AS source, fi.path AS file, _sl_line AS line, _sl_reason AS reason, "
                     f"_sl_column AS \"column\", _sl_value AS value{', ' + raw if raw else ''}, _sl_rid "
                     f"FROM {plan.clean} c JOIN {plan.stage}_files fi ON fi.f = c._sl_f "
                     f"JOIN {plan.stage} s ON s.rowid = c._sl_rid WHERE _sl_reason IS NOT NULL AND NOT _sl_dup")
    body = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    try:
        con.execute(f"COPY (SELECT * EXCLUDE (_sl_rid) FROM ({body}) ORDER BY source, file, line) "
                    f"TO {literal(str(path))} (FORMAT csv, HEADER true)")
    except duckdb.IOException as exc:
        raise UserInputError(f"Cannot write the rejects file {path}: {str(exc).splitlines()[0]}") from exc
    return path
