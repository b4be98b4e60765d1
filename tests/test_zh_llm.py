"""LLM mode with a Chinese question: the real ChatOpenAI client and LangChain agent against the fake vLLM server
(tests/fakes/fake_vllm.py). The system prompt tells the model to answer in the user's language with 万/亿; a
Chinese answer quoting a tool's figure in 万 passes the grounding check, an invented one does not; a chart whose
tool-call arguments are Chinese (title) is drawn in a CJK font."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.fake_vllm import FakeVllm, text, tool_call

from shoplens.agent.analyst import Analyst
from shoplens.agent.events import FinalAnswer, TextDelta
from shoplens.agent.llm import LlmAgent
from shoplens.agent.planner.zh_wording import format_value_zh
from shoplens.agent.toolbox import Toolbox
from shoplens.tools.charts.cjk import cjk_family
from shoplens.tools.metric_query import QueryMetricTool


class NoOffline:
    mode = "offline"

    def stream(self, question: str, session: Any) -> Iterator[Any]:
        yield TextDelta("offline")


@pytest.fixture()
def fake() -> Iterator[FakeVllm]:
    with FakeVllm(max_seconds=30) as server:
        yield server


@pytest.fixture()
def analyst(settings: Any, tool_ctx: Any, fake: FakeVllm) -> Analyst:
    s = settings.replace(llm_base_url=fake.url, llm_model=fake.model, llm_timeout_s=5.0, llm_max_retries=0)
    return Analyst(s, ctx=tool_ctx, planner=NoOffline(), llm=LlmAgent(s, Toolbox(tool_ctx, s)))


def _ask(analyst: Analyst, question: str) -> Any:
    events = list(analyst.stream(question, None))
    assert isinstance(events[-1], FinalAnswer)
    return events[-1].answer


def test_chinese_answer_in_wan_is_grounded(analyst: Analyst, fake: FakeVllm, tool_ctx: Any) -> None:
    year = tool_ctx.as_of.year - 1
    out = QueryMetricTool(tool_ctx).run("revenue", filters={"category": ["Beauty"]}, start=f"{year}-01-01",
                                        end=f"{year}-12-31")
    value = out.facts["value"]
    said = f"{year}年美妆品类的销售额为 {format_value_zh(value, 'currency')}。"
    fake.enqueue(
        tool_call("query_metric", {"metric": "revenue", "filters": {"category": ["Beauty"]},
                                   "start": f"{year}-01-01", "end": f"{year}-12-31"}),
        text(said),
        tool_call("query_metric", {"metric": "revenue", "filters": {"category": ["Beauty"]},
                                   "start": f"{year}-01-01", "end": f"{year}-12-31"}),
        text(f"{year}年美妆品类的销售额为 {format_value_zh(value * 1.5, 'currency')}。"),
    )
    answer = _ask(analyst, f"{year}年美妆品类的销售额是多少？")
    assert answer.mode == "llm" and answer.answer == said and answer.warnings == []
    system = fake.requests[0]["messages"][0]["content"]
    assert "language of the user's question" in system and "万" in system and "环比" in system
    assert fake.requests[0]["messages"][-1]["content"] == f"{year}年美妆品类的销售额是多少？"

    wrong = _ask(analyst, f"{year}年美妆品类的销售额是多少？")  # a figure no tool gave: flagged
    assert wrong.warnings and "万" in " ".join(wrong.facts.get("ungrounded", []))


def test_chart_with_chinese_title_uses_a_cjk_font(analyst: Analyst, fake: FakeVllm, tool_ctx: Any) -> None:
    year = tool_ctx.as_of.year - 1
    fake.enqueue(
        tool_call("make_chart", {"metric": "revenue", "group_by": ["category"], "start": f"{year}-01-01",
                                 "end": f"{year}-12-31", "kind": "bar", "title": f"{year}年各品类销售额"}),
        text(f"这是{year}年各品类的销售额柱状图。"),
    )
    answer = _ask(analyst, f"画一张{year}年各品类销售额的柱状图")
    assert answer.charts and answer.charts[0].title == f"{year}年各品类销售额"
    assert Path(answer.charts[0].path).is_file()
    if cjk_family() is not None:
        assert not any("CJK" in w for w in answer.warnings)
