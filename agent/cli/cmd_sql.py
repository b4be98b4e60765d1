"""`shoplens sql` and `shoplens schema`: the warehouse through the locked-down runner."""

from __future__ import annotations

from pathlib import Path

import typer

from shoplens.agent.cli import common


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)
    app.command("schema")(schema)


def _runner(db: Path | None):  # noqa: ANN202
    from shoplens.agent.engine import open_engine
    from shoplens.tools.sql import SqlRunner

    s = common.settings(db=db)
    return SqlRunner(s.db_path, timeout_s=s.sql_timeout_s, row_cap=s.sql_row_cap,
                     memory_limit=s.sql_memory_limit, threads=s.sql_threads, engine=open_engine(s))


def sql(
    query: str | None = typer.Argument(None, help="One SELECT statement, or '-' to read it from stdin."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the statement from this file ('-' = stdin); "
                                     "for SQL too long for the command line."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (rows, columns, sql, elapsed_ms)."),
    max_rows: int = typer.Option(50, "--max-rows", help="Rows to print in the table view."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."),
) -> None:
    """Run one read-only SQL query on the warehouse (locked down: no writes, no files, time, memory and row
    limits). `shoplens sql - < query.sql` or `--file query.sql` read it from stdin or a file."""
    from shoplens.data.errors import ShopLensError

    try:
        query = _statement(query, file)
        with _runner(db) as runner:
            res = runner.run(query)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(res.to_dict())
        return
    from rich.table import Table

    table = Table(show_lines=False)
    for col in res.columns:
        table.add_column(col, overflow="fold")
    for row in res.rows[:max_rows]:
        table.add_row(*[_fmt(v) for v in row])
    common.out.print(table)
    more = f", showing {max_rows}" if res.row_count > max_rows else ""
    trunc = f" (truncated at the {res.row_count:,}-row cap)" if res.truncated else ""
    common.err.print(f"{res.row_count:,} row(s){more}{trunc} in {res.elapsed_ms:.0f} ms")


def _statement(query: str | None, file: Path | None) -> str:
    """The SQL from the argument, a file or stdin (exactly one of them)."""
    import sys

    from shoplens.data.errors import UserInputError
    from shoplens.tools.sql import MAX_SQL_CHARS

    if (query is None) == (file is None):
        raise UserInputError("Give the SQL either as an argument or with --file FILE ('-' reads stdin).",
                             hint="Example: shoplens sql \"SELECT count(*) FROM orders\"")
    if file is None and query != "-":
        return query or ""
    source = "-" if file is None else str(file)
    try:
        if source == "-":
            text = sys.stdin.read(MAX_SQL_CHARS + 1)
        else:
            with open(source, encoding="utf-8") as fh:
                text = fh.read(MAX_SQL_CHARS + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UserInputError(f"Cannot read the SQL from {source}: {reason}.",
                             hint="Pass a readable UTF-8 text file, or '-' for stdin.") from None
    if len(text) > MAX_SQL_CHARS:
        raise UserInputError(f"The SQL is longer than {MAX_SQL_CHARS:,} characters.",
                             hint="Send one SELECT of reasonable size.")
    return text


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.2f}"
    return str(v)


def schema(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file."),
) -> None:
    """Print the warehouse tables and the semantic layer (metrics, dimensions, calendar events)."""
    from shoplens.agent.engine import open_engine
    from shoplens.tools.context import ToolContext

    s = common.settings(db=db)
    ctx = ToolContext.open(s.db_path, s.charts_path, timeout_s=s.sql_timeout_s, engine=open_engine(s))
    try:
        counts = {t: int(ctx.runner.scalar(f'SELECT count(*) FROM "{t}"')) for t in ctx.runner.catalog}
        sem = ctx.semantic
        if as_json:
            common.print_json({
                "as_of": ctx.as_of.isoformat(),
                "tables": {t: {"rows": counts[t], "columns": dict(cols)} for t, cols in ctx.runner.catalog.items()},
                "metrics": {m.name: {"label": m.label, "unit": m.unit, "description": m.description,
                                     "synonyms": list(m.synonyms)} for m in sem.metrics.values()},
                "hidden_metrics": sem.hidden,
                "dimensions": {d.name: {"label": d.label, "values": d.values} for d in sem.dimensions.values()},
                "events": [{"name": e.name, "label": e.label} for e in sem.events],
            })
            return
        from rich.table import Table

        t = Table(title=f"Warehouse {s.db_path} (data as of {ctx.as_of})")
        t.add_column("table")
        t.add_column("rows", justify="right")
        t.add_column("columns")
        for name, cols in ctx.runner.catalog.items():
            t.add_row(name, f"{counts[name]:,}", ", ".join(f"{c} {ty.lower()}" for c, ty in cols))
        common.out.print(t)
        common.out.print(sem.describe())
        if sem.hidden:
            common.out.print("Hidden metrics: " + "; ".join(f"{k} ({v})" for k, v in sem.hidden.items()))
    finally:
        ctx.close()
