"""`shoplens ask`, `shoplens chat` and `shoplens chart` end to end on the seeded demo warehouse (offline planner)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from shoplens.agent.cli.cmd_ask import SessionFiles, cell_text, plan_from_dict
from shoplens.agent.cli.cmd_chart import chart_plan
from shoplens.agent.cli.main import main
from shoplens.agent.planner.plan import Plan
from shoplens.agent.sessions import Session
from shoplens.tools.artifacts import Period

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
}


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_db: Path) -> Path:
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPLENS_DB", str(demo_db))
    monkeypatch.delenv("SHOPLENS_LLM_BASE_URL", raising=False)
    return tmp_path / "home"


def invoke(*args: str):  # noqa: ANN201
    """Run the app standalone (real exit codes); output and stderr are captured separately."""
    from typer.testing import CliRunner

    from shoplens.agent.cli.main import app

    return CliRunner().invoke(app, list(args))


def ask_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["ask", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_json_is_the_answer_contract(env: Path, capsys: pytest.CaptureFixture[str], tool_ctx) -> None:  # noqa: ANN001
    data = ask_json(capsys, "revenue by channel in 2025")
    assert data.keys() >= CONTRACT and data["mode"] == "offline"
    assert data["period"] == {"start": "2025-01-01", "end": "2025-12-31", "label": "2025"}
    want = dict(
        tool_ctx.runner.run(
            "SELECT o.channel, SUM(oi.revenue) FROM order_items oi JOIN orders o USING (order_id) "
            "WHERE o.status = 'completed' AND year(o.order_date) = 2025 GROUP BY 1"
        ).rows
    )
    table = data["tables"][0]
    got = {r[0]: r[1] for r in table["rows"]}
    assert got == {k: pytest.approx(float(v)) for k, v in want.items()}
    assert data["sql"] and data["sql"][0].lstrip().upper().startswith("SELECT")
    step = data["steps"][0]
    assert step["tool"] == "query_metric" and step["ok"] is True and step["elapsed_ms"] >= 0
    assert step["args"]["group_by"] == ["channel"]
    assert "Revenue by sales channel" in data["answer"] and "2025" in data["answer"]
    assert data["session_id"] and (env / "sessions" / f"{data['session_id']}.json").exists()


def test_follow_up_with_a_session_across_runs(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = ask_json(capsys, "revenue by channel in 2025")
    second = ask_json(capsys, "and for Beauty?", "--session", first["session_id"])
    assert second["session_id"] == first["session_id"]
    assert second["steps"][0]["args"]["filters"] == {"category": ["Beauty"]}
    assert second["steps"][0]["args"]["group_by"] == ["channel"]
    assert "Beauty" in second["answer"] and second["period"]["label"] == "2025"


def test_ask_prints_answer_tables_and_sql(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "units sold by category in 2025"]) == 0
    out = capsys.readouterr()
    assert "Units sold by category" in out.out and "┃" in out.out  # a rich table
    assert "Chart:" in out.out and ".png" in out.out
    assert "SELECT" in out.out and "query_metric" in out.out  # the SQL and the step line
    assert "--session" in out.err
    assert main(["ask", "units sold by category in 2025", "--no-sql"]) == 0
    assert "SELECT" not in capsys.readouterr().out


def test_bad_session_id_is_refused(env: Path) -> None:
    result = invoke("ask", "revenue in 2025", "--session", "../../etc")
    assert result.exit_code == 2 and "session id" in result.stderr


def test_chat_keeps_context_and_resets(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("revenue by channel in 2025\nand for Beauty?\nnew\nand for Beauty?\nexit\n")
    )
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "Revenue by sales channel**, 2025" not in out  # markdown is rendered, not printed raw
    assert out.count("Revenue by sales channel") >= 2 and "Beauty" in out
    assert "New conversation." in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # Ctrl-D at the prompt quits cleanly
    assert main(["chat"]) == 0


def test_chart_json_carries_path_spec_and_data(
    env: Path, capsys: pytest.CaptureFixture[str], tool_ctx
) -> None:  # noqa: ANN001
    assert main(["chart", "monthly revenue by channel in 2025", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data.keys() >= CONTRACT and len(data["charts"]) == 1
    chart = data["charts"][0]
    assert Path(chart["path"]).read_bytes()[:4] == b"\x89PNG" and chart["spec"]["series"] == "channel"
    import pandas as pd

    csv = pd.read_csv(chart["data"])
    want = float(
        tool_ctx.runner.scalar(
            "SELECT SUM(oi.revenue) FROM order_items oi JOIN orders o USING (order_id) WHERE o.status = 'completed' "
            "AND o.channel = 'web' AND o.order_date BETWEEN '2025-03-01' AND '2025-03-31'"
        )
    )
    march = csv[(csv["channel"] == "web") & (csv["period"].astype(str).str.startswith("2025-03"))]
    assert float(march["revenue"].iloc[0]) == pytest.approx(want)
    assert main(["chart", "revenue in 2025", "--kind", "bar", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["charts"][0]["spec"]["kind"] == "bar"


def test_chart_without_a_chart_exits_non_zero(env: Path) -> None:
    result = invoke("chart", "what data do you have?")
    assert result.exit_code == 1 and "No chart was drawn" in result.stderr
    result = invoke("chart", "revenue in 2025", "--kind", "pie")
    assert result.exit_code == 2 and "Unknown chart kind" in result.stderr


def test_chart_plan_turns_answers_into_charts() -> None:
    may, april = (
        Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31), "May"),
        Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30), "April"),
    )
    plan = chart_plan(
        Plan("compare", metric="revenue", period=may, compare_period=april, compare_mode="previous")
    )
    assert plan.kind == "chart" and plan.period.start == april.start and plan.period.end == may.end
    assert plan.compare_period is None
    assert chart_plan(Plan("compare", metric="revenue", group_by=["channel"], period=may)).kind == "compare"
    assert chart_plan(Plan("breakdown", metric="revenue", group_by=["channel"]), "hbar").chart_kind == "hbar"
    assert chart_plan(Plan("forecast", metric="revenue")).kind == "forecast"


def test_session_files_round_trip(tmp_path: Path) -> None:
    store = SessionFiles(tmp_path)
    s = Session("abc-1")
    plan = Plan(
        "breakdown",
        metric="revenue",
        group_by=["channel"],
        filters={"category": ["Beauty"]},
        period=Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025"),
        notes=["x"],
    )
    s.planner_state["last_plan"] = plan
    s.remember("q", "a")
    store.save(s)
    again = Session("abc-1")
    store.load(again)
    assert again.planner_state["last_plan"] == plan and again.turns == [("q", "a")]
    assert plan_from_dict({"kind": "figure", "unknown_field": 1}).kind == "figure"
    (tmp_path / "bad.json").write_text("{not json")
    store.load(Session("bad"))  # a damaged file only loses the context


def test_cell_text() -> None:
    assert cell_text(1234567.891) == "1,234,567.89" and cell_text(0.4567, percent=True) == "45.7%"
    assert cell_text(12.5) == "12.50" and cell_text(None) == "" and cell_text(1200) == "1,200"


def test_long_bullets_in_an_answer_wrap_instead_of_being_cut() -> None:
    from rich.console import Console

    from shoplens.agent.cli.cmd_ask import render_answer
    from shoplens.agent.events import Answer

    console = Console(width=60, record=True, highlight=False, soft_wrap=True, markup=False)
    words = " ".join(f"w{i}" for i in range(40))
    render_answer(Answer(question="q", mode="offline", answer=f"- **Item**: {words}"), console, show_sql=False,
                  footer=False)
    assert "w39" in console.export_text()
