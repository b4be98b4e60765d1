"""What can go wrong with a model endpoint, in plain words, and a deadline that never waits past the timeout.

Every failure of the LLM path becomes a :class:`ModelUnavailable` whose message names the cause the way a person
would ("nothing is listening at http://gpu:8000/v1", "the reply was an HTML page, not an OpenAI-compatible
response"); the Analyst then answers with the offline planner and shows that message as a notice.

Only the SDK's own exception types and the standard library's are inspected: the openai SDK has switched HTTP
clients before (httpx, then httpx2), so nothing here names an HTTP library's classes.

:func:`run_with_deadline` runs the agent graph in a worker thread and watches the model calls: a model call that
has not finished ``timeout_s`` after it started (a hang, a black-holed host, a stream that trickles) ends the
question at once, whatever the SDK's own timeouts and retries would do. Tool calls are not under this deadline
(they have their own SQL limits).
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from shoplens.data.errors import ModelUnavailable

CHECK_HINT = "Run `shoplens llm check` for a diagnosis."
TOOLS_HINT = ("Start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (llama3_json for Llama 3.x), "
              "e.g. `shoplens llm serve`.")
POLL_S = 0.05


class LoopDetected(Exception):  # noqa: N818 - a condition, raised by the model guard
    """The model kept calling tools without answering."""


class EmptyReply(Exception):  # noqa: N818
    """The model's reply had neither text nor tool calls."""


@dataclass(frozen=True)
class Endpoint:
    url: str
    model: str
    timeout_s: float


def unavailable(exc: BaseException, ep: Endpoint) -> ModelUnavailable:
    """A ModelUnavailable naming the cause of ``exc`` (any exception raised on the model path)."""
    if isinstance(exc, ModelUnavailable):
        return exc
    kind, message, hint = describe(exc, ep)
    return ModelUnavailable(message, hint=hint, kind=kind)


def describe(exc: BaseException, ep: Endpoint) -> tuple[str, str, str | None]:
    """(kind, plain-words cause, hint) for an exception from the model path."""
    import openai

    url = ep.url
    if isinstance(exc, LoopDetected):
        return "loop", f"the model kept calling tools without answering ({exc})", None
    if isinstance(exc, EmptyReply):
        return "empty", "the model sent an empty reply", CHECK_HINT
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", f"the model endpoint {url} did not answer within {ep.timeout_s:g} s", CHECK_HINT
    if isinstance(exc, openai.APIStatusError):
        return _status(exc, ep)
    if isinstance(exc, openai.APIConnectionError):
        cause = _root_os_error(exc)
        if isinstance(cause, socket.gaierror) or _mentions(exc, "name or service not known", "name resolution",
                                                           "nodename nor servname", "getaddrinfo"):
            return "dns", f"the host name in {url} could not be found (DNS lookup failed)", (
                "Check the host name in SHOPLENS_LLM_BASE_URL.")
        if isinstance(cause, ConnectionRefusedError) or _mentions(exc, "connection refused", "errno 111"):
            return "refused", f"nothing is listening at {url} (connection refused)", (
                "Start the model server (`shoplens llm serve` on the GPU box) or fix SHOPLENS_LLM_BASE_URL.")
        if _mentions(exc, "timed out", "timeout"):
            return "timeout", f"the model endpoint {url} did not answer within {ep.timeout_s:g} s", CHECK_HINT
        return "connection", f"the connection to {url} failed ({_short(exc)})", CHECK_HINT
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError | openai.APIError):
        return "bad-response", f"the reply from {url} was not a valid OpenAI-compatible response ({_short(exc)})", (
            "Check that SHOPLENS_LLM_BASE_URL points at the OpenAI-compatible API (it usually ends in /v1).")
    text = _short(exc).lower()
    if "<html" in text or "<!doctype" in text:
        return "bad-response", f"the reply from {url} was an HTML page, not an OpenAI-compatible response", (
            "SHOPLENS_LLM_BASE_URL probably points at a web page; it usually ends in /v1.")
    if isinstance(exc, ValueError | KeyError | TypeError | AttributeError | IndexError):
        return "bad-response", (f"the reply from {url} could not be read as a chat completion "
                                f"({type(exc).__name__}: {_short(exc)})"), CHECK_HINT
    return "error", f"the model path failed ({type(exc).__name__}: {_short(exc)})", CHECK_HINT


def client_error(exc: BaseException, ep: Endpoint) -> ModelUnavailable:
    return ModelUnavailable(f"the model client for {ep.url} could not be set up ({type(exc).__name__}: "
                            f"{_short(exc)})", hint="Check SHOPLENS_LLM_BASE_URL and SHOPLENS_LLM_MODEL; " + CHECK_HINT,
                            kind="client")


def _status(exc: Any, ep: Endpoint) -> tuple[str, str, str | None]:
    detail = _error_detail(exc)
    code = exc.status_code
    if code == 400 and "tool choice" in detail.lower():
        return "tools-off", f"the model server at {ep.url} is not set up for tool calling ({detail})", TOOLS_HINT
    if code == 404:
        return "model", f"the model server at {ep.url} does not serve '{ep.model}' ({detail})", (
            "Set SHOPLENS_LLM_MODEL to the served model name; " + CHECK_HINT)
    if code in (401, 403):
        return "auth", f"the model server at {ep.url} refused the API key (HTTP {code})", (
            "Set SHOPLENS_LLM_API_KEY to the key the server expects.")
    if "<html" in detail.lower() or "<!doctype" in detail.lower():
        detail = "an HTML error page"
    return "http", f"the model endpoint {ep.url} failed (HTTP {code}: {detail[:200]})", CHECK_HINT


def _error_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(getattr(exc, "message", "") or exc)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _root_os_error(exc: BaseException) -> OSError | None:
    return next((e for e in _chain(exc) if isinstance(e, OSError)), None)


def _mentions(exc: BaseException, *needles: str) -> bool:
    text = " ".join(str(e).lower() for e in _chain(exc))
    return any(n in text for n in needles)


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the deadline ---------------------------------------------------------------------------------------------------
class ModelClock:
    """When the current model call started (None between calls); set by the model guard, read by the watchdog."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: float | None = None
        self.streamed = False  # the current call has sent at least one piece
        self.cancelled = threading.Event()

    def start(self) -> None:
        with self._lock:
            self._started, self.streamed = time.monotonic(), False

    def stop(self) -> None:
        with self._lock:
            self._started = None

    def overdue(self, timeout_s: float) -> bool:
        with self._lock:
            return self._started is not None and time.monotonic() - self._started > timeout_s


def run_with_deadline(produce: Callable[[], Iterator[Any]], clock: ModelClock, ep: Endpoint) -> Iterator[Any]:
    """Yield what ``produce()`` yields, computed in a worker thread; raise ModelUnavailable as soon as a model
    call is overdue. The worker is abandoned then (it is a daemon and stops at its next model call)."""
    items: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            for item in produce():
                if clock.cancelled.is_set():
                    return
                items.put(("item", item))
            items.put(("done", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            items.put(("error", exc))

    threading.Thread(target=work, name="shoplens-llm", daemon=True).start()
    while True:
        try:
            kind, value = items.get(timeout=POLL_S)
        except queue.Empty:
            if clock.overdue(ep.timeout_s):
                clock.cancelled.set()
                what = ("sent its reply too slowly" if clock.streamed else "did not answer")
                raise ModelUnavailable(f"the model endpoint {ep.url} {what} within {ep.timeout_s:g} s",
                                       hint=CHECK_HINT, kind="slow" if clock.streamed else "timeout") from None
            continue
        if kind == "item":
            yield value
        elif kind == "done":
            return
        else:
            raise value
