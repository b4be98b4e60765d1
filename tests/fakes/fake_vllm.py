"""A small OpenAI-compatible server on 127.0.0.1 that replays SCRIPTED, vLLM-shaped replies (bounded, threaded).

It speaks what ``vllm serve MODEL --enable-auto-tool-choice --tool-call-parser hermes`` speaks:

- ``GET /v1/models`` -> the served model list;
- ``POST /v1/chat/completions``, non-streaming (``chat.completion``) and streaming (SSE ``chat.completion.chunk``:
  a role chunk, content deltas, tool-call deltas -- first ``{index, id, type, function: {name}}``, then
  ``{index, function: {arguments: <piece>}}`` -- a final chunk with ``finish_reason``, an optional usage chunk,
  then ``data: [DONE]``);
- vLLM's errors: ``{"error": {"message", "type", "param", "code"}}`` with the HTTP status; a request for another
  model -> 404 "The model `X` does not exist."; tools sent to a server started without
  ``--enable-auto-tool-choice`` -> 400 '"auto" tool choice requires --enable-auto-tool-choice and
  --tool-call-parser to be set'.

Replies are queued with :meth:`FakeVllm.enqueue` (``text``, ``tool_call``, ``hermes_in_text``,
``invalid_arguments``, ``http_error``, ``hang``...). Each chat request consumes one; an unscripted request gets
HTTP 500 and is counted in ``unexpected``. Every request body is recorded in ``requests``. The server stops by
itself after ``max_requests`` requests or ``max_seconds`` seconds.

    with FakeVllm() as fake:
        fake.enqueue(tool_call("run_sql", {"sql": "SELECT 1"}), text("It is 1."))
        ... ChatOpenAI(base_url=fake.url, model=fake.model, api_key="EMPTY") ...
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOOL_CHOICE_ERROR = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'


@dataclass
class Call:
    name: str
    arguments: str  # raw JSON text, exactly as the parser would hand it over (may be invalid on purpose)
    id: str = field(default_factory=lambda: f"chatcmpl-tool-{uuid.uuid4().hex[:16]}")


@dataclass
class Reply:
    content: str | None = None
    calls: list[Call] = field(default_factory=list)
    status: int = 200
    error: str = ""
    error_type: str = ""
    delay_s: float = 0.0  # wait before answering (a hang when longer than the client timeout)
    chunk_chars: int = 4  # streaming: characters per content delta
    chunk_delay_s: float = 0.0  # streaming: pause between events (a trickling, too slow stream)
    raw: bytes | None = None  # send exactly these bytes as the body (garbage JSON, HTML, a broken event stream)
    raw_type: str = "application/json"

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.calls else "stop"


# --- reply builders ---------------------------------------------------------------------------------------------
def text(content: str, *, delay_s: float = 0.0) -> Reply:
    return Reply(content=content, delay_s=delay_s)


def tool_call(name: str, args: dict[str, Any] | str, *, content: str | None = None) -> Reply:
    raw = args if isinstance(args, str) else json.dumps(args)
    return Reply(content=content, calls=[Call(name, raw)])


def tool_calls(*calls: tuple[str, dict[str, Any] | str]) -> Reply:
    return Reply(calls=[Call(n, a if isinstance(a, str) else json.dumps(a)) for n, a in calls])


def hermes_in_text(name: str, args: dict[str, Any], *, prefix: str = "") -> Reply:
    """The known vLLM failure: the parser missed the call and the Hermes markup arrives as plain content."""
    body = json.dumps({"name": name, "arguments": args})
    return Reply(content=f"{prefix}<tool_call>\n{body}\n</tool_call>")


def invalid_arguments(name: str, raw: str = '{"sql": SELECT 1}') -> Reply:
    """A tool call whose arguments are not valid JSON (tool_choice="auto" does not constrain them)."""
    return Reply(calls=[Call(name, raw)])


def http_error(status: int = 500, message: str = "Internal server error", error_type: str = "") -> Reply:
    kind = error_type or {400: "BadRequestError", 404: "NotFoundError", 401: "AuthenticationError"}.get(
        status, "InternalServerError")
    return Reply(status=status, error=message, error_type=kind)


def tool_choice_not_enabled() -> Reply:
    return http_error(400, TOOL_CHOICE_ERROR, "BadRequestError")


def raw_body(body: bytes | str, content_type: str = "application/json", status: int = 200) -> Reply:
    """A reply that is not what an OpenAI-compatible server sends: garbage JSON, an HTML page, a broken stream."""
    return Reply(raw=body.encode() if isinstance(body, str) else body, raw_type=content_type, status=status)


def slow_stream(content: str, *, chunk_delay_s: float, chunk_chars: int = 2) -> Reply:
    """Tokens that keep coming, but too slowly: each gap is short, the whole reply is long."""
    return Reply(content=content, chunk_delay_s=chunk_delay_s, chunk_chars=chunk_chars)


def hang(seconds: float = 5.0) -> Reply:
    """Answer only after ``seconds`` (or when the server stops): longer than the client's timeout."""
    return Reply(content="too late", delay_s=seconds)


# --- the server --------------------------------------------------------------------------------------------------
class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (its timeout) resets the connection: not an error worth printing."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FakeVllm:
    def __init__(self, model: str = "shoplens-test", *, tool_calling: bool = True, max_requests: int = 200,
                 max_seconds: float = 60.0, root: str = "Qwen/Qwen2.5-7B-Instruct") -> None:
        self.model = model
        self.root = root
        self.tool_calling = tool_calling  # False = started without --enable-auto-tool-choice
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.requests: list[dict[str, Any]] = []  # chat request bodies, in order
        self.paths: list[str] = []
        self.unexpected = 0
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._started = 0.0

    # --- lifecycle ---
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeVllm:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._serve, name="fake-vllm", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        timer = threading.Timer(self.max_seconds, self.stop)
        timer.daemon = True
        timer.start()
        try:
            self._server.serve_forever(poll_interval=0.05)
        finally:
            timer.cancel()

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            threading.Thread(target=self._server.shutdown, daemon=True).start()

    def close(self) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeVllm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- scripting ---
    def enqueue(self, *replies: Reply) -> FakeVllm:
        with self._lock:
            self._replies.extend(replies)
        return self

    @property
    def pending(self) -> int:
        return len(self._replies)

    def _next(self) -> Reply | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    def last_messages(self, n: int = -1) -> list[dict[str, Any]]:
        """The ``messages`` of request ``n`` (default: the latest)."""
        return self.requests[n]["messages"]

    # --- HTTP ---
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small writes must not wait for delayed ACKs (40 ms stalls)

            def log_message(self, *args: Any) -> None:
                pass

            def _count(self) -> bool:
                fake.paths.append(self.path)
                if len(fake.paths) > fake.max_requests:
                    fake.stop()
                    self._json(503, {"error": _err("FakeVllm request budget exhausted", "ServiceUnavailable", 503)})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                if not self._count():
                    return
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [{
                        "id": fake.model, "object": "model", "created": int(fake._started), "owned_by": "vllm",
                        "root": fake.root, "parent": None, "max_model_len": 32768}]})
                elif self.path == "/health":
                    self._json(200, {})
                else:
                    self._json(404, {"error": _err("Not Found", "NotFoundError", 404)})

            def do_POST(self) -> None:  # noqa: N802
                if not self._count():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._json(400, {"error": _err("Invalid JSON body", "BadRequestError", 400)})
                    return
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": _err("Not Found", "NotFoundError", 404)})
                    return
                fake.requests.append(body)
                if body.get("model") != fake.model:
                    self._json(404, {"error": _err(f"The model `{body.get('model')}` does not exist.",
                                                   "NotFoundError", 404)})
                    return
                if body.get("tools") and not fake.tool_calling and body.get("tool_choice", "auto") == "auto":
                    self._json(400, {"error": _err(TOOL_CHOICE_ERROR, "BadRequestError", 400)})
                    return
                reply = fake._next()
                if reply is None:
                    fake.unexpected += 1
                    self._json(500, {"error": _err("FakeVllm: no scripted reply left", "InternalServerError", 500)})
                    return
                if reply.delay_s:
                    fake._stop.wait(reply.delay_s)
                if reply.raw is not None:
                    self._raw(reply.status, reply.raw, reply.raw_type)
                    return
                if reply.status != 200:
                    self._json(reply.status, {"error": _err(reply.error, reply.error_type, reply.status)})
                    return
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json(200, _completion(fake.model, reply))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout): nothing to do
                    pass

            def _raw(self, status: int, data: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                    self.send_header("Cache-Control", "no-cache")
                    self.send_header("Transfer-Encoding", "chunked")  # like uvicorn: the connection stays open
                    self.end_headers()
                    usage = bool((body.get("stream_options") or {}).get("include_usage"))
                    # One SSE event per chunk, as vLLM sends them; written in one go (an instant model).
                    events = [b"data: " + json.dumps(c).encode() + b"\n\n" for c in _chunks(fake.model, reply, usage)]
                    events.append(b"data: [DONE]\n\n")
                    if not reply.chunk_delay_s:
                        events = [b"".join(events)]
                    for data in events:
                        if fake._stop.is_set():
                            break
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                        if reply.chunk_delay_s:
                            fake._stop.wait(reply.chunk_delay_s)
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except OSError:
                    self.close_connection = True

        return Handler


def _err(message: str, kind: str, code: int) -> dict[str, Any]:
    return {"message": message, "type": kind, "param": None, "code": code}


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 100, "total_tokens": 120, "completion_tokens": 20}


def _completion(model: str, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "reasoning_content": None, "content": reply.content,
                               "tool_calls": [{"id": c.id, "type": "function",
                                               "function": {"name": c.name, "arguments": c.arguments}}
                                              for c in reply.calls]}
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "message": message, "logprobs": None,
                                         "finish_reason": reply.finish_reason, "stop_reason": None}],
            "usage": _usage(), "prompt_logprobs": None}


def _chunks(model: str, reply: Reply, usage: bool) -> list[dict[str, Any]]:
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    content = reply.content or ""
    step = max(1, reply.chunk_chars)
    out += [chunk({"content": content[i:i + step]}) for i in range(0, len(content), step)]
    for index, call in enumerate(reply.calls):
        out.append(chunk({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                          "function": {"name": call.name}}]}))
        args = call.arguments
        out += [chunk({"tool_calls": [{"index": index, "function": {"arguments": args[i:i + 8]}}]})
                for i in range(0, len(args), 8)]
    out.append(chunk({"content": ""}, reply.finish_reason))
    if usage:
        out.append({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                    "choices": [], "usage": _usage()})
    return out


# --- standalone, for the quick-start smoke test (no pytest in that environment) ----------------------------------
def main(argv: list[str] | None = None) -> None:
    """``python tests/fakes/fake_vllm.py --port-file F --tool query_metric '{"metric": "revenue"}' --text "..."``:
    serve one scripted tool call and one answer, then stop after the requests or seconds given."""
    import argparse
    import pathlib

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True, help="write the base URL here once listening")
    ap.add_argument("--tool", nargs=2, metavar=("NAME", "JSON_ARGS"), help="a tool call to reply first")
    ap.add_argument("--text", required=True, help="the final answer text")
    ap.add_argument("--max-seconds", type=float, default=120.0)
    args = ap.parse_args(argv)
    fake = FakeVllm(max_requests=20, max_seconds=args.max_seconds)
    if args.tool:
        fake.enqueue(tool_call(args.tool[0], json.loads(args.tool[1])))
    fake.enqueue(text(args.text))
    fake.start()
    pathlib.Path(args.port_file).write_text(fake.url + "\n" + fake.model + "\n", encoding="utf-8")
    assert fake._thread is not None
    fake._thread.join()  # ends after max_requests or max_seconds


if __name__ == "__main__":
    main()
