"""`shoplens data ...`: build the demo warehouse (and, from ``cmd_import``, import a real shop)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common

data_app = typer.Typer(
    name="data",
    help="Build the demo warehouse or import your shop's data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MAX_SCALE = 50.0  # same bound as shoplens.data.demo.MAX_SCALE (not imported here: CLI start-up stays light)


def register(app: typer.Typer) -> None:
    """Add the `data` group to the main app (idempotent)."""
    if not data_app.registered_commands:
        data_app.command("demo")(demo)
        try:
            from shoplens.agent.cli import cmd_import
        except ModuleNotFoundError as exc:
            if exc.name != "shoplens.agent.cli.cmd_import":
                raise
        else:
            cmd_import.register_data_commands(data_app)
    if not any(group.typer_instance is data_app for group in app.registered_groups):
        app.add_typer(data_app, name="data")


def demo(
    scale: float | None = typer.Option(
        None, "--scale", "-s", help="Volume multiplier: 1 = about 600k orders, 1M order lines, 55k reviews "
        "(default: SHOPLENS_DEMO_SCALE or 1). The catalog keeps about 120 products at any scale."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed; the same seed and scale give identical "
                                    "tables (default: SHOPLENS_DEMO_SEED or 42)."),
    path: Path | None = typer.Option(None, "--path", "-p", help="Warehouse file to write (default: SHOPLENS_DB or "
                                     "~/.shoplens/shoplens.duckdb)."),
    force: bool = typer.Option(False, "--force", "-f", help="Replace an existing warehouse (only once the new one "
                               "is complete)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    engine: str | None = typer.Option(None, "--engine", help="duckdb (one warehouse file) or spark (a folder of "
                                      "Parquet tables at --path, default SHOPLENS_SPARK_WAREHOUSE; same numbers). "
                                      "Default: SHOPLENS_ENGINE or duckdb."),
) -> None:
    """Build the demo shop's sales warehouse (2023-01 to 2026-06): orders, order lines, products, customers,
    reviews, web traffic, campaigns and marketing spend, with seasonality, trends and five known events."""
    from shoplens.data.errors import ShopLensError

    s = common.settings(db=None if engine == "spark" else path)
    engine = engine or s.engine
    if engine not in ("duckdb", "spark"):
        common.fail(f"--engine must be duckdb or spark (got {engine!r}).", 2, as_json=as_json)
    scale = s.demo_scale if scale is None else scale
    seed = s.demo_seed if seed is None else seed
    if not 0 < scale <= MAX_SCALE:
        common.fail(f"--scale must be greater than 0 and at most {MAX_SCALE:g} (got {scale:g}); 1 is about "
                    "600k orders, 0.05 a quick small warehouse.", 2, as_json=as_json)
    if seed < 0:
        common.fail(f"--seed must be zero or positive (got {seed}).", 2, as_json=as_json)
    target = s.db_path
    if engine == "spark":
        target = path or s.spark_warehouse  # type: ignore[assignment]
        if target is None:
            common.fail("--engine spark needs --path DIR (or SHOPLENS_SPARK_WAREHOUSE): the folder to write the "
                        "Parquet tables to.", 2, as_json=as_json)
            return
        if target.exists() and not target.is_dir():
            common.fail(f"{target} is a file; --engine spark writes a folder of Parquet tables.", 2, as_json=as_json)
    if target.exists() and not force and (not target.is_dir() or any(target.iterdir())):
        common.fail(f"A warehouse already exists at {target}. Add --force to rebuild it (the current file is "
                    "replaced only when the new one is complete), or choose another --path.", 2, as_json=as_json)
    try:
        with _progress(quiet or as_json) as bar:
            task = bar.add_task("Building the demo warehouse", total=1000)
            summary = _build(target, scale, seed, lambda stage, frac: bar.update(
                task, description=_label(stage), completed=int(frac * 1000)), engine=engine, force=force)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(summary)
        return
    _print_summary(summary)


def _build(target: Path, scale: float, seed: int, progress: Any, *, engine: str = "duckdb",
           force: bool = False) -> dict[str, Any]:
    if engine == "spark":
        from shoplens.data.parquet import build_demo_parquet

        return build_demo_parquet(target, scale=scale, seed=seed, replace=force, progress=progress)
    from shoplens.data.demo import build_demo

    return build_demo(target, scale=scale, seed=seed, progress=progress)


def _label(stage: str) -> str:
    if stage.startswith("orders "):
        return f"Simulating sales {stage.split(' ', 1)[1]}"
    return {
        "catalog": "Catalog, campaigns, spend", "reviews": "Writing reviews", "customers": "Customers",
        "checkpoint": "Saving", "done": "Done",
    }.get(stage, stage)


def _progress(quiet: bool) -> Any:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<32}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                    console=common.err, disable=quiet, transient=True)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"Demo warehouse (scale {summary['scale']:g}, seed {summary['seed']})", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary["tables"].items():
        table.add_row(name, f"{rows:,}")
    common.out.print(table)
    common.out.print(
        f"Orders from {summary['start']} to {summary['end']}; built in {summary['elapsed_s']:.1f} s.\n"
        f"Warehouse: {summary['path']}"
    )
