"""One authentication boundary for everything the server exposes: the chat page, Gradio's API and file routes,
``/api/*`` and the API docs.

``AuthGate`` is a plain ASGI middleware around the whole app (so it also covers what mounted apps add later):
a request passes with ``Authorization: Bearer <SHOPLENS_API_TOKEN>`` (scripts, ``gradio_client``) or with the
session cookie a person gets from the sign-in page. Everything else gets 401 (JSON), or for a browser asking for a
page, a redirect to ``/login``. Only the sign-in page itself and Slack's endpoint (``/slack/events``, which
checks Slack's request signature instead) are reachable without credentials.

The sign-in form posts the token (or ``SHOPLENS_UI_AUTH`` user and password) in the request body, never in a
URL. Sessions are random ids kept in memory (``secrets.token_urlsafe``), sent as an ``HttpOnly; SameSite=Lax``
cookie, valid for ``SESSION_HOURS``; failed sign-ins are limited per client address.
"""

from __future__ import annotations

import hmac
import html
import secrets
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "shoplens_session"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
SESSION_HOURS = 12
MAX_SESSIONS = 10_000
FAILED_LOGINS = (10, 300.0)  # at most 10 failed sign-ins per client address per 5 minutes
MAX_FORM_BYTES = 8 * 1024


class Sessions:
    """Signed-in browser sessions: random ids in memory (a restart signs everyone out)."""

    def __init__(self, hours: float = SESSION_HOURS) -> None:
        self.ttl = hours * 3600
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, str]] = {}
        self._failures: dict[str, list[float]] = {}

    def new(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            if len(self._items) >= MAX_SESSIONS:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
                while len(self._items) >= MAX_SESSIONS:
                    self._items.pop(next(iter(self._items)))
            self._items[sid] = (now + self.ttl, user)
        return sid

    def user(self, sid: str | None) -> str | None:
        if not sid:
            return None
        with self._lock:
            item = self._items.get(sid)
            if item is None:
                return None
            if item[0] < time.time():
                self._items.pop(sid, None)
                return None
            return item[1]

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._items.pop(sid or "", None)

    def too_many_failures(self, client: str) -> bool:
        limit, window = FAILED_LOGINS
        now = time.time()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < window]
            self._failures[client] = recent
            return len(recent) >= limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, []).append(time.time())


class AuthGate:
    """ASGI middleware: every request needs the bearer token or a signed-in session, except ``public`` paths."""

    def __init__(self, app: ASGIApp, *, token: str | None, users: tuple[str, str] | None,
                 sessions: Sessions | None = None, public: Iterable[str] = ("/slack/events",),
                 title: str = "ShopLens") -> None:
        self.app = app
        self.token = token
        self.users = users
        self.sessions = sessions or Sessions()
        self.public = frozenset(public)
        self.title = title

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if scope["type"] == "http" and path == LOGIN_PATH:
            await self._login(scope, receive, send)
            return
        if scope["type"] == "http" and path == LOGOUT_PATH:
            await self._logout(scope, receive, send)
            return
        if path in self.public:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        who = self._bearer(headers) or self.sessions.user(_cookie(headers, COOKIE))
        if who is None:
            await self._deny(scope, headers)(scope, receive, send)
            return
        scope.setdefault("state", {})["shoplens_user"] = who
        scope["shoplens_auth"] = who
        await self.app(scope, receive, send)

    # --- credentials -------------------------------------------------------------------------------------------
    def _bearer(self, headers: dict[str, str]) -> str | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if self.token and scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(),
                                                                             self.token.encode()):
            return "token"
        return None

    def _check_form(self, form: dict[str, str]) -> str | None:
        if self.users is not None:
            user, password = self.users
            ok_user = hmac.compare_digest(form.get("username", "").encode(), user.encode())
            ok_password = hmac.compare_digest(form.get("password", "").encode(), password.encode())
            return user if ok_user and ok_password else None
        if self.token and hmac.compare_digest(form.get("token", "").strip().encode(), self.token.encode()):
            return "token"
        return None

    # --- responses ---------------------------------------------------------------------------------------------
    def _deny(self, scope: Scope, headers: dict[str, str]) -> Response:
        wants_page = scope.get("method") == "GET" and "text/html" in headers.get("accept", "")
        if wants_page:
            target = scope.get("path", "/") + ("?" + scope["query_string"].decode("latin-1")
                                              if scope.get("query_string") else "")
            return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)
        return JSONResponse(
            {"error": "This server requires sign-in.",
             "hint": "Send 'Authorization: Bearer <SHOPLENS_API_TOKEN>', or sign in at /login in a browser."},
            status_code=401, headers={"WWW-Authenticate": "Bearer"},
        )

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        nxt = _safe_next((query.get("next") or ["/"])[0])
        if method in ("GET", "HEAD"):
            await self._page(nxt)(scope, receive, send)
            return
        if method != "POST":
            await Response(status_code=405, headers={"Allow": "GET, POST"})(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        if self.sessions.too_many_failures(client):
            await self._page(nxt, "Too many failed sign-ins from this address; wait a few minutes.", 429)(
                scope, receive, send)
            return
        body = await _read_body(receive, MAX_FORM_BYTES)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()} if body is not None else {}
        nxt = _safe_next(form.get("next", nxt))
        who = self._check_form(form)
        if who is None:
            self.sessions.failed(client)
            what = "user name or password" if self.users else "access token"
            await self._page(nxt, f"That {what} is not right.", 401)(scope, receive, send)
            return
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(COOKIE, self.sessions.new(who), max_age=int(self.sessions.ttl), httponly=True,
                            samesite="lax", secure=scope.get("scheme") == "https", path="/")
        await response(scope, receive, send)

    async def _logout(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.sessions.drop(_cookie(_headers(scope), COOKIE))
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(COOKIE, path="/")
        await response(scope, receive, send)

    def _page(self, nxt: str, error: str = "", status: int = 200) -> HTMLResponse:
        return HTMLResponse(login_page(self.title, nxt, error, users=self.users is not None), status_code=status,
                            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                     "form-action 'self'; frame-ancestors 'none'"})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _safe_next(value: str) -> str:
    """Only a path on this server (no scheme, no host, no '//'): a sign-in must not redirect elsewhere."""
    value = (value or "/").strip()
    if not value.startswith("/") or value.startswith(("//", "/\\")) or value.startswith(LOGIN_PATH):
        return "/"
    return value


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return body


def login_page(title: str, nxt: str, error: str = "", *, users: bool) -> str:
    fields = (
        '<label for="username">User</label><input id="username" name="username" autocomplete="username" required '
        'autofocus>'
        '<label for="password">Password</label><input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        if users else
        '<label for="token">Access token</label><input id="token" name="token" type="password" '
        'autocomplete="current-password" required autofocus>'
        '<p class="note">The server\'s SHOPLENS_API_TOKEN (ask whoever runs ShopLens).</p>'
    )
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · {html.escape(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f4f5fb; margin: 0;
       display: flex; min-height: 100vh; align-items: center; justify-content: center; color: #1f2333; }}
main {{ background: #fff; padding: 2rem 2.25rem; border-radius: 12px; width: 22rem;
       box-shadow: 0 2px 14px rgba(40, 45, 90, .12); }}
h1 {{ margin: 0 0 .25rem; font-size: 1.5rem; }}
p.sub {{ margin: 0 0 1.5rem; color: #5b6078; }}
label {{ display: block; font-weight: 600; margin: .9rem 0 .35rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem .7rem; border: 1px solid #c9cce0; border-radius: 8px;
        font-size: 1rem; }}
input:focus {{ outline: 2px solid #6366f1; border-color: #6366f1; }}
button {{ margin-top: 1.4rem; width: 100%; padding: .7rem; border: 0; border-radius: 8px; background: #4f46e5;
         color: #fff; font-size: 1rem; font-weight: 600; cursor: pointer; }}
.error {{ background: #fdecec; color: #9b1c1c; padding: .55rem .75rem; border-radius: 8px; margin: 0 0 .5rem; }}
.note {{ color: #6b7088; font-size: .85rem; margin: .4rem 0 0; }}
</style></head>
<body><main>
<h1>{html.escape(title)}</h1><p class="sub">Sign in to ask about the shop's data.</p>
{message}
<form method="post" action="{LOGIN_PATH}">
<input type="hidden" name="next" value="{html.escape(nxt)}">
{fields}
<button type="submit">Sign in</button>
</form>
</main></body></html>
"""


def auth_required(settings: Any) -> bool:
    """The gate is on whenever a token or a UI password is configured (always beyond loopback)."""
    return bool(settings.api_token or settings.ui_auth)
