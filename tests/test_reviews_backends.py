"""Sentiment backends: one interface, a trained offline head with a recorded version, a tiny HF model loaded
through the real transformers loader, and the VADER floor."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shoplens.data.errors import ModelUnavailable, UserInputError
from shoplens.tools.reviews.backends import (
    LABELS,
    OfflineSentimentBackend,
    SentimentBackend,
    TransformersSentimentBackend,
    VaderBackend,
    default_encoder,
    map_label,
    rating_label,
)

DATA = Path(__file__).parent / "data"


def _train_rows() -> list[dict]:
    return [json.loads(line) for line in (DATA / "review_train_small.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def encoder():
    """MiniLM loads in a few seconds: one per session (default_encoder caches it per process)."""
    return default_encoder()


@pytest.fixture(scope="session")
def offline(encoder, tmp_path_factory):
    rows = _train_rows()
    models = tmp_path_factory.mktemp("models")
    backend, report = OfflineSentimentBackend.train([r["text"] for r in rows], [r["rating"] for r in rows], models,
                                                    encoder=encoder)
    return backend, report, models


def _check_interface(backend: SentimentBackend) -> None:
    assert isinstance(backend, SentimentBackend)
    texts = ["I love it, works perfectly.", "Broke after two days, total junk.", "It arrived on Tuesday."]
    preds = backend.predict(texts)
    assert len(preds) == 3
    for label, score in preds:
        assert label in LABELS
        assert -1.0 <= score <= 1.0
    assert backend.predict([]) == []
    assert isinstance(backend.version, str) and backend.version


def test_rating_weak_labels():
    assert [rating_label(r) for r in (1, 2, 3, 4, 5)] == ["negative", "negative", "neutral", "positive", "positive"]
    assert rating_label(None) is None


def test_vader_floor_interface():
    _check_interface(VaderBackend())
    assert VaderBackend().predict(["This is wonderful!"])[0][0] == "positive"
    assert VaderBackend().version != VaderBackend(domain=True).version


def test_encoder_spans_pool_inside_the_text(encoder):
    text = "The sound is great. The battery died after two days."
    emb, spans = encoder.encode([text, "short"], spans=[[(0, 18), (20, len(text))], []])
    assert emb.shape == (2, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-3)
    assert spans[0].shape == (2, 384) and spans[1].shape == (0, 384)
    # each clause vector is closer to its own standalone embedding than to the other clause's
    alone, _ = encoder.encode([text[:18], text[20:]])
    sims = spans[0] @ alone.T
    assert sims[0, 0] > sims[0, 1] and sims[1, 1] > sims[1, 0]


def test_offline_training_records_a_version_and_reloads(offline, encoder):
    backend, report, models = offline
    _check_interface(backend)
    assert report.version.startswith("minilm-lr-") and report.n_train == 50
    assert report.label_counts == {"negative": 20, "neutral": 10, "positive": 20}
    folder = models / "sentiment" / report.version
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["version"] == report.version and meta["params"]["C"] > 0 and meta["encoder"].startswith("all-MiniLM")
    assert (models / "sentiment" / "CURRENT").read_text().strip() == report.version
    again = OfflineSentimentBackend.load(models, encoder=encoder)
    texts = ["Absolutely love it", "Stopped working after a week, waste of money"]
    assert again.version == backend.version
    assert again.predict(texts) == backend.predict(texts)
    assert [lbl for lbl, _ in again.predict(texts)] == ["positive", "negative"]


def test_training_twice_gives_a_new_version_and_keeps_a_few(offline, encoder, tmp_path):
    rows = _train_rows()
    texts, ratings = [r["text"] for r in rows], [r["rating"] for r in rows]
    b1, _ = OfflineSentimentBackend.train(texts, ratings, tmp_path, encoder=encoder)
    b2, _ = OfflineSentimentBackend.train(texts[:-1], ratings[:-1], tmp_path, encoder=encoder)
    assert b1.version != b2.version  # different data -> different hash
    assert OfflineSentimentBackend.load(tmp_path, encoder=encoder).version == b2.version
    assert OfflineSentimentBackend.load(tmp_path, encoder=encoder, version=b1.version).version == b1.version


def test_training_with_time_holdout_reports_accuracy(encoder, tmp_path):
    rows = _train_rows() * 5
    dates = [f"2025-01-{1 + i % 28:02d}" for i in range(len(rows))]
    _, report = OfflineSentimentBackend.train([r["text"] for r in rows], [r["rating"] for r in rows], tmp_path,
                                              encoder=encoder, dates=dates, holdout=0.2)
    assert report.n_holdout == 50 and 0.0 <= report.holdout_accuracy <= 1.0


def test_training_refuses_too_little_data(encoder, tmp_path):
    with pytest.raises(UserInputError, match="Too few rated reviews"):
        OfflineSentimentBackend.train(["great"] * 40, [5] * 40, tmp_path, encoder=encoder)


def test_load_without_training_says_what_to_do(tmp_path):
    with pytest.raises(ModelUnavailable, match="shoplens reviews train"):
        OfflineSentimentBackend.load(tmp_path)


@pytest.fixture(scope="module")
def tiny_hf_model(tmp_path_factory) -> Path:
    """A 2-layer, hidden-32 BERT classifier with a 40-word vocab, saved like any checkpoint."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-sentiment")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "it", "is", "was", "a", "great", "bad", "not", "good", "terrible", "love", "hate", "battery", "sound", "works", "broke", "after", "two", "days", "perfectly", "i", "this", "and", "but", "very", "so", "fast", "slow", "cheap", "quality", "junk"]
    (folder / "vocab.txt").write_text("\n".join(words))
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"))
    labels = {0: "NEGATIVE", 1: "NEUTRAL", 2: "POSITIVE"}
    config = BertConfig(vocab_size=len(words), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, num_labels=3, id2label=labels,
                        label2id={v: k for k, v in labels.items()})
    import torch

    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # make the head prefer "positive" so the mapping is observable
        model.classifier.bias.copy_(torch.tensor([0.0, 0.0, 5.0]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_transformers_backend_loads_a_real_checkpoint(tiny_hf_model):
    backend = TransformersSentimentBackend(str(tiny_hf_model), batch_size=2)
    _check_interface(backend)
    assert backend.device in ("cpu", "cuda")
    assert backend.version.startswith("hf-")
    probs = backend.predict_proba(["it is great", "this broke after two days", "good"])
    assert probs.shape == (3, 3) and np.allclose(probs.sum(1), 1.0, atol=1e-5)
    assert all(lbl == "positive" for lbl, _ in backend.predict(["it is great", "junk"]))
    assert TransformersSentimentBackend(str(tiny_hf_model)).version == backend.version


def test_transformers_backend_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="SHOPLENS_SENTIMENT_MODEL"):
        TransformersSentimentBackend(str(tmp_path / "nope"))


@pytest.mark.parametrize(("raw", "n", "i", "want"), [
    ("NEGATIVE", 2, 0, "negative"), ("POSITIVE", 2, 1, "positive"), ("LABEL_1", 3, 1, "neutral"),
    ("LABEL_0", 2, 0, "negative"), ("4 stars", 5, 3, "positive"), ("1 star", 5, 0, "negative"),
    ("neutral", 3, 1, "neutral"), ("LABEL_2", 5, 2, "neutral"),
])
def test_label_mapping(raw, n, i, want):
    assert map_label(raw, n, i) == want


def test_label_mapping_refuses_unknown_schemes():
    with pytest.raises(ModelUnavailable):
        map_label("joy", 6, 0)
