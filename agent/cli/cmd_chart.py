"""`shoplens chart "DESCRIPTION"`: a chart from a description in words, without an LLM.

The offline planner reads the description ("stacked bars of monthly revenue by channel for 2025", "compare Beauty
and Electronics weekly units since March"); whatever it understands as a figure, breakdown, top N or trend is drawn
as a chart. `--json` prints the Answer contract, whose chart entries carry the PNG path, the spec and the CSV.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common
from shoplens.tools.charts.spec import KINDS as SPEC_KINDS

#: plan kinds that become a chart of the same data; the others draw their own chart (forecast, why ...)
AS_CHART = (
    "figure",
    "breakdown",
    "top",
    "trend",
    "compare",
    "chart",
)  # compare by a dimension stays grouped bars
# Kinds a person can force; "auto" is the default and "forecast" comes from the forecast tool.
KINDS = tuple(k for k in SPEC_KINDS if k not in ("auto", "forecast"))


def register(app: typer.Typer) -> None:
    app.command("chart")(chart)


def chart(
    description: str = typer.Argument(..., help='What to draw, e.g. "monthly revenue by channel in 2025".'),
    as_json: bool = typer.Option(
        False, "--json", help="Print the Answer contract (charts carry path, spec, data)."
    ),
    kind: str | None = typer.Option(None, "--kind", help=f"Force a chart kind: {', '.join(KINDS)}."),
    show_sql: bool = typer.Option(False, "--sql/--no-sql", help="Show the SQL behind the chart."),
    db: Path | None = typer.Option(
        None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."
    ),
) -> None:
    """Draw a chart from a description in plain words (offline; no LLM needed)."""
    from shoplens.agent.analyst import build_answer, check_question
    from shoplens.agent.planner import OfflinePlanner
    from shoplens.agent.toolbox import Toolbox
    from shoplens.data.errors import ShopLensError, UserInputError
    from shoplens.tools.context import ToolContext

    start = time.perf_counter()
    s = common.settings(db=db)
    try:
        check_question(description.strip())
        if kind is not None and kind not in KINDS:
            raise UserInputError(f"Unknown chart kind {kind!r}.", hint=f"Use one of: {', '.join(KINDS)}.")
        ctx = ToolContext.open(
            s.db_path,
            s.charts_path,
            timeout_s=s.sql_timeout_s,
            row_cap=s.sql_row_cap,
            memory_limit=s.sql_memory_limit,
            threads=s.sql_threads,
        )
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    try:
        planner = OfflinePlanner(Toolbox(ctx, s))
        plan = chart_plan(planner.plan(description.strip()), kind)
        events = list(planner.executor.run(plan))
        answer = build_answer(description.strip(), "offline", events, (time.perf_counter() - start) * 1000)
    finally:
        ctx.close()
    if as_json:
        common.print_json(answer.to_dict())
    else:
        from shoplens.agent.cli.cmd_ask import render_answer

        render_answer(answer, common.out, show_sql=show_sql)
    if not answer.charts:
        reason = (
            ""
            if plan.kind in ("clarify", "unsupported")
            else ' Try naming a metric and a split or a period, e.g. "weekly revenue by channel since March".'
        )
        if not as_json:
            common.err.print(common.styled("No chart was drawn." + reason, style="yellow"))
        raise typer.Exit(1)


def chart_plan(plan: Any, kind: str | None = None) -> Any:
    """The plan, turned into a chart of the same data when it is a figure, breakdown, top N, trend or comparison."""
    changes: dict[str, Any] = {}
    if plan.kind == "compare" and plan.group_by and not plan.grain:
        pass  # compared by a dimension: drawn as grouped bars, current vs previous
    elif plan.kind in AS_CHART:
        changes["kind"] = "chart"
        if plan.kind == "compare":
            if not plan.grain and not plan.group_by and plan.compare_period is not None:
                # Two periods without a split read best as the trend across both.
                changes["period"] = _span(plan.period, plan.compare_period)
            changes["compare_mode"], changes["compare_period"] = None, None
    if kind:
        changes["chart_kind"] = kind
    return plan.merged(**changes) if changes else plan


def _span(a: Any, b: Any) -> Any:
    from shoplens.tools.artifacts import Period

    if a is None or b is None:
        return a or b
    start, end = min(a.start, b.start), max(a.end, b.end)
    return Period(start, end, f"{b.label} to {a.label}" if b.start < a.start else f"{a.label} to {b.label}")
