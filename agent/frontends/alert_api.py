"""Alerts on the server: ``GET /api/alerts`` (the notifications panel's data), ``POST /api/alerts/{id}/ack`` and
``/snooze``, the Slack buttons on the Bolt app, and the scheduler (started by ``serve``, stopped at shutdown).
Every route sits behind the server's auth gate like the rest of /api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoplens.agent.config import Settings


def _store(settings: Settings) -> Any:
    from shoplens.tools.alerts.state import StateStore

    return StateStore(settings.alerts_state)


def ack(settings: Settings, incident: str, who: str) -> bool:
    with _store(settings) as store:
        return bool(store.ack(incident, who))


def snooze(settings: Settings, incident: str, until: dt.date) -> bool:
    with _store(settings) as store:
        return bool(store.snooze(incident, until))


def incidents(settings: Settings, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    if not settings.alerts_state.exists():
        return []
    with _store(settings) as store:
        return list(store.incident_rows(status, limit))


def start_alerts(app: Any, settings: Settings) -> None:
    """Add the alert routes (first in the routing table, before the /api mount) and the Slack buttons."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def list_alerts(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        status = request.query_params.get("status") or None
        rows = await run_in_threadpool(incidents, settings, status)
        return JSONResponse({"incidents": rows})

    async def act(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        iid, action = request.path_params["incident"], request.path_params["action"]
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            return JSONResponse({"error": "The body must be JSON."}, status_code=400)
        if action == "ack":
            done = await run_in_threadpool(ack, settings, iid, str(body.get("by") or "api"))
        elif action == "snooze":
            days = body.get("days", 1)
            if not isinstance(days, int) or not 1 <= days <= 365:
                return JSONResponse({"error": "days must be a whole number from 1 to 365."}, status_code=400)
            done = await run_in_threadpool(snooze, settings, iid, dt.date.today() + dt.timedelta(days=days))
        else:
            return JSONResponse({"error": f"Unknown action {action!r}: use ack or snooze."}, status_code=404)
        if not done:
            return JSONResponse({"error": f"No open incident {iid!r}."}, status_code=404)
        return JSONResponse({"incident": iid, "action": action, "ok": True})

    for route in (Route("/api/alerts/{incident}/{action}", act, methods=["POST"], include_in_schema=False),
                  Route("/api/alerts", list_alerts, methods=["GET"], include_in_schema=False)):
        app.router.routes.insert(0, route)
    bot = getattr(app.state, "slack_bot", None)
    if bot is not None:
        from shoplens.agent.frontends.alert_slack import register_actions

        register_actions(bot.app, lambda i, who: ack(settings, i, who), lambda i, until: snooze(settings, i, until),
                         dt.date.today)


def start_scheduler(app: Any, settings: Settings) -> Any:
    from shoplens.agent.frontends.alert_scheduler import AlertScheduler

    bot = getattr(app.state, "slack_bot", None)
    scheduler = AlertScheduler(settings, getattr(bot, "client", None))
    scheduler.start()
    app.state.alert_scheduler = scheduler
    return scheduler
