"""Charts the offline planner adds to answers that are not a plain metric query: current vs previous period by a
dimension (grouped bars), unusual days against what was expected (lines with annotations) and the contributions
behind a change (horizontal bars). Each builder returns (charts, warnings) from the chart tool."""

from __future__ import annotations

from typing import Any

from shoplens.tools.artifacts import Period, ToolOutput

CONTRIBUTOR_BARS = 10


def charts_output(charts: list[Any], warnings: list[str]) -> ToolOutput:
    return ToolOutput(summary="; ".join(c.path for c in charts), charts=charts, warnings=warnings)


def compare_chart(
    tool: Any, sem: Any, facts: dict[str, Any], by: str, rows: list[list[Any]]
) -> tuple[list[Any], list[str]]:
    import pandas as pd

    from shoplens.tools.charts.query import as_charts

    cur, prev = facts["period"]["label"], facts["compare_period"]["label"]
    metric = facts["metric"]
    data = pd.DataFrame(
        [[r[0], prev, r[2]] for r in rows] + [[r[0], cur, r[1]] for r in rows], columns=[by, "period", metric]
    )
    spec = {
        "kind": "grouped_bar",
        "x": by,
        "y": [metric],
        "series": "period",
        "sort": "none",
        "units": {metric: facts["unit"]},
        "labels": {metric: facts["label"], by: sem.dimension(by).label, "period": ""},
        "title": f"{facts['label']} by {sem.dimension(by).label.lower()}: {cur} vs {prev}",
        "filters": facts.get("filters") or {},
    }
    return as_charts(tool.render(spec, data))


def anomaly_chart(
    tool: Any, sem: Any, det: Any, facts: dict[str, Any], period: Period
) -> tuple[list[Any], list[str]]:
    from shoplens.tools.charts.query import as_charts

    metric, label, unit = facts["metric"], facts["label"], facts["unit"]
    frame = det.frame
    grain = facts["grain"]
    notes = [
        {
            "x": a["date"],
            "text": f"{_short(a['date'], grain)}: {a['change_pct'] * 100:+.0f}%"
            + (f" ({a['by']})" if a.get("by") else ""),
        }
        for a in (facts.get("anomalies") or [])[:5]
    ]
    if det.by:
        data = frame[["period", det.by, "value"]].rename(columns={"value": metric})
        spec = {"kind": "multi_line", "x": "period", "y": [metric], "series": det.by}
        if not det.anomalies:
            notes = []
        else:
            for n, a in zip(notes, facts["anomalies"][:5], strict=False):
                n["y"] = a["value"]
    else:
        data = frame[["period", "value", "expected"]].rename(columns={"value": metric})
        spec = {"kind": "multi_line", "x": "period", "y": [metric, "expected"]}
    spec |= {
        "units": {metric: unit, "expected": unit},
        "annotations": notes,
        "annotate_peak": False,
        "labels": {metric: label, "expected": "Expected (normal for that day)", "period": "Date"},
        "title": f"Unusual {grain}s: {label.lower()}",
        "period_label": period.label,
        "filters": facts.get("filters") or {},
    }
    return as_charts(tool.render(spec, data))


def drivers_chart(tool: Any, sem: Any, facts: dict[str, Any], out: ToolOutput) -> tuple[list[Any], list[str]]:
    import pandas as pd

    from shoplens.tools.charts.query import as_charts

    dim = facts["dimension"]
    table = out.tables[0]
    rows = [[r[0], r[3]] for r in table.rows[:CONTRIBUTOR_BARS] if r[3] is not None]
    data = pd.DataFrame(rows, columns=[dim, "change"])
    unit = facts["unit"]
    spec = {
        "kind": "hbar",
        "x": dim,
        "y": ["change"],
        "sort": "asc" if facts.get("change_abs", 0) < 0 else "desc",
        "units": {"change": unit},
        "labels": {"change": f"Change in {facts['label'].lower()}", dim: sem.dimension(dim).label},
        "title": f"What moved {facts['label'].lower()}: by {sem.dimension(dim).label.lower()}",
        "period_label": f"{facts['compare_period']['label']} → {facts['period']['label']}",
        "filters": facts.get("filters") or {},
        "annotate_peak": False,
    }
    return as_charts(tool.render(spec, data))


def _short(iso: str, grain: str) -> str:
    import datetime as dt

    d = dt.date.fromisoformat(iso)
    return f"{d:%b} {d.day}" if grain != "month" else f"{d:%b %Y}"
