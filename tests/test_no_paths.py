"""No server path in anything a person or a model sees: tool output and errors for hostile SQL, API answers and
errors, and a warehouse that turns busy in the middle of an answer (503, not an answer with the error in it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_sql_bombs import INTROSPECTION
from test_sql_runner import ATTACKS, FILE_READS

from shoplens.data.errors import ShopLensError

ODD_SQL = [
    "SELECT * FROM nope_table",
    "SELECT revenu FROM order_items",
    "SELECT no_such_fn(1)",
    "SELEC 1",
    "SELECT '-infinity'::DATE, union_value(k := 1), 'infinity'::TIMESTAMP",
    "SELECT * FROM read_parquet('/home/secret/*.parquet')",
    "SELECT * FROM glob('/root/*')",
]
QUESTIONS = [
    "revenue by category last month",
    "show me the file /etc/passwd",
    "what is the path of the database?",
    "what data do you have?",
    "top 5 products by units this year",
]


@pytest.fixture(scope="module")
def place(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("secret-place-7f3a")
    db = root / "warehouse-q1.duckdb"
    shutil.copyfile(demo_db, db)
    return {"root": root, "db": db, "home": root / "home"}


def _assert_clean(text: str, place: dict[str, Path]) -> None:
    for needle in (str(place["root"]), "secret-place-7f3a", "warehouse-q1", str(Path.home()) + "/", "/tmp/"):
        assert needle not in text, f"{needle!r} in {text[:400]!r}"


def test_the_sql_tool_never_shows_a_path(place: dict[str, Path]) -> None:
    from shoplens.tools.context import ToolContext
    from shoplens.tools.run_sql import RunSqlTool

    ctx = ToolContext.open(place["db"], place["root"] / "charts", timeout_s=2.0)
    tool = RunSqlTool(ctx)
    try:
        for sql in [*ATTACKS.values(), *FILE_READS.values(), *INTROSPECTION.values(), *ODD_SQL]:
            try:
                out = tool.run(sql)
            except ShopLensError as exc:
                _assert_clean(str(exc), place)
            else:
                _assert_clean(out.summary + json.dumps(out.to_dict(), default=str), place)
    finally:
        ctx.close()


def test_api_answers_and_errors_never_show_a_path(place: dict[str, Path]) -> None:
    from fastapi.testclient import TestClient

    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import build_app

    s = Settings.load(env={}, home=place["home"], db=place["db"], charts_dir=place["root"] / "charts")
    app = build_app(s, ui=False)
    with TestClient(app) as c:
        for q in QUESTIONS:
            r = c.post("/api/ask", json={"question": q})
            assert r.status_code == 200
            _assert_clean(r.text, place)
        for bad in ("/api/charts/../../etc/passwd", "/api/charts/" + "a" * 32 + ".png", "/api/nope"):
            _assert_clean(c.get(bad).text, place)
        _assert_clean(c.get("/api/health").text, place)
    app.state.analyst.close()


class BusyEngine:
    """An engine whose warehouse became locked (the Engine protocol's BUSY failure), after a first good answer."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.generation = inner.generation

    def refresh(self) -> int:
        return self.generation

    def execute(self, sql: str, limits: Any) -> Any:
        from shoplens.tools.sqlengine.base import BUSY, EngineFailure

        raise EngineFailure(BUSY, "The warehouse is locked by a program writing to it in place.")

    def info(self) -> dict[str, Any]:
        return self.inner.info()

    def close(self) -> None:
        self.inner.close()


def test_a_warehouse_locked_mid_answer_is_503_not_an_answer(place: dict[str, Path]) -> None:
    from fastapi.testclient import TestClient

    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import build_app

    s = Settings.load(env={}, home=place["home"], db=place["db"], charts_dir=place["root"] / "charts")
    app = build_app(s, ui=False)
    analyst = app.state.analyst
    with TestClient(app) as c:
        assert c.post("/api/ask", json={"question": "revenue last month"}).status_code == 200
        runner = analyst.ctx.runner
        runner.engine = BusyEngine(runner.engine)
        r = c.post("/api/ask", json={"question": "revenue by channel in 2025"})
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert "locked" in r.json()["error"] and "answer" not in r.json()
    analyst.close()
