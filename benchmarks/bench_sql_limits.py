"""Resource bombs against the SQL runner with the production limits: does each stop within 1.5x its time limit,
with the worker's memory under its cap, and leave no file behind?

    python benchmarks/bench_sql_limits.py [--timeout 10] [--memory 4GB] [--db /tmp/shoplens-bench/demo-scale1.duckdb]

The corpus is tests/test_sql_bombs.py's (list and string functions that ignore interrupts, a 1 MB UNION ALL chain
that takes long to parse and plan, a sort that would spill, recursive CTEs, cross joins). Each runs on a private
copy of the warehouse through ``SqlRunner`` (worker processes); a sampler reads the resident memory of every
worker process every 20 ms. Printed per bomb: how it ended, wall time over the limit, peak worker RSS over the
cap, files that appeared beside the warehouse. Then the same for a few ordinary queries, which must still work.
Before each timed query a ``SELECT 1`` makes sure a worker is ready (a worker killed by the previous bomb is
replaced in the background, which takes a second or two on a busy machine and is not part of the next bomb).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

BOMBS = {
    "list_sort(range(200M))": "SELECT len(list_sort(range(200000000)))",
    "nested list_transform": "SELECT sum(len(list_transform(range(30000), lambda x: "
    "list_transform(range(30000), lambda y: x * y))))",
    "repeat('x', 1.5e9)": "SELECT length(repeat('x', 1500000000))",
    "repeat 100 MB x 30 rows": "SELECT repeat('x', 100000000) AS s FROM range(30)",
    "string_agg of 5 GB": "SELECT length(string_agg(repeat('y', 1000000), '')) FROM range(5000)",
    "1 MB UNION ALL chain": " UNION ALL ".join(f"SELECT {i} AS n" for i in range(34000)),
    "sort that would spill": "SELECT range, random() AS r, repeat('ab', 20) AS s FROM range(60000000) ORDER BY r",
    "recursive CTE": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
    "cross join 2e7 x 2e7": "SELECT count(*) FROM range(20000000) a, range(20000000) b WHERE a.range + b.range = -1",
    "hash over 2e10 rows": "SELECT sum(hash(range) % 7) FROM range(20000000000)",
}
ORDINARY = {
    "revenue by category": "SELECT p.category, sum(oi.revenue) FROM order_items oi JOIN products p USING "
    "(product_id) GROUP BY 1 ORDER BY 2 DESC",
    "daily orders": "SELECT order_date, count(*) FROM orders GROUP BY 1 ORDER BY 1",
}


class Sampler:
    """Peak resident memory of this process's children (the SQL workers), sampled every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            for pid in _children(me):
                self.peak = max(self.peak, _rss(pid))
            time.sleep(0.02)


def _children(parent: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == parent:
                out.append(int(entry))
    return out


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--memory", default="4GB")
    ap.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "shoplens-bench" / "demo-scale1.duckdb")
    args = ap.parse_args()

    from shoplens.data.errors import ShopLensError
    from shoplens.tools.sql import SqlRunner, parse_size

    if not args.db.exists():
        from shoplens.data.demo import build_demo

        args.db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the demo warehouse in {args.db} ...", flush=True)
        build_demo(args.db, scale=1.0, seed=42)
    folder = Path(tempfile.mkdtemp(prefix="shoplens-bench-sql-"))
    db = folder / "shop.duckdb"
    shutil.copyfile(args.db, db)
    cap = parse_size(args.memory)
    runner = SqlRunner(db, timeout_s=args.timeout, memory_limit=args.memory)
    before = sorted(os.listdir(folder))
    print(f"limits: {args.timeout:g} s per query, {cap / 1e9:.1f} GB address space per worker; "
          f"{os.cpu_count()} CPU; load {os.getloadavg()[0]:.1f}")
    print(f"{'bomb':26}{'ended by':22}{'wall s':>8}{'/limit':>8}{'peak RSS':>10}{'/cap':>7}  files left")
    worst_t = worst_m = 0.0
    ok = True
    for name, sql in {**BOMBS, **ORDINARY}.items():
        runner.run("SELECT 1")  # a ready worker first: a killed one is replaced before the next bomb is timed
        with Sampler() as sampler:
            start = time.perf_counter()
            try:
                res = runner.run(sql)
                how = f"answered ({res.row_count} rows)"
            except ShopLensError as exc:
                text = str(exc)
                how = ("time limit" if "time limit" in text else "memory cap" if "memory" in text
                       else "result cap" if "larger than" in text else "refused: " + text[:30])
            wall = time.perf_counter() - start
        left = sorted(set(os.listdir(folder)) - set(before))
        t_ratio, m_ratio = wall / args.timeout, sampler.peak / cap
        bomb = name in BOMBS
        if bomb:
            worst_t, worst_m = max(worst_t, t_ratio), max(worst_m, m_ratio)
            ok &= t_ratio <= 1.5 and m_ratio < 1.0 and not left and not how.startswith("answered")
        else:
            ok &= how.startswith("answered")
        print(f"{name:26}{how:22}{wall:8.2f}{t_ratio:7.2f}x{sampler.peak / 1e6:8.0f}MB{m_ratio:6.2f}x  "
              f"{', '.join(left) or '-'}")
    runner.close()
    shutil.rmtree(folder, ignore_errors=True)
    print(f"worst bomb: {worst_t:.2f}x the time limit, peak worker RSS {worst_m:.2f}x the memory cap; "
          f"target <= 1.5x time, < 1x memory, no files left: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
