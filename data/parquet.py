"""Warehouse tables as Parquet folders, the form Spark reads: ``DIR/<table>/part-0.parquet`` per table.

The demo for Spark is the DuckDB demo exported table by table with DuckDB's own ``COPY ... (FORMAT parquet)``,
so the same seed and scale give the same rows, and the same numbers, on both engines. The folder appears
complete or not at all: tables are written into a temporary sibling folder that replaces ``DIR`` at the end.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shoplens.data.errors import UserInputError


def export_parquet(db_path: Path, out_dir: Path, *, replace: bool = False) -> dict[str, int]:
    """Write every table of the DuckDB warehouse ``db_path`` to ``out_dir/<table>/``; return rows per table."""
    import duckdb

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not replace:
        raise UserInputError(f"{out_dir} already holds files.", hint="Add --force to replace it, or choose another "
                             "--path.")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    rows: dict[str, int] = {}
    try:
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema"
                                               " = 'main' AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
            for name in names:
                (staging / name).mkdir()
                target = str(staging / name / "part-0.parquet").replace("'", "''")
                con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
                rows[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        finally:
            con.close()
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return rows


def build_demo_parquet(out_dir: Path, *, scale: float, seed: int, replace: bool = False,
                       progress: Callable[[str, float], None] | None = None) -> dict[str, Any]:
    """The deterministic demo shop (same seed and scale as ``build_demo``) written as Parquet tables."""
    from shoplens.data.demo import build_demo

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not replace:
        raise UserInputError(f"{out_dir} already holds files.", hint="Add --force to replace it, or choose another "
                             "--path.")
    with tempfile.TemporaryDirectory(prefix="shoplens-demo-") as tmp:
        summary = build_demo(Path(tmp) / "demo.duckdb", scale=scale, seed=seed, progress=progress)
        summary["tables"] = export_parquet(Path(tmp) / "demo.duckdb", out_dir, replace=replace)
    summary["path"] = str(out_dir)
    return summary


def parquet_tables(root: Path) -> dict[str, Path]:
    """Table name -> folder for every ``root/<table>/`` holding Parquet files."""
    root = Path(root)
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir())
            if p.is_dir() and not p.name.startswith((".", "_")) and any(p.glob("*.parquet"))}


def _swap(staging: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
    staging.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def import_to_parquet(mapping: Path, out_dir: Path, **kwargs: Any) -> Any:
    """``shoplens data import`` for Spark: the same checks and all-or-nothing import into a scratch DuckDB file,
    then its tables written as Parquet to ``out_dir`` (replaced only when complete). Returns the import report."""
    from shoplens.data.importing.importer import import_shop

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".shoplens-import-", dir=out_dir.parent) as tmp:
        report = import_shop(mapping, Path(tmp) / "shop.duckdb", **kwargs)
        if not kwargs.get("dry_run"):
            export_parquet(Path(tmp) / "shop.duckdb", out_dir, replace=True)
    report.target = out_dir
    return report
