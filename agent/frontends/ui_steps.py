"""How a tool step reads in the chat: its title ('Ran SQL · 38 ms', 'Forecast · auto chose ARIMA · 9.5 s'), its body
(arguments, the SQL that ran, the error) and the marking of figures the grounding check could not trace."""

from __future__ import annotations

import html
import json
import re

from shoplens.agent.events import StepFinished, StepStarted

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
