"""One authentication boundary: every route the server exposes (enumerated from the app itself, Gradio's included)
refuses requests without credentials and lets them through with the bearer token; people sign in with a form
that never puts the token in a URL; Slack's endpoint stays reachable with a valid Slack signature only; replies
name no server folder."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

TOKEN = "tok-" + "9f3a7c1e5b2d8a4f6c0e1b3d5a7c9e2f"  # 36 random-looking characters
SIGNING = "8f14e45fceea167a5a36dedd4bea2543"


@pytest.fixture(scope="module")
def slack() -> Iterator[Any]:
    from fakes.fake_slack import FakeSlack

    with FakeSlack(max_seconds=300) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory, slack: Any) -> Iterator[Any]:
    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import BackgroundServer, build_app

    folder = tmp_path_factory.mktemp("auth")
    s = Settings.load(env={}, home=folder / "home", db=demo_db, charts_dir=folder / "charts", api_token=TOKEN,
                      slack_bot_token=slack.bot_token, slack_signing_secret=SIGNING, slack_api_url=slack.api_url)
    app = build_app(s)
    with BackgroundServer(app) as srv:
        srv.app = app
        yield srv
    app.state.slack_bot.close()


def routes(app: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, walking mounted apps and included routers (path parameters filled in)."""
    for route in getattr(app, "routes", None) or []:
        path = prefix + getattr(route, "path", "")
        inner = getattr(route, "app", None)
        methods = getattr(route, "methods", None)
        if methods:
            for method in sorted(methods):
                yield method, re.sub(r"\{[^}]+\}", "x", path) or "/"
        elif getattr(route, "original_router", None) is not None:  # an included router (FastAPI >= 0.130)
            yield from routes(route.original_router, prefix)
        elif inner is not None and getattr(inner, "routes", None):  # a mounted app (the API, the chat page)
            yield from routes(inner, path)
        elif inner is not None:  # a mounted ASGI app without routes (static files)
            yield "GET", path.rstrip("/") + "/x"


def status_of(url: str, method: str, headers: dict[str, str]) -> tuple[int, str]:
    """Status and Location of a request; streams (Gradio's SSE) are closed once their status line arrives.
    0 means no answer within 5 s: the request got past the gate (which refuses at once) into a handler that
    waits (an event stream)."""
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    head = {"Content-Type": "application/json", **headers} if body else headers
    try:
        with httpx.Client(timeout=httpx.Timeout(10.0, read=5.0)) as c, \
                c.stream(method, url, content=body, headers=head, follow_redirects=False) as r:
            return r.status_code, r.headers.get("location", "")
    except httpx.ReadTimeout:
        return 0, ""


def test_every_route_needs_credentials_and_accepts_the_token(server: Any) -> None:
    base = server.url.rstrip("/")
    found = sorted(set(routes(server.app)))
    paths = {p for _, p in found}
    # the enumeration sees the chat page, Gradio's API and file routes, the HTTP API, its docs and Slack's endpoint
    for expected in ("/", "/gradio_api/queue/join", "/gradio_api/file=x", "/gradio_api/call/x", "/api/ask",
                     "/api/health", "/api/charts/x", "/api/docs", "/api/openapi.json", "/config", "/slack/events"):
        assert expected in paths, expected
    assert len(found) > 60
    public = {"/login", "/logout", "/slack/events"}
    for method, path in found:
        if path in public or method == "HEAD":
            continue
        status, _ = status_of(base + path, method, {"Accept": "application/json"})
        assert status == 401, (method, path, status)
        status, where = status_of(base + path, method, {"Authorization": f"Bearer {TOKEN}"})
        assert status != 401 and "/login" not in where, (method, path, status)
        status, _ = status_of(base + path, method, {"Authorization": "Bearer " + TOKEN[:-1] + "x"})
        assert status == 401, ("near-miss token", method, path)


def test_slack_endpoint_needs_slacks_signature_not_the_token(server: Any) -> None:
    from slack_sdk.signature import SignatureVerifier

    url = server.url + "slack/events"
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "legacy"})
    assert httpx.post(url, content=body, headers={"Content-Type": "application/json"}).status_code == 401
    stamp = str(int(time.time()))
    signed = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
              "X-Slack-Signature": SignatureVerifier(SIGNING).generate_signature(timestamp=stamp, body=body)}
    r = httpx.post(url, content=body, headers=signed)
    assert r.status_code == 200 and "c-123" in r.text


def test_a_browser_is_sent_to_the_sign_in_page_and_the_token_stays_out_of_urls(server: Any) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = c.get("/?x=1", headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2F%3Fx%3D1"
        page = c.get("/login?next=%2F%3Fx%3D1")
        assert page.status_code == 200 and 'method="post"' in page.text and 'name="token"' in page.text
        assert page.headers["cache-control"] == "no-store"
        bad = c.post("/login", data={"token": "wrong", "next": "/?x=1"})
        assert bad.status_code == 401 and "not right" in bad.text and "set-cookie" not in bad.headers
        ok = c.post("/login", data={"token": TOKEN, "next": "/?x=1"})
        assert ok.status_code == 303 and ok.headers["location"] == "/?x=1" and TOKEN not in ok.headers["location"]
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and TOKEN not in cookie
        assert c.get("/", headers={"Accept": "text/html"}).status_code == 200  # the session cookie lets it in
        assert c.get("/api/health").status_code == 200
        assert c.get("/logout").status_code == 303
        assert c.get("/api/health").status_code == 401  # signed out: the cookie no longer works


def test_sign_in_never_redirects_off_the_server(server: Any) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        for nxt in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
            r = c.post("/login", data={"token": TOKEN, "next": nxt})
            assert r.status_code == 303 and r.headers["location"] == "/", nxt


def test_gradio_api_answers_only_with_the_token_and_replies_name_no_server_folder(server: Any) -> None:
    from gradio_client import Client

    with pytest.raises(Exception):  # noqa: B017,PT011 - gradio_client raises its own errors for a 401
        Client(server.url, verbose=False, download_files=False)
    client = Client(server.url, verbose=False, download_files=False, headers={"Authorization": f"Bearer {TOKEN}"})
    chat, *_ = client.predict("revenue by category last month", [], None, None, api_name="/ask")
    client.close()
    assert any(m["role"] == "assistant" for m in chat)
    raw = json.dumps(chat)
    cache = str(Path(server.app.state.blocks.GRADIO_CACHE))
    home = str(Path(server.app.state.analyst.settings.home))
    assert cache not in raw and home not in raw and "/tmp/" not in raw
    urls = re.findall(r'"url": "([^"]+)"', raw)
    assert urls and all("gradio-cache/" in u for u in urls)
    for url in urls[:2]:  # the aliased file URLs still work (with the token), and not without it
        assert httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert httpx.get(url).status_code == 401


def test_failed_sign_ins_are_limited(demo_db: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import build_app

    s = Settings.load(env={}, home=tmp_path / "home", db=demo_db, api_token=TOKEN, ui_auth="ann:correct horse battery")
    app = build_app(s, ui=False)
    with TestClient(app) as c:
        page = c.get("/login")
        assert 'name="username"' in page.text and 'name="password"' in page.text and 'name="token"' not in page.text
        for _ in range(10):
            assert c.post("/login", data={"username": "ann", "password": "nope"}).status_code == 401
        assert c.post("/login", data={"username": "ann", "password": "correct horse battery"}).status_code == 429
    app.state.analyst.close()


@pytest.mark.parametrize("token", ["x", "s3cret-token", "a" * 40, "abababababababababababababababababab"])
def test_weak_tokens_are_refused_with_how_to_make_one(token: str) -> None:
    from shoplens.agent.config import Settings
    from shoplens.data.errors import UserInputError

    with pytest.raises(UserInputError) as exc:
        Settings.load(env={"SHOPLENS_API_TOKEN": token})
    assert "shoplens token" in str(exc.value) and token not in str(exc.value)


def test_shoplens_token_prints_a_strong_token(capsys: pytest.CaptureFixture[str]) -> None:
    from shoplens.agent.cli.main import main
    from shoplens.agent.config import Settings

    assert main(["token"]) == 0
    value = capsys.readouterr().out.strip()
    assert len(value) >= 32 and Settings.load(env={"SHOPLENS_API_TOKEN": value}).api_token == value
