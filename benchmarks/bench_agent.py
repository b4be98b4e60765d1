"""The LLM agent's own overhead per question, with an instant fake model.

    python benchmarks/bench_agent.py [--reps 15] [--runs 3] [--scale 0.05]

Seven scripted questions (one figure, a breakdown, a period comparison, two tools in one turn, a chart, a reply
without tools, a follow-up using memory) run through ``LlmAgent.stream`` on the demo warehouse with real tools,
against two instant models:

- ``in-process``: a scripted LangChain chat model (tests/fakes/scripted_chat.py), streamed word by word;
- ``http``: the real ChatOpenAI client against the fake vLLM server on 127.0.0.1 (tests/fakes/fake_vllm.py),
  i.e. also paying for HTTP, SSE parsing and the OpenAI client.

Per question: total wall time, the tools' own time (union of the intervals the ShopLens tools ran; parallel calls
are not double counted), overhead = total - tools (everything the agent adds: LangGraph, middleware, tool
wrappers, prompt, streaming translation, grounding, memory; in ``http`` mode also the client round trips), and
the number of model round trips. Target: overhead <= 50 ms at p50. Figures are medians over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes import fake_vllm as fv  # noqa: E402
from fakes.scripted_chat import ScriptedChatModel, call, say  # noqa: E402

from shoplens.agent.config import Settings  # noqa: E402
from shoplens.agent.events import StepFinished  # noqa: E402
from shoplens.agent.llm import LlmAgent  # noqa: E402
from shoplens.agent.llm import tools as llm_tools  # noqa: E402
from shoplens.agent.sessions import Session  # noqa: E402
from shoplens.agent.toolbox import Toolbox  # noqa: E402
from shoplens.tools.context import ToolContext  # noqa: E402

TARGET_MS = 50.0
ANSWER = ("Revenue for the period was $1.23M, up 8.1% on the period before; the West led with $412K and "
          "Electronics contributed the most to the change (see the table).")


class ToolClock:
    """Intervals during which ShopLens tools ran (wrapped around each tool's own call)."""

    def __init__(self) -> None:
        self.intervals: list[tuple[float, float]] = []
        self.lock = threading.Lock()

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args)
            finally:
                with self.lock:
                    self.intervals.append((start, time.perf_counter()))

        return timed

    def take_ms(self) -> float:
        with self.lock:
            spans, self.intervals = sorted(self.intervals), []
        total, end = 0.0, float("-inf")
        for a, b in spans:
            if b > end:
                total += b - max(a, end)
                end = b
        return total * 1000


def scenarios(as_of: Any) -> list[tuple[str, list[tuple[str, list[Any]]]]]:
    """(name, [(question, [model replies as (tool calls | text)])]); a reply is ("call", [(tool, args)...]) or
    ("say", text)."""
    y = as_of.year - 1
    year = {"start": f"{y}-01-01", "end": f"{y}-12-31"}
    q2 = {"current_start": f"{y}-04-01", "current_end": f"{y}-06-30", "previous_start": f"{y}-01-01",
          "previous_end": f"{y}-03-31"}
    return [
        ("figure", [("revenue last year?", [("call", [("query_metric", {"metric": "revenue", **year})]),
                                            ("say", ANSWER)])]),
        ("breakdown", [("revenue by region last year", [
            ("call", [("query_metric", {"metric": "revenue", "group_by": ["region"], **year})]), ("say", ANSWER)])]),
        ("compare", [("how did Q2 do vs Q1 by category?", [
            ("call", [("compare_periods", {"metric": "revenue", "by": "category", **q2})]), ("say", ANSWER)])]),
        ("two tools", [("orders and AOV last year, and Q2 vs Q1", [
            ("call", [("query_metric", {"metric": "orders", "also": ["aov"], **year}),
                      ("compare_periods", {"metric": "revenue", **q2})]), ("say", ANSWER)])]),
        ("chart", [("chart monthly revenue last year", [
            ("call", [("make_chart", {"metric": "revenue", "grain": "month", "kind": "line", **year})]),
            ("say", ANSWER)])]),
        ("no tool", [("hello, what can you do?", [("say", "I answer questions about sales, customers, reviews "
                                                          "and marketing, with charts and forecasts.")])]),
        ("follow-up", [("revenue by channel last year", [
            ("call", [("query_metric", {"metric": "revenue", "group_by": ["channel"], **year})]), ("say", ANSWER)]),
            ("only the West", [("call", [("query_metric", {"metric": "revenue", "group_by": ["channel"],
                                                           "filters": {"region": ["West"]}, **year})]),
                               ("say", ANSWER)])]),
    ]


def to_scripted(reply: tuple[str, Any]) -> Any:
    kind, body = reply
    return call(*body[0], *body[1:]) if kind == "call" else say(body)


def to_vllm(reply: tuple[str, Any]) -> Any:
    kind, body = reply
    return fv.tool_calls(*body) if kind == "call" else fv.text(body)


@dataclasses.dataclass
class Sample:
    total_ms: float
    tools_ms: float
    round_trips: int

    @property
    def overhead_ms(self) -> float:
        return self.total_ms - self.tools_ms


def run_question(agent: LlmAgent, question: str, session: Session, clock: ToolClock) -> tuple[float, float, int]:
    start = time.perf_counter()
    steps = 0
    for ev in agent.stream(question, session):
        if isinstance(ev, StepFinished):
            steps += 1
            assert ev.ok, ev.error
    return (time.perf_counter() - start) * 1000, clock.take_ms(), steps


class Harness:
    """One agent with its instant model: in-process scripted, or ChatOpenAI against the fake vLLM server."""

    def __init__(self, mode: str, settings: Settings, ctx: ToolContext, server: fv.FakeVllm | None = None) -> None:
        self.mode = mode
        self.server = server
        self.model = None if server else ScriptedChatModel()
        self.agent = LlmAgent(settings, Toolbox(ctx, settings), model=self.model)

    def enqueue(self, replies: list[Any]) -> None:
        if self.server is not None:
            self.server.enqueue(*map(to_vllm, replies))
        else:
            assert self.model is not None
            self.model.enqueue(*map(to_scripted, replies))

    def round_trips(self) -> int:
        return len(self.server.requests) if self.server is not None else (self.model.calls if self.model else 0)


def measure(h: Harness, scen: list[tuple[str, list[Any]]], clock: ToolClock, reps: int) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = {}
    for name, turns in scen:
        samples = out.setdefault(name, [])
        for _ in range(reps):
            session = Session(f"{h.mode}-{name}")
            for question, replies in turns:
                h.enqueue(replies)
                before = h.round_trips()
                total, tools_ms, _ = run_question(h.agent, question, session, clock)
                samples.append(Sample(total, tools_ms, h.round_trips() - before))
    return out


def bare_round_trips(agent: LlmAgent, server: fv.FakeVllm, n: int) -> dict[str, list[float]]:
    """The ChatOpenAI client alone (the agent's system prompt and tool schemas, the same answer), no agent:
    streamed (what the agent does) and not streamed."""
    from langchain_core.messages import HumanMessage, SystemMessage

    model = agent.chat_model().bind_tools(agent.tools)
    messages = [SystemMessage(agent.system_prompt()), HumanMessage("revenue last year?")]
    out: dict[str, list[float]] = {"streamed": [], "not streamed": []}
    for _ in range(n):
        for kind, times in out.items():
            server.enqueue(fv.text(ANSWER))
            start = time.perf_counter()
            if kind == "streamed":
                for _chunk in model.stream(messages):
                    pass
            else:
                model.invoke(messages)
            times.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=15, help="questions per scenario per run")
    ap.add_argument("--runs", type=int, default=3, help="independent runs (figures are medians over runs)")
    ap.add_argument("--scale", type=float, default=0.05, help="demo warehouse scale")
    args = ap.parse_args()

    from shoplens.data.demo import build_demo

    tmp = Path(tempfile.mkdtemp(prefix="shoplens-bench-agent-"))
    t0 = time.perf_counter()
    build_demo(tmp / "demo.duckdb", scale=args.scale, seed=7)
    print(f"demo warehouse scale {args.scale}: built in {time.perf_counter() - t0:.1f} s")
    ctx = ToolContext.open(tmp / "demo.duckdb", tmp / "charts")
    clock = ToolClock()
    llm_tools.SPECS = tuple(dataclasses.replace(s, call=clock.wrap(s.call)) for s in llm_tools.SPECS)
    scen = scenarios(ctx.as_of)
    settings = Settings.load(env={}, home=tmp / "home", db=tmp / "demo.duckdb", charts_dir=tmp / "charts",
                             llm_base_url="http://127.0.0.1:9/v1", llm_max_retries=0, llm_timeout_s=10)

    results: dict[str, list[dict[str, list[Sample]]]] = {"in-process": [], "http": []}
    cold: dict[str, float] = {}
    with fv.FakeVllm(model=settings.llm_model, max_requests=100_000, max_seconds=3600) as server:
        http_settings = settings.replace(llm_base_url=server.url)
        for _ in range(args.runs):  # fresh agents per run (a new graph, a new client)
            harnesses = [Harness("in-process", settings, ctx), Harness("http", http_settings, ctx, server)]
            for h in harnesses:  # the first question builds the graph, imports, renders the prompt, warms tools
                question, replies = scen[0][1][0]
                h.enqueue(replies)
                first = run_question(h.agent, question, Session("warm"), clock)[0]
                cold.setdefault(h.mode, first)
            for h in harnesses:
                results[h.mode].append(measure(h, scen, clock, args.reps))
        bare = bare_round_trips(harnesses[1].agent, server, args.reps * 4)
    ctx.close()

    print(f"\n{args.runs} run(s) x {args.reps} question(s) per scenario; ms, medians over runs")
    print(f"cold first question (graph build + imports): in-process {cold['in-process']:.0f} ms, "
          f"http {cold['http']:.0f} ms")
    summary: dict[str, tuple[float, float]] = {}
    for mode, runs in results.items():
        print(f"\n== {mode} model ==")
        print(f"{'scenario':<11} {'total p50':>9} {'p95':>7} {'tools p50':>9} {'overhead p50':>12} {'p95':>7} "
              f"{'overhead/tools':>14} {'round trips':>11}")
        all_p50, all_p95 = [], []
        for name, _ in scen:
            per_run = [r[name] for r in runs]

            def med(f: Callable[[list[Sample]], float], per_run: list[list[Sample]] = per_run) -> float:
                return statistics.median(f(samples) for samples in per_run)

            total50 = med(lambda s: pct([x.total_ms for x in s], 50))
            total95 = med(lambda s: pct([x.total_ms for x in s], 95))
            tools50 = med(lambda s: pct([x.tools_ms for x in s], 50))
            over50 = med(lambda s: pct([x.overhead_ms for x in s], 50))
            over95 = med(lambda s: pct([x.overhead_ms for x in s], 95))
            trips = med(lambda s: statistics.mean(x.round_trips for x in s))
            ratio = f"{over50 / tools50:.2f}" if tools50 > 0.5 else "-"
            print(f"{name:<11} {total50:>9.1f} {total95:>7.1f} {tools50:>9.1f} {over50:>12.1f} {over95:>7.1f} "
                  f"{ratio:>14} {trips:>11.1f}")
        for r in runs:
            overs = [x.overhead_ms for samples in r.values() for x in samples]
            all_p50.append(pct(overs, 50))
            all_p95.append(pct(overs, 95))
        summary[mode] = (statistics.median(all_p50), statistics.median(all_p95))
        trips_all = statistics.median(statistics.mean(x.round_trips for s in r.values() for x in s) for r in runs)
        trips_http = trips_all
        print(f"{'all':<11} overhead p50 {summary[mode][0]:.1f} ms, p95 {summary[mode][1]:.1f} ms; "
              f"{trips_all:.2f} model round trips per question")

    print("\nbare ChatOpenAI round trip to the fake server with the same prompt, tools and answer (no agent): "
          + ", ".join(f"{k} p50 {pct(v, 50):.1f} ms" for k, v in bare.items()))
    p50 = summary["in-process"][0]
    print(f"\nagent overhead p50 (instant in-process model): {p50:.1f} ms -> target <= {TARGET_MS:.0f} ms: "
          f"{'PASS' if p50 <= TARGET_MS else 'FAIL'}")
    print(f"http/in-process overhead ratio (p50): {summary['http'][0] / p50:.2f}x; the difference is the OpenAI "
          f"client (SSE chunk parsing) and loopback HTTP for {trips_http:.2f} round trips per question")
    return 0 if p50 <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
