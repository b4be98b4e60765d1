"""Tables in the chat: formatted for reading (thousands separators, shares as percentages) and drawn as escaped,
scrollable HTML."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from shoplens.tools.artifacts import Table
from shoplens.tools.formatting import FRACTION_COLUMN as FRACTION_COLUMNS  # noqa: F401  (re-exported by ui_helpers)
from shoplens.tools.formatting import fraction_column  # 0.249 shown as 24.9% (Share, 占比, 退货率)

if TYPE_CHECKING:
    import pandas as pd

TABLE_ROWS_SHOWN = 200


def table_frame(table: Table) -> pd.DataFrame:
    """A table for reading: thousands separators, shares as percentages, blanks for missing values."""
    import pandas as pd

    pct = {i for i, c in enumerate(table.columns) if fraction_column(c)}
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
