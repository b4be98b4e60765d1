"""From clean source rows to contract tables: cross-row checks, integer ids for source keys, and the inserts.

Cross-row checks run after the per-row ones: duplicate keys in a file that should hold one row per key, orders
without any dated line, references to products/orders that do not exist. Source keys ('536365', 'C536379',
'#1001', '85123A') become integer ids by the mapping's ``ids`` strategy; the original key text is not stored
(the contract has no column for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from shoplens.data.contract import TABLES, create_table_sql
from shoplens.data.errors import DataError
from shoplens.data.importing.mapping import ENTITIES, KEY_COLUMNS, Mapping
from shoplens.data.importing.plan import SourcePlan
from shoplens.data.importing.transforms import (
    UNCATEGORISED,
    ident,
    literal,
    most_frequent_sql,
    most_frequent_text_sql,
    status_of_rank_sql,
    status_rank_sql,
    unique_names_sql,
)

KEPT = "_sl_reason IS NULL AND NOT _sl_dup"
INT_RANGE = {"INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
#: How a keyed table derived from many rows picks each column (default: orders/reviews first, others most frequent).
AGGREGATE = {
    "orders": {"order_ts": "min", "order_date": "min", "status": "status"},
    "products": {"name": "text", "description": "text", "launch_date": "min", "discontinued_date": "max"},
    "customers": {"signup_date": "min"},
    "campaigns": {"start_date": "min", "end_date": "max"},
}


@dataclass
class Builder:
    con: duckdb.DuckDBPyConnection
    mapping: Mapping
    plans: dict[str, SourcePlan]  # source name -> plan
    ids: dict[str, str] = field(default_factory=dict)  # entity -> id strategy, once key_maps() ran

    def clean_of(self, table: str) -> str:
        return self.plans[self.mapping.tables[table].source].clean

    def derived(self, table: str) -> bool:
        """A keyed table is derived when its source also feeds another table (one row per line, not per key)."""
        source = self.mapping.tables[table].source
        return any(t != table and s.source == source for t, s in self.mapping.tables.items())

    # --- cross-row checks ---------------------------------------------------------------------------------------
    def reject(self, table: str, where: str, reason: str, column: str, value_sql: str) -> None:
        clean = self.clean_of(table)
        self.con.execute(f"UPDATE {clean} SET _sl_reason = {literal(reason)}, _sl_column = {literal(column)}, "
                         f"_sl_value = CAST({value_sql} AS VARCHAR) WHERE {KEPT} AND ({where})")

    def cross_row_checks(self) -> None:
        m = self.mapping
        for table, key in KEY_COLUMNS_BY_TABLE.items():
            if table not in m.tables or self.derived(table) or f"{table}.{key}" not in self._mapped(table):
                continue
            self._duplicates(table, [key], f"duplicate {key}")
        if "line_no" in m.tables["order_items"].columns:
            self._duplicates("order_items", ["order_id", "line_no"], "duplicate line_no")
        if m.shares_source("orders", "order_items"):
            col = ident("orders.order_id")
            self.reject("orders", f"{col} IN (SELECT {col} FROM {self.clean_of('orders')} WHERE {KEPT} GROUP BY 1 "
                        f"HAVING max({ident('orders.order_date')}) IS NULL)", "missing order_date",
                        self._label("orders", "order_date"), "NULL")
        refs = [("order_items", "product_id", "products"), ("order_items", "order_id", "orders"),
                ("reviews", "product_id", "products"), ("web_traffic", "product_id", "products"),
                ("marketing_spend", "campaign_id", "campaigns")]
        for table, key, owner in refs:
            if table not in m.tables or owner not in m.tables or m.shares_source(table, owner):
                continue
            col, own = ident(f"{table}.{key}"), ident(f"{owner}.{key}")
            self.reject(table, f"{col} IS NOT NULL AND {col} NOT IN (SELECT {own} FROM {self.clean_of(owner)} "
                        f"WHERE {KEPT} AND {own} IS NOT NULL)", f"unknown {ENTITY_OF[owner]}",
                        self._label(table, key), col)

    def _mapped(self, table: str) -> set[str]:
        return self.plans[self.mapping.tables[table].source].mapped

    def _label(self, table: str, column: str) -> str:
        return self.plans[self.mapping.tables[table].source].labels.get(f"{table}.{column}", f"{table}.{column}")

    def _duplicates(self, table: str, keys: list[str], reason: str) -> None:
        clean, cols = self.clean_of(table), [ident(f"{table}.{k}") for k in keys]
        part = ", ".join(cols)
        self.con.execute(
            f"UPDATE {clean} SET _sl_reason = {literal(reason)}, _sl_column = {literal(self._label(table, keys[-1]))}, "
            f"_sl_value = d.v FROM (SELECT _sl_rid, concat_ws(' / ', {part}) || ' (first on line ' || "
            f"first_value(_sl_line) OVER w || ')' AS v, row_number() OVER w AS rn FROM {clean} "
            f"WHERE {KEPT} AND {' AND '.join(c + ' IS NOT NULL' for c in cols)} "
            f"WINDOW w AS (PARTITION BY {part} ORDER BY _sl_rid)) d "
            f"WHERE d.rn > 1 AND {clean}._sl_rid = d._sl_rid")

    # --- ids ----------------------------------------------------------------------------------------------------
    def key_maps(self) -> dict[str, str]:
        """Create ``_sl_keys_<entity>(key, id)`` for every entity in use; returns entity -> strategy used."""
        used = self.ids
        for entity, (owner, key, id_type) in ENTITIES.items():
            parts = []
            for table, spec in self.mapping.tables.items():
                if key not in spec.columns and not (table == owner and f"{table}.{key}" in self._mapped(table)):
                    continue
                if table != owner and entity in ("product", "order", "review") and owner in self.mapping.tables:
                    continue  # must exist in the owner table (checked above), so the owner's keys suffice
                col = ident(f"{table}.{key}")
                parts.append(f"SELECT {col} AS key FROM {self.clean_of(table)} WHERE {KEPT} AND {col} IS NOT NULL")
            if not parts:
                continue
            keys = f"_sl_keys_{entity}"
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {keys}_src AS SELECT DISTINCT key FROM "
                             f"({' UNION ALL '.join(parts)})")
            strategy = self._strategy(keys + "_src", entity, id_type)
            used[entity] = strategy
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {keys} AS SELECT key, {_id_sql(strategy, id_type)} "
                             f"AS id FROM {keys}_src")
            if strategy == "hash":
                n, ids = self.con.execute(f"SELECT count(*), count(DISTINCT id) FROM {keys}").fetchone() or (0, 0)
                if n != ids:
                    raise DataError(f"Two different {entity} keys hash to the same id.",
                                    hint=f"Use ids: {{{entity}: rank}} in the mapping.")
        return used

    def _strategy(self, keys: str, entity: str, id_type: str) -> str:
        wanted = self.mapping.ids[entity]
        if wanted != "auto":
            return wanted
        limit = INT_RANGE[id_type]
        digits = "regexp_replace(key, '\\D', '', 'g')"
        row = self.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE regexp_full_match(key, '-?\\d{{1,18}}')), "
            f"count(DISTINCT TRY_CAST(key AS BIGINT)), max(abs(TRY_CAST(key AS HUGEINT))), "
            f"count(*) FILTER (WHERE length({digits}) BETWEEN 1 AND 18), count(DISTINCT nullif({digits}, '')), "
            f"max(TRY_CAST(nullif({digits}, '') AS HUGEINT)) FROM {keys}").fetchone()
        n, n_int, n_int_distinct, max_int, n_dig, n_dig_distinct, max_dig = row or (0,) * 7
        if n and n_int == n == n_int_distinct and (max_int or 0) <= limit:
            return "number"
        if n and n_dig == n == n_dig_distinct and (max_dig or 0) <= limit:
            return "digits"
        return "rank"

    # --- tables ---------------------------------------------------------------------------------------------------
    def build_tables(self, on_table: Callable[[str], None] = lambda name: None) -> dict[str, int]:
        """Create and fill every mapped contract table (in contract order); returns rows per table."""
        counts = {}
        for table in TABLES:
            if table not in self.mapping.tables:
                continue
            self.con.execute(create_table_sql(table, self.mapping.columns_of(table)))
            self._rows_view(table)
            if table in AGGREGATE or (table == "reviews" and "reviews.review_id" in self._mapped("reviews")):
                self._insert_keyed(table)
            else:
                self._insert_rows(table)
            if table == "products":
                for stmt in unique_names_sql("products").split(";\n"):
                    self.con.execute(stmt)
                self._product_aliases()
            row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
            on_table(table)
        return counts

    def _product_aliases(self) -> None:
        """``product_aliases``: the other spellings a product's lines carry ("CREAM HANGING HEART T-LIGHT HOLDER" on
        some lines of 85123A, named "WHITE HANGING HEART T-LIGHT HOLDER"), so a question may use either."""
        if "products.name" not in self._mapped("products"):
            return
        clean = "trim(regexp_replace(r.name, '\\s+', ' ', 'g'))"
        self.con.execute(
            f"CREATE TABLE product_aliases AS SELECT DISTINCT r.product_id, {clean} AS alias "
            f"FROM _sl_rows_products r JOIN products p ON p.product_id = r.product_id "
            f"WHERE r.name IS NOT NULL AND {clean} <> '' AND lower({clean}) <> lower(p.name) ORDER BY 1, 2")

    def _rows_view(self, table: str) -> None:
        """``_sl_rows_<table>``: kept rows with contract column names and key columns turned into ids."""
        clean, cols, joins = self.clean_of(table), ["c._sl_rid AS _sl_rid"], []
        present = set(self.plans[self.mapping.tables[table].source].clean_columns)
        for col in self.mapping.columns_of(table):
            if f"{table}.{col.name}" not in present:
                cols.append(f"NULL::{col.type} AS {col.name}")
                continue
            src = f"c.{ident(f'{table}.{col.name}')}"
            entity = KEY_COLUMNS.get(col.name)
            if entity and entity in self.ids:
                alias = f"k_{col.name}"
                required = col.primary_key or not col.nullable
                if table == "reviews" and col.name == "order_id":
                    required = False
                joins.append(f"{'JOIN' if required else 'LEFT JOIN'} _sl_keys_{entity} {alias} ON {alias}.key = {src}")
                cols.append(f"{alias}.id AS {col.name}")
            else:
                cols.append(f"{src} AS {col.name}")
        if table == "orders":  # negative quantities may have set a status on lines
            if self.mapping.tables["order_items"].negative_quantity not in ("cancelled", "returned"):
                cols.append("NULL::INTEGER AS _sl_line_rank")
            elif self.mapping.shares_source("orders", "order_items"):
                cols.append(f"{status_rank_sql('c._sl_line_status')} AS _sl_line_rank")
            else:
                joins.append(f"LEFT JOIN (SELECT {ident('order_items.order_id')} AS k, "
                             f"max({status_rank_sql('_sl_line_status')}) AS r FROM {self.clean_of('order_items')} "
                             f"WHERE {KEPT} GROUP BY 1) ls ON ls.k = c.{ident('orders.order_id')}")
                cols.append("ls.r AS _sl_line_rank")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW _sl_rows_{table} AS SELECT {', '.join(cols)} FROM {clean} c "
                         f"{' '.join(joins)} WHERE c._sl_reason IS NULL AND NOT c._sl_dup")

    def _insert_rows(self, table: str) -> None:
        names = [c.name for c in self.mapping.columns_of(table)]
        select = list(names)
        if table == "order_items" and "order_items.line_no" not in self._mapped("order_items"):
            select[names.index("line_no")] = "row_number() OVER (PARTITION BY order_id ORDER BY _sl_rid)"
        if table == "reviews":
            select[0] = "row_number() OVER (ORDER BY _sl_rid)"
        try:
            self.con.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(select)} "
                             f"FROM _sl_rows_{table}")
        except duckdb.ConversionException as exc:
            if table != "order_items":
                raise
            raise DataError("An order has more than 32,767 lines, the most the contract allows.",
                            hint="Check that order_id maps the order number, not a date or customer.") from exc

    def _insert_keyed(self, table: str) -> None:
        key = KEY_COLUMNS_BY_TABLE[table]
        rows, mapped = f"_sl_rows_{table}", self._mapped(table)
        default = "first" if table in ("orders", "reviews") else "mode"
        select: dict[str, str] = {key: f"g.{key}"}
        ctes, joins, aggs = [], [], []
        for col in self.mapping.columns_of(table):
            if col.name == key:
                continue
            how = AGGREGATE.get(table, {}).get(col.name, default)
            if f"{table}.{col.name}" not in mapped and not (table == "products" and col.name == "sku") and not (
                    table == "orders" and col.name in ("status", "order_date")):
                select[col.name] = "NULL"
                continue
            if how in ("mode", "text"):
                builder = most_frequent_text_sql if how == "text" else most_frequent_sql
                ctes.append(f"m_{col.name} AS ({builder(rows, key, col.name)})")
                joins.append(f"LEFT JOIN m_{col.name} ON m_{col.name}.k = g.{key}")
                select[col.name] = f"m_{col.name}.v"
                continue
            if how == "status":
                agg = status_of_rank_sql(f"greatest(max({status_rank_sql('status')}), max(_sl_line_rank))")
            elif how in ("min", "max"):
                agg = f"{how}({col.name})"
            else:
                agg = f"arg_min({col.name}, _sl_rid)"
            aggs.append(f"{agg} AS {col.name}")
            select[col.name] = f"g.{col.name}"
        if table == "products":  # contract: name and category are NOT NULL
            select["name"] = f"coalesce({select['name']}, {select['sku']}, 'Product ' || g.product_id)"
            select["category"] = f"coalesce({select['category']}, {literal(UNCATEGORISED)})"
        group = f"SELECT {key}{''.join(', ' + a for a in aggs)} FROM {rows} GROUP BY {key}"
        with_ = f"WITH {', '.join(ctes)} " if ctes else ""
        names = [c.name for c in self.mapping.columns_of(table)]
        exprs = ", ".join(f"{select[n]} AS {n}" for n in names)
        self.con.execute(f"INSERT INTO {table} ({', '.join(names)}) {with_}SELECT {exprs} "
                         f"FROM ({group}) g {' '.join(joins)}")

    def conflicts(self) -> list[str]:
        """Warnings for derived orders whose lines disagree on an order field (the first line's value is kept)."""
        if "orders" not in self.mapping.tables or not self.derived("orders"):
            return []
        fields = [c.name for c in self.mapping.columns_of("orders") if f"orders.{c.name}" in self._mapped("orders")
                  and c.name not in ("order_id", "order_ts", "order_date", "status")]
        if not fields:
            return []
        cols = {f: ident(f"orders.{f}") for f in fields}  # source keys compare as well as ids, without joins
        row = self.con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE lo_{f} <> hi_{f})" for f in fields) + " FROM (SELECT "
            + ", ".join(f"min({c}) AS lo_{f}, max({c}) AS hi_{f}" for f, c in cols.items())
            + f" FROM {self.clean_of('orders')} WHERE {KEPT} GROUP BY {ident('orders.order_id')})").fetchone() or ()
        return [f"{n:,} orders have lines with different {f}; the first line's value was kept."
                for f, n in zip(fields, row, strict=True) if n]


KEY_COLUMNS_BY_TABLE = {"products": "product_id", "orders": "order_id", "customers": "customer_id",
                        "campaigns": "campaign_id", "reviews": "review_id"}
ENTITY_OF = {owner: entity for entity, (owner, _, _) in ENTITIES.items()}


def _id_sql(strategy: str, id_type: str) -> str:
    digits = "regexp_replace(key, '\\D', '', 'g')"
    if strategy == "number":
        return f"CAST(key AS {id_type})"
    if strategy == "digits":
        return f"CAST({digits} AS {id_type})"
    if strategy == "hash":
        return f"CAST(md5_number_lower(key) % {INT_RANGE[id_type]} + 1 AS {id_type})"
    return (f"CAST(dense_rank() OVER (ORDER BY TRY_CAST(nullif({digits}, '') AS DOUBLE) NULLS LAST, key) "
            f"AS {id_type})")
