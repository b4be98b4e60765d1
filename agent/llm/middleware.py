"""The agent loop's guard rails, as LangChain 1.x middleware around create_agent's model and tool calls.

- ``ModelGuard.wrap_model_call``: counts model turns against the step budget (the last allowed turn runs without
  tools and is told to answer with what it has), drops tools that have used up their retries, recovers a Hermes
  ``<tool_call>{...}</tool_call>`` left in plain text (a known vLLM/Qwen failure) into real tool calls, and turns
  malformed tool-call arguments into marked calls so they reach the model again as an error with a hint
  (create_agent would otherwise end the run on them).
- ``ToolGuard.wrap_tool_call``: times every tool call, turns ShopLens errors (UserInputError, DataError...) and
  argument-validation failures into error ToolMessages with a hint, counts failures per tool (at most two
  retries), and records the elapsed time on the message for the StepFinished event.

Per-question state lives in ``RunState``, passed as the graph's runtime context (one compiled graph serves all).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage, SystemMessage, ToolMessage

from shoplens.agent.llm.failures import LoopDetected, ModelClock
from shoplens.data.errors import ShopLensError, WarehouseUnavailable

log = logging.getLogger("shoplens.llm")

MAX_RETRIES = 2  # per tool: a third failure stops the tool for this question
MAX_SAME_CALL = 2  # the same tool with the same arguments a third time is a loop
INVALID_ARGS = "__invalid_arguments__"
META = "shoplens"  # key in ToolMessage.response_metadata: {"elapsed_ms", "ok"}

BUDGET_NOTE = (
    "STEP BUDGET REACHED: you cannot call tools any more. Answer now using only the tool results above. Start "
    "with one sentence saying the answer is partial because the step limit was reached, then give what the "
    "results show, and say what is still missing."
)

_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


@dataclass
class RunState:
    """One question's counters (thread-safe: parallel tool calls run in worker threads)."""

    max_steps: int
    model_calls: int = 0
    budget_hit: bool = False
    recovered_hermes: int = 0
    tool_errors: Counter[str] = field(default_factory=Counter)
    summaries: list[tuple[str, str]] = field(default_factory=list)  # (tool, summary) of successful calls
    calls_seen: Counter[str] = field(default_factory=Counter)  # tool + canonical arguments -> successful runs
    clock: ModelClock = field(default_factory=ModelClock, repr=False)  # the watchdog's view of model calls
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def failed(self, tool: str) -> int:
        with self.lock:
            self.tool_errors[tool] += 1
            return self.tool_errors[tool]

    def exhausted(self, tool: str) -> bool:
        return self.tool_errors[tool] > MAX_RETRIES


# --- model side ------------------------------------------------------------------------------------------------
def parse_hermes(text: str) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Split content holding Hermes markup into (remaining text, tool calls, invalid calls)."""
    calls: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for m in _HERMES.finditer(text):
        raw = m.group(1).strip()
        call_id = f"call_{uuid.uuid4().hex[:16]}"
        try:
            obj = json.loads(raw)
            name = obj["name"]
            args = obj.get("arguments", obj.get("parameters", {}))
            if isinstance(args, str):
                args = json.loads(args)
            if not isinstance(name, str) or not isinstance(args, dict):
                raise ValueError("name must be a string and arguments an object")
            calls.append({"name": name, "args": args, "id": call_id, "type": "tool_call"})
        except (ValueError, KeyError, TypeError) as exc:
            name = m_name.group(1) if (m_name := re.search(r'"name"\s*:\s*"([^"]+)"', raw)) else "unknown_tool"
            invalid.append({"name": name, "args": raw, "id": call_id, "error": str(exc)})
    rest = _HERMES.sub("", text).strip()
    return rest, calls, invalid


def call_key(call: dict[str, Any]) -> str:
    return call["name"] + json.dumps(call.get("args") or {}, sort_keys=True, default=str)


def _marked(invalid: dict[str, Any]) -> dict[str, Any]:
    """A malformed call as a real call whose args carry the raw text, so ToolGuard answers it with a hint.
    (Sending the raw text back as arguments would make vLLM fail while rendering the chat template.)"""
    raw = str(invalid.get("args") or "")
    error = str(invalid.get("error") or "")
    if not error:
        try:
            parsed = json.loads(raw)
            error = "" if isinstance(parsed, dict) else "the arguments must be a JSON object"
        except ValueError as exc:
            error = str(exc)
    return {"name": invalid.get("name") or "unknown_tool", "id": invalid.get("id") or f"call_{uuid.uuid4().hex[:16]}",
            "args": {INVALID_ARGS: raw, "error": error or "not valid JSON"}, "type": "tool_call"}


class ModelGuard(AgentMiddleware):
    def __init__(self, partial_answer: Callable[[RunState], str]) -> None:
        super().__init__()
        self.partial_answer = partial_answer

    @property
    def name(self) -> str:
        return "ShopLensModelGuard"

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Any:
        run: RunState = request.runtime.context
        with run.lock:
            run.model_calls += 1
            final = run.model_calls >= run.max_steps
        tools = [t for t in request.tools if not run.exhausted(getattr(t, "name", ""))]
        if final and run.model_calls > 1:
            run.budget_hit = True
            system = (request.system_message.text if request.system_message else "") + "\n\n" + BUDGET_NOTE
            request = request.override(tools=[], system_message=SystemMessage(content=system))
        elif len(tools) != len(request.tools):
            request = request.override(tools=tools)
        if run.clock.cancelled.is_set():  # the watchdog gave up on this question: stop here
            raise LoopDetected("the question was abandoned")
        run.clock.start()
        try:
            response = handler(request)
        finally:
            run.clock.stop()
        result = [self._repair(m, run, allow_tools=bool(request.tools)) if isinstance(m, AIMessage) else m
                  for m in response.result]
        for m in result:
            if isinstance(m, AIMessage):
                self._check_loop(m, run)
        return ModelResponse(result=result, structured_response=response.structured_response)

    @staticmethod
    def _check_loop(msg: AIMessage, run: RunState) -> None:
        """Asking again for a result the model already got twice is a loop (failed calls are the retry
        counter's business, not this one's)."""
        for call in msg.tool_calls:
            with run.lock:
                times = run.calls_seen[call_key(call)]
            if times >= MAX_SAME_CALL:
                raise LoopDetected(f"{call['name']} asked {times + 1} times with the same arguments")

    def _repair(self, msg: AIMessage, run: RunState, *, allow_tools: bool) -> AIMessage:
        content = msg.text if not isinstance(msg.content, str) else msg.content
        calls = list(msg.tool_calls)
        invalid = [dict(c) for c in msg.invalid_tool_calls]
        if "<tool_call>" in content:
            content, found, bad = parse_hermes(content)
            if not calls and allow_tools:
                calls, invalid = found, invalid + bad
                run.recovered_hermes += len(found) + len(bad)
        if not allow_tools:  # the forced final answer: no more tool calls, whatever the model tried
            calls, invalid = [], []
            if not content.strip() and run.budget_hit:
                raise LoopDetected(f"{run.model_calls} model steps without an answer")
        calls += [_marked(c) for c in invalid]
        if calls == list(msg.tool_calls) and not msg.invalid_tool_calls and content == msg.content:
            return msg
        return msg.model_copy(update={"content": content, "tool_calls": calls, "invalid_tool_calls": []})


# --- tool side -------------------------------------------------------------------------------------------------
class ToolGuard(AgentMiddleware):
    def __init__(self, tool_names: Callable[[], list[str]]) -> None:
        super().__init__()
        self.tool_names = tool_names

    @property
    def name(self) -> str:
        return "ShopLensToolGuard"

    def wrap_tool_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        run: RunState = request.runtime.context
        call = request.tool_call
        name = call["name"]
        start = time.perf_counter()
        if INVALID_ARGS in call["args"]:
            problem = call["args"].get("error") or "not valid JSON"
            msg = self._error(run, call, f"The arguments were not a valid JSON object ({problem}): "
                                         f"{call['args'][INVALID_ARGS][:300]!r}.",
                              "Send the arguments as one JSON object matching the tool's schema.")
        elif request.tool is None:
            msg = self._error(run, call, f"There is no tool named '{name}'.",
                              f"Use one of: {', '.join(self.tool_names())}.", count=False)
        elif run.exhausted(name):
            msg = self._error(run, call, f"{name} already failed {MAX_RETRIES + 1} times in this question.",
                              "Do not call it again.", count=False)
        else:
            try:
                msg = handler(request)
            except WarehouseUnavailable:
                raise  # the warehouse is locked or gone: no answer now, the front end says "try again"
            except ShopLensError as exc:
                msg = self._error(run, call, exc.message, exc.hint)
            except Exception as exc:  # a bug in a tool: the model hears a short message, the log gets the trace
                log.exception("tool %s failed with args %s", name, call["args"])
                msg = self._error(run, call, f"{name} failed unexpectedly ({type(exc).__name__}).",
                                  "Try different arguments or another tool.")
            else:
                if isinstance(msg, ToolMessage) and msg.status == "error":  # argument validation (ToolNode)
                    msg = self._error(run, call, str(msg.content), None)
                elif isinstance(msg, ToolMessage):
                    with run.lock:
                        run.calls_seen[call_key(call)] += 1
                        if msg.artifact is not None:
                            run.summaries.append((name, str(getattr(msg.artifact, "summary", "")).strip()))
        if isinstance(msg, ToolMessage):
            msg.response_metadata[META] = {"elapsed_ms": (time.perf_counter() - start) * 1000,
                                           "ok": msg.status != "error"}
        return msg

    def _error(self, run: RunState, call: dict[str, Any], message: str, hint: str | None, *,
               count: bool = True) -> ToolMessage:
        name = call["name"]
        failures = run.failed(name) if count else run.tool_errors[name]
        text = f"Error from {name}: {message}"
        if hint:
            text += f" Hint: {hint}"
        if count and failures <= MAX_RETRIES:
            text += f" Fix the arguments and call {name} again (retry {failures} of {MAX_RETRIES})."
        elif count:
            text += (f" {name} has now failed {failures} times: do not call it again. Answer with what you have "
                     "and tell the user plainly what could not be computed.")
        return ToolMessage(content=text, tool_call_id=call["id"], name=name, status="error")
