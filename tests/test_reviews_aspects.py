"""Offline aspect extraction: clauses, per-category aspects, negation-aware polarity, verbatim snippets, mentions."""

from __future__ import annotations

import pytest

from shoplens.tools.reviews.aspects import (
    CATEGORY_ASPECTS,
    AspectExtractor,
    MentionFinder,
    aspect_vectors,
    aspects_for,
    snippet_of,
    split_clauses,
)
from shoplens.tools.reviews.backends import default_encoder


def _triples(text: str, category: str | None = "Electronics", extractor: AspectExtractor | None = None):
    got = (extractor or AspectExtractor()).extract([text], [category])[0]
    return {(m.aspect, m.polarity) for m in got}, got


def test_clauses_split_on_sentences_contrast_and_new_subjects():
    text = "Sound is great but the battery dies fast; the case is cheap and it scratches. Shipping was quick!"
    assert [text[a:b] for a, b in split_clauses(text)] == [
        "Sound is great", "the battery dies fast", "the case is cheap", "it scratches", "Shipping was quick"]
    assert split_clauses("") == []


@pytest.mark.parametrize(("text", "category", "aspect", "polarity"), [
    ("Not bad for the price.", "Electronics", "price/value", "positive"),
    ("The battery didn't last a week.", "Electronics", "battery", "negative"),
    ("No complaints about the shipping.", "Home & Kitchen", "shipping", "positive"),
    ("The zipper stopped working after a month.", "Apparel", "quality/durability", "negative"),
    ("Customer service never replied to my emails.", "Electronics", "customer service", "negative"),
    ("The scent is way too strong.", "Beauty", "scent", "negative"),
    ("It wasn't worth the money.", "Grocery", "price/value", "negative"),
    ("Taste is not great, kind of bland.", "Grocery", "taste", "negative"),
    ("I can't complain about the fit, true to size.", "Apparel", "fit/size", "positive"),
    ("The sound is amazing.", "Electronics", "sound", "positive"),
])
def test_negation_and_polarity(text, category, aspect, polarity):
    triples, _ = _triples(text, category)
    assert (aspect, polarity) in triples, triples


def test_mixed_review_gets_one_polarity_per_aspect():
    triples, got = _triples("Sound is great but the battery died after two days and support ignored me.")
    assert {("sound", "positive"), ("battery", "negative"), ("customer service", "negative")} <= triples


def test_snippets_are_verbatim_and_short():
    text = ("I bought these for my commute and honestly the noise cancelling on the train is the best I have had, "
            "though after a few weeks the left earbud stopped charging in the case which is really annoying.")
    _, got = _triples(text)
    assert got
    for m in got:
        assert m.snippet in text and 0 < len(m.snippet) <= 140
    long_span = (0, len(text))
    cut = snippet_of(text, long_span, (text.index("charging"), text.index("charging") + 8), max_len=60)
    assert cut in text and "charging" in cut and len(cut) <= 60


def test_aspects_follow_the_category():
    assert "battery" in aspects_for("Electronics") and "battery" not in aspects_for("Grocery")
    assert "shipping" in aspects_for("Books")
    assert set(aspects_for(None)) >= {a for names in CATEGORY_ASPECTS.values() for a in names}
    triples, _ = _triples("The taste is lovely.", "Grocery")
    assert ("taste", "positive") in triples
    triples, _ = _triples("The plot is gripping and the characters feel real.", "Books")
    assert ("story", "positive") in triples


def test_beauty_breakout_is_skin_reaction_not_durability():
    triples, _ = _triples("It broke me out within two days.", "Beauty")
    assert ("skin reaction", "negative") in triples
    assert not any(a == "quality/durability" for a, _ in triples)


def test_brand_and_product_mentions():
    finder = MentionFinder([("Aurora X2 Wireless Earbuds", "Aurora"), ("Sonix Pro Headphones", "Sonix")])
    ex = AspectExtractor(mentions=finder)
    triples, got = _triples("My Aurora X2 died in a week. The Sonix pair I had before was far better.", extractor=ex)
    assert ("mention:Aurora X2 Wireless Earbuds", "negative") in triples
    assert any(a == "mention:Sonix" for a, _ in triples)
    assert finder.find("aurora-x2") == [] or finder.find("aurora-x2")[0][0]  # no crash on odd tokens


def test_embedding_similarity_finds_aspects_without_keywords():
    enc = default_encoder()
    vectors = aspect_vectors(lambda texts: enc.encode(texts)[0])
    ex = AspectExtractor(aspect_vectors=vectors)
    text = "Took three weeks to get here."
    spans = ex.clause_spans([text])
    _, clause_vecs = enc.encode([text], spans=spans)
    found = ex.extract([text], ["Electronics"], spans=spans, clause_vectors=clause_vecs)[0]
    assert any(m.aspect == "shipping" for m in found), found
    plain = AspectExtractor().extract([text], ["Electronics"])[0]
    assert not any(m.aspect == "shipping" for m in plain)  # keywords alone miss it
    vague = "I like it."
    spans = ex.clause_spans([vague])
    _, clause_vecs = enc.encode([vague], spans=spans)
    assert ex.extract([vague], ["Electronics"], spans=spans, clause_vectors=clause_vecs) == [[]]  # no forced aspect


def test_sound_quality_is_sound_not_build_quality():
    triples, _ = _triples("My biggest problem is the sound quality.")
    assert any(a == "sound" for a, _ in triples) and not any(a == "quality/durability" for a, _ in triples)
    triples, _ = _triples("Build quality is poor.")
    assert ("quality/durability", "negative") in triples
