"""The Analyst: one entry point for every front end. It routes a question to the LLM agent when a model endpoint
is configured and reachable, else (or on failure) to the offline planner, and assembles the typed events into an
Answer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

from shoplens.agent import monitor_chat
from shoplens.agent.config import Settings
from shoplens.agent.events import (
    Answer,
    AnswerMeta,
    ChartArtifact,
    Event,
    FinalAnswer,
    Notice,
    StepFinished,
    TableArtifact,
    TextDelta,
)
from shoplens.agent.sessions import Session, SessionStore
from shoplens.agent.toolbox import Toolbox
from shoplens.data.errors import (
    DataError,
    ModelUnavailable,
    ShopLensError,
    UserInputError,
    WarehouseUnavailable,
)
from shoplens.tools.context import ToolContext

log = logging.getLogger("shoplens.analyst")

MAX_QUESTION_CHARS = 4000
LLM_COOLDOWN_S = 60.0  # after an endpoint failure, answer offline for this long before trying it again


class Brain(Protocol):
    """Turns a question into events (never FinalAnswer). Raises ModelUnavailable when its model is away."""

    mode: str

    def stream(self, question: str, session: Session) -> Iterator[Event]: ...


class Analyst:
    def __init__(self, settings: Settings, *, ctx: ToolContext | None = None, planner: Brain | None = None,
                 llm: Brain | None = None, sessions: SessionStore | None = None) -> None:
        self.settings = settings
        self._ctx = ctx
        self._planner = planner
        self._llm = llm
        self.sessions = sessions or SessionStore()
        self._lock = threading.RLock()
        self._llm_down_until = 0.0
        self._llm_last: dict[str, Any] | None = None  # what the last real model call saw
        self._own_brains = planner is None, llm is None  # rebuilt when the warehouse file is replaced

    # --- lazily built parts -------------------------------------------------------------------------------
    @property
    def ctx(self) -> ToolContext:
        with self._lock:
            if self._ctx is None:
                s = self.settings
                from shoplens.agent.engine import open_engine
                from shoplens.tools.charts.store import Retention

                self._ctx = ToolContext.open(s.db_path, s.charts_path, timeout_s=s.sql_timeout_s,
                                             row_cap=s.sql_row_cap, memory_limit=s.sql_memory_limit,
                                             threads=s.sql_threads, workers=sql_workers(s),
                                             chart_workers=max(0, s.chart_workers),
                                             retention=Retention(s.charts_keep_days * 86400,
                                                                 s.charts_max_mb * 1024**2),
                                             engine=open_engine(s), cache_bytes=s.sql_cache_mb * 1024**2)
            return self._ctx

    def current_ctx(self) -> ToolContext:
        """The tool context on the warehouse file as it is now: when a job swapped in a new file, the semantic
        layer, tools and planner are rebuilt on it (the runner has already reopened it). Raises
        WarehouseUnavailable when the warehouse cannot serve (missing, locked)."""
        try:
            ctx: ToolContext = self.ctx
            if not ctx.replaced():
                return ctx
            with self._lock:
                if self._ctx is ctx:
                    log.info("the warehouse file was replaced; reopened it")
                    self._ctx = ctx.rebound()
                    self.__dict__.pop("_toolbox", None)
                    if self._own_brains[0]:
                        self._planner = None
                    if self._own_brains[1]:
                        self._llm = None
                return self._ctx  # type: ignore[return-value]
        except WarehouseUnavailable:
            raise
        except DataError as exc:
            raise WarehouseUnavailable(exc.message, hint=exc.hint) from None

    def warehouse_generation(self) -> int:
        """Increases each time the warehouse file is found replaced (a stat; -1 before the first use)."""
        ctx = self._ctx
        return -1 if ctx is None else ctx.runner.refresh()

    @property
    def toolbox(self) -> Toolbox:
        with self._lock:
            if not hasattr(self, "_toolbox"):
                self._toolbox = Toolbox(self.ctx, self.settings)
            return self._toolbox

    @property
    def planner(self) -> Brain:
        with self._lock:
            if self._planner is None:
                from shoplens.agent.planner import OfflinePlanner

                self._planner = OfflinePlanner(self.toolbox)
            return self._planner

    @property
    def llm(self) -> Brain | None:
        with self._lock:
            if self._llm is None and self.settings.llm_configured:
                from shoplens.agent.llm import LlmAgent

                self._llm = LlmAgent(self.settings, self.toolbox)
            return self._llm

    def llm_available(self) -> bool:
        return self.llm is not None and time.monotonic() >= self._llm_down_until

    def mode(self) -> str:
        return "llm" if self.llm_available() else "offline"

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()

    # --- answering -----------------------------------------------------------------------------------------
    def ask(self, question: str, session: str | None = None) -> Answer:
        answer: Answer | None = None
        for event in self.stream(question, session):
            if isinstance(event, FinalAnswer):
                answer = event.answer
        assert answer is not None
        return answer

    def stream(self, question: str, session: str | None = None) -> Iterator[Event]:
        """Yield typed events while answering; the last event is always FinalAnswer (errors included)."""
        start = time.perf_counter()
        question = (question or "").strip()
        collected: list[Event] = []
        mode = "offline"
        sess: Session | None = None
        try:
            check_question(question)
            self.current_ctx()
            sess = self.sessions.get(session, create=True)
            with sess.lock:
                monitor_turn = monitor_chat.handle(question, sess, self.settings.alerts_monitors,  # type: ignore[arg-type]
                                                   self.ctx.semantic)
                for event in monitor_turn or []:
                    collected.append(event)
                    yield event
                if monitor_turn is None and self.llm_available():
                    llm_start = time.monotonic()
                    try:
                        for event in self.llm.stream(question, sess):  # type: ignore[union-attr]
                            collected.append(event)
                            yield event
                        mode = "llm"
                        self._record_llm(ok=True, seconds=time.monotonic() - llm_start)
                    except ModelUnavailable as exc:
                        self._llm_down_until = time.monotonic() + LLM_COOLDOWN_S
                        self._record_llm(ok=False, seconds=time.monotonic() - llm_start, error=exc.message,
                                         kind=exc.kind)
                        hint = f" {exc.hint}" if exc.hint else ""
                        collected = [Notice(f"The language model is unavailable: {exc.message}.{hint} "
                                            "This answer comes from the offline planner.")]
                        yield collected[0]
                if mode == "offline" and monitor_turn is None:
                    for event in self.planner.stream(question, sess):
                        collected.append(event)
                        yield event
        except WarehouseUnavailable:
            raise  # not an answer: front ends say "try again" (the API replies 503 with Retry-After)
        except ShopLensError as exc:
            note = TextDelta(str(exc))
            collected.append(note)
            yield note
        except Exception as exc:  # last boundary: the person gets a message, the log gets the traceback
            log.exception("unexpected error while answering %r", question[:200])
            note = TextDelta(f"Sorry, something went wrong while answering ({type(exc).__name__}). "
                             "The error was logged; try rephrasing the question.")
            collected.append(note)
            yield note
        answer = build_answer(question, mode, collected, (time.perf_counter() - start) * 1000)
        if sess is not None:
            answer.session_id = sess.id
            sess.remember(question, answer.answer)
        yield FinalAnswer(answer)

    def rerun_forecast(self, args: dict[str, Any], *, horizon: int, model: str, intervals: bool) -> Iterator[Event]:
        """The last forecast again with new controls (a front end's horizon/model/intervals widgets)."""
        from shoplens.agent.forecast_rerun import rerun_forecast

        yield from rerun_forecast(self.toolbox, args, horizon=horizon, model=model, intervals=intervals)

    def _record_llm(self, *, ok: bool, seconds: float, error: str | None = None, kind: str | None = None) -> None:
        import datetime as dt

        self._llm_last = {"ok": ok, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                          "seconds": round(seconds, 2), "error": error, "kind": kind}

    # --- status for health checks and the UI side panel ----------------------------------------------------
    def status(self) -> dict[str, Any]:
        ctx = self.current_ctx()
        runner = ctx.runner
        counts = {t: int(runner.scalar(f'SELECT count(*) FROM "{t}"')) for t in runner.catalog}
        first = runner.scalar("SELECT min(order_date) FROM orders")
        engine = runner.engine.info()
        return {
            "warehouse": {"tables": counts, "first_date": str(first), "as_of": ctx.as_of.isoformat(),
                          "opened_at": engine.get("opened_at"), "reopened": engine.get("reopened", 0),
                          "result_cache": runner.results.info()},
            "mode": self.mode(),
            "llm": self.llm_status(),
        }


    def llm_status(self) -> dict[str, Any]:
        """What the last real model call saw (not what is configured): ``state`` is ``ok`` (the last call
        answered), ``down`` (it failed; offline until the cool-down ends), ``untested`` (no call yet) or ``off``."""
        s = self.settings
        last = self._llm_last
        if not s.llm_configured:
            state = "off"
        elif last is None:
            state = "untested"
        else:
            state = "ok" if last["ok"] else "down"
        return {
            "configured": s.llm_configured,
            "model": s.llm_model if s.llm_configured else None,
            "state": state,
            "available": state in ("ok", "untested") or (state == "down" and self.llm_available()),
            "last_call": last,
            "last_error": None if last is None or last["ok"] else last["error"],
            "retry_in_s": max(0, round(self._llm_down_until - time.monotonic())) if state == "down" else 0,
        }


def sql_workers(settings: Settings) -> int:
    """SQL worker processes for this Analyst: the setting, or one per core (at least 2). They start on demand."""
    return settings.sql_workers if settings.sql_workers > 0 else max(2, cores())


def cores() -> int:
    """Cores this process may use."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def check_question(question: str) -> None:
    if not question:
        raise UserInputError("The question is empty.", hint="Ask something like 'revenue last month by category'.")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserInputError(
            f"The question is too long ({len(question):,} characters).",
            hint=f"Keep it under {MAX_QUESTION_CHARS:,} characters.",
        )


def build_answer(question: str, mode: str, events: list[Event], elapsed_ms: float) -> Answer:
    answer = Answer(question=question, mode=mode, elapsed_ms=elapsed_ms)
    text: list[str] = []
    for ev in events:
        if isinstance(ev, TextDelta):
            text.append(ev.text)
        elif isinstance(ev, TableArtifact):
            answer.tables.append(ev.table)
        elif isinstance(ev, ChartArtifact):
            answer.charts.append(ev.chart)
        elif isinstance(ev, Notice):
            answer.warnings.append(ev.message)
        elif isinstance(ev, AnswerMeta):
            answer.period = ev.period or answer.period
            answer.facts.update(ev.facts)
            answer.choices = ev.choices or answer.choices
        elif isinstance(ev, StepFinished):
            answer.steps.append({"tool": ev.tool, "args": ev.args, "elapsed_ms": round(ev.elapsed_ms, 1), "ok": ev.ok})
            answer.sql.extend(s for s in ev.sql if s not in answer.sql)
    answer.answer = "".join(text).strip()
    return answer
