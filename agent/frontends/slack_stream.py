"""Consuming ``Analyst.stream`` with a time limit: the events are produced in a worker thread and read here until the
FinalAnswer arrives or the deadline passes; a step still running after a while is reported (quick ones never are)."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any

from shoplens.agent.events import Answer, FinalAnswer, StepFinished, StepStarted

_DONE = object()


def answer_within(stream: Callable[[], Iterable[Any]], pool: Executor, *, deadline: float,
                  progress: Callable[[StepStarted], None], progress_after_s: float, what: str = "") -> Answer:
    """Run ``stream()`` in ``pool`` and return its FinalAnswer, raising TimeoutError at ``deadline``
    (time.monotonic) and re-raising whatever the stream raised. A step still running after ``progress_after_s``
    is passed to ``progress`` once."""
    events: queue.Queue[Any] = queue.Queue()

    def produce() -> None:
        try:
            for event in stream():
                events.put(event)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            events.put(exc)
        finally:
            events.put(_DONE)

    if deadline <= time.monotonic():  # waited in the queue past the limit: do not start
        raise TimeoutError(what)
    pool.submit(produce)
    answer: Answer | None = None
    running: StepStarted | None = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(what)
        try:
            event = events.get(timeout=min(left, progress_after_s) if running else left)
        except queue.Empty:
            if running:
                progress(running)
                running = None
            continue
        if event is _DONE:
            break
        if isinstance(event, BaseException):
            raise event
        if isinstance(event, FinalAnswer):
            answer = event.answer
        elif isinstance(event, StepStarted):
            running = event
        elif isinstance(event, StepFinished):
            running = None
    if answer is None:
        raise RuntimeError("the Analyst ended without a FinalAnswer")
    return answer
