"""The notifications panel of the chat page: open incidents ranked by money at stake, with Acknowledge and Snooze.
It reads the alert state store (the same one `shoplens alerts list` reads) and refreshes every minute."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gradio as gr

from shoplens.agent.config import Settings
from shoplens.agent.frontends import alert_api

ICON = {sev: f'<span style="color:{c}">●</span>' for sev, c in (("high", "#cf222e"), ("medium", "#d4a72c"),
                                                                   ("low", "#8c959f"))}


def panel_markdown(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No open alerts."
    lines = []
    for r in rows:
        state = " · acknowledged" if r["status"] == "acked" else (
            f" · snoozed to {r['snoozed_until']}" if r.get("snoozed_until") else "")
        lines.append(f"{ICON.get(r['severity'], ICON['low'])} **{r['title']}**  \n"
                     f"<sub>${r['impact']:,.0f} at stake · since {r['date']} · `{r['id']}`{state}</sub>")
    return "\n\n".join(lines)


def _rows(settings: Settings) -> list[dict[str, Any]]:
    rows = [r for r in alert_api.incidents(settings, None, 50) if r["status"] != "closed"]
    return sorted(rows, key=lambda r: -float(r.get("impact") or 0.0))[:10]


def build(settings: Settings) -> tuple[Any, list[Any]]:
    """Add the panel inside the current Blocks layout; returns (refresh, its outputs) for the page's load event."""
    with gr.Accordion("Notifications", open=False, elem_id="alerts-panel"):
        board = gr.Markdown("…", elem_id="alerts-list")
        pick = gr.Dropdown([], label="Incident", elem_id="alerts-pick")
        with gr.Row():
            ack = gr.Button("Acknowledge", size="sm", elem_id="alerts-ack")
            snooze = gr.Button("Snooze 1 day", size="sm", elem_id="alerts-snooze")

    def refresh() -> tuple[Any, Any]:
        rows = _rows(settings)
        return panel_markdown(rows), gr.update(choices=[(f"{r['id']} · {r['title'][:40]}", r["id"]) for r in rows])

    def do_ack(iid: str | None) -> tuple[Any, Any]:
        if iid:
            alert_api.ack(settings, iid, "ui")
        return refresh()

    def do_snooze(iid: str | None) -> tuple[Any, Any]:
        if iid:
            alert_api.snooze(settings, iid, dt.date.today() + dt.timedelta(days=1))
        return refresh()

    timer = gr.Timer(60)
    timer.tick(refresh, outputs=[board, pick], show_progress="hidden", api_visibility="private")
    ack.click(do_ack, inputs=[pick], outputs=[board, pick], api_visibility="private")
    snooze.click(do_snooze, inputs=[pick], outputs=[board, pick], api_visibility="private")
    return refresh, [board, pick]
