"""Describe the warehouse: tables and row counts, the period the data covers, and the metrics, dimensions and
calendar events the semantic layer offers. The first call for anyone (or any model) new to the data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shoplens.tools.artifacts import Period, Table, ToolOutput
from shoplens.tools.formatting import format_date
from shoplens.tools.metric_query import data_start, period_label
from shoplens.tools.requests import NoArgs

if TYPE_CHECKING:
    from shoplens.tools.context import ToolContext

MAX_VALUES = 8


class DescribeDataTool:
    """List what the warehouse holds: tables with row counts, the date range, the metrics and dimensions you can
    ask about (with their values) and the calendar events known by name. Call it when unsure which metric,
    dimension or value to use."""

    name = "describe_data"
    Request = NoArgs

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def call(self, req: NoArgs) -> ToolOutput:
        return self.run()

    def run(self) -> ToolOutput:
        runner, sem = self.ctx.runner, self.ctx.semantic
        tables = list(runner.catalog)
        sql = " UNION ALL ".join(
            f"SELECT '{t}' AS table_name, count(*) AS row_count FROM \"{t}\"" for t in tables
        )
        res = runner.run(sql)
        counts = {t: int(n) for t, n in res.rows}
        first, last = data_start(self.ctx), self.ctx.as_of
        period = Period(first, last, period_label(first, last))
        metrics = [
            {"name": m.name, "label": m.label, "unit": m.unit, "description": m.description}
            for m in sem.metrics.values() if not m.ad_hoc
        ]
        dims = [
            {"name": d.name, "label": d.label, "count": len(d.values), "examples": d.values[:MAX_VALUES]}
            for d in sem.dimensions.values()
        ]
        facts: dict[str, Any] = {
            "kind": "describe",
            "period": period.to_dict(),
            "tables": counts,
            "metrics": [m["name"] for m in metrics],
            "dimensions": {d["name"]: d["count"] for d in dims},
            "events": [e.label for e in sem.events],
            "hidden_metrics": dict(sem.hidden),
        }
        summary = [
            f"Data from {format_date(first)} to {format_date(last)} (as of {last.isoformat()}).",
            "Tables: " + ", ".join(f"{t} ({n:,} rows)" for t, n in counts.items()) + ".",
            "Metrics: " + ", ".join(f"{m['name']} ({m['unit']})" for m in metrics) + ".",
            "Dimensions: "
            + "; ".join(
                f"{d['name']} ({d['count']} values, e.g. {', '.join(d['examples'][:3])})"
                if d["examples"]
                else d["name"]
                for d in dims
            )
            + ".",
            "Calendar events: " + ", ".join(facts["events"]) + ".",
        ]
        if sem.hidden:
            summary.append(
                "Unavailable here: " + "; ".join(f"{k} ({v})" for k, v in sem.hidden.items()) + "."
            )
        out_tables = [
            Table("Tables", ["Table", "Rows"], [[t, n] for t, n in counts.items()]),
            Table(
                "Metrics",
                ["Metric", "Label", "Unit", "Meaning"],
                [[m["name"], m["label"], m["unit"], m["description"]] for m in metrics],
            ),
            Table(
                "Dimensions",
                ["Dimension", "Label", "Values", "Examples"],
                [[d["name"], d["label"], d["count"], ", ".join(d["examples"])] for d in dims],
            ),
        ]
        return ToolOutput(
            summary="\n".join(summary), tables=out_tables, sql=[res.sql], facts=facts, period=period
        )
