"""The shop's own dimensions, declared in the import mapping beyond the contract's (country, store, warehouse,
sales rep, any column)::

    dimensions:
      country:
        column: Country             # like any mapped column: a source column, an expression, rules, values, default
        table: orders               # what the value describes: orders (default), products or customers
        label: Country              # default: the name, capitalised
        synonyms: [market, territory, nation]

Each becomes an extra text column of its table, filled like the contract's own columns (an order's first line
with a value, a product's most frequent value), and a row of ``shop_dimensions``, from which the semantic layer
makes a dimension: the planner, the tools and the LLM's tool schemas then know it with no code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoplens.data.contract import TABLES, Column
from shoplens.data.errors import UserInputError

DIMENSION_TABLES = ("orders", "products", "customers")
META_KEYS = ("table", "label", "synonyms")
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
META_TABLE = "shop_dimensions"


@dataclass(frozen=True)
class DimensionSpec:
    name: str
    table: str
    label: str
    synonyms: tuple[str, ...]

    @property
    def column(self) -> Column:
        return Column(self.name, "VARCHAR")


def parse_dimensions(raw: Any, origin: str, tables: dict[str, Any]) -> dict[str, DimensionSpec]:
    """Validate the ``dimensions`` block; adds each dimension's column spec to its table's columns."""
    from shoplens.data.importing.mapping import COLUMN_KEYS, _column, _unknown

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UserInputError(f"{origin}: 'dimensions' must map a name to a column (country: Country).")
    out: dict[str, DimensionSpec] = {}
    for name, spec in raw.items():
        where = f"{origin}: dimensions.{name}"
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise UserInputError(f"{where}: a dimension name is lower-case letters, digits and '_' (e.g. country, "
                                 "sales_rep).")
        meta = dict(spec) if isinstance(spec, dict) else {}
        table = str(meta.pop("table", "orders"))
        label = str(meta.pop("label", name.replace("_", " ").capitalize()))
        synonyms = meta.pop("synonyms", []) or []
        if table not in DIMENSION_TABLES:
            raise _unknown(f"{where}.table", table, DIMENSION_TABLES, "table")
        if table not in tables:
            raise UserInputError(f"{where}: table '{table}' is not mapped, so it cannot carry this dimension.")
        if name in {c.name for c in TABLES[table]}:
            raise UserInputError(f"{where}: '{name}' is already a column of {table}; map it under "
                                 f"tables.{table}.columns instead, or choose another name.")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            raise UserInputError(f"{where}.synonyms: expected a list of words, e.g. [market, territory].")
        for key in meta:
            if key not in COLUMN_KEYS:
                raise _unknown(where, key, (*COLUMN_KEYS, *META_KEYS))
        column_spec = spec if isinstance(spec, str) else meta
        tables[table].columns[name] = _column(table, name, column_spec, where)
        out[name] = DimensionSpec(name, table, label, tuple(s.strip() for s in synonyms if s.strip()))
    return out


def write_dimensions(con: Any, dims: dict[str, DimensionSpec]) -> None:
    """Record the declared dimensions in the warehouse (table ``shop_dimensions``) for the semantic layer."""
    if not dims:
        return
    con.execute(f"CREATE TABLE {META_TABLE} (name VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, "
                "table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, synonyms VARCHAR[])")
    con.executemany(f"INSERT INTO {META_TABLE} VALUES (?, ?, ?, ?, ?)",
                    [[d.name, d.label, d.table, d.name, list(d.synonyms)] for d in dims.values()])
