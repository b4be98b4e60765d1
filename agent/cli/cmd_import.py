"""`shoplens data import` and `shoplens data mapping-template`: bring your own shop's sales exports.

These attach to the `data` command group (``cmd_data`` calls ``register_data_commands(data_app)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common


def register_data_commands(data_app: typer.Typer) -> None:
    """Add `import` and `mapping-template` to the `data` sub-app."""
    data_app.command("import")(import_cmd)
    data_app.command("mapping-template")(mapping_template)


def import_cmd(
    mapping: Path = typer.Option(..., "--mapping", "-m", help="The mapping YAML (see docs/import.md)."),
    path: Path | None = typer.Option(None, "--path", help="Warehouse file to (re)build (default: SHOPLENS_DB "
                                     "or ~/.shoplens/shoplens.duckdb)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected rows (file, line, reason, "
                                        "column, value) to this CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    engine: str | None = typer.Option(None, "--engine", help="duckdb (a warehouse file) or spark (Parquet tables in "
                                      "the folder --path, default SHOPLENS_SPARK_WAREHOUSE). Default: SHOPLENS_ENGINE."),
) -> None:
    """Import CSV/Parquet sales exports into the warehouse, all or nothing (the old warehouse stays until the
    new one is complete)."""
    from shoplens.data.errors import ShopLensError
    from shoplens.data.importing.importer import import_shop

    s = common.settings(db=None if engine == "spark" else path)
    target, run = s.db_path, import_shop
    if (engine or s.engine) == "spark":
        from shoplens.data.parquet import import_to_parquet

        target, run = path or s.spark_warehouse, import_to_parquet  # type: ignore[assignment]
        if target is None:
            common.fail("--engine spark needs --path DIR (or SHOPLENS_SPARK_WAREHOUSE): the folder for the Parquet "
                        "tables.", 2, as_json=as_json)
            return
    try:
        with _progress(quiet or as_json) as bar:
            task = bar.add_task("Importing", total=1000)
            report = run(
                mapping, target, dry_run=dry_run, rejects=rejects, threads=s.sql_threads,
                progress=lambda label, frac: bar.update(task, description=label, completed=int(frac * 1000)),
            )
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(report.to_dict())
        return
    _print_summary(report)


def _progress(quiet: bool) -> Any:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<40}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                    console=common.err, disable=quiet, transient=True)


def _print_summary(report: Any) -> None:
    from rich.table import Table

    d = report.to_dict()
    t = Table(title="Dry run: nothing was written" if report.dry_run else f"Imported into {report.target}",
              show_header=False, title_justify="left")
    t.add_column("what", style="bold")
    t.add_column("value")
    t.add_row("rows read", f"{d['rows_read']:,}")
    t.add_row("rows kept", f"{d['rows_kept']:,}")
    if d["duplicates_dropped"]:
        t.add_row("duplicate lines dropped", f"{d['duplicates_dropped']:,}")
    t.add_row("rows rejected", f"{d['rows_rejected']:,}")
    for reason, n in sorted(report.rejected.items(), key=lambda kv: -kv[1]):
        t.add_row(f"  {reason}", f"{n:,}")
    if report.first_date:
        t.add_row("orders from", f"{report.first_date} to {report.last_date} (data as of {report.last_date})")
    verb = "would fill" if report.dry_run else "tables filled"
    t.add_row(verb, ", ".join(f"{name} ({n:,})" for name, n in report.tables.items()))
    if report.absent_tables:
        t.add_row("absent (optional)", ", ".join(report.absent_tables))
    t.add_row("ids", ", ".join(f"{e}: {s}" for e, s in report.ids.items()))
    if report.rejects_file:
        t.add_row("rejected rows in", str(report.rejects_file))
    t.add_row("time", f"{report.seconds:.1f} s")
    common.out.print(t)
    for w in report.warnings:
        common.err.print(common.styled("Warning:", w, "yellow"))
    if report.rejected and not report.rejects_file:
        common.err.print("List the rejected rows with --rejects rejects.csv.")


def mapping_template(
    files: list[str] = typer.Argument(..., help="Export files or globs (quote globs: 'exports/2024-*.csv')."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the mapping here (default: print it)."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Write a starter mapping from your files' headers, with best-guess column matches to check."""
    from shoplens.data.errors import ShopLensError
    from shoplens.data.importing.template import build_template

    if out is not None and out.exists() and not force:
        common.fail(f"{out} exists; pass --force to overwrite it.", 2)
    try:
        text = build_template(files, base=Path.cwd(), mapping_dir=(out.resolve().parent if out else None))
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code)
        return
    if out is None:
        common.out.print(text, end="", markup=False, highlight=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    common.err.print(f"Wrote {out}. Check the lines marked CHECK, then: shoplens data import --mapping {out} "
                     "--dry-run")
