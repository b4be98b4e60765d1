"""Alerts on the server: the panel's API lists incidents and acknowledges them; the scheduler runs the same
run_once on its schedule and records what it sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shoplens.agent.config import Settings


def _seed(settings: Settings) -> str:
    from shoplens.tools.alerts.findings import Finding
    from shoplens.tools.alerts.incidents import IncidentBook
    from shoplens.tools.alerts.state import StateStore

    day = dt.date(2025, 9, 5)
    f = Finding(date=day, kind="return_rate", metric="return_rate", filters={"product": "Aurora X2"},
                title="Aurora X2: returns at 27.8%", direction=1, actual=0.278, expected=0.05, impact=800.0)
    opened, _ = IncidentBook().add(day, [f])
    with StateStore(settings.alerts_state) as store:
        store.record(day, opened, [], [])
    return opened[0].id


def test_the_alerts_api_lists_acknowledges_and_snoozes(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from shoplens.agent.frontends.server import build_app

    iid = _seed(settings)
    app = build_app(settings, ui=False)
    with TestClient(app) as http:
        rows = http.get("/api/alerts").json()["incidents"]
        assert [r["id"] for r in rows] == [iid] and rows[0]["impact"] == 800.0
        assert http.post(f"/api/alerts/{iid}/snooze", json={"days": 7}).json()["ok"]
        assert http.post(f"/api/alerts/{iid}/ack", json={"by": "ana"}).json()["ok"]
        assert http.get("/api/alerts?status=acked").json()["incidents"][0]["acked_by"] == "ana"
        assert http.post("/api/alerts/nope/ack").status_code == 404
        assert http.post(f"/api/alerts/{iid}/snooze", json={"days": 0}).status_code == 400
    app.state.analyst.close()


@pytest.mark.slow
def test_the_scheduler_adds_cron_jobs_and_a_job_run_records_its_messages(settings: Settings, tmp_path: Path) -> None:
    from shoplens.agent.frontends.alert_scheduler import AlertScheduler
    from shoplens.tools.alerts.monitors import DigestSpec, MonitorsFile, parse_monitor, save_monitors
    from shoplens.tools.alerts.state import StateStore

    m = parse_monitor({"name": "any sales", "metric": "revenue", "condition": {"type": "threshold", "value": 1},
                       "schedule": "0 9 * * 1", "channels": ["ui"]})
    save_monitors(settings.alerts_monitors, MonitorsFile(default_watch=False, monitors=[m],
                                                         digests=[DigestSpec(period="week", schedule="0 8 * * 1")]))
    scheduler = AlertScheduler(settings)
    try:
        assert sorted(scheduler.start()) == ["alerts:0 9 * * 1", "digest:digest"]
        result = scheduler.run_alerts(["any sales"], False)
        digest = scheduler.run_digest("week", ["ui"])
    finally:
        scheduler.stop()
    assert result is not None and result["sent"] == 1 and digest == {"sent": 1, "failed": 0, "errors": []}
    with StateStore(settings.alerts_state) as store:
        assert sorted(r["what"] for r in store.sent()) == ["digest", "open"]


@pytest.mark.slow  # imports Gradio
def test_the_notifications_panel_ranks_open_incidents_by_money_at_stake(settings: Settings) -> None:
    from shoplens.agent.frontends import alert_panel

    iid = _seed(settings)
    rows = alert_panel._rows(settings)
    text = alert_panel.panel_markdown(rows)
    assert [r["id"] for r in rows] == [iid] and "Aurora X2: returns at 27.8%" in text and "$800 at stake" in text
    assert alert_panel.panel_markdown([]) == "No open alerts."
