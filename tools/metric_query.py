"""Query one metric from the warehouse: a single figure, a breakdown by dimensions, a top/bottom N or a time series.

Metrics and dimensions come from the semantic layer (revenue counts completed orders only), so the SQL shown is the
SQL that produced every number. Also holds the small helpers the other metric tools share (dates, filters, labels).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.data.semantic import Metric, SemanticLayer
from shoplens.tools.artifacts import Period, Table, ToolOutput, jsonable
from shoplens.tools.calendar.dates import label as period_label
from shoplens.tools.calendar.dates import parse_day
from shoplens.tools.formatting import format_value
from shoplens.tools.query import GRAINS, MetricQuery, compile_query
from shoplens.tools.requests import MetricRequest

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.tools.context import ToolContext

NONE_LABEL = "(none)"
SUMMARY_ROWS = 8


# --- helpers shared by the metric tools ----------------------------------------------------------------------
def as_date(value: Any, what: str = "date") -> dt.date | None:
    """A date from a date, datetime or ISO string ('2025-03-14', '2025-03', '2025-Q1'); None stays None."""
    try:
        return parse_day(value)
    except UserInputError:
        raise UserInputError(f"The {what} {value!r} is not a date.", hint="Use ISO dates like 2025-03-14.") from None


def as_period(value: Any, what: str = "period") -> Period:
    """A Period from a Period, a {start, end, label} mapping or a (start, end[, label]) pair."""
    if isinstance(value, Period):
        return value
    if isinstance(value, Mapping):
        start, end, name = value.get("start"), value.get("end"), value.get("label")
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) in (2, 3):
        start, end, name = value[0], value[1], value[2] if len(value) == 3 else None
    else:
        raise UserInputError(
            f"The {what} must have a start and an end date, got {value!r}.",
            hint="Pass {'start': '2025-05-01', 'end': '2025-05-31'}.",
        )
    a, b = as_date(start, f"{what} start"), as_date(end, f"{what} end")
    if a is None or b is None:
        raise UserInputError(f"The {what} needs both a start and an end date.")
    if a > b:
        raise UserInputError(f"The {what} starts ({a}) after it ends ({b}).", hint="Swap the dates.")
    return Period(a, b, str(name) if name else period_label(a, b))


def clean_filters(semantic: SemanticLayer, filters: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Filters as {dimension: [values]} with each value matched to the warehouse's spelling; unknown values are
    refused with the closest real ones, so a typo never silently returns nothing."""
    out: dict[str, list[str]] = {}
    for name, raw in (filters or {}).items():
        dim = semantic.dimension(str(name))
        values = [raw] if isinstance(raw, str | int | float) else list(raw or [])
        if not values:
            continue
        known = {v.lower(): v for v in dim.values}
        fixed: list[str] = []
        for v in values:
            text = str(v).strip()
            if not known or len(dim.values) >= 500:  # values not read (or capped): trust the caller
                fixed.append(text)
            elif text.lower() in known:
                fixed.append(known[text.lower()])
            else:
                from rapidfuzz import process

                close = [c for c, score, _ in process.extract(text, dim.values, limit=3) if score >= 60]
                raise UserInputError(
                    f"No {dim.label.lower()} called '{text}' in the data.",
                    hint=f"Did you mean {' or '.join(repr(c) for c in close)}?"
                    if close
                    else f"Known values: {', '.join(dim.values[:15])}{' ...' if len(dim.values) > 15 else ''}.",
                )
        out[dim.name] = list(dict.fromkeys(fixed))
    return out


def shown_filters(semantic: SemanticLayer, filters: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Filters as people read them in titles: a dimension kept to all but a few of its many values reads "all but
    Board Games" instead of the fifty names left in."""
    out: dict[str, list[str]] = {}
    for name, vals in filters.items():
        known = semantic.dimensions[name].values if name in semantic.dimensions else []
        left = [v for v in known or () if v not in vals]
        if len(vals) > 6 and 0 < len(left) <= 3 and set(vals) <= set(known):
            out[name] = [f"all but {' and '.join(left)}"]
        else:
            out[name] = list(vals)
    return out


def filters_text(semantic: SemanticLayer, filters: Mapping[str, list[str]]) -> str:
    """'category = Electronics; channel in (web, app)' for summaries."""
    parts = []
    for name, vals in shown_filters(semantic, filters).items():
        label = semantic.dimensions[name].label.lower() if name in semantic.dimensions else name
        parts.append(f"{label} = {vals[0]}" if len(vals) == 1 else f"{label} in ({', '.join(vals)})")
    return "; ".join(parts)


def is_additive(metric: Metric) -> bool:
    """True when values of the metric add up across dimension values (sums and plain counts, not distinct counts
    or ratios), so shares of a total and contributions to a change mean something."""
    if metric.is_derived or metric.unit not in ("currency", "count"):
        return False
    sql = (metric.sql or "").upper()
    return "DISTINCT" not in sql and "AVG(" not in sql and "/" not in sql


def to_float(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    for c in columns:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def num(value: Any) -> float | None:
    """A plain float, or None for NULL/NaN."""
    v = jsonable(value)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def label_value(value: Any, dim: str | None = None) -> str:
    """A dimension value as text; NULL reads '(no campaign)' for campaign dimensions, else '(none)'."""
    v = jsonable(value)
    if v is None:
        return "(no campaign)" if dim in ("campaign", "campaign_channel") else NONE_LABEL
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # an id or a count stored as a float: 15671, not 15671.0
    return str(v)


def data_start(ctx: ToolContext) -> dt.date:
    """The first order date in the warehouse (``ToolContext.data_start``, looked up once)."""
    return ctx.data_start


def metric_names(semantic: SemanticLayer, metric: str, also: Sequence[str] | None) -> list[str]:
    names = [semantic.metric(metric).name]
    for m in also or []:
        if semantic.metric(m).name not in names:
            names.append(m)
    return names


# --- the tool --------------------------------------------------------------------------------------------------
class QueryMetricTool:
    """Compute a business metric over a period: one figure, a breakdown by dimensions (group_by), a top/bottom N
    (top_n, order) or a series over time (grain). Uses the shop's metric definitions; returns the key figures and
    the first rows. Give the period in words (period: "last quarter") or as dates. Example: {"metric": "revenue",
    "group_by": ["channel"], "period": "Q1 2025"}."""

    name = "query_metric"
    Request = MetricRequest

    def call(self, req: MetricRequest) -> ToolOutput:
        req = req.named(self.ctx)
        period, notes = req.resolve(self.ctx)
        df, sql, q, _ = self.fetch(**req.query_args(period))
        out = self.output(df, sql, q, top_n=req.top_n, period=period)
        out.warnings[:0] = notes
        return out

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def build_sql(
        self,
        metric: str,
        group_by: Sequence[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        start: Any = None,
        end: Any = None,
        grain: str | None = None,
        top_n: int | None = None,
        order: str = "desc",
        also: Sequence[str] | None = None,
    ) -> tuple[str, MetricQuery]:
        sem = self.ctx.semantic
        names = metric_names(sem, metric, also)
        dims = [sem.dimension(d).name for d in (group_by or [])]
        grain, order, top_n = grain or None, order or "desc", top_n or None
        if grain is not None and grain not in GRAINS:
            raise UserInputError(f"Unknown time grain '{grain}'.", hint=f"Use one of: {', '.join(GRAINS)}.")
        if order not in ("desc", "asc"):
            raise UserInputError(f"order must be 'desc' or 'asc', got {order!r}.")
        if top_n is not None and (int(top_n) != top_n or not 1 <= int(top_n) <= 1000):
            raise UserInputError(f"top_n must be a whole number between 1 and 1000, got {top_n!r}.")
        q = MetricQuery(
            metric=names[0],
            group_by=dims,
            filters=clean_filters(sem, filters),
            start=as_date(start, "start date"),
            end=as_date(end, "end date"),
            grain=grain,
            also=names[1:],
            order="period" if grain else order,
        )
        sql = compile_query(q, sem)
        if dims and not grain:
            # Shares and the number of groups come from the same scan (window functions run before LIMIT).
            m = names[0]
            extra = ", COUNT(*) OVER () AS n_groups"
            if is_additive(sem.metric(m)):
                extra += f", {m} / NULLIF(SUM({m}) OVER (), 0) AS share, SUM({m}) OVER () AS total"
            keys = ", ".join(dims)
            # a group where the measure is NULL has nothing of it ("refunds by country": no credit notes there)
            conds = [] if names[1:] else [f"{m} IS NOT NULL"]
            if top_n:  # "which 2 campaigns brought in the most orders": campaigns, not "(no campaign)"
                conds += [f"{d} IS NOT NULL" for d in dims]
            present = f" WHERE {' AND '.join(conds)}" if conds else ""
            sql = f"SELECT *{extra} FROM ({sql}){present} ORDER BY {m} {order.upper()} NULLS LAST, {keys}" + (
                f" LIMIT {int(top_n)}" if top_n else ""
            )
        elif top_n and grain:
            raise UserInputError(
                "top_n needs a dimension to rank (group_by), not a time grain.",
                hint="Drop the grain, or ask for a breakdown over time without top_n.",
            )
        return sql, q

    def fetch(self, **kwargs: Any) -> tuple[pd.DataFrame, str, MetricQuery, float]:
        """Run the query; returns (frame with float metrics, sql, query, elapsed ms)."""
        sql, q = self.build_sql(**kwargs)
        res = self.ctx.runner.run(sql)
        df = to_float(res.df, [*q.metrics, "share", "total"])
        if "weekday" in q.group_by and not q.grain and not kwargs.get("top_n"):
            from shoplens.tools.charts.data import WEEKDAYS

            df = df.assign(_o=df["weekday"].map({d: i for i, d in enumerate(WEEKDAYS)})).sort_values("_o")
            df = df.drop(columns="_o").reset_index(drop=True)
        return df, sql, q, res.elapsed_ms

    def run(
        self,
        metric: str,
        group_by: Sequence[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        start: Any = None,
        end: Any = None,
        grain: str | None = None,
        top_n: int | None = None,
        order: str = "desc",
        also: Sequence[str] | None = None,
    ) -> ToolOutput:
        df, sql, q, _ = self.fetch(
            metric=metric,
            group_by=group_by,
            filters=filters,
            start=start,
            end=end,
            grain=grain,
            top_n=top_n,
            order=order,
            also=also,
        )
        return self.output(df, sql, q, top_n=top_n)

    # --- turning a result into facts, a table and a summary ------------------------------------------------
    def output(
        self,
        df: pd.DataFrame,
        sql: str,
        q: MetricQuery,
        *,
        top_n: int | None = None,
        period: Period | None = None,
    ) -> ToolOutput:
        sem = self.ctx.semantic
        m = sem.metric(q.metric)
        if period is None and (q.start or q.end):
            start = q.start or data_start(self.ctx)
            period = Period(start, q.end or self.ctx.as_of, period_label(q.start, q.end))
        facts = result_facts(sem, df, q, period)
        title = table_title(sem, q, period, top_n)
        shown = df.drop(columns=[c for c in ("n_groups", "total") if c in df.columns])
        table = Table.from_df(title, shown.rename(columns=_display_names(sem, shown.columns)))
        warnings = []
        if df.empty:
            warnings.append(f"No data for {m.label.lower()} with these filters in this period.")
        return ToolOutput(
            summary=summarize(sem, q, facts, df, title),
            tables=[table],
            sql=[sql],
            facts=facts,
            warnings=warnings,
            period=period,
        )


def _display_names(sem: SemanticLayer, columns: Sequence[str]) -> dict[str, str]:
    out = {}
    for c in columns:
        if c in sem.metrics:
            out[c] = sem.metrics[c].label
        elif c in sem.dimensions:
            out[c] = sem.dimensions[c].label
        elif c == "share":
            out[c] = "Share"
        elif c == "period":
            out[c] = "Period"
    return out


def table_title(sem: SemanticLayer, q: MetricQuery, period: Period | None, top_n: int | None = None) -> str:
    label = " and ".join(sem.metric(n).label for n in q.metrics)
    if top_n and q.group_by:
        noun = sem.dimension(q.group_by[0]).label.lower()
        noun = noun[:-1] + "ies" if noun.endswith("y") else noun if noun.endswith("s") else noun + "s"
        head = f"{'Top' if (q.order or 'desc') == 'desc' else 'Bottom'} {top_n} {noun} by {label.lower()}"
    else:
        head = (
            f"{q.grain.capitalize()}ly " if q.grain and q.grain != "day" else "Daily " if q.grain else ""
        ) + (label.lower() if q.grain else label)
        head = head[:1].upper() + head[1:]
        if q.group_by:
            head += " by " + " and ".join(sem.dimension(d).label.lower() for d in q.group_by)
    bits = [head]
    if q.filters:
        bits.append(", ".join(" / ".join(v) for v in shown_filters(sem, q.filters).values()))
    if period:
        bits.append(period.label)
    return ", ".join(bits)


def result_facts(
    sem: SemanticLayer, df: pd.DataFrame, q: MetricQuery, period: Period | None
) -> dict[str, Any]:
    m = sem.metric(q.metric)
    facts: dict[str, Any] = {
        "metric": m.name,
        "label": m.label,
        "unit": m.unit,
        "filters": dict(q.filters),
        "period": period.to_dict() if period else None,
    }
    if q.group_by and q.grain:
        facts["series_by"] = {}
        for key, part in df.groupby(q.group_by[0], sort=False, dropna=False):
            facts["series_by"][label_value(key, q.group_by[0])] = [
                [jsonable(p), num(v)] for p, v in zip(part["period"], part[m.name], strict=True)
            ]
        facts["series"] = (
            [
                [jsonable(p), num(v)]
                for p, v in df.groupby("period", sort=True)[m.name].sum(min_count=1).items()
            ]
            if is_additive(m)
            else []
        )
    elif q.grain:
        facts["series"] = [[jsonable(p), num(v)] for p, v in zip(df["period"], df[m.name], strict=True)]
    elif q.group_by:
        labels = [
            " / ".join(label_value(v, d) for v, d in zip(row, q.group_by, strict=True))
            for row in df[q.group_by].itertuples(index=False)
        ]
        facts["rows"] = [[lab, num(v)] for lab, v in zip(labels, df[m.name], strict=True)]
        if "share" in df.columns:
            facts["shares"] = [[lab, num(s)] for lab, s in zip(labels, df["share"], strict=True)]
        if "total" in df.columns and len(df):
            facts["total"] = num(df["total"].iloc[0])
        facts["n_groups"] = int(df["n_groups"].iloc[0]) if "n_groups" in df.columns and len(df) else 0
    else:
        facts["value"] = num(df[m.name].iloc[0]) if len(df) else None
    for extra in q.metrics[1:]:
        if not q.group_by and not q.grain and len(df):
            facts.setdefault("also", {})[extra] = num(df[extra].iloc[0])
    return facts


def summarize(sem: SemanticLayer, q: MetricQuery, facts: dict[str, Any], df: pd.DataFrame, title: str) -> str:
    """Short text for a model: the title, the filters, the key figures and at most a few rows."""
    m = sem.metric(q.metric)
    lines = [f"{title}."]
    if "value" in facts:
        lines.append(f"{m.label}: {format_value(facts['value'], m.unit)}")
        for extra, v in facts.get("also", {}).items():
            lines.append(f"{sem.metric(extra).label}: {format_value(v, sem.metric(extra).unit)}")
    elif "rows" in facts:
        n = facts.get("n_groups", len(facts["rows"]))
        shares = dict((lab, s) for lab, s in facts.get("shares", []))
        for lab, v in facts["rows"][:SUMMARY_ROWS]:
            share = f" ({format_value(shares[lab], 'percent')})" if shares.get(lab) is not None else ""
            lines.append(f"- {lab}: {format_value(v, m.unit)}{share}")
        if n > min(len(facts["rows"]), SUMMARY_ROWS):
            lines.append(f"({n} values in all; first {min(len(facts['rows']), SUMMARY_ROWS)} shown)")
        if facts.get("total") is not None:
            lines.append(f"Total: {format_value(facts['total'], m.unit)}")
    elif facts.get("series") or facts.get("series_by"):
        series = facts.get("series") or []
        vals = [(p, v) for p, v in series if v is not None]
        if vals:
            hi = max(vals, key=lambda t: t[1])
            lo = min(vals, key=lambda t: t[1])
            lines.append(
                f"{len(series)} {q.grain}s from {series[0][0]} to {series[-1][0]}; first "
                f"{format_value(vals[0][1], m.unit)}, last {format_value(vals[-1][1], m.unit)}, highest "
                f"{format_value(hi[1], m.unit)} ({hi[0]}), lowest {format_value(lo[1], m.unit)} ({lo[0]})."
            )
        if facts.get("series_by"):
            lines.append(f"Split by {q.group_by[0]}: {', '.join(list(facts['series_by'])[:SUMMARY_ROWS])}.")
        if len(df) <= SUMMARY_ROWS:
            lines.append(df.to_string(index=False))
    if not len(df):
        lines.append("No rows: nothing matches these filters in this period.")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
