"""A mock Slack Web API on 127.0.0.1 (random port, threaded, bounded lifetime) that records every call.

It speaks the subset of https://slack.com/api/ the ShopLens bot uses, with Slack's envelope (HTTP 200,
``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``):

- ``auth.test`` (checks the bearer token), ``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``;
- the ``files_upload_v2`` flow: ``files.getUploadURLExternal`` -> ``POST /upload/<file_id>`` (raw bytes, recorded in
  ``uploads``) -> ``files.completeUploadExternal``;
- ``apps.connections.open`` (Socket Mode; checks the ``xapp-`` token) and ``response_url`` hooks (``POST
  /response/<id>``, recorded in ``responses``).

Bolt's own test server lacks the upload endpoints, hence this one. Errors can be scripted per method with
:meth:`FakeSlack.fail` (``not_in_channel``, ``invalid_blocks``...). The server stops by itself after ``max_requests``
requests or ``max_seconds`` seconds.

    with FakeSlack() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ...
        slack.calls_to("chat.postMessage")
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_TOKEN = "xoxb-1111-2222-fakeBotTokenValue"
APP_TOKEN = "xapp-1-A111-3333-fakeAppTokenValue"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0SHOP"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self, *, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN, max_requests: int = 500,
                 max_seconds: float = 60.0) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}  # file_id -> bytes POSTed to its upload URL
        self.responses: list[dict[str, Any]] = []  # bodies POSTed to response_url hooks
        self._failures: dict[str, deque[str]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------
    def __enter__(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                fake._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-slack", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.max_seconds, self.close)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "use FakeSlack as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What ``WebClient(base_url=...)`` / ``SHOPLENS_SLACK_API_URL`` take (ends with a slash)."""
        return f"{self.url}/api/"

    # --- scripting and inspection ---------------------------------------------------------------------------
    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        self._failures[method].extend([error] * times)

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        with self._cond:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until ``method`` was called ``count`` times (or the timeout passes); returns those calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._cond.wait(left)

    # --- request handling ------------------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        with self._cond:
            n_calls = len(self.calls) + len(self.uploads) + len(self.responses)
        if n_calls >= self.max_requests:
            self._send(req, 503, {"ok": False, "error": "fake_slack_request_limit"})
            return
        if parts.path.startswith("/upload/"):
            file_id = parts.path.rsplit("/", 1)[-1]
            with self._cond:
                self.uploads[file_id] = raw
                self._cond.notify_all()
            self._send_text(req, 200, f"OK - {len(raw)}")
            return
        if parts.path.startswith("/response/"):
            with self._cond:
                self.responses.append(json.loads(raw or b"{}"))
                self._cond.notify_all()
            self._send_text(req, 200, "ok")
            return
        if not parts.path.startswith("/api/"):
            self._send_text(req, 404, "not found")
            return
        method = parts.path[len("/api/"):]
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        ctype = req.headers.get("Content-Type", "")
        if raw and "json" in ctype:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8")))
        auth = req.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or params.get("token")
        call = Call(method, params, token)
        call.response = self._reply(call)
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
        self._send(req, 200, call.response)

    def _reply(self, call: Call) -> dict[str, Any]:
        if call.method == "apps.connections.open":
            if call.token != self.app_token:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": "ws://127.0.0.1:9/link"}  # nothing listens there
        if call.token != self.bot_token:
            return {"ok": False, "error": "invalid_auth" if call.token else "not_authed"}
        queued = self._failures.get(call.method)
        if queued:
            return {"ok": False, "error": queued.popleft()}
        p = call.params
        if call.method == "auth.test":
            return {"ok": True, "url": "https://shoplens-test.slack.com/", "team": "ShopLens Test",
                    "user": "shoplens", "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                    "is_enterprise_install": False}
        if call.method == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "text": p.get("text", ""), "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
            if p.get("thread_ts"):
                message["thread_ts"] = p["thread_ts"]
            return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": message}
        if call.method == "chat.update":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text", "")}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if call.method == "files.getUploadURLExternal":
            if not p.get("filename") or not p.get("length"):
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ids):08d}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if call.method == "files.completeUploadExternal":
            files = json.loads(p.get("files") or "[]")
            missing = [f["id"] for f in files if f.get("id") not in self.uploads]
            if missing:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _next_ts(self) -> str:
        return f"1800000000.{next(self._ts):06d}"

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    @staticmethod
    def _send_text(req: BaseHTTPRequestHandler, status: int, text: str) -> None:
        data = text.encode()
        req.send_response(status)
        req.send_header("Content-Type", "text/plain; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)
