"""The offline planner: answers everyday questions deterministically, with no LLM, through the same tools and
Answer contract as the LLM agent. ``understand`` turns a question into a Plan; ``execute`` answers the Plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shoplens.agent.events import Event
from shoplens.agent.planner.plan import Plan

if TYPE_CHECKING:
    from shoplens.agent.sessions import Session
    from shoplens.agent.toolbox import Toolbox

__all__ = ["OfflinePlanner", "Plan"]


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
        return self.understander.understand(question, last)

    def stream(self, question: str, session: Session) -> Iterator[Event]:
        state = session.planner_state
        pending = state.pop("pending_clarify", None)  # a reply to a clarifying question resumes that question
        plan = self.plan(question, pending or state.get("last_plan"))
        yield from self.executor.run(plan)
        if plan.kind not in ("clarify", "unsupported", "describe"):
            state["last_plan"] = plan
        elif plan.kind == "clarify":
            state["pending_clarify"] = plan
