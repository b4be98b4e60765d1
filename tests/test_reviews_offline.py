"""The shipped general sentiment model, calibrated labels, LoRA merging, and the shop adaptation that is kept
only when it beats the general model on the shop's newest reviews."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from shoplens.data.errors import ModelUnavailable, UserInputError
from shoplens.tools.reviews.adapt import GENERAL, adapt_to_shop, load_current, point_at
from shoplens.tools.reviews.backends import LABELS, SentimentBackend
from shoplens.tools.reviews.encoder import merge_lora
from shoplens.tools.reviews.offline import (
    OfflineSentimentBackend,
    general_meta,
    general_model,
    sentiment_from_p,
)


def test_general_model_ships_with_the_package_and_reads_plain_language():
    model = general_model()
    assert isinstance(model, SentimentBackend) and model.version.startswith("general-en-")
    meta = general_meta()
    assert meta["kind"] == "general" and 0 < meta["neutral_margin"] < 0.5
    got = model.predict_detailed(["I love these, they work perfectly.", "Broke after two days, total junk.",
                                  "Worst purchase ever, do not buy."])
    assert [s.label for s in got] == ["positive", "negative", "negative"]
    for s in got:
        assert 0.0 <= s.probability <= 1.0 and s.score == pytest.approx(2 * s.probability - 1, abs=1e-3)
    assert model.predict([]) == [] and all(lbl in LABELS for lbl, _ in model.predict(["ok"]))


def test_neutral_only_inside_the_weak_evidence_band():
    got = sentiment_from_p(np.array([0.5, 0.52, 0.48, 0.56, 0.44, 0.99, 0.01]), margin=0.1)
    assert [s.label for s in got] == ["neutral", "neutral", "neutral", "positive", "negative", "positive", "negative"]
    assert [s.probability for s in got][:2] == [0.5, 0.52] and got[5].score == pytest.approx(0.98)


def _tiny_bert():
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    return BertModel(BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=16, max_position_embeddings=16))


def test_lora_adapter_is_merged_into_a_copy_of_the_weights():
    model = _tiny_bert()
    name = "encoder.layer.0.attention.self.query"
    before = model.get_submodule(name).weight.detach().clone().numpy()
    a, b = np.ones((2, 8), np.float32), np.full((8, 2), 0.5, np.float32)
    assert merge_lora(model, {f"{name}.A": a, f"{name}.B": b}, scale=2.0) == 1
    after = model.get_submodule(name).weight.detach().numpy()
    assert np.allclose(after - before, 2.0 * b @ a)
    with pytest.raises(ModelUnavailable, match="does not fit"):
        merge_lora(model, {f"{name}.A": np.ones((2, 5), np.float32), f"{name}.B": b}, scale=1.0)
    with pytest.raises(ModelUnavailable, match="does not fit"):
        merge_lora(model, {"encoder.layer.9.x.A": a, "encoder.layer.9.x.B": b}, scale=1.0)


class HashEncoder:
    """A deterministic bag-of-words encoder standing in for MiniLM (the model boundary), 64 dimensions."""

    model_id = "hash-64"
    dim = 64

    def encode(self, texts, spans=None, progress=None):  # noqa: ANN001, ANN201
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(",", " ").replace(".", " ").split():
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
            out[i] /= max(1e-6, float(np.linalg.norm(out[i])))
        if progress:
            progress(len(texts), len(texts))
        return out, []


def _lexicon_only_general() -> OfflineSentimentBackend:
    """A "general model" that reads only VADER's compound score (the last feature): positive words -> positive."""
    dim = 64 + 4
    coef = np.zeros(dim, np.float32)
    coef[-1] = 8.0
    head = {"mean": np.zeros(dim, np.float32), "scale": np.ones(dim, np.float32), "coef": coef,
            "intercept": np.zeros(1, np.float32)}
    return OfflineSentimentBackend(HashEncoder(), head, {"version": "general-en-test", "neutral_margin": 0.1,
                                                         "vader_reps": 1})


def _shop(slang: bool, n: int = 160) -> tuple[list[str], list[int], list[str]]:
    """Reviews whose stars agree with plain sentiment words, or (slang) a shop where "wicked" means great."""
    texts, ratings, dates = [], [], []
    for i in range(n):
        good = i % 2 == 0
        if slang:
            text = f"Totally wicked kit number {i}, wicked build" if good else f"Plain boring kit number {i}, meh"
        else:
            text = f"I love this kit number {i}, great" if good else f"I hate this kit number {i}, awful"
        texts.append(text)
        ratings.append(5 if good else 1)
        dates.append(f"2025-{1 + i // 28:02d}-{1 + i % 28:02d}")
    return texts, ratings, dates


def test_adaptation_is_kept_when_it_beats_the_general_model(tmp_path):
    general = _lexicon_only_general()
    texts, ratings, dates = _shop(slang=True)
    assert general.predict(["Totally wicked kit, wicked build"])[0][0] == "negative"  # VADER reads "wicked" as bad
    model, report = adapt_to_shop(texts, ratings, dates, tmp_path, general=general)
    assert report.kept and report.shop_accuracy > report.general_accuracy and model.version.startswith("shop-")
    assert model.predict(["Totally wicked kit number 999, wicked build"])[0][0] == "positive"
    again, note = load_current(tmp_path, general=general)
    assert note is None and again.version == model.version
    meta = json.loads((tmp_path / "sentiment" / model.version / "meta.json").read_text())
    assert meta["base"] == general.version and meta["holdout"]["reviews"] == report.n_holdout == 32


def test_adaptation_that_does_not_beat_the_general_model_is_not_kept(tmp_path):
    general = _lexicon_only_general()
    point_at(tmp_path, "shop-old")  # a previous adaptation must not stay current either
    model, report = adapt_to_shop(*_shop(slang=False), tmp_path, general=general)
    assert not report.kept and model is general and "keeping the general model" in report.reason
    assert report.general_accuracy == 1.0
    assert (tmp_path / "sentiment" / "CURRENT").read_text() == GENERAL
    assert load_current(tmp_path, general=general) == (general, None)


def test_stale_or_missing_adaptations_fall_back_to_the_general_model_with_a_note(tmp_path):
    general = _lexicon_only_general()
    assert load_current(tmp_path, general=general) == (general, None)  # nothing trained: general, silently
    model, _ = adapt_to_shop(*_shop(slang=True), tmp_path, general=general)
    newer = _lexicon_only_general()
    newer.meta["version"] = "general-en-newer"
    used, note = load_current(tmp_path, general=newer)
    assert used is newer and "another general model" in note
    point_at(tmp_path, "shop-missing")
    used, note = load_current(tmp_path, general=general)
    assert used is general and "unreadable" in note


def test_adaptation_refuses_too_little_data(tmp_path):
    with pytest.raises(UserInputError, match="Too few rated reviews"):
        adapt_to_shop(["great"] * 40, [5] * 40, ["2025-01-01"] * 40, tmp_path, general=_lexicon_only_general())


class _SpyModel:
    """Wraps the encoder's model and records each batch's attention mask."""

    def __init__(self, model) -> None:  # noqa: ANN001
        self.model, self.masks = model, []

    def __call__(self, **batch):  # noqa: ANN003, ANN204
        self.masks.append(batch["attention_mask"].clone())
        return self.model(**batch)


def test_encoder_batches_by_token_count_and_returns_rows_in_input_order():
    from shoplens.tools.reviews.encoder import MiniLMEncoder

    shipped = general_model().encoder
    tok, model, device = shipped._model
    # short in characters but many tokens, and long in characters but few tokens: a character-length sort pairs
    # them (and pads), a token-count sort does not
    texts = ["a b c d e f g", "extraordinarily wonderful", "I love it so much!!", "it is ok i guess"]
    counts = [len(tok(t)["input_ids"]) for t in texts]
    assert counts[0] == counts[2] and counts[1] == counts[3] and counts[0] != counts[1]
    assert sorted(range(4), key=lambda i: len(texts[i])) == [0, 3, 2, 1]  # by characters: (0, 3), (2, 1)
    spy = _SpyModel(model)
    encoder = MiniLMEncoder(batch_size=2)
    encoder.__dict__["_model"] = (tok, spy, device)
    spans = [[(0, 5)], [(0, 15), (16, 25)], [], [(0, 8), (11, 16)]]
    emb, pooled = encoder.encode(texts, spans=spans)
    assert len(spy.masks) == 2 and all(bool(m.all()) for m in spy.masks)  # no padding computed
    for i, text in enumerate(texts):  # the same vectors as scoring each text alone, in the input order
        alone, alone_spans = shipped.encode([text], spans=[spans[i]])
        assert np.allclose(emb[i], alone[0], atol=1e-5)
        assert pooled[i].shape == (len(spans[i]), 384) and np.allclose(pooled[i], alone_spans[0], atol=1e-5)
    assert encoder.encode([])[0].shape == (0, 384)
