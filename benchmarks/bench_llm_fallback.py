"""How long a question waits before the offline planner answers, per kind of model-endpoint failure.

    python benchmarks/bench_llm_fallback.py [--timeout 2] [--runs 3]

Each failure kind (refused connection, DNS, HTTP 500, a hang, a slow stream, malformed JSON, a malformed event
stream, HTML, a wrong-shaped body, a client-construction error, an unknown model, a tool-call loop) is replayed
by the loopback fake vLLM server (tests/fakes/fake_vllm.py) and asked through the real ChatOpenAI client, with
``llm_timeout_s = --timeout`` and one SDK retry allowed. The offline planner is the real one on a small demo
warehouse. Printed per kind: the median seconds until the offline answer, and that time as a ratio of the
timeout. Goal: every kind falls back within the timeout + 2 s (never a multiple of the timeout).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes import fake_vllm as fv  # noqa: E402

from shoplens.agent.analyst import Analyst  # noqa: E402
from shoplens.agent.config import Settings  # noqa: E402
from shoplens.data.demo import build_demo  # noqa: E402
from shoplens.tools.context import ToolContext  # noqa: E402


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


LOOP = fv.tool_call("query_metric", {"metric": "orders", "start": "2025-01-01", "end": "2025-01-31"})
KINDS: dict[str, Callable[[fv.FakeVllm], dict[str, Any]]] = {
    "refused connection": lambda f: {"llm_base_url": f"http://127.0.0.1:{closed_port()}/v1"},
    "DNS failure": lambda f: {"llm_base_url": "http://no-such-host.invalid:8000/v1"},
    "HTTP 500": lambda f: f.enqueue(*[fv.http_error(500, "CUDA out of memory")] * 3) and {},
    "hang": lambda f: f.enqueue(fv.hang(60), fv.hang(60)) and {},
    "slow stream": lambda f: f.enqueue(fv.slow_stream("Revenue was fine. " * 20, chunk_delay_s=0.2)) and {},
    "malformed JSON": lambda f: f.enqueue(*[fv.raw_body("{not json")] * 3) and {},
    "malformed event stream": lambda f: f.enqueue(*[fv.raw_body("data: {broken\n\n", "text/event-stream")] * 3) and {},
    "HTML page": lambda f: f.enqueue(*[fv.raw_body("<html><body>nginx</body></html>", "text/html")] * 3) and {},
    "wrong-shaped body": lambda f: f.enqueue(*[fv.raw_body('{"foo": 1}')] * 3) and {},
    "client construction": lambda f: {"llm_base_url": "http://[::1:8000/v1"},
    "unknown model": lambda f: {"llm_model": "not-served"},
    "tool-call loop": lambda f: f.enqueue(LOOP, LOOP, LOOP, LOOP) and {},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="shoplens-bench-fallback-"))
    db = tmp / "demo.duckdb"
    build_demo(db, scale=0.05, seed=7)
    ctx = ToolContext.open(db, tmp / "charts")
    base = Settings.load(env={}, home=tmp / "home", db=db, charts_dir=tmp / "charts")
    print(f"llm_timeout_s = {args.timeout:g} s, one SDK retry, median of {args.runs} runs\n")
    print(f"{'failure kind':<24} {'fallback s':>10} {'÷ timeout':>9}  notice")
    worst = 0.0
    for name, setup in KINDS.items():
        times, notice = [], ""
        for _ in range(args.runs):
            with fv.FakeVllm(max_seconds=120) as fake:
                over = {"llm_base_url": fake.url, "llm_model": fake.model, **(setup(fake) or {})}
                s = base.replace(llm_timeout_s=args.timeout, llm_max_retries=1, **over)
                analyst = Analyst(s, ctx=ctx)
                start = time.monotonic()
                answer = analyst.ask("revenue last month")
                times.append(time.monotonic() - start)
                assert answer.mode == "offline", (name, answer.answer)
                notice = answer.warnings[0].split(". ")[0] if answer.warnings else "(no notice!)"
        med = statistics.median(times)
        worst = max(worst, med)
        print(f"{name:<24} {med:>10.2f} {med / args.timeout:>9.2f}  {notice[:90]}")
    ok = worst <= args.timeout + 2
    print(f"\nslowest fallback {worst:.2f} s against a goal of {args.timeout + 2:g} s (timeout + 2 s): "
          f"{'met' if ok else 'NOT met'}")
    ctx.close()


if __name__ == "__main__":
    main()
