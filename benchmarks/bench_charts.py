"""Chart rendering speed and memory.

    python benchmarks/bench_charts.py [--renders 1000] [--runs 15]

1. A 5,000-point line chart, spec to PNG bytes (target: 150 ms or less), median of several runs, next to a bare
   matplotlib line of the same points saved with ``savefig`` (the floor: what the house style costs).
2. Throughput from 1 and 4 threads (the GIL bounds it; the point is that threads are safe, not faster), and from
   4 threads drawing through the server's process pool (``ChartRenderer`` with one process per core), side by side.
3. 1,000 renders through the chart tool (PNG + CSV + JSON written) in one process: RSS at start, after 100 and
   after 1,000 renders, and the ratio (target: flat, i.e. close to 1.0). Each render's numbers differ slightly
   and the renderer keeps no cache, so every render draws and writes; the cache (bounded: 256 charts, 64 MB) is
   timed separately in 2 (the same chart asked for again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from shoplens.tools.charts.render import png_bytes, render_chart
from shoplens.tools.charts.tool import ChartTool

AS_OF = dt.date(2026, 6, 30)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def frame_5k() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ds = pd.date_range("2012-07-01", periods=5_000, freq="D")
    y = 40_000 * (1 + 0.2 * np.sin(np.arange(5_000) / 58)) * rng.normal(1, 0.05, 5_000)
    return pd.DataFrame({"date": ds.date, "revenue": y})


SPEC_5K = {
    "kind": "line",
    "x": "date",
    "y": "revenue",
    "units": {"revenue": "currency"},
    "events": [
        {"name": "Black Friday", "start": "2024-11-29"},
        {"name": "Site outage", "start": "2025-03-14"},
    ],
}


def timed(fn, runs: int) -> tuple[float, float, float]:
    """Median wall ms, max wall ms and median CPU ms of this process (CPU time is what the render costs when
    other jobs share the cores; wall time is what a user waits)."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def bare(df: pd.DataFrame) -> bytes:
    fig = Figure(figsize=(10, 5.625), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(pd.to_datetime(df["date"]), df["revenue"])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def bench_speed(runs: int) -> None:
    df = frame_5k()
    png_bytes(render_chart(SPEC_5K, df, as_of=AS_OF).figure)  # warm fonts and caches
    bare(df)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    build_ms, _, build_cpu = timed(lambda: render_chart(SPEC_5K, df, as_of=AS_OF), runs)
    full_ms, worst, full_cpu = timed(lambda: png_bytes(render_chart(SPEC_5K, df, as_of=AS_OF).figure), runs)
    bare_ms, _, bare_cpu = timed(lambda: bare(df), runs)
    print(
        f"5k-point line chart, spec -> PNG: median {full_ms:.0f} ms wall (max {worst:.0f}), {full_cpu:.0f} ms CPU, "
        f"over {runs} runs; target <= 150 ms -> {'OK' if full_ms <= 150 else 'OVER'} "
        f"({full_ms / 150:.2f}x of budget wall, {full_cpu / 150:.2f}x CPU)"
    )
    print(
        f"  building the figure (data prep, artists): {build_ms:.0f} ms wall / {build_cpu:.0f} ms CPU; "
        f"layout + raster + PNG: {full_ms - build_ms:.0f} ms wall / {full_cpu - build_cpu:.0f} ms CPU"
    )
    print(
        f"  bare matplotlib line + savefig, same points: {bare_ms:.0f} ms wall / {bare_cpu:.0f} ms CPU -> the "
        f"house style costs {full_ms / bare_ms:.2f}x (wall) / {full_cpu / bare_cpu:.2f}x (CPU) the bare plot"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def bench_threads(n: int = 24) -> None:
    df = frame_5k().iloc[:730]
    spec = {**SPEC_5K, "dpi": 100}

    def one(_: int) -> int:
        return len(png_bytes(render_chart(spec, df).figure))

    one(0)
    rates = {}
    for workers in (1, 4):
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sizes = list(pool.map(one, range(n)))
        secs = time.perf_counter() - t
        assert all(s > 1000 for s in sizes)
        rates[workers] = n / secs
        print(f"{n} charts from {workers} thread(s): {secs:.2f} s, {n / secs:.1f} charts/s")
    from shoplens.tools.charts.renderer import ChartRenderer
    from shoplens.tools.charts.spec import ChartSpec

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    renderer = ChartRenderer(cores)
    try:
        chart = ChartSpec.from_dict(spec)
        renderer.draw(chart, df.assign(revenue=df.revenue + 0.5))  # the pool's processes are up and warm
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:  # distinct data: no cache hits
            sizes = list(pool.map(lambda i: len(renderer.draw(chart, df.assign(revenue=df.revenue + i)).png),
                                  range(1, n + 1)))
        secs = time.perf_counter() - t
        assert all(s > 1000 for s in sizes)
        print(f"{n} charts from 4 threads through a {cores}-process pool: {secs:.2f} s, {n / secs:.1f} charts/s "
              f"({n / secs / rates[4]:.2f}x the 4 threads in one process)")
        t = time.perf_counter()
        for _ in range(n):
            renderer.draw(chart, df.assign(revenue=df.revenue + 1))  # drawn above: from the cache
        print(f"the same chart again from the cache: {(time.perf_counter() - t) / n * 1000:.2f} ms each")
    finally:
        renderer.close()


def bench_memory(renders: int) -> None:
    rng = np.random.default_rng(1)
    days = pd.date_range("2025-07-01", periods=365, freq="D").date
    line = pd.DataFrame({"period": days, "revenue": rng.uniform(1e4, 5e4, 365)})
    cats = pd.DataFrame(
        {"category": [f"Category {i}" for i in range(8)], "revenue": rng.uniform(1e5, 1e6, 8)}
    )
    specs = [
        ({"x": "period", "y": "revenue", "units": {"revenue": "currency"}}, line),
        ({"x": "category", "y": "revenue", "units": {"revenue": "currency"}}, cats),
    ]
    def varied(i: int) -> tuple[dict, pd.DataFrame]:
        spec, df = specs[i % 2]
        return spec, df.assign(revenue=df.revenue + i)  # new numbers every time: drawn, never from the cache

    from shoplens.tools.charts.renderer import ChartRenderer

    with tempfile.TemporaryDirectory() as tmp:
        tool = ChartTool(Path(tmp), AS_OF, renderer=ChartRenderer(0, cache_items=0))  # leaks, not the cache's fill
        for i in range(10):  # warm-up: fonts, caches, imports
            tool.render(*varied(-i - 1))
        start = rss_mb()
        marks = {}
        t = time.perf_counter()
        for i in range(1, renders + 1):
            tool.render(*varied(i))
            if i in (min(100, renders), renders):
                marks[i] = rss_mb()
        secs = time.perf_counter() - t
        files = len(list(Path(tmp).iterdir()))
    print(
        f"{renders} renders through the chart tool ({files} files written) in {secs:.1f} s "
        f"({secs / renders * 1000:.0f} ms each)"
    )
    first = min(100, renders)
    print(
        f"  RSS: start {start:.0f} MB, after {first} {marks[first]:.0f} MB, after {renders} {marks[renders]:.0f} MB; "
        f"ratio {renders}/{first} = {marks[renders] / marks[first]:.3f}, ratio {renders}/start = "
        f"{marks[renders] / start:.3f}; growth per 100 renders after the first {first}: "
        f"{(marks[renders] - marks[first]) / max(1, (renders - first) / 100):.2f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--renders", type=int, default=1000)
    args = ap.parse_args()
    bench_speed(args.runs)
    bench_threads()
    bench_memory(args.renders)


if __name__ == "__main__":
    main()
