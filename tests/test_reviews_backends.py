"""Sentiment backends: one interface, a tiny HF model loaded through the real transformers loader, the VADER floor
and MiniLM span pooling. The shipped offline model and shop adaptation: tests/test_reviews_offline.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shoplens.data.errors import ModelUnavailable
from shoplens.tools.reviews.backends import (
    LABELS,
    SentimentBackend,
    TransformersSentimentBackend,
    VaderBackend,
    default_encoder,
    map_label,
    rating_label,
)


@pytest.fixture(scope="session")
def encoder():
    """MiniLM loads in a few seconds: one per session (default_encoder caches it per process)."""
    return default_encoder()


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
