"""Run one read-only SQL query (SELECT / WITH) on the warehouse through the locked-down runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shoplens.tools.artifacts import Table, ToolOutput, jsonable
from shoplens.tools.requests import SqlRequest

if TYPE_CHECKING:
    from shoplens.tools.context import ToolContext

MODEL_ROWS = 20  # rows a model sees; people get the whole table
TABLE_ROWS = 1000


class RunSqlTool:
    """Run one read-only DuckDB SELECT on the warehouse tables (orders, order_items, products, customers, reviews,
    web_traffic, campaigns, marketing_spend) when no metric tool fits. Revenue means SUM(order_items.revenue) over
    orders with status = 'completed'. Returns the first rows (at most 10,000 come back)."""

    name = "run_sql"
    Request = SqlRequest

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def call(self, req: SqlRequest) -> ToolOutput:
        return self.run(req.sql)

    def run(self, sql: str) -> ToolOutput:
        res = self.ctx.runner.run(sql)
        df = res.df
        head = df.head(MODEL_ROWS)
        lines = [
            f"{res.row_count:,} row(s){' (truncated at the row cap)' if res.truncated else ''}; "
            f"columns: {', '.join(res.columns)}."
        ]
        if len(df):
            lines.append(head.to_string(index=False, max_colwidth=60))
        if res.row_count > MODEL_ROWS:
            lines.append(f"... {res.row_count - MODEL_ROWS:,} more row(s) not shown.")
        facts: dict[str, Any] = {
            "columns": res.columns,
            "row_count": res.row_count,
            "truncated": res.truncated,
            "rows": [[jsonable(v) for v in r] for r in head.itertuples(index=False, name=None)],
        }
        warnings = [f"Only the first {res.row_count:,} rows came back (row cap)."] if res.truncated else []
        return ToolOutput(
            summary="\n".join(lines),
            tables=[Table.from_df("Query result", df, max_rows=TABLE_ROWS)],
            sql=[res.sql],
            facts=facts,
            warnings=warnings,
        )
