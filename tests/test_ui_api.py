"""The HTTP API (/api/ask, /api/health, /api/charts/...) through Starlette's TestClient, including bad input, the
bearer token and the rule that the server never listens beyond loopback without one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shoplens.agent.frontends.server import build_app, check_exposure, is_loopback, parse_auth
from shoplens.data.errors import UserInputError

CONTRACT = {
    "question",
    "mode",
    "answer",
    "period",
    "tables",
    "charts",
    "sql",
    "steps",
    "warnings",
    "elapsed_ms",
    "session_id",
}


def _settings(demo_db: Path, folder: Path, **overrides: object):
    from shoplens.agent.config import Settings

    return Settings.load(env={}, home=folder / "home", db=demo_db, charts_dir=folder / "charts", **overrides)


@pytest.fixture(scope="module")
def api_settings(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    return _settings(demo_db, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def client(api_settings):
    from fastapi.testclient import TestClient

    app = build_app(api_settings, ui=False)
    with TestClient(app) as c:
        yield c
    app.state.analyst.close()


@pytest.fixture(scope="module")
def chart_answer(client) -> dict:
    r = client.post("/api/ask", json={"question": "revenue by category last month"})
    assert r.status_code == 200, r.text
    return r.json()


# --- answers --------------------------------------------------------------------------------------------------
def test_ask_returns_the_answer_contract_with_a_session(chart_answer: dict) -> None:
    data = chart_answer
    assert data.keys() >= CONTRACT and data["mode"] == "offline"
    assert "Revenue by category" in data["answer"]
    assert re.fullmatch(r"[0-9a-f]{32}", data["session_id"])
    assert data["tables"][0]["columns"][:2] == ["Category", "Revenue"]
    assert data["sql"] and data["sql"][0].lstrip().upper().startswith("SELECT")
    assert {s["tool"] for s in data["steps"]} >= {"query_metric", "make_chart"}


def test_answers_carry_chart_urls_never_server_paths(chart_answer: dict, api_settings) -> None:
    text = json.dumps(chart_answer)
    assert str(api_settings.charts_path) not in text and str(api_settings.home) not in text
    chart = chart_answer["charts"][0]
    cid = chart["id"]
    assert chart["url"] == chart["path"] == f"/api/charts/{cid}.png"
    assert chart["csv_url"] == chart["data"] == f"/api/charts/{cid}.csv"
    assert chart["spec_url"] == f"/api/charts/{cid}.json"


def test_chart_files_are_served_by_id(client, chart_answer: dict) -> None:
    chart = chart_answer["charts"][0]
    png = client.get(chart["url"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.headers["x-content-type-options"] == "nosniff"
    csv = client.get(chart["csv_url"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0].lower().startswith("category")
    spec = client.get(chart["spec_url"]).json()
    assert spec["id"] == chart["id"]


@pytest.mark.parametrize(
    "name",
    [
        "0123456789abcdef0123456789abcdef.png",  # well-formed id, no such chart
        "not-a-chart.png",
        "..%2F..%2Fetc%2Fpasswd",
        "..%2Fhome%2Fshoplens.duckdb.png",
        "0123456789ABCDEF0123456789ABCDEF.png",  # ids are lower-case hex
    ],
)
def test_chart_route_serves_nothing_but_chart_ids(client, name: str) -> None:
    r = client.get(f"/api/charts/{name}")
    assert r.status_code == 404
    assert r.json()["error"]


def test_chart_route_refuses_other_extensions(client, chart_answer: dict) -> None:
    r = client.get(f"/api/charts/{chart_answer['charts'][0]['id']}.duckdb")
    assert r.status_code == 404 and "png" in r.json()["hint"]


def test_follow_up_uses_the_session(client) -> None:
    first = client.post("/api/ask", json={"question": "revenue last month"}).json()
    follow = client.post("/api/ask", json={"question": "and for Beauty?", "session_id": first["session_id"]})
    assert follow.status_code == 200
    body = follow.json()
    assert body["session_id"] == first["session_id"]
    assert "Beauty" in body["answer"] and body["period"] == first["period"]


def test_health_reports_warehouse_and_mode(client) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "ok" and data["mode"] == "offline"
    assert data["warehouse"]["tables"]["orders"] > 0
    assert data["warehouse"]["first_date"] <= data["warehouse"]["as_of"]
    assert data["llm"] == {"configured": False, "model": None, "state": "off", "available": False,
                           "last_call": None, "last_error": None, "retry_in_s": 0}


def test_openapi_schema_and_docs_are_published(client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {"/ask", "/health", "/charts/{name}"}
    ask = schema["paths"]["/ask"]["post"]
    assert {"200", "400", "401", "404", "413", "422"} <= set(ask["responses"])
    assert "AnswerOut" in schema["components"]["schemas"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
    # Works without internet: every script and stylesheet the page loads is served by this server.
    import re

    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)
    assert assets and all(a.startswith("/api/") for a in assets), assets
    for asset in assets:
        got = client.get(asset)
        assert got.status_code == 200 and len(got.content) > 1000, asset


# --- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_422_with_a_message(client, question: str) -> None:
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 422
    assert r.json()["error"] == "The question is empty." and "revenue" in r.json()["hint"]


def test_missing_question_is_422(client) -> None:
    r = client.post("/api/ask", json={"session_id": "abc"})
    assert r.status_code == 422 and "'question' is required" in r.json()["error"]


def test_too_long_question_is_422(client) -> None:
    r = client.post("/api/ask", json={"question": "revenue " * 600})
    assert r.status_code == 422 and "too long" in r.json()["error"] and "4000" in r.json()["error"]


def test_100_kb_question_is_rejected_before_parsing(client) -> None:
    r = client.post("/api/ask", json={"question": "x" * 100_000})
    assert r.status_code == 413
    assert "larger than 64 KB" in r.json()["error"]


def test_100_kb_chunked_body_is_rejected_too(client) -> None:
    payload = json.dumps({"question": "x" * 100_000}).encode()

    def chunks():
        for i in range(0, len(payload), 8192):
            yield payload[i : i + 8192]

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("body", ['{"question": "revenue', "not json", '{"question": }'])
def test_invalid_json_is_400(client, body: str) -> None:
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("The request body is not valid JSON")


@pytest.mark.parametrize("body", [[1, 2], "revenue", {"question": 5}, {"question": "hi", "extra": 1}])
def test_wrong_json_shape_is_422(client, body: object) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422 and r.json()["error"].startswith("Invalid request")


def test_unknown_session_is_404(client) -> None:
    r = client.post("/api/ask", json={"question": "revenue last month", "session_id": "no-such-session"})
    assert r.status_code == 404
    assert "Unknown or expired session" in r.json()["error"]


@pytest.mark.parametrize("sid", ["../etc", "x" * 65, "has space"])
def test_malformed_session_id_is_422(client, sid: str) -> None:
    r = client.post("/api/ask", json={"question": "revenue last month", "session_id": sid})
    assert r.status_code == 422 and "session_id" in r.json()["error"]


# --- the token ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def token_client(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    s = _settings(demo_db, tmp_path_factory.mktemp("api-token"), api_token="s3cret-token-4f9a2c7e1b8d3a6f5c0e9b2d")
    app = build_app(s, ui=False)
    with TestClient(app) as c:
        yield c
    app.state.analyst.close()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic s3cret-token-4f9a2c7e1b8d3a6f5c0e9b2d"},
        {"Authorization": "Bearer s3cret-token-4f9a2c7e1b8d3a6f5c0e9b2d-and-more"},
    ],
)
def test_wrong_or_missing_token_is_401(token_client, headers: dict) -> None:
    for method, path, kw in (
        ("post", "/api/ask", {"json": {"question": "revenue last month"}}),
        ("get", "/api/health", {}),
        ("get", "/api/charts/0123456789abcdef0123456789abcdef.png", {}),
    ):
        r = getattr(token_client, method)(path, headers=headers, **kw)
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"] and "s3cret" not in r.text


def test_right_token_is_accepted(token_client) -> None:
    r = token_client.post(
        "/api/ask", json={"question": "revenue last month"}, headers={"Authorization": "Bearer s3cret-token-4f9a2c7e1b8d3a6f5c0e9b2d"}
    )
    assert r.status_code == 200 and r.json()["answer"]


def test_schema_and_docs_need_the_token_too(token_client) -> None:
    assert token_client.get("/api/openapi.json").status_code == 401
    headers = {"Authorization": "Bearer s3cret-token-4f9a2c7e1b8d3a6f5c0e9b2d"}
    assert token_client.get("/api/openapi.json", headers=headers).status_code == 200


# --- listening beyond loopback -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host,loop",
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("::", False),
        ("shop.example.com", False),
    ],
)
def test_is_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop


def test_beyond_loopback_needs_a_token(api_settings) -> None:
    assert check_exposure("127.0.0.1", api_settings) == []
    with pytest.raises(UserInputError, match="SHOPLENS_API_TOKEN"):
        check_exposure("0.0.0.0", api_settings)
    with pytest.raises(UserInputError, match="shoplens token"):
        check_exposure("0.0.0.0", api_settings)
    token = "t-0123456789abcdefghijklmnopqrstuvwxyz"
    assert check_exposure("0.0.0.0", api_settings.replace(api_token=token)) == []
    assert check_exposure("0.0.0.0", api_settings.replace(api_token=token, ui_auth="ann:a-long-passphrase")) == []


def test_ui_auth_format() -> None:
    assert parse_auth(None) is None
    assert parse_auth("ann:pa:ss-long-enough") == ("ann", "pa:ss-long-enough")
    for bad in ("ann", "ann:", ":pass"):
        with pytest.raises(UserInputError, match="user:password"):
            parse_auth(bad)
    with pytest.raises(UserInputError, match="too short"):
        parse_auth("ann:pa:ss")


def test_cli_refuses_to_listen_beyond_loopback_without_token(
    monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from shoplens.agent.cli.main import app

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPLENS_DB", str(demo_db))
    monkeypatch.delenv("SHOPLENS_API_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["ui", "--host", "0.0.0.0", "--port", "0", "--no-browser"])
    assert result.exit_code == 2
    assert "Refusing to listen on 0.0.0.0" in result.output and "SHOPLENS_API_TOKEN" in result.output


def test_the_listening_socket_turns_nagle_off_for_every_connection() -> None:
    """Replies on keep-alive connections must not wait for the client's delayed ACK (it cost ~40 ms a request):
    asyncio sets TCP_NODELAY on accepted sockets only when the listening socket says it is TCP."""
    import asyncio
    import socket

    from shoplens.agent.frontends.server import bind

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=bind("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        async with server:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(seen, 10)
            w.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
