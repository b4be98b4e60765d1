"""Review sentiment benchmark: quality of each backend side by side, and speed of the offline backend.

Quality: accuracy and macro-F1 on (a) a TIME-BASED holdout of the demo reviews (train on the older 80%, test on
the newest 20%, labels = stars: 1-2 negative, 3 neutral, 4-5 positive) and (b) the hand-written hard cases in
tests/data/review_hard_cases.jsonl (gold labels; negation, sarcasm, mixed, neutral, typos), with lexicon-only
VADER as the floor. Speed: reviews/s of the offline backend on 2 threads (sentiment only, and sentiment + aspects
as the enrichment job runs), medians of several runs, fp32 next to bf16, and the projected (or, with
--full-backfill, measured) time for the whole demo backfill.

    python benchmarks/bench_reviews.py [--scale 0.5] [--runs 3] [--hf-model PATH] [--llm-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARD = ROOT / "tests" / "data" / "review_hard_cases.jsonl"


def metrics(gold: list[str], pred: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return accuracy_score(gold, pred), f1_score(gold, pred, average="macro", labels=["negative", "neutral", "positive"])


def polarity_accuracy(gold: list[str], pred: list[str]) -> float:
    """Accuracy on the items whose gold label is positive or negative (the ">= 90% polarity" goal)."""
    pairs = [(g, p) for g, p in zip(gold, pred, strict=True) if g != "neutral"]
    return sum(g == p for g, p in pairs) / max(1, len(pairs))


def load_reviews(db: Path) -> list[tuple[str, int, str]]:
    import duckdb

    from shoplens.tools.reviews.scoring import review_text

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT title, body, rating, review_date FROM reviews WHERE rating IS NOT NULL "
                       "ORDER BY review_date, review_id").fetchall()
    con.close()
    out = [(review_text(t, b), int(r), str(d)) for t, b, r, d in rows]
    return [row for row in out if row[0].strip()]


def cached_embeddings(encoder, texts: list[str], workdir: Path):  # noqa: ANN001, ANN201
    """Embeddings of ``texts``, cached on disk (the quality part then reruns in seconds; speed is measured fresh)."""
    import hashlib

    import numpy as np

    key = hashlib.sha256((encoder.model_id + "\x00" + "\x00".join(texts)).encode()).hexdigest()[:16]
    path = workdir / f"emb-{key}.npy"
    if path.exists():
        return np.load(path)
    emb, _ = encoder.encode(texts)
    np.save(path, emb)
    return emb


class Precomputed:
    """The offline backend fed with cached embeddings (same head, same features)."""

    def __init__(self, backend, emb_by_text: dict[str, object]) -> None:  # noqa: ANN001
        self.backend, self.emb = backend, emb_by_text

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        import numpy as np

        from shoplens.tools.reviews.backends import label_from_probs

        emb = np.vstack([self.emb[t] for t in texts])
        return label_from_probs(self.backend.proba_from_embeddings(emb, texts))


def report_c(models: Path, version: str) -> str:
    meta = json.loads((models / "sentiment" / version / "meta.json").read_text())
    return f"{meta['params']['C']:.4g}"


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "shoplens-bench-reviews")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--speed-n", type=int, default=2000, help="reviews per throughput run")
    ap.add_argument("--hf-model", default=None, help="local transformers sentiment model folder (optional)")
    ap.add_argument("--llm-url", default=None, help="OpenAI-compatible base URL (optional)")
    ap.add_argument("--llm-model", default="shoplens-qwen2.5-7b")
    ap.add_argument("--no-speed", action="store_true", help="quality only")
    ap.add_argument("--full-backfill", action="store_true", help="measure the whole backfill instead of projecting")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(2)
    from shoplens.data.demo import build_demo
    from shoplens.tools.reviews.backends import (
        MiniLMEncoder,
        OfflineSentimentBackend,
        VaderBackend,
        default_encoder,
        rating_label,
    )
    from shoplens.tools.reviews.scoring import ReviewScorer, score_warehouse

    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / f"demo-s{args.scale:g}-seed{args.seed}.duckdb"
    if not db.exists():
        t0 = time.perf_counter()
        build_demo(db, scale=args.scale, seed=args.seed)
        print(f"built demo warehouse scale {args.scale:g} in {time.perf_counter() - t0:.1f} s")
    reviews = load_reviews(db)
    cut = int(len(reviews) * 0.8)
    train, test = reviews[:cut], reviews[cut:]
    print(f"demo reviews: {len(reviews):,} (train {len(train):,} up to {train[-1][2]}, "
          f"holdout {len(test):,} from {test[0][2]}); distinct texts: {len({r[0] for r in reviews}):,}")
    hard = [json.loads(x) for x in HARD.read_text().splitlines() if x.strip()]
    hard_texts, hard_gold = [h["text"] for h in hard], [h["label"] for h in hard]
    test_texts, test_gold = [t for t, _, _ in test], [rating_label(r) for _, r, _ in test]
    unseen = [i for i, t in enumerate(test_texts) if t not in {x for x, _, _ in train}]
    print(f"holdout texts never seen in training: {len(unseen):,} of {len(test):,}\n")

    encoder = default_encoder()
    models = args.workdir / "models"
    t0 = time.perf_counter()
    train_texts = [t for t, _, _ in train]
    train_emb = cached_embeddings(encoder, train_texts, args.workdir)
    test_emb = cached_embeddings(encoder, test_texts, args.workdir)
    t_embed = time.perf_counter() - t0
    offline, report = OfflineSentimentBackend.train(train_texts, [r for _, r, _ in train], models,
                                                    encoder=encoder, embeddings=train_emb)
    print(f"trained {report.version} on {report.n_train:,} reviews in {time.perf_counter() - t0:.1f} s "
          f"(of which embedding or loading cached embeddings {t_embed:.1f} s; labels {report.label_counts}, "
          f"C={report_c(models, report.version)})\n")
    cached = Precomputed(offline, dict(zip(test_texts, test_emb, strict=True)) | dict(
        zip(hard_texts, encoder.encode(hard_texts)[0], strict=True)))

    backends = {"vader (floor)": VaderBackend(), "vader+domain lexicon": VaderBackend(domain=True),
                "offline MiniLM+VADER head": cached}
    if args.hf_model:
        from shoplens.tools.reviews.backends import TransformersSentimentBackend

        backends["transformers " + Path(args.hf_model).name] = TransformersSentimentBackend(args.hf_model)
    if args.llm_url:
        from shoplens.tools.reviews.llm import LLMReviewAnalyzer

        backends["llm " + args.llm_model] = LLMReviewAnalyzer(args.llm_url, args.llm_model)

    rows = []
    floor = None
    for name, backend in backends.items():
        pred_test = [lbl for lbl, _ in backend.predict(test_texts)]
        pred_hard = [lbl for lbl, _ in backend.predict(hard_texts)]
        acc_t, f1_t = metrics(test_gold, pred_test)
        acc_u = (sum(pred_test[i] == test_gold[i] for i in unseen) / len(unseen)) if unseen else float("nan")
        acc_h, f1_h = metrics(hard_gold, pred_hard)
        pol_h = polarity_accuracy(hard_gold, pred_hard)
        tags = Counter()
        ok = Counter()
        for h, p in zip(hard, pred_hard, strict=True):
            for tag in h["tags"]:
                tags[tag] += 1
                ok[tag] += p == h["label"]
        rows.append((name, acc_t, f1_t, acc_u, acc_h, f1_h, pol_h, {t: ok[t] / tags[t] for t in sorted(tags)}))
        floor = floor or rows[0]
    print(f"{'backend':28s} {'holdout acc':>11s} {'macro-F1':>8s} {'unseen acc':>10s} | {'hard acc':>8s} "
          f"{'macro-F1':>8s} {'polarity acc':>12s} | vs floor (hard acc)")
    for name, acc_t, f1_t, acc_u, acc_h, f1_h, pol_h, _ in rows:
        print(f"{name:28s} {acc_t:11.1%} {f1_t:8.3f} {acc_u:10.1%} | {acc_h:8.1%} {f1_h:8.3f} {pol_h:12.1%} | "
              f"x{acc_h / max(floor[4], 1e-9):.2f}")
    print("\nhard cases by tag (accuracy):")
    tag_names = sorted(rows[0][7])
    print(f"{'backend':28s} " + " ".join(f"{t:>9s}" for t in tag_names))
    for name, *_, by_tag in rows:
        print(f"{name:28s} " + " ".join(f"{by_tag[t]:9.0%}" for t in tag_names))
    print(f"(hard cases: {len(hard)}; {Counter(hard_gold)})\n")

    if args.no_speed:
        return 0
    # ---- speed -------------------------------------------------------------------------------------------
    sample = [t for t, _, _ in reviews[:: max(1, len(reviews) // args.speed_n)]][: args.speed_n]
    mean_len = statistics.mean(len(t) for t in sample)
    print(f"throughput on {len(sample):,} demo reviews (mean {mean_len:.0f} chars), torch threads "
          f"{torch.get_num_threads()}, median of {args.runs}; load average now {os.getloadavg()[0]:.2f}")
    scorer = ReviewScorer(offline)
    scorer.analyze(sample[:64])  # warm-up (aspect vectors, kernels)
    fp32 = OfflineSentimentBackend(MiniLMEncoder(dtype="float32"), offline._head, offline.meta)
    fp32.predict(sample[:64])
    results = {}
    for label, fn in (("offline sentiment, fp32", lambda: fp32.predict(sample)),
                      ("offline sentiment (auto dtype)", lambda: offline.predict(sample)),
                      ("sentiment + aspects (job)", lambda: scorer.analyze(sample)),
                      ("vader floor", lambda: VaderBackend().predict(sample))):
        sec = timed(fn, args.runs)
        results[label] = len(sample) / sec
    base = results["offline sentiment, fp32"]
    for label, rate in results.items():
        print(f"  {label:32s} {rate:9,.0f} reviews/s   (x{rate / base:.2f} vs fp32)")
    dtype = str(next(encoder._model[1].parameters()).dtype)
    print(f"  encoder dtype in use: {dtype}")
    n_full = round(len(reviews) / args.scale)
    job_rate = results["sentiment + aspects (job)"]
    print(f"\nprojected full demo backfill (scale 1, ~{n_full:,} reviews): {n_full / job_rate / 60:.1f} min "
          f"at {job_rate:,.0f} reviews/s (target <= 5 min); sentiment alone {n_full / results['offline sentiment (auto dtype)'] / 60:.1f} min")
    if args.full_backfill:
        full = args.workdir / "demo-s1-seed42.duckdb"
        if not full.exists():
            build_demo(full, scale=1.0, seed=42)
        work = args.workdir / "backfill.duckdb"
        work.write_bytes(full.read_bytes())
        rep = score_warehouse(work, ReviewScorer(offline), batch_size=256)
        print(f"measured full backfill: {rep.scored:,} reviews, {rep.aspects_written:,} aspect rows in {rep.seconds:.0f} s "
              f"= {rep.seconds / 60:.1f} min ({rep.reviews_per_s:,.0f} reviews/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
