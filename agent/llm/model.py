"""ChatOpenAI with strict tool-call arguments when streaming.

When a response streams, LangChain assembles each tool call's arguments from the deltas and parses them with a
*partial* JSON parser that repairs what it can: '{"metric": "revenue", "end": "2025-12' silently becomes
{"metric": "revenue", "end": "2025-12"} and '{"metric": revenue}' becomes {}. With vLLM's ``tool_choice="auto"``
arguments are not schema-constrained, so such output happens; a silently truncated argument would run the wrong
query. This subclass streams text as usual but holds the tool-call deltas back and, at the end of the stream,
emits each call whole: strict JSON objects pass unchanged, anything else becomes a marked call
(``{"__invalid_arguments__": raw, "error": why}``) that ShopLens's ToolGuard answers with a hint so the model
retries. (Non-streamed responses already report malformed arguments as ``invalid_tool_calls``.)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI

from shoplens.agent.llm.middleware import INVALID_ARGS

if TYPE_CHECKING:
    from shoplens.agent.config import Settings

MAX_ANSWER_TOKENS = 1500


def build_chat_model(settings: Settings) -> StrictChatOpenAI:
    """The one place the chat client is built: every question and `shoplens llm check` go through it.

    The timeout is a plain number (the SDK's own type, whatever HTTP client it runs on); the deadline that really
    bounds a model call, retries included, is :func:`shoplens.agent.llm.failures.run_with_deadline`."""
    s = settings
    return StrictChatOpenAI(
        base_url=s.llm_base_url, api_key=s.llm_api_key or "EMPTY", model=s.llm_model,
        timeout=float(s.llm_timeout_s), max_retries=s.llm_max_retries, temperature=s.llm_temperature,
        max_tokens=MAX_ANSWER_TOKENS,
    )


def strict_arguments(raw: str) -> str:
    """``raw`` when it is a JSON object (or empty), else a JSON marker carrying the raw text and the reason."""
    if not raw.strip():
        return "{}"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return json.dumps({INVALID_ARGS: raw, "error": str(exc)})
    if not isinstance(value, dict):
        return json.dumps({INVALID_ARGS: raw, "error": "the arguments must be a JSON object"})
    return raw


class _Calls:
    def __init__(self) -> None:
        self.slots: dict[int, dict[str, Any]] = {}

    def take(self, chunk: ChatGenerationChunk) -> ChatGenerationChunk:
        msg = chunk.message
        pieces = getattr(msg, "tool_call_chunks", None)
        if not pieces:
            return chunk
        for i, piece in enumerate(pieces):
            index = piece.get("index")
            slot = self.slots.setdefault(i if index is None else int(index), {"name": "", "id": None, "args": ""})
            slot["name"] += piece.get("name") or ""
            slot["id"] = slot["id"] or piece.get("id")
            slot["args"] += piece.get("args") or ""
        stripped = msg.model_copy(update={"tool_call_chunks": [], "tool_calls": [], "invalid_tool_calls": []})
        return ChatGenerationChunk(message=stripped, generation_info=chunk.generation_info)

    def final(self) -> ChatGenerationChunk | None:
        if not self.slots:
            return None
        calls = [tool_call_chunk(name=s["name"] or None, args=strict_arguments(s["args"]), id=s["id"], index=i)
                 for i, s in sorted(self.slots.items())]
        return ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=calls))


class StrictChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose streamed tool calls are parsed strictly (see the module docstring)."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        calls = _Calls()
        for chunk in super()._stream(*args, **kwargs):
            yield calls.take(chunk)
        if (last := calls.final()) is not None:
            yield last

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        calls = _Calls()
        async for chunk in super()._astream(*args, **kwargs):
            yield calls.take(chunk)
        if (last := calls.final()) is not None:
            yield last
