"""Latency of ten typical semantic-layer queries (DuckDB through the locked-down runner) next to the same
computations in pandas, at scale 1 and 10. Prints p50/p95 per query and the pandas/DuckDB ratio; checks that
both give the same numbers.

Side by side in the same run, the same ten queries through the runner's worker processes (``ProcessEngine``:
a deadline that kills, a hard memory cap, Arrow IPC back) and through an in-process connection
(``InProcessEngine``, the pre-isolation design), interleaved query by query: the added latency per query is
the isolation's overhead. Target: <= 10 ms added at p50.

    python benchmarks/bench_queries.py [--scales 1,10] [--runs 7] [--dir /tmp/shoplens-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.tools.context import ToolContext
from shoplens.tools.query import MetricQuery, compile_query


def queries(as_of: dt.date) -> dict[str, MetricQuery]:
    month_end = as_of.replace(day=1) - dt.timedelta(days=1)
    month_start = month_end.replace(day=1)
    year_start = as_of.replace(month=1, day=1)
    return {
        "revenue last month": MetricQuery("revenue", start=month_start, end=month_end),
        "revenue by category last month": MetricQuery("revenue", ["category"], start=month_start, end=month_end),
        "monthly revenue, last 12 months": MetricQuery("revenue", start=as_of - dt.timedelta(days=365), end=as_of,
                                                       grain="month"),
        "top 10 products by units YTD": MetricQuery("units", ["product"], start=year_start, end=as_of, limit=10),
        "revenue by channel by month 2025": MetricQuery("revenue", ["channel"], start=dt.date(2025, 1, 1),
                                                        end=dt.date(2025, 12, 31), grain="month"),
        "return rate by category, 90 days": MetricQuery("return_rate", ["category"],
                                                        start=as_of - dt.timedelta(days=89), end=as_of),
        "AOV by region YTD": MetricQuery("aov", ["region"], start=year_start, end=as_of),
        "weekly Electronics units, all time": MetricQuery("units", filters={"category": ["Electronics"]},
                                                          grain="week"),
        "gross margin by brand YTD": MetricQuery("gross_margin", ["brand"], start=year_start, end=as_of),
        "daily orders by channel, 30 days": MetricQuery("orders", ["channel"], start=as_of - dt.timedelta(days=29),
                                                        end=as_of, grain="day"),
    }


def pandas_versions(t: dict[str, pd.DataFrame], as_of: dt.date):  # noqa: ANN201
    """The same ten computations in idiomatic pandas on frames already in memory."""
    lines = t["lines"]
    completed = lines[lines.status == "completed"]
    month_end = pd.Timestamp(as_of.replace(day=1) - dt.timedelta(days=1))
    month_start = month_end.replace(day=1)
    year_start = pd.Timestamp(as_of.replace(month=1, day=1))
    asof = pd.Timestamp(as_of)

    def between(df: pd.DataFrame, a: pd.Timestamp, b: pd.Timestamp) -> pd.DataFrame:
        return df[(df.order_date >= a) & (df.order_date <= b)]

    def rr(df: pd.DataFrame) -> pd.Series:
        o = df.drop_duplicates(["order_id", "category"])
        g = o.groupby("category").status
        return g.apply(lambda s: (s == "returned").sum() / s.isin(["completed", "returned"]).sum())

    return {
        "revenue last month": lambda: between(completed, month_start, month_end).revenue.sum(),
        "revenue by category last month": lambda: between(completed, month_start, month_end)
        .groupby("category").revenue.sum().sort_values(ascending=False),
        "monthly revenue, last 12 months": lambda: between(completed, asof - pd.Timedelta(days=365), asof)
        .groupby(pd.Grouper(key="order_date", freq="MS")).revenue.sum(),
        "top 10 products by units YTD": lambda: between(completed, year_start, asof)
        .groupby("name").quantity.sum().nlargest(10),
        "revenue by channel by month 2025": lambda: between(completed, pd.Timestamp("2025-01-01"),
                                                            pd.Timestamp("2025-12-31"))
        .groupby([pd.Grouper(key="order_date", freq="MS"), "channel"]).revenue.sum(),
        "return rate by category, 90 days": lambda: rr(between(lines, asof - pd.Timedelta(days=89), asof)),
        "AOV by region YTD": lambda: (lambda d: d.groupby("region").revenue.sum() / d.groupby("region").order_id
                                      .nunique())(between(completed, year_start, asof)),
        "weekly Electronics units, all time": lambda: completed[completed.category == "Electronics"]
        .groupby(pd.Grouper(key="order_date", freq="W-MON", label="left", closed="left")).quantity.sum(),
        "gross margin by brand YTD": lambda: (lambda d: (d.revenue - d.quantity * d.unit_cost).groupby(d.brand)
                                              .sum())(between(completed, year_start, asof)),
        "daily orders by channel, 30 days": lambda: between(lines, asof - pd.Timedelta(days=29), asof)
        .groupby(["order_date", "channel"]).order_id.nunique(),
    }


def load_frames(path: Path) -> dict[str, pd.DataFrame]:
    """All order lines as one frame for the pandas side (in-process: far past the runner's result cap)."""
    from shoplens.tools.sql import SqlRunner
    from shoplens.tools.sqlengine.local import InProcessEngine

    r = SqlRunner(path, result_bytes=1 << 40, engine=InProcessEngine(path, memory_bytes=16 * 1024**3))
    big = r.run(
        "SELECT oi.order_id, oi.quantity, oi.revenue::DOUBLE AS revenue, o.order_date, o.channel, o.region, o.status,"
        " p.name, p.category, p.brand, p.unit_cost::DOUBLE AS unit_cost FROM order_items oi"
        " JOIN orders o USING (order_id) JOIN products p USING (product_id)",
        row_cap=50_000_000, timeout_s=600,
    ).df
    r.close()
    big["order_date"] = pd.to_datetime(big["order_date"])
    return {"lines": big}


def time_it(fn, runs: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return float(np.percentile(xs, 95))


def bench_scale(path: Path, runs: int) -> None:
    ctx = ToolContext.open(path, path.parent / "charts", timeout_s=120, row_cap=1_000_000)
    qs = queries(ctx.as_of)
    t0 = time.perf_counter()
    frames = load_frames(path)
    load_ms = (time.perf_counter() - t0) * 1000
    pq = pandas_versions(frames, ctx.as_of)
    print(f"  {len(frames['lines']):,} order lines; pandas load (one-off, not in the ratios): {load_ms:,.0f} ms")
    print(f"  {'query':36s} {'duckdb p50':>11s} {'p95':>8s} {'pandas p50':>11s} {'ratio':>7s}  check")
    ratios = []
    all_duck: list[float] = []
    for name, q in qs.items():
        sql = compile_query(q, ctx.semantic)
        duck = time_it(lambda sql=sql: ctx.runner.run(sql), runs)
        pand = time_it(pq[name], runs)
        d_res = ctx.runner.run(sql).df
        p_res = pq[name]()
        d_total = float(pd.to_numeric(d_res.iloc[:, -1], errors="coerce").fillna(0).sum())
        p_total = float(np.nansum(np.asarray(p_res, dtype=float)))
        ok = abs(d_total - p_total) <= 1e-6 * max(1.0, abs(p_total)) + 0.01
        ratio = statistics.median(pand) / statistics.median(duck)
        ratios.append(ratio)
        all_duck += duck
        print(f"  {name:36s} {statistics.median(duck):9.1f}ms {p95(duck):6.1f}ms {statistics.median(pand):9.1f}ms "
              f"{ratio:6.1f}x  {'same' if ok else f'DIFF {d_total} vs {p_total}'}")
    print(f"  all queries: duckdb p50 {statistics.median(all_duck):.1f} ms, p95 {p95(all_duck):.1f} ms; "
          f"pandas/duckdb median ratio {statistics.median(ratios):.1f}x (>1 means DuckDB is faster)")
    isolation_overhead(ctx, path, [compile_query(q, ctx.semantic) for q in qs.values()], runs)
    ctx.close()


def isolation_overhead(ctx: ToolContext, path: Path, sqls: list[str], runs: int) -> None:
    """The same queries through the worker pool and in process, interleaved; added ms per query."""
    from shoplens.tools.sql import SqlRunner
    from shoplens.tools.sqlengine.local import InProcessEngine

    local = SqlRunner(path, timeout_s=120, row_cap=1_000_000, engine=InProcessEngine(path))
    worker, inproc, added = [], [], []
    for _ in range(runs):
        for sql in sqls:
            w = time_it(lambda sql=sql: ctx.runner.run(sql), 1)[0]
            i = time_it(lambda sql=sql: local.run(sql), 1)[0]
            worker.append(w)
            inproc.append(i)
            added.append(w - i)
    floor = []
    for _ in range(runs * 10):  # the per-call cost with almost no query work
        w = time_it(lambda: ctx.runner.run("SELECT count(*) FROM products"), 1)[0]
        i = time_it(lambda: local.run("SELECT count(*) FROM products"), 1)[0]
        floor.append(w - i)
    local.close()
    print(f"  isolation: worker pool p50 {statistics.median(worker):.1f} ms p95 {p95(worker):.1f} ms | in process "
          f"p50 {statistics.median(inproc):.1f} ms p95 {p95(inproc):.1f} ms | added per query p50 "
          f"{statistics.median(added):.2f} ms, p95 {p95(added):.2f} ms; on a trivial query p50 "
          f"{statistics.median(floor):.2f} ms (target p50 <= 10 ms: "
          f"{'PASS' if statistics.median(added) <= 10 else 'FAIL'})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/shoplens-bench"))
    args = ap.parse_args()
    from shoplens.data.demo import build_demo

    args.dir.mkdir(parents=True, exist_ok=True)
    for scale in [float(s) for s in args.scales.split(",")]:
        path = args.dir / f"demo-scale{scale:g}.duckdb"
        if not path.exists():
            print(f"building demo warehouse at scale {scale:g} -> {path}")
            build_demo(path, scale=scale, seed=42)
        print(f"scale {scale:g} ({runs_note(args.runs)})")
        bench_scale(path, args.runs)
    return 0


def runs_note(runs: int) -> str:
    return f"median and p95 of {runs} runs per query"


if __name__ == "__main__":
    sys.exit(main())
