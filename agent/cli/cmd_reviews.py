"""`shoplens reviews train|score|insights`: review sentiment and aspects (offline MiniLM model by default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common

reviews_app = typer.Typer(help="Review sentiment and aspects: train the model, score reviews, show insights.",
                          no_args_is_help=True)
BACKENDS = ("auto", "offline", "transformers", "llm", "vader")


def register(app: typer.Typer) -> None:
    app.add_typer(reviews_app, name="reviews")


def _models_dir(s: Any) -> Path:
    return Path(s.home) / "models"


def _train(s: Any, *, quiet: bool = False) -> Any:
    """Train the offline head on the warehouse reviews; returns (backend, report)."""
    from shoplens.tools.reviews.backends import OfflineSentimentBackend
    from shoplens.tools.reviews.scoring import load_training_data

    texts, ratings, dates = load_training_data(s.db_path, memory_limit=s.sql_memory_limit, threads=s.sql_threads)
    with _progress(quiet) as bar:
        task = bar.add_task("Embedding reviews", total=len(texts))
        backend, report = OfflineSentimentBackend.train(
            texts, ratings, _models_dir(s), dates=dates,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    return backend, report


def _progress(quiet: bool):  # noqa: ANN202
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=common.err, disable=quiet, transient=False)


def _backend(s: Any, which: str, *, quiet: bool) -> Any:
    from shoplens.data.errors import ModelUnavailable, UserInputError

    if which not in BACKENDS:
        raise UserInputError(f"Unknown backend {which!r}.", hint=f"Use one of: {', '.join(BACKENDS)}.")
    if which == "auto":
        which = "transformers" if s.sentiment_model else "offline"
    if which == "vader":
        from shoplens.tools.reviews.backends import VaderBackend

        return VaderBackend()
    if which == "transformers":
        if not s.sentiment_model:
            raise UserInputError("No transformers sentiment model is configured.",
                                 hint="Set SHOPLENS_SENTIMENT_MODEL to a local model folder or a cached HF model id.")
        from shoplens.tools.reviews.backends import TransformersSentimentBackend

        return TransformersSentimentBackend(s.sentiment_model)
    if which == "llm":
        if not s.llm_configured:
            raise UserInputError("No LLM endpoint is configured.", hint="Set SHOPLENS_LLM_BASE_URL (and SHOPLENS_LLM_MODEL).")
        from shoplens.tools.reviews.llm import LLMReviewAnalyzer

        return LLMReviewAnalyzer(s.llm_base_url, s.llm_model, api_key=s.llm_api_key, timeout_s=s.llm_timeout_s,
                                 max_retries=s.llm_max_retries)
    from shoplens.tools.reviews.backends import OfflineSentimentBackend

    try:
        return OfflineSentimentBackend.load(_models_dir(s))
    except ModelUnavailable:
        if not s.db_path.exists():
            raise
        # Never silent, even with --json (stdout stays JSON; the notice and the progress bar go to stderr).
        common.err.print("No trained sentiment model yet: training it on the warehouse reviews first "
                         "(`shoplens reviews train` does this explicitly).")
        return _train(s, quiet=False)[0]


@reviews_app.command("train")
def train(
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."),
) -> None:
    """(Re)train the offline sentiment model on the shop's reviews (stars as labels) and record its version."""
    s = common.settings(db=db)
    _, report = _train(s, quiet=as_json)
    if as_json:
        common.print_json(report.to_dict())
        return
    acc = "n/a" if report.holdout_accuracy is None else f"{report.holdout_accuracy:.1%}"
    f1 = "n/a" if report.holdout_macro_f1 is None else f"{report.holdout_macro_f1:.3f}"
    common.out.print(f"Trained {report.version} on {report.n_train:,} reviews {report.label_counts} "
                     f"in {report.seconds:.0f} s; newest {report.n_holdout:,} held out: accuracy {acc}, macro-F1 {f1}.")
    common.out.print(f"Saved to {report.path}. Run `shoplens reviews score` to (re)score the warehouse.")


@reviews_app.command("score")
def score(
    text_file: Path | None = typer.Option(None, "--text-file", help="Score free text instead: one review per line "
                                          "('-' reads stdin)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one object per line with --text-file)."),
    backend: str = typer.Option("auto", "--backend", help=f"One of {', '.join(BACKENDS)}; auto = transformers when "
                                "SHOPLENS_SENTIMENT_MODEL is set, else offline."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Reviews per transaction."),
    rescore: bool = typer.Option(False, "--rescore", help="Score every review again, even if current."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Score at most this many pending reviews."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file."),
) -> None:
    """Fill review_sentiment and review_aspects in the warehouse (incremental), or score a text file."""
    s = common.settings(db=db)
    if text_file is not None:
        _score_file(s, text_file, backend, as_json)
        return
    from shoplens.tools.reviews.llm import LLMReviewAnalyzer
    from shoplens.tools.reviews.scoring import ReviewScorer, score_warehouse

    # Warehouse writing (data/writer.py): the job lock is checked before anything else (another job is named at
    # once), scoring writes a copy while the UI/API keep serving the current file, and the copy is swapped in at
    # the end (after Ctrl-C too: finished batches are kept).
    with _scoring_copy(s) as writer:
        model = _backend(s, backend, quiet=as_json)
        scorer = ReviewScorer(None, llm=model) if isinstance(model, LLMReviewAnalyzer) else ReviewScorer(model)
        with _progress(as_json) as bar:
            task = bar.add_task("Scoring reviews", total=None)
            report = score_warehouse(writer.path, scorer, batch_size=batch_size, rescore=rescore, limit=limit,
                                     progress=lambda done, total: bar.update(task, completed=done, total=total),
                                     threads=s.sql_threads)
        writer.commit()
    if as_json:
        common.print_json(report.to_dict())
    else:
        done = "Interrupted after" if report.interrupted else "Scored"
        common.out.print(
            f"{done} {report.scored:,} of {report.pending:,} pending reviews ({report.total_reviews:,} in total) "
            f"with {report.model_version} in {report.seconds:.1f} s ({report.reviews_per_s:,.0f}/s); "
            f"{report.aspects_written:,} aspect rows.")
        if report.pending == 0:
            common.out.print("Everything is already scored by the current model (use --rescore to force).")
    if report.interrupted:
        common.err.print("Finished batches are saved; run the command again to continue.")
        raise typer.Exit(130)


def _scoring_copy(s: Any) -> Any:
    """The WarehouseWriter review scoring writes through (lock first, copy, swap)."""
    from shoplens.data.writer import WarehouseWriter

    return WarehouseWriter(s.db_path, job="reviews score", copy=True)


def _score_file(s: Any, path: Path, which: str, as_json: bool) -> None:
    from shoplens.data.errors import UserInputError
    from shoplens.tools.reviews.llm import LLMReviewAnalyzer

    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"Cannot read {path}: {exc}.", hint="Pass a UTF-8 text file, one review per line.") from exc
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    model = _backend(s, which, quiet=True)
    from shoplens.tools.reviews.scoring import ReviewScorer

    scorer = ReviewScorer(None, llm=model) if isinstance(model, LLMReviewAnalyzer) else ReviewScorer(model)
    results = scorer.analyze(lines) if lines else []
    if as_json:
        for text, r in zip(lines, results, strict=True):
            obj = {"text": text, "label": r.label, "score": r.score, "model_version": scorer.version,
                   "aspects": [{"aspect": a.aspect, "polarity": a.polarity, "snippet": a.snippet} for a in r.aspects]}
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    from rich.table import Table

    table = Table(title=f"Sentiment ({scorer.version})")
    for col in ("label", "score", "aspects", "text"):
        table.add_column(col, overflow="fold")
    colors = {"positive": "green", "negative": "red", "neutral": "yellow"}
    for text, r in zip(lines, results, strict=True):
        aspects = ", ".join(f"{a.aspect} ({a.polarity[:3]})" for a in r.aspects)
        table.add_row(common.styled(r.label, style=colors[r.label]), f"{r.score:+.2f}", aspects, text)
    common.out.print(table)


@reviews_app.command("insights")
def insights(
    product: str | None = typer.Option(None, "--product", help="Product name (fuzzy)."),
    brand: str | None = typer.Option(None, "--brand", help="Brand."),
    category: str | None = typer.Option(None, "--category", help="Category."),
    start: str | None = typer.Option(None, "--start", help="First day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last day, YYYY-MM-DD (default: latest order date)."),
    days: int = typer.Option(90, "--days", min=7, help="Period length when --start is not given."),
    as_json: bool = typer.Option(False, "--json", help="Print the tool output as JSON."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file."),
) -> None:
    """What customers say about a product, brand or category: sentiment, trend, aspects, quotes and a chart."""
    from shoplens.tools.reviews.insights import ReviewInsightsTool
    from shoplens.tools.sql import SqlRunner

    s = common.settings(db=db)
    with SqlRunner(s.db_path, timeout_s=s.sql_timeout_s, row_cap=s.sql_row_cap, memory_limit=s.sql_memory_limit,
                   threads=s.sql_threads) as runner:
        out = ReviewInsightsTool(runner, s.charts_path).run(product=product, brand=brand, category=category,
                                                            start=start, end=end, days=days)
    if as_json:
        common.print_json(out.to_dict())
        return
    common.out.print(out.summary)
    for chart in out.charts:
        common.err.print(f"Chart: {chart.path}")
