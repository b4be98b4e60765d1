"""`shoplens slack`: the Slack bot. Socket Mode by default (SLACK_BOT_TOKEN + SLACK_APP_TOKEN, no public URL);
`--http` serves Slack's Events API and the slash command with request signing (SLACK_SIGNING_SECRET)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from shoplens.agent.cli import common

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

DOCS = "docs/slack.md"
DEFAULT_HTTP_PORT = 3000


def register(app: typer.Typer) -> None:
    app.command("slack")(slack)


def slack(
    http: bool = typer.Option(False, "--http", help="HTTP mode: receive events and /shoplens at --path (needs "
                              "SLACK_SIGNING_SECRET and a public HTTPS URL in front). Default: Socket Mode."),
    port: int = typer.Option(DEFAULT_HTTP_PORT, "--port", "-p", help="HTTP mode: port to listen on."),
    host: str | None = typer.Option(None, "--host", help="HTTP mode: interface to bind (default: SHOPLENS_UI_HOST, "
                                    "127.0.0.1; put a TLS reverse proxy in front)."),
    path: str = typer.Option("/slack/events", "--path", help="HTTP mode: the Request URL path."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging (tokens are always masked)."),
) -> None:
    """Run the Slack bot: answers @mentions, direct messages and /shoplens in the question's thread, with a
    table, the SQL and charts; follow-ups in a thread keep its context. Setup and app manifest: docs/slack.md."""
    s = common.settings(db=db)
    from shoplens.agent.frontends.slack_app import config_problems, install_log_masking

    problems = config_problems(s, http=http)
    if problems:
        lines = "\n".join(f"  • {p}" for p in problems)
        common.fail(f"Slack is not configured:\n{lines}\nSetup (app manifest, tokens): {DOCS}.", 2)
    if not 0 < port < 65536:
        common.fail(f"--port must be between 1 and 65535 (got {port}).", 2)
    install_log_masking(s.slack_bot_token, s.slack_app_token, s.slack_signing_secret, s.llm_api_key, s.api_token)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from shoplens.agent.analyst import Analyst

    analyst = Analyst(s)
    try:
        ctx = analyst.ctx  # open the warehouse now: a missing one is reported before connecting to Slack
        common.err.print(f"Warehouse {s.db_path} (data up to {ctx.as_of}); answering with the "
                         f"{'LLM' if analyst.mode() == 'llm' else 'offline planner'}.", style="dim")
        if http:
            _serve_http(s, analyst, host or s.ui_host, port, path)
        else:
            _socket_mode(s, analyst)
    except KeyboardInterrupt:
        common.err.print("Stopped.")
    finally:
        analyst.close()


def _socket_mode(s: Settings, analyst: Analyst) -> None:
    from shoplens.agent.frontends.slack_app import SlackBot, run_socket_mode

    bot = SlackBot(s, analyst)
    me = bot.check_auth()
    common.err.print(f"Signed in to Slack workspace {me.get('team')} as @{me.get('user')}; opening the "
                     "Socket Mode connection…")
    scheduler = _alerts(bot, s)
    try:
        run_socket_mode(bot, on_connected=lambda: common.err.print(
            "Connected. Mention the bot in a channel, DM it, or use /shoplens. Ctrl-C stops."))
    finally:
        if scheduler is not None:
            scheduler.stop()


def _alerts(bot: object, s: Settings) -> object | None:
    """Alert buttons on the bot, and the alert scheduler in this process (unless SHOPLENS_ALERTS_SCHEDULER=0)."""
    import datetime as dt

    from shoplens.agent.frontends.alert_api import ack, snooze
    from shoplens.agent.frontends.alert_slack import register_actions

    register_actions(bot.app, lambda i, who: ack(s, i, who), lambda i, until: snooze(s, i, until),  # type: ignore[attr-defined]
                     dt.date.today)
    if not s.alerts_scheduler:
        return None
    from shoplens.agent.frontends.alert_scheduler import AlertScheduler

    scheduler = AlertScheduler(s, bot.client)  # type: ignore[attr-defined]
    scheduler.start()
    return scheduler


def _serve_http(s: Settings, analyst: Analyst, host: str, port: int, path: str) -> None:
    import uvicorn
    from fastapi import FastAPI

    from shoplens.agent.frontends.slack_app import mount_slack

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            common.fail(f"Cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port.", 2)
    api = FastAPI(title="ShopLens Slack", docs_url=None, redoc_url=None, openapi_url=None)
    bot = mount_slack(api, s, analyst, path=path)
    me = bot.check_auth()

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, object]:
        return {"ok": True, "slack": "http", "mode": analyst.mode()}

    common.err.print(f"Connected to Slack workspace {me.get('team')} as @{me.get('user')}. Serving the "
                     f"Events API on http://{host}:{port}{path} — set it as the Request URL for events and /shoplens "
                     "(behind HTTPS). Ctrl-C stops.")
    try:
        uvicorn.run(api, host=host, port=port, log_level="info", access_log=False)
    finally:
        bot.close()
