"""The ``chart`` tool: draw a query result as a deck-ready chart and keep the numbers next to it.

Every chart is three files under ``charts_dir`` named by an id: ``<id>.png`` for chat and Slack, ``<id>.csv``
with exactly the plotted rows, and ``<id>.json`` with the resolved spec, so each chart can be checked against its
numbers. The id is a keyed hash (a random per-process key) of the chart's content, so names reveal nothing about
the question or the data, and the same chart asked for again reuses its files instead of drawing and writing
them again. Files are written to a temporary name and renamed, so a reader never sees a half-written chart; the
PNG is written last. Drawing happens in the ``ChartRenderer`` (in process, or a process pool on a server, with a
cache); the folder is kept within its age and size limits (``store.Retention``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import DataError, UserInputError
from shoplens.tools.artifacts import Chart, Period, ToolOutput, jsonable
from shoplens.tools.charts.renderer import ChartRenderer, local_renderer
from shoplens.tools.charts.spec import ChartSpec
from shoplens.tools.charts.store import Retention, maybe_prune
from shoplens.tools.explain import explain_facts, explain_text
from shoplens.tools.formatting import format_date, format_value

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.tools.charts.render import Rendered
    from shoplens.tools.charts.renderer import Drawn

CHART_ID = re.compile(r"^[0-9a-f]{32}$")
_ID_KEY = secrets.token_bytes(32)  # chart ids cannot be guessed from their content, nor linked across restarts
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class ChartTool:
    """Draw a chart of a result table and save it as PNG + CSV (the plotted numbers) + JSON (the spec).

    Describe the chart with a spec: kind (line, multi_line, area, bar, hbar, stacked_bar, grouped_bar, scatter,
    histogram, heatmap, combo, small_multiples, forecast, or auto), x, y (measures), series, facets, sort, top_n,
    title, subtitle, units per measure, events to mark. Returns the chart, a short explanation and its facts.
    """

    name = "chart"

    @classmethod
    def from_context(cls, ctx: Any) -> ChartTool:
        return cls(ctx.charts_dir, ctx.as_of, renderer=ctx.renderer, retention=ctx.retention)

    def __init__(
        self,
        charts_dir: Path,
        as_of: dt.date | None = None,
        *,
        source: str = "ShopLens warehouse",
        renderer: ChartRenderer | None = None,
        retention: Retention | None = None,
    ) -> None:
        self.charts_dir = Path(charts_dir)
        self.as_of = as_of
        self.source = source
        self.renderer = renderer or local_renderer()
        self.retention = retention or Retention()

    def render(
        self,
        spec: ChartSpec | dict[str, Any],
        df: pd.DataFrame,
        *,
        title: str | None = None,
        subtitle: str | None = None,
        explanation: str | None = None,
        facts: dict[str, Any] | None = None,
        metric_label: str | None = None,
        period_label: str | None = None,
        filters_text: str | None = None,
        previous: Any = None,
        last_year: Any = None,
        period: Period | None = None,
    ) -> ToolOutput:
        """Render ``df`` as ``spec`` says and save the three files.

        ``facts``/``explanation`` from the caller (e.g. the forecast tool) are used as given; otherwise they are
        computed from the plotted data (``previous``/``last_year`` add the comparisons, see ``explain_facts``).
        """
        spec = ChartSpec.from_dict(spec) if isinstance(spec, dict) else spec
        overrides = {k: v for k, v in (("title", title), ("subtitle", subtitle)) if v}
        if period_label and not spec.period_label:
            overrides["period_label"] = period_label
        if overrides:
            spec = spec.replace(**overrides)
        rendered = self.renderer.draw(spec, df, as_of=self.as_of, source=self.source)
        png = rendered.png
        rs = rendered.spec
        if facts is None:
            facts = chart_facts(rendered, previous=previous, last_year=last_year)
        if explanation is None:
            explanation = _explain(rs, facts, metric_label, period_label, filters_text)
        chart_id = _chart_id(rendered.key, spec.kind, explanation, rendered.warnings)
        png_path = self.charts_dir / f"{chart_id}.png"
        csv_path = self.charts_dir / f"{chart_id}.csv"
        json_path = self.charts_dir / f"{chart_id}.json"
        meta = {
            "id": chart_id,
            "spec": rs.to_dict(),
            "requested_kind": spec.kind,
            "as_of": self.as_of,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "columns": [str(c) for c in rendered.data.columns],
            "rows": len(rendered.data),
            "explanation": explanation,
            "warnings": rendered.warnings,
        }
        try:  # CSV and JSON first: once the PNG exists, so do its numbers and spec
            if _reuse(png_path, csv_path, json_path):
                pass  # the same chart was drawn before: its files are there
            else:
                self.charts_dir.mkdir(parents=True, exist_ok=True)
                _atomic_write(csv_path, csv_bytes(rendered.data))
                _atomic_write(json_path, json.dumps(jsonable(meta), indent=2, ensure_ascii=False).encode())
                _atomic_write(png_path, png)
                maybe_prune(self.charts_dir, self.retention)
        except OSError as exc:
            raise DataError(
                f"Could not save the chart in {self.charts_dir}: {exc.strerror or exc}.",
                hint="Check that the charts folder exists and is writable (setting charts_dir).",
            ) from None
        chart = Chart(
            title=rs.title,
            path=str(png_path),
            spec=jsonable(rs.to_dict()),
            data=str(csv_path),
            chart_id=chart_id,
            explanation=explanation,
        )
        return ToolOutput(
            summary=_summary(chart, rs, rendered),
            charts=[chart],
            facts=facts,
            warnings=list(rendered.warnings),
            period=period,
        )

    def files(self, chart_id: str) -> dict[str, Path]:
        """The PNG, CSV and JSON of a chart by id (for front ends serving charts); refuses anything but an id."""
        if not isinstance(chart_id, str) or not CHART_ID.match(chart_id):
            raise UserInputError(f"{chart_id!r} is not a chart id (32 hex characters).")
        paths = {ext: self.charts_dir / f"{chart_id}.{ext}" for ext in ("png", "csv", "json")}
        if not paths["png"].exists():
            raise UserInputError(f"No chart with id {chart_id}.")
        return paths


def _chart_id(key: str | None, kind: str, explanation: str, warnings: list[str]) -> str:
    """The same content (picture, numbers, explanation) gets the same id; anything else a fresh random one."""
    if key is None:
        return uuid.uuid4().hex
    text = json.dumps([key, kind, explanation, warnings], default=str).encode()
    return hmac.new(_ID_KEY, text, hashlib.sha256).hexdigest()[:32]


def _reuse(*paths: Path) -> bool:
    """All of a chart's files exist: mark them as just used (retention removes the least recently used first)."""
    if not all(p.exists() for p in paths):
        return False
    try:
        for p in paths:
            os.utime(p)
    except OSError:
        return False
    return True


def chart_facts(rendered: Rendered | Drawn, *, previous: Any = None, last_year: Any = None) -> dict[str, Any]:
    """Facts about the plotted data, shaped by the chart kind."""
    import numpy as np

    s, df = rendered.spec, rendered.data
    kind = s.kind
    facts: dict[str, Any] = {"chart": {"kind": kind, "rows": len(df)}}
    if kind == "forecast" or not s.y:
        return facts
    m, unit = s.y[0], s.unit(s.y[0])
    if kind == "scatter":
        x, y = df[s.x].to_numpy(dtype=float), df[m].to_numpy(dtype=float)
        r = float(np.corrcoef(x, y)[0, 1]) if len(df) > 2 and np.std(x) > 0 and np.std(y) > 0 else None
        facts.update({"metric": m, "x": s.x, "points": len(df), "correlation": r})
        return facts
    if kind == "histogram":
        v = df[m].to_numpy(dtype=float)
        q = np.percentile(v, [10, 50, 90])
        facts.update(
            {
                "metric": m,
                "unit": unit,
                "count": len(v),
                "mean": float(v.mean()),
                "median": float(q[1]),
                "p10": float(q[0]),
                "p90": float(q[2]),
                "min": float(v.min()),
                "max": float(v.max()),
            }
        )
        return facts
    from shoplens.tools.charts.data import is_time

    time_col = s.x if s.x and is_time(df[s.x]) else None
    dimension = (None if time_col else s.x) or s.series or s.facets
    facts.update(
        explain_facts(
            df, m, unit=unit, time_col=time_col, dimension=dimension, previous=previous, last_year=last_year
        )
    )
    return facts


def _explain(
    s: ChartSpec,
    facts: dict[str, Any],
    metric_label: str | None,
    period_label: str | None,
    filters_text: str | None,
) -> str:
    if "value" not in facts:
        if facts.get("chart", {}).get("kind") == "histogram" and "median" in facts:
            u = facts.get("unit", "number")
            return (
                f"Across {facts['count']:,} values the median {s.label_of(s.y[0]).lower()} is "
                f"{format_value(facts['median'], u)}; 80% lie between {format_value(facts['p10'], u)} and "
                f"{format_value(facts['p90'], u)}."
            )
        if facts.get("correlation") is not None:
            r = facts["correlation"]
            strength = "strongly" if abs(r) >= 0.7 else "moderately" if abs(r) >= 0.4 else "weakly"
            return (
                f"Across {facts['points']} points, {s.label_of(s.y[0]).lower()} and {s.label_of(s.x).lower()} "
                f"are {strength} {'positively' if r > 0 else 'negatively'} correlated (r = {r:.2f})."
            )
        return ""
    filters = (
        filters_text
        if filters_text is not None
        else "; ".join(f"{s.label_of(k)}: {', '.join(v)}" for k, v in s.filters.items() if v)
    )
    period = period_label if period_label is not None else s.period_label
    if not period and facts.get("start") and facts.get("end"):
        g = facts.get("grain", "day")
        g = "day" if g == "week" else g
        a, b = format_date(facts["start"], g), format_date(facts["end"], g)
        period = a if a == b else f"{a} – {b}"
    return explain_text(facts, metric_label or s.label_of(s.y[0]), period, filters, s.unit(s.y[0]))


def _summary(chart: Chart, s: ChartSpec, rendered: Drawn) -> str:
    head = f"Chart {chart.chart_id} ({s.kind}): {chart.title}"
    if s.subtitle:
        head += f" — {s.subtitle}"
    lines = [head + f". {len(rendered.data)} rows plotted (CSV saved with the chart)."]
    if chart.explanation:
        lines.append(chart.explanation)
    if rendered.warnings:
        lines.append("Note: " + " ".join(rendered.warnings))
    return "\n".join(lines)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV of the plotted rows. Text cells that a spreadsheet would run as a formula get a leading quote."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):  # pandas 3: str
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_CSV_FORMULA) else v
            )
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            ts = out[col]
            if (ts.dropna() == ts.dropna().dt.normalize()).all():
                out[col] = ts.dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n").encode()


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
