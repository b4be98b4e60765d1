"""Compiles a metric request (metric, dimensions, filters, period, grain) into SQL via the semantic layer.

Every figure ShopLens reports without an LLM comes from SQL built here, so it is shown to the user verbatim.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from shoplens.data.errors import UserInputError
from shoplens.data.semantic import Metric, SemanticLayer, Source

GRAINS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}


@dataclass
class MetricQuery:
    metric: str
    group_by: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive
    grain: str | None = None
    also: list[str] = field(default_factory=list)  # extra metrics (dual axis, scatter)
    order: str | None = None  # "desc" | "asc" (by the first metric) | "period"; default: period, else desc
    limit: int | None = None

    @property
    def metrics(self) -> list[str]:
        return [self.metric, *[m for m in self.also if m != self.metric]]


def quote(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def _missing_table(label: str, table: str) -> UserInputError:
    return UserInputError(
        f"{label} needs the {table} table, which this warehouse does not have.",
        hint=f"Import {table} (see docs/import.md) or ask without {label.lower()}.",
    )


def _aliases(sql: str, source: Source) -> list[str]:
    return [a for a in source.joins if re.search(rf"\b{re.escape(a)}\.", sql)]


def _source_select(q: MetricQuery, semantic: SemanticLayer, source: Source, metrics: list[Metric],
                   order_limit: bool) -> str:
    keys: list[str] = []
    select: list[str] = []
    where: list[str] = []
    if q.grain:
        if q.grain not in GRAINS:
            raise UserInputError(f"Unknown grain '{q.grain}'.", hint=f"Use one of: {', '.join(GRAINS)}.")
        expr = f"CAST({source.time} AS DATE)" if q.grain == "day" else f"CAST(date_trunc('{q.grain}', {source.time}) AS DATE)"
        select.append(f"{expr} AS period")
        keys.append("period")
    for name in q.group_by:
        dim = semantic.dimension(name)
        col = dim.column_for(source)
        if col is None and source.name in dim.missing:
            raise _missing_table(dim.label, dim.missing[source.name])
        if col is None:
            raise UserInputError(
                f"'{dim.label}' cannot break down {', '.join(m.label for m in metrics)}.",
                hint=f"{', '.join(m.label for m in metrics)} can be split by: "
                + ", ".join(d for d, dd in semantic.dimensions.items() if dd.column_for(source)) + ".",
            )
        if dim.ids:  # identifiers are labels, never numbers to plot or sum: 15671, not 15,671.0
            select.append(f"regexp_replace(CAST({col} AS VARCHAR), '\\.0$', '') AS {name}")
            where.append(f"{col} IS NOT NULL")  # a split by customer leaves out orders with no customer
        else:
            select.append(f"{col} AS {name}")
        keys.append(name)
    if q.start:
        where.append(f"{source.time} >= DATE '{q.start.isoformat()}'")
    if q.end:
        where.append(f"{source.time} <= DATE '{q.end.isoformat()}'")
    for name, values in q.filters.items():
        if not values:
            continue
        dim = semantic.dimension(name)
        col = dim.column_for(source)
        if col is None and source.name in dim.missing:
            raise _missing_table(dim.label, dim.missing[source.name])
        if col is None:
            raise UserInputError(
                f"{', '.join(m.label for m in metrics)} cannot be filtered by {dim.label.lower()}.",
                hint="Drop that filter or ask for a metric that has it (e.g. revenue by "
                + dim.label.lower() + ").",
            )
        where.append(f"{col} IN ({', '.join(quote(v) for v in values)})")
    for m in metrics:
        select.append(f"{m.sql} AS {m.name}")
    body = " ".join([*select, *where])
    joins = " ".join(source.joins[a] for a in _aliases(body, source))
    sql = f"SELECT {', '.join(select)} FROM {source.from_sql}"
    if joins:
        sql += f" {joins}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if keys:
        # Group by position: an alias such as `region` would be ambiguous once customers (c.region) is joined.
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    if order_limit:
        sql += _order_limit(q, keys, metrics[0].name)
    return sql


def _order_limit(q: MetricQuery, keys: list[str], first_metric: str) -> str:
    order = q.order or ("period" if q.grain else "desc")
    out = ""
    if order == "period" and q.grain:
        out = " ORDER BY " + ", ".join(keys)
    elif order in ("desc", "asc") and keys:
        out = f" ORDER BY {first_metric} {order.upper()} NULLS LAST, " + ", ".join(keys)
    if q.limit:
        out += f" LIMIT {int(q.limit)}"
    return out


def compile_query(q: MetricQuery, semantic: SemanticLayer) -> str:
    """SQL for ``q``. Columns: ``period`` (if grain), each group_by dimension, then each metric by name."""
    if q.start and q.end and q.start > q.end:
        raise UserInputError(f"The period starts ({q.start}) after it ends ({q.end}).", hint="Swap the dates.")
    wanted = [semantic.metric(name) for name in q.metrics]
    # Expand derived metrics into their parts, grouped by source.
    parts: dict[str, list[Metric]] = {}
    for m in wanted:
        for base in ([semantic.raw_metric(p) for p in semantic.derived_parts(m)] if m.is_derived else [m]):
            bucket = parts.setdefault(base.source or "", [])
            if base not in bucket:
                bucket.append(base)
    if len(parts) == 1 and not any(m.is_derived for m in wanted):
        (src_name, metrics), = parts.items()
        return _source_select(q, semantic, semantic.sources[src_name], metrics, order_limit=True)
    keys = (["period"] if q.grain else []) + list(q.group_by)
    ctes = [
        f"s_{name} AS ({_source_select(q, semantic, semantic.sources[name], ms, order_limit=False)})"
        for name, ms in parts.items()
    ]
    names = list(parts)
    from_sql = f"s_{names[0]}"
    for other in names[1:]:
        from_sql += f" FULL OUTER JOIN s_{other} USING ({', '.join(keys)})" if keys else f" CROSS JOIN s_{other}"
    cols = list(keys)
    for m in wanted:
        cols.append(f"{m.derived} AS {m.name}" if m.is_derived else m.name)
    sql = f"WITH {', '.join(ctes)} SELECT {', '.join(cols)} FROM {from_sql}"
    return sql + _order_limit(q, keys, wanted[0].name)
