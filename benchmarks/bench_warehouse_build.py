"""Demo warehouse build: wall time, peak memory and rows/s at scale 1 and 10, measured side by side.

Each build runs in a fresh subprocess (so peak RSS is that build's own, imports included) and writes into a
temporary folder that is removed afterwards. Scale 1 is the median of several runs; scale 10 defaults to one.

    python benchmarks/bench_warehouse_build.py [--runs 3] [--big-runs 1] [--scales 1 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SCALE_1_S = 30.0

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from shoplens.data.demo import build_demo
t0 = time.perf_counter()
summary = build_demo(Path(sys.argv[1]), scale=float(sys.argv[2]), seed=int(sys.argv[3]))
wall = time.perf_counter() - t0
print(json.dumps({"wall_s": wall, "build_s": summary["elapsed_s"], "tables": summary["tables"],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_once(scale: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="shoplens-bench-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(scale), str(seed)],
                             check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["file_mb"] = path.stat().st_size / 2**20
        return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--runs", type=int, default=3, help="runs for scales below 5 (median reported)")
    ap.add_argument("--big-runs", type=int, default=1, help="runs for scales of 5 and more")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f} python={sys.version.split()[0]}")
    header = f"{'scale':>6} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12} " \
             f"{'file MB':>8} {'rows':>11} {'rows/s':>10} {'orders':>9} {'lines':>10} {'reviews':>8}"
    print(header)
    results: dict[float, dict] = {}
    for scale in args.scales:
        runs = [run_once(scale, args.seed) for _ in range(args.runs if scale < 5 else args.big_runs)]
        times = [r["build_s"] for r in runs]
        rows = sum(runs[0]["tables"].values())
        med = statistics.median(times)
        rss = max(r["peak_rss_mb"] for r in runs)
        t = runs[0]["tables"]
        results[scale] = {"median_s": med, "rss_mb": rss, "rows": rows}
        print(f"{scale:>6g} {len(runs):>4} {med:>9.2f} {min(times):>7.2f} {max(times):>7.2f} {rss:>12.0f} "
              f"{runs[0]['file_mb']:>8.0f} {rows:>11,} {rows / med:>10,.0f} {t['orders']:>9,} "
              f"{t['order_items']:>10,} {t['reviews']:>8,}")
    if 1.0 in results:
        verdict = "ok" if results[1.0]["median_s"] <= TARGET_SCALE_1_S else "TOO SLOW"
        print(f"scale 1 target <= {TARGET_SCALE_1_S:.0f} s: {results[1.0]['median_s']:.2f} s ({verdict})")
    if 1.0 in results and 10.0 in results:
        a, b = results[1.0], results[10.0]
        print(f"scale 10 / scale 1: time x{b['median_s'] / a['median_s']:.2f}, rows x{b['rows'] / a['rows']:.2f}, "
              f"peak RSS x{b['rss_mb'] / a['rss_mb']:.2f} (memory grows far slower than volume: chunked writes)")


if __name__ == "__main__":
    main()
