"""Every way the model endpoint can fail becomes an offline answer with a notice naming the cause, within the
configured timeout (plus a small margin), through the real ChatOpenAI client against the loopback fake vLLM.

One test per failure kind: refused connection, DNS failure, HTTP 4xx/5xx, a hang, a slow stream, malformed JSON,
a malformed event stream, HTML, a wrong-shaped body, a client-construction error, an unknown model and a
tool-call loop. The offline planner is scripted here: the fallback path is what is under test.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fakes.fake_vllm import FakeVllm, hang, http_error, raw_body, slow_stream, text, tool_call

from shoplens.agent.analyst import Analyst
from shoplens.agent.events import Event, FinalAnswer, Notice, TextDelta
from shoplens.agent.sessions import Session

OFFLINE_TEXT = "Offline planner answer."
TIMEOUT_S = 1.0
MARGIN_S = 2.0


class ScriptedOffline:
    mode = "offline"

    def stream(self, question: str, session: Session) -> Iterator[Event]:
        yield TextDelta(OFFLINE_TEXT)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ask(settings: Any, tool_ctx: Any, **overrides: Any) -> tuple[Any, list[Event], float]:
    s = settings.replace(llm_timeout_s=TIMEOUT_S, llm_max_retries=1, **overrides)
    analyst = Analyst(s, ctx=tool_ctx, planner=ScriptedOffline())
    start = time.monotonic()
    events = list(analyst.stream("revenue last month"))
    elapsed = time.monotonic() - start
    assert isinstance(events[-1], FinalAnswer)
    answer = events[-1].answer
    status = analyst.status()["llm"]
    assert status["state"] == "down" and status["last_error"], status  # health reports the real call
    return answer, events, elapsed


def assert_fell_back(answer: Any, events: list[Event], elapsed: float, *phrases: str) -> None:
    assert answer.mode == "offline" and answer.answer == OFFLINE_TEXT, answer
    notice = next(e for e in events if isinstance(e, Notice))
    assert "offline planner" in notice.message
    for phrase in phrases:
        assert phrase in notice.message, notice.message
    assert elapsed <= TIMEOUT_S + MARGIN_S, f"fell back after {elapsed:.1f} s"


@pytest.fixture(scope="module", autouse=True)
def _imported() -> None:
    """Load the LLM stack once (seconds on a busy machine): the timing below is about failures, not imports."""
    import langchain.agents  # noqa: F401
    import langchain_openai  # noqa: F401

    import shoplens.agent.llm.agent  # noqa: F401
    import shoplens.agent.llm.middleware  # noqa: F401
    import shoplens.agent.llm.model  # noqa: F401


@pytest.fixture()
def fake() -> Iterator[FakeVllm]:
    with FakeVllm(max_seconds=30) as server:
        yield server


def via(fake: FakeVllm) -> dict[str, Any]:
    return {"llm_base_url": fake.url, "llm_model": fake.model}


def test_refused_connection(settings: Any, tool_ctx: Any) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    assert_fell_back(*ask(settings, tool_ctx, llm_base_url=url), "nothing is listening", "connection refused")


def test_dns_failure(settings: Any, tool_ctx: Any) -> None:
    answer, events, elapsed = ask(settings, tool_ctx, llm_base_url="http://no-such-host.invalid:8000/v1")
    # Without a resolver that answers, the lookup itself may hang: then the deadline speaks instead.
    notice = next(e for e in events if isinstance(e, Notice)).message
    assert "could not be found (DNS" in notice or "did not answer within 1 s" in notice, notice
    assert_fell_back(answer, events, elapsed)


@pytest.mark.parametrize(("status", "message", "phrase"), [
    (400, "Bad request: max_tokens too large", "HTTP 400: Bad request"),
    (401, "Invalid API key", "refused the API key"),
    (500, "CUDA out of memory", "HTTP 500: CUDA out of memory"),
    (503, "Service Unavailable", "HTTP 503"),
])
def test_http_errors(settings: Any, tool_ctx: Any, fake: FakeVllm, status: int, message: str, phrase: str) -> None:
    fake.enqueue(*[http_error(status, message)] * 3)  # retries, if any, fail the same way
    assert_fell_back(*ask(settings, tool_ctx, **via(fake)), phrase)


def test_hang_falls_back_at_the_timeout_not_after_retries(settings: Any, tool_ctx: Any, fake: FakeVllm) -> None:
    fake.enqueue(hang(20), hang(20))
    answer, events, elapsed = ask(settings, tool_ctx, **via(fake))
    assert_fell_back(answer, events, elapsed, "did not answer within 1 s")
    assert elapsed >= TIMEOUT_S * 0.9


def test_slow_stream(settings: Any, tool_ctx: Any, fake: FakeVllm) -> None:
    fake.enqueue(slow_stream("Revenue was fine. " * 10, chunk_delay_s=0.1))  # ~9 s in all, 0.1 s per gap
    assert_fell_back(*ask(settings, tool_ctx, **via(fake)), "too slowly within 1 s")


@pytest.mark.parametrize(("body", "content_type"), [
    ("{not json at all", "application/json"),
    ('{"foo": 1}', "application/json"),  # valid JSON, wrong shape
    ("data: {broken json\n\ndata: [DONE]\n\n", "text/event-stream"),
    ('data: {"foo": 1}\n\ndata: [DONE]\n\n', "text/event-stream"),  # well-formed events, wrong shape
    ("<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>", "text/html"),
], ids=["garbage-json", "wrong-shape-json", "garbage-event-stream", "wrong-shape-events", "html"])
def test_malformed_replies(settings: Any, tool_ctx: Any, fake: FakeVllm, body: str, content_type: str) -> None:
    fake.enqueue(*[raw_body(body, content_type)] * 3)
    answer, events, elapsed = ask(settings, tool_ctx, **via(fake))
    assert_fell_back(answer, events, elapsed)
    notice = next(e for e in events if isinstance(e, Notice)).message
    assert any(p in notice for p in ("not a valid OpenAI-compatible", "HTML page", "could not be read",
                                     "empty reply")), notice


def test_html_error_page_with_an_error_status(settings: Any, tool_ctx: Any, fake: FakeVllm) -> None:
    fake.enqueue(*[raw_body("<html><body>502 Bad Gateway</body></html>", "text/html", status=502)] * 3)
    assert_fell_back(*ask(settings, tool_ctx, **via(fake)), "HTTP 502")


def test_client_construction_error(settings: Any, tool_ctx: Any) -> None:
    assert_fell_back(*ask(settings, tool_ctx, llm_base_url="http://[::1:8000/v1"), "could not be set up")


def test_unknown_model(settings: Any, tool_ctx: Any, fake: FakeVllm) -> None:
    assert_fell_back(*ask(settings, tool_ctx, llm_base_url=fake.url, llm_model="not-served"),
                     "does not serve 'not-served'")


def test_tool_call_loop(settings: Any, tool_ctx: Any, fake: FakeVllm) -> None:
    call = tool_call("query_metric", {"metric": "orders", "start": "2025-01-01", "end": "2025-01-31"})
    fake.enqueue(call, call, call, call, text("never reached"))
    assert_fell_back(*ask(settings, tool_ctx, **via(fake)), "kept calling tools without answering")


def test_empty_reply(settings: Any, tool_ctx: Any, fake: FakeVllm) -> None:
    fake.enqueue(text(""))
    assert_fell_back(*ask(settings, tool_ctx, **via(fake)), "empty reply")


def test_health_reports_the_last_real_call_not_the_configuration(settings: Any, tool_ctx: Any,
                                                                  fake: FakeVllm) -> None:
    s = settings.replace(llm_base_url=fake.url, llm_model=fake.model, llm_timeout_s=TIMEOUT_S)
    analyst = Analyst(s, ctx=tool_ctx, planner=ScriptedOffline())
    assert analyst.status()["llm"]["state"] == "untested"
    fake.enqueue(text("Revenue was $1."))
    assert analyst.ask("revenue last month").mode == "llm"
    llm = analyst.status()["llm"]
    assert llm["state"] == "ok" and llm["last_call"]["ok"] and llm["last_error"] is None
