"""The chat page's components (Gradio 6 Blocks): the chat column (title, chatbot, question box, buttons, examples)
and the side panel (status light, data panel, forecast controls, API link). ``build_page`` must run inside a
``gr.Blocks`` context; it only places components, ``gradio_app`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import gradio as gr

from shoplens.agent.analyst import MAX_QUESTION_CHARS
from shoplens.agent.frontends import alert_panel
from shoplens.agent.frontends.auth import auth_required
from shoplens.agent.frontends.ui_steps import MODEL_CHOICES

if TYPE_CHECKING:
    from shoplens.agent.config import Settings

EXAMPLES = [
    "revenue by channel in 2025",
    "revenue by category last month",
    "stacked bars of monthly revenue by channel for 2025",
    "top 5 products by units this year",
    "how did revenue last month compare with the month before?",
    "forecast Electronics revenue for the next 8 weeks",
    "what are customers complaining about?",
    "any unusual days in the last 90 days?",
    "what data do you have?",
    "上个月各品类的销售额，画成柱状图",
    "本月销售额同比",
    "预测一下未来8周每周的销售额",
    "为什么本季度美妆的销售额比上季度涨了？",
]
NO_FORECAST = (
    "_Ask for a forecast first (e.g. “forecast revenue for the next 8 weeks”); then change these and "
    "re-run it without retyping._"
)
CSS = resources.files("shoplens.agent.frontends").joinpath("chat.css").read_text(encoding="utf-8")


@dataclass
class Page:
    """The components the event wiring needs (states first: one set per browser tab)."""

    session: Any  # the Analyst session id of this browser tab
    conversation: Any  # the messages shown, as ChatMessage objects
    last_forecast: Any  # arguments of the last forecast in this conversation
    chatbot: Any
    question: Any
    ask: Any
    new: Any
    examples: Any
    light: Any
    data: Any
    fc_info: Any
    horizon: Any
    model: Any
    intervals: Any
    rerun: Any
    alerts_refresh: Any = None  # the notifications panel's refresh function and its output
    alerts_out: Any = None


def build_page(settings: Settings) -> Page:
    states = gr.State(None), gr.State([]), gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=520):
            chat = _chat_column()
        with gr.Column(scale=1, min_width=300, elem_id="side"):
            side = _side_panel(settings)
    return Page(*states, *chat, *side)


def _chat_column() -> tuple[Any, ...]:
    """Chatbot, question, Ask, New conversation, examples."""
    gr.Markdown(
        "# ShopLens\nAsk about sales, products, customers, reviews and forecasts.",
        elem_id="shoplens-title",
    )
    chatbot = gr.Chatbot(
        elem_id="chat",
        show_label=False,
        height="66vh",
        min_height=420,
        layout="panel",
        feedback_options=None,
        buttons=["copy", "copy_all"],
        group_consecutive_messages=True,
        placeholder="**Ask a question about the shop's data.** Every number comes from a query you "
        "can open; charts and tables can be downloaded.",
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            placeholder="e.g. revenue by category last month",
            show_label=False,
            scale=7,
            lines=1,
            max_lines=4,
            max_length=MAX_QUESTION_CHARS,
            autofocus=True,
            elem_id="question",
        )
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask")
        new = gr.Button(
            "New conversation",
            variant="secondary",
            scale=1,
            min_width=150,
            elem_id="new-conversation",
        )
    examples = gr.Dataset(
        components=[question],
        samples=[[q] for q in EXAMPLES],
        label="Examples",
        layout="gallery",
        samples_per_page=len(EXAMPLES),
        elem_id="examples",
    )
    return chatbot, question, ask, new, examples


def _side_panel(settings: Settings) -> tuple[Any, ...]:
    """Status light, data panel, forecast controls (note, horizon, model, intervals, re-run)."""
    light = gr.Markdown("…", elem_id="status-light")
    data = gr.Markdown("", elem_id="data-panel")
    with gr.Accordion("Forecast controls", open=True, elem_id="forecast-controls"):
        fc_info = gr.Markdown(NO_FORECAST)
        horizon = gr.Slider(
            1, 52, value=8, step=1, label="Horizon (periods ahead)", elem_id="fc-horizon"
        )
        model = gr.Dropdown(MODEL_CHOICES, value="auto", label="Model", elem_id="fc-model")
        intervals = gr.Checkbox(
            value=True, label="Show 80% / 95% intervals", elem_id="fc-intervals"
        )
        rerun = gr.Button(
            "Re-run the last forecast", interactive=False, size="md", elem_id="fc-rerun"
        )
    alerts_refresh, alerts_out = alert_panel.build(settings)
    gr.Markdown(
        '<sub>HTTP API for other tools: <a href="/api/docs" target="_blank" rel="noopener">'
        "/api/docs</a>" + (' · <a href="/logout">Sign out</a>' if auth_required(settings) else "")
        + "</sub>"
    )
    return light, data, fc_info, horizon, model, intervals, rerun, alerts_refresh, alerts_out
