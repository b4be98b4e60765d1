"""The chat page through gradio_client against a real server on 127.0.0.1 (a question in, an answer with its steps,
table and chart out; follow-ups; new conversation; the forecast controls), plus the event-to-message translation
as plain functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shoplens.agent.events import (
    AnswerMeta,
    FinalAnswer,
    Notice,
    StepFinished,
    StepStarted,
    TableArtifact,
    TextDelta,
)
from shoplens.agent.frontends import ui_helpers as ui
from shoplens.tools.artifacts import Table


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import BackgroundServer, build_app

    folder = tmp_path_factory.mktemp("ui")
    s = Settings.load(env={}, home=folder / "home", db=demo_db, charts_dir=folder / "charts")
    app = build_app(s)
    with BackgroundServer(app) as srv:
        yield srv


def client(server) -> Any:  # noqa: ANN001
    from gradio_client import Client

    return Client(server.url, verbose=False, download_files=False)


@pytest.fixture(scope="module")
def chat_client(server):  # noqa: ANN001
    c = client(server)
    yield c
    c.close()


def texts(message: dict) -> str:
    return "\n".join(part.get("text", "") for part in message["content"] if part.get("type") == "text")


def components(chat: list[dict], name: str) -> list[dict]:
    return [
        part
        for m in chat
        for part in m["content"]
        if part.get("type") == "component" and part.get("component") == name
    ]


def answers(chat: list[dict]) -> list[str]:
    """The assistant's answer texts (no steps, tables, charts or footers)."""
    return [
        t
        for m in chat
        if m["role"] == "assistant" and not m.get("metadata")
        for t in [texts(m)]
        if t and not t.startswith("<sub>")
    ]


def value(update: Any) -> Any:
    return update["value"] if isinstance(update, dict) else update


def steps(chat: list[dict]) -> list[dict]:
    return [m["metadata"] for m in chat if m.get("metadata") and m["metadata"].get("title")]


# --- through the server -----------------------------------------------------------------------------------------
def test_question_in_answer_with_chart_out(chat_client) -> None:  # noqa: ANN001
    chat, *_ = chat_client.predict("revenue by category last month", api_name="/ask")
    assert chat[0]["role"] == "user" and texts(chat[0]) == "revenue by category last month"
    meta = steps(chat)
    assert [m["title"].split(" · ")[0] for m in meta] == ["Ran SQL", "Drew a chart"]
    assert all(m["status"] == "done" for m in meta)
    sql_step = next(m for m in chat if (m.get("metadata") or {}).get("title", "").startswith("Ran SQL"))
    assert "```sql" in texts(sql_step) and "SELECT" in texts(sql_step)
    assert "Revenue by category" in answers(chat)[0] and "offline planner" in texts(chat[-1])
    images = components(chat, "image")
    assert len(images) == 1 and str(images[0]["value"]["path"]).endswith(".png")
    table = components(chat, "html")[0]["value"]
    assert "<table>" in table and "Electronics" in table and "%" in table
    downloads = [Path(f["path"]).name for c in components(chat, "file") for f in c["value"]]
    assert "revenue-by-category.png" in downloads and "revenue-by-category.csv" in downloads
    assert any(name.startswith("revenue-by-category-") and name.endswith(".csv") for name in downloads)


def test_follow_up_keeps_the_browser_session(chat_client) -> None:  # noqa: ANN001
    chat, *_ = chat_client.predict("revenue last month", api_name="/ask")
    chat, *_ = chat_client.predict("and for Beauty?", api_name="/ask")
    users = [texts(m) for m in chat if m["role"] == "user"]
    assert users[-2:] == ["revenue last month", "and for Beauty?"]
    assert "Beauty" in answers(chat)[-1] and "Beauty" not in answers(chat)[-2]


def test_new_conversation_starts_over(server) -> None:  # noqa: ANN001
    c = client(server)
    try:
        c.predict("revenue last month", api_name="/ask")
        chat, box, *_ = c.predict(api_name="/new_conversation")
        assert chat == [] and box == ""
        chat, *_ = c.predict("revenue by channel in 2025", api_name="/ask")
        assert [texts(m) for m in chat if m["role"] == "user"] == ["revenue by channel in 2025"]
    finally:
        c.close()


def test_forecast_controls_rerun_the_last_forecast(server) -> None:  # noqa: ANN001
    c = client(server)
    try:
        assert value(c.predict(8, "auto", True, api_name="/rerun_forecast")[1]).startswith(
            "_Ask for a forecast"
        )
        chat, _box, _light, info, horizon, model = c.predict(
            "forecast revenue for the next 4 weeks with seasonal naive", api_name="/ask"
        )
        first = steps(chat)[-1]["title"]
        assert first.startswith("Forecast · Seasonal naive · 4 weeks · ")
        assert value(info) == "Last forecast: **revenue**, 4 weeks ahead, model Seasonal naive."
        assert (
            horizon["value"] == 4 and horizon["label"] == "Horizon (weeks ahead)" and horizon["maximum"] == 52
        )
        assert value(model) == "naive"  # the controls start from the forecast just shown
        chat, info = c.predict(6, "naive", False, api_name="/rerun_forecast")
        assert texts([m for m in chat if m["role"] == "user"][-1]) == (
            "↻ Re-run the forecast: 6 weeks, Seasonal naive, intervals off"
        )
        assert steps(chat)[-1]["title"].startswith("Forecast · Seasonal naive · 6 weeks · ")
        tables = components(chat, "html")
        assert "Low 80" in tables[0]["value"] and "Low 80" not in tables[-2]["value"]  # intervals off
        assert "next 6 weeks" in tables[-2]["value"]
        assert len(components(chat, "image")) == 2
        assert "6 weeks ahead" in value(info)
    finally:
        c.close()


def test_answers_are_queued_with_at_least_8_at_once(server) -> None:  # noqa: ANN001
    fns = {f.api_name: f for f in server.app.state.blocks.fns.values()}
    assert fns["ask"].concurrency_limit >= 8 and fns["rerun_forecast"].concurrency_limit >= 8
    assert fns["ask"].concurrency_id == fns["rerun_forecast"].concurrency_id


def test_llm_mode_shows_its_steps_and_marks_unverified_figures(demo_db: Path, tmp_path: Path) -> None:
    from fakes.fake_vllm import FakeVllm, text, tool_call

    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import BackgroundServer, build_app

    with FakeVllm(max_seconds=60) as fake:
        s = Settings.load(
            env={},
            home=tmp_path / "home",
            db=demo_db,
            charts_dir=tmp_path / "charts",
            llm_base_url=fake.url,
            llm_model=fake.model,
            llm_timeout_s=10.0,
            llm_max_retries=0,
        )
        fake.enqueue(
            tool_call("query_metric", {"metric": "revenue", "start": "2025-01-01", "end": "2025-12-31"}),
            text("Revenue in 2025 was strong, and margin reached $987.6K."),
        )
        with BackgroundServer(build_app(s)) as srv:
            from gradio_client import Client

            c = Client(srv.url, verbose=False, download_files=False)
            try:
                chat, _box, light, *_ = c.predict("revenue in 2025", api_name="/ask")
            finally:
                c.close()
    assert value(light).startswith(f"🟢 **LLM answering** · `{fake.model}` · last answer in ")
    assert steps(chat)[0]["title"].startswith("Ran SQL · ")
    said = answers(chat)
    assert '<mark title="Not found in any tool result' in said[0] and "$987.6K ⚠</mark>" in said[0]
    assert any("Unverified figures: $987.6K" in t for t in said)
    assert "LLM · " in texts(chat[-1])


def test_ui_login_when_auth_is_set(demo_db: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import build_app

    s = Settings.load(
        env={}, home=tmp_path / "home", db=demo_db, charts_dir=tmp_path / "charts", ui_auth="ann:pw-of-ann-2026"
    )
    app = build_app(s)
    try:
        with TestClient(app, follow_redirects=False) as c:
            assert c.get("/config").status_code == 401
            assert c.post("/login", data={"username": "ann", "password": "nope"}).status_code == 401
            ok = c.post("/login", data={"username": "ann", "password": "pw-of-ann-2026"})
            assert ok.status_code == 303 and "shoplens_session=" in ok.headers["set-cookie"]
            assert c.get("/config").status_code == 200
    finally:
        app.state.analyst.close()


# --- events to messages ----------------------------------------------------------------------------------------
def test_step_titles() -> None:
    started = StepStarted(1, "query_metric", {"metric": "revenue"})
    assert ui.step_title(started) == "Running SQL…"
    assert ui.step_title(StepFinished(1, "query_metric", {}, True, 38.4)) == "Ran SQL · 38 ms"
    chart = StepFinished(2, "make_chart", {"kind": "stacked_bar"}, True, 1234.0)
    assert ui.step_title(chart) == "Drew a chart · stacked bars · 1.2 s"
    fc = StepFinished(
        3,
        "forecast",
        {"model": "auto", "horizon": 8, "grain": "week"},
        True,
        9530.0,
        summary="Revenue: forecast ...\nModel: ARIMA(0,0,0)(0,1,1)[52] with drift, chosen for ...",
    )
    assert ui.step_title(fc) == "Forecast · auto chose ARIMA · 8 weeks · 9.5 s"
    failed = StepFinished(4, "run_sql", {}, False, 12.0, error="no such column")
    assert ui.step_title(failed) == "✗ Ran SQL failed · 12 ms" and "no such column" in ui.step_body(failed)


def test_forecast_model_names() -> None:
    assert ui.forecast_model_name("Model: ETS(M,N,M), chosen") == "ETS"
    assert ui.forecast_model_name("x\nModel: seasonal naive (repeat the last 12 periods)") == "seasonal naive"
    assert ui.forecast_model_name("Model: mean of ETS + ARIMA") == "ensemble"
    assert ui.forecast_model_name("no model line") is None


def test_table_html_escapes_cells_and_formats_numbers() -> None:
    t = Table(
        "Top <b>products</b>",
        ["Product", "Revenue", "Share", "WAPE %"],
        [["<script>alert(1)</script>", 67204.69, 0.249, 3.7], ["A & B", None, 0.0, 12.5]],
        total_rows=500,
    )
    html = ui.table_html(t)
    assert "<script>" not in html and "&lt;script&gt;" in html and "A &amp; B" in html
    assert "Top &lt;b&gt;products&lt;/b&gt;" in html
    assert "67,205" in html and "24.9%" in html and ">3.70<" in html  # WAPE % is already a percentage
    assert "first 2 of 500 rows" in html


def test_unverified_figures_are_marked() -> None:
    text = "Revenue was $1.2M, up 8.1% (not $1.2M5)."
    marked = ui.mark_unverified(text, ["$1.2M", "8.1%"])
    assert marked.count("<mark") == 2 and "$1.2M5" in marked


def test_turn_collects_one_answer(tmp_path: Path) -> None:
    files = ui.FileStore()
    try:
        turn = ui.Turn(files)
        for event in [
            StepStarted(7, "query_metric", {"metric": "revenue"}),
            StepFinished(7, "query_metric", {"metric": "revenue"}, True, 20.0, sql=["SELECT 1 AS one"]),
            TextDelta("Revenue was "),
            TextDelta("$9.99B."),
            TableArtifact(Table("T", ["a"], [[1]])),
            Notice("first warning"),
            Notice("Unverified figures: $9.99B"),
            AnswerMeta(facts={"ungrounded": ["$9.99B"]}, choices=["revenue", "orders"]),
        ]:
            assert turn.add(event)
        assert len(turn.messages) == 4  # the step (updated in place), the text, the table, the warnings
        assert turn.messages[0].metadata["status"] == "done" and "1 AS one" in turn.messages[0].content
        assert turn.messages[1].content.startswith("Revenue was <mark")
        assert turn.messages[3].content.count("⚠️") == 2
        from shoplens.agent.events import Answer

        assert turn.add(FinalAnswer(Answer(question="q", mode="offline", elapsed_ms=12.0)))
        assert "offline planner · 12 ms" in turn.messages[-1].content
        assert [o["value"] for o in turn.messages[-1].options] == [
            "revenue",
            "orders",
        ]  # buttons on the last one
    finally:
        files.cleanup()
    assert not files.root.exists()


def test_status_light() -> None:
    offline = {"mode": "offline", "llm": {"configured": False, "state": "off"}}
    assert ui.status_light(offline).startswith("⚪ **Offline planner**")
    untested = {"mode": "llm", "llm": {"configured": True, "model": "qwen", "state": "untested"}}
    assert ui.status_light(untested).startswith("🟡 **LLM configured** · `qwen` — not asked yet")
    down = {"mode": "offline", "llm": {"configured": True, "model": "qwen", "state": "down", "retry_in_s": 42,
                                       "last_error": "nothing is listening at http://gpu:8000/v1"}}
    assert ui.status_light(down) == ("🟠 **LLM unavailable** · `qwen` — nothing is listening at http://gpu:8000/v1. "
                                     "The offline planner answers; trying it again in 42 s.")
    up = {"mode": "llm", "llm": {"configured": True, "model": "qwen", "state": "ok", "last_call": {"seconds": 1.5}}}
    assert ui.status_light(up) == "🟢 **LLM answering** · `qwen` · last answer in 1.5 s"
