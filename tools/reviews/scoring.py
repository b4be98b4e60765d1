"""The review enrichment job: fills ``review_sentiment`` and ``review_aspects`` in the warehouse.

Incremental: only reviews without a row, or scored by another model version, are (re)scored. Each batch is one
transaction (delete old rows of the batch, insert new ones), so an interrupted run keeps every finished batch and
the next run continues where it stopped. It writes through its own writable connection; everyone else reads
through the locked-down SQL runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shoplens.data.contract import ENRICHMENT_TABLES, create_table_sql
from shoplens.data.errors import DataError
from shoplens.tools.reviews.aspects import AspectExtractor, AspectMention, MentionFinder, aspect_vectors
from shoplens.tools.reviews.backends import SentimentBackend
from shoplens.tools.reviews.offline import OfflineSentimentBackend

Progress = Callable[[int, int], None]


def review_text(title: str | None, body: str | None) -> str:
    """The text a review is scored on: title and body as one passage."""
    title, body = (title or "").strip(), (body or "").strip()
    if title and body:
        return f"{title}{'' if title[-1] in '.!?' else '.'} {body}"
    return title or body


@dataclass
class Analysis:
    label: str
    score: float
    aspects: list[AspectMention]
    probability: float | None = None  # P(positive) when the backend gives one

class ReviewScorer:
    """Sentiment plus aspects for batches of review texts.

    With the offline backend one MiniLM pass serves both: the review embedding feeds the sentiment head and
    the same token states pooled per clause feed clause polarity (and, with ``aspect_similarity``, aspect
    similarity for clauses without a keyword). Reviews detected as Chinese go to the Chinese model and the
    Chinese aspect vocabulary instead (``chinese``: a ``ChineseSentimentModel``; the shipped one by default).
    With an LLM analyzer the aspects (and sentiment, unless ``backend`` is given) come from the endpoint.
    """

    def __init__(self, backend: SentimentBackend | None, *, extractor: AspectExtractor | None = None,
                 llm: Any = None, learned_clause_polarity: bool = True, aspect_similarity: bool = False,
                 chinese: Any = None) -> None:
        if backend is None and llm is None:
            raise ValueError("ReviewScorer needs a sentiment backend or an LLM analyzer")
        self.backend = backend
        self.llm = llm
        self._chinese = chinese
        self.extractor = extractor or AspectExtractor()
        self._offline = backend if isinstance(backend, OfflineSentimentBackend) else None
        if self._offline is not None and llm is None:
            encoder = self._offline.encoder
            if aspect_similarity and not self.extractor.aspect_vectors:
                self.extractor.aspect_vectors = aspect_vectors(lambda t: encoder.encode(t)[0])
            if learned_clause_polarity and self.extractor.clause_score is None:
                self.extractor.clause_score = self._offline.score_from_embeddings

    @property
    def chinese(self) -> Any:
        if self._chinese is None:
            from shoplens.tools.reviews.chinese import chinese_model

            self._chinese = chinese_model()
        return self._chinese

    @property
    def version(self) -> str:
        sentiment = self.backend.version if self.backend is not None else self.llm.version
        if self.llm is None:
            sentiment = f"{sentiment}+{self.chinese.version}"
        aspects = self.llm.version if self.llm is not None else f"aspects-{self.extractor.version}"
        return sentiment if sentiment == aspects else f"{sentiment}+{aspects}"

    def analyze(self, texts: Sequence[str], categories: Sequence[str | None] | None = None) -> list[Analysis]:
        texts = [t or "" for t in texts]
        if self.llm is not None:
            llm_out = self.llm.analyze(texts, categories)
            preds = self.backend.predict(texts) if self.backend is not None else [(r.label, r.score) for r in llm_out]
            return [Analysis(lbl, s, r.aspects) for (lbl, s), r in zip(preds, llm_out, strict=True)]
        from shoplens.tools.reviews.chinese import is_chinese

        zh = [i for i, t in enumerate(texts) if is_chinese(t)]
        if zh:
            return self._mixed(texts, categories, zh)
        if self._offline is not None:
            spans = self.extractor.clause_spans(texts)
            emb, clause_vecs = self._offline.encoder.encode(texts, spans=spans)
            sent = self._offline.analyze_embeddings(emb, texts)
            aspects = self.extractor.extract(texts, categories, spans=spans, clause_vectors=clause_vecs)
            return [Analysis(s.label, s.score, a, s.probability) for s, a in zip(sent, aspects, strict=True)]
        assert self.backend is not None
        preds = self.backend.predict(texts)
        aspects = self.extractor.extract(texts, categories)
        return [Analysis(lbl, s, a, round((s + 1) / 2, 4)) for (lbl, s), a in zip(preds, aspects, strict=True)]

    def _mixed(self, texts: list[str], categories: Sequence[str | None] | None, zh: list[int]) -> list[Analysis]:
        """Chinese reviews through the Chinese model, the rest through the English path, order kept."""
        cats = list(categories) if categories else [None] * len(texts)
        zh_set = set(zh)
        other = [i for i in range(len(texts)) if i not in zh_set]
        out: list[Analysis | None] = [None] * len(texts)
        if other:
            for i, a in zip(other, self.analyze([texts[i] for i in other], [cats[i] for i in other]), strict=True):
                out[i] = a
        zh_texts = [texts[i] for i in zh]
        sent = self.chinese.predict_detailed(zh_texts)
        aspects = self.extractor.extract(zh_texts, [cats[i] for i in zh])
        for i, s, a in zip(zh, sent, aspects, strict=True):
            out[i] = Analysis(s.label, s.score, a, s.probability)
        return [a for a in out if a is not None]


@dataclass
class ScoreReport:
    model_version: str
    total_reviews: int
    pending: int
    scored: int
    aspects_written: int
    batches: int
    seconds: float
    interrupted: bool = False

    @property
    def reviews_per_s(self) -> float:
        return self.scored / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["reviews_per_s"] = round(self.reviews_per_s, 1)
        return d


def ensure_tables(con: Any) -> None:
    for table in ENRICHMENT_TABLES:
        con.execute(create_table_sql(table).replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))


def catalog_mentions(con: Any) -> MentionFinder:
    rows = con.execute("SELECT name, brand FROM products").fetchall()
    return MentionFinder([(str(n), b) for n, b in rows if n])


def score_warehouse(db_path: Path, scorer: ReviewScorer, *, batch_size: int = 256, progress: Progress | None = None,
                    limit: int | None = None, rescore: bool = False, memory_limit: str = "4GB",
                    threads: int = 2) -> ScoreReport:
    """Score new or re-versioned reviews of the warehouse at ``db_path`` into the enrichment tables."""
    from shoplens.data.warehouse import open_writable

    t0 = time.perf_counter()
    version = scorer.version
    con = open_writable(Path(db_path), memory_limit=memory_limit, threads=threads)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        if "reviews" not in tables:
            raise DataError(f"The warehouse {db_path} has no reviews table.",
                            hint="Build the demo (`shoplens data demo`) or import reviews first.")
        ensure_tables(con)
        if scorer.extractor.mentions is None and "products" in tables:
            scorer.extractor.mentions = catalog_mentions(con)
        # reviews deleted since the last run leave nothing behind
        con.execute("DELETE FROM review_aspects WHERE review_id NOT IN (SELECT review_id FROM reviews)")
        con.execute("DELETE FROM review_sentiment WHERE review_id NOT IN (SELECT review_id FROM reviews)")
        total = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
        where = "" if rescore else "WHERE s.review_id IS NULL OR s.model_version <> $version"
        sql = f"""
            SELECT r.review_id, r.title, r.body, p.category
            FROM reviews r
            LEFT JOIN products p ON p.product_id = r.product_id
            LEFT JOIN review_sentiment s ON s.review_id = r.review_id
            {where}
            ORDER BY r.review_id {f'LIMIT {int(limit)}' if limit else ''}"""
        pending = con.execute(sql, {"version": version} if where else {}).fetchall()
        report = ScoreReport(version, int(total), len(pending), 0, 0, 0, 0.0)
        if progress:
            progress(0, len(pending))
        try:
            for start in range(0, len(pending), batch_size):
                rows = pending[start:start + batch_size]
                results = scorer.analyze([review_text(t, b) for _, t, b, _ in rows], [c for *_, c in rows])
                report.aspects_written += _write_batch(con, [r[0] for r in rows], results, version)
                report.scored += len(rows)
                report.batches += 1
                if progress:
                    progress(report.scored, len(pending))
        except KeyboardInterrupt:
            report.interrupted = True
        report.seconds = round(time.perf_counter() - t0, 2)
        return report
    finally:
        con.close()


def _write_batch(con: Any, ids: list[int], results: list[Analysis], version: str) -> int:
    import pandas as pd

    sentiment = pd.DataFrame({"review_id": pd.Series(ids, dtype="int64"),
                              "label": [r.label for r in results],
                              "score": [float(r.score) for r in results],
                              "model_version": version})
    aspect_rows = [(rid, *a.as_row()) for rid, r in zip(ids, results, strict=True) for a in r.aspects]
    aspects = pd.DataFrame(aspect_rows, columns=["review_id", "aspect", "polarity", "snippet"]).astype(
        {"review_id": "int64"})
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_batch_ids", pd.DataFrame({"review_id": pd.Series(ids, dtype="int64")}))
        con.register("_batch_sentiment", sentiment)
        con.register("_batch_aspects", aspects)
        con.execute("DELETE FROM review_sentiment WHERE review_id IN (SELECT review_id FROM _batch_ids)")
        con.execute("DELETE FROM review_aspects WHERE review_id IN (SELECT review_id FROM _batch_ids)")
        con.execute("INSERT INTO review_sentiment SELECT review_id, label, score, model_version FROM _batch_sentiment")
        if len(aspects):
            con.execute("INSERT INTO review_aspects SELECT review_id, aspect, polarity, snippet FROM _batch_aspects")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_batch_ids", "_batch_sentiment", "_batch_aspects"):
            con.unregister(name)
    return len(aspect_rows)


def load_training_data(db_path: Path, *, memory_limit: str = "2GB", threads: int = 2,
                       with_categories: bool = False) -> tuple[list[Any], ...]:
    """(texts, ratings, dates[, categories]) of every rated review with text, oldest first (read-only)."""
    from shoplens.data.warehouse import open_readonly

    con = open_readonly(Path(db_path), memory_limit=memory_limit, threads=threads)
    try:
        rows = con.execute(
            "SELECT r.title, r.body, r.rating, r.review_date, p.category FROM reviews r "
            "LEFT JOIN products p ON p.product_id = r.product_id WHERE r.rating IS NOT NULL "
            "AND coalesce(r.body, r.title) IS NOT NULL ORDER BY r.review_date, r.review_id"
        ).fetchall()
    except Exception as exc:  # duckdb.CatalogException etc.
        raise DataError(f"Cannot read reviews from {db_path}: {exc}.",
                        hint="Check the warehouse has reviews and products tables.") from exc
    finally:
        con.close()
    out = ([review_text(t, b) for t, b, *_ in rows], [int(r[2]) for r in rows], [r[3] for r in rows])
    return (*out, [r[4] for r in rows]) if with_categories else out
