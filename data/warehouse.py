"""Connections to the DuckDB warehouse: a locked-down read-only one for everyone, a writable one for jobs.

Jobs that change the warehouse write a copy and swap it in (``data/writer.py``), so readers are never locked out.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from shoplens.data.errors import DataError, WarehouseBusy

LOCK_WORDS = ("could not set lock", "conflicting lock")


def _missing(path: Path) -> DataError:
    return DataError(
        f"No warehouse at {path}.",
        hint="Build the demo with `shoplens data demo` or import your shop with `shoplens data import`.",
    )


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(word in text for word in LOCK_WORDS)


def open_readonly(path: Path, *, memory_limit: str = "2GB", threads: int = 2,
                  temp_directory: str | None = "") -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only and locked down, as DuckDB advises for untrusted (model-written) SQL:
    no file system or network access, no extension loading, fixed limits, configuration locked.

    ``temp_directory=""`` (the default) means nothing is ever spilled to disk: a query that does not fit in
    ``memory_limit`` fails instead of writing scratch files. ``None`` keeps DuckDB's default (``<path>.tmp``)."""
    path = Path(path)
    if not path.exists():
        raise _missing(path)
    config: dict[str, str | bool | int | float | list[str]] = {
        "access_mode": "READ_ONLY",
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": memory_limit,
        "threads": threads,
    }
    if temp_directory is not None:
        config["temp_directory"] = temp_directory
    config["lock_configuration"] = True
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            raise WarehouseBusy(
                "The warehouse is locked by a program writing to it in place.",
                hint="ShopLens jobs never do this (they write a copy and swap it in); stop the other program, or "
                "wait for it to finish.",
            ) from exc
        raise DataError(f"Cannot open the warehouse {path}: {exc}.") from exc
    except duckdb.Error as exc:
        raise DataError(f"{path} is not a readable DuckDB warehouse: {exc}.") from exc


def open_writable(path: Path, *, memory_limit: str = "4GB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A writable connection for jobs. Use it on a ``WarehouseWriter`` copy (``data/writer.py``), not on the
    served file: readers then keep working and the copy is swapped in when the job is done."""
    path = Path(path)
    if not path.exists():
        raise _missing(path)
    try:
        return duckdb.connect(str(path), config={"memory_limit": memory_limit, "threads": threads,
                                                 "temp_directory": f"{path}.tmp"})
    except duckdb.IOException as exc:
        raise DataError(
            f"Cannot open {path} for writing: {exc}.",
            hint="Another program holds it; wait for it to finish (ShopLens jobs run one at a time).",
        ) from exc


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """(device, inode, size, mtime ns) of the warehouse file, or None when it is missing: a swapped-in or
    rewritten warehouse has a different identity."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
