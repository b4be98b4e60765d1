"""Finding and reading the source files of an import (CSV or Parquet, paths or globs) into DuckDB staging tables.

CSV is read with every column as text (``all_varchar``) so that messy values reach the cleaning step instead of
failing DuckDB's type detection; each file is inserted on its own so every row keeps its file and line number.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shoplens.data.errors import DataError, UserInputError
from shoplens.data.importing.fieldcount import field_count_problem
from shoplens.data.importing.mapping import SourceSpec, closest
from shoplens.data.importing.transforms import ident, literal


@dataclass
class SourceFile:
    index: int
    path: Path
    size: int
    first_rowid: int = 0
    rows: int = 0


def resolve_files(spec: SourceSpec, base_dir: Path, origin: str) -> list[SourceFile]:
    """The files of a source, in name order (globs expanded, relative paths against the mapping's folder)."""
    out: list[Path] = []
    for pattern in spec.patterns:
        p = Path(pattern).expanduser()
        full = p if p.is_absolute() else base_dir / p
        if glob.has_magic(str(full)):
            hits = sorted(Path(h) for h in glob.glob(str(full), recursive=True) if Path(h).is_file())
            if not hits:
                raise UserInputError(f"{origin}: sources.{spec.name}.path '{pattern}' matches no file "
                                     f"(looked in {full.parent}).", hint="Check the folder and the pattern.")
            out += hits
        elif full.is_file():
            out.append(full)
        else:
            near = closest(full.name, [c.name for c in full.parent.iterdir()]) if full.parent.is_dir() else None
            raise UserInputError(f"{origin}: sources.{spec.name}.path: no file {full}.",
                                 hint=f"Did you mean '{near}'?" if near else "Paths are relative to the mapping file.")
    unique = list(dict.fromkeys(out))
    return [SourceFile(i, f, f.stat().st_size) for i, f in enumerate(unique)]


def file_format(spec: SourceSpec, path: Path) -> str:
    if spec.format:
        return spec.format
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt", ".tsv", ".gz"):
        return "csv"
    raise UserInputError(f"Cannot tell the format of {path.name}.",
                         hint=f"Add format: csv or format: parquet to sources.{spec.name}.")


def reader_sql(spec: SourceSpec, path: Path) -> str:
    """``read_csv(...)``/``read_parquet(...)`` with explicit options for one file."""
    if file_format(spec, path) == "parquet":
        return f"read_parquet({literal(str(path))})"
    opts = ["all_varchar = true", f"header = {str(spec.header).lower()}", f"skip = {int(spec.skip_rows)}",
            f"encoding = {literal(spec.encoding)}", "auto_detect = true"]
    if path.suffix.lower() == ".tsv" and spec.delimiter is None:
        opts.append(r"delim = '\t'")
    for key, opt in (("delimiter", "delim"), ("quote", "quote"), ("escape", "escape")):
        value = getattr(spec, key)
        if value is not None:
            opts.append(f"{opt} = {literal(value)}")
    return f"read_csv({literal(str(path))}, {', '.join(opts)})"


def first_line_no(spec: SourceSpec, path: Path) -> int:
    """Line number of a file's first data row as a text editor or spreadsheet counts it (1 for Parquet)."""
    if file_format(spec, path) == "parquet":
        return 1
    return 1 + int(spec.skip_rows) + (1 if spec.header else 0)


def where_label(spec: SourceSpec, path: Path) -> str:
    return "line" if file_format(spec, path) == "csv" else "row"


def read_error(path: Path, spec: SourceSpec, exc: duckdb.Error) -> DataError:
    miscount = field_count_problem(path, spec)  # the real cause behind many sniffing and "encoding" errors
    if miscount is not None:
        return miscount
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "unicode" in text.lower() or "utf" in text.lower() and "encoding" in text.lower():
        return DataError(f"Cannot read {path}: it is not valid {spec.encoding} text.",
                         hint=f"Set encoding: latin-1 (or utf-16) under sources.{spec.name}.")
    line = re.search(r"[Ll]ine:? (\d+)", text)
    detail = " ".join(s.strip() for s in text.strip().splitlines()[:3] if s.strip())[:400]
    at = f", line {line.group(1)}" if line else ""
    return DataError(f"Cannot read {path}{at}: {first[:200]}", hint=(
        f"{detail} Check the delimiter/quote options of sources.{spec.name}." if detail != first else
        f"Check the delimiter/quote options of sources.{spec.name}."))


def headers(con: duckdb.DuckDBPyConnection, spec: SourceSpec, path: Path) -> list[tuple[str, str]]:
    """(column, DuckDB type) of one file."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader_sql(spec, path)}").fetchall()
    except duckdb.Error as exc:
        raise read_error(path, spec, exc) from exc
    return [(r[0], r[1]) for r in rows]


def stage_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: list[SourceFile], table: str,
                 columns: list[str], on_file: Callable[[SourceFile], None]) -> None:
    """Create temp table ``table`` (``_sl_f`` file index, ``_sl_h`` row hash, then ``columns``) holding every file's
    rows in file order, and a ``{table}_files`` table with each file's first rowid and first line number."""
    cols = ", ".join(ident(c) for c in columns) or "NULL AS _none"
    hashed = "hash(*COLUMNS(*))" if spec.drop_duplicates else "0::UBIGINT"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_files (f INTEGER, first_rowid BIGINT, first_line INTEGER, "
                "path VARCHAR, what VARCHAR)")
    total = 0
    for sf in files:
        select = f"SELECT {sf.index}::INTEGER AS _sl_f, {hashed} AS _sl_h, {cols} FROM {reader_sql(spec, sf.path)}"
        try:
            if sf.index == 0:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}")
            else:
                con.execute(f"INSERT INTO {table} BY NAME {select}")
        except duckdb.BinderException as exc:
            raise _missing_column(con, spec, sf.path, columns, exc) from exc
        except duckdb.ConversionException as exc:
            raise DataError(f"Cannot read {sf.path}: {str(exc).splitlines()[0]}",
                            hint=f"Its column types differ from the first file of sources.{spec.name}.") from exc
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:
            raise read_error(sf.path, spec, exc) from exc
        count = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        new_total = int(count[0]) if count else 0
        sf.first_rowid, sf.rows, total = total, new_total - total, new_total
        con.execute(f"INSERT INTO {table}_files VALUES ({sf.index}, {sf.first_rowid}, "
                    f"{first_line_no(spec, sf.path)}, {literal(str(sf.path))}, "
                    f"{literal(where_label(spec, sf.path))})")
        on_file(sf)


def _missing_column(con: duckdb.DuckDBPyConnection, spec: SourceSpec, path: Path, wanted: list[str],
                    exc: duckdb.Error) -> UserInputError | DataError:
    have = [c for c, _ in headers(con, spec, path)]
    lower = {c.lower() for c in have}
    missing = [c for c in wanted if c not in have and c.lower() not in lower]
    miscount = field_count_problem(path, spec) if missing else None
    if miscount is not None:  # a line with an extra delimiter made the whole file read as one column
        return miscount
    if not missing:
        return DataError(f"Cannot read {path}: {str(exc).splitlines()[0]}")
    near = closest(missing[0], have)
    return UserInputError(
        f"{path}: column '{missing[0]}' is missing (the mapping uses it for source '{spec.name}').",
        hint=(f"Closest column in this file: '{near}'. " if near else "") + f"Its columns: {', '.join(have[:40])}.",
    )
