"""One answer in the chat: ``Turn`` collects the assistant's messages as the Analyst's events arrive. Each tool step
becomes a collapsible message (pending with a spinner, then done with its time, arguments and SQL), the answer text
streams into its own message, tables become HTML with a CSV download, charts appear inline with their PNG and CSV,
warnings are listed, and figures the grounding check could not trace are marked in the text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.agent.events import (
    AnswerMeta,
    ChartArtifact,
    Event,
    FinalAnswer,
    Notice,
    StepFinished,
    StepStarted,
    TableArtifact,
    TextDelta,
)
from shoplens.agent.frontends.ui_files import FileStore
from shoplens.agent.frontends.ui_steps import fmt_ms, mark_unverified, step_body, step_title
from shoplens.agent.frontends.ui_tables import table_html
from shoplens.tools.artifacts import Table

if TYPE_CHECKING:
    from shoplens.agent.events import Answer
    from shoplens.tools.artifacts import Chart


class Turn:
    """The assistant's messages for one question, updated event by event (``add`` returns True on a change)."""

    def __init__(self, files: FileStore) -> None:
        import gradio as gr

        self._gr = gr
        self.files = files
        self.messages: list[Any] = []
        self._steps: dict[int, int] = {}
        self._text: int | None = None  # index of the text message being streamed into
        self._texts: list[int] = []
        self._notes: int | None = None
        self.forecast: dict[str, Any] | None = None  # args of the last successful forecast step
        self.answer: Answer | None = None
        self.unverified: list[str] = []
        self.choices: list[str] = []

    def _msg(self, content: Any, **kw: Any) -> Any:
        return self._gr.ChatMessage(role="assistant", content=content, **kw)

    def add(self, event: Event) -> bool:
        if isinstance(event, StepStarted | StepFinished):
            return self._step(event)
        if isinstance(event, TextDelta):
            return self._delta(event)
        self._text = None  # anything else ends the text being streamed
        if isinstance(event, TableArtifact):
            self.messages.append(self._table(event.table))
            return True
        if isinstance(event, ChartArtifact):
            return self._chart(event.chart)
        if isinstance(event, Notice):
            return self._notice(event)
        if isinstance(event, AnswerMeta):
            return self._meta(event)
        if isinstance(event, FinalAnswer):
            return self._final(event.answer)
        return False

    def _step(self, event: StepStarted | StepFinished) -> bool:
        meta = {
            "title": step_title(event),
            "id": f"step-{event.step_id}",
            "status": "pending" if isinstance(event, StepStarted) else "done",
        }
        msg = self._msg(step_body(event), metadata=meta)
        if event.step_id in self._steps:
            self.messages[self._steps[event.step_id]] = msg
        else:
            self._steps[event.step_id] = len(self.messages)
            self.messages.append(msg)
        if isinstance(event, StepFinished) and event.ok and event.tool == "forecast":
            self.forecast = dict(event.args)
        self._text = None
        return True

    def _delta(self, event: TextDelta) -> bool:
        if not event.text:
            return False
        if self._text is None:
            self._text = len(self.messages)
            self._texts.append(self._text)
            self.messages.append(self._msg(""))
        msg = self.messages[self._text]
        msg.content = str(msg.content) + event.text
        return True

    def _chart(self, chart: Chart) -> bool:
        gr = self._gr
        self.messages.append(
            self._msg(
                gr.Image(
                    value=chart.path,
                    label=chart.title or "Chart",
                    show_label=False,
                    buttons=["download", "fullscreen"],
                    interactive=False,
                    format="png",
                )
            )
        )
        files = [
            str(self.files.named_copy(p, chart.title or "chart"))
            for p in (chart.path, chart.data)
            if p and Path(p).exists()
        ]
        if files:
            self.messages.append(
                self._msg(
                    gr.File(
                        value=files,
                        label="Chart PNG and data (CSV)",
                        file_count="multiple",
                        interactive=False,
                    )
                )
            )
        return True

    def _notice(self, event: Notice) -> bool:
        line = f"> ⚠️ {event.message}"
        if self._notes is None:
            self._notes = len(self.messages)
            self.messages.append(self._msg(line))
        else:
            note = self.messages[self._notes]
            note.content = f"{note.content}\n>\n{line}"
        return True

    def _final(self, answer: Answer) -> bool:
        self.answer = answer
        mode = "LLM" if answer.mode == "llm" else "offline planner"
        if not self._texts and not answer.answer:
            self.messages.append(self._msg("_(no answer)_"))
        footer = self._msg(f"<sub>{mode} · {fmt_ms(answer.elapsed_ms)}</sub>")
        if self.choices:
            footer.options = [{"value": c, "label": c} for c in self.choices]
        self.messages.append(footer)
        return True

    def _meta(self, meta: AnswerMeta) -> bool:
        changed = False
        figures = [str(f) for f in (meta.facts or {}).get("ungrounded") or []]
        if figures:
            self.unverified = figures
            for i in self._texts:
                msg = self.messages[i]
                msg.content = mark_unverified(str(msg.content), figures)
            changed = True
        if meta.choices:
            self.choices = list(meta.choices)  # shown as buttons on the turn's last message (Gradio's rule)
        return changed

    def _table(self, table: Table) -> Any:
        gr = self._gr
        csv = self.files.table_csv(table)
        return self._msg(
            [
                gr.HTML(value=table_html(table)),
                gr.File(value=str(csv), label="Table as CSV", interactive=False),
            ]
        )
