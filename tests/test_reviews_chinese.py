"""Chinese reviews: language detection per review, the shipped Chinese sentiment model, Chinese aspects, the mixed
scoring path and the demo's Chinese reviews."""

from __future__ import annotations

import numpy as np
import pytest

from shoplens.tools.reviews.aspects import AspectExtractor
from shoplens.tools.reviews.aspects_zh import split_clauses_zh
from shoplens.tools.reviews.chinese import chinese_model, features, is_chinese
from shoplens.tools.reviews.lexicon import VaderBackend
from shoplens.tools.reviews.scoring import ReviewScorer


@pytest.mark.parametrize(("text", "want"), [
    ("电池续航很长，音质也不错。", True),
    ("这副耳机的battery很差", True),
    ("电池不行, battery died after a week", False),  # 4 ideographs, 5 English words: read as English
    ("Great earbuds, the battery lasts all day.", False),
    ("I bought the 小米 version and it works.", False),
    ("", False), (None, False), ("好", False), ("12345 !!!", False),
])
def test_language_is_detected_per_review(text, want):
    assert is_chinese(text) is want


def test_features_are_character_and_word_ngrams():
    got = features("音质很好", {"char": (1, 2), "word": (1, 1)})
    assert {"c:音", "c:音质", "c:很好"} <= set(got)
    assert any(f.startswith("w:") for f in got)
    assert features("好", {"char": (1, 3)}) == ["c:好"]


def test_chinese_model_reads_plain_reviews():
    model = chinese_model()
    assert model.version.startswith("general-zh-") and 0 < model.neutral_margin < 0.5
    got = model.predict_detailed(["质量很好，非常满意，推荐购买！", "太差了，用了两天就坏了，退货。"])
    assert [s.label for s in got] == ["positive", "negative"]
    assert all(0 <= s.probability <= 1 for s in got)
    assert model.predict([]) == []
    p = model.p_positive(["", "！！！"])  # no known features: the intercept alone, still a probability
    assert np.all((p > 0) & (p < 1))


def test_chinese_clauses_and_aspects():
    text = "物流很快，包装也很好，但是电池不耐用，客服态度很差。"
    clauses = [text[a:b] for a, b in split_clauses_zh(text)]
    assert clauses == ["物流很快", "包装也很好", "电池不耐用", "客服态度很差"]
    got = AspectExtractor().extract([text], ["Electronics"])[0]
    triples = {(m.aspect, m.polarity) for m in got}
    assert {("shipping", "positive"), ("packaging", "positive"), ("battery", "negative"),
            ("customer service", "negative")} <= triples, triples
    assert all(m.snippet in text for m in got)


def test_mixed_language_batches_keep_their_order():
    scorer = ReviewScorer(VaderBackend())
    texts = ["I love it, works perfectly.", "质量太差了，不推荐。", "Terrible, broke in a day.", "非常满意，好评！"]
    got = scorer.analyze(texts, ["Electronics"] * 4)
    assert [a.label for a in got] == ["positive", "negative", "negative", "positive"]
    assert "general-zh-" in scorer.version


def test_demo_writes_a_small_share_of_chinese_reviews(demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        rows = con.execute("SELECT rating, body FROM reviews").fetchall()
    finally:
        con.close()
    zh = [(r, b) for r, b in rows if is_chinese(b)]
    assert 0.01 < len(zh) / len(rows) < 0.06
    model = chinese_model()
    polar = [(r, b) for r, b in zh if r != 3]
    agree = np.mean([(lbl == "positive") == (r >= 4) for (r, _), (lbl, _) in
                     zip(polar, model.predict([b for _, b in polar]), strict=True)])
    assert agree > 0.75  # the Chinese text says what the stars say (as far as the model reads it)
