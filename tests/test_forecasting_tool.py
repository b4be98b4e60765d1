"""The forecast tool on the small demo warehouse: table, leaderboard, facts, fan chart, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.data.errors import UserInputError
from shoplens.tools.forecast import ForecastTool


@pytest.fixture(scope="module")
def tool(tool_ctx, tmp_path_factory) -> ForecastTool:
    return ForecastTool(tool_ctx.runner, tool_ctx.semantic, tmp_path_factory.mktemp("fc-charts"))


@pytest.fixture(scope="module")
def weekly(tool):
    return tool.run("revenue", {"category": ["Electronics"]}, grain="week", horizon=8, model="arima")


def test_weekly_category_forecast_has_table_leaderboard_and_facts(weekly, tool_ctx) -> None:
    out = weekly
    table, board = out.tables
    assert table.columns == ["Period", "Forecast", "Low 80", "High 80", "Low 95", "High 95"]
    assert len(table.rows) == 8
    for _, mean, lo80, hi80, lo95, hi95 in table.rows:
        assert lo95 <= lo80 <= mean <= hi80 <= hi95 and lo95 >= 0
    models = {r[0] for r in board.rows}
    assert any(m.startswith("arima") for m in models) and "naive" in models
    f = out.facts
    assert f["metric"] == "revenue" and f["filters"] == {"category": ["Electronics"]} and f["grain"] == "week"
    assert f["model"]["name"] == "arima" and f["model"]["naive_mase"] is not None
    assert f["forecast_total"] == pytest.approx(sum(r[1] for r in table.rows), rel=1e-3)
    as_of = tool_ctx.as_of
    assert out.period.start > as_of - __import__("datetime").timedelta(days=7)
    assert "SELECT" in out.sql[0] and "Electronics" in out.sql[0]
    assert "Revenue (category = Electronics): forecast of" in out.summary


def test_fan_chart_is_drawn_with_the_backtest_window(weekly) -> None:
    (chart,) = weekly.charts
    assert Path(chart.path).exists() and Path(chart.path).stat().st_size > 10_000
    assert chart.spec["kind"] == "forecast" and chart.spec["backtest_start"]
    assert Path(chart.data).read_text().startswith("ds,")


def test_regressor_report_covers_calendar_campaigns_and_sentiment(weekly) -> None:
    tested = {(r["model"], r["regressor"]) for r in weekly.facts["regressors"]}
    assert ("arima", "calendar") in tested
    assert ("arima", "campaigns") in tested


def test_unknown_metric_and_filter_value_get_the_closest_names(tool) -> None:
    with pytest.raises(UserInputError, match="Unknown metric 'revnue'") as exc:
        tool.run("revnue", {}, grain="week", horizon=4)
    assert "'revenue'" in str(exc.value)
    with pytest.raises(UserInputError, match="No category called 'Electronic'") as exc:
        tool.run("revenue", {"category": "Electronic"}, grain="week", horizon=4)
    assert "'Electronics'" in str(exc.value)
    with pytest.raises(UserInputError, match="Unknown grain"):
        tool.run("revenue", {}, grain="fortnight", horizon=4)


def test_horizon_beyond_two_years_is_refused(tool) -> None:
    with pytest.raises(UserInputError, match="longer than 2 years"):
        tool.run("units", {}, grain="month", horizon=30, model="naive")


def test_warehouse_command_json(demo_db, tmp_path, monkeypatch) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from shoplens.agent.cli import cmd_forecast

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    app = typer.Typer()
    cmd_forecast.register(app)
    app.command("version")(lambda: None)
    r = CliRunner().invoke(app, ["forecast", "--metric", "revenue", "--category", "Books", "--grain", "month",
                                 "--horizon", "2", "--model", "naive", "--json", "--db", str(demo_db)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    (s,) = data["series"]
    assert s["model"] == "naive" and len(s["forecast"]) == 2 and set(s["forecast"][0]) >= {"ds", "mean", "lo-80"}
    assert s["leaderboard"][0]["mase"] is not None
    assert data["charts"] and data["sql"]
    bad = CliRunner().invoke(app, ["forecast", "--metric", "revenue", "--category", "Bokos", "--horizon", "2",
                                   "--json", "--db", str(demo_db)])
    assert bad.exit_code == 2 and "'Books'" in json.loads(bad.stdout)["error"]


def test_leaderboard_units_are_explicit_and_the_headline_names_the_chosen_row(tool) -> None:
    out = tool.run("revenue", {"category": ["Books"]}, grain="month", horizon=3, model="ets")
    board = out.tables[1]
    assert {"WAPE rate", "80% coverage rate", "95% coverage rate", "MASE"} <= set(board.columns)
    col = {c: i for i, c in enumerate(board.columns)}
    for row in board.rows:  # fractions (0.088 is 8.8%): every front end shows "rate" columns as percentages
        assert row[col["WAPE rate"]] is None or 0 <= row[col["WAPE rate"]] < 5
        assert row[col["80% coverage rate"]] is None or 0 <= row[col["80% coverage rate"]] <= 1
    (chosen,) = [r for r in board.rows if str(r[col["model"]]).endswith(" *")]
    assert chosen[col["model"]] == "ets *"
    # the headline describes the model the leaderboard row describes (same form, refitted on all the data)
    assert f"Model: {chosen[col['description']]}" in out.summary
    assert "k " not in out.summary.split("Model:")[0] and "$" in out.summary.split("Model:")[0]


def test_cli_leaderboard_fits_80_columns(demo_db, tmp_path, monkeypatch) -> None:
    import typer
    from typer.testing import CliRunner

    from shoplens.agent.cli import cmd_forecast

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    app = typer.Typer()
    cmd_forecast.register(app)
    app.command("version")(lambda: None)
    r = CliRunner().invoke(app, ["forecast", "--metric", "revenue", "--category", "Books", "--grain", "month",
                                 "--horizon", "2", "--model", "theta", "--db", str(demo_db)])
    assert r.exit_code == 0, r.output
    table_lines = [ln for ln in r.stdout.splitlines() if ln[:1] in "┏┃┡│└"]
    assert table_lines and max(len(ln) for ln in table_lines) <= 80
    assert any("theta *" in ln for ln in table_lines) and "%" in r.stdout
