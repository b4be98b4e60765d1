"""`shoplens alerts ...` and `shoplens digest`: trend alerts from the command line (for cron users and checks)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common

alerts_app = typer.Typer(help="Trend alerts: monitors, the default watch, backtests, acknowledgements.",
                         no_args_is_help=True)
DB_HELP = "Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
    app.command("digest")(digest)


def _date(text: str | None, flag: str) -> dt.date | None:
    from shoplens.data.errors import UserInputError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{flag} {text!r} is not a date.", hint="Write it as YYYY-MM-DD.") from None


def _runner(db: Path | None) -> Any:
    from shoplens.tools.sql import SqlRunner

    s = common.settings(db=db)
    return SqlRunner(s.db_path, timeout_s=max(s.sql_timeout_s, 120.0), row_cap=s.sql_row_cap,
                     memory_limit=s.sql_memory_limit, threads=s.sql_threads)


def _events() -> list[Any]:
    from shoplens.data.semantic import SemanticLayer

    return SemanticLayer.load(None).events


@alerts_app.command("backtest")
def backtest(
    start: str = typer.Option(..., "--start", help="First day replayed (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--end", help="Last day replayed (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"alerts": [...], "days": N}.'),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Replay the default watch day by day, as if each day were today (only data up to that day is used)."""
    from shoplens.data.errors import ShopLensError
    from shoplens.tools.alerts.backtest import backtest as run

    try:
        a, b = _date(start, "--start"), _date(end, "--end")
        assert a is not None and b is not None
        with _runner(db) as runner:
            result = run(runner, _events(), a, b)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(result)
        return
    for alert in result["alerts"]:
        common.out.print(common.styled(f"{alert['date']} [{alert['severity']}]", f"{alert['title']} "
                                       f"(${alert['impact']:,.0f} at stake)"))
    common.err.print(f"{len(result['alerts'])} alert(s) over {result['days']} day(s) in {result['elapsed_s']} s")


def digest(
    period: str = typer.Option("day", "--period", help="day | week"),
    date: str | None = typer.Option(None, "--date", help="The day the digest is for (default: the last data day)."),
    as_json: bool = typer.Option(False, "--json", help="Print the digest as JSON."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A daily or weekly briefing: KPIs against the previous period and last year, top movers, open incidents."""
    common.fail("The digest is not available yet.", 2, as_json=as_json)
