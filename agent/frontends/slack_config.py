"""Checking the Slack settings: what is missing or wrong (naming the env var to set), the Web API address, and
silencing Bolt's warning about a token it read from the environment itself."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shoplens.agent.config import Settings


def config_problems(settings: Settings, *, http: bool = False) -> list[str]:
    """What is missing or wrong in the Slack settings, each naming the env var to set (empty list = fine)."""
    problems: list[str] = []
    bot, app_token = settings.slack_bot_token, settings.slack_app_token
    if not bot:
        problems.append("SLACK_BOT_TOKEN is not set: export the app's Bot User OAuth Token (xoxb-…, "
                        "'OAuth & Permissions' page).")
    elif not bot.startswith("xoxb-"):
        swapped = " (that looks like the app-level token: swap the two)" if bot.startswith("xapp-") else ""
        problems.append(f"SLACK_BOT_TOKEN must be the Bot User OAuth Token starting with xoxb-{swapped}.")
    if http:
        if not settings.slack_signing_secret:
            problems.append("SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request with the app's "
                            "Signing Secret ('Basic Information' → 'App Credentials').")
    elif not app_token:
        problems.append("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with the "
                        "connections:write scope ('Basic Information' → 'App-Level Tokens'); or run "
                        "`shoplens slack --http` with SLACK_SIGNING_SECRET.")
    elif not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be the app-level token starting with xapp-.")
    return problems


def api_url(settings: Settings) -> str:
    url = settings.slack_api_url or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


class _DropTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our client's token wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def quiet_bolt_token_warning() -> None:
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropTokenWarning())
