"""Conversation memory: one Session per chat, browser tab, API client or Slack thread."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from shoplens.data.errors import UserInputError


@dataclass
class Session:
    id: str
    created: float = field(default_factory=time.time)
    touched: float = field(default_factory=time.time)
    turns: list[tuple[str, str]] = field(default_factory=list)  # (question, answer markdown)
    planner_state: dict[str, Any] = field(default_factory=dict)  # the offline planner's context for follow-ups
    llm_messages: list[Any] = field(default_factory=list)  # LangChain messages of the LLM conversation
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remember(self, question: str, answer: str, max_turns: int = 20) -> None:
        self.turns.append((question, answer))
        del self.turns[:-max_turns]
        self.touched = time.time()


class SessionStore:
    """Thread-safe, bounded (LRU + idle timeout) map of sessions."""

    def __init__(self, max_sessions: int = 1000, idle_s: float = 24 * 3600) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.max_sessions = max_sessions
        self.idle_s = idle_s

    def new(self, session_id: str | None = None) -> Session:
        with self._lock:
            sid = session_id or uuid.uuid4().hex
            session = Session(sid)
            self._sessions[sid] = session
            self._evict()
            return session

    def get(self, session_id: str | None, *, create: bool = True) -> Session:
        """The session with this id; a new one when ``session_id`` is None (or unknown and ``create``)."""
        if session_id is None:
            return self.new()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and time.time() - session.touched > self.idle_s:
                del self._sessions[session_id]
                session = None
            if session is not None:
                self._sessions.move_to_end(session_id)
                session.touched = time.time()
                return session
        if not create:
            raise UserInputError(
                f"Unknown or expired session '{session_id[:64]}'.",
                hint="Omit session_id to start a new conversation, or use the id returned by a previous answer.",
            )
        return self.new(session_id)

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _evict(self) -> None:
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
