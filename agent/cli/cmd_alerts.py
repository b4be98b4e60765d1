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


def _context(db: Path | None) -> Any:
    from contextlib import closing

    from shoplens.tools.context import ToolContext

    s = common.settings(db=db)
    return closing(ToolContext.open(s.db_path, s.charts_path, timeout_s=max(s.sql_timeout_s, 120.0), row_cap=s.sql_row_cap,
                            memory_limit=s.sql_memory_limit, threads=s.sql_threads))


def _store(db: Path | None = None) -> Any:
    from shoplens.tools.alerts.state import StateStore

    return StateStore(common.settings(db=db).alerts_state)


def _config() -> Any:
    from shoplens.tools.alerts.monitors import load_monitors

    return load_monitors(common.settings().alerts_monitors)


@alerts_app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="Evaluate once and exit (for cron; required: scheduled runs "
                              "happen inside the server)."),
    date: str | None = typer.Option(None, "--date", help="Evaluate as of this day (default: the last data day)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run's result as JSON."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Evaluate the default watch and every monitor as of a day, record incidents and deliver (never twice)."""
    from shoplens.agent.frontends.alert_delivery import senders
    from shoplens.data.errors import ShopLensError
    from shoplens.tools.alerts.engine import run_once

    if not once:
        common.fail("Scheduled runs happen inside the server (`shoplens ui` or `shoplens slack`); from cron use "
                    "`shoplens alerts run --once`.", 2, as_json=as_json)
    try:
        day = _date(date, "--date")
        config = _config()
        with _context(db) as ctx, _store(db) as store:
            result = run_once(ctx, config, store, min(day or ctx.as_of, ctx.as_of), senders(common.settings()),
                              common.settings().charts_path)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(result)
        return
    for a in result["opened"]:
        common.out.print(common.styled(f"NEW [{a['severity']}]", f"{a['title']} (${a['impact']:,.0f} at stake; "
                                       f"incident {a['incident']})"))
    for w in result["warnings"] + result.get("errors", []):
        common.err.print(common.styled("Warning:", w, "yellow"))
    common.err.print(f"{result['date']}: {len(result['opened'])} new, {len(result['updated'])} updated incident(s); "
                     f"{result['sent']} message(s) sent, {result['failed']} failed")


@alerts_app.command("list")
def list_(
    status: str | None = typer.Option(None, "--status", help="open | acked | closed"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: monitors and incidents."),
) -> None:
    """List the configured monitors and the latest incidents."""
    from shoplens.data.errors import ShopLensError

    try:
        config = _config()
        with _store() as store:
            incidents = store.incident_rows(status)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json({"monitors": [m.model_dump(mode="json") for m in config.monitors],
                           "default_watch": config.default_watch, "incidents": incidents})
        return
    common.out.print(f"Default watch: {'on' if config.default_watch else 'off'} -> {', '.join(config.default_channels)}")
    for m in config.monitors:
        common.out.print(common.styled(f"monitor {m.name}:", f"{m.metric} {m.filters or ''} {m.condition.type} "
                                       f"[{m.schedule}] -> {', '.join(m.channels)}"))
    for i in incidents:
        common.out.print(common.styled(f"{i['id']} {i['status']:7s} {i['date']}..{i['last_seen']}",
                                       f"[{i['severity']}] {i['title']}"))


@alerts_app.command("add")
def add(
    spec: str = typer.Argument(..., help="Plain words ('alert me in #sales when Aurora X2 returns go above 8%') or YAML/JSON, e.g. '{name: aurora returns, metric: return_rate,"
                               " filters: {product: Aurora X2 Wireless Earbuds}, condition: {type: threshold, value: "
                               "0.08}, channels: [\"slack:#sales\"]}'"),
    yes: bool = typer.Option(False, "--yes", help="Save without asking."),
) -> None:
    """Add (or replace) a monitor or digest in monitors.yaml, from YAML or plain words, after showing it."""
    import yaml

    from shoplens.data.errors import ShopLensError, UserInputError
    from shoplens.tools.alerts.monitors import DigestSpec, parse_monitor, save_monitors
    from shoplens.tools.alerts.words import is_request, monitor_from_words

    try:
        if is_request(spec):  # plain words (read before YAML, where '#sales' would start a comment)
            with _context(None) as ctx:
                monitor = monitor_from_words(spec, ctx.semantic)
        else:
            try:
                data = yaml.safe_load(spec)
            except yaml.YAMLError:
                data = None
            if not isinstance(data, dict):
                raise UserInputError("Give the monitor as a YAML/JSON mapping or in plain words ('alert me in "
                                     "#sales when Aurora X2 returns go above 8%').", hint="See docs/alerts.md.")
            monitor = parse_monitor(data)
        common.out.print(yaml.safe_dump(monitor.model_dump(mode="json"), sort_keys=False).rstrip())
        if not yes and not typer.confirm("Save this?", default=True):
            raise typer.Exit(1)
        config = _config()
        if isinstance(monitor, DigestSpec):
            config.digests = [d for d in config.digests if d.name != monitor.name] + [monitor]
        else:
            config.monitors = [m for m in config.monitors if m.name != monitor.name] + [monitor]
        save_monitors(common.settings().alerts_monitors, config)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code)
    common.err.print(f"Saved {monitor.name!r} to {common.settings().alerts_monitors.name}.")


@alerts_app.command("test")
def test(
    name: str = typer.Argument(..., help="Monitor name."),
    date: str | None = typer.Option(None, "--date", help="As of this day (default: the last data day)."),
    as_json: bool = typer.Option(False, "--json"),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Evaluate one monitor now and show what it would send (nothing is recorded or sent)."""
    from shoplens.data.errors import ShopLensError
    from shoplens.tools.alerts.engine import detect

    try:
        config = _config()
        monitor = config.monitor(name)
        config = config.model_copy(update={"monitors": [monitor], "default_watch": False})
        with _context(db) as ctx:
            day = min(_date(date, "--date") or ctx.as_of, ctx.as_of)
            findings, _, warnings = detect(ctx, config, day)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    result = {"monitor": name, "date": day.isoformat(), "fires": bool(findings),
              "findings": [f.to_dict() for f in findings], "warnings": warnings}
    if as_json:
        common.print_json(result)
        return
    common.out.print(f"{name} on {day}: " + ("fires" if findings else "quiet"))
    for f in findings:
        common.out.print(f"  {f.title}")


@alerts_app.command("ack")
def ack(incident: str = typer.Argument(..., help="Incident id."),
        by: str = typer.Option("cli", "--by", help="Who acknowledges.")) -> None:
    """Acknowledge an incident: no more updates are sent for it."""
    with _store() as store:
        if not store.ack(incident, by):
            common.fail(f"No open incident {incident!r}.", 2)
    common.err.print(f"Incident {incident} acknowledged.")


@alerts_app.command("snooze")
def snooze(incident: str = typer.Argument(..., help="Incident id."),
           days: int = typer.Option(1, "--days", min=1, max=365, help="Snooze for this many days."),
           date: str | None = typer.Option(None, "--date", help="Counting from this day (default: today).")) -> None:
    """Snooze an incident: no updates are sent for it until the snooze ends."""
    start = _date(date, "--date") or dt.date.today()
    until = start + dt.timedelta(days=days)
    with _store() as store:
        if not store.snooze(incident, until):
            common.fail(f"No open incident {incident!r}.", 2)
    common.err.print(f"Incident {incident} snoozed until {until.isoformat()}.")


def digest(
    period: str = typer.Option("day", "--period", help="day | week"),
    date: str | None = typer.Option(None, "--date", help="The last day the digest covers (default: the last data "
                                    "day)."),
    as_json: bool = typer.Option(False, "--json", help="Print the digest as JSON."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A daily or weekly briefing: KPIs against the previous period and last year, top movers, open incidents."""
    from shoplens.data.errors import ShopLensError
    from shoplens.tools.alerts.digest import digest as make

    try:
        day = _date(date, "--date")
        with _store(db) as store:
            incidents = store.incident_rows("open")
        with _context(db) as ctx:
            result = make(ctx, period, day, incidents, common.settings().charts_path)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(result)
        return
    for line in result["text"]:
        common.out.print(line)
    for name, k in result["kpis"].items():
        common.out.print(f"  {name:12s} {k['value'] if k['value'] is not None else 'n/a'!s:>14}  "
                         f"vs previous {_pct(k['vs_previous'])}  vs last year {_pct(k['vs_last_year'])}")
    if result["chart"]:
        common.err.print(f"Chart: {result['chart']}")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f}%"
