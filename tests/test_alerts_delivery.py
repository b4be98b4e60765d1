"""Alert delivery at its boundaries: the state store survives a kill between detection and delivery (and one in
the middle of a send) without sending anything twice; a JSON webhook, a local SMTP server (aiosmtpd) and the
loopback Slack mock receive what a user would see; Slack buttons acknowledge and snooze."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fakes.fake_slack import FakeSlack
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from shoplens.tools.alerts.engine import deliver
from shoplens.tools.alerts.state import StateStore

DAY = dt.date(2025, 9, 5)
PAYLOAD = {"incident_id": "abc123", "what": "open", "date": "2025-09-05", "kind": "return_rate",
           "metric": "return_rate", "filters": {"product": "Aurora X2 Wireless Earbuds"},
           "title": "Aurora X2 Wireless Earbuds: returns at 27.8% over the last 7 days (usually 5.0%)",
           "severity": "medium", "impact": 812.5, "why": ["10 of 36 order lines were returned in 7 days."],
           "evidence_numbers": {"returns": 10, "order_lines": 36}, "sql": "SELECT 1", "chart": None}

CHILD = """
import os, signal, sys, time, datetime as dt
from shoplens.tools.alerts.state import StateStore
from shoplens.tools.alerts.engine import deliver
store = StateStore(sys.argv[1])
msgs = [{"key": f"k{i}", "incident_id": "abc123", "channel": f"webhook:http://x/{i}", "what": "open",
         "payload": {"n": i}} for i in range(3)]
store.record(dt.date(2025, 9, 5), [], msgs, [])
print("recorded", flush=True)
if sys.argv[2] == "kill-mid-send":
    deliver(store, {"webhook": lambda target, p: os.kill(os.getpid(), signal.SIGKILL)})
time.sleep(60)
"""


def _child(tmp_path: Path, mode: str) -> Path:
    db = tmp_path / "alerts.sqlite"
    with subprocess.Popen([sys.executable, "-c", CHILD, str(db), mode], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "recorded"
            if mode == "kill-after-detection":
                proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            proc.kill()
    return db


def test_a_kill_between_detection_and_delivery_sends_each_message_exactly_once(tmp_path: Path) -> None:
    db = _child(tmp_path, "kill-after-detection")
    got: list[str] = []
    with StateStore(db) as store:
        assert store.recover() == 0
        assert deliver(store, {"webhook": lambda t, p: got.append(t) or "ok"})["sent"] == 3
        assert deliver(store, {"webhook": lambda t, p: got.append(t) or "ok"})["sent"] == 0
        msgs = [{"key": "k0", "incident_id": "abc123", "channel": "webhook:http://x/0", "what": "open", "payload": {}}]
        store.record(DAY, [], msgs, [])  # the same day detected again after the restart
        assert deliver(store, {"webhook": lambda t, p: got.append(t) or "ok"})["sent"] == 0
    assert sorted(got) == ["http://x/0", "http://x/1", "http://x/2"]


def test_a_kill_in_the_middle_of_a_send_is_never_resent(tmp_path: Path) -> None:
    db = _child(tmp_path, "kill-mid-send")
    got: list[str] = []
    with StateStore(db) as store:
        assert store.recover() == 1  # the message being sent when the process died
        assert deliver(store, {"webhook": lambda t, p: got.append(t) or "ok"})["sent"] == 2
        statuses = sorted(r["status"] for r in store.sent())
    assert statuses == ["sent", "sent", "unknown"] and len(got) == 2


def test_a_failed_send_is_retried_and_a_missing_channel_is_skipped(tmp_path: Path) -> None:
    with StateStore(tmp_path / "a.sqlite") as store:
        store.record(DAY, [], [{"key": "w", "channel": "webhook:http://x", "what": "open", "payload": {}},
                               {"key": "s", "channel": "slack:#sales", "what": "open", "payload": {}}], [])

        def boom(target: str, p: dict[str, Any]) -> str:
            raise ConnectionError("refused")

        first = deliver(store, {"webhook": boom})
        assert first["failed"] == 1 and "refused" in first["errors"][0]
        assert deliver(store, {"webhook": lambda t, p: "ok"})["sent"] == 1
        rows = {r["key"]: r["status"] for r in store.sent()}
    assert rows == {"w": "sent", "s": "skipped"}


def test_the_webhook_posts_json_with_an_idempotency_key() -> None:
    from shoplens.tools.alerts.channels import WebhookSender

    seen: list[tuple[dict[str, Any], str]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((json.loads(body), self.headers["Idempotency-Key"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = WebhookSender(timeout_s=5)(f"http://127.0.0.1:{server.server_port}/hook", PAYLOAD)
    finally:
        server.shutdown()
        server.server_close()
    assert out == "http 204"
    body, key = seen[0]
    assert body["title"] == PAYLOAD["title"] and body["impact"] == 812.5 and key


def test_email_goes_through_a_local_smtp_server_with_the_chart_inline(tmp_path: Path) -> None:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from email import message_from_bytes, policy

    from shoplens.tools.alerts.channels import EmailSender
    from shoplens.tools.alerts.chart import draw

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[tuple[list[str], bytes]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    import numpy as np
    import pandas as pd

    days = pd.date_range("2025-08-01", periods=30, freq="D")
    chart = draw(tmp_path, PAYLOAD["title"], days, np.arange(30.0), [days[-1]], 20.0, 15.0, 25.0)
    inbox = Inbox()
    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd's controller checks its port by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        EmailSender("127.0.0.1", port, sender="alerts@shop.test")("ops@shop.test", {**PAYLOAD, "chart": str(chart)})
    finally:
        controller.stop()
    rcpt, raw = inbox.messages[0]
    msg = message_from_bytes(raw, policy=policy.default)
    html_part = msg.get_body(("html",))
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert rcpt == ["ops@shop.test"] and "[ShopLens medium]" in msg["Subject"]
    assert "Aurora X2" in html_part.get_content() and f"cid:{image['Content-ID'].strip('<>')}" in html_part.get_content()
    assert image.get_content() == chart.read_bytes()


def test_slack_gets_block_kit_with_buttons_and_the_chart_in_the_thread(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from shoplens.agent.frontends.alert_slack import SlackSender
    from shoplens.tools.alerts.chart import draw

    days = pd.date_range("2025-08-01", periods=30, freq="D")
    chart = draw(tmp_path, PAYLOAD["title"], days, np.arange(30.0), [days[-1]])
    with FakeSlack() as slack:
        ts = SlackSender(WebClient(token=slack.bot_token, base_url=slack.api_url))("#sales", {**PAYLOAD,
                                                                                              "chart": str(chart)})
        post = slack.calls_to("chat.postMessage")[0].params
        complete = slack.wait_for("files.completeUploadExternal")[0].params
        uploads = dict(slack.uploads)
    blocks = json.loads(post["blocks"]) if isinstance(post["blocks"], str) else post["blocks"]
    assert post["channel"] == "#sales" and "Aurora X2" in post["text"]
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["alert_ack", "alert_snooze_1d", "alert_snooze_7d"]
    assert complete["thread_ts"] == ts and list(uploads.values())[0] == chart.read_bytes()


def test_slack_buttons_acknowledge_and_snooze(tmp_path: Path) -> None:
    from slack_bolt import App, BoltRequest

    from shoplens.agent.frontends.alert_slack import register_actions

    secret = "s" * 32
    calls: list[tuple[str, Any]] = []
    with FakeSlack() as slack:
        app = App(client=WebClient(token=slack.bot_token, base_url=slack.api_url), signing_secret=secret,
                  token_verification_enabled=False)
        register_actions(app, lambda i, who: calls.append(("ack", i, who)) or True,
                         lambda i, until: calls.append(("snooze", i, until)) or True, lambda: DAY)
        for action in ("alert_ack", "alert_snooze_7d"):
            payload = {"type": "block_actions", "user": {"id": "U42"}, "team": {"id": "T0SHOP"},
                       "actions": [{"action_id": action, "value": "abc123", "type": "button", "block_id": "b"}],
                       "response_url": f"{slack.url}/response/1", "container": {}, "api_app_id": "A0",
                       "trigger_id": "1"}
            body = "payload=" + urllib.parse.quote(json.dumps(payload))
            stamp = str(int(time.time()))
            headers = {"content-type": ["application/x-www-form-urlencoded"], "x-slack-request-timestamp": [stamp],
                       "x-slack-signature": [SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)]}
            assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
        deadline = time.monotonic() + 10
        while len(slack.responses) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        texts = [r.get("text") for r in slack.responses]
    assert calls == [("ack", "abc123", "U42"), ("snooze", "abc123", DAY + dt.timedelta(days=7))]
    assert any("acknowledged by <@U42>" in t for t in texts) and any("2025-09-12" in t for t in texts)
