"""Build the deterministic demo warehouse: ``build_demo(path, scale, seed)``.

The warehouse is written into a scratch file next to ``path`` (month by month, from Arrow tables, so memory
stays bounded at any scale) and renamed into place only when it is complete (``data/writer.py``): a failed or
interrupted build never leaves a half-written warehouse, an existing warehouse is replaced only on success, a
running server keeps answering from the old file until then, and a build refuses to start while another job
writes the same warehouse.

Same seed and scale -> identical table contents. Each part of the simulation draws from its own random stream
(numpy PCG64 seeded from (seed, stream name)), so the streams do not shift when another part changes.
"""

from __future__ import annotations

import queue
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.data.contract import TABLES, create_table_sql
from shoplens.data.errors import DataError, UserInputError

Progress = Callable[[str, float], None]

MAX_SCALE = 50.0
REVIEW_TEXT_BATCH = 20_000
COMMIT_ROWS = 1_500_000  # rows per transaction while writing (the file is a temporary one until the end)
_TABLE_COMMENTS = {
    "products": "Catalog: one row per product (fictional brands); list_price is the current regular price.",
    "customers": "Customers with sign-up date, region/city, segment (consumer/business) and acquisition channel.",
    "orders": "One row per order; status completed/cancelled/returned; campaign_id set when a campaign brought it.",
    "order_items": "Order lines; revenue = quantity * unit_price - discount (unit_price before campaign discount).",
    "reviews": "Product reviews (1-5 stars, title, body), mostly tied to an order of the reviewing customer.",
    "web_traffic": "Daily web/app traffic per product on sale: sessions >= product_views >= add_to_cart.",
    "campaigns": "Marketing campaigns (search, social, email, display, affiliate) with dates and order discount.",
    "marketing_spend": "Daily spend, impressions and clicks per campaign while it runs.",
}


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible random stream for one part of the simulation."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(stream.encode())])))


def build_demo(
    path: Path, scale: float = 1.0, seed: int = 42, progress: Progress | None = None
) -> dict[str, Any]:
    """Build the demo warehouse at ``path`` and return a summary: ``tables`` (row counts), ``start``/``end``
    (order dates), ``elapsed_s``, ``path``, ``scale``, ``seed``.

    ``scale`` multiplies volumes (1.0 = about 600k orders, 1M order lines, 55k reviews; the catalog stays at about
    120 products). ``progress(stage, fraction)`` is called as the build advances; if it raises, the build stops
    and the previous file at ``path`` (if any) is left untouched.
    """
    if not isinstance(scale, int | float) or not 0 < scale <= MAX_SCALE:
        raise UserInputError(
            f"Scale must be greater than 0 and at most {MAX_SCALE:g} (got {scale!r}).",
            hint="Scale 1 is about 600k orders; use 0.05 for a quick small warehouse.",
        )
    if not isinstance(seed, int) or seed < 0:
        raise UserInputError(f"Seed must be a non-negative integer (got {seed!r}).")
    from shoplens.data.writer import WarehouseWriter

    path = Path(path).expanduser().resolve()
    started = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, min(max(fraction, 0.0), 1.0))

    import duckdb

    with WarehouseWriter(path, job="data demo") as w:  # fails at once when another job writes this warehouse
        try:
            counts, first, last = _write(w.path, scale, seed, report)
            report("done", 1.0)  # last chance for the caller to stop the build before the file is replaced
            w.commit()
        except (OSError, duckdb.IOException) as exc:
            raise DataError(f"Cannot write the warehouse {path}: {exc}.",
                            hint="Check the folder exists, is writable and has free space, or choose another "
                            "--path.") from exc
    return {
        "path": str(path),
        "scale": float(scale),
        "seed": seed,
        "tables": counts,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "elapsed_s": round(time.perf_counter() - started, 2),
    }


def _write(tmp: Path, scale: float, seed: int, report: Callable[[str, float], None]) -> tuple[dict, Any, Any]:
    """Create and fill the warehouse file ``tmp``; returns (row counts, first and last order date)."""
    import duckdb

    con = duckdb.connect(str(tmp), config={"threads": 2, "memory_limit": "2GB"})
    try:
        con.execute("SET enable_progress_bar = false")
        for table in TABLES:
            con.execute(create_table_sql(table))
            comment = _TABLE_COMMENTS[table].replace("'", "''")
            con.execute(f"COMMENT ON TABLE {table} IS '{comment}'")
        con.execute("CREATE UNIQUE INDEX products_name_unique ON products(name)")
        con.execute("BEGIN TRANSACTION")  # the inserter commits every COMMIT_ROWS rows, not per chunk
        writer = _Inserter(con)
        try:
            _generate(writer.put, float(scale), seed, report)
        except BaseException:
            writer.close(abort=True)
            raise
        writer.close()
        con.execute("COMMIT")
        report("checkpoint", 0.99)
        con.execute("CHECKPOINT")
        counts = {t: _row(con, f"SELECT count(*) FROM {t}")[0] for t in TABLES}
        first, last = _row(con, "SELECT min(order_date), max(order_date) FROM orders")
    finally:
        con.close()
    return counts, first, last


def _row(con: Any, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


class _Inserter:
    """Inserts Arrow tables into DuckDB on a background thread, in the order given, so that DuckDB's work (which
    releases the GIL) overlaps with the simulation. A failure is re-raised in the caller at the next put/close."""

    def __init__(self, con: Any) -> None:
        from shoplens.data.demo.arrow import insert

        self._insert, self._con = insert, con
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._abort = False
        self._thread = threading.Thread(target=self._run, name="shoplens-demo-insert", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pending = 0
        while (item := self._queue.get()) is not None:
            if self._error is None and not self._abort:
                try:
                    self._insert(self._con, *item)
                    pending += item[1].num_rows
                    if pending >= COMMIT_ROWS:  # bounded memory at large scales, few log flushes at small ones
                        self._con.execute("COMMIT")
                        self._con.execute("BEGIN TRANSACTION")
                        pending = 0
                except BaseException as exc:  # handed to the caller
                    self._error = exc

    def put(self, table: str, data: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((table, data))

    def close(self, abort: bool = False) -> None:
        """Wait for pending inserts (or drop them when the build already failed) and stop the thread."""
        self._abort = abort
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and not self._abort:
            raise self._error


def _generate(emit: Callable[[str, Any], None], scale: float, seed: int, report: Callable[[str, float], None]) -> None:
    """Simulate the shop and hand each table chunk, in a fixed order, to ``emit(table, arrow_table)``."""
    from shoplens.data.demo import arrow
    from shoplens.data.demo.calendar import make_calendar
    from shoplens.data.demo.campaigns import build_campaigns
    from shoplens.data.demo.catalog import build_catalog
    from shoplens.data.demo.customers import EXISTING_PER_ORDER, CustomerBook
    from shoplens.data.demo.demand import LINES_AT_SCALE_1, NEW_ORDER_P, build_demand
    from shoplens.data.demo.review_picks import ReviewMeta, pick_reviews
    from shoplens.data.demo.reviews import compose_reviews
    from shoplens.data.demo.sales import simulate_month
    from shoplens.data.demo.traffic import marketing_spend, traffic_month

    report("catalog", 0.0)
    cal = make_calendar()
    cat = build_catalog(rng_for(seed, "catalog"))
    camps = build_campaigns()
    dem = build_demand(cat, camps, cal, scale, rng_for(seed, "demand"))
    emit("products", arrow.products(cat, dem))
    emit("campaigns", arrow.campaigns(camps))
    emit("marketing_spend", arrow.marketing(marketing_spend(rng_for(seed, "spend"), dem, cat, camps)))
    report("catalog", 0.03)

    book = CustomerBook(rng_for(seed, "customers"), round(EXISTING_PER_ORDER * LINES_AT_SCALE_1 * NEW_ORDER_P * scale))
    next_order = 1_000_001
    reviews: list[ReviewMeta] = []
    months = cal.month_slices()
    for k, (a, b) in enumerate(months):
        label = str(cal.days[a])[:7]
        rng = rng_for(seed, f"sales-{label}")
        sales = simulate_month(rng, dem, cat, camps, book, a, b, next_order)
        next_order += len(sales.order_id)
        emit("orders", arrow.orders(sales, cal))
        emit("order_items", arrow.order_items(sales))
        emit("web_traffic", arrow.traffic(traffic_month(rng, dem, cat, a, b, sales.web_lines)))
        reviews.append(pick_reviews(rng, sales, dem, cat, book, a, b))
        report(f"orders {label}", 0.03 + 0.72 * (k + 1) / len(months))

    meta = ReviewMeta.concat(reviews)
    for start in range(0, len(meta), REVIEW_TEXT_BATCH):
        stop = min(start + REVIEW_TEXT_BATCH, len(meta))
        sl = slice(start, stop)
        titles, bodies = compose_reviews(
            rng_for(seed, f"reviews-{start}"), meta.product[sl], meta.rating[sl], meta.flags[sl], cat
        )
        emit("reviews", arrow.reviews(meta, sl, titles, bodies, cal))
        report("reviews", 0.75 + 0.2 * stop / max(len(meta), 1))

    report("customers", 0.96)
    emit("customers", arrow.customers(book.columns()))
