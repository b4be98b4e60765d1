"""Connections to the DuckDB warehouse: a locked-down read-only one for everyone, a writable one for jobs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from shoplens.data.errors import DataError


def _missing(path: Path) -> DataError:
    return DataError(
        f"No warehouse at {path}.",
        hint="Build the demo with `shoplens data demo` or import your shop with `shoplens data import`.",
    )


def open_readonly(path: Path, *, memory_limit: str = "2GB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only and locked down, as DuckDB advises for untrusted (model-written) SQL:
    no file system or network access, no extension loading, fixed limits, configuration locked."""
    path = Path(path)
    if not path.exists():
        raise _missing(path)
    config = {
        "access_mode": "READ_ONLY",
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": memory_limit,
        "threads": threads,
        "lock_configuration": True,
    }
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.IOException as exc:
        raise DataError(
            f"Cannot open the warehouse {path}: {exc}.",
            hint="Another ShopLens job may be writing to it (review scoring, import); wait for it to finish.",
        ) from exc
    except duckdb.Error as exc:
        raise DataError(f"{path} is not a readable DuckDB warehouse: {exc}.") from exc


def open_writable(path: Path, *, memory_limit: str = "4GB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A writable connection for enrichment jobs (review scoring). Readers must not hold the file meanwhile."""
    path = Path(path)
    if not path.exists():
        raise _missing(path)
    try:
        return duckdb.connect(str(path), config={"memory_limit": memory_limit, "threads": threads})
    except duckdb.IOException as exc:
        raise DataError(
            f"Cannot open {path} for writing: {exc}.",
            hint="Stop the ShopLens UI/API or other jobs using this warehouse, then retry.",
        ) from exc
