"""One tool registry: every tool declared once (name, request model, docstring description, call), built once per
warehouse by the Toolbox, offered to the model from the registry and shared with the offline planner."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from shoplens.agent.llm.tools import build_tools
from shoplens.agent.planner.execute import Executor
from shoplens.agent.toolbox import Toolbox
from shoplens.tools import registry
from shoplens.tools.artifacts import ToolOutput
from shoplens.tools.metric_query import QueryMetricTool


@pytest.mark.parametrize("cls", registry.TOOLS, ids=lambda c: c.name)
def test_every_tool_is_declared_completely(cls: type) -> None:
    assert isinstance(cls.name, str) and cls.name
    assert issubclass(registry.request_model(cls), BaseModel)
    assert len(registry.description(cls)) > 60  # what a model reads
    assert callable(cls.call)


def test_names_are_unique_and_the_model_is_offered_exactly_the_registry(settings: Any, tool_ctx: Any) -> None:
    names = [c.name for c in registry.TOOLS]
    assert len(names) == len(set(names))
    tools = build_tools(Toolbox(tool_ctx, settings))
    assert [t.name for t in tools] == names
    for tool, cls in zip(tools, registry.TOOLS, strict=True):
        assert tool.description == registry.description(cls)
        assert tool.args_schema is registry.request_model(cls)


def test_the_planner_and_the_model_share_one_instance_per_tool(settings: Any, tool_ctx: Any) -> None:
    box = Toolbox(tool_ctx, settings)
    executor = Executor(box)
    assert executor.query is box.get(QueryMetricTool)
    content, artifact = build_tools(box, ["query_metric"])[0].func(metric="Revenue", period="2025")
    assert isinstance(artifact, ToolOutput) and "Revenue" in content
    assert box.get(QueryMetricTool) is executor.query  # still one instance


def test_a_tool_runs_from_loose_arguments(settings: Any, tool_ctx: Any) -> None:
    box = Toolbox(tool_ctx, settings)
    out = registry.call(box.get(registry.by_name()["query_metric"]),
                        {"metric": "net sales", "group_by": "regions", "period": "2025", "top_n": "3"})
    assert out.facts["metric"] == "revenue" and len(out.facts["rows"]) == 3
    assert out.period is not None and out.period.label == "2025"
