"""The chat page (Gradio 6 Blocks). A thin adapter: it sends the question to ``Analyst.stream`` and shows the events
as chat messages (see ``ui_helpers.Turn``); the side panel shows the data's period, row counts, as-of date and
which brain answers; the forecast controls re-run the conversation's last forecast with a new horizon, model or
interval setting without retyping.

``build_ui(analyst, settings)`` returns the Blocks (queued: at most ``settings.ui_concurrency`` answers at once)
and ``MOUNT_OPTIONS`` for ``gr.mount_gradio_app`` (theme and CSS moved there in Gradio 6). Each browser tab has its
own conversation: a session id in ``gr.State``; "New conversation" starts over. The components are placed by
``gradio_layout`` and the handlers live in ``gradio_handlers``; this module wires events to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from shoplens.agent.frontends.gradio_handlers import (
    MAX_HORIZON,
    TEXT_EVERY_S,
    ChatHandlers,
    forecast_controls,
    pick_example,
    pick_option,
)
from shoplens.agent.frontends.gradio_layout import CSS, EXAMPLES, NO_FORECAST, Page, build_page
from shoplens.agent.frontends.ui_files import FileStore
from shoplens.agent.frontends.ui_panel import STATUS_TTL_S, StatusCache

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

__all__ = ["CSS", "EXAMPLES", "MAX_HORIZON", "MOUNT_OPTIONS", "NO_FORECAST", "STATUS_TTL_S", "TEXT_EVERY_S",
           "StatusCache", "build_ui", "forecast_controls"]

MOUNT_OPTIONS: dict[str, Any] = {
    "theme": gr.themes.Soft(primary_hue="indigo"),
    "css": CSS,
    "footer_links": [],
    "run_history": False,
}


def build_ui(analyst: Analyst, settings: Settings) -> gr.Blocks:
    files = FileStore()
    status = StatusCache(analyst)
    limit = max(8, int(settings.ui_concurrency))
    handlers = ChatHandlers(analyst, files, status)

    # delete_cache: every hour Gradio drops the copies of files it served that are older than a day
    with gr.Blocks(
        title="ShopLens", fill_height=True, analytics_enabled=False, delete_cache=(3600, 24 * 3600)
    ) as demo:
        page = build_page(settings)
        _wire_answers(page, handlers, limit)
        _wire_forecast_rerun(page, handlers, limit)
        reset: dict[str, Any] = dict(
            fn=handlers.new_conversation,
            inputs=[page.session],
            outputs=[page.chatbot, page.question, page.conversation, page.session, page.last_forecast,
                     page.fc_info, page.horizon, page.rerun],
            queue=False,
        )
        page.new.click(**reset, api_name="new_conversation")
        page.chatbot.clear(**reset, api_visibility="private")
        demo.load(status.panel, None, [page.light, page.data], api_visibility="private")
        demo.load(page.alerts_refresh, None, page.alerts_out, api_visibility="private")

    demo.queue(default_concurrency_limit=limit, max_size=max(64, 8 * limit))
    demo.shoplens_files = files  # type: ignore[attr-defined]  # the server removes the folder at shutdown
    return demo


def _wire_answers(page: Page, handlers: ChatHandlers, limit: int) -> None:
    """Ask, Enter, an example or a clarifying option: all answer through ``handlers.respond``."""
    run: dict[str, Any] = dict(
        fn=handlers.respond,
        inputs=[page.question, page.conversation, page.session, page.last_forecast],
        outputs=[page.chatbot, page.question, page.conversation, page.session, page.last_forecast, page.light,
                 page.fc_info, page.horizon, page.model, page.rerun],
        concurrency_limit=limit,
        concurrency_id="answers",
        show_progress="minimal",
    )
    page.ask.click(**run, api_name="ask")
    page.question.submit(**run, api_visibility="private")
    page.examples.click(pick_example, page.examples, page.question, queue=False, api_visibility="private").then(
        **run, api_visibility="private"
    )
    page.chatbot.option_select(pick_option, None, page.question, queue=False, api_visibility="private").then(
        **run, api_visibility="private"
    )


def _wire_forecast_rerun(page: Page, handlers: ChatHandlers, limit: int) -> None:
    # a button, not on every change: a forecast takes seconds
    page.rerun.click(
        fn=handlers.rerun_forecast,
        inputs=[page.horizon, page.model, page.intervals, page.conversation, page.session, page.last_forecast],
        outputs=[page.chatbot, page.conversation, page.last_forecast, page.fc_info],
        concurrency_limit=limit,
        concurrency_id="answers",
        show_progress="minimal",
        trigger_mode="always_last",
        api_name="rerun_forecast",
    )
