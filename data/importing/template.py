"""``shoplens data mapping-template``: a starter mapping written from the headers (and a sample) of the user's files.

Each contract column is matched to a header through a synonym list (exact, then fuzzy with rapidfuzz); the file
that looks like order lines feeds order_items, orders, products and customers. The sample decides the date order
(a first number over 12 means day-first), spots credit-note prefixes ('C536379') and negative quantities, and maps
status values such as Shopify's financial status. Every guess is marked for the user to check.
"""

from __future__ import annotations

import glob as globlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from shoplens.data.errors import UserInputError
from shoplens.data.importing.grouping import group_patterns
from shoplens.data.importing.mapping import SourceSpec, parse_mapping
from shoplens.data.importing.sources import file_format, reader_sql

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "order_items": {
        "order_id": ["invoiceno", "invoice", "invoicenumber", "orderid", "ordernumber", "orderno", "order",
                     "transactionid", "receiptno", "name", "id"],
        "product_id": ["stockcode", "sku", "lineitemsku", "productid", "itemcode", "productcode", "articlenumber",
                       "itemid", "variantsku"],
        "quantity": ["quantity", "qty", "lineitemquantity", "units", "quantityordered"],
        "unit_price": ["unitprice", "price", "lineitemprice", "itemprice", "priceeach", "saleprice"],
        "discount": ["discount", "lineitemdiscount", "discountamount"],
        "revenue": ["linetotal", "lineamount", "linerevenue", "revenue", "sales", "amount"],
    },
    "orders": {
        "order_ts": ["invoicedate", "createdat", "orderdate", "orderdatetime", "date", "timestamp", "ordertime",
                     "purchasedate", "datetime"],
        "customer_id": ["customerid", "customerno", "customer", "clientid", "buyerid", "email", "customeremail"],
        "region": ["country", "region", "shippingprovince", "shippingprovincename", "state", "shippingcountry",
                   "province", "billingprovince", "billingcountry"],
        "channel": ["saleschannel", "channel", "source"],
        "status": ["financialstatus", "orderstatus", "status", "paymentstatus"],
    },
    "products": {
        "name": ["description", "lineitemname", "productname", "itemname", "product", "title", "name"],
        "category": ["category", "productcategory", "producttype", "department", "type"],
        "subcategory": ["subcategory"],
        "brand": ["brand", "vendor", "lineitemvendor", "manufacturer"],
        "list_price": ["listprice", "compareatprice", "lineitemcompareatprice", "msrp"],
        "unit_cost": ["unitcost", "cost", "costperitem"],
    },
}
#: Source status value -> contract status (Shopify financial statuses and common words).
STATUS_WORDS = {"paid": "completed", "complete": "completed", "completed": "completed", "fulfilled": "completed",
                "shipped": "completed", "delivered": "completed", "authorized": "completed", "pending": "completed",
                "partially_paid": "completed", "partially_refunded": "completed", "refunded": "returned",
                "returned": "returned", "voided": "cancelled", "cancelled": "cancelled", "canceled": "cancelled"}
_DAYISH = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass
class SourceGuess:
    name: str
    pattern: str | list[str]
    headers: list[str]
    sample: dict[str, list[str]] = field(default_factory=dict)
    matches: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> contract column -> header
    score: float = 0.0


def _score(header: str, synonyms: list[str]) -> float:
    from rapidfuzz import fuzz

    h = _norm(header)
    if h in synonyms:
        return 100 - 0.5 * synonyms.index(h)
    best = max((fuzz.ratio(h, s) for s in synonyms), default=0)
    return best * 0.9 if best >= 88 else 0.0


def _match(headers: list[str], tables: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, str]]:
    """Greedy best-first assignment: each header feeds at most one contract column."""
    pairs = sorted(((s, t, c, h) for t, cols in tables.items() for c, syn in cols.items() for h in headers
                    if (s := _score(h, syn)) > 0), key=lambda p: (-p[0], p[1], p[2], p[3]))
    out: dict[str, dict[str, str]] = {t: {} for t in tables}
    used: set[str] = set()
    for _, table, col, header in pairs:
        if header in used or col in out[table]:
            continue
        out[table][col] = header
        used.add(header)
    return out


def _read(pattern: str, base: Path) -> tuple[list[str], dict[str, list[str]], Path]:
    full = Path(pattern).expanduser()
    full = full if full.is_absolute() else base / full
    paths = sorted(Path(p) for p in globlib.glob(str(full))) if globlib.has_magic(str(full)) else [full]
    if not paths or not paths[0].is_file():
        raise UserInputError(f"No file matches {pattern}.", hint="Give paths to your CSV or Parquet exports.")
    spec = SourceSpec(name="x", patterns=[pattern])
    con = duckdb.connect()
    rows: list = []
    try:  # the first, a middle and the last file: one day's dates rarely tell day-first from month-first
        for path in dict.fromkeys([paths[0], paths[len(paths) // 2], paths[-1]]):
            rel = con.sql(f"SELECT * FROM {reader_sql(spec, path)} LIMIT {5000 if path == paths[0] else 500}")
            if path == paths[0]:
                cols = list(rel.columns)
            elif list(rel.columns) != cols:
                continue
            rows += rel.fetchall()
    except duckdb.Error as exc:
        raise UserInputError(f"Cannot read {path}: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    sample = {c: [str(r[i]) for r in rows if r[i] is not None and str(r[i]).strip()] for i, c in enumerate(cols)}
    return cols, sample, paths[0]


def _source_name(pattern: str, taken: set[str]) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", Path(pattern).stem.lower()).strip("_")
    if globlib.has_magic(Path(pattern).name) or not stem or stem[0].isdigit():  # "exports/*.csv", "2024-01-02.csv"
        stem = re.sub(r"[^a-z0-9]+", "_", Path(pattern).parent.name.lower()).strip("_") or stem or "source"
    stem = stem if not stem[0].isdigit() else f"s_{stem}"
    name, i = stem, 2
    while name in taken:
        name, i = f"{stem}_{i}", i + 1
    return name


def build_template(patterns: list[str], *, base: Path | None = None, mapping_dir: Path | None = None) -> str:
    """YAML text of a starter mapping for the given files (paths or globs)."""
    base = base or Path.cwd()
    if not patterns:
        raise UserInputError("Give at least one export file (CSV or Parquet).")
    guesses: list[SourceGuess] = []
    for group in group_patterns(list(patterns), base):  # same-header files (one per day) are one source
        pattern = group if isinstance(group, str) else group[0]
        headers, sample, first = _read(pattern, base)
        file_format(SourceSpec(name="x", patterns=[pattern]), first)
        where: str | list[str] = _relative(group, base, mapping_dir) if isinstance(group, str) else \
            [_relative(g, base, mapping_dir) for g in group]
        g = SourceGuess(_source_name(pattern, {x.name for x in guesses}), where, headers, sample)
        g.matches = _match(headers, SYNONYMS)
        g.score = sum(1 for c in ("order_id", "product_id", "quantity") if c in g.matches["order_items"])
        guesses.append(g)
    lines = max(guesses, key=lambda g: (g.score, len(g.matches["orders"])))
    if lines.score < 3:
        raise UserInputError(
            "None of the files looks like an order-lines export (order id, product/SKU, quantity).",
            hint=f"Headers seen: {', '.join(lines.headers[:30])}. Write the mapping by hand (docs/import.md).")
    text = _render(lines, [g for g in guesses if g is not lines])
    parse_mapping(__import__("yaml").safe_load(text), base_dir=mapping_dir or base, origin="template")
    return text


def _relative(pattern: str, base: Path, mapping_dir: Path | None) -> str:
    p = Path(pattern).expanduser()
    full = (p if p.is_absolute() else base / p).resolve() if not globlib.has_magic(pattern) else (
        p if p.is_absolute() else base / p)
    if mapping_dir is None:
        return str(full)
    try:
        return str(Path(full).relative_to(mapping_dir.resolve()))
    except ValueError:
        return str(full)


def _q(value: str) -> str:
    """A YAML scalar: plain when safe, else JSON-quoted (valid YAML)."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", value) and value.lower() not in (
            "yes", "no", "true", "false", "null", "on", "off", "y", "n"):
        return value
    return json.dumps(value)


def _col(name: str) -> str:
    """A header as it must appear inside an expression."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _date_order(values: list[str]) -> tuple[str | None, str]:
    firsts, seconds, dayish = 0, 0, 0
    for v in values:
        m = _DAYISH.match(v)
        if m:
            dayish += 1
            firsts, seconds = max(firsts, int(m.group(1))), max(seconds, int(m.group(2)))
    if not dayish:
        return None, ""
    if firsts > 12:
        return "day_first", f"# values such as day {firsts} in the first position: day-first"
    if seconds > 12:
        return "month_first", f"# values such as day {seconds} in the second position: month-first"
    return "day_first", "# CHECK: the sample cannot tell day-first from month-first; day_first is a guess"


def _render(src: SourceGuess, others: list[SourceGuess]) -> str:
    oi, orders, products = (src.matches[t] for t in ("order_items", "orders", "products"))
    out = ["# ShopLens import mapping (starter written by `shoplens data mapping-template`).",
           "# Check every line marked CHECK, then run: shoplens data import --mapping THIS_FILE --dry-run",
           "# Format: docs/import.md", "version: 1",
           "on_error: skip          # skip: leave bad rows out (list them with --rejects); fail: stop at the first"]
    date_col = orders.get("order_ts")
    order, note = _date_order(src.sample.get(date_col, [])) if date_col else (None, "")
    if order:
        out.append(f"dates: {order}        {note}")
    sample = src.sample
    path = _q(src.pattern) if isinstance(src.pattern, str) else "[" + ", ".join(_q(p) for p in src.pattern) + "]"
    out += ["sources:", f"  {src.name}:", f"    path: {path}",
            "    drop_duplicates: true   # identical lines are counted once", "tables:", "  order_items:",
            f"    source: {src.name}"]
    qty = oi.get("quantity")
    negative = any(v.strip().startswith("-") for v in sample.get(qty or "", []))
    credit = _credit_prefix(src, oi.get("order_id")) if not orders.get("status") else None
    if credit:
        out.append("    negative_quantity: allow   # credit notes keep their negative lines: revenue is net of "
                   "them (gross_revenue and refunds are separate metrics)")
    else:
        out.append(f"    negative_quantity: {'returned' if negative else 'reject'}"
                   + ("   # CHECK: negative quantities found; their orders become 'returned' (or use cancelled)"
                      if negative else "   # reject | cancelled | returned | allow"))
    out.append("    columns:")
    name_col = products.get("name")
    for col in ("order_id", "product_id", "quantity", "unit_price", "discount", "revenue"):
        header = oi.get(col)
        if col == "revenue" and "unit_price" in oi:
            continue  # derived: quantity x unit_price - discount
        if header is None:
            continue
        value = _q(header)
        if col == "product_id" and name_col and len(sample.get(header, [])) < len(sample.get(name_col, [])):
            value = _q(f"coalesce({_col(header)}, {_col(name_col)})")
            out.append(f"      {col}: {value}   # CHECK: some lines have no SKU; their name is used instead")
            continue
        out.append(f"      {col}: {value}")
    out += ["  orders:", f"    source: {src.name}   # one row per line: orders are derived from the lines",
            "    columns:"]
    country = orders.get("region") if "country" in _norm(orders.get("region", "")) else None
    for col in ("order_ts", "customer_id", "region", "channel"):
        if col in orders and not (col == "region" and country):
            out.append(f"      {col}: {_q(orders[col])}")
    out += _status_lines(src, oi.get("order_id"), orders.get("status"))
    out += ["  products:", f"    source: {src.name}", "    columns:"]
    for col in ("name", "category", "subcategory", "brand", "list_price", "unit_cost"):
        if col in products:
            out.append(f"      {col}: {_q(products[col])}")
    service = _service_codes(sample.get(oi.get("product_id") or "", []))
    if "category" not in products and service:
        codes = ", ".join("'" + c.replace("'", "''") + "'" for c in service)
        out += ["      category:   # CHECK: no category column; postage and fee lines are not items (units skip them)",
                "        rules:", f"          - when: {_q(_col(oi['product_id']) + ' IN (' + codes + ')')}",
                "            value: Non-product", "        default: Uncategorised"]
    elif "category" not in products:
        out.append("      # category: <column>   # CHECK: no category column found; products get 'Uncategorised'")
    if "customer_id" in orders:
        out += ["  customers:", f"    source: {src.name}", "    columns:"]
        if "region" in orders and not country:
            out.append(f"      region: {_q(orders['region'])}")
        else:
            out.append(f"      customer_id: {_q(orders['customer_id'])}")
    if country:
        out += ["dimensions:              # the shop's own dimensions: the planner and tools pick them up",
                "  country:", f"    column: {_q(country)}",
                "    synonyms: [countries, market, markets, territory, territories, nation]"]
    for g in others:
        out.append(f"# Not mapped: {g.pattern} (headers: {', '.join(g.headers[:12])}). Add it under sources/tables"
                   " if it holds reviews, traffic, campaigns or spend (docs/import.md).")
    return "\n".join(out) + "\n"


def _status_lines(src: SourceGuess, order_col: str | None, status_col: str | None) -> list[str]:
    if status_col:
        seen = sorted({v.strip().lower() for v in src.sample.get(status_col, [])})
        lines = ["      status:", f"        column: {_q(status_col)}", "        values:"]
        for v in seen:
            target = STATUS_WORDS.get(v)
            lines.append(f"          {_q(v)}: {target or 'completed'}" + ("" if target else "   # CHECK"))
        lines.append("        default: completed")
        return lines
    p = _credit_prefix(src, order_col)
    if order_col and p:
        return ["      status:", "        rules:",
                f"          - when: {_q(f'{_col(order_col)} LIKE ' + repr(p + '%'))}   "
                f"# CHECK: '{p}'-prefixed numbers look like credit notes (refunds, netted out of revenue)",
                "            value: refund", "        default: completed"]
    return []


def _service_codes(values: list[str]) -> list[str]:
    """The known postage/fee codes (data/importing/non_products.yaml) when the sample has any of them."""
    from importlib import resources

    import yaml

    known = [str(c) for c in yaml.safe_load(resources.files("shoplens.data.importing").joinpath(
        "non_products.yaml").read_text("utf-8"))["codes"]]
    seen = {v.strip().upper() for v in values}
    return known if seen & set(known) else []


def _credit_prefix(src: SourceGuess, order_col: str | None) -> str | None:
    """The letter prefix of credit-note numbers ('C536379') when the order numbers are otherwise plain digits."""
    values = src.sample.get(order_col or "", [])
    prefixes = {m.group(1) for v in values if (m := re.match(r"^([A-Za-z]+)\d", v))}
    return sorted(prefixes)[0] if prefixes and any(v[:1].isdigit() for v in values) else None
