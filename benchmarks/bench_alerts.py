"""Trend-alert benchmark: the default watch replayed over the demo shop, scored against what the generator did.

    python benchmarks/bench_alerts.py [--scale 0.2] [--seed 42] [--start 2024-01-01] [--end 2026-06-30] [--db PATH]

Builds the demo warehouse (unless --db), runs ``shoplens alerts backtest`` (as a subprocess, through its JSON
contract, timed), and scores the alerts against ground truth the detectors never see: the four stories the
generator plants (site outage, Aurora X2 defect, Luna Glow viral, Small Appliances price cut) and the generator's
own stock-out episodes (rebuilt from the same seed). Nothing in ShopLens reads these dates.

An alert is *explained* by a story (its scope and window below), a stock-out episode of its product (from onset to
7 days after the restock), or a calendar event (within 3 days of a short event of the semantic layer: sale days,
holidays). Everything else counts as noise; the goal is <= 1 unexplained alert a week on average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

D = dt.date.fromisoformat
STORIES = {  # name: (onset, deadline, explains until, scopes it explains, must-have evidence kinds)
    "outage": (D("2025-03-14"), D("2025-03-15"), D("2025-03-17"), "shop", None),
    "aurora_defect": (D("2025-09-01"), D("2025-09-21"), D("2026-06-30"), "aurora", {"return_rate", "sentiment", "aspect"}),
    "luna_viral": (D("2024-07-08"), D("2024-07-15"), D("2024-10-31"), "luna", None),
    "appliance_price_cut": (D("2024-04-01"), D("2024-04-14"), D("2024-05-31"), "appliances", None),
}
GOALS = {"stockout_recall": 0.80, "noise_per_week": 1.0, "wall_s": 600.0}


def scope_match(scope: str, alert: dict, appliances: set[str]) -> bool:
    f = alert["filters"]
    if scope == "shop":
        return "product" not in f
    if scope == "aurora":
        return f.get("product") == "Aurora X2 Wireless Earbuds" or f.get("subcategory") == "Audio"
    if scope == "luna":
        return f.get("product") == "Luna Glow Serum" or f.get("subcategory") == "Skincare"
    return f.get("subcategory") == "Small Appliances" or f.get("product") in appliances \
        or f.get("category") == "Home & Kitchen"


def ground_truth(scale: float, seed: int, start: dt.date, end: dt.date) -> tuple[list[tuple[str, dt.date, dt.date]],
                                                                                     set[str]]:
    """The generator's stock-out episodes (product, first day, last day) starting in [start, end]."""
    import numpy as np

    from shoplens.data.demo.build import rng_for
    from shoplens.data.demo.calendar import make_calendar
    from shoplens.data.demo.campaigns import build_campaigns
    from shoplens.data.demo.catalog import SMALL_APPLIANCES, build_catalog
    from shoplens.data.demo.demand import build_demand

    cal = make_calendar()
    cat = build_catalog(rng_for(seed, "catalog"))
    dem = build_demand(cat, build_campaigns(), cal, scale, rng_for(seed, "demand"))
    episodes = []
    for p in range(cat.n):
        s = dem.stockout[p].astype(int)
        edges = np.diff(np.r_[0, s, 0])
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True):
            first, last = cal.date(a), cal.date(b)
            if start <= first <= end:
                episodes.append((cat.names[p], first, last))
    appliances = {n for n, c, s in zip(cat.names, cat.categories, cat.subcategories, strict=True)
                  if (c, s) == SMALL_APPLIANCES}
    return episodes, appliances


def event_days(start: dt.date, end: dt.date) -> set[dt.date]:
    from shoplens.data.semantic import SemanticLayer
    from shoplens.tools.alerts.watch import event_days as days
    from shoplens.tools.alerts.watch import padded

    return padded(days(SemanticLayer.load(None).events, start, end), 3)


def run_backtest(db: Path, home: Path, start: dt.date, end: dt.date) -> tuple[dict, float]:
    cmd = [sys.executable, "-m", "shoplens.agent.cli.main", "alerts", "backtest", "--start", start.isoformat(),
           "--end", end.isoformat(), "--json", "--db", str(db)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600,
                          env={"SHOPLENS_HOME": str(home), "PATH": "/usr/bin:/bin", "SHOPLENS_SQL_WORKERS": "1"})
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"backtest failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout), wall


def score(result: dict, episodes: list, appliances: set[str], events: set[dt.date]) -> dict:  # long: one report
    alerts = result["alerts"]
    for a in alerts:
        a["_d"] = D(a["date"])
        a["_why"] = None
    stories = {}
    for name, (onset, deadline, until, scope, needs) in STORIES.items():
        hits = [a for a in alerts if onset <= a["_d"] <= until and scope_match(scope, a, appliances)]
        for a in hits:
            a["_why"] = a["_why"] or name
        timely = [a for a in hits if a["_d"] <= deadline and (needs is None or needs & set(a.get("evidence", [a["kind"]])))]
        stories[name] = {"met": bool(timely), "first": timely[0]["date"] if timely else None,
                         "delay_days": (timely[0]["_d"] - onset).days if timely else None, "alerts": len(hits)}
    found, delays = 0, []
    by_product = defaultdict(list)
    for a in alerts:
        if "product" in a["filters"]:
            by_product[a["filters"]["product"]].append(a)
    for name, first, last in episodes:
        hits = [a for a in by_product[name] if a["kind"] == "stockout" and first <= a["_d"] <= first + dt.timedelta(3)]
        if hits:
            found += 1
            delays.append((hits[0]["_d"] - first).days)
        for a in by_product[name]:
            if first <= a["_d"] <= last + dt.timedelta(7):
                a["_why"] = a["_why"] or "stockout"
    for a in alerts:
        if a["_why"] is None and a["_d"] in events:
            a["_why"] = "calendar"
    kinds = defaultdict(lambda: [0, 0])
    for a in alerts:
        kinds[a["kind"]][0] += 1
        kinds[a["kind"]][1] += a["_why"] is not None
    unexplained = [a for a in alerts if a["_why"] is None]
    return {"stories": stories, "stockout_recall": found / max(1, len(episodes)), "episodes": len(episodes),
            "stockout_delay_median": statistics.median(delays) if delays else None, "kinds": dict(kinds),
            "unexplained": unexplained, "noise_per_week": len(unexplained) / (result["days"] / 7),
            "why": Counter(a["_why"] or "unexplained" for a in alerts)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", type=D, default=D("2024-01-01"))
    ap.add_argument("--end", type=D, default=D("2026-06-30"))
    ap.add_argument("--db", type=Path, help="an existing demo warehouse built with --scale/--seed")
    ap.add_argument("--show-noise", type=int, default=10, help="print this many unexplained alerts")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = args.db
        if db is None:
            from shoplens.data.demo.build import build_demo

            db = home / "shoplens.duckdb"
            build_demo(db, scale=args.scale, seed=args.seed)
        result, wall = run_backtest(db, home, args.start, args.end)
    episodes, appliances = ground_truth(args.scale, args.seed, args.start, args.end)
    s = score(result, episodes, appliances, event_days(args.start, args.end))
    print(f"Backtest {args.start}..{args.end} (demo scale {args.scale}, seed {args.seed}): {result['days']} days, "
          f"{len(result['alerts'])} alerts, wall time {wall:.1f} s (goal <= {GOALS['wall_s']:.0f} s): "
          f"{'MET' if wall <= GOALS['wall_s'] else 'NOT MET'}")
    print("\nStories (first timely alert, delay from onset):")
    for name, r in s["stories"].items():
        print(f"  {name:22s} {'MET    ' if r['met'] else 'NOT MET'} first={r['first']} delay={r['delay_days']} d "
              f"alerts in window={r['alerts']}")
    ok = s["stockout_recall"] >= GOALS["stockout_recall"]
    print(f"\nStock-outs: recall within 3 days {s['stockout_recall']:.1%} of {s['episodes']} episodes "
          f"(goal >= 80%): {'MET' if ok else 'NOT MET'}; median delay {s['stockout_delay_median']} d")
    ok = s["noise_per_week"] <= GOALS["noise_per_week"]
    print(f"Noise: {len(s['unexplained'])} unexplained alerts = {s['noise_per_week']:.2f}/week (goal <= 1): "
          f"{'MET' if ok else 'NOT MET'}")
    print("\nPer kind: alerts, explained (precision)")
    for kind, (n, good) in sorted(s["kinds"].items()):
        print(f"  {kind:12s} {n:5d} {good:5d} ({good / n:.0%})")
    print("Explained by:", dict(s["why"]))
    for a in s["unexplained"][: args.show_noise]:
        print(f"  unexplained {a['date']} {a['kind']}: {a['title']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
