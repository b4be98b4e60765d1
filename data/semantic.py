"""Loads the semantic layer (``semantic.yaml``): metrics, dimensions, sources and calendar events.

The layer adapts to the warehouse it is bound to: metrics whose tables are absent are hidden and dimension
values are read from the data, so an imported shop works without editing the YAML.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from shoplens.data.errors import DataError, UserInputError

QueryFn = Callable[[str], list[tuple[Any, ...]]]
#: Dimensions whose every value is read (names are matched against the whole catalogue, not a sample).
FULL_DIMENSIONS = ("product", "sku")
FULL_VALUES = 2_000_000


@dataclass(frozen=True)
class Source:
    name: str
    from_sql: str
    time: str
    tables: tuple[str, ...]
    joins: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    description: str
    synonyms: tuple[str, ...]
    source: str | None = None
    sql: str | None = None
    derived: str | None = None
    requires: tuple[str, ...] = ()
    requires_values: tuple[str, ...] = ()  # "table.column" that must hold at least one value
    part_of: str | None = None  # a measure this one is a part of (campaign revenue of revenue): shares make sense
    requires_status: str | None = None  # an order status that must occur (refund: the export has credit notes)
    definition: str = ""  # the money rule in a few words ("net of refunds"), said in answers when it matters
    ad_hoc: bool = False  # made for a question ("orders per customer"), not declared in the layer

    @property
    def is_derived(self) -> bool:
        return self.derived is not None


@dataclass
class Dimension:
    name: str
    label: str
    columns: dict[str, str]
    synonyms: tuple[str, ...]
    time_part: str | None = None
    values: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # source -> table this warehouse lacks
    declared: bool = False  # the shop's own (import mapping), not the built-in vocabulary: its words win
    aliases_sql: tuple[str, ...] = ()  # SELECT alias, value: other names of the values (SKU, other spellings)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> value, read at bind time
    groups_sql: dict[str, Any] = field(default_factory=dict)  # sql: SELECT value, group... ; dims: the groups' dimensions
    groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # dimension -> group -> values, at bind time
    ids: bool = False  # values are identifiers (customer ids): never read up front, never matched in questions

    def column_for(self, source: Source) -> str | None:
        if self.time_part:
            return f"{self.time_part}({source.time})"
        if source.name in self.missing:
            return None
        return self.columns.get(source.name)


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    synonyms: tuple[str, ...]
    rule: dict[str, Any]

    def window(self, year: int) -> tuple[dt.date, dt.date]:
        """The event's first and last day in ``year``: a fixed date, the Nth weekday of a month (plus an offset),
        or a date listed per year (lunar festivals, Easter)."""
        r = self.rule
        if "dates" in r:
            day = r["dates"].get(year) or r["dates"].get(str(year))
            if day is None:
                raise ValueError(f"{self.label} has no date listed for {year}")
            start = dt.date.fromisoformat(f"{year}-{day}") + dt.timedelta(days=r.get("offset_days", 0))
        elif "weekday" in r and r.get("nth", 1) < 0:  # the last such weekday of the month
            nxt = dt.date(year + r["month"] // 12, r["month"] % 12 + 1, 1)
            last = nxt - dt.timedelta(days=1)
            start = last - dt.timedelta(days=(last.weekday() - r["weekday"]) % 7) + dt.timedelta(
                days=r.get("offset_days", 0))
        elif "weekday" in r:
            first = dt.date(year, r["month"], 1)
            shift = (r["weekday"] - first.weekday()) % 7
            start = first + dt.timedelta(days=shift + 7 * (r.get("nth", 1) - 1) + r.get("offset_days", 0))
        else:
            start = dt.date(year, r["month"], r["day"]) + dt.timedelta(days=r.get("offset_days", 0))
        return start, start + dt.timedelta(days=r.get("length_days", 1) - 1)

    def window_or_none(self, year: int) -> tuple[dt.date, dt.date] | None:
        """``window(year)``, or None for a listed-dates event with no date for that year."""
        try:
            return self.window(year)
        except ValueError:
            return None

    def is_window(self, start: dt.date, end: dt.date) -> bool:
        return self.window_or_none(start.year) == (start, end)


class SemanticLayer:
    def __init__(self, sources: dict[str, Source], metrics: dict[str, Metric], dimensions: dict[str, Dimension],
                 events: list[Event]) -> None:
        self.sources = sources
        self._all_metrics = dict(metrics)  # its own copy: ratio metrics are added per layer
        self.metrics = dict(metrics)
        self.dimensions = dimensions
        self.events = events
        self.tables: set[str] | None = None  # tables present in the bound warehouse
        self.as_of: dt.date | None = None
        self.hidden: dict[str, str] = {}  # metric -> why it is hidden
        self.statuses: set[str] = set()  # order statuses present in the warehouse

    # --- loading ---------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> SemanticLayer:
        """Parse the YAML (the packaged default unless ``path`` is given) and validate it."""
        try:
            text = (
                Path(path).read_text(encoding="utf-8")
                if path
                else resources.files("shoplens.data").joinpath("semantic.yaml").read_text(encoding="utf-8")
            )
            raw = yaml.safe_load(text)
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"Cannot read the semantic layer {path or 'semantic.yaml'}: {exc}") from exc
        sources = {
            name: Source(name, s["from"], s["time"], tuple(s.get("tables", [])), dict(s.get("joins", {})),
                         s.get("description", ""))
            for name, s in raw["sources"].items()
        }
        metrics = {
            name: Metric(name, m["label"], m["unit"], m.get("description", ""), tuple(m.get("synonyms", [])),
                         m.get("source"), m.get("sql"), m.get("derived"), tuple(m.get("requires", [])),
                         tuple(m.get("requires_values", [])), m.get("part_of"), m.get("requires_status"),
                         m.get("definition", ""))
            for name, m in raw["metrics"].items()
        }
        dims = {
            name: Dimension(name, d["label"], dict(d.get("columns", {})), tuple(d.get("synonyms", [])),
                            d.get("time_part"), list(d.get("values", [])),
                            aliases_sql=tuple([d["aliases"]] if isinstance(d.get("aliases"), str) else d.get("aliases", [])),
                            ids=bool(d.get("ids", False)), groups_sql=dict(d.get("groups", {})))
            for name, d in raw["dimensions"].items()
        }
        events = [Event(e["name"], e["label"], tuple(e.get("synonyms", [])), dict(e["rule"])) for e in raw["events"]]
        layer = cls(sources, metrics, dims, events)
        layer._validate()
        return layer

    def _validate(self) -> None:
        for m in self._all_metrics.values():
            if m.is_derived:
                if not self.derived_parts(m):
                    raise DataError(f"Derived metric {m.name} names no other metric.")
            elif m.source not in self.sources or not m.sql:
                raise DataError(f"Metric {m.name} needs a known source and sql.")
        for d in self.dimensions.values():
            for src in d.columns:
                if src not in self.sources:
                    raise DataError(f"Dimension {d.name} names unknown source {src}.")

    def bind(self, query: QueryFn, tables: Iterable[str], as_of: dt.date | None = None,
             max_values: int = 500) -> SemanticLayer:
        """A copy adapted to a warehouse: metrics whose tables are absent are hidden (with the reason) and
        dimension values are read from the data. The loaded layer itself is left as it was."""
        import copy

        return copy.deepcopy(self)._bind(query, tables, as_of, max_values)

    def _bind(self, query: QueryFn, tables: Iterable[str], as_of: dt.date | None, max_values: int) -> SemanticLayer:
        self.tables = set(tables)
        self.as_of = as_of
        self.metrics, self.hidden = {}, {}
        self.statuses = {str(r[0]) for r in query("SELECT DISTINCT status FROM orders")} if "orders" in self.tables \
            else set()
        declared = shop_dimensions(query, self.tables)
        taken = {_key(s) for d in declared for s in (d.name, d.label, *d.synonyms)}
        for d in self.dimensions.values():  # the shop's own words win over the built-in synonyms
            d.synonyms = tuple(s for s in d.synonyms if _key(s) not in taken)
        self.dimensions = {**{d.name: d for d in declared}, **{n: d for n, d in self.dimensions.items()
                                                             if n not in {x.name for x in declared}}}
        empty: dict[str, bool] = {}
        for m in self._all_metrics.values():
            missing = sorted(set(self.metric_tables(m)) - self.tables)
            parts = [self._all_metrics[p] for p in self.derived_parts(m)] if m.is_derived else [m]
            needs = [c for part in parts for c in part.requires_values]
            if missing:
                self.hidden[m.name] = f"needs table(s) {', '.join(missing)}"
                continue
            for col in needs:
                if col not in empty:
                    table, column = col.split(".")
                    empty[col] = not query(f"SELECT 1 FROM {table} WHERE {column} IS NOT NULL LIMIT 1")
            blank = [c for c in needs if empty[c]]
            status = m.requires_status or next((p.requires_status for p in parts if p.requires_status), None)
            if status and status not in self.statuses:
                self.hidden[m.name] = f"needs orders with status '{status}', and this warehouse has none"
            elif blank:
                self.hidden[m.name] = f"needs values in {', '.join(blank)}, which are all empty"
            else:
                self.metrics[m.name] = m
        for d in self.dimensions.values():
            if d.time_part:
                continue
            d.missing, d.values = {}, []
            for src_name, column in d.columns.items():
                src = self.sources[src_name]
                join = src.joins.get(column.split(".")[0], "")
                lacking = sorted((set(src.tables) | ({_join_table(join)} if join else set())) - self.tables)
                if lacking:
                    d.missing[src_name] = lacking[0]
                    continue
                if not d.values and not d.ids:
                    limit = FULL_VALUES if d.name in FULL_DIMENSIONS else max_values
                    rows = query(
                        f"SELECT DISTINCT {column} AS v FROM {src.from_sql} {join} "
                        f"WHERE {column} IS NOT NULL ORDER BY 1 LIMIT {limit}"
                    )
                    d.values = [str(r[0]) for r in rows]
            d.aliases = {}
            known = set(d.values)
            for sql in d.aliases_sql if known else ():
                if _tables_exist(sql, self.tables):
                    for a, v in query(f"{sql} LIMIT {FULL_VALUES}"):
                        if str(v) in known:
                            d.aliases.setdefault(str(a), str(v))
            d.groups = {}
            sql, dims = d.groups_sql.get("sql"), list(d.groups_sql.get("dims", []))
            if known and sql and _tables_exist(sql, self.tables):  # one scan: a product's subcategory, category ...
                for row in query(f"{sql} LIMIT {FULL_VALUES}"):
                    if str(row[0]) in known:
                        for dim, g in zip(dims, row[1:], strict=False):
                            if g is not None:
                                d.groups.setdefault(dim, {}).setdefault(str(g), []).append(str(row[0]))
                for members in (m for by in d.groups.values() for m in by.values()):
                    members.sort()  # the same order whatever the scan's
        for name in [d.name for d in self.dimensions.values()  # a column the import left empty (no city in the
                     if not (d.time_part or d.ids or d.values or d.missing)]:  # export): no such dimension here
            del self.dimensions[name]
        return self

    # --- lookups ---------------------------------------------------------------------------------------------
    def metric(self, name: str) -> Metric:
        if name in self.metrics:
            return self.metrics[name]
        per = re.fullmatch(r"([a-z_]+?)_per_([a-z_]+)", name)
        if per and (ratio := self.ratio_metric(per.group(1), per.group(2))) is not None:
            return ratio
        part = re.fullmatch(r"([a-z_]+?)_share_of_([a-z_]+)", name)
        if part and (share := self.share_metric(part.group(1), part.group(2))) is not None:
            return share
        if name in self.hidden:
            raise UserInputError(
                f"The metric '{name}' is not available in this warehouse ({self.hidden[name]}).",
                hint=f"Available metrics: {', '.join(self.metrics)}.",
            )
        from rapidfuzz import process

        close = [c for c, s, _ in process.extract(name, list(self.metrics), limit=3) if s >= 50]
        raise UserInputError(
            f"Unknown metric '{name}'.",
            hint=f"Did you mean {' or '.join(repr(c) for c in close)}?" if close
            else f"Available metrics: {', '.join(self.metrics)}.",
        )

    def share_metric(self, part: str, whole: str) -> Metric | None:
        """One measure as a share of another of the same unit ("refunds as a % of gross sales"): a percent, made
        and kept like a ratio (``ad_hoc``). None when the units differ or a part is not available here."""
        a, b = self.metrics.get(part), self.metrics.get(whole)
        if a is None or b is None or a.name == b.name or a.is_derived or b.is_derived or a.unit != b.unit \
                or a.unit not in ("currency", "count"):
            return None
        return self._ad_hoc(f"{a.name}_share_of_{b.name}", a, b, f"{a.label} as a share of {b.label.lower()}",
                            "percent", f"{a.label} / {b.label.lower()}")

    def ratio_metric(self, numerator: str, denominator: str) -> Metric | None:
        """An amount or count per counted thing ("orders per customer", "discount per order"): ``numerator /
        denominator`` as a derived metric. A declared metric with the same formula (revenue per customer, CPC) is
        returned as it is; otherwise one is made and kept, marked ``ad_hoc``. None when the ratio makes no sense
        (a rate over a rate, money per money) or a part is not available here."""
        a, b = self.metrics.get(numerator), self.metrics.get(denominator)
        if a is None or b is None or a.name == b.name or a.is_derived or b.is_derived:
            return None
        if a.unit not in ("currency", "count") or b.unit != "count":
            return None
        formula = f"{a.name}/NULLIF({b.name},0)"
        for m in self.metrics.values():
            if m.derived and re.sub(r"\s+", "", m.derived) == formula:
                return m
        thing = b.label.lower()
        thing = thing[:-3] + "y" if thing.endswith("ies") else thing[:-1] if thing.endswith("s") else thing
        return self._ad_hoc(f"{a.name}_per_{b.name}", a, b, f"{a.label} per {thing}",
                            "currency" if a.unit == "currency" else "ratio", f"{a.label} divided by {b.label.lower()}")

    def _ad_hoc(self, name: str, a: Metric, b: Metric, label: str, unit: str, says: str) -> Metric:
        """The metric ``a / b`` under ``name``, made once and kept (``ad_hoc``) beside the declared ones."""
        if name not in self.metrics:
            m = Metric(name=name, label=label, unit=unit, description=f"{says}: {a.description} / {b.description}",
                       synonyms=(), derived=f"{a.name} / NULLIF({b.name}, 0)", ad_hoc=True)
            self._all_metrics[name] = m
            self.metrics[name] = m
        return self.metrics[name]

    def resolve_metric(self, name: str) -> str:
        """The metric a name, label or synonym stands for ("Net sales", "gross-margin"); unknown names pass
        through unchanged (``metric()`` then explains them)."""
        key = _key(name)
        if key in self.metrics:
            return key
        for m in self.metrics.values():
            if key in {_key(m.label), *(_key(s) for s in m.synonyms)}:
                return m.name
        return name

    def resolve_dimension(self, name: str) -> str:
        """The dimension a name, label, synonym or plural stands for ("regions", "Sales channel")."""
        key = _key(name)
        if key in self.dimensions:
            return key
        for d in self.dimensions.values():
            if key in {_key(d.label), *(_key(s) for s in d.synonyms)}:
                return d.name
        return key.rstrip("s") if key.rstrip("s") in self.dimensions else name

    def dimension(self, name: str) -> Dimension:
        if name in self.dimensions:
            return self.dimensions[name]
        from rapidfuzz import process

        close = [c for c, s, _ in process.extract(name, list(self.dimensions), limit=3) if s >= 50]
        raise UserInputError(
            f"Unknown dimension '{name}'.",
            hint=f"Did you mean {' or '.join(repr(c) for c in close)}?" if close
            else f"Dimensions: {', '.join(self.dimensions)}.",
        )

    def derived_parts(self, metric: Metric) -> list[str]:
        import re

        words = set(re.findall(r"[a-z_][a-z0-9_]*", metric.derived or ""))
        return [n for n in self._all_metrics if n in words and n != metric.name]

    def metric_tables(self, metric: Metric) -> list[str]:
        if metric.is_derived:
            return sorted({t for p in self.derived_parts(metric) for t in self.metric_tables(self._all_metrics[p])})
        return sorted(set(self.sources[metric.source or ""].tables) | set(metric.requires))

    def metric_source_names(self, metric: Metric) -> list[str]:
        if metric.is_derived:
            return sorted({self._all_metrics[p].source or "" for p in self.derived_parts(metric)})
        return [metric.source or ""]

    def raw_metric(self, name: str) -> Metric:
        return self._all_metrics[name]

    def event(self, name: str) -> Event:
        for e in self.events:
            if e.name == name:
                return e
        raise UserInputError(f"Unknown calendar event '{name}'.", hint=f"Known: {', '.join(e.name for e in self.events)}.")

    def events_between(self, start: dt.date, end: dt.date, *, max_days: int = 4) -> list[tuple[Event, dt.date, dt.date]]:
        """Short calendar events (<= max_days long) falling inside [start, end], for chart annotations."""
        out = []
        for year in range(start.year, end.year + 1):
            for e in self.events:
                w = e.window_or_none(year)
                if w is None:
                    continue
                a, b = w
                if (b - a).days < max_days and start <= a and b <= end:
                    out.append((e, a, b))
        return sorted(out, key=lambda t: t[1])

    def describe(self) -> str:
        """Plain-text description for prompts and `shoplens schema`."""
        lines = ["Metrics:"]
        for m in self.metrics.values():
            lines.append(f"- {m.name} ({m.unit}): {m.description} Also called: {', '.join(m.synonyms[:4])}.")
        lines.append("Dimensions:")
        for d in self.dimensions.values():
            vals = f" Values: {', '.join(d.values[:12])}{' ...' if len(d.values) > 12 else ''}." if d.values else ""
            lines.append(f"- {d.name}: {d.label}.{vals}")
        lines.append("Calendar events: " + ", ".join(e.label for e in self.events) + ".")
        if self.as_of:
            lines.append(f"Data as of {self.as_of.isoformat()} (relative periods resolve against this date).")
        return "\n".join(lines)


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _tables_exist(sql: str, tables: set[str]) -> bool:
    """Every table a declared query reads is in this warehouse."""
    return not set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", sql)) - tables


def _join_table(join_sql: str) -> str:
    # "LEFT JOIN customers c ON ..." -> "customers"
    words = join_sql.split()
    return words[words.index("JOIN") + 1] if "JOIN" in words else ""


def shop_dimensions(query: QueryFn, tables: set[str]) -> list[Dimension]:
    """The dimensions the shop declared in its import mapping (table ``shop_dimensions``, written by the importer):
    a column of orders, products or customers, with its label and synonyms."""
    if "shop_dimensions" not in tables:
        return []
    alias = {"orders": ("o", ("sales",)), "products": ("p", ("sales", "reviews", "traffic")),
             "customers": ("c", ("sales", "customers"))}
    out = []
    for name, label, table, column, synonyms in query(
            "SELECT name, label, table_name, column_name, synonyms FROM shop_dimensions ORDER BY name"):
        if table not in alias or not re.fullmatch(r"[a-z_][a-z0-9_]*", str(column)):
            continue
        a, sources = alias[table]
        out.append(Dimension(str(name), str(label), {src: f"{a}.{column}" for src in sources},
                             tuple(str(s) for s in (list(synonyms) if synonyms is not None else [])),
                             declared=True))
    return out
