"""`shoplens reviews train|score|insights`: review sentiment and aspects (the shipped offline model by default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from shoplens.agent.cli import common

reviews_app = typer.Typer(help="Review sentiment and aspects: adapt the model to your shop, score reviews, show insights.",
                          no_args_is_help=True)
BACKENDS = ("auto", "offline", "transformers", "llm", "vader")


def register(app: typer.Typer) -> None:
    app.add_typer(reviews_app, name="reviews")


def _models_dir(s: Any) -> Path:
    return Path(s.home) / "models"


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


def _backend(s: Any, which: str) -> Any:
    """The sentiment backend to score with. Never trains: the offline default is the shop adaptation made by
    `shoplens reviews train` when one is current, else the general model shipped with ShopLens."""
    from shoplens.data.errors import UserInputError

    if which not in BACKENDS:
        raise UserInputError(f"Unknown backend {which!r}.", hint=f"Use one of: {', '.join(BACKENDS)}.")
    if which == "auto":
        which = "transformers" if s.sentiment_model else "offline"
    if which == "vader":
        from shoplens.tools.reviews.lexicon import VaderBackend

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
    from shoplens.tools.reviews.adapt import load_current

    model, note = load_current(_models_dir(s))
    if note:
        common.err.print(note)
    return model


def _scorer(s: Any, model: Any) -> Any:
    from shoplens.tools.reviews.aspects import AspectExtractor
    from shoplens.tools.reviews.llm import LLMReviewAnalyzer
    from shoplens.tools.reviews.scoring import ReviewScorer
    from shoplens.tools.reviews.vocabulary import load_vocabulary

    if isinstance(model, LLMReviewAnalyzer):
        return ReviewScorer(None, llm=model)
    return ReviewScorer(model, extractor=AspectExtractor(extra_terms=load_vocabulary(_models_dir(s))))


@reviews_app.command("train")
def train(
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."),
) -> None:
    """Adapt the general sentiment model to the shop's star ratings (kept only if it beats the general model on
    the newest reviews) and learn the shop's own aspect vocabulary."""
    from shoplens.tools.reviews.adapt import adapt_to_shop
    from shoplens.tools.reviews.offline import general_model
    from shoplens.tools.reviews.scoring import load_training_data
    from shoplens.tools.reviews.vocabulary import learn_vocabulary, save_vocabulary

    s = common.settings(db=db)
    texts, ratings, dates, categories = load_training_data(s.db_path, memory_limit=s.sql_memory_limit,
                                                           threads=s.sql_threads, with_categories=True)
    general = general_model()
    with _progress(as_json) as bar:
        task = bar.add_task("Embedding reviews", total=len(texts))
        _, report = adapt_to_shop(texts, ratings, dates, _models_dir(s), general=general,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    vocab = learn_vocabulary(texts, categories, lambda t: general.encoder.encode(t)[0])
    vocab_path = save_vocabulary(_models_dir(s), vocab)
    learned = {a: len(p) for a, p in vocab["aspects"].items()}
    if as_json:
        common.print_json(report.to_dict() | {"vocabulary": vocab["aspects"], "vocabulary_path": str(vocab_path)})
        return
    acc = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    verdict = "Kept the shop adaptation" if report.kept else "Kept the general model"
    common.out.print(f"{verdict}: {report.reason}.")
    common.out.print(f"Holdout (newest {report.n_holdout:,} polar reviews): general {acc(report.general_accuracy)}, "
                     f"shop-adapted {acc(report.shop_accuracy)}; trained on {report.n_train:,} older reviews "
                     f"{report.label_counts} in {report.seconds:.0f} s. Model in use: {report.version}.")
    if learned:
        common.out.print("Learned aspect phrases: " + "; ".join(f"{a}: {', '.join(p[:6])}"
                                                             for a, p in vocab["aspects"].items()) + ".")
    common.out.print("Run `shoplens reviews score` to (re)score the warehouse with it.")


@reviews_app.command("score")
def score(
    text_file: Path | None = typer.Option(None, "--text-file", help="Score texts from a file instead ('-' reads "
                                          "stdin): plain lines, JSON lines or CSV (see --format)."),
    fmt: str = typer.Option("auto", "--format", help="Input format: auto (by extension: .jsonl/.ndjson, .csv, "
                            ".tsv, else lines), lines, jsonl, csv or tsv."),
    text_col: str | None = typer.Option(None, "--text-col", help="CSV column / JSON field holding the text "
                                        "(default: text, review, body, ...)."),
    id_col: str | None = typer.Option(None, "--id-col", help="CSV column / JSON field holding the id (default: id "
                                      "or review_id; else the line number)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one object per line with --text-file)."),
    backend: str = typer.Option("auto", "--backend", help=f"One of {', '.join(BACKENDS)}; auto = transformers when "
                                "SHOPLENS_SENTIMENT_MODEL is set, else offline."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Reviews per transaction."),
    rescore: bool = typer.Option(False, "--rescore", help="Score every review again, even if current."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Score at most this many pending reviews."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file."),
) -> None:
    """Fill review_sentiment and review_aspects in the warehouse (incremental), or score a text file.
    Never trains: it uses the shipped general model, or the shop adaptation from `shoplens reviews train`."""
    s = common.settings(db=db)
    if text_file is not None:
        _score_file(s, text_file, backend, as_json, fmt=fmt, text_col=text_col, id_col=id_col)
        return
    from shoplens.tools.reviews.scoring import score_warehouse

    # Warehouse writing (data/writer.py): the job lock is checked before anything else (another job is named at
    # once), scoring writes a copy while the UI/API keep serving the current file, and the copy is swapped in at
    # the end (after Ctrl-C too: finished batches are kept).
    with _scoring_copy(s) as writer:
        scorer = _scorer(s, _backend(s, backend))
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


def _score_file(s: Any, path: Path, which: str, as_json: bool, *, fmt: str, text_col: str | None,
                id_col: str | None) -> None:
    from shoplens.tools.reviews.inputs import read_records

    records = read_records(path, fmt=fmt, text_col=text_col, id_col=id_col, stdin=sys.stdin)
    scorer = _scorer(s, _backend(s, which))
    texts = [r.text for r in records]
    results = []
    with _progress(not records) as bar:  # progress on stderr; stdout stays clean for JSON
        task = bar.add_task("Scoring texts", total=len(texts))
        for start in range(0, len(texts), 64):
            results += scorer.analyze(texts[start:start + 64])
            bar.update(task, completed=len(results))
    if as_json:
        for rec, r in zip(records, results, strict=True):
            obj = {"id": rec.id, "text": rec.text, "label": r.label, "score": r.score, "probability": r.probability,
                   "model_version": scorer.version,
                   "aspects": [{"aspect": a.aspect, "polarity": a.polarity, "snippet": a.snippet} for a in r.aspects]}
            sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
        return
    from rich.table import Table

    table = Table(title=f"Sentiment ({scorer.version})")
    for col in ("id", "label", "score", "P(pos)", "aspects", "text"):
        table.add_column(col, overflow="fold")
    colors = {"positive": "green", "negative": "red", "neutral": "yellow"}
    for rec, r in zip(records, results, strict=True):
        aspects = ", ".join(f"{a.aspect} ({a.polarity[:3]})" for a in r.aspects)
        prob = "" if r.probability is None else f"{r.probability:.2f}"
        table.add_row(str(rec.id), common.styled(r.label, style=colors[r.label]), f"{r.score:+.2f}", prob, aspects,
                      rec.text)
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
