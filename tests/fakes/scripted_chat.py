"""A scripted, instant LangChain chat model (in process, no HTTP): replies are queued AIMessages, streamed as
word chunks and whole tool-call chunks, so create_agent's streaming path runs exactly as with a real model.

    model = ScriptedChatModel()
    model.enqueue(call("query_metric", {"metric": "revenue"}), say("Revenue was $1.2M."))
"""

from __future__ import annotations

import json
import re
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr


def say(content: str) -> AIMessage:
    return AIMessage(content=content)


def call(name: str, args: dict[str, Any], *more: tuple[str, dict[str, Any]]) -> AIMessage:
    calls = [(name, args), *more]
    return AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": f"call_{uuid.uuid4().hex[:12]}",
                                              "type": "tool_call"} for n, a in calls])


class ScriptedChatModel(BaseChatModel):
    """Replies in order; ``calls`` counts model round trips and ``seen`` keeps the messages of each call."""

    _replies: deque[AIMessage] = PrivateAttr(default_factory=deque)
    calls: int = 0
    seen: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def enqueue(self, *replies: AIMessage) -> ScriptedChatModel:
        self._replies.extend(replies)
        return self

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:  # tools are in the script already
        return self

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        self.calls += 1
        self.seen.append(list(messages))
        if not self._replies:
            raise RuntimeError("ScriptedChatModel: no scripted reply left")
        return self._replies.popleft()

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        reply = self._next(messages)
        for word in re.findall(r"\S+\s*|\s+", reply.content if isinstance(reply.content, str) else ""):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        if reply.tool_calls:
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
                for i, c in enumerate(reply.tool_calls)]))
