"""Monitors from plain words: the phrase tables read the requests of issue 20, and a chat proposes the monitor
and saves it only after a yes."""

from __future__ import annotations

import pytest

from shoplens.agent.config import Settings


@pytest.fixture(scope="module")
def semantic(demo_db):  # noqa: ANN001, ANN201
    import tempfile
    from pathlib import Path

    from shoplens.tools.context import ToolContext

    ctx = ToolContext.open(demo_db, Path(tempfile.mkdtemp()))
    yield ctx.semantic
    ctx.close()


@pytest.mark.parametrize(("text", "expected"), [
    ("alert me in #sales when Aurora X2 returns go above 8%",
     {"metric": "return_rate", "filters": {"product": "Aurora X2 Wireless Earbuds"}, "channels": ["slack:#sales"],
      "condition": {"type": "threshold", "op": "above", "value": 0.08}}),
    ("notify me when revenue drops by 20% vs last year",
     {"metric": "revenue", "filters": {}, "condition": {"type": "change", "op": "down", "pct": 20.0, "vs": "last_year"}}),
    ("email me at ops@shop.example if web orders fall below 100",
     {"metric": "orders", "filters": {"channel": "web"}, "channels": ["email:ops@shop.example"],
      "condition": {"type": "threshold", "op": "below", "value": 100.0}}),
    ("alert me when Luna Glow Serum is out of stock",
     {"filters": {"product": "Luna Glow Serum"}, "condition": {"type": "stockout"}}),
    ("notify me when Electronics revenue is outside the forecast",
     {"filters": {"category": "Electronics"}, "condition": {"type": "forecast", "level": 95}}),
])
def test_plain_words_become_the_monitor_asked_for(semantic, text: str, expected: dict) -> None:  # noqa: ANN001
    from shoplens.tools.alerts.words import is_request, monitor_from_words

    assert is_request(text)
    got = monitor_from_words(text, semantic).model_dump(mode="json")
    for key, value in expected.items():
        assert got[key] == value, key


def test_a_weekly_digest_request_gets_its_schedule_and_channel(semantic) -> None:  # noqa: ANN001
    from shoplens.tools.alerts.words import monitor_from_words

    d = monitor_from_words("every Monday at 8:00 send the weekly digest to #sales", semantic)
    assert (d.period, d.schedule, d.channels) == ("week", "0 8 * * 1", ["slack:#sales"])


def test_questions_are_not_read_as_monitors() -> None:
    from shoplens.tools.alerts.words import is_request

    assert not is_request("what were returns of Aurora X2 last month?")
    assert not is_request("show me revenue above 1000 by day")
    assert not is_request("tell me everything")
    assert not is_request("tell me when revenue was highest last year")
    assert not is_request("email me the top 5 products")


def test_chat_proposes_then_saves_only_after_yes(settings: Settings) -> None:
    from shoplens.agent.analyst import Analyst
    from shoplens.tools.alerts.monitors import load_monitors

    analyst = Analyst(settings)
    try:
        first = analyst.ask("alert me in #sales when Aurora X2 returns go above 8%", session="s1")
        assert "```yaml" in first.answer and "return_rate" in first.answer and "yes" in first.answer
        assert not settings.alerts_monitors.exists()
        assert "Saved" in analyst.ask("yes", session="s1").answer
        saved = load_monitors(settings.alerts_monitors).monitors
        assert [m.filters for m in saved] == [{"product": "Aurora X2 Wireless Earbuds"}]
        analyst.ask("alert me when revenue drops by 50%", session="s2")
        assert "Dropped" in analyst.ask("no", session="s2").answer
        assert len(load_monitors(settings.alerts_monitors).monitors) == 1
        assert "Saved" not in analyst.ask("yes", session="s3").answer  # nothing proposed there: nothing saved
        analyst.ask("alert me when revenue drops by 50%", session="s4")
        analyst.ask("what was revenue last week?", session="s4")  # another question drops the proposal
        assert "Saved" not in analyst.ask("yes", session="s4").answer
    finally:
        analyst.close()
