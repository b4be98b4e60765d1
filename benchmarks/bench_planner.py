"""The offline planner's latency per question, charts excluded.

    python benchmarks/bench_planner.py [--set demo] [--split tuned] [--scale 0.2] [--db PATH] [--runs 3]

Every question of an evaluation set (follow-ups asked after their parents in one session, as a user would) runs
through ``Analyst.ask`` with no LLM on the demo warehouse. Per question it measures:

- ``understand``: question -> Plan (``OfflinePlanner.plan``), no SQL;
- ``answer``: the whole ask minus the time spent drawing charts (the ``make_chart`` / ``chart_from_query`` steps,
  and the review_insights figure, which that tool draws itself), i.e. understanding, SQL, facts and wording.

It prints p50/p95/max overall and p95 per kind, with the goal side by side (p95 <= 600 ms, issue #16), as medians
over ``--runs`` runs. Slow questions (forecasts with model fitting) are skipped as in ``shoplens eval --skip-slow``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

GOAL_P95_MS = 600.0
CHART_TOOLS = {"make_chart", "chart_from_query"}
_DRAWN_INSIDE_TOOLS = [0.0]  # seconds spent drawing figures inside non-chart tools (review_insights)


def time_inner_charts() -> None:
    """Time the review_insights figure (drawn inside that tool, not in a chart step) so it can be excluded."""
    from shoplens.tools.reviews import chart

    def timed(fn):  # noqa: ANN001, ANN202
        def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                _DRAWN_INSIDE_TOOLS[0] += time.perf_counter() - t0
        return wrapper

    chart.draw = timed(chart.draw)
    chart.write_png = timed(chart.write_png)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def one_run(analyst, questions) -> tuple[dict[str, float], dict[str, float], dict[str, str]]:  # noqa: ANN001
    by_id = {q.id: q for q in questions}
    understand: dict[str, float] = {}
    answer: dict[str, float] = {}
    kinds: dict[str, str] = {}
    planner = analyst.planner
    for q in questions:
        chain = [q]
        while chain[0].followup_of:
            chain.insert(0, by_id[chain[0].followup_of])
        session = None
        for step in chain[:-1]:
            session = analyst.ask(step.question, session).session_id
        state = analyst.sessions.get(session).planner_state if session else {}
        t0 = time.perf_counter()
        planner.plan(q.question, state.get("pending_clarify") or state.get("last_plan"))
        understand[q.id] = (time.perf_counter() - t0) * 1000
        _DRAWN_INSIDE_TOOLS[0] = 0.0
        t0 = time.perf_counter()
        a = analyst.ask(q.question, session)
        total = (time.perf_counter() - t0) * 1000
        charts = sum(s.get("elapsed_ms", 0.0) for s in a.steps if s.get("tool") in CHART_TOOLS)
        charts += _DRAWN_INSIDE_TOOLS[0] * 1000
        answer[q.id] = total - charts
        kinds[q.id] = q.kind
    return understand, answer, kinds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="demo")
    ap.add_argument("--split", default="tuned")
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--db", type=Path, default=None, help="an existing demo warehouse (default: build one)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings
    from shoplens.agent.evaluation import load_set
    from shoplens.data.demo import build_demo

    tmp = Path(tempfile.mkdtemp(prefix="bench_planner_"))
    db = args.db
    if db is None:
        db = tmp / "demo.duckdb"
        print(f"building the demo warehouse at scale {args.scale} ...", flush=True)
        build_demo(db, scale=args.scale, seed=42)
    settings = Settings.load(env={}, home=tmp / "home", db=db, charts_dir=tmp / "charts")
    analyst = Analyst(settings.replace(llm_base_url=None))
    questions = [q for q in load_set(args.set, args.split) if not q.slow]
    print(f"{len(questions)} questions ({args.set}/{args.split}, slow ones skipped), {args.runs} runs\n")

    time_inner_charts()
    runs = [one_run(analyst, questions) for _ in range(args.runs)]
    kinds = runs[0][2]
    und = {i: statistics.median(r[0][i] for r in runs) for i in kinds}
    ans = {i: statistics.median(r[1][i] for r in runs) for i in kinds}

    print(f"{'':24s} {'p50':>8s} {'p95':>8s} {'max':>8s}   goal p95 <= {GOAL_P95_MS:.0f} ms")
    for name, d in (("understand (no SQL)", und), ("answer (charts excluded)", ans)):
        xs = list(d.values())
        p95 = pct(xs, 0.95)
        print(f"{name:24s} {pct(xs, .5):7.1f}ms {p95:7.1f}ms {max(xs):7.1f}ms   "
              f"ratio p95/goal {p95 / GOAL_P95_MS:.2f} {'ok' if p95 <= GOAL_P95_MS else 'OVER'}")
    per_kind: dict[str, list[float]] = defaultdict(list)
    for i, k in kinds.items():
        per_kind[k].append(ans[i])
    print("\nanswer p95 per kind (charts excluded):")
    for k, xs in sorted(per_kind.items(), key=lambda t: -pct(t[1], 0.95)):
        print(f"  {k:10s} n={len(xs):3d}  p50 {pct(xs, .5):7.1f} ms  p95 {pct(xs, .95):7.1f} ms")
    slow = sorted(ans.items(), key=lambda t: -t[1])[:5]
    print("\nslowest (charts excluded): " + "; ".join(f"{i} {v:.0f} ms" for i, v in slow))
    return 0


if __name__ == "__main__":
    sys.exit(main())
