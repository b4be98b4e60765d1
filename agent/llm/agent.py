"""LLM mode: LangChain ``create_agent`` with ``ChatOpenAI`` on an OpenAI-compatible (vLLM) endpoint.

``LlmAgent.stream(question, session)`` runs one question through the compiled graph and translates what it
streams into ShopLens events: StepStarted when the model asks for a tool (with its arguments), StepFinished when
the tool returns (elapsed ms, SQL, summary or error), TableArtifact/ChartArtifact from the tool's artifact,
TextDelta for answer tokens (a Hermes ``<tool_call>`` leaking into the text is held back, never shown), then a
Notice for figures the grounding check cannot trace and AnswerMeta with the facts merged from the tools.

An unreachable, slow or failing endpoint raises ModelUnavailable (the Analyst then answers offline).
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
from shoplens.data.errors import ModelUnavailable
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
MAX_ANSWER_TOKENS = 1500
CONNECT_TIMEOUT_S = 5.0
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

    def chat_model(self) -> BaseChatModel:
        if self._model is None:
            import httpx

            from shoplens.agent.llm.model import StrictChatOpenAI

            s = self.settings
            # Reading may take llm_timeout_s (between streamed tokens); connecting must not: a black-holed host
            # should fall back to the offline planner in seconds, not after a full timeout per retry.
            timeout = httpx.Timeout(s.llm_timeout_s, connect=min(CONNECT_TIMEOUT_S, s.llm_timeout_s))
            self._model = StrictChatOpenAI(
                base_url=s.llm_base_url, api_key=s.llm_api_key or "EMPTY", model=s.llm_model,
                timeout=timeout, max_retries=s.llm_max_retries, temperature=s.llm_temperature,
                max_tokens=MAX_ANSWER_TOKENS,
            )
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
        from langchain_core.messages import HumanMessage

        from shoplens.agent.llm.middleware import RunState

        run = RunState(max_steps=max(2, self.settings.llm_max_steps))  # one turn for tools, one to answer
        history = list(session.llm_messages)
        inputs = {"messages": [*history, HumanMessage(question)]}
        tr = _Translator()
        final_state: dict[str, Any] | None = None
        config = {"recursion_limit": 2 * run.max_steps + 6}
        try:
            for mode, chunk in self.graph.stream(inputs, config, context=run,
                                                 stream_mode=["messages", "updates", "values"]):
                if mode == "messages":
                    yield from tr.on_token(*chunk)
                elif mode == "updates":
                    yield from tr.on_update(chunk)
                else:
                    final_state = chunk
        except Exception as exc:
            unavailable = as_unavailable(exc, self.settings)
            if unavailable is None:
                raise
            raise unavailable from exc

        if not tr.text.strip():
            yield from tr.emit(partial_answer(run) if run.summaries else
                               "The model returned no answer. Try rephrasing the question.")
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


def as_unavailable(exc: BaseException, settings: Settings) -> ModelUnavailable | None:
    """ModelUnavailable with a message saying what is wrong with the endpoint, or None if ``exc`` is not about it."""
    try:
        import httpx
        import openai
    except ImportError:  # pragma: no cover - both come with langchain-openai
        return None
    url, model, timeout = settings.llm_base_url, settings.llm_model, settings.llm_timeout_s
    check = "Run `shoplens llm check` for a diagnosis."
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return ModelUnavailable(f"the model endpoint {url} did not answer within {timeout:g} s", hint=check)
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return ModelUnavailable(f"cannot reach the model endpoint {url}", hint=check)
    if isinstance(exc, openai.APIStatusError):
        detail = _error_detail(exc)
        code = exc.status_code
        if code == 400 and "tool choice" in detail.lower():
            return ModelUnavailable(
                f"the model server at {url} is not set up for tool calling ({detail})",
                hint="Start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (llama3_json for Llama "
                     "3.x), e.g. `shoplens llm serve`.")
        if code == 404:
            return ModelUnavailable(f"the model server at {url} does not serve '{model}' ({detail})",
                                    hint="Set SHOPLENS_LLM_MODEL to the served model name; " + check)
        if code in (401, 403):
            return ModelUnavailable(f"the model server at {url} refused the API key (HTTP {code})",
                                    hint="Set SHOPLENS_LLM_API_KEY to the key the server expects.")
        return ModelUnavailable(f"the model endpoint {url} failed (HTTP {code}: {detail[:200]})", hint=check)
    if isinstance(exc, openai.APIError):
        return ModelUnavailable(f"the model endpoint {url} failed ({str(exc)[:200]})", hint=check)
    return None


def _error_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(getattr(exc, "message", "") or exc)

