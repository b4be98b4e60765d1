"""Values DuckDB can hold but Python cannot: turned into faithful text, never a traceback.

Before a statement runs (``as_text_projection``), columns whose types have no Python or pandas counterpart
(UNION, BIGNUM, BIT, VARIANT, INTERVAL, TIME WITH TIME ZONE, and nested values holding dates) are cast to
VARCHAR by DuckDB itself. After it ran (``fix_dates``), date and timestamp columns holding ``infinity`` or
years outside 1-9999 are cast to DuckDB's own text for them. ``to_frame`` turns the Arrow result into pandas
and falls back to text column by column if a conversion still fails.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

_TEXT_TYPES = re.compile(r"\b(UNION|BIGNUM|VARINT|BIT|VARIANT|INTERVAL|TIME WITH TIME ZONE|GEOMETRY)\b", re.I)
_NESTED = re.compile(r"(\[\]|\[\d+\]$|^STRUCT|^MAP|^LIST)", re.I)
_DATES = re.compile(r"\b(DATE|TIMESTAMP\w*)\b", re.I)
_INT64_MAX = 2**63 - 1
_DAYS = (-719_162, 2_932_896)  # 0001-01-01 and 9999-12-31 in days since 1970-01-01
_UNIT_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def text_columns(types: list[str]) -> list[int]:
    """Positions of the columns to return as text."""
    out = []
    for i, t in enumerate(types):
        if _TEXT_TYPES.search(t) or (_NESTED.search(t) and _DATES.search(t)):
            out.append(i)
    return out


def as_text_projection(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """``rel`` with the columns Python cannot hold cast to VARCHAR (binding only: nothing runs yet)."""
    types = [str(t) for t in rel.types]
    cols = text_columns(types)
    if not cols:
        return rel
    names = list(rel.columns)
    if len(set(names)) != len(names):  # SELECT 1 a, 2 a: no unambiguous projection; DuckDB's text for all
        return rel.project(", ".join(f"CAST(#{i + 1} AS VARCHAR) AS {_q(n)}" for i, n in enumerate(names)))
    replaced = ", ".join(f"CAST({_q(names[i])} AS VARCHAR) AS {_q(names[i])}" for i in cols)
    return rel.project(f"* REPLACE ({replaced})")


def fix_dates(table: pa.Table, con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Date and timestamp columns with values outside Python's range become DuckDB's text for them."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if _out_of_range(field.type, table.column(i)):
            table = table.set_column(i, pa.field(field.name, pa.string()), _duckdb_text(table.column(i), con))
    return table


def _out_of_range(typ: pa.DataType, col: pa.ChunkedArray) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.null_count == len(col):
        return False
    if pa.types.is_date32(typ):
        lo, hi = _DAYS
    elif pa.types.is_timestamp(typ):
        per_day = _UNIT_PER_DAY[typ.unit]
        lo, hi = _DAYS[0] * per_day, (_DAYS[1] + 1) * per_day - 1
        if typ.unit == "ns":  # pandas holds ns timestamps only within +-292 years of 1970
            lo, hi = -_INT64_MAX + 1, _INT64_MAX - 1
    else:
        return False
    ints = col.cast(pa.int32() if pa.types.is_date32(typ) else pa.int64())
    mm = pc.min_max(ints).as_py()
    return mm["min"] < lo or mm["max"] > hi


def _duckdb_text(col: pa.ChunkedArray, con: duckdb.DuckDBPyConnection) -> pa.ChunkedArray:
    import pyarrow as pa

    con.register("_shoplens_fix", pa.table({"v": col}))
    try:
        return con.sql("SELECT CAST(v AS VARCHAR) AS v FROM _shoplens_fix").to_arrow_table().column(0)
    finally:
        con.unregister("_shoplens_fix")


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The Arrow result as pandas, with text columns as Python ``str``/``None`` (see ``plain_strings``)."""
    import pandas as pd

    try:
        df = table.to_pandas()
    except Exception:  # noqa: BLE001 - a type pandas cannot hold: convert column by column, text as last resort
        data: dict[str, Any] = {}
        for name, col in zip(table.column_names, table.columns, strict=True):
            try:
                data[name] = col.to_pandas()
            except Exception:  # noqa: BLE001
                data[name] = pd.Series([_text(v) for v in _pylist(col)], dtype=object)
        df = pd.DataFrame(data)
        df.columns = table.column_names
    return plain_strings(df)


def _pylist(col: pa.ChunkedArray) -> list[Any]:
    try:
        return col.to_pylist()
    except Exception:  # noqa: BLE001
        return [str(v) for v in col]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def plain_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python ``str``/``None`` objects, as pandas 2 gave them (pandas 3 infers a ``str`` dtype
    whose missing value is NaN, which would turn SQL NULLs into NaN in rows, JSON and tables)."""
    import pandas as pd

    for i in range(df.shape[1]):
        ser = df.iloc[:, i]
        if pd.api.types.is_string_dtype(ser) and not pd.api.types.is_object_dtype(ser):
            df.isetitem(i, ser.astype(object).where(ser.notna(), None))
    return df


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'
