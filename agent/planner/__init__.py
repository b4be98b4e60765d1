"""The offline planner: answers everyday questions deterministically, with no LLM, through the same tools and
Answer contract as the LLM agent. ``understand`` turns a question into a Plan; ``execute`` answers the Plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shoplens.agent.events import AnswerMeta, Event
from shoplens.agent.planner.plan import Plan

if TYPE_CHECKING:
    from shoplens.agent.sessions import Session
    from shoplens.agent.toolbox import Toolbox

__all__ = ["OfflinePlanner", "Plan"]


def shown_values(facts: dict[str, object]) -> dict[str, list[str]]:
    """The values a ranking or breakdown answered with, by dimension (one dimension only)."""
    dims, rows = facts.get("group_by"), facts.get("rows")
    if facts.get("kind") not in ("top", "breakdown") or not isinstance(dims, list) or len(dims) != 1 \
            or not isinstance(rows, list):
        return {}
    return {str(dims[0]): [str(r[0]) for r in rows if isinstance(r, list | tuple) and r]}


class OfflinePlanner:
    mode = "offline"

    def __init__(self, toolbox: Toolbox) -> None:
        from shoplens.agent.planner.execute import Executor
        from shoplens.agent.planner.understand import Understander

        self.toolbox = toolbox
        from shoplens.tools.metric_query import data_start

        self.understander = Understander(toolbox.semantic, toolbox.ctx.as_of, data_start(toolbox.ctx))
        self.executor = Executor(toolbox)

    def plan(self, question: str, last: Plan | None = None) -> Plan:
        from shoplens.agent.planner import zh_plan, zh_translate

        if zh_translate.is_chinese(question) or (last is not None and last.kind == "clarify" and last.lang == "zh"):
            return zh_plan.understand_zh(self.understander, question, last)
        return self.understander.understand(question, last)

    def stream(self, question: str, session: Session) -> Iterator[Event]:
        state = session.planner_state
        pending = state.pop("pending_clarify", None)  # a reply to a clarifying question resumes that question
        plan = self.plan(question, pending or state.get("last_plan"))
        events = self.executor.run(plan)
        if plan.lang == "zh":
            from shoplens.agent.planner.zh_charts import chinese_chart
            from shoplens.agent.planner.zh_tables import header_names, table_zh
            from shoplens.agent.planner.zh_wording import in_chinese
            from shoplens.tools.charts.tool import ChartTool
            from shoplens.tools.formatting import currency_symbol

            tool = self.toolbox.get(ChartTool)
            symbol = currency_symbol(self.toolbox.settings.currency)
            names = header_names(self.toolbox.semantic)
            events = in_chinese(events, plan, lambda chart, facts: chinese_chart(chart, facts, tool, symbol),
                                currency=symbol,
                                retable=lambda table, facts, first: table_zh(table, facts, names, first=first))
        for event in events:
            if isinstance(event, AnswerMeta):
                plan.shown = shown_values(event.facts)  # "that category" in the next question names these
                if event.period is not None and plan.kind not in ("forecast", "reviews") and (
                        plan.period is None or plan.since_first):
                    # a period the executor looked up ('since launch', campaign days): the next question keeps it
                    plan.period, plan.since_first = event.period, False
            yield event
        if plan.kind not in ("clarify", "unsupported", "describe") or (plan.kind == "unsupported" and plan.subject):
            state["last_plan"] = plan  # a declined question that named a product: "what did it sell then?"
        elif plan.kind == "clarify":
            state["pending_clarify"] = plan
