"""Turning the Analyst's events into chat messages for the Gradio page (no business logic: only presentation).

``Turn`` collects one answer's messages as events arrive: each tool step becomes a collapsible message (pending
with a spinner, then done with its time, arguments and SQL), the answer text streams into its own message, tables
become data frames with a CSV download, charts appear inline with their PNG and CSV, warnings are listed, and
figures the grounding check could not trace are marked in the text. The side-panel texts and the forecast
re-run live here too, so ``gradio_app`` only wires components.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
import time
import uuid
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
from shoplens.tools.artifacts import Table

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.agent.events import Answer

# tool -> (while running, when done)
STEP_LABELS = {
    "query_metric": ("Running SQL", "Ran SQL"),
    "run_sql": ("Running SQL", "Ran SQL"),
    "compare_periods": ("Comparing periods", "Compared periods"),
    "find_anomalies": ("Looking for unusual days", "Looked for unusual days"),
    "make_chart": ("Drawing a chart", "Drew a chart"),
    "forecast": ("Forecasting", "Forecast"),
    "review_insights": ("Reading reviews", "Read reviews"),
    "describe_data": ("Describing the data", "Described the data"),
    "explain_change": ("Explaining the change", "Explained the change"),
}
CHART_KINDS = {
    "stacked_bar": "stacked bars",
    "grouped_bar": "grouped bars",
    "hbar": "bars",
    "bar": "bars",
    "line": "line",
    "multi_line": "lines",
    "area": "area",
    "scatter": "scatter",
    "heatmap": "heatmap",
    "histogram": "histogram",
    "combo": "combo",
    "small_multiples": "small multiples",
    "forecast": "fan chart",
}
MODEL_CHOICES = [
    ("Auto (best by backtest)", "auto"),
    ("ARIMA", "arima"),
    ("Exponential smoothing (ETS)", "ets"),
    ("Seasonal naive", "naive"),
    ("LSTM", "lstm"),
    ("Ensemble", "ensemble"),
]
MODEL_LABELS = {v: k for k, v in MODEL_CHOICES}
FRACTION_COLUMNS = re.compile(r"^(share|share of .*|change %|.*\brate)$", re.I)  # 0.249 shown as 24.9%
TABLE_ROWS_SHOWN = 200
UNVERIFIED_TITLE = "Not found in any tool result: treat with caution"


def fmt_ms(ms: float) -> str:
    """38 ms, 950 ms, 1.2 s, 14 s."""
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s" if ms < 10_000 else f"{ms / 1000:.0f} s"


def step_title(event: StepStarted | StepFinished) -> str:
    """'Running SQL…' while a step runs; 'Ran SQL · 38 ms', 'Forecast · auto chose ARIMA · 9.5 s' when done."""
    tool = event.tool
    pending, done = STEP_LABELS.get(
        tool, (f"Running {tool.replace('_', ' ')}", tool.replace("_", " ").capitalize())
    )
    args = event.args or {}
    kind = CHART_KINDS.get(str(args.get("kind") or ""), "")
    if isinstance(event, StepStarted):
        return f"{pending}{' · ' + kind if kind and tool == 'make_chart' else ''}…"
    parts = [done]
    if tool == "make_chart" and kind:
        parts.append(kind)
    if tool == "forecast" and event.ok:
        chosen = forecast_model_name(event.summary)
        asked = str(args.get("model") or "auto")
        if asked == "auto" and chosen:
            parts.append(f"auto chose {chosen}")
        elif asked != "auto":
            parts.append(MODEL_LABELS.get(asked, chosen or asked))
        if args.get("horizon") and args.get("grain"):
            parts.append(f"{args['horizon']} {args['grain']}{'s' if int(args['horizon']) != 1 else ''}")
    if not event.ok:
        parts[0] = f"✗ {done} failed"
    parts.append(fmt_ms(event.elapsed_ms))
    return " · ".join(parts)


def forecast_model_name(summary: str) -> str | None:
    """The chosen model's family from the forecast summary line 'Model: ARIMA(0,0,0)(0,1,1)[52] with drift ...'."""
    m = re.search(r"^Model: (seasonal naive|weighted mean of|mean of|median of|[A-Za-z][A-Za-z-]*)", summary or "",
                  re.M)
    if not m:
        return None
    return "ensemble" if m.group(1).endswith(" of") else m.group(1)


def step_body(event: StepStarted | StepFinished) -> str:
    """Markdown inside a step: the arguments, the SQL that ran, the error when it failed."""
    args = {k: v for k, v in (event.args or {}).items() if v not in (None, [], {}, "")}
    lines: list[str] = []
    if args:
        lines += [
            "**Arguments**",
            "```json",
            json.dumps(args, indent=1, ensure_ascii=False, default=str),
            "```",
        ]
    if isinstance(event, StepFinished):
        for sql in event.sql:
            if sql:
                lines += ["**SQL**", "```sql", pretty_sql(sql), "```"]
        if event.error:
            lines.append(f"**Error:** {event.error}")
    return "\n".join(lines) or "_no arguments_"


def pretty_sql(sql: str) -> str:
    try:
        import sqlglot

        return sqlglot.transpile(sql, read="duckdb", write="duckdb", pretty=True)[0]
    except Exception:  # noqa: BLE001 - display only: show it as it ran
        return sql


def mark_unverified(text: str, figures: list[str]) -> str:
    """Highlight each figure the grounding check could not trace, so a reader sees which numbers to doubt."""
    for fig in sorted({f for f in figures if f}, key=len, reverse=True):
        pattern = re.compile(r"(?<![\w>])" + re.escape(fig) + r"(?![\w<])")
        text = pattern.sub(f'<mark title="{UNVERIFIED_TITLE}">{html.escape(fig)} ⚠</mark>', text)
    return text


# --- tables --------------------------------------------------------------------------------------------------
def table_frame(table: Table) -> pd.DataFrame:
    """A table for reading: thousands separators, shares as percentages, blanks for missing values."""
    import pandas as pd

    pct = {i for i, c in enumerate(table.columns) if FRACTION_COLUMNS.match(str(c).strip())}
    rows = [[cell_text(v, i in pct) for i, v in enumerate(r)] for r in table.rows[:TABLE_ROWS_SHOWN]]
    return pd.DataFrame(rows, columns=[str(c) for c in table.columns])


def table_html(table: Table) -> str:
    """A scrollable HTML table (every cell escaped): title, sticky header, numbers right-aligned.

    Gradio 6.31's chatbot breaks on the next update after a ``gr.Dataframe`` message (frontend error reading
    ``i18n_store``), so tables are HTML here and a ``gr.File`` next to them carries the CSV."""
    frame = table_frame(table)
    numeric = [
        any(isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in table.rows[:50])
        for i in range(len(table.columns))
    ]
    align = ['style="text-align:right"' if n else 'style="text-align:left"' for n in numeric]
    head = "".join(f"<th {a}>{html.escape(str(c))}</th>" for c, a in zip(frame.columns, align, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f"<td {a}>{html.escape(str(v))}</td>" for v, a in zip(row, align, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    shown, total = len(frame), table.total_rows or len(table.rows)
    note = f" · first {shown:,} of {total:,} rows (all in the CSV)" if total > shown else f" · {total:,} rows"
    return (
        f'<div class="sl-table"><div class="sl-table-title"><b>{html.escape(table.title)}</b>'
        f'<span class="sl-note">{note}</span></div>'
        f'<div class="sl-scroll" style="max-height:320px;overflow:auto">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>"
    )


def cell_text(value: Any, percent: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if percent and abs(value) <= 10:
            return f"{value * 100:,.1f}%"
        if abs(value) >= 1000 or (value == int(value) and value != 0):
            return f"{value:,.0f}"
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.2g}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    return text[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", text) else text


def slug(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "table"


class FileStore:
    """A private temporary folder for the downloads offered in the chat (table CSVs, chart copies named after
    their title). Files older than ``max_age_s`` are removed as new ones arrive; all of it at shutdown."""

    def __init__(self, max_age_s: float = 24 * 3600) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shoplens-ui-"))
        self.max_age_s = max_age_s
        self._pruned = time.monotonic()

    def _folder(self) -> Path:
        if time.monotonic() - self._pruned > 600:
            self._pruned = time.monotonic()
            self.prune()
        folder = self.root / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def prune(self) -> None:
        cutoff = time.time() - self.max_age_s
        for old in self.root.iterdir():
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                continue

    def table_csv(self, table: Table) -> Path:
        from shoplens.tools.charts.tool import csv_bytes

        path = self._folder() / f"{slug(table.title)}.csv"
        import pandas as pd

        path.write_bytes(csv_bytes(pd.DataFrame(table.rows, columns=[str(c) for c in table.columns])))
        return path

    def named_copy(self, path: str | Path, title: str) -> Path:
        """A copy of a chart file named after its title (monthly-revenue-by-channel.png), for downloads."""
        src = Path(path)
        dest = self._folder() / f"{slug(title)}{src.suffix}"
        shutil.copyfile(src, dest)
        return dest

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# --- one answer ------------------------------------------------------------------------------------------------
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
        gr = self._gr
        if isinstance(event, StepStarted | StepFinished):
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
        if isinstance(event, TextDelta):
            if not event.text:
                return False
            if self._text is None:
                self._text = len(self.messages)
                self._texts.append(self._text)
                self.messages.append(self._msg(""))
            msg = self.messages[self._text]
            msg.content = str(msg.content) + event.text
            return True
        self._text = None
        if isinstance(event, TableArtifact):
            self.messages.append(self._table(event.table))
            return True
        if isinstance(event, ChartArtifact):
            chart = event.chart
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
        if isinstance(event, Notice):
            line = f"> ⚠️ {event.message}"
            if self._notes is None:
                self._notes = len(self.messages)
                self.messages.append(self._msg(line))
            else:
                note = self.messages[self._notes]
                note.content = f"{note.content}\n>\n{line}"
            return True
        if isinstance(event, AnswerMeta):
            return self._meta(event)
        if isinstance(event, FinalAnswer):
            self.answer = event.answer
            mode = "LLM" if event.answer.mode == "llm" else "offline planner"
            if not self._texts and not event.answer.answer:
                self.messages.append(self._msg("_(no answer)_"))
            footer = self._msg(f"<sub>{mode} · {fmt_ms(event.answer.elapsed_ms)}</sub>")
            if self.choices:
                footer.options = [{"value": c, "label": c} for c in self.choices]
            self.messages.append(footer)
            return True
        return False

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


# --- side panel ----------------------------------------------------------------------------------------------
def status_light(status: dict[str, Any]) -> str:
    """One line: which brain answers, from what the last real model call saw (not from the configuration)."""
    llm = status.get("llm") or {}
    model = llm.get("model")
    state = llm.get("state")
    if state == "ok":
        took = (llm.get("last_call") or {}).get("seconds")
        return f"🟢 **LLM answering** · `{model}`" + (f" · last answer in {took:g} s" if took is not None else "")
    if state == "untested":
        return f"🟡 **LLM configured** · `{model}` — not asked yet; the offline planner steps in if it fails"
    if state == "down":
        why = str(llm.get("last_error") or "it failed")
        retry = llm.get("retry_in_s") or 0
        when = f"; trying it again in {retry} s" if retry else "; the next question tries it again"
        return f"🟠 **LLM unavailable** · `{model}` — {why}. The offline planner answers{when}."
    return "⚪ **Offline planner** · no language model configured (set `SHOPLENS_LLM_BASE_URL` to add one)"


def data_panel(status: dict[str, Any]) -> str:
    wh = status.get("warehouse") or {}
    tables = wh.get("tables") or {}
    lines = [
        f"**Data** {wh.get('first_date', '?')} → {wh.get('as_of', '?')}  ",
        f"**As of** {wh.get('as_of', '?')}",
        "",
        "| table | rows |",
        "|:--|--:|",
    ]
    lines += [f"| {name} | {int(n):,} |" for name, n in tables.items()]
    return "\n".join(lines)


def unavailable_text(exc: Any) -> str:
    """The chat's reply while the warehouse cannot answer (a job holds or replaces it)."""
    hint = f" {exc.hint}" if getattr(exc, "hint", None) else ""
    return f"⏳ **Not answered:** {exc.message}{hint} Ask again in about {int(exc.retry_after_s)} s."


def panel_error(exc: Exception) -> str:
    from shoplens.data.redact import redact_paths

    return f"🔴 **Warehouse unavailable** — {redact_paths(str(exc))}"
