"""LLM mode: LangChain ``create_agent`` with ``ChatOpenAI`` on an OpenAI-compatible (vLLM) endpoint.

``LlmAgent.stream(question, session)`` runs one question through the compiled graph and translates what it
streams into ShopLens events: StepStarted when the model asks for a tool (with its arguments), StepFinished when
the tool returns (elapsed ms, SQL, summary or error), TableArtifact/ChartArtifact from the tool's artifact,
TextDelta for answer tokens (a Hermes ``<tool_call>`` leaking into the text is held back, never shown), then a
Notice for figures the grounding check cannot trace and AnswerMeta with the facts merged from the tools.

Any failure of the model path raises ModelUnavailable naming the cause (agent/llm/failures.py); the Analyst then
answers with the offline planner and shows the cause as a notice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from shoplens.agent.events import (
    AnswerMeta,
    ChartArtifact,
    Event,
    Notice,
    StepFinished,
    StepStarted,
    TableArtifact,
    TextDelta,
)
from shoplens.agent.grounding import check_grounding
from shoplens.agent.llm.failures import EmptyReply, Endpoint, client_error, run_with_deadline, unavailable
from shoplens.data.errors import ModelUnavailable, ShopLensError, WarehouseUnavailable
from shoplens.tools.artifacts import ToolOutput

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

    from shoplens.agent.config import Settings
    from shoplens.agent.llm.middleware import RunState
    from shoplens.agent.sessions import Session
    from shoplens.agent.toolbox import Toolbox

log = logging.getLogger("shoplens.llm")

HISTORY_TURNS = 6  # questions of the conversation the model sees again
HISTORY_CHARS = 24_000  # and at most this much text of them (tool results included)
TOOL_CALL_TAG = "<tool_call>"


class LlmAgent:
    """The LLM brain. ``tools`` and ``model`` can be injected (tests, benchmarks); by default the tools are
    :func:`shoplens.agent.llm.tools.build_tools` over the toolbox and the model is ChatOpenAI from Settings."""

    mode = "llm"

    def __init__(self, settings: Settings, toolbox: Toolbox, *, tools: list[BaseTool] | None = None,
                 model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.toolbox = toolbox
        self._tools = tools
        self._model = model
        self._graph: Any = None
        self._lock = threading.Lock()

    # --- construction (lazy: the Analyst builds the agent before knowing it will be used) ------------------------
    @property
    def tools(self) -> list[BaseTool]:
        if self._tools is None:
            from shoplens.agent.llm.tools import build_tools

            self._tools = build_tools(self.toolbox)
        return self._tools

    @property
    def endpoint(self) -> Endpoint:
        s = self.settings
        return Endpoint(url=s.llm_base_url or "", model=s.llm_model, timeout_s=s.llm_timeout_s)

    def chat_model(self) -> BaseChatModel:
        """The chat client (:func:`build_chat_model`, the same one `shoplens llm check` probes)."""
        if self._model is None:
            from shoplens.agent.llm.model import build_chat_model

            try:
                self._model = build_chat_model(self.settings)
            except Exception as exc:  # a client that cannot be built is an unavailable model, not a crash
                raise client_error(exc, self.endpoint) from exc
        return self._model

    def system_prompt(self) -> str:
        from shoplens.agent.llm.prompts import render_system_prompt

        return render_system_prompt(semantic_text=self.toolbox.semantic.describe(), as_of=self.toolbox.ctx.as_of,
                                    tools=self.tools, max_steps=self.settings.llm_max_steps)

    @property
    def graph(self) -> Any:
        with self._lock:
            if self._graph is None:
                from langchain.agents import create_agent

                from shoplens.agent.llm.middleware import ModelGuard, RunState, ToolGuard

                tools = self.tools
                self._graph = create_agent(
                    model=self.chat_model(), tools=tools, system_prompt=self.system_prompt(),
                    middleware=[ModelGuard(partial_answer), ToolGuard(lambda: [t.name for t in tools])],
                    context_schema=RunState, name="shoplens",
                )
            return self._graph

    # --- answering ---------------------------------------------------------------------------------------------
    def stream(self, question: str, session: Session) -> Iterator[Event]:
        """Events for one question. Any failure of the model path (unreachable, slow, malformed, looping, empty)
        raises ModelUnavailable naming the cause, within ``llm_timeout_s`` of the model call that failed."""
        from langchain_core.messages import HumanMessage

        from shoplens.agent.llm.middleware import RunState

        run = RunState(max_steps=max(2, self.settings.llm_max_steps))  # one turn for tools, one to answer
        history = list(session.llm_messages)
        inputs = {"messages": [*history, HumanMessage(question)]}
        tr = _Translator()
        final_state: dict[str, Any] | None = None
        config = {"recursion_limit": 2 * run.max_steps + 6}
        ep = self.endpoint
        try:
            graph = self.graph

            def produce() -> Iterator[Any]:
                return graph.stream(inputs, config, context=run, stream_mode=["messages", "updates", "values"])

            for mode, chunk in run_with_deadline(produce, run.clock, ep):
                if mode == "messages":
                    run.clock.streamed = True
                    yield from tr.on_token(*chunk)
                elif mode == "updates":
                    yield from tr.on_update(chunk)
                else:
                    final_state = chunk
            if not tr.text.strip() and not tr.outputs:
                raise EmptyReply()
        except ShopLensError as exc:
            if isinstance(exc, ModelUnavailable | WarehouseUnavailable):
                raise
            raise unavailable(exc, ep) from exc
        except Exception as exc:
            log.warning("LLM path failed: %s: %s", type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            raise unavailable(exc, ep) from exc

        if not tr.text.strip():
            yield from tr.emit(partial_answer(run))
        if run.budget_hit:
            yield Notice(f"The question needed more than {run.max_steps} model steps; the answer uses what was "
                         "found so far and may be incomplete.")
        sources: list[Any] = [question, *tr.outputs, *tr.call_args, *history]
        report = check_grounding(tr.text, sources)
        facts = merge_facts(tr.outputs)
        if report.untraceable:
            facts["ungrounded"] = list(report.untraceable)
            yield Notice("Unverified figures: " + ", ".join(report.untraceable) + " - no tool result contains "
                         "these numbers; treat them with caution.")
        period = next((o.period for o in reversed(tr.outputs) if o.period is not None), None)
        yield AnswerMeta(period=period, facts=facts)
        if final_state is not None:
            session.llm_messages = trim_history(final_state.get("messages", []))


# --- translating the graph's stream into events -------------------------------------------------------------------
class _Translator:
    def __init__(self) -> None:
        from shoplens.agent.llm.middleware import INVALID_ARGS, META

        self.invalid_args, self.meta_key = INVALID_ARGS, META
        self.text = ""  # everything emitted as TextDelta
        self.turn_emitted = ""  # emitted during the current model turn
        self.pending = ""  # streamed but held back (could be the start of a <tool_call>)
        self.blocked = False  # a <tool_call> started in this turn's text
        self.steps: dict[str, tuple[int, str, dict[str, Any]]] = {}  # tool_call_id -> (step id, tool, args)
        self.outputs: list[ToolOutput] = []
        self.call_args: list[dict[str, Any]] = []

    def emit(self, text: str) -> Iterator[TextDelta]:
        if not text:
            return
        out = text
        if not self.turn_emitted and self.text and not self.text.endswith("\n"):
            out = "\n\n" + text.lstrip()  # a new model turn after earlier text: a new paragraph
        self.turn_emitted += text
        self.text += out
        yield TextDelta(out)

    def on_token(self, msg: Any, meta: dict[str, Any]) -> Iterator[Event]:
        if meta.get("langgraph_node") != "model" or type(msg).__name__ != "AIMessageChunk":
            return
        piece = msg.content if isinstance(msg.content, str) else msg.text
        if not piece or self.blocked:
            self.pending += piece or ""
            return
        self.pending += piece
        cut = self.pending.find(TOOL_CALL_TAG)
        if cut >= 0:
            self.blocked = True
            cut = len(self.pending[:cut].rstrip())
        else:
            lt = self.pending.rfind("<")
            cut = lt if lt >= 0 and TOOL_CALL_TAG.startswith(self.pending[lt:]) else len(self.pending)
            cut = len(self.pending[:cut].rstrip())  # trailing spaces wait: they may precede a <tool_call>
        safe, self.pending = self.pending[:cut], self.pending[cut:]
        yield from self.emit(safe)

    def on_update(self, update: dict[str, Any]) -> Iterator[Event]:
        for node, value in update.items():
            for item in value if isinstance(value, list) else [value]:
                messages = item.get("messages", []) if isinstance(item, dict) else []
                for msg in messages:
                    kind = type(msg).__name__
                    if node == "model" and kind in ("AIMessage", "AIMessageChunk"):
                        yield from self._model_done(msg)
                    elif node == "tools" and kind == "ToolMessage":
                        yield from self._tool_done(msg)

    def _model_done(self, msg: Any) -> Iterator[Event]:
        final = msg.content if isinstance(msg.content, str) else msg.text
        emitted = self.turn_emitted
        if final.startswith(emitted):
            yield from self.emit(final[len(emitted):].rstrip() if msg.tool_calls else final[len(emitted):])
        self.turn_emitted, self.pending, self.blocked = "", "", False
        for call in msg.tool_calls:
            step = len(self.steps) + 1
            args = dict(call.get("args") or {})
            if self.invalid_args in args:
                args = {"raw_arguments": args[self.invalid_args]}
            else:
                self.call_args.append(args)
            self.steps[call["id"]] = (step, call["name"], args)
            yield StepStarted(step_id=step, tool=call["name"], args=args)

    def _tool_done(self, msg: Any) -> Iterator[Event]:
        step, tool, args = self.steps.get(msg.tool_call_id, (len(self.steps) + 1, msg.name or "tool", {}))
        meta = msg.response_metadata.get(self.meta_key, {})
        ok = msg.status != "error"
        out = msg.artifact if isinstance(msg.artifact, ToolOutput) else None
        yield StepFinished(step_id=step, tool=tool, args=args, ok=ok, elapsed_ms=float(meta.get("elapsed_ms", 0.0)),
                           sql=list(out.sql) if out else [], summary=out.summary if out else "",
                           error=None if ok else str(msg.content))
        if out is not None:
            self.outputs.append(out)
            for table in out.tables:
                yield TableArtifact(table)
            for chart in out.charts:
                yield ChartArtifact(chart)


# --- helpers -------------------------------------------------------------------------------------------------------
def partial_answer(run: RunState) -> str:
    """An honest answer built from what the tools returned, when the model could not finish."""
    why = "within the step limit" if run.budget_hit else "because the tools kept failing"
    if not run.summaries:
        return (f"I could not finish this question {why}, and no tool returned a result. "
                "Try a narrower question (one metric, one period).")
    lines = [f"I could not finish this question {why}. What the tools found so far:"]
    for tool, summary in run.summaries[-4:]:
        first = summary.splitlines()[0] if summary else ""
        lines.append(f"- {tool}: {first}")
    return "\n".join(lines)


def merge_facts(outputs: list[ToolOutput]) -> dict[str, Any]:
    """Facts of every tool call in order (later calls win on shared keys); all calls kept under ``calls``."""
    facts: dict[str, Any] = {}
    for out in outputs:
        facts.update(out.facts)
    if len(outputs) > 1:
        facts["calls"] = [o.facts for o in outputs]
    return facts


def trim_history(messages: list[Any]) -> list[Any]:
    """The conversation to remember: the last HISTORY_TURNS questions with their tool calls and answers, artifacts
    dropped (the model never sees them), cut at a question so no tool message loses its call."""
    starts = [i for i, m in enumerate(messages) if type(m).__name__ == "HumanMessage"]
    keep = messages[starts[-HISTORY_TURNS]:] if len(starts) > HISTORY_TURNS else list(messages)
    while True:
        size = sum(len(str(m.content)) for m in keep)
        human = [i for i, m in enumerate(keep) if type(m).__name__ == "HumanMessage"]
        if size <= HISTORY_CHARS or len(human) <= 1:
            break
        keep = keep[human[1]:]
    out = []
    for m in keep:
        if type(m).__name__ == "ToolMessage" and getattr(m, "artifact", None) is not None:
            m = m.model_copy(update={"artifact": None})
        out.append(m)
    return out
