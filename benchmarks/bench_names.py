"""Product-name resolution at catalogue scale: how fast and how often a question naming a product finds it.

    python benchmarks/bench_names.py [--products 100000] [--questions 300] [--seed 7]

A catalogue of N gift-ware names (built from the retail fixture's word lists: colour, motif, size, adjective,
item, "SET OF n", "PACK OF n"; all distinct) is loaded into the semantic layer's product dimension, as the
warehouse would give it. The planner's understanding step (the value index is built once, as for a warehouse
version) then parses questions naming a random product:

- ``exact``: the name as written in the catalogue ("revenue of JUMBO BAG RED RETROSPOT in 2011");
- ``lower``: lower case ("jumbo bag red retrospot sales last month");
- ``typo``: one letter changed in one word of 5+ letters.

It prints, for a small catalogue (5,000) and for N side by side: the index build time, p50/p95/max parse latency
(median of --runs runs) and the share of questions whose product filter is exactly the named product, with the
goal (p95 <= 50 ms at 100k products, exact/near-exact names always resolve).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))

GOAL_P95_MS = 50.0
TEMPLATES = ["revenue of {} in 2011", "{} sales last month", "how many units of {} did we sell in q3 2011"]


def catalogue(n: int, seed: int) -> list[str]:
    import retail_fixture as rf

    rng = random.Random(seed)
    names: set[str] = set()
    motifs = rf.MOTIFS + rf.COLOURS
    while len(names) < n:
        item = rng.choice(rf.ITEMS)
        shape = rng.random()
        if shape < 0.35:
            name = f"{rng.choice(motifs)} {item[0]}"
        elif shape < 0.55:
            name = f"{rng.choice(rf.SIZES)} {rng.choice(motifs)} {item[0]}"
        elif shape < 0.75:
            name = f"{rng.choice(rf.ADJS)} {rng.choice(motifs)} {item[0]}"
        elif shape < 0.9:
            name = f"SET OF {rng.choice(rf.SETS)} {rng.choice(motifs)} {item[1]}"
        else:
            name = f"PACK OF {rng.choice(rf.PACKS)} {rng.choice(motifs)} {rng.choice(rf.ADJS)} {item[1]}"
        names.add(name)
    return sorted(names)


def semantic_with(products: list[str]):  # noqa: ANN201
    from shoplens.data.semantic import SemanticLayer

    def query(sql: str) -> list[tuple]:
        if "p.name" in sql:
            return [(p,) for p in products]
        if "o.region" in sql:
            return [(c,) for c in ("United Kingdom", "France", "Germany", "EIRE")]
        return []

    return SemanticLayer.load().bind(query, ["orders", "order_items", "products", "customers"], dt.date(2011, 12, 9))


def typo(name: str, rng: random.Random) -> str:
    words = name.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return name
    i = rng.choice(long)
    w = words[i]
    k = rng.randrange(1, len(w))
    words[i] = w[:k] + ("E" if w[k] != "E" else "A") + w[k + 1:]
    return " ".join(words)


def questions(products: list[str], n: int, seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name = rng.choice(products)
        kind = ("exact", "lower", "typo")[i % 3]
        said = name if kind == "exact" else name.lower() if kind == "lower" else typo(name, rng).lower()
        out.append((kind, rng.choice(TEMPLATES).format(said), name))
    return out


def measure(n_products: int, n_questions: int, seed: int, runs: int) -> dict:
    from shoplens.agent.planner.understand import Understander

    products = catalogue(n_products, seed)
    t0 = time.perf_counter()
    sem = semantic_with(products)
    und = Understander(sem, dt.date(2011, 12, 9), dt.date(2010, 12, 1), use_embeddings=False)
    build_s = time.perf_counter() - t0
    qs = questions(products, n_questions, seed + 1)
    times: list[list[float]] = [[] for _ in qs]
    hits: dict[str, list[bool]] = {"exact": [], "lower": [], "typo": []}
    for run in range(runs):
        for k, (kind, text, name) in enumerate(qs):
            t = time.perf_counter()
            parsed = und.parse(text)
            times[k].append((time.perf_counter() - t) * 1000)
            if run == 0:
                hits[kind].append(parsed.ents.filters.get("product") == [name])
    per_q = sorted(statistics.median(t) for t in times)
    pick = lambda q: per_q[min(len(per_q) - 1, int(round(q * (len(per_q) - 1))))]  # noqa: E731
    return {"products": n_products, "build_s": build_s, "p50": pick(0.5), "p95": pick(0.95), "max": per_q[-1],
            "resolved": {k: sum(v) / len(v) for k, v in hits.items() if v}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=5_000)
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rows = [measure(n, a.questions, a.seed, a.runs) for n in (a.small, a.products)]
    print(f"Product-name resolution ({a.questions} questions, median of {a.runs} runs; goal p95 <= {GOAL_P95_MS:.0f} ms"
          " at 100k products, exact/near-exact names always resolve)")
    print(f"{'products':>9} {'index build s':>14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'exact':>7} {'lower':>7} {'typo':>7}")
    for r in rows:
        res = r["resolved"]
        print(f"{r['products']:>9,} {r['build_s']:>14.2f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} "
              f"{res['exact']:>7.1%} {res['lower']:>7.1%} {res['typo']:>7.1%}")
    small, big = rows
    print(f"ratio {big['products'] // small['products']}x products: p95 x{big['p95'] / small['p95']:.2f}, "
          f"build x{big['build_s'] / small['build_s']:.1f}; "
          f"p95 goal {'met' if big['p95'] <= GOAL_P95_MS else 'NOT met'} ({big['p95']:.1f} ms)")


if __name__ == "__main__":
    main()
