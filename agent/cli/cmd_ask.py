"""`shoplens ask "QUESTION"` (one answer, or the Answer contract as JSON) and `shoplens chat` (a conversation).

Both go through the Analyst (LLM agent when configured and reachable, else the offline planner) and only translate
its events: steps as they finish, then the answer, tables, chart paths and the SQL. A session's follow-up context
is kept in ``<home>/sessions/<id>.json`` so `shoplens ask --session ID` can continue a conversation across runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shoplens.agent.cli import common

if TYPE_CHECKING:
    from rich.console import Console

    from shoplens.agent.analyst import Analyst
    from shoplens.agent.events import Answer, Event
    from shoplens.agent.sessions import Session

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SESSION_TTL_S = 7 * 24 * 3600
TABLE_ROWS = 15
EXIT_WORDS = {"exit", "quit", "bye", ":q", "q"}
NEW_WORDS = {"new", "reset", "/new", "/reset"}


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)


# --- commands ------------------------------------------------------------------------------------------------
def ask(
    question: str = typer.Argument(..., help='The question, e.g. "revenue last month by channel".'),
    as_json: bool = typer.Option(False, "--json", help="Print the Answer contract as JSON."),
    session: str | None = typer.Option(
        None,
        "--session",
        help="Continue a conversation (follow-ups such as "
        "'and for Beauty?'); the id is printed after each answer.",
    ),
    show_sql: bool = typer.Option(True, "--sql/--no-sql", help="Show the SQL that produced the numbers."),
    db: Path | None = typer.Option(
        None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."
    ),
) -> None:
    """Ask one question about the shop's data and print the answer (tables, chart paths, SQL)."""
    from shoplens.agent.analyst import Analyst
    from shoplens.data.errors import UserInputError

    if session is not None and not SESSION_ID.match(session):
        common.fail(
            str(UserInputError("A session id is 1-64 letters, digits, '-' or '_'.")), 2, as_json=as_json
        )
    s = common.settings(db=db)
    analyst = Analyst(s)
    store = SessionFiles(Path(s.home) / "sessions")
    sess = analyst.sessions.get(session, create=True)
    store.load(sess)
    try:
        if as_json:
            answer = analyst.ask(question, sess.id)
            common.print_json(answer.to_dict())
        else:
            answer = stream_answer(analyst, question, sess.id, common.out, show_sql=show_sql)
            common.err.print(f'Follow up with: shoplens ask "..." --session {sess.id}', style="dim")
        store.save(sess)
    finally:
        analyst.close()
    if not answer.answer:
        raise typer.Exit(1)


def chat(
    show_sql: bool = typer.Option(False, "--sql/--no-sql", help="Show the SQL under each answer."),
    db: Path | None = typer.Option(
        None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."
    ),
) -> None:
    """A conversation in the terminal: follow-ups keep their context. 'new' starts over; 'exit' or Ctrl-D quits."""
    from shoplens.agent.analyst import Analyst
    from shoplens.data.errors import ShopLensError

    with contextlib.suppress(ImportError):  # arrow keys and history for input() where readline exists
        import readline  # noqa: F401
    s = common.settings(db=db)
    analyst = Analyst(s)
    console = common.out
    try:
        status = analyst.status()
        mode = "LLM" if status["mode"] == "llm" else "offline planner"
        console.print(
            f"[bold]ShopLens[/] — data {status['warehouse']['first_date']} to "
            f"{status['warehouse']['as_of']}, answering with the {mode}.\n"
            "[dim]Ask a question; 'new' starts a new conversation, 'exit' or Ctrl-D quits.[/]",
            markup=True,
        )
    except ShopLensError as exc:
        analyst.close()
        common.fail(str(exc), exc.exit_code)
    session = analyst.sessions.new()
    history: list[str] = []
    try:
        while True:
            try:
                question = console.input("[bold cyan]you ›[/] ").strip()
            except EOFError:
                console.print()
                break
            except KeyboardInterrupt:
                console.print("[dim](Ctrl-D or 'exit' to quit)[/]", markup=True)
                continue
            if not question:
                continue
            word = question.lower()
            if word in EXIT_WORDS:
                break
            if word in NEW_WORDS:
                analyst.sessions.drop(session.id)
                session = analyst.sessions.new()
                history.clear()
                console.print("[dim]New conversation.[/]", markup=True)
                continue
            if word in {"history", "/history"}:
                for i, q in enumerate(history, 1):
                    console.print(common.styled(f"{i}.", q, "dim"))
                continue
            history.append(question)
            try:
                stream_answer(analyst, question, session.id, console, show_sql=show_sql, footer=False)
            except KeyboardInterrupt:
                console.print("[dim]Stopped.[/]", markup=True)
            console.print()
    finally:
        analyst.close()


# --- rendering -------------------------------------------------------------------------------------------
def stream_answer(
    analyst: Analyst,
    question: str,
    session_id: str | None,
    console: Console,
    *,
    show_sql: bool = True,
    footer: bool = True,
) -> Answer:
    """Print steps as they finish, then the answer; returns the Answer."""
    from shoplens.agent.events import FinalAnswer, StepFinished

    answer = None
    with console.status("[dim]thinking…[/]", spinner="dots") if console.is_terminal else _Null():
        for event in analyst.stream(question, session_id):
            if isinstance(event, StepFinished):
                console.print(step_line(event), markup=True, highlight=False)
            elif isinstance(event, FinalAnswer):
                answer = event.answer
    assert answer is not None
    render_answer(answer, console, show_sql=show_sql, footer=footer)
    return answer


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def step_line(event: Event) -> str:
    from rich.markup import escape

    ok = getattr(event, "ok", True)
    mark = "[green]✓[/]" if ok else "[red]✗[/]"
    line = f"[dim]{mark} {escape(event.tool)} · {event.elapsed_ms:.0f} ms[/]"  # type: ignore[union-attr]
    if not ok and getattr(event, "error", None):
        line += f" [red]{escape(str(event.error)[:200])}[/]"  # type: ignore[union-attr]
    return line


def render_answer(answer: Answer, console: Console, *, show_sql: bool = True, footer: bool = True) -> None:
    """The answer for a person: markdown text, tables, chart files, warnings, then the SQL (dimmed)."""
    from rich.markdown import Markdown
    from rich.markup import escape

    console.print(Markdown(answer.answer or "_(no answer)_"), soft_wrap=False)  # list items wrap, never cropped
    for table in answer.tables[:3]:
        console.print(rich_table(table))
    for chart in answer.charts:
        console.print(
            f"[bold]Chart:[/] {escape(chart.title)} → [link=file://{chart.path}]{escape(chart.path)}[/]"
            f" [dim](data: {escape(chart.data)})[/]",
            markup=True,
        )
    for warning in answer.warnings:
        console.print(common.styled("⚠", warning, "yellow"))
    if show_sql and answer.sql:
        for sql in answer.sql:
            console.print(pretty_sql(sql), style="dim", markup=False, highlight=False)
    if footer:
        console.print(f"[dim]{answer.mode} · {answer.elapsed_ms:.0f} ms[/]", markup=True)


def pretty_sql(sql: str) -> str:
    """The SQL laid out over several lines for reading (the text that ran is unchanged in --json)."""
    try:
        import sqlglot

        return sqlglot.transpile(sql, read="duckdb", write="duckdb", pretty=True)[0]
    except Exception:  # noqa: BLE001 - display only: show it as it ran
        return sql


def rich_table(table: Any) -> Any:
    from rich.table import Table

    t = Table(title=table.title, title_justify="left", title_style="bold", show_lines=False)
    from shoplens.tools.formatting import fraction_column

    pct_cols = {i for i, c in enumerate(table.columns) if "%" in c or fraction_column(c)}
    for i, col in enumerate(table.columns):
        numeric = any(isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in table.rows[:20])
        t.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    for row in table.rows[:TABLE_ROWS]:
        t.add_row(*[cell_text(v, i in pct_cols) for i, v in enumerate(row)])
    total = table.total_rows or len(table.rows)
    if total > TABLE_ROWS:
        t.caption = f"{TABLE_ROWS} of {total:,} rows"
    return t


def cell_text(value: Any, percent: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if percent and abs(value) <= 10:
            return f"{value * 100:,.1f}%"
        if value == int(value) and abs(value) >= 1:
            return f"{value:,.0f}"
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# --- sessions that outlive one `shoplens ask` ----------------------------------------------------------------
class SessionFiles:
    """Keeps a session's follow-up context (the offline planner's last plan, recent turns) between CLI runs."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, session_id: str) -> Path | None:
        return self.folder / f"{session_id}.json" if SESSION_ID.match(session_id) else None

    def load(self, session: Session) -> None:
        path = self._path(session.id)
        if path is None or not path.exists():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            session.turns = [tuple(t) for t in data.get("turns", [])]  # type: ignore[misc]
            for key in ("last_plan", "pending_clarify"):
                if data.get(key):
                    session.planner_state[key] = plan_from_dict(data[key])
        except (OSError, ValueError, TypeError, KeyError):
            return  # a damaged session file only loses the follow-up context

    def save(self, session: Session) -> None:
        path = self._path(session.id)
        if path is None:
            return
        from shoplens.agent.planner.plan import Plan
        from shoplens.tools.artifacts import jsonable

        data: dict[str, Any] = {
            "id": session.id,
            "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "turns": [list(t) for t in session.turns[-20:]],
        }
        for key in ("last_plan", "pending_clarify"):
            plan = session.planner_state.get(key)
            if isinstance(plan, Plan):
                data[key] = jsonable(dataclasses.asdict(plan))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
            self._prune()
        except OSError:
            return

    def _prune(self) -> None:
        cutoff = time.time() - SESSION_TTL_S
        for old in self.folder.glob("*.json"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                continue


def plan_from_dict(data: dict[str, Any]) -> Any:
    from shoplens.agent.planner.plan import Plan
    from shoplens.tools.artifacts import Period

    def period(p: Any) -> Period | None:
        if not p:
            return None
        return Period(dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]), p["label"])

    known = {f.name for f in dataclasses.fields(Plan)}
    fields = {k: v for k, v in data.items() if k in known}
    fields["period"] = period(fields.get("period"))
    fields["compare_period"] = period(fields.get("compare_period"))
    return Plan(**fields)
