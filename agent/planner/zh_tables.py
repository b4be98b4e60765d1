"""Answer tables for Chinese questions: the same rows under Chinese headers and a Chinese title.

Headers take the Chinese labels of the semantic layer's metrics and dimensions and the ``columns`` names in
``prompts/zh_answers.yaml`` (the file the Chinese answers are worded from); a period header such as 'April 2026'
becomes 2026年4月. Cells keep the warehouse's values, so a table still matches its data and its CSV. A header with
no Chinese name stays as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from shoplens.agent.planner import zh_wording as zw
from shoplens.tools.artifacts import Table
from shoplens.tools.formatting import format_date

_MONTH_YEAR = re.compile(r"^([A-Z][a-z]+) (\d{4})$")
_MONTHS = {dt.date(2000, m, 1).strftime("%B"): m for m in range(1, 13)}


def header_names(semantic: Any) -> dict[str, str]:
    """English header (a metric's or dimension's label or name, or a fixed column) -> its Chinese name."""
    names = zw.answers()
    out = {str(k): str(v) for k, v in (names.get("columns") or {}).items()}
    for kind, items in (("metrics", semantic.metrics), ("dimensions", semantic.dimensions)):
        for key, item in items.items():
            zh = names[kind].get(key)
            if zh:
                out.setdefault(str(item.label), str(zh))
                out.setdefault(str(key), str(zh))
    return out


def header_zh(header: str, names: Mapping[str, str]) -> str:
    if header in names:
        return names[header]
    m = _MONTH_YEAR.match(header)
    if m and m.group(1) in _MONTHS:
        return format_date(dt.date(int(m.group(2)), _MONTHS[m.group(1)], 1), "month", lang="zh")
    return header


def title_zh(table: Table, facts: Mapping[str, Any]) -> str:
    """The answer's own title in Chinese (metric, split, filters and period), for the table the facts describe."""
    label = zw.metric_zh(facts.get("metric"), str(facts.get("label") or ""))
    if not label:
        return table.title
    by = facts.get("group_by") or [facts.get("by") or facts.get("dimension")]
    dims = [zw.dim_zh(d) for d in by if d]
    period = zw.period_zh(facts.get("period"))
    if period and facts.get("compare_period"):
        period = f"{period}与{zw.period_zh(facts['compare_period'])}"
    bits = [b for b in (zw.filters_zh(facts.get("filters")), period) if b]
    return label + (f"（按{'、'.join(dims)}）" if dims else "") + (f"：{'，'.join(bits)}" if bits else "")


def table_zh(table: Table, facts: Mapping[str, Any], names: Mapping[str, str], *, first: bool) -> Table:
    """``table`` with Chinese headers; the answer's first table also gets a Chinese title."""
    return Table(title=title_zh(table, facts) if first else table.title,
                 columns=[header_zh(str(c), names) for c in table.columns], rows=table.rows,
                 total_rows=table.total_rows, csv_path=table.csv_path)
