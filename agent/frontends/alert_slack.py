"""Alerts in Slack: a channel post in Block Kit (title, money at stake, why, evidence numbers, Acknowledge and
Snooze buttons), the chart in the alert's thread through ``files_upload_v2``, and the button handlers.

A question that mentions the bot in an alert's thread is answered there by the existing Slack app (the alert's
numbers are not yet put into that conversation's context).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

SEVERITY_ICON = {"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":white_circle:"}
SNOOZE_DAYS = {"alert_snooze_1d": 1, "alert_snooze_7d": 7}


def alert_blocks(p: dict[str, Any]) -> list[dict[str, Any]]:
    icon = SEVERITY_ICON.get(str(p.get("severity")), ":white_circle:")
    prefix = "Update: " if p.get("what") == "update" else ""
    why = "\n".join(f"• {w}" for w in p.get("why", [])) or " "
    numbers = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in (p.get("evidence_numbers") or {}).items()
                        if k not in ("sql", "monitor") and not isinstance(v, list | dict))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{prefix}{p.get('title', 'Alert')}"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{str(p.get('severity', '')).title()}* · about "
                                     f"*${float(p.get('impact', 0)):,.0f}* at stake · since {p.get('date')}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": why[:2900]}},
    ]
    if numbers:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": numbers[:2900]}]})
    if p.get("sql"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{str(p['sql'])[:2800]}```"}})
    iid = str(p.get("incident_id"))
    blocks.append({"type": "actions", "block_id": f"alert:{iid}", "elements": [
        {"type": "button", "action_id": "alert_ack", "text": {"type": "plain_text", "text": "Acknowledge"},
         "style": "primary", "value": iid},
        {"type": "button", "action_id": "alert_snooze_1d", "text": {"type": "plain_text", "text": "Snooze 1 day"},
         "value": iid},
        {"type": "button", "action_id": "alert_snooze_7d", "text": {"type": "plain_text", "text": "Snooze 1 week"},
         "value": iid}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Incident `{iid}` · mention ShopLens in "
                                                    "this thread to ask about it"}]})
    return blocks


class SlackSender:
    """``send(channel, payload) -> ts``: post the alert, then its chart in the thread."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def __call__(self, target: str, payload: dict[str, Any]) -> str:
        text = f"{payload.get('title')} (about ${float(payload.get('impact', 0)):,.0f} at stake)"
        resp = self.client.chat_postMessage(channel=target, text=text, blocks=alert_blocks(payload))
        ts = str(resp["ts"])
        chart = payload.get("chart")
        if chart and Path(chart).is_file():
            self.client.files_upload_v2(channel=str(resp.get("channel") or target), thread_ts=ts, file=chart,
                                        filename="alert.png", title=str(payload.get("title", "chart"))[:200])
        return ts


def register_actions(app: Any, ack_incident: Callable[[str, str], bool],
                     snooze_incident: Callable[[str, dt.date], bool], today: Callable[[], dt.date]) -> None:
    """Bolt handlers for the alert buttons: acknowledge, or snooze for a day or a week."""

    def on_ack(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        iid = body["actions"][0]["value"]
        who = body.get("user", {}).get("id", "someone")
        done = ack_incident(iid, who)
        respond(text=f"Incident {iid} acknowledged by <@{who}>." if done else f"Incident {iid} is closed or unknown.",
                replace_original=False)

    def on_snooze(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        action = body["actions"][0]
        until = today() + dt.timedelta(days=SNOOZE_DAYS[action["action_id"]])
        done = snooze_incident(action["value"], until)
        respond(text=f"Incident {action['value']} snoozed until {until.isoformat()}." if done
                else f"Incident {action['value']} is closed or unknown.", replace_original=False)

    app.action("alert_ack")(on_ack)
    for action_id in SNOOZE_DAYS:
        app.action(action_id)(on_snooze)
