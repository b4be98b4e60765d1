"""Compare a metric between two periods (this month vs last, a period vs the same period last year, or any two),
optionally split by a dimension to show which values moved it.

Both periods (and the split) come from one SQL statement: the rows are tagged 'current'/'previous' by date and
aggregated with GROUPING SETS, so the totals and the per-value figures are consistent by construction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.artifacts import Period, Table, ToolOutput
from shoplens.tools.formatting import format_signed, format_value
from shoplens.tools.metric_query import as_period, clean_filters, filters_text, is_additive, label_value, num
from shoplens.tools.query import MetricQuery, compile_query, quote
from shoplens.tools.requests import CompareRequest

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.tools.context import ToolContext

MAX_CONTRIBUTORS = 10


def _between(col: str, p: Period) -> str:
    return f"{col} BETWEEN DATE '{p.start.isoformat()}' AND DATE '{p.end.isoformat()}'"


def split_sql(
    sem: SemanticLayer,
    metrics: Sequence[str],
    periods: Sequence[tuple[str, Period]],
    filters: Mapping[str, list[str]],
    dims: Sequence[str],
) -> str:
    """One statement giving each metric per period ('which') in total and per value of each dimension.

    Columns: which, each dimension, g_<dimension> (1 on rows that are not split by it), the metrics, then
    n_rows (source rows aggregated; absent for metrics spanning several sources)."""
    ms = [sem.metric(m) for m in metrics]
    for (_, a), (_, b) in ((x, y) for i, x in enumerate(periods) for y in periods[i + 1 :]):
        if a.start <= b.end and b.start <= a.end:
            raise UserInputError(
                f"The periods overlap ({a.label} and {b.label}), so they cannot be compared.",
                hint="Pick two separate periods, e.g. this month vs last month.",
            )
    sources = {s for m in ms for s in sem.metric_source_names(m)}
    if len(sources) > 1 or any(m.is_derived for m in ms):
        return _split_sql_union(sem, metrics, periods, filters, dims)
    source = sem.sources[sources.pop()]
    case = " ".join(f"WHEN {_between(source.time, p)} THEN {quote(name)}" for name, p in periods)
    select = [f"CASE {case} END AS which"]
    cols: list[str] = []
    for d in dims:
        dim = sem.dimension(d)
        col = dim.column_for(source)
        if col is None:
            raise UserInputError(
                f"{', '.join(m.label for m in ms)} cannot be split by {dim.label.lower()}.",
                hint="It can be split by: "
                + ", ".join(n for n, dd in sem.dimensions.items() if dd.column_for(source))
                + ".",
            )
        select.append(f"{col} AS {d}")
        cols.append(col)
    # Group by the column expressions, not the aliases: 'channel' or 'region' exist in two joined tables.
    select += [f"GROUPING({c}) AS g_{d}" for c, d in zip(cols, dims, strict=True)]
    select += [f"{m.sql} AS {m.name}" for m in ms]
    select.append("COUNT(*) AS n_rows")  # source rows behind each figure: a noise scale for drivers
    where = ["(" + " OR ".join(_between(source.time, p) for _, p in periods) + ")"]
    for name, values in filters.items():
        dim = sem.dimension(name)
        col = dim.column_for(source)
        if col is None:
            raise UserInputError(
                f"{', '.join(m.label for m in ms)} cannot be filtered by {dim.label.lower()}.",
                hint="Drop that filter or ask for a metric that has it.",
            )
        where.append(f"{col} IN ({', '.join(quote(v) for v in values)})")
    body = " ".join(select + where)
    joins = " ".join(source.joins[a] for a in source.joins if re.search(rf"\b{re.escape(a)}\.", body))
    sets = ", ".join(["(which)", *[f"(which, {c})" for c in cols]])
    group = f"GROUPING SETS ({sets})" if dims else "which"
    return (
        f"SELECT {', '.join(select)} FROM {source.from_sql}{' ' + joins if joins else ''} "
        f"WHERE {' AND '.join(where)} GROUP BY {group} ORDER BY which"
    )


def _split_sql_union(
    sem: SemanticLayer,
    metrics: Sequence[str],
    periods: Sequence[tuple[str, Period]],
    filters: Mapping[str, list[str]],
    dims: Sequence[str],
) -> str:
    """Metrics from several sources (e.g. ROAS): one query-builder statement per period and split."""
    parts = []
    for name, p in periods:
        for split in [None, *dims]:
            q = MetricQuery(
                metric=metrics[0],
                also=list(metrics[1:]),
                group_by=[split] if split else [],
                filters=dict(filters),
                start=p.start,
                end=p.end,
                order="none",
            )
            flags = ", ".join(f"{0 if d == split else 1} AS g_{d}" for d in dims)
            parts.append(
                f"SELECT {quote(name)} AS which{', ' + flags if flags else ''}, * "
                f"FROM ({compile_query(q, sem)})"
            )
    return " UNION ALL BY NAME ".join(parts)


Cell = dict[str, float | None]  # metric (and n_rows) -> value, for one period


def parse_split(
    df: pd.DataFrame, dims: Sequence[str], columns: Sequence[str]
) -> tuple[dict[str, Cell], dict[str, dict[str, dict[str, Cell]]]]:
    """A split_sql result as plain dicts: totals[which][column] and by[dim][value label][which][column]."""
    tot: dict[str, Cell] = {}
    by: dict[str, dict[str, dict[str, Cell]]] = {d: {} for d in dims}
    cols = [c for c in columns if c in df.columns]
    for rec in df.to_dict("records"):
        cell = {c: num(rec[c]) for c in cols}
        split = next((d for d in dims if rec.get(f"g_{d}") == 0), None)
        if split is None:
            tot[rec["which"]] = cell
        else:
            by[split].setdefault(label_value(rec[split], split), {})[rec["which"]] = cell
    return tot, by


def per_value(by: dict[str, dict[str, Cell]], metric: str, additive: bool = True) -> list[list[Any]]:
    """[[label, current, previous, delta, pct], ...] ordered by |delta| (largest first). For additive metrics a
    value absent in one period counts as 0 there; for rates and averages its change is unknown (None)."""
    rows = []
    for label, cells in by.items():
        cur = cells.get("current", {}).get(metric)
        prev = cells.get("previous", {}).get(metric)
        if additive:
            delta = None if cur is None and prev is None else (cur or 0.0) - (prev or 0.0)
            pct = change_pct(cur or 0.0, prev)
        else:
            delta = None if cur is None or prev is None else cur - prev
            pct = change_pct(cur, prev)
        rows.append([label, cur, prev, delta, pct])
    rows.sort(key=lambda r: -abs(r[3]) if r[3] is not None else 1.0)
    return rows


def change_pct(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


class ComparePeriodsTool:
    """Compare a metric between two periods (a period vs the one before, vs the same period last year, or any
    two): both values, the change in absolute and percent terms and, with `by`, which dimension values drove the
    change. Use it for 'how did X change', 'vs last year'. Periods in words ("last month") or as dates."""

    name = "compare_periods"
    Request = CompareRequest

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def call(self, req: CompareRequest) -> ToolOutput:
        sem = self.ctx.semantic
        cur, prev = req.periods(self.ctx)
        return self.run(sem.resolve_metric(req.metric), cur, prev,
                        filters={sem.resolve_dimension(k): v for k, v in req.filters.items()},
                        by=sem.resolve_dimension(req.by) if req.by else None)

    def run(
        self,
        metric: str,
        current: Any,
        previous: Any,
        filters: Mapping[str, Any] | None = None,
        by: str | None = None,
    ) -> ToolOutput:
        sem = self.ctx.semantic
        m = sem.metric(metric)
        cur, prev = as_period(current, "current period"), as_period(previous, "previous period")
        flt = clean_filters(sem, filters)
        dims = [sem.dimension(by).name] if by else []
        sql = split_sql(sem, [m.name], [("current", cur), ("previous", prev)], flt, dims)
        res = self.ctx.runner.run(sql)
        tot, by_value = parse_split(res.df, dims, [m.name])
        value = tot.get("current", {}).get(m.name)
        before = tot.get("previous", {}).get(m.name)
        facts: dict[str, Any] = {
            "metric": m.name,
            "label": m.label,
            "unit": m.unit,
            "filters": flt,
            "period": cur.to_dict(),
            "value": value,
            "previous_value": before,
            "compare_period": prev.to_dict(),
            "change_abs": None if value is None or before is None else value - before,
            "change_pct": change_pct(value, before),
        }
        warnings = []
        as_of = self.ctx.as_of
        if cur.end > as_of:
            warnings.append(f"{cur.label} is not over yet: data runs to {as_of.isoformat()}.")
        title = f"{m.label}{', ' + filters_text(sem, flt) if flt else ''}: {cur.label} vs {prev.label}"
        tables = [
            Table(
                title,
                ["Period", "From", "To", m.label],
                [
                    [cur.label, cur.start.isoformat(), cur.end.isoformat(), value],
                    [prev.label, prev.start.isoformat(), prev.end.isoformat(), before],
                ],
            )
        ]
        lines = [
            f"{title}: {format_value(value, m.unit)} vs {format_value(before, m.unit)}"
            + (f" ({format_value(facts['change_pct'], 'change')})" if facts["change_pct"] is not None else "")
            + "."
        ]
        if dims:
            d = dims[0]
            facts["by"] = d
            facts["by_rows"] = per_value(by_value[d], m.name, is_additive(m))
            facts["contributors"] = [
                [r[0], r[3]] for r in facts["by_rows"][:MAX_CONTRIBUTORS] if r[3] is not None
            ]
            facts["additive"] = is_additive(m)
            label = sem.dimension(d).label
            tables.append(
                Table(
                    f"{m.label} by {label.lower()}: {cur.label} vs {prev.label}",
                    [label, cur.label, prev.label, "Change", "Change %"],
                    [list(r) for r in facts["by_rows"]],
                )
            )
            for lab, c, p, delta, pct in facts["by_rows"][:6]:
                lines.append(
                    f"- {lab}: {format_value(c, m.unit)} vs {format_value(p, m.unit)} "
                    f"({format_signed(delta, m.unit)}"
                    + (f", {format_value(pct, 'change')})" if pct is not None else ")")
                )
        return ToolOutput(
            summary="\n".join(lines), tables=tables, sql=[res.sql], facts=facts, warnings=warnings, period=cur
        )
