"""Delivery channels that need no front-end library: a generic JSON webhook (httpx), HTML email with the chart
inline (the standard library's smtplib and email), and the UI panel (which reads the state store, so sending is
recording). Slack lives with the Slack front end (agent/frontends/alert_slack.py).

Each channel is a callable ``send(target, payload) -> external id`` raising on failure.
"""

from __future__ import annotations

import html
import json
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx


def ui_sender(target: str, payload: dict[str, Any]) -> str:
    return "ui"


@dataclass
class WebhookSender:
    """POST the alert as JSON; the outbox key travels as ``Idempotency-Key`` so receivers can drop repeats."""

    timeout_s: float = 10.0
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, target: str, payload: dict[str, Any]) -> str:
        body = {k: v for k, v in payload.items() if k != "chart"}
        key = payload.get("key") or f"{payload.get('incident_id')}|{payload.get('date')}|{payload.get('what')}"
        resp = httpx.post(target, json=body, timeout=self.timeout_s,
                          headers={"Idempotency-Key": str(key), "User-Agent": "ShopLens-alerts", **self.headers})
        resp.raise_for_status()
        return f"http {resp.status_code}"


@dataclass
class EmailSender:
    host: str
    port: int = 25
    sender: str = "shoplens@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 20.0

    def __call__(self, target: str, payload: dict[str, Any]) -> str:
        msg = build_email(self.sender, target, payload)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)
        return str(msg["Message-ID"])


def build_email(sender: str, to: str, payload: dict[str, Any]) -> EmailMessage:
    """HTML email with a plain-text part and the chart inline (``cid:``)."""
    msg = EmailMessage()
    prefix = "Update: " if payload.get("what") == "update" else ""
    msg["Subject"] = f"[ShopLens {payload.get('severity', 'info')}] {prefix}{payload.get('title', 'Alert')}"
    msg["From"], msg["To"] = sender, to
    msg["Message-ID"] = make_msgid(domain="shoplens.local")
    text = plain_text(payload)
    msg.set_content(text)
    chart = Path(payload["chart"]) if payload.get("chart") else None
    cid = make_msgid(domain="shoplens.local")[1:-1]
    img = f'<p><img src="cid:{cid}" alt="chart" width="640"></p>' if chart and chart.exists() else ""
    why = "".join(f"<li>{html.escape(w)}</li>" for w in payload.get("why", []))
    sql = f"<pre>{html.escape(payload['sql'])}</pre>" if payload.get("sql") else ""
    msg.add_alternative(
        f"<html><body><h3>{html.escape(prefix + str(payload.get('title', '')))}</h3>"
        f"<p>Severity <b>{html.escape(str(payload.get('severity')))}</b>, about "
        f"${float(payload.get('impact', 0)):,.0f} at stake (since {html.escape(str(payload.get('date')))}).</p>"
        f"<ul>{why}</ul>{img}{sql}<p>Incident {html.escape(str(payload.get('incident_id')))}: acknowledge with "
        f"<code>shoplens alerts ack {html.escape(str(payload.get('incident_id')))}</code>.</p></body></html>",
        subtype="html")
    if img and chart is not None:
        msg.get_payload()[1].add_related(chart.read_bytes(), "image", "png", cid=f"<{cid}>")
    return msg


def plain_text(payload: dict[str, Any]) -> str:
    lines = [str(payload.get("title", "")), f"Severity {payload.get('severity')}, about "
             f"${float(payload.get('impact', 0)):,.0f} at stake (since {payload.get('date')}).", ""]
    lines += [f"- {w}" for w in payload.get("why", [])]
    if payload.get("sql"):
        lines += ["", "SQL:", str(payload["sql"])]
    lines += ["", f"Incident {payload.get('incident_id')}"]
    return "\n".join(lines)


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)
