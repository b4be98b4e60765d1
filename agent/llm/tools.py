"""The LLM's tools: one LangChain StructuredTool per entry of the tool registry (``tools/registry.py``).

Name, description (the tool's docstring) and argument schema (its pydantic request model, forgiving of small
models' habits) come from the registry; the tool instance comes from the Toolbox, shared with the offline
planner. Each tool returns ``(content, artifact)`` (``response_format="content_and_artifact"``): the content is the
tool's short summary inside <tool_result> tags (what the model reads; never a whole table), the artifact is the
full ToolOutput (tables, charts, SQL, facts) for people and for the grounding check.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, StructuredTool

from shoplens.tools import registry
from shoplens.tools.artifacts import ToolOutput

if TYPE_CHECKING:
    from shoplens.agent.toolbox import Toolbox

MAX_CONTENT_CHARS = 3500  # what one tool result may cost the model's context
TAG = "tool_result"


# --- content for the model ---------------------------------------------------------------------------------------
_TAGS = re.compile(r"<(/?)\s*(tool_result|tool_call|tool_response|system|im_start|im_end|\|)", re.I)


def neutralize(text: str) -> str:
    """Make data unable to close the <tool_result> block or open a chat-template token ('<|im_start|>')."""
    return _TAGS.sub(lambda m: "‹" + m.group(1) + m.group(2), text).replace("|>", "|›")


def to_content(name: str, out: ToolOutput) -> str:
    """The model's view of a tool result: summary, warnings and what was shown to the user, delimited as data."""
    lines = [out.summary.strip()]
    warnings = [w.strip() for w in out.warnings if w.strip() and w.strip() not in out.summary]
    if warnings:
        lines.append("Warnings: " + " ".join(warnings))
    shown = [f"chart '{c.title}'" for c in out.charts] + [
        f"table '{t.title}' ({t.total_rows if t.total_rows is not None else len(t.rows)} rows)" for t in out.tables
    ]
    if shown:
        lines.append("Shown to the user: " + "; ".join(shown) + ".")
    body = neutralize("\n".join(line for line in lines if line))
    if len(body) > MAX_CONTENT_CHARS:
        body = body[:MAX_CONTENT_CHARS].rsplit("\n", 1)[0] + "\n... (truncated; the full result is shown to the user)"
    return f'<{TAG} tool="{name}">\n{body}\n</{TAG}>'


# --- tools from the registry -----------------------------------------------------------------------------------------
def make_tool(cls: type, toolbox: Toolbox) -> BaseTool:
    name: str = cls.name  # type: ignore[attr-defined]

    def run(**kwargs: Any) -> tuple[str, ToolOutput]:
        out = registry.call(toolbox.get(cls), kwargs)
        return to_content(name, out), out

    return StructuredTool.from_function(
        func=run, name=name, description=registry.description(cls), args_schema=registry.request_model(cls),
        response_format="content_and_artifact",
    )


def build_tools(toolbox: Toolbox, names: list[str] | None = None) -> list[BaseTool]:
    """LangChain tools for every registered ShopLens tool (or only ``names``)."""
    return [make_tool(cls, toolbox) for cls in registry.TOOLS if names is None or cls.name in names]  # type: ignore[attr-defined]
