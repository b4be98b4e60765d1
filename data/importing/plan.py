"""Compiles the mapping, for one source, into the SQL that turns its staged rows into clean contract values.

The result is one ``SELECT`` over the staging table (built in layers: typed source columns -> mapped values ->
contract types -> derived columns -> checks). Each row gets the contract columns of every table fed by the
source (``"order_items.quantity"``...), a duplicate flag, and the first failed check as ``_sl_reason`` /
``_sl_column`` / ``_sl_value`` -- one pass over the data, no Python loop over rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from shoplens.data.contract import Column
from shoplens.data.errors import UserInputError
from shoplens.data.importing.expr import Compiled, ExprCompiler
from shoplens.data.importing.mapping import KEY_COLUMNS, ColumnSpec, Mapping, SourceSpec
from shoplens.data.importing.sources import SourceFile
from shoplens.data.importing.transforms import (
    STATUSES,
    fast_ts_sql,
    ident,
    key_sql,
    literal,
    plausible_sql,
    status_sql,
    value_map_sql,
)

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "FLOAT", "DOUBLE", "REAL")


@dataclass
class Check:
    cond: str
    reason: str
    column: str
    value: str


@dataclass
class SourcePlan:
    spec: SourceSpec
    index: int
    files: list[SourceFile]
    header_types: dict[str, str]
    tables: list[str]
    num_fn: str
    ts_fn: str
    typed: dict[tuple[str, str], str] = field(default_factory=dict)
    pre: dict[str, str] = field(default_factory=dict)  # "p:T.C" -> sql
    kinds: dict[str, str] = field(default_factory=dict)  # "T.C" -> kind of the mapped value
    labels: dict[str, str] = field(default_factory=dict)  # "T.C" -> source column (or T.C) for messages
    values: dict[str, str] = field(default_factory=dict)  # "T.C" -> SQL of the offending value
    mapped: set[str] = field(default_factory=set)  # "T.C" mapped by the user (or inherited)
    parse_checks: list[Check] = field(default_factory=list)
    ts_formats: dict[str, list[str]] = field(default_factory=dict)  # text column -> formats its values use
    clean_columns: list[str] = field(default_factory=list)  # "T.C" columns of the clean table

    @property
    def stage(self) -> str:
        return f"_sl_stage_{self.index}"

    @property
    def clean(self) -> str:
        return f"_sl_clean_{self.index}"

    @property
    def columns(self) -> list[str]:
        """Source columns the mapping uses (the only ones staged)."""
        return list(dict.fromkeys(col for col, _ in self.typed))

    def typed_alias(self, col: str, kind: str) -> str:
        if (col, kind) not in self.typed:
            self.typed[(col, kind)] = f"__t{len(self.typed)}_{kind}"
        return ident(self.typed[(col, kind)])

    def typed_sql(self, col: str, kind: str) -> str:
        c, dtype = ident(col), self.header_types.get(col, "VARCHAR").upper()
        text = dtype == "VARCHAR"
        if kind == "text":  # trim only padded values: trimming copies every string
            return (f"CASE WHEN {c} LIKE ' %' OR {c} LIKE '% ' THEN nullif(trim({c}), '') ELSE nullif({c}, '') END"
                    if text else f"CAST({c} AS VARCHAR)")
        if kind == "num":
            if not text and dtype.startswith(("DECIMAL", *NUMERIC_TYPES)):
                return f"CAST({c} AS DOUBLE)"
            return f"{self.num_fn}({c if text else f'CAST({c} AS VARCHAR)'})"
        if not text and dtype.startswith(("DATE", "TIMESTAMP")):
            return f"CAST({c} AS TIMESTAMP)"
        if text and col in self.ts_formats:
            return fast_ts_sql(c, self.ts_formats[col], self.ts_fn)
        return f"{self.ts_fn}({c if text else f'CAST({c} AS VARCHAR)'})"


def col_alias(table: str, column: str) -> str:
    return f"{table}.{column}"


def want_kind(col: Column) -> str:
    t = col.type.upper()
    if col.name in KEY_COLUMNS or col.name == "status":
        return "text"
    if t.startswith(("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "DECIMAL", "DOUBLE")):
        return "num"
    if t.startswith("TIMESTAMP"):
        return "ts"
    if t.startswith("DATE"):
        return "date"
    return "text"


def compile_source(plan: SourcePlan, mapping: Mapping) -> None:
    """Compile every mapped column of the tables fed by ``plan``'s source (errors name the mapping key)."""
    label = f"source '{plan.spec.name}' ({plan.files[0].path.name}{' ...' if len(plan.files) > 1 else ''})"
    compiler = ExprCompiler(list(plan.header_types), plan.typed_alias, plan.num_fn, plan.ts_fn, label)
    for table in plan.tables:
        for col in mapping.columns_of(table):
            spec = mapping.tables[table].columns.get(col.name)
            if spec is None:
                continue
            alias = col_alias(table, col.name)
            compiled = _compile_column(compiler, spec, want_kind(col))
            plan.pre["p:" + alias] = compiled.sql
            plan.kinds[alias] = compiled.kind
            plan.mapped.add(alias)
            single = compiled.single_column if spec.kind in ("column", "expr") else None
            plan.labels[alias] = single or alias
            plan.values[alias] = (plan.typed_alias(single, "text") if single
                                  else f"CAST({ident('p:' + alias)} AS VARCHAR)")
            for chk in compiled.checks:
                plan.parse_checks.append(_parse_check(chk.kind, chk.raw, chk.parsed, chk.column, chk.raw))


def _parse_check(kind: str, raw: str, parsed: str, column: str, value: str) -> Check:
    if kind == "num":
        return Check(f"{raw} IS NOT NULL AND {parsed} IS NULL", "not a number", column, value)
    return Check(f"{raw} IS NOT NULL AND ({parsed} IS NULL OR NOT {plausible_sql(parsed)})", "unparsable date",
                 column, value)


def _compile_column(compiler: ExprCompiler, spec: ColumnSpec, want: str) -> Compiled:
    if spec.kind == "column":
        out = compiler.column(spec.text or "", want, spec.where)
    elif spec.kind == "expr":
        out = compiler.compile(spec.text or "", want, spec.where)
    elif spec.kind == "value":
        out = Compiled(literal(spec.value), _value_kind(spec.value))
    else:
        whens, checks, refs = [], [], []
        for i, (cond, value) in enumerate(spec.rules):
            c = compiler.compile(cond, "text", f"{spec.where}.rules[{i}].when")
            if c.kind != "bool":
                raise UserInputError(f"{spec.where}.rules[{i}].when: '{cond}' is not a condition.",
                                     hint="Write a test such as InvoiceNo LIKE 'C%' or Quantity < 0.")
            whens.append(f"WHEN {c.sql} THEN {literal(value)}")
            checks += c.checks
            refs += c.refs
        default = literal(spec.default)
        kind = _value_kind(spec.rules[0][1])
        return Compiled(f"CASE {' '.join(whens)} ELSE {default} END", kind, refs, checks)
    if out.kind == "bool":
        raise UserInputError(f"{spec.where}: the expression gives true/false, not a value.",
                             hint="Use rules: [{when: <condition>, value: <value>}] or CASE WHEN ... END.")
    if spec.values:
        out.sql = value_map_sql(out.sql, spec.values, spec.default, spec.default is not None)
        # with a default every value is a mapped one; without, unmapped values pass through as text
        out.kind = next((k for v in spec.values.values() if (k := _value_kind(v)) != "null"), "text") \
            if spec.default is not None else "text"
    elif spec.default is not None:
        out.sql = f"coalesce({out.sql}, {literal(spec.default)})" if out.kind == _value_kind(spec.default) else \
            f"coalesce(CAST({out.sql} AS VARCHAR), CAST({literal(spec.default)} AS VARCHAR))"
        out.kind = out.kind if out.kind == _value_kind(spec.default) else "text"
    return out


def _value_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "num"
    if isinstance(value, dt.datetime):
        return "ts"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def _coerce(plan: SourcePlan, table: str, col: Column, checks: list[Check]) -> tuple[str | None, str]:
    """(intermediate SQL or None, final SQL) turning "p:T.C" into the contract type; adds coercion checks."""
    alias = col_alias(table, col.name)
    pre, kind = ident("p:" + alias), plan.kinds[alias]
    mid_name, t = ident("m:" + alias), col.type.upper()
    label, value = plan.labels[alias], plan.values[alias]

    def parsed(kind_wanted: str) -> str:
        if kind in (kind_wanted, "null") or kind_wanted == "ts" and kind == "date":
            return pre
        fn = plan.num_fn if kind_wanted == "num" else plan.ts_fn
        checks.append(_parse_check(kind_wanted, pre, mid_name, label, value))
        return f"{fn}(CAST({pre} AS VARCHAR))"

    clean_text = plan.pre["p:" + alias] in {ident(a) for (_, k), a in plan.typed.items() if k == "text"}
    if col.name in KEY_COLUMNS:
        return None, key_sql(pre, trimmed=clean_text)
    if col.name == "status":
        return None, status_sql(pre)
    if t.startswith(("INTEGER", "BIGINT", "SMALLINT", "TINYINT")):
        checks.append(Check(f"{mid_name} IS NOT NULL AND {mid_name} <> trunc({mid_name})", "not a whole number",
                            label, value))
        checks.append(Check(f"{mid_name} IS NOT NULL AND {ident(alias)} IS NULL", "value out of range", label,
                            value))
        return parsed("num"), f"TRY_CAST({mid_name} AS {t})"
    if t.startswith("DECIMAL"):
        scale = int(re.search(r",\s*(\d+)", t).group(1)) if "," in t else 0  # type: ignore[union-attr]
        checks.append(Check(f"{mid_name} IS NOT NULL AND {ident(alias)} IS NULL", "value out of range", label,
                            value))
        return parsed("num"), f"TRY_CAST(round({mid_name}, {scale}) AS {t})"
    if t.startswith(("DATE", "TIMESTAMP")):
        return parsed("ts"), f"CAST({mid_name} AS {'DATE' if t == 'DATE' else 'TIMESTAMP'})"
    if kind in ("ts", "date"):
        return None, f"CAST({pre} AS VARCHAR)"
    return None, pre if clean_text else f"nullif(trim(CAST({pre} AS VARCHAR)), '')"


def dup_sql(plan: SourcePlan) -> str:
    """Rowids of exact duplicate lines (all but the first of each): candidates share the full-row hash, then
    the mapped columns are compared, so a hash collision can never drop a line."""
    stage, cols = plan.stage, [ident(c) for c in plan.columns]
    same = " AND ".join(f"e.{c} IS NOT DISTINCT FROM d.{c}" for c in cols) or "TRUE"
    return (f"SELECT DISTINCT d.rowid AS rid FROM {stage} d JOIN {stage} e ON e._sl_h = d._sl_h "
            f"AND e.rowid < d.rowid AND {same} WHERE d.rowid IN (SELECT rowid FROM (SELECT rowid, "
            f"row_number() OVER (PARTITION BY _sl_h ORDER BY rowid) AS rn FROM {stage}) WHERE rn > 1)")


def clean_sql(plan: SourcePlan, mapping: Mapping, derived_owner: dict[str, bool], dups: str | None) -> str:
    """The SELECT producing the clean table of ``plan``'s source. ``derived_owner[table]`` says whether a keyed
    table is derived from rows of another table's source (then a missing key just means "no such entity");
    ``dups`` names a table of duplicate rowids (``dup_sql``). Only mapped or derived contract columns are kept
    (``plan.clean_columns``); raw values stay in the staging table for the rejects file."""
    checks: list[Check] = list(_dedupe_checks(plan.parse_checks))
    mids, finals = {}, {}
    for table in plan.tables:
        for col in mapping.columns_of(table):
            alias = col_alias(table, col.name)
            if alias in plan.mapped:
                mid, final = _coerce(plan, table, col, checks)
                if mid is not None:
                    mids["m:" + alias] = mid
                finals[alias] = final
    adjust, line_status = _adjustments(plan, mapping)
    replace = {a: sql for a, sql in adjust.items() if a in finals}
    added = {a: sql for a, sql in adjust.items() if a not in finals}
    plan.clean_columns = [*finals, *added]
    checks += _required_checks(plan, mapping, derived_owner)
    checks += _domain_checks(plan, mapping)

    stage = plan.stage
    line = f"({stage}.rowid - fi.first_rowid + fi.first_line)"
    dup = "dd.rid IS NOT NULL" if dups else "FALSE"
    l1 = ", ".join([f"{stage}.rowid AS _sl_rid", "_sl_f", f"{line} AS _sl_line", f"{dup} AS _sl_dup",
                    *[f"{plan.typed_sql(c, k)} AS {ident(a)}" for (c, k), a in plan.typed.items()]])
    joins = f"JOIN {stage}_files fi ON fi.f = {stage}._sl_f" + (
        f" LEFT JOIN {dups} dd ON dd.rid = {stage}.rowid" if dups else "")
    layers = [f"SELECT {l1} FROM {stage} {joins}"]
    for exprs in (plan.pre, mids, finals):
        if exprs:
            layers.append("SELECT *, " + ", ".join(f"{sql} AS {ident(a)}" for a, sql in exprs.items()))
    layers.append(f"SELECT *, {line_status} AS _sl_line_status")  # before quantities are made positive
    if replace or added:
        layers.append("SELECT *" + (" REPLACE (" + ", ".join(f"{sql} AS {ident(a)}" for a, sql in replace.items())
                                    + ")" if replace else "")
                      + "".join(f", {sql} AS {ident(a)}" for a, sql in added.items()))
    # The first failed check, by number; its reason, column and value follow from the number.
    first = ("CASE " + " ".join(f"WHEN {c.cond} THEN {i}" for i, c in enumerate(checks, 1)) + " END"
             if checks else "NULL") + "::INTEGER AS _sl_check"
    layers.append(f"SELECT *, {first}")

    def pick(values: list[str]) -> str:
        if not checks:
            return "NULL::VARCHAR"
        return ("CASE _sl_check " + " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values, 1))
                + " END::VARCHAR")

    keep = ["_sl_rid", "_sl_f", "_sl_line", "_sl_dup", *[ident(a) for a in plan.clean_columns], "_sl_line_status",
            f"{pick([literal(c.reason) for c in checks])} AS _sl_reason",
            f"{pick([literal(c.column) for c in checks])} AS _sl_column",
            f"{pick([f'CAST({c.value} AS VARCHAR)' for c in checks])} AS _sl_value"]
    sql = layers[0]
    for i, layer in enumerate(layers[1:]):
        sql = f"{layer} FROM ({sql}) AS l{i}"
    return f"SELECT {', '.join(keep)} FROM ({sql}) AS fin"


def _dedupe_checks(checks: list[Check]) -> list[Check]:
    seen, out = set(), []
    for c in checks:
        if c.cond not in seen:
            seen.add(c.cond)
            out.append(c)
    return out


def _adjustments(plan: SourcePlan, mapping: Mapping) -> tuple[dict[str, str], str]:
    """Derived columns (revenue from quantity x price, order_date from order_ts, ...) and the sign handling of
    negative quantities, as ``SELECT * REPLACE`` expressions; plus the line-status expression."""
    out: dict[str, str] = {}
    line_status = "NULL::VARCHAR"
    if "order_items" in plan.tables:
        t = mapping.tables["order_items"]
        q, p, d, r = (ident(f"order_items.{c}") for c in ("quantity", "unit_price", "discount", "revenue"))
        mapped = {c for c in ("unit_price", "discount", "revenue") if f"order_items.{c}" in plan.mapped}
        flip = t.negative_quantity in ("cancelled", "returned")
        q5 = f"abs({q})" if flip else q
        d5 = d if "discount" in mapped else "0"
        if "revenue" in mapped:
            r5 = f"CASE WHEN {q} < 0 AND {r} < 0 THEN -{r} ELSE {r} END" if flip else r
        else:
            r5 = f"round({q5} * {p} - coalesce({d5}, 0), 2)"
        p5 = p if "unit_price" in mapped else f"round(({r5} + coalesce({d5}, 0)) / nullif({q5}, 0), 2)"
        out.update({"order_items.quantity": q5, "order_items.discount": f"CAST({d5} AS DECIMAL(10,2))",
                    "order_items.revenue": f"TRY_CAST({r5} AS DECIMAL(12,2))",
                    "order_items.unit_price": f"TRY_CAST({p5} AS DECIMAL(10,2))"})
        if flip:
            line_status = f"CASE WHEN {q} < 0 THEN '{t.negative_quantity}' END"
    if "orders" in plan.tables and "orders.order_date" not in plan.mapped:
        out["orders.order_date"] = f"CAST({ident('orders.order_ts')} AS DATE)"
    if "products" in plan.tables:  # the contract's sku is NOT NULL: fall back to the product key
        key = ident("products.product_id")
        out["products.sku"] = (f"coalesce({ident('products.sku')}, {key})" if "products.sku" in plan.mapped
                               else key)
    return out, line_status


def _required_checks(plan: SourcePlan, mapping: Mapping, derived_owner: dict[str, bool]) -> list[Check]:
    out = []
    order_level = "orders" in plan.tables and mapping.shares_source("orders", "order_items")
    for table in plan.tables:
        for col in mapping.columns_of(table):
            alias = col_alias(table, col.name)
            is_key = col.primary_key
            required = (not col.nullable and not is_key) or (is_key and alias in plan.mapped)
            if table in ("products", "customers", "campaigns") and is_key and derived_owner.get(table):
                required = False  # derived from lines: a line without a customer id simply has no customer
            if table == "products" and col.name in ("name", "category", "sku"):
                required = False  # filled in later (SKU, "Uncategorised")
            if order_level and table == "orders" and col.name != "order_id":
                required = False  # checked per order: one line with a date is enough
            if table == "orders" and col.name == "status" or table == "order_items" and col.name == "line_no" \
                    and alias not in plan.mapped:
                required = False
            if alias == "order_items.unit_price" and alias in plan.mapped and \
                    "order_items.revenue" not in plan.mapped:
                required = True  # revenue is computed from it
            if not required:
                continue
            label = plan.labels.get(alias, alias)
            out.append(Check(f"{ident(alias)} IS NULL", f"missing {col.name}", label, "NULL"))
    return out


def _domain_checks(plan: SourcePlan, mapping: Mapping) -> list[Check]:
    out = []
    if "order_items" in plan.tables:
        q, p = "order_items.quantity", "order_items.unit_price"
        if mapping.tables["order_items"].negative_quantity == "reject":
            out.append(Check(f"{ident(q)} < 0", "negative quantity", plan.labels.get(q, q), plan.values.get(q, "NULL")))
        if p in plan.mapped:
            out.append(Check(f"{ident(p)} < 0", "negative price", plan.labels[p], plan.values[p]))
    if "orders.status" in plan.mapped:
        valid = ", ".join(f"'{s}'" for s in STATUSES)
        out.append(Check(f"{ident('orders.status')} NOT IN ({valid})", "unknown status", plan.labels["orders.status"],
                         ident("orders.status")))
    if "reviews.rating" in plan.mapped:
        out.append(Check(f"{ident('reviews.rating')} NOT BETWEEN 1 AND 5", "rating not between 1 and 5",
                         plan.labels["reviews.rating"], plan.values["reviews.rating"]))
    return out
