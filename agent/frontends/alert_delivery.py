"""The senders an alert run uses, built from Settings: Slack (when a bot token is set), email (when an SMTP host
is set), webhooks and the UI panel (always)."""

from __future__ import annotations

from typing import Any

from shoplens.agent.config import Settings


def senders(settings: Settings, slack_client: Any | None = None) -> dict[str, Any]:
    from shoplens.tools.alerts.channels import EmailSender, WebhookSender, ui_sender

    out: dict[str, Any] = {"ui": ui_sender, "webhook": WebhookSender()}
    if settings.smtp_host:
        out["email"] = EmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_user,
                                   settings.smtp_password, settings.smtp_starttls)
    if slack_client is None and settings.slack_bot_token:
        from slack_sdk import WebClient

        slack_client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    if slack_client is not None:
        from shoplens.agent.frontends.alert_slack import SlackSender

        out["slack"] = SlackSender(slack_client)
    return out
