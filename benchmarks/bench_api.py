"""The HTTP API under load: 1, 20 and 50 concurrent clients on loopback, offline planner, demo warehouse at scale 1.

    python benchmarks/bench_api.py [--clients 1,20,50] [--requests 10] [--runs 3] [--scale 1]
                                   [--db /tmp/shoplens-bench/demo-scale1.duckdb]

The real server (`shoplens ui`: uvicorn, API at /api, the Gradio page at /) runs as its own process on a free
127.0.0.1 port, as in production; the clients run in this process. Each client is a thread with its own keep-alive connection that asks ``--requests`` questions one after the
other from a mix of everyday questions (figures, breakdowns, comparisons, top-N, trends; about half draw a chart),
continuing its own conversation (session_id) after the first answer. Forecasts are not in the mix: they fit
models for seconds by design and are measured by bench_forecast.py.

Side by side in one run, per round: the same questions from a single client (the baseline) and from each
``--clients`` level at once; p50/p95/max latency, errors, throughput, and each level's p95 over the single
client's p95. Figures are medians over ``--runs`` rounds. The server runs as configured for production: an API
token (every request carries it), SQL in worker processes, charts drawn in a process pool with a cache, and the
SQL result cache (kept until the warehouse file is replaced). The mix repeats questions, as people do, so repeated
charts and queries come from the caches; the server's hit counts are printed. The same rounds run a second time
against a server with the result cache off, side by side, so its effect is measured rather than assumed.
Goals: 20 clients p95 <= 4x the single-client p95; 50 clients with no errors and p95 <= 10x it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

QUESTIONS = [
    "revenue last month",
    "revenue by channel in 2025",
    "revenue by category last month",
    "top 5 products by units this year",
    "how did revenue last month compare with the month before?",
    "orders by region in 2025",
    "monthly revenue trend for Beauty this year",
    "average order value by channel last quarter",
    "stacked bars of monthly revenue by channel for 2025",
    "units sold by category in 2025",
]
GOALS = {20: 4.0, 50: 10.0}  # clients -> p95 at most this many times the single-client p95
TOKEN = "bench-" + "7d1e9a3c5b2f8e4a6c0d1b3e5f7a9c2e"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def client_run(
    base: str,
    questions: list[str],
    out: list[tuple[float, bool, str]],
    barrier: threading.Barrier | None,
    lock: threading.Lock,
) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=120.0, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        session: str | None = None
        if barrier is not None:
            barrier.wait()
        for q in questions:
            body: dict[str, Any] = {"question": q}
            if session:
                body["session_id"] = session
            start = time.perf_counter()
            try:
                r = http.post("/api/ask", json=body)
                ok = r.status_code == 200 and bool(r.json().get("answer"))
                why = "" if ok else f"HTTP {r.status_code}: {r.text[:120]}"
                if ok:
                    session = r.json().get("session_id") or session
            except Exception as exc:  # noqa: BLE001 - counted as an error
                ok, why = False, f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - start
            with lock:
                out.append((elapsed, ok, why))


def load(base: str, clients: int, per_client: int, offset: int = 0) -> dict[str, Any]:
    results: list[tuple[float, bool, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients) if clients > 1 else None
    threads = []
    for c in range(clients):
        qs = [QUESTIONS[(offset + c + i) % len(QUESTIONS)] for i in range(per_client)]
        threads.append(
            threading.Thread(target=client_run, args=(base, qs, results, barrier, lock), daemon=True)
        )
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    lat = [r[0] for r in results]
    errors = [r[2] for r in results if not r[1]]
    return {
        "n": len(results),
        "p50": pct(lat, 0.5),
        "p95": pct(lat, 0.95),
        "max": max(lat),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "throughput": len(results) / wall,
        "wall": wall,
    }


def warehouse(args: argparse.Namespace) -> Path:
    db = args.db or Path(tempfile.gettempdir()) / "shoplens-bench" / f"demo-scale{args.scale:g}.duckdb"
    if not db.exists():
        from shoplens.data.demo import build_demo

        db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the demo warehouse at scale {args.scale:g} in {db} ...", flush=True)
        build_demo(db, scale=args.scale, seed=42)
    return db


@contextlib.contextmanager
def server(db: Path, home: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """`shoplens ui` in a child process (offline: no LLM endpoint); yields (base URL, pid) once /api/health
    answers."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPLENS_", "SLACK_"))}
    env |= {"SHOPLENS_HOME": str(home), "SHOPLENS_DB": str(db), "SHOPLENS_CHARTS_DIR": str(home / "charts"),
            "SHOPLENS_API_TOKEN": TOKEN} | (extra_env or {})
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shoplens.agent.cli.main",
            "ui",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-browser",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited ({proc.returncode}); see {home / 'server.log'}")
            try:
                if httpx.get(base + "/api/health", timeout=2, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not start; see {home / 'server.log'}")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


CONFIGS = {  # name -> extra server environment; the first is production's default and is judged
    "result cache on (default)": {},
    "result cache off": {"SHOPLENS_SQL_CACHE_MB": "0"},
}


def measure(db: Path, extra_env: dict[str, str], levels: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """One server with ``extra_env``: the single-client baseline and every level, ``args.runs`` rounds."""
    import httpx

    home = Path(tempfile.mkdtemp(prefix="shoplens-bench-api-"))
    rows: dict[int, list[dict[str, Any]]] = {1: [], **{n: [] for n in levels}}
    cpu: dict[int, list[float]] = {n: [] for n in levels}
    with server(db, home, extra_env) as (base, pid):
        load(base, 1, len(QUESTIONS))  # warm-up: every question once (imports, fonts, worker processes)
        for run in range(args.runs):
            rows[1].append(load(base, 1, len(QUESTIONS), offset=run))
            line = [f"1 client p50 {rows[1][-1]['p50']:.3f}s p95 {rows[1][-1]['p95']:.3f}s"]
            for n in levels:
                before = cpu_seconds(pid)
                rows[n].append(load(base, n, args.requests, offset=run))
                after = cpu_seconds(pid)
                if before is not None and after is not None:
                    cpu[n].append((after - before) / rows[n][-1]["n"])
                m = rows[n][-1]
                line.append(f"{n} clients p50 {m['p50']:.3f}s p95 {m['p95']:.3f}s {m['throughput']:.1f} req/s "
                            f"errors {m['errors']}")
            print(f"  run {run + 1}: " + " | ".join(line), flush=True)
        health = httpx.get(base + "/api/health", timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}).json()
        charts = len(list((home / "charts").glob("*.png")))
    return {"rows": rows, "cpu": cpu, "charts": charts,
            "sql_cache": health.get("warehouse", {}).get("result_cache") or {}}


def report(name: str, m: dict[str, Any], levels: list[int]) -> dict[int, float]:
    """Prints one configuration's table; returns each level's p95 ratio to the single client."""
    rows, cpu = m["rows"], m["cpu"]

    def med(level: int, key: str) -> float:
        return statistics.median(r[key] for r in rows[level])

    cols = [1, *levels]
    print(f"\n{name:22}" + "".join(f"{f'{n} client' + ('s' if n > 1 else ''):>14}" for n in cols))
    for label, key, unit in (("p50 latency", "p50", "s"), ("p95 latency", "p95", "s"), ("max latency", "max", "s"),
                             ("throughput", "throughput", "req/s")):
        print(f"{label:22}" + "".join(f"{med(n, key):>11.3f}{unit:<3}" for n in cols))
    print(f"{'p95 / 1-client p95':22}" + "".join(f"{med(n, 'p95') / med(1, 'p95'):>13.2f}x" for n in cols))
    errors = {n: sum(r["errors"] for r in rows[n]) for n in cols}
    total = {n: sum(r["n"] for r in rows[n]) for n in cols}
    print(f"{'errors':22}" + "".join(f"{f'{errors[n]}/{total[n]}':>14}" for n in cols))
    first = next((r["first_error"] for n in cols for r in rows[n] if r["first_error"]), "")
    if first:
        print(f"first error: {first}")
    per = next((statistics.median(cpu[n]) for n in levels if cpu[n]), None)
    if per is not None:
        print(f"server process CPU per answer with {levels[0]} clients: {per * 1000:.0f} ms (SQL workers and chart "
              f"processes not included); {m['charts']} distinct chart files drawn in all")
    for n in levels:  # Little's law: with n clients always waiting, the mean latency is n / throughput
        floor = n / med(n, "throughput")
        print(f"queueing floor at {n} clients: {n} / {med(n, 'throughput'):.1f} req/s = {floor:.3f}s mean latency, "
              f"{floor / med(1, 'p95'):.1f}x the single-client p95 (the ratio cannot be lower at this throughput)")
    c = m["sql_cache"]
    if c:
        print(f"SQL result cache: {c.get('hits', 0):,} hits, {c.get('misses', 0):,} misses, {c.get('entries', 0)} "
              f"entries, {c.get('bytes', 0) / 1024:.0f} KiB")
    return {n: (med(n, "p95") / med(1, "p95")) if errors[n] == 0 or n < 50 else float("inf") for n in levels}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", default="1,20,50", help="concurrency levels, side by side (1 is the baseline)")
    ap.add_argument("--requests", type=int, default=10, help="questions per client per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    levels = sorted({int(c) for c in args.clients.split(",") if int(c) > 1})

    db = warehouse(args)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    print(f"warehouse {db} · {cores} cores · clients 1,{','.join(map(str, levels))} x {args.requests} questions x "
          f"{args.runs} runs · each configuration is its own server process (token auth)", flush=True)
    measured = {}
    for name, extra in CONFIGS.items():
        print(f"{name}:", flush=True)
        measured[name] = measure(db, extra, levels, args)
    ratios = {name: report(name, m, levels) for name, m in measured.items()}
    judged = next(iter(CONFIGS))
    print()
    ok = True
    for n, goal in GOALS.items():
        if n not in levels:
            continue
        ratio = ratios[judged][n]
        passed = ratio <= goal
        ok &= passed
        others = ", ".join(f"{name} {r[n]:.2f}x" for name, r in ratios.items() if name != judged)
        print(f"goal {n} clients: p95 <= {goal:g}x the single-client p95{' and no errors' if n >= 50 else ''}: "
              f"{'PASS' if passed else 'FAIL'} ({ratio:.2f}x; {others}) on {cores} cores")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
