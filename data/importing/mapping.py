"""The import mapping (YAML): which files feed which contract tables, and how each contract column is computed.

This module only parses and validates the mapping's *shape* (keys, table and column names, option values);
whether the named source columns exist is checked against the files by the importer. Every error names the
place in the mapping and, for a misspelt key, the closest valid one. The format is documented in docs/import.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shoplens.data.contract import REQUIRED_TABLES, TABLES, Column
from shoplens.data.errors import UserInputError

TOP_KEYS = ("version", "on_error", "ids", "dates", "decimal", "sources", "tables", "dimensions")
SOURCE_KEYS = ("path", "format", "delimiter", "quote", "escape", "encoding", "header", "skip_rows",
               "drop_duplicates", "dates", "decimal")
TABLE_KEYS = ("source", "columns", "negative_quantity")
COLUMN_KEYS = ("column", "expr", "value", "rules", "values", "default")
RULE_KEYS = ("when", "value")

ON_ERROR = ("fail", "skip")
ID_STRATEGIES = ("auto", "rank", "hash")
DATE_ORDERS = ("day_first", "month_first", "iso")
NEGATIVE_QUANTITY = ("reject", "cancelled", "returned", "allow")
FORMATS = ("csv", "parquet")
ENCODINGS = ("utf-8", "utf-16", "latin-1")

#: entity -> (owner table, key column, id type). Key columns hold the *source* key; the importer maps it to an id.
ENTITIES: dict[str, tuple[str, str, str]] = {
    "product": ("products", "product_id", "INTEGER"),
    "order": ("orders", "order_id", "BIGINT"),
    "customer": ("customers", "customer_id", "INTEGER"),
    "campaign": ("campaigns", "campaign_id", "INTEGER"),
    "review": ("reviews", "review_id", "BIGINT"),
}
KEY_COLUMNS: dict[str, str] = {key: entity for entity, (_, key, _) in ENTITIES.items()}


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The valid choice closest to a misspelt ``word`` (or None when nothing is close)."""
    from rapidfuzz import fuzz, process, utils

    hit = process.extractOne(word, list(choices), scorer=fuzz.WRatio, processor=utils.default_process)
    return hit[0] if hit and hit[1] >= 60 else None


def _unknown(where: str, key: str, valid: tuple[str, ...] | list[str], what: str = "key") -> UserInputError:
    near = closest(str(key), valid)
    hint = f"Did you mean '{near}'?" if near else ""
    return UserInputError(f"{where}: unknown {what} '{key}'.", hint=f"{hint} Valid: {', '.join(valid)}.".strip())


@dataclass(frozen=True)
class DateSpec:
    """How to read dates: ``order`` (day_first | month_first | iso) and/or explicit strptime ``formats``."""

    order: str | None = None
    formats: tuple[str, ...] = ()


@dataclass
class SourceSpec:
    name: str
    patterns: list[str]
    format: str | None = None
    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    encoding: str = "utf-8"
    header: bool = True
    skip_rows: int = 0
    drop_duplicates: bool = True
    dates: DateSpec = field(default_factory=DateSpec)
    decimal: str = "."


@dataclass
class ColumnSpec:
    """How one contract column is computed. ``kind``: column | expr | value | rules."""

    table: str
    name: str
    kind: str
    text: str | None = None  # source column name or expression
    value: Any = None  # constant (kind=value)
    rules: list[tuple[str, Any]] = field(default_factory=list)  # (when-expression, value)
    values: dict[str, Any] = field(default_factory=dict)  # source value (case-insensitive) -> contract value
    default: Any = None
    where: str = ""  # "tables.orders.columns.status", for messages


@dataclass
class TableSpec:
    name: str
    source: str
    columns: dict[str, ColumnSpec]
    negative_quantity: str = "reject"


@dataclass
class Mapping:
    origin: str  # file name for messages
    base_dir: Path
    on_error: str
    ids: dict[str, str]  # entity -> strategy
    sources: dict[str, SourceSpec]
    tables: dict[str, TableSpec]
    dimensions: dict[str, Any] = field(default_factory=dict)  # name -> DimensionSpec (importing/dimensions.py)

    def columns_of(self, table: str) -> tuple[Column, ...]:
        """The contract's columns of ``table`` and the shop's own dimensions stored on it."""
        return TABLES[table] + tuple(d.column for d in self.dimensions.values() if d.table == table)

    def tables_of(self, source: str) -> list[TableSpec]:
        return [t for t in self.tables.values() if t.source == source]

    def shares_source(self, a: str, b: str) -> bool:
        return a in self.tables and b in self.tables and self.tables[a].source == self.tables[b].source


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file. Relative file paths in it resolve against the file's folder."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserInputError(f"No mapping file at {path}.",
                             hint="Write one with `shoplens data mapping-template FILE... --out shop.yaml`.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"Cannot read the mapping {path}: {exc}.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserInputError(f"{path.name}{at} is not valid YAML: {getattr(exc, 'problem', exc)}.",
                             hint="Check the indentation and quote values containing ':' or '#'.") from exc
    return parse_mapping(raw, base_dir=path.resolve().parent, origin=path.name)


def parse_mapping(raw: Any, *, base_dir: Path, origin: str = "mapping") -> Mapping:
    """Validate a mapping already read from YAML (a dict)."""
    if not isinstance(raw, dict):
        raise UserInputError(f"{origin}: the mapping must be a YAML mapping with 'sources' and 'tables'.")
    for key in raw:
        if key not in TOP_KEYS:
            raise _unknown(origin, key, TOP_KEYS)
    version = raw.get("version", 1)
    if version != 1:
        raise UserInputError(f"{origin}: version {version!r} is not supported.", hint="Use version: 1.")
    on_error = _choice(raw.get("on_error", "fail"), ON_ERROR, f"{origin}: on_error")
    dates = _dates(raw.get("dates"), f"{origin}: dates")
    decimal = _choice(str(raw.get("decimal", ".")), (".", ","), f"{origin}: decimal")
    ids = _ids(raw.get("ids", "auto"), origin)
    sources = _sources(raw.get("sources"), origin, dates, decimal)
    tables = _tables(raw.get("tables"), origin, sources)
    from shoplens.data.importing.dimensions import parse_dimensions

    dimensions = parse_dimensions(raw.get("dimensions"), origin, tables)
    mapping = Mapping(origin, base_dir, on_error, ids, sources, tables, dimensions)
    _inherit_keys(mapping)
    _check_required(mapping)
    return mapping


def _choice(value: Any, valid: tuple[str, ...], where: str) -> str:
    if value not in valid:
        near = closest(str(value), valid)
        raise UserInputError(f"{where}: '{value}' is not one of {', '.join(valid)}.",
                             hint=f"Did you mean '{near}'?" if near else None)
    return str(value)


def _dates(value: Any, where: str, inherit: DateSpec | None = None) -> DateSpec:
    if value is None:
        return inherit or DateSpec()
    items = value if isinstance(value, list) else [value]
    order, formats = None, []
    for item in items:
        if not isinstance(item, str):
            raise UserInputError(f"{where}: expected day_first, month_first, iso or a format like '%d/%m/%Y %H:%M'.")
        if "%" in item:
            formats.append(item)
        else:
            order = _choice(item, DATE_ORDERS, where)
    return DateSpec(order, tuple(formats))


def _ids(value: Any, origin: str) -> dict[str, str]:
    out = dict.fromkeys(ENTITIES, "auto")
    if isinstance(value, str):
        return dict.fromkeys(ENTITIES, _choice(value, ID_STRATEGIES, f"{origin}: ids"))
    if not isinstance(value, dict):
        raise UserInputError(f"{origin}: ids must be auto, rank, hash or a mapping like {{order: hash}}.")
    for entity, strategy in value.items():
        if entity not in ENTITIES:
            raise _unknown(f"{origin}: ids", entity, tuple(ENTITIES), "entity")
        out[entity] = _choice(strategy, ID_STRATEGIES, f"{origin}: ids.{entity}")
    return out


def _sources(raw: Any, origin: str, dates: DateSpec, decimal: str) -> dict[str, SourceSpec]:
    if not isinstance(raw, dict) or not raw:
        raise UserInputError(f"{origin}: 'sources' must name at least one source, e.g. sources: {{sales: {{path: "
                             "exports/*.csv}}}.")
    out: dict[str, SourceSpec] = {}
    for name, spec in raw.items():
        where = f"{origin}: sources.{name}"
        if isinstance(spec, str | list):
            spec = {"path": spec}
        if not isinstance(spec, dict):
            raise UserInputError(f"{where}: expected a path or a mapping with 'path'.")
        for key in spec:
            if key not in SOURCE_KEYS:
                raise _unknown(where, key, SOURCE_KEYS)
        paths = spec.get("path")
        patterns = [paths] if isinstance(paths, str) else paths
        if not patterns or not all(isinstance(p, str) and p.strip() for p in patterns):
            raise UserInputError(f"{where}: 'path' must be a file, a glob such as exports/2024-*.csv, or a list.")
        fmt = spec.get("format")
        if fmt is not None:
            fmt = _choice(str(fmt).lower(), FORMATS, f"{where}.format")
        for key in ("delimiter", "quote", "escape"):
            v = spec.get(key)
            if v is not None and (not isinstance(v, str) or len(v.encode("utf-8")) != 1 and v != "\\t"):
                raise UserInputError(f"{where}.{key}: must be a single character, got {v!r}.")
        skip = spec.get("skip_rows", 0)
        if not isinstance(skip, int) or skip < 0:
            raise UserInputError(f"{where}.skip_rows: must be a whole number >= 0.")
        for key in ("header", "drop_duplicates"):
            if key in spec and not isinstance(spec[key], bool):
                raise UserInputError(f"{where}.{key}: must be true or false.")
        out[str(name)] = SourceSpec(
            name=str(name), patterns=list(patterns), format=fmt,
            delimiter="\t" if spec.get("delimiter") == "\\t" else spec.get("delimiter"),
            quote=spec.get("quote"), escape=spec.get("escape"),
            encoding=_choice(str(spec.get("encoding", "utf-8")).lower().replace("latin1", "latin-1")
                             .replace("utf8", "utf-8").replace("iso-8859-1", "latin-1"), ENCODINGS, f"{where}.encoding"),
            header=spec.get("header", True), skip_rows=skip, drop_duplicates=spec.get("drop_duplicates", True),
            dates=_dates(spec.get("dates"), f"{where}.dates", dates),
            decimal=_choice(str(spec.get("decimal", decimal)), (".", ","), f"{where}.decimal"),
        )
    return out


def _tables(raw: Any, origin: str, sources: dict[str, SourceSpec]) -> dict[str, TableSpec]:
    if not isinstance(raw, dict) or not raw:
        raise UserInputError(f"{origin}: 'tables' must map contract tables ({', '.join(REQUIRED_TABLES)} at least).")
    out: dict[str, TableSpec] = {}
    for name, spec in raw.items():
        if name not in TABLES:
            raise _unknown(f"{origin}: tables", name, tuple(TABLES), "table")
        where = f"{origin}: tables.{name}"
        if not isinstance(spec, dict):
            raise UserInputError(f"{where}: expected a mapping with 'source' and 'columns'.")
        for key in spec:
            if key not in TABLE_KEYS:
                raise _unknown(where, key, TABLE_KEYS)
        source = spec.get("source")
        if source is None:
            if len(sources) != 1:
                raise UserInputError(f"{where}: say which source feeds it (source: one of {', '.join(sources)}).")
            source = next(iter(sources))
        if source not in sources:
            raise _unknown(f"{where}.source", source, tuple(sources), "source")
        cols_raw = spec.get("columns") or {}
        if not isinstance(cols_raw, dict):
            raise UserInputError(f"{where}.columns: expected contract column: source column or expression.")
        valid = tuple(c.name for c in TABLES[name])
        columns = {}
        for col, cspec in cols_raw.items():
            if col not in valid:
                raise _unknown(f"{where}.columns", col, valid, f"column of {name}")
            columns[col] = _column(name, col, cspec, f"{where}.columns.{col}")
        negative = "reject"
        if "negative_quantity" in spec:
            if name != "order_items":
                raise UserInputError(f"{where}: negative_quantity belongs under tables.order_items.")
            negative = _choice(spec["negative_quantity"], NEGATIVE_QUANTITY, f"{where}.negative_quantity")
        out[name] = TableSpec(name, source, columns, negative)
    return out


def _column(table: str, name: str, spec: Any, where: str) -> ColumnSpec:
    if isinstance(spec, bool | int | float | dt.date):  # a constant (YAML reads 2024-01-01 as a date)
        return ColumnSpec(table, name, "value", value=spec, where=where)
    if isinstance(spec, str):
        if not spec.strip():
            raise UserInputError(f"{where}: empty; name a source column or write an expression.")
        return ColumnSpec(table, name, "expr", text=spec.strip(), where=where)
    if not isinstance(spec, dict):
        raise UserInputError(f"{where}: expected a source column, an expression or a mapping with one of "
                             "column, expr, value, rules.")
    for key in spec:
        if key not in COLUMN_KEYS:
            raise _unknown(where, key, COLUMN_KEYS)
    kinds = [k for k in ("column", "expr", "value", "rules") if k in spec]
    if len(kinds) != 1:
        raise UserInputError(f"{where}: give exactly one of column, expr, value or rules (found {len(kinds)}).")
    kind = kinds[0]
    values = spec.get("values") or {}
    if not isinstance(values, dict):
        raise UserInputError(f"{where}.values: expected source value: contract value pairs.")
    out = ColumnSpec(table, name, kind, values={str(k).strip().lower(): v for k, v in values.items()},
                     default=spec.get("default"), where=where)
    if kind in ("column", "expr"):
        if not isinstance(spec[kind], str) or not spec[kind].strip():
            raise UserInputError(f"{where}.{kind}: must be a non-empty string.")
        out.text = spec[kind].strip()
    elif kind == "value":
        out.value = spec["value"]
    else:
        rules = spec["rules"]
        if not isinstance(rules, list) or not rules:
            raise UserInputError(f"{where}.rules: expected a list of {{when: <condition>, value: <value>}}.")
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                raise UserInputError(f"{where}.rules[{i}]: expected {{when: <condition>, value: <value>}}.")
            for key in rule:
                if key not in RULE_KEYS:
                    raise _unknown(f"{where}.rules[{i}]", key, RULE_KEYS)
            if not isinstance(rule.get("when"), str) or "value" not in rule:
                raise UserInputError(f"{where}.rules[{i}]: needs both 'when' (a condition) and 'value'.")
            out.rules.append((rule["when"], rule["value"]))
    return out


def _inherit_keys(m: Mapping) -> None:
    """Tables sharing one source inherit key columns they do not map (orders.order_id from order_items...)."""
    links = [("orders", "order_id", "order_items"), ("products", "product_id", "order_items"),
             ("customers", "customer_id", "orders"), ("campaigns", "campaign_id", "orders"),
             ("products", "product_id", "reviews"), ("products", "product_id", "web_traffic"),
             ("campaigns", "campaign_id", "marketing_spend")]
    for owner, key, donor in links:
        t = m.tables.get(owner)
        if t and key not in t.columns and m.shares_source(owner, donor) and key in m.tables[donor].columns:
            spec = m.tables[donor].columns[key]
            t.columns[key] = ColumnSpec(owner, key, spec.kind, spec.text, spec.value, list(spec.rules),
                                        dict(spec.values), spec.default, f"{spec.where} (inherited)")


def _check_required(m: Mapping) -> None:
    missing = [t for t in REQUIRED_TABLES if t not in m.tables]
    if missing:
        raise UserInputError(f"{m.origin}: tables {', '.join(missing)} are missing; products, orders and "
                             "order_items are required.",
                             hint="Map them from your order-lines export (see docs/import.md).")
    need = {"order_items": [("order_id",), ("product_id",), ("quantity",), ("unit_price", "revenue")],
            "orders": [("order_id",), ("order_date", "order_ts")], "products": [("product_id",)],
            "customers": [("customer_id",)], "campaigns": [("campaign_id",)],
            "reviews": [("product_id",), ("review_date",)], "web_traffic": [("date",), ("product_id",)],
            "marketing_spend": [("date",), ("campaign_id",)]}
    for table, groups in need.items():
        if table not in m.tables:
            continue
        for group in groups:
            if not any(c in m.tables[table].columns for c in group):
                raise UserInputError(f"{m.origin}: tables.{table}.columns must map {' or '.join(group)}.")
