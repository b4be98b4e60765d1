"""DuckDB vs Spark on one box: the ten semantic-layer queries on DuckDB (ShopLens's worker pool), on a local
Spark session (local[2]) and through Spark Connect (a loopback server on local[2]); then batch forecasting of
many series on local processes vs Spark applyInPandas. Prints p50 per query and engine, the Spark/DuckDB
ratios, and checks that all engines give the same numbers to the cent.

    python benchmarks/bench_engines.py [--scales 1,10] [--runs 5] [--series 1000] [--dir /tmp/shoplens-bench-engines]

The warehouses are the deterministic demo (seed 42) as a DuckDB file and the same tables as Parquet.
Spark start-up (JVM, server) is reported once and left out of the per-query figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_queries import queries  # noqa: E402 - the same ten queries as bench_queries.py

from shoplens.tools.context import ToolContext  # noqa: E402
from shoplens.tools.query import compile_query  # noqa: E402


def cents(df: pd.DataFrame) -> list[tuple]:
    out = []
    for row in df.itertuples(index=False):
        out.append(tuple(round(float(v), 2) if isinstance(v, int | float | np.number) or hasattr(v, "as_tuple")
                         else str(pd.Timestamp(v).date()) if hasattr(v, "isoformat") else str(v) for v in row))
    return sorted(out, key=repr)


def time_ms(fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def prepare(scale: float, root: Path) -> tuple[Path, Path]:
    from shoplens.data.demo import build_demo
    from shoplens.data.parquet import export_parquet

    db, pq = root / f"demo-scale{scale:g}.duckdb", root / f"parquet-scale{scale:g}"
    if not db.exists():
        print(f"building demo warehouse at scale {scale:g} (seed 42) -> {db}", flush=True)
        build_demo(db, scale=scale, seed=42)
    if not pq.exists():
        export_parquet(db, pq)
    return db, pq


def open_engines(pq: Path, url: str | None) -> dict:
    from shoplens.tools.sqlengine.spark import SparkEngine
    from shoplens.tools.sqlengine.spark_session import SparkTarget

    engines = {}
    t0 = time.perf_counter()
    engines["spark local[2]"] = SparkEngine(SparkTarget(master="local[2]", warehouse=pq))
    engines["spark local[2]"].spark.sparkContext.setLogLevel("ERROR")
    print(f"  spark local session start: {time.perf_counter() - t0:.1f} s", flush=True)
    if url:
        t0 = time.perf_counter()
        engines["spark connect"] = SparkEngine(SparkTarget(remote=url, warehouse=pq))
        print(f"  spark connect session: {time.perf_counter() - t0:.1f} s", flush=True)
    return engines


def bench_queries(db: Path, pq: Path, url: str | None, runs: int):  # noqa: ANN201 - the local session
    from shoplens.tools.sql import SqlRunner

    ctx = ToolContext.open(db, db.parent / "charts", timeout_s=600, row_cap=1_000_000)
    engines = open_engines(pq, url)
    runners = {"duckdb": ctx.runner} | {k: SqlRunner(db, timeout_s=600, row_cap=1_000_000, engine=e)
                                       for k, e in engines.items()}
    names = list(runners)
    print(f"  {'query':36s} " + " ".join(f"{n + ' p50':>19s}" for n in names) + "   spark/duckdb   check")
    ratios: dict[str, list[float]] = {n: [] for n in names[1:]}
    for qname, q in queries(ctx.as_of).items():
        sql = compile_query(q, ctx.semantic)
        results = {n: r.run(sql).df for n, r in runners.items()}  # warm-up, and the numbers to compare
        times: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(runs):  # interleaved, engine by engine
            for n, r in runners.items():
                times[n].append(time_ms(lambda r=r, sql=sql: r.run(sql)))
        p50 = {n: statistics.median(t) for n, t in times.items()}
        for n in names[1:]:
            ratios[n].append(p50[n] / p50["duckdb"])
        same = all(cents(results[n]) == cents(results["duckdb"]) for n in names[1:])
        print(f"  {qname:36s} " + " ".join(f"{p50[n]:17.1f}ms" for n in names) + "   "
              + " ".join(f"{p50[n] / p50['duckdb']:6.1f}x" for n in names[1:]) + f"   {'same' if same else 'DIFF'}",
              flush=True)
    print("  median ratio (Spark p50 / DuckDB p50; >1 means DuckDB is faster): "
          + ", ".join(f"{n} {statistics.median(r):.1f}x" for n, r in ratios.items()))
    for e in engines.values():
        e.close()
    ctx.close()
    return engines["spark local[2]"].spark


def synthetic_series(n: int, weeks: int = 104) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    ds = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    t = np.arange(weeks)
    frames = [pd.DataFrame({"unique_id": f"sku-{i:05d}", "ds": ds, "y": rng.poisson(
        (5 + i % 40) * (1 + 0.3 * np.sin(2 * np.pi * t / 52 + i))).astype(float)}) for i in range(n)]
    return pd.concat(frames, ignore_index=True)


def bench_batch(n: int, url: str | None, spark) -> None:  # noqa: ANN001 - a local (classic) session
    from pyspark.sql import SparkSession

    from shoplens.forecasting.core import forecast
    from shoplens.tools.spark_jobs import forecast_on_spark

    df = synthetic_series(n)
    opts = {"horizon": 8, "model": "auto", "freq": "W-MON", "end": df["ds"].max(), "fill": "zero", "seed": 0}
    t0 = time.perf_counter()
    local = forecast(df, 8, "auto", (80, 95), freq="W-MON", end=opts["end"], fill="zero", seed=0, gbm="off",
                     lstm="off", n_jobs=2, explain=False)
    t_local = time.perf_counter() - t0
    print(f"  {n} weekly series x 104 weeks, horizon 8, model auto (per-series models; global models off):")
    print(f"    local processes (joblib, n_jobs=2): {t_local:.1f} s ({n / t_local:.1f} series/s)", flush=True)
    t0 = time.perf_counter()
    remote = forecast_on_spark(spark, df, opts)
    t_spark = time.perf_counter() - t0
    local_mean = pd.concat([s.forecast.assign(unique_id=s.uid) for s in local.series])["mean"].to_numpy()
    same = np.allclose(np.sort(local_mean), np.sort(remote["mean"].to_numpy()), rtol=1e-9)
    print(f"    spark local[2] applyInPandas:       {t_spark:.1f} s ({n / t_spark:.1f} series/s); "
          f"spark/local {t_spark / t_local:.2f}x; forecasts {'same' if same else 'DIFF'}")
    if url:
        cs = SparkSession.builder.remote(url).create()
        t0 = time.perf_counter()
        forecast_on_spark(cs, df, opts)
        t_conn = time.perf_counter() - t0
        print(f"    spark connect (local[2] server):     {t_conn:.1f} s; connect/local {t_conn / t_local:.2f}x")
        cs.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--no-connect", action="store_true", help="Skip the Spark Connect server.")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/shoplens-bench-engines"))
    args = ap.parse_args()
    from shoplens.tools.sqlengine.spark_server import LocalConnectServer

    args.dir.mkdir(parents=True, exist_ok=True)
    server = None if args.no_connect else LocalConnectServer(log=args.dir / "connect-server.log")
    url = None
    from pyspark.sql import SparkSession

    # the local (classic) session first: once a Spark Connect session exists, the builder only makes remote ones
    local = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").config(
        "spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate()
    local.sparkContext.setLogLevel("ERROR")
    if server:
        t0 = time.perf_counter()
        url = server.start()
        print(f"spark connect server start: {time.perf_counter() - t0:.1f} s", flush=True)
    try:
        for scale in [float(s) for s in args.scales.split(",") if s]:
            db, pq = prepare(scale, args.dir)
            print(f"scale {scale:g}: p50 of {args.runs} runs per query and engine", flush=True)
            bench_queries(db, pq, url, args.runs)
        if args.series:
            print("batch forecasting", flush=True)
            bench_batch(args.series, url, local)
    finally:
        if server:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
