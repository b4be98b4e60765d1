"""SQL building blocks for cleaning messy exports inside DuckDB: numbers with currency symbols and thousand
separators, day-first/month-first dates, source keys, order statuses, value maps and "most frequent value" picks
(one product name per SKU however the descriptions vary).

Everything here returns SQL text built from validated values only (literals are escaped by ``literal``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from shoplens.data.importing.mapping import DateSpec

STATUSES = ("completed", "cancelled", "returned", "refund")
#: A cancelled line outranks a returned one, which outranks completed: an order takes its highest-ranked status.
#: refund (a credit note, whose negative lines net out of revenue) outranks all: such a document is never a sale.
STATUS_RANK = {"completed": 1, "returned": 2, "cancelled": 3, "refund": 4}
UNCATEGORISED = "Uncategorised"
MIN_YEAR, MAX_YEAR = 1900, 2199


def literal(value: Any) -> str:
    """A SQL literal for a YAML scalar (strings quoted and escaped; dates typed)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NULL"
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


# --- numbers ----------------------------------------------------------------------------------------------------
def number_macros(decimal: str) -> tuple[str, list[str]]:
    """(macro name, CREATE statements) for parsing text as a number with the given decimal mark.

    Accepts '£1,234.50', 'USD 12', '12.50 €', '(12.50)' and '12.50-' (negative), '1’234.5'; refuses '1,5' when
    the decimal mark is '.', because a thousands separator must be followed by three digits. Plain numbers take
    a fast path; the cleaning runs once per messy value (bound with a lambda, not re-evaluated per use)."""
    tag = "dot" if decimal == "." else "comma"
    t_re, d_re = ("," if decimal == "." else r"\."), (r"\." if decimal == "." else ",")
    simple = rf"[+-]?\d+({d_re}\d+)?"
    body = rf"(\d+|\d{{1,3}}({t_re}\d{{3}})+)({d_re}\d*)?([eE][+-]?\d+)?|{d_re}\d+"
    full = rf"(\(({body})\)|[+-]?({body})|({body})-)"
    unsigned = "regexp_replace(s, '^[(+-]+|[)-]+$', '', 'g')"
    to_std = (f"replace({unsigned}, ',', '')" if decimal == "." else
              f"replace(replace({unsigned}, '.', ''), ',', '.')")
    simple_std = "s" if decimal == "." else "replace(s, ',', '.')"
    # the usual money shapes ('£1,234.50', '-$5', '12,50 €') without a regex replace
    sym = "[£$€¥₹]"
    medium = rf"\s*-?\s*{sym}?\s*-?(\d{{1,3}}({t_re}\d{{3}})+|\d+)({d_re}\d+)?\s*{sym}?\s*"
    drop = "£$€¥₹ " + ("," if decimal == "." else ".")
    medium_std = f"translate(s, '{drop}', '')" if decimal == "." else f"replace(translate(s, '{drop}', ''), ',', '.')"
    name = f"_sl_num_{tag}"
    stmts = [
        # strip currency symbols and codes, spaces (incl. no-break) and apostrophes used as thousand separators
        "CREATE OR REPLACE TEMP MACRO _sl_numstrip(x) AS nullif(regexp_replace(replace(trim(x), '−', '-'), "
        r"'[\p{Sc}\s''’]|^[A-Za-z]{1,4}\.?|[A-Za-z]{1,4}\.?$', '', 'g'), '')",
        f"CREATE OR REPLACE TEMP MACRO _sl_numtxt_{tag}(x) AS list_transform([_sl_numstrip(x)], lambda s: "
        f"CASE WHEN regexp_full_match(s, '{full}') THEN TRY_CAST({to_std} AS DOUBLE) * "
        "CASE WHEN s[1] IN ('-', '(') OR s[-1] = '-' THEN -1 ELSE 1 END END)[1]",
        f"CREATE OR REPLACE TEMP MACRO {name}(s) AS CASE WHEN s IS NULL THEN NULL "
        f"WHEN regexp_full_match(s, '{simple}') THEN TRY_CAST({simple_std} AS DOUBLE) "
        f"WHEN regexp_full_match(s, '{medium}') THEN TRY_CAST({medium_std} AS DOUBLE) "
        f"ELSE _sl_numtxt_{tag}(s) END",
    ]
    return name, stmts


# --- dates ------------------------------------------------------------------------------------------------------
_TIMES = (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")
_WORDY = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d %b %Y %H:%M", "%b %d, %Y %H:%M",
          "%a, %d %b %Y %H:%M:%S")


def date_formats(spec: DateSpec) -> list[str]:
    """strptime formats tried after ISO, in order: the mapping's own, then those implied by its date order."""
    formats = list(spec.formats)
    if spec.order in ("day_first", "month_first"):
        first, second = ("%d", "%m") if spec.order == "day_first" else ("%m", "%d")
        for sep in ("/", ".", "-"):
            for year in ("%y", "%Y"):  # %y first: %Y would read '10' as the year 10
                formats += [f"{first}{sep}{second}{sep}{year}{t}" for t in _TIMES]
    if not spec.formats:
        formats += list(_WORDY)
    return formats


def timestamp_macro(name: str, spec: DateSpec) -> list[str]:
    """A macro parsing text as a TIMESTAMP: ISO 8601 (any UTC offset dropped: the shop's wall-clock time is
    kept), then the formats of ``spec``. Callers check the year range (``plausible_sql``)."""
    return [
        f"CREATE OR REPLACE TEMP MACRO _sl_tzstrip(x) AS regexp_replace(x, '{_TZ}', '\\1')",
        f"CREATE OR REPLACE TEMP MACRO {name}(x) AS list_transform([_sl_tzstrip(nullif(trim(x), ''))], "
        f"lambda t: {parse_ts_sql('t', date_formats(spec))})[1]",
    ]


_TZ = r"(\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})$"


def parse_ts_sql(t: str, formats: list[str]) -> str:
    """SQL parsing the text ``t``: ISO first (cheap test before the cast), then ``formats`` in order."""
    iso = f"CASE WHEN substr({t}, 5, 1) = '-' THEN TRY_CAST({t} AS TIMESTAMP) END"
    if not formats:
        return iso
    return f"coalesce({iso}, try_strptime({t}, [{', '.join(literal(f) for f in formats)}]))"


def fast_ts_sql(column_sql: str, formats: list[str], fallback_fn: str) -> str:
    """Parse a text column with the few ``formats`` its values actually use; the full macro ``fallback_fn`` runs
    only for values those miss (COALESCE evaluates lazily)."""
    t = f"trim({column_sql})"
    return f"coalesce({parse_ts_sql(t, formats)}, {fallback_fn}({column_sql}))"


def plausible_sql(ts: str) -> str:
    """True when a parsed timestamp's year is believable (guards against '10' read as the year 10)."""
    return f"year({ts}) BETWEEN {MIN_YEAR} AND {MAX_YEAR}"


def format_hits_sql(stage: str, column: str, formats: list[str], sample: int = 5_000) -> str:
    """How many of the first ``sample`` values each format parses (to pick the formats a column really uses)."""
    c = ident(column)
    counts = ", ".join(f"count(*) FILTER (WHERE {plausible_sql(f'try_strptime(v, {literal(f)})')})" for f in formats)
    return (f"SELECT {counts} FROM (SELECT trim({c}) AS v FROM {stage} WHERE nullif(trim({c}), '') IS NOT NULL "
            f"LIMIT {sample})")


AMBIGUOUS_DATE_RE = r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"


def ambiguity_sql(stage: str, column: str, line_sql: str) -> str:
    """First value of ``column`` that looks like 12/01/2024 (day or month first?), its line and file, and the
    largest first and second numbers seen (a first number over 12 means day-first)."""
    c, rid = ident(column), f"{stage}.rowid"
    first = f"TRY_CAST(regexp_extract({c}, '^\\s*(\\d{{1,2}})', 1) AS INTEGER)"
    second = f"TRY_CAST(regexp_extract({c}, '^\\s*\\d{{1,2}}[/.-](\\d{{1,2}})', 1) AS INTEGER)"
    return (f"SELECT first({c} ORDER BY {rid}), first({line_sql} ORDER BY {rid}), first(_sl_f ORDER BY {rid}), "
            f"max({first}), max({second}) FROM {stage} JOIN {stage}_files fi ON fi.f = {stage}._sl_f "
            f"WHERE regexp_matches({c}, '{AMBIGUOUS_DATE_RE}')")


# --- keys, statuses, value maps ---------------------------------------------------------------------------------
def key_sql(expr: str, *, trimmed: bool = False) -> str:
    """A source key as normalised text: trimmed, '17850.0' -> '17850' (spreadsheets write ids as floats)."""
    txt = expr if trimmed else f"nullif(trim(CAST({expr} AS VARCHAR)), '')"
    return f"CASE WHEN contains({txt}, '.') THEN regexp_replace({txt}, '^(-?\\d+)\\.0+$', '\\1') ELSE {txt} END"


def status_sql(expr: str) -> str:
    """Contract status from text: case and 'canceled'/'complete' spelling tolerated; other values pass through
    (and are rejected as unknown statuses)."""
    t = f"lower(trim(CAST({expr} AS VARCHAR)))"
    return (f"CASE {t} WHEN 'canceled' THEN 'cancelled' WHEN 'complete' THEN 'completed' "
            f"WHEN 'return' THEN 'returned' WHEN 'refunded' THEN 'refund' WHEN 'credit note' THEN 'refund' "
            f"WHEN 'credit_note' THEN 'refund' ELSE nullif({t}, '') END")


def status_rank_sql(expr: str) -> str:
    return "CASE " + expr + " " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items()) + " END"


def status_of_rank_sql(expr: str) -> str:
    return "CASE " + expr + " " + " ".join(f"WHEN {r} THEN '{s}'" for s, r in STATUS_RANK.items()) + \
        " ELSE 'completed' END"


def value_map_sql(expr: str, values: dict[str, Any], default: Any, has_default: bool) -> str:
    """Map source values (matched case-insensitively, trimmed) to contract values; others keep their value, or
    take ``default`` when one is given."""
    key = f"lower(trim(CAST({expr} AS VARCHAR)))"
    whens = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in values.items())
    other = literal(default) if has_default else f"CAST({expr} AS VARCHAR)"
    if not whens:
        return expr
    return f"CASE {key} {whens} ELSE {other} END"


# --- most frequent value per key ---------------------------------------------------------------------------------
def most_frequent_sql(rows: str, key: str, value: str) -> str:
    """One row per key with the most frequent non-null value (ties: the smallest value), deterministic."""
    return (f"SELECT k, first(v ORDER BY n DESC, v) AS v FROM (SELECT {key} AS k, {value} AS v, count(*) AS n "
            f"FROM {rows} WHERE {value} IS NOT NULL GROUP BY ALL) GROUP BY k")


def most_frequent_text_sql(rows: str, key: str, value: str) -> str:
    """Like ``most_frequent_sql`` for free text (product descriptions): spacing is normalised, variants differing
    only in case count together, and the most frequent spelling of the winning variant is kept. Exact values are
    counted first, so the normalising runs once per distinct spelling, not once per line."""
    return (
        "SELECT k, first(v ORDER BY g DESC, n DESC, v) AS v FROM ("
        "SELECT k, v, n, sum(n) OVER (PARTITION BY k, lower(v)) AS g FROM ("
        "SELECT k, regexp_replace(trim(raw), '\\s+', ' ', 'g') AS v, sum(n) AS n FROM ("
        f"SELECT {key} AS k, {value} AS raw, count(*) AS n FROM {rows} WHERE {value} IS NOT NULL GROUP BY ALL) "
        "WHERE nullif(trim(raw), '') IS NOT NULL GROUP BY ALL)) GROUP BY k"
    )


def unique_names_sql(table: str) -> str:
    """Make product names unique (the contract's products.name is UNIQUE): clashing names get their SKU, then
    their id, appended."""
    return (
        f"UPDATE {table} SET name = name || ' (' || sku || ')' WHERE lower(name) IN "
        f"(SELECT lower(name) FROM {table} GROUP BY 1 HAVING count(*) > 1);\n"
        f"UPDATE {table} SET name = name || ' #' || product_id WHERE lower(name) IN "
        f"(SELECT lower(name) FROM {table} GROUP BY 1 HAVING count(*) > 1)"
    )
