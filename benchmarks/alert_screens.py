"""Pictures for docs/alerts.md, from a real run: the Slack post of an alert as the loopback Slack mock received it
(Block Kit rendered to HTML by a small renderer, then to PNG by headless Chromium), the alert's chart, and the
notifications panel of the chat page.

    SHOPLENS_HOME=<home with alerts.sqlite> python benchmarks/alert_screens.py --out docs/images

Needs /usr/bin/chromium (Debian package) and the tests' fake Slack server (tests/fakes).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def mrkdwn(text: str) -> str:
    t = html.escape(text)
    t = re.sub(r"```(.*?)```", r"<pre>\1</pre>", t, flags=re.S)
    t = re.sub(r"\*(.+?)\*", r"<b>\1</b>", t)
    t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
    emoji = {":red_circle:": "<span style='color:#cf222e'>●</span>",
             ":large_orange_circle:": "<span style='color:#d4a72c'>●</span>",
             ":white_circle:": "<span style='color:#8c959f'>●</span>"}
    for k, v in emoji.items():
        t = t.replace(k, v)
    return t.replace("\n", "<br>")


def blocks_html(blocks: list[dict]) -> str:
    out = []
    for b in blocks:
        if b["type"] == "header":
            out.append(f"<h3>{html.escape(b['text']['text'])}</h3>")
        elif b["type"] == "section":
            out.append(f"<p>{mrkdwn(b['text']['text'])}</p>")
        elif b["type"] == "context":
            out.append("<p class=ctx>" + " ".join(mrkdwn(e["text"]) for e in b["elements"]) + "</p>")
        elif b["type"] == "actions":
            out.append("<p>" + "".join(f"<span class='btn {e.get('style', '')}'>{html.escape(e['text']['text'])}</span>"
                                       for e in b["elements"]) + "</p>")
    css = ("body{font:15px -apple-system,Segoe UI,Helvetica,Arial;margin:0;background:#fff}.msg{padding:16px 20px;"
           "border-left:4px solid #cf222e;margin:12px;max-width:720px}h3{margin:4px 0 8px}.ctx{color:#616061;"
           "font-size:13px}pre{background:#f6f8fa;padding:8px;font-size:12px;white-space:pre-wrap}.btn{display:"
           "inline-block;border:1px solid #bbb;border-radius:4px;padding:4px 12px;margin-right:8px;font-weight:600}"
           ".primary{background:#007a5a;color:#fff;border-color:#007a5a}.who{font-weight:700}")
    return (f"<html><head><meta charset=utf-8><style>{css}</style></head><body><div class=msg><span class=who>"
            f"ShopLens</span> <span class=ctx>APP</span>{''.join(out)}</div></body></html>")


def slack_picture(payload: dict, out: Path) -> None:
    from fakes.fake_slack import FakeSlack
    from slack_sdk import WebClient

    from shoplens.agent.frontends.alert_slack import SlackSender

    with FakeSlack() as slack:
        SlackSender(WebClient(token=slack.bot_token, base_url=slack.api_url))("#sales", payload)
        blocks = slack.calls_to("chat.postMessage")[0].params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    (out / "alert-slack-blocks.json").write_text(json.dumps(blocks, indent=2, ensure_ascii=False) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "alert.html"
        page.write_text(blocks_html(blocks), encoding="utf-8")
        subprocess.run([CHROMIUM, *FLAGS, f"--screenshot={out / 'alert-slack.png'}", "--window-size=760,620",
                        page.as_uri()], check=True, capture_output=True, timeout=60)


def panel_picture(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import BackgroundServer, build_app

    settings = Settings.load()
    app = build_app(settings)
    with BackgroundServer(app) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(srv.url, wait_until="load")
        page.wait_for_selector("#alerts-panel", timeout=60_000)
        page.get_by_text("Notifications").first.click()
        page.wait_for_selector("#alerts-list >> text=at stake", timeout=30_000)
        page.locator("#alerts-panel").screenshot(path=str(out / "alert-ui-panel.png"))
        browser.close()
    app.state.analyst.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    ap.add_argument("--incident", help="incident id (default: the open incident with the most at stake)")
    args = ap.parse_args()
    from shoplens.agent.config import Settings
    from shoplens.tools.alerts.state import StateStore

    args.out.mkdir(parents=True, exist_ok=True)
    with StateStore(Settings.load().alerts_state) as store:
        rows = [r for r in store.sent() if r["what"] == "open"]
    rows.sort(key=lambda r: -float(r["payload"].get("impact", 0)))
    pick = next(r for r in rows if args.incident in (None, r["payload"]["incident_id"]))
    payload = pick["payload"]
    if payload.get("chart"):
        shutil.copy(payload["chart"], args.out / "alert-chart.png")
    slack_picture(payload, args.out)
    panel_picture(args.out)
    print("wrote", sorted(p.name for p in args.out.glob("alert-*")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
