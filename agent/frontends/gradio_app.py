"""The chat page (Gradio 6 Blocks). A thin adapter: it sends the question to ``Analyst.stream`` and shows the events
as chat messages (see ``ui_helpers.Turn``); the side panel shows the data's period, row counts, as-of date and
which brain answers; the forecast controls re-run the conversation's last forecast with a new horizon, model or
interval setting without retyping.

``build_ui(analyst, settings)`` returns the Blocks (queued: at most ``settings.ui_concurrency`` answers at once)
and ``MOUNT_OPTIONS`` for ``gr.mount_gradio_app`` (theme and CSS moved there in Gradio 6). Each browser tab has its
own conversation: a session id in ``gr.State``; "New conversation" starts over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from shoplens.agent.analyst import MAX_QUESTION_CHARS
from shoplens.agent.events import TextDelta
from shoplens.agent.frontends import ui_helpers as ui
from shoplens.agent.frontends.auth import auth_required
from shoplens.data.errors import WarehouseUnavailable

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

log = logging.getLogger("shoplens.ui")

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
MAX_HORIZON = {"day": 90, "week": 52, "month": 24, "quarter": 8}
STATUS_TTL_S = 30.0
TEXT_EVERY_S = 0.1
NO_FORECAST = (
    "_Ask for a forecast first (e.g. “forecast revenue for the next 8 weeks”); then change these and "
    "re-run it without retyping._"
)

CSS = """
.gradio-container { max-width: 1500px !important; }
#shoplens-title h1 { margin: 0; font-size: 1.5rem; }
#shoplens-title p { margin: 0; color: var(--body-text-color-subdued); }
#data-panel table { font-size: 0.85rem; width: 100%; border-collapse: collapse; border: none !important; }
#data-panel td, #data-panel th { padding: 1px 6px; border: none; border-bottom: 1px solid var(--border-color-primary); }
#status-light p { margin: 0; }
#chat mark { background: #ffe08a; padding: 0 2px; border-radius: 3px; }
#chat blockquote { border-left: 3px solid #e3a008; margin: 0; padding-left: 0.6rem; font-size: 0.9rem; }
.sl-table { margin: 2px 0; }
.sl-table-title { margin-bottom: 4px; }
.sl-note { color: var(--body-text-color-subdued); font-size: 0.85rem; }
.sl-table table { border-collapse: collapse; font-size: 0.88rem; width: auto; min-width: 50%; }
.sl-table th { position: sticky; top: 0; background: var(--background-fill-secondary); font-weight: 600; }
.sl-table td, .sl-table th { padding: 3px 12px; border-bottom: 1px solid var(--border-color-primary);
                              white-space: nowrap; }
#examples button { font-size: 0.85rem; }
#chat [data-testid="block-label"], #chat button[aria-label="Share"] { display: none; }
#chat .image-frame img { max-height: 470px !important; }
#data-panel table, #data-panel table * { border-left: 0 !important; border-right: 0 !important; }
#data-panel td:last-child, #data-panel th:last-child { text-align: right; }
"""
MOUNT_OPTIONS: dict[str, Any] = {
    "theme": gr.themes.Soft(primary_hue="indigo"),
    "css": CSS,
    "footer_links": [],
    "run_history": False,
}


class StatusCache:
    """``Analyst.status()`` for the side panel, refreshed at most every ``STATUS_TTL_S`` seconds."""

    def __init__(self, analyst: Analyst) -> None:
        self.analyst = analyst
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = 0.0
        self._generation = -1

    def get(self) -> dict[str, Any]:
        generation = self.analyst.warehouse_generation()  # a replaced warehouse shows at once, not after the TTL
        with self._lock:
            if self._value is None or time.monotonic() - self._at > STATUS_TTL_S or generation != self._generation:
                self._value = self.analyst.status()
                self._at = time.monotonic()
                self._generation = self.analyst.warehouse_generation()
            value = dict(self._value)
        value["mode"] = self.analyst.mode()  # cheap and changes when the model goes away or comes back
        return value

    def panel(self) -> tuple[str, str]:
        try:
            status = self.get()
        except Exception as exc:  # noqa: BLE001 - the panel reports; the chat still explains on its own
            log.warning("status failed: %s", exc)
            return ui.panel_error(exc), ""
        return ui.status_light(status), ui.data_panel(status)


def build_ui(analyst: Analyst, settings: Settings) -> gr.Blocks:
    files = ui.FileStore()
    status = StatusCache(analyst)
    limit = max(8, int(settings.ui_concurrency))

    # delete_cache: every hour Gradio drops the copies of files it served that are older than a day
    with gr.Blocks(
        title="ShopLens", fill_height=True, analytics_enabled=False, delete_cache=(3600, 24 * 3600)
    ) as demo:
        session = gr.State(None)  # the Analyst session id of this browser tab
        conversation = gr.State([])  # the messages shown, as ChatMessage objects
        last_forecast = gr.State(None)  # arguments of the last forecast in this conversation

        with gr.Row(equal_height=False):
            with gr.Column(scale=4, min_width=520):
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
            with gr.Column(scale=1, min_width=300, elem_id="side"):
                light = gr.Markdown("…", elem_id="status-light")
                data = gr.Markdown("", elem_id="data-panel")
                with gr.Accordion("Forecast controls", open=True, elem_id="forecast-controls"):
                    fc_info = gr.Markdown(NO_FORECAST)
                    horizon = gr.Slider(
                        1, 52, value=8, step=1, label="Horizon (periods ahead)", elem_id="fc-horizon"
                    )
                    model = gr.Dropdown(ui.MODEL_CHOICES, value="auto", label="Model", elem_id="fc-model")
                    intervals = gr.Checkbox(
                        value=True, label="Show 80% / 95% intervals", elem_id="fc-intervals"
                    )
                    rerun = gr.Button(
                        "Re-run the last forecast", interactive=False, size="md", elem_id="fc-rerun"
                    )
                gr.Markdown(
                    '<sub>HTTP API for other tools: <a href="/api/docs" target="_blank" rel="noopener">'
                    "/api/docs</a>" + (' · <a href="/logout">Sign out</a>' if auth_required(settings) else "")
                    + "</sub>"
                )

        # --- handlers (thin: Analyst events in, messages out) ------------------------------------------------
        def respond(
            text: str, conv: list[Any], sid: str | None, fc: dict[str, Any] | None
        ) -> Iterator[tuple]:
            q = (text or "").strip()
            if not q:
                yield (gr.skip(),) * 10
                return
            if sid is None:
                sid = analyst.sessions.new().id
            history = [*conv, gr.ChatMessage(role="user", content=q)]
            turn = ui.Turn(files)
            yield (
                history,
                "",
                history,
                sid,
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
            shown = 0.0
            try:
                for event in analyst.stream(q, sid):
                    if turn.add(event):
                        now = time.monotonic()
                        if isinstance(event, TextDelta) and now - shown < TEXT_EVERY_S:
                            continue  # a model streams word by word: redraw a few times a second, not per token
                        shown = now
                        yield (history + turn.messages, *(gr.skip(),) * 9)
            except WarehouseUnavailable as exc:  # a job holds or replaces the warehouse: say so, ask to retry
                turn.messages.append(gr.ChatMessage(role="assistant", content=ui.unavailable_text(exc)))
            messages = history + turn.messages
            fc = turn.forecast or fc
            yield (messages, gr.skip(), messages, sid, fc, status.panel()[0], *forecast_controls(fc))

        def forecast_controls(fc: dict[str, Any] | None) -> tuple[Any, Any, Any, Any]:
            """The controls' note, horizon, model and button for the conversation's last forecast."""
            if not fc:
                return gr.update(value=NO_FORECAST), gr.skip(), gr.skip(), gr.update(interactive=False)
            grain = str(fc.get("grain") or "week")
            where = ", ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (fc.get("filters") or {}).items())
            info = (
                f"Last forecast: **{fc.get('metric', '?')}**{' (' + where + ')' if where else ''}, "
                f"{fc.get('horizon')} {grain}s ahead, model {ui.MODEL_LABELS.get(str(fc.get('model')), 'auto')}."
            )
            return (
                gr.update(value=info),
                gr.update(
                    value=int(fc.get("horizon") or 8),
                    maximum=MAX_HORIZON.get(grain, 52),
                    label=f"Horizon ({grain}s ahead)",
                ),
                gr.update(value=str(fc.get("model") or "auto")),
                gr.update(interactive=True, variant="primary"),
            )

        def rerun_forecast(
            h: float, m: str, show: bool, conv: list[Any], sid: str | None, fc: dict[str, Any] | None
        ) -> Iterator[tuple]:
            if not fc:  # nothing to re-run yet: the controls' note says so
                yield (gr.skip(), gr.skip(), gr.skip(), gr.update(value=NO_FORECAST))
                return
            grain = str(fc.get("grain") or "week")
            label = ui.MODEL_LABELS.get(m, m)
            ask_line = (
                f"↻ Re-run the forecast: {int(h)} {grain}{'s' if int(h) != 1 else ''}, {label}, "
                f"intervals {'on' if show else 'off'}"
            )
            history = [*conv, gr.ChatMessage(role="user", content=ask_line)]
            turn = ui.Turn(files)
            yield (history, history, gr.skip(), gr.skip())
            started = time.perf_counter()
            for event in analyst.rerun_forecast(fc, horizon=int(h), model=m, intervals=bool(show)):
                if turn.add(event):
                    yield (history + turn.messages, gr.skip(), gr.skip(), gr.skip())
            footer = f"<sub>forecast tool · {ui.fmt_ms((time.perf_counter() - started) * 1000)}</sub>"
            messages = history + [*turn.messages, gr.ChatMessage(role="assistant", content=footer)]
            new_fc = {**fc, "horizon": int(h), "model": m} if turn.forecast else fc
            yield (messages, messages, new_fc, forecast_controls(new_fc)[0])

        def new_conversation(sid: str | None) -> tuple:
            if sid:
                analyst.sessions.drop(sid)
            return (
                [],
                "",
                [],
                None,
                None,
                *forecast_controls(None)[:2],
                gr.update(interactive=False, variant="secondary"),
            )

        def pick_example(sample: list[str]) -> str:
            return sample[0] if sample else ""

        def pick_option(evt: gr.SelectData) -> str:
            value = evt.value
            return value.get("text", "") if isinstance(value, dict) else str(value or "")

        answer_outputs = [
            chatbot,
            question,
            conversation,
            session,
            last_forecast,
            light,
            fc_info,
            horizon,
            model,
            rerun,
        ]
        answer_inputs = [question, conversation, session, last_forecast]
        run: dict[str, Any] = dict(
            fn=respond,
            inputs=answer_inputs,
            outputs=answer_outputs,
            concurrency_limit=limit,
            concurrency_id="answers",
            show_progress="minimal",
        )
        ask.click(**run, api_name="ask")
        question.submit(**run, api_visibility="private")
        examples.click(pick_example, examples, question, queue=False, api_visibility="private").then(
            **run, api_visibility="private"
        )
        chatbot.option_select(pick_option, None, question, queue=False, api_visibility="private").then(
            **run, api_visibility="private"
        )

        rerun_run: dict[str, Any] = dict(
            fn=rerun_forecast,
            inputs=[horizon, model, intervals, conversation, session, last_forecast],
            outputs=[chatbot, conversation, last_forecast, fc_info],
            concurrency_limit=limit,
            concurrency_id="answers",
            show_progress="minimal",
            trigger_mode="always_last",
        )
        rerun.click(
            **rerun_run, api_name="rerun_forecast"
        )  # a button, not on every change: a forecast takes seconds

        reset: dict[str, Any] = dict(
            fn=new_conversation,
            inputs=[session],
            outputs=[chatbot, question, conversation, session, last_forecast, fc_info, horizon, rerun],
            queue=False,
        )
        new.click(**reset, api_name="new_conversation")
        chatbot.clear(**reset, api_visibility="private")
        demo.load(status.panel, None, [light, data], api_visibility="private")

    demo.queue(default_concurrency_limit=limit, max_size=max(64, 8 * limit))
    demo.shoplens_files = files  # type: ignore[attr-defined]  # the server removes the folder at shutdown
    return demo
