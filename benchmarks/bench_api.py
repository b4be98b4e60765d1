"""The HTTP API under load: 20 concurrent clients on loopback, offline planner, demo warehouse at scale 1.

    python benchmarks/bench_api.py [--clients 20] [--requests 10] [--runs 3] [--scale 1]
                                                  [--db /tmp/shoplens-bench/demo-scale1.duckdb]

The real server (`shoplens ui`: uvicorn, API at /api, the Gradio page at /) runs as its own process on a free
127.0.0.1 port, as in production; the clients run in this process. Each client is a thread with its own keep-alive connection that asks ``--requests`` questions one after the
other from a mix of everyday questions (figures, breakdowns, comparisons, top-N, trends; about half draw a chart),
continuing its own conversation (session_id) after the first answer. Forecasts are not in the mix: they fit
models for seconds by design and are measured by bench_forecast.py.

Side by side in one run: the same questions from a single client (baseline) and from ``--clients`` clients at
once; p50/p95/max latency, errors, throughput, and the ratios load/baseline. Figures are medians over ``--runs``.
Target: p95 <= 2 s with 20 clients and no errors.
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
TARGET_P95_S = 2.0


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

    with httpx.Client(base_url=base, timeout=60.0) as http:
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
def server(db: Path, home: Path) -> Iterator[tuple[str, int]]:
    """`shoplens ui` in a child process (offline: no LLM endpoint); yields (base URL, pid) once /api/health
    answers."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPLENS_", "SLACK_"))}
    env |= {"SHOPLENS_HOME": str(home), "SHOPLENS_DB": str(db), "SHOPLENS_CHARTS_DIR": str(home / "charts")}
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
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=10, help="questions per client per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()

    db = warehouse(args)
    home = Path(tempfile.mkdtemp(prefix="shoplens-bench-api-"))
    with server(db, home) as (base, pid):
        print(
            f"server {base} (own process) · warehouse {db} · {os.cpu_count()} CPU · {args.clients} clients x "
            f"{args.requests} questions x {args.runs} runs",
            flush=True,
        )
        load(base, 1, len(QUESTIONS))  # warm-up: every question once (imports, fonts, caches)
        single, many, cpu = [], [], []
        for run in range(args.runs):
            single.append(load(base, 1, len(QUESTIONS), offset=run))
            before = cpu_seconds(pid)
            many.append(load(base, args.clients, args.requests, offset=run))
            after = cpu_seconds(pid)
            if before is not None and after is not None:
                cpu.append((after - before) / many[-1]["n"])
            m = many[-1]
            print(
                f"  run {run + 1}: 1 client p50 {single[-1]['p50']:.3f}s p95 {single[-1]['p95']:.3f}s | "
                f"{args.clients} clients p50 {m['p50']:.3f}s p95 {m['p95']:.3f}s max {m['max']:.3f}s "
                f"{m['throughput']:.1f} req/s errors {m['errors']}",
                flush=True,
            )

    def med(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    s = {k: med(single, k) for k in ("p50", "p95", "max", "throughput")}
    m = {k: med(many, k) for k in ("p50", "p95", "max", "throughput")}
    errors = sum(r["errors"] for r in many) + sum(r["errors"] for r in single)
    total = sum(r["n"] for r in many) + sum(r["n"] for r in single)
    print()
    print(f"{'':24}{'1 client':>12}{f'{args.clients} clients':>14}{'ratio':>9}")
    for label, key, unit in (
        ("p50 latency", "p50", "s"),
        ("p95 latency", "p95", "s"),
        ("max latency", "max", "s"),
        ("throughput", "throughput", "req/s"),
    ):
        print(f"{label:24}{s[key]:>10.3f}{unit:<2}{m[key]:>12.3f}{unit:<2}{m[key] / s[key]:>8.2f}x")
    print(f"{'errors':24}{errors:>10} of {total} requests")
    first = next((r["first_error"] for r in many + single if r["first_error"]), "")
    if first:
        print(f"first error: {first}")
    if cpu:
        per = statistics.median(cpu)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        ceiling = cores / per
        print(
            f"{'server CPU per answer':24}{per * 1000:>10.0f} ms under load -> CPU-bound ceiling {ceiling:.1f} req/s on "
            f"{cores} cores; with {args.clients} clients and no pause the mean latency cannot go below "
            f"{args.clients / ceiling:.2f} s (Little's law)"
        )
    ok = m["p95"] <= TARGET_P95_S and errors == 0
    print(
        f"target p95 <= {TARGET_P95_S:g} s with {args.clients} clients and no errors: "
        f"{'PASS' if ok else 'FAIL'} (p95 {m['p95']:.3f} s, {errors} errors)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
