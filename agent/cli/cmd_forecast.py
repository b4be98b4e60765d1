"""`shoplens forecast`: forecast a warehouse metric, or any series from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common

MODEL_HELP = ("auto (weighted combination by backtest) | arima | ets | theta | gbm (global LightGBM) | lstm | "
              "croston | tsb | adida | naive (seasonal naive) | ensemble")


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast)


def forecast(
    horizon: int = typer.Option(..., "--horizon", "-H", help="Periods ahead (e.g. 8 weeks; at most 2 years)."),
    metric: str | None = typer.Option(None, "--metric", help="Warehouse metric, e.g. revenue, units, orders."),
    category: list[str] = typer.Option([], "--category", help="Filter: category (repeatable)."),
    product: list[str] = typer.Option([], "--product", help="Filter: product name (repeatable)."),
    brand: list[str] = typer.Option([], "--brand", help="Filter: brand (repeatable)."),
    region: list[str] = typer.Option([], "--region", help="Filter: region (repeatable)."),
    channel: list[str] = typer.Option([], "--channel", help="Filter: channel web|app|marketplace (repeatable)."),
    grain: str = typer.Option("week", "--grain", help="day | week | month | quarter (warehouse form)."),
    csv: Path | None = typer.Option(None, "--csv", help="Forecast the series in this CSV file instead."),
    id_col: str | None = typer.Option(None, "--id-col", help="CSV column naming each series (optional)."),
    date_col: str | None = typer.Option(None, "--date-col", help="CSV date column."),
    value_col: str | None = typer.Option(None, "--value-col", help="CSV value column."),
    x_col: list[str] = typer.Option([], "--x-col", help="CSV regressor column to try (repeatable); rows after the "
                                    "last value give its future values."),
    freq: str | None = typer.Option(None, "--freq", help="CSV frequency D|W|M|Q|Y (default: inferred)."),
    dayfirst: bool | None = typer.Option(None, "--dayfirst/--monthfirst",
                                         help="Read ambiguous CSV dates as 31/12/2025 or as 12/31/2025."),
    fill: str = typer.Option("zero", "--fill", help="Missing dates: zero (sales) | interpolate (levels)."),
    model: str = typer.Option("auto", "--model", help=MODEL_HELP),
    level: list[str] = typer.Option([], "--level", help="Interval levels in percent (repeatable; default 80 and "
                                    "95), or with --all what to forecast: product | category | region | brand | "
                                    "channel, or several joined by commas (product,region)."),
    windows: int = typer.Option(5, "--windows", help="Backtest windows (rolling origins)."),
    lstm: str = typer.Option("auto", "--lstm", help="LSTM mode: auto | local | global (one model for all CSV "
                             "series) | off."),
    jobs: int = typer.Option(1, "--jobs", help="Processes for many series (CSV or --all; -1: all cores). The "
                             "forecasts are the same whatever the number."),
    all_series: bool = typer.Option(False, "--all", help="Forecast every series of --level in one batch job and "
                                    "save them to the results store (never the warehouse)."),

    seed: int = typer.Option(0, "--seed", help="Random seed (LSTM)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: per series the forecast rows, the chosen "
                                 "model, the backtest leaderboard (MASE per model) and warnings."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."),
) -> None:
    """Forecast a metric (--metric), every product/category/region (--all) or a CSV (--csv), with 80/95% ranges."""
    from shoplens.data.errors import ShopLensError

    try:
        names = [v for v in level if not v.strip().isdigit()]
        level_ints = [int(v) for v in level if v.strip().isdigit()] or [80, 95]
        if names and not all_series:
            raise _usage(f"--level {names[0]} names what to forecast with --all; for intervals give percentages "
                         "(--level 80).")
        if all_series:
            if csv is not None:
                raise _usage("--all forecasts warehouse series; drop --csv.")
            _batch_form(metric or "revenue", ",".join(names) or "product", grain, horizon, model, jobs, seed, db,
                        as_json)
        elif csv is not None:
            if metric:
                raise _usage("Use either --metric (warehouse) or --csv (your file), not both.")
            missing = [flag for flag, v in (("--date-col", date_col), ("--value-col", value_col)) if not v]
            if missing:
                raise _usage(f"--csv needs {' and '.join(missing)}.")
            _csv_form(csv, id_col, date_col, value_col, x_col, horizon, freq, dayfirst, fill, model, level_ints,  # type: ignore[arg-type]
                      windows, lstm, jobs, seed, as_json)
        elif metric:
            filters = {k: v for k, v in (("category", category), ("product", product), ("brand", brand),
                                         ("region", region), ("channel", channel)) if v}
            _warehouse_form(metric, filters, grain, horizon, model, level_ints, db, seed, as_json)
        else:
            raise _usage("Say what to forecast: --metric revenue (warehouse) or --csv FILE with --date-col and "
                         "--value-col.")
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)


def _usage(message: str) -> Exception:
    from shoplens.data.errors import UserInputError

    return UserInputError(message)


def _csv_form(path: Path, id_col: str | None, date_col: str, value_col: str, x_cols: list[str], horizon: int,
              freq: str | None, dayfirst: bool | None, fill: str, model: str, level: list[int], windows: int,
              lstm: str, jobs: int, seed: int, as_json: bool) -> None:
    from shoplens.forecasting.core import forecast as run_forecast
    from shoplens.forecasting.inputs import read_csv_series

    df, read_warnings = read_csv_series(path, date_col=date_col, value_col=value_col, id_col=id_col,
                                        regressor_cols=x_cols, dayfirst=dayfirst)
    result = run_forecast(df, horizon, model, tuple(level), freq=freq, regressors=x_cols, fill=fill,
                          n_windows=windows, lstm=lstm, n_jobs=jobs, seed=seed, calendar=True)
    payload = result.to_dict()
    if read_warnings:
        payload["warnings"] = read_warnings
    if as_json:
        common.print_json(payload)
        return
    for w in read_warnings:
        common.err.print(common.styled("Warning:", w, "yellow"))
    for s in result.series:
        _print_series(s.uid, s, None)
    for uid, msg in result.errors.items():
        common.err.print(common.styled(f"{uid}:", msg, "bold red"))


def _warehouse_form(metric: str, filters: dict[str, list[str]], grain: str, horizon: int, model: str,
                    level: list[int], db: Path | None, seed: int, as_json: bool) -> None:
    from shoplens.tools.context import ToolContext
    from shoplens.tools.forecast import ForecastTool

    s = common.settings(db=db)
    if not s.db_path.exists():
        from shoplens.data.errors import DataError

        raise DataError(f"No warehouse at {s.db_path}.", hint="Build the demo with `shoplens data demo` or pass --db.")
    ctx = ToolContext.open(s.db_path, s.charts_path, timeout_s=s.sql_timeout_s, row_cap=s.sql_row_cap,
                           memory_limit=s.sql_memory_limit, threads=s.sql_threads)
    try:
        out = ForecastTool.from_context(ctx, seed=seed).run(metric, filters, grain, horizon, model, level)
    finally:
        ctx.close()
    if as_json:
        data = out.to_dict()
        facts = out.facts
        data["series"] = [{
            "unique_id": facts.get("series"),
            "model": facts.get("model", {}).get("name"),
            "model_description": facts.get("model", {}).get("description"),
            "why": facts.get("model", {}).get("why"),
            "forecast": facts.get("forecast_rows", []),
            "leaderboard": facts.get("leaderboard", []),
            "regressors": facts.get("regressors", []),
            "warnings": out.warnings,
        }]
        common.print_json(data)
        return
    common.out.print(out.summary, markup=False)
    unit = out.facts.get("value_unit") or "number"
    fc = out.tables[0]
    _print_table(fc.title, fc.columns, fc.rows, {c: unit for c in fc.columns[1:]})
    board = out.tables[1]
    cols = {"model": "model", "MASE": "MASE", "WAPE rate": "WAPE", "80% coverage rate": "80% cov.",
            "95% coverage rate": "95% cov."}
    keep = [i for i, c in enumerate(board.columns) if c in cols]
    _print_table(board.title, [cols[board.columns[i]] for i in keep], [[r[i] for i in keep] for r in board.rows],
                 BOARD_UNITS)
    for c in out.charts:
        common.err.print(f"Chart: {c.path}")
    for q in out.sql[:1]:
        common.err.print(f"SQL: {q}", markup=False)


def _print_series(uid: str, s: Any, _: Any) -> None:
    from shoplens.forecasting.facts import describe
    from shoplens.tools.formatting import format_value

    common.out.print(common.styled(uid, style="bold"))
    for line in describe(s.facts, fmt=lambda v: format_value(v, "number")):
        common.out.print(line, markup=False)
    fc = s.forecast
    rows = [[r[0].date().isoformat(), *r[1:]] for r in fc.itertuples(index=False)]
    _print_table("Forecast", list(fc.columns), rows, {c: "number" for c in fc.columns[1:]})
    board = [[f"{r.get('candidate')} *" if r.get("candidate") == s.candidate else r.get("candidate"), r.get("mase"),
              _fraction(r.get("wape")), _fraction(r.get("coverage-80")), _fraction(r.get("coverage-95"))]
             for r in s.leaderboard]
    _print_table("Backtest leaderboard (lower MASE is better; * chosen)",
                 ["model", "MASE", "WAPE", "80% cov.", "95% cov."], board, BOARD_UNITS)
    for w in s.warnings + s.notes:
        common.err.print(common.styled("Note:", w, "yellow"))


#: units of the leaderboard columns as printed (WAPE and coverage are fractions: 0.088 is 8.8%)
BOARD_UNITS = {"MASE": "ratio", "WAPE": "percent", "80% cov.": "percent", "95% cov.": "percent"}
#: the widest the model column gets; the leaderboard fits 80 columns
MODEL_WIDTH = 30


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def _print_table(title: str, columns: list[str], rows: list[list[Any]], units: dict[str, str] | None = None) -> None:
    """A table whose numbers are written by the shared formatter (``tools/formatting.py``) with each column's unit."""
    from rich.table import Table

    from shoplens.tools.formatting import format_value

    units = units or {}
    table = Table(title=title, title_justify="left")
    for c in columns:
        numeric = str(c) in units
        table.add_column(str(c), justify="right" if numeric else "left", no_wrap=True,
                         overflow="ellipsis", max_width=None if numeric else MODEL_WIDTH)
    for r in rows:
        table.add_row(*["" if v is None else format_value(v, units[str(c)]) if str(c) in units and
                        isinstance(v, int | float) else str(v) for c, v in zip(columns, r, strict=False)])
    common.out.print(table)


def _batch_form(metric: str, level: str, grain: str, horizon: int, model: str, jobs: int, seed: int,
                db: Path | None, as_json: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from shoplens.agent.engine import open_engine
    from shoplens.tools.context import ToolContext
    from shoplens.tools.forecast_batch import BatchForecast

    s = common.settings(db=db)
    if s.engine == "duckdb" and not s.db_path.exists():
        from shoplens.data.errors import DataError

        raise DataError(f"No warehouse at {s.db_path}.", hint="Build the demo with `shoplens data demo` or pass --db.")
    engine = open_engine(s)  # Spark: the query and the forecasts (applyInPandas per series) run there
    ctx = ToolContext.open(s.db_path, s.charts_path, timeout_s=max(s.sql_timeout_s, 120), row_cap=5_000_000,
                           memory_limit=s.sql_memory_limit, threads=s.sql_threads, engine=engine)
    try:
        batch = BatchForecast(ctx.runner, ctx.semantic, s.results_path, n_jobs=jobs, seed=seed,
                              spark=getattr(engine, "spark", None))
        with Progress(TextColumn("forecasting {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=common.err, transient=as_json, disable=as_json) as bar:
            task = bar.add_task(f"{metric} by {level}", total=None)
            result = batch.run(metric, level, grain, horizon, model,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        ctx.close()
    summary = {"run_id": result.run_id, "metric": result.metric, "level": result.level, "grain": result.grain,
               "series": result.n_series, "failed": result.failed, "models": result.chosen, "rows": result.rows,
               "seconds": round(result.seconds, 1), "results_store": str(result.results_path),
               "warnings": result.warnings}
    if as_json:
        common.print_json(summary)
        return
    for w in result.warnings:
        common.err.print(common.styled("Note:", w, "yellow"))
    common.out.print(f"Forecast {result.n_series} {result.level} series ({result.grain}ly, {horizon} ahead) in "
                     f"{result.seconds:.1f} s; run {result.run_id}.", markup=False)
    common.out.print("Models chosen: " + ", ".join(f"{k} {v}" for k, v in sorted(result.chosen.items(),
                                                                             key=lambda kv: -kv[1])), markup=False)
    if result.failed:
        common.err.print(common.styled("Not forecast:", f"{len(result.failed)} series (first: "
                                       f"{next(iter(result.failed.items()))[1]})", "yellow"))
    common.out.print(f"Saved {result.rows} rows to the forecasts table of {result.results_path}.", markup=False)
