"""The alert commands through the CLI on the small demo warehouse: the backtest JSON contract, run --once
delivering once, ack, the digest, monitors added and tested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoplens.agent.cli.main import main


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_db: Path) -> Path:
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPLENS_DB", str(demo_db))
    return tmp_path / "home"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in out + err
    return json.loads(out)


def test_backtest_follows_the_json_contract(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "alerts", "backtest", "--start", "2025-03-01", "--end", "2025-03-31", "--json")
    assert result["days"] == 31
    assert result["alerts"], "a month of a shop with an outage has alerts"
    for a in result["alerts"]:
        assert {"date", "kind", "metric", "filters", "title", "severity", "impact"} <= set(a)
        assert "2025-03-01" <= a["date"] <= "2025-03-31" and a["severity"] in ("low", "medium", "high")
        assert isinstance(a["filters"], dict) and a["impact"] >= 0
    # (at this tiny scale, 20 orders a day, the outage is within the noise; tests/test_alerts_engine.py and the
    # benchmark check detection)


def test_backtest_refuses_reversed_dates(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["alerts", "backtest", "--start", "2025-03-31", "--end", "2025-03-01", "--json"])
    out, _ = capsys.readouterr()
    assert rc != 0 and "before the start" in json.loads(out)["error"]


@pytest.mark.slow
def test_run_once_records_and_never_sends_twice_then_ack(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "add", "{name: any sales, metric: revenue, condition: {type: threshold, value: 1}}",
                 "--yes"]) == 0
    capsys.readouterr()
    first = run_json(capsys, "alerts", "run", "--once", "--date", "2025-03-14", "--json")
    assert first["opened"] and first["sent"] == len(first["opened"])  # the default channel: the UI panel
    again = run_json(capsys, "alerts", "run", "--once", "--date", "2025-03-14", "--json")
    assert not again["opened"] and again["sent"] == 0
    listed = run_json(capsys, "alerts", "list", "--json")
    iid = listed["incidents"][0]["id"]
    assert main(["alerts", "ack", iid]) == 0
    capsys.readouterr()
    assert run_json(capsys, "alerts", "list", "--json", "--status", "acked")["incidents"][0]["id"] == iid
    assert (env / "alerts.sqlite").exists()


def test_digest_has_kpis_movers_and_three_sentences(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(capsys, "digest", "--period", "week", "--date", "2025-03-16", "--json")
    assert (d["start"], d["end"]) == ("2025-03-10", "2025-03-16")
    rev = d["kpis"]["revenue"]
    assert rev["value"] > 0 and rev["vs_previous"] is not None and rev["vs_last_year"] is not None
    assert len(d["text"]) == 3 and f"${rev['value']:,.0f}" in d["text"][0]
    assert d["movers"]["category"] and Path(d["chart"]).is_file()


def test_monitor_added_then_tested(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = ('{name: weekly returns, metric: return_rate, grain: week, condition: {type: threshold, value: 0.0001},'
            ' channels: ["webhook:http://127.0.0.1:9/hook"]}')
    assert main(["alerts", "add", spec, "--yes"]) == 0
    capsys.readouterr()
    assert "weekly returns" in (env / "monitors.yaml").read_text()
    result = run_json(capsys, "alerts", "test", "weekly returns", "--date", "2025-03-16", "--json")
    assert result["fires"] and "SELECT" in result["findings"][0]["evidence"]["sql"]
    rc = main(["alerts", "add", "{name: x, condition: {type: horoscope}}", "--yes"])
    assert rc != 0
