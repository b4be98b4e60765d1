"""The chat page's event handlers (thin: Analyst events in, chat messages out). ``ChatHandlers`` answers a question,
re-runs the conversation's last forecast from the side controls and starts a new conversation; the tuples they
yield match the outputs ``gradio_app`` wires them to."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from shoplens.agent.events import TextDelta
from shoplens.agent.frontends.gradio_layout import NO_FORECAST
from shoplens.agent.frontends.ui_files import FileStore
from shoplens.agent.frontends.ui_panel import StatusCache, unavailable_text
from shoplens.agent.frontends.ui_steps import MODEL_LABELS, fmt_ms
from shoplens.agent.frontends.ui_turn import Turn
from shoplens.data.errors import WarehouseUnavailable

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst

MAX_HORIZON = {"day": 90, "week": 52, "month": 24, "quarter": 8}
TEXT_EVERY_S = 0.1


class ChatHandlers:
    def __init__(self, analyst: Analyst, files: FileStore, status: StatusCache) -> None:
        self.analyst, self.files, self.status = analyst, files, status

    def respond(self, text: str, conv: list[Any], sid: str | None, fc: dict[str, Any] | None) -> Iterator[tuple]:
        """Outputs: chatbot, question, conversation, session, last_forecast, light, and the forecast controls."""
        q = (text or "").strip()
        if not q:
            yield (gr.skip(),) * 10
            return
        if sid is None:
            sid = self.analyst.sessions.new().id
        history = [*conv, gr.ChatMessage(role="user", content=q)]
        turn = Turn(self.files)
        yield (history, "", history, sid, *(gr.skip(),) * 6)
        shown = 0.0
        try:
            for event in self.analyst.stream(q, sid):
                if turn.add(event):
                    now = time.monotonic()
                    if isinstance(event, TextDelta) and now - shown < TEXT_EVERY_S:
                        continue  # a model streams word by word: redraw a few times a second, not per token
                    shown = now
                    yield (history + turn.messages, *(gr.skip(),) * 9)
        except WarehouseUnavailable as exc:  # a job holds or replaces the warehouse: say so, ask to retry
            turn.messages.append(gr.ChatMessage(role="assistant", content=unavailable_text(exc)))
        messages = history + turn.messages
        fc = turn.forecast or fc
        yield (messages, gr.skip(), messages, sid, fc, self.status.panel()[0], *forecast_controls(fc))

    def rerun_forecast(self, h: float, m: str, show: bool, conv: list[Any], sid: str | None,
                       fc: dict[str, Any] | None) -> Iterator[tuple]:
        """Outputs: chatbot, conversation, last_forecast, the controls' note."""
        if not fc:  # nothing to re-run yet: the controls' note says so
            yield (gr.skip(), gr.skip(), gr.skip(), gr.update(value=NO_FORECAST))
            return
        grain = str(fc.get("grain") or "week")
        label = MODEL_LABELS.get(m, m)
        ask_line = (
            f"↻ Re-run the forecast: {int(h)} {grain}{'s' if int(h) != 1 else ''}, {label}, "
            f"intervals {'on' if show else 'off'}"
        )
        history = [*conv, gr.ChatMessage(role="user", content=ask_line)]
        turn = Turn(self.files)
        yield (history, history, gr.skip(), gr.skip())
        started = time.perf_counter()
        for event in self.analyst.rerun_forecast(fc, horizon=int(h), model=m, intervals=bool(show)):
            if turn.add(event):
                yield (history + turn.messages, gr.skip(), gr.skip(), gr.skip())
        footer = f"<sub>forecast tool · {fmt_ms((time.perf_counter() - started) * 1000)}</sub>"
        messages = history + [*turn.messages, gr.ChatMessage(role="assistant", content=footer)]
        new_fc = {**fc, "horizon": int(h), "model": m} if turn.forecast else fc
        yield (messages, messages, new_fc, forecast_controls(new_fc)[0])

    def new_conversation(self, sid: str | None) -> tuple:
        """Outputs: chatbot, question, conversation, session, last_forecast, the controls' note, horizon, button."""
        if sid:
            self.analyst.sessions.drop(sid)
        return (
            [],
            "",
            [],
            None,
            None,
            *forecast_controls(None)[:2],
            gr.update(interactive=False, variant="secondary"),
        )


def forecast_controls(fc: dict[str, Any] | None) -> tuple[Any, Any, Any, Any]:
    """The controls' note, horizon, model and button for the conversation's last forecast."""
    if not fc:
        return gr.update(value=NO_FORECAST), gr.skip(), gr.skip(), gr.update(interactive=False)
    grain = str(fc.get("grain") or "week")
    where = ", ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (fc.get("filters") or {}).items())
    info = (
        f"Last forecast: **{fc.get('metric', '?')}**{' (' + where + ')' if where else ''}, "
        f"{fc.get('horizon')} {grain}s ahead, model {MODEL_LABELS.get(str(fc.get('model')), 'auto')}."
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


def pick_example(sample: list[str]) -> str:
    return sample[0] if sample else ""


def pick_option(evt: gr.SelectData) -> str:
    value = evt.value
    return value.get("text", "") if isinstance(value, dict) else str(value or "")
