"""`shoplens eval`: ask the evaluation set offline, check every answer against independent SQL, report accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_)


def eval_(
    db: Path | None = typer.Option(None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens). The set "
                                   "names the demo shop's products and events: build one with `shoplens data demo`."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (per kind, failures)."),
    kind: list[str] | None = typer.Option(None, "--kind", "-k", help="Only questions of this kind (repeatable): "
                                          "figure, breakdown, top, compare, trend, chart, forecast, reviews, "
                                          "anomalies, why, clarify, refuse, describe, followup."),
    question_id: list[str] | None = typer.Option(None, "--id", help="Only the question with this id (repeatable)."),
    show_failures: bool = typer.Option(False, "--show-failures", "-f", help="List each failure: question, "
                                       "expected, got."),
    skip_slow: bool = typer.Option(False, "--skip-slow", help="Skip the slow questions (forecasts, ~15 s each)."),
    eval_set: str = typer.Option("demo", "--set", help="Which set: demo (English), zh (Chinese) or retail (a generated online-retail export, imported); see evals/sets.yaml."),
    split: str = typer.Option("all", "--split", help="tuned, heldout or all (the held-out split is never tuned on)."),
    questions: Path | None = typer.Option(None, "--questions", help="A YAML file of questions instead of a set."),
    min_accuracy: float | None = typer.Option(None, "--min-accuracy", help="Exit with code 1 when overall accuracy "
                                              "is below this fraction (e.g. 0.9), for CI."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Evaluate the offline planner: ask every question of the set (no LLM), compare each answer's facts with
    hand-written SQL on the raw tables, and print the accuracy per kind of question."""
    from shoplens.agent.eval_warehouse import prepare
    from shoplens.agent.evaluation import eval_sets, load_questions, load_set, run_eval
    from shoplens.data.errors import ShopLensError

    s = common.settings(db=db)
    spec = {} if questions else eval_sets().get(eval_set, {})
    truth = None
    if isinstance(spec.get("warehouse"), dict):  # a fixture: generated, imported, with its own truth
        try:
            s, truth = prepare(s, spec, progress=None if quiet or as_json else common.err.print)
        except ShopLensError as exc:
            common.fail(str(exc), exc.exit_code, as_json=as_json)
            return
    elif not s.db_path.exists():
        common.fail(f"No warehouse at {s.db_path}. Build the demo shop first, e.g. "
                    f"`shoplens data demo --scale 0.2 --seed 42 --path {s.db_path}` (about 5 s), then rerun "
                    "`shoplens eval` (with --db if you chose another path).", 2, as_json=as_json)
    try:
        qs = load_questions(questions) if questions else load_set(eval_set, split)
        known = sorted({q.kind for q in qs})
        bad = sorted(set(kind or ()) - set(known))
        if bad:
            common.fail(f"Unknown kind(s): {', '.join(bad)}. The set has: {', '.join(known)}.", 2, as_json=as_json)
        selected = [q for q in qs if (not kind or q.kind in kind) and (not question_id or q.id in question_id)
                    and not (skip_slow and q.slow)]
        with _progress(quiet or as_json) as bar:
            task = bar.add_task("Evaluating", total=len(selected))
            report = run_eval(s.replace(llm_base_url=None), qs, kinds=kind, ids=question_id,
                              include_slow=not skip_slow, on_result=lambda r: bar.advance(task), truth=truth)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code, as_json=as_json)
        return
    if as_json:
        common.print_json(report.to_dict())
    else:
        _print_report(report, show_failures)
    if min_accuracy is not None and report.accuracy < min_accuracy:
        if not as_json:
            common.err.print(f"Accuracy {report.accuracy:.1%} is below {min_accuracy:.1%}.", style="bold red")
        raise typer.Exit(1)


def _progress(quiet: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=common.err, disable=quiet, transient=True)


def _print_report(report: Any, show_failures: bool) -> None:
    from rich.table import Table

    splits = report.splits() or ["tuned"]
    parts = {s: report.of_split(s) for s in splits}
    table = Table(title="Offline planner accuracy", show_footer=True)
    table.add_column("Kind", footer="overall")
    for s in splits:
        sub = parts[s]
        table.add_column(f"{s} (n)", justify="right", footer=str(sub.total))
        table.add_column(f"{s} passed", justify="right", footer=str(sub.passed))
        table.add_column(f"{s} accuracy", justify="right", footer=_pct(sub.accuracy, sub.total))
    kinds = sorted({k for sub in parts.values() for k in sub.per_kind()})
    for name in kinds:
        cells: list[Any] = [name]
        for s in splits:
            row = parts[s].per_kind().get(name)
            cells += [str(row["total"]), str(row["passed"]), _pct(row["accuracy"], row["total"])] if row else \
                ["", "", ""]
        table.add_row(*cells)
    common.out.print(table)
    notes = [f"{report.elapsed_s:.0f} s"]
    if report.skipped:
        notes.append(f"{len(report.skipped)} slow question(s) skipped")
    if report.failures and not show_failures:
        notes.append("--show-failures lists what went wrong")
    common.err.print("; ".join(notes) + ".")
    if show_failures and report.failures:
        from rich.markup import escape

        for cause, results in report.by_cause().items():
            common.out.print(f"\n[bold]{escape(cause)}[/] ({len(results)})", markup=True)
            for r in results:
                common.out.print(f"  [bold]{escape(r.id)}[/] {escape(f'[{r.kind}]')} {escape(r.question)}  [dim]{escape(r.detail)}[/]",
                                 markup=True)
                common.out.print(f"      expected: {_short(r.expected)}", markup=True)
                common.out.print(f"      got:      {_short(r.got)}", markup=True)
                common.out.print(f"      answer:   {_context(r)}", markup=True)


def _pct(value: float, total: int) -> Any:
    from rich.text import Text

    if not total:
        return "-"
    colour = "green" if value >= 0.9 else "yellow" if value >= 0.75 else "red"
    return Text(f"{value:.1%}", style=colour)


def _short(value: Any, limit: int = 220) -> str:
    from rich.markup import escape

    text = "" if value is None else " ".join(str(value).split())
    return escape(text if len(text) <= limit else text[: limit - 3] + "...")


def _context(r: Any) -> str:
    from rich.markup import escape

    period = (r.answer_period or {}).get("label")
    bits = [f"kind={r.answer_kind}"] + ([f"period={period}"] if period else [])
    if r.answer_filters:
        bits.append(f"filters={r.answer_filters}")
    return "[dim]" + escape("; ".join(bits)) + "[/]"
