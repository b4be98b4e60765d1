"""Arrow tables in the exact contract column order and types, and the bulk insert into DuckDB.

Money is simulated in integer cents and written as Arrow decimal128 built from those integers, so DECIMAL
columns hold exact values and revenue = quantity * unit_price - discount holds to the cent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from shoplens.data.contract import CHANNELS, REGIONS, STATUSES, TABLES
from shoplens.data.demo.calendar import Calendar
from shoplens.data.demo.campaigns import Campaigns
from shoplens.data.demo.catalog import Catalog
from shoplens.data.demo.demand import Demand
from shoplens.data.demo.sales import MonthSales


def decimal(cents: np.ndarray, precision: int, mask: np.ndarray | None = None) -> pa.Array:
    """decimal128(precision, 2) from integer cents, exactly (little-endian 128-bit two's complement)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    buf = np.empty((len(cents), 2), dtype=np.int64)
    buf[:, 0], buf[:, 1] = cents, cents >> 63
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(precision, 2), len(cents), [validity, pa.py_buffer(buf.tobytes())],
        null_count=int(mask.sum()) if mask is not None else 0,
    )


def labels(codes: np.ndarray, values: tuple[str, ...] | list[str]) -> pa.Array:
    """A string column from small integer codes (dictionary-encoded, which DuckDB reads as VARCHAR)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(list(values)))


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), type=pa.date32())


def insert(con: Any, table: str, data: pa.Table) -> None:
    names = [c.name for c in TABLES[table]]
    if data.column_names != names:
        raise AssertionError(f"{table}: columns {data.column_names} != contract {names}")
    con.register("_shoplens_chunk", data)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _shoplens_chunk")
    finally:
        con.unregister("_shoplens_chunk")


def products(cat: Catalog, dem: Demand) -> pa.Table:
    last = np.full(cat.n, dem.cal.n - 1)
    has_end = ~np.isnat(cat.discontinued)
    last[has_end] = np.minimum((cat.discontinued[has_end] - dem.cal.days[0]).astype(int), dem.cal.n - 1)
    return pa.table({
        "product_id": pa.array(np.arange(1, cat.n + 1, dtype=np.int32)),
        "sku": cat.skus,
        "name": cat.names,
        "category": cat.categories,
        "subcategory": cat.subcategories,
        "brand": cat.brands,
        "list_price": decimal(dem.regular_cents[np.arange(cat.n), last], 10),
        "unit_cost": decimal(cat.cost_cents, 10),
        "launch_date": dates(cat.launch),
        "discontinued_date": pa.array(cat.discontinued, type=pa.date32(), from_pandas=True),
        "description": cat.descriptions,
    })


def campaigns(camps: Campaigns) -> pa.Table:
    return pa.table({
        "campaign_id": pa.array(np.arange(1, camps.n + 1, dtype=np.int32)),
        "name": camps.names,
        "channel": camps.channels,
        "start_date": dates(camps.start),
        "end_date": dates(camps.end),
        "discount_pct": pa.array(camps.discount_pct.round(2).astype(str).tolist()).cast(pa.decimal128(5, 2)),
    })


def marketing(cols: dict[str, np.ndarray]) -> pa.Table:
    return pa.table({
        "date": dates(cols["date"]),
        "campaign_id": pa.array(cols["campaign_id"]),
        "spend": decimal(cols["spend"], 12),
        "impressions": pa.array(cols["impressions"]),
        "clicks": pa.array(cols["clicks"]),
    })


def orders(s: MonthSales, cal: Calendar) -> pa.Table:
    day = cal.days[s.order_day]
    ts = day.astype("datetime64[us]") + (s.order_seconds * 1_000_000).astype("timedelta64[us]")
    return pa.table({
        "order_id": pa.array(s.order_id),
        "order_ts": pa.array(ts, type=pa.timestamp("us")),
        "order_date": dates(day),
        "customer_id": pa.array((s.customer + 1).astype(np.int32)),
        "channel": labels(s.channel, CHANNELS),
        "region": labels(s.region, REGIONS),
        "status": labels(s.status, STATUSES),
        "campaign_id": pa.array((s.campaign + 1).astype(np.int32), mask=s.campaign < 0),
    })


def order_items(s: MonthSales) -> pa.Table:
    return pa.table({
        "order_id": pa.array(s.order_id[s.line_order]),
        "line_no": pa.array(s.line_no),
        "product_id": pa.array((s.product + 1).astype(np.int32)),
        "quantity": pa.array(s.quantity),
        "unit_price": decimal(s.unit_cents, 10),
        "discount": decimal(s.discount_cents, 10),
        "revenue": decimal(s.revenue_cents, 12),
    })


def traffic(cols: dict[str, np.ndarray]) -> pa.Table:
    return pa.table({
        "date": dates(cols["date"]),
        "product_id": pa.array(cols["product_id"]),
        "sessions": pa.array(cols["sessions"]),
        "product_views": pa.array(cols["product_views"]),
        "add_to_cart": pa.array(cols["add_to_cart"]),
    })


def reviews(meta: Any, sl: slice, titles: list[str], bodies: list[str], cal: Calendar) -> pa.Table:
    n = sl.stop - sl.start
    customer, order = meta.customer[sl], meta.order_id[sl]
    return pa.table({
        "review_id": pa.array(np.arange(sl.start + 1, sl.stop + 1, dtype=np.int64)),
        "product_id": pa.array((meta.product[sl] + 1).astype(np.int32)),
        "customer_id": pa.array((customer + 1).astype(np.int32), mask=customer < 0),
        "order_id": pa.array(order.astype(np.int64), mask=order < 0),
        "review_date": dates(cal.days[meta.day[sl]]),
        "rating": pa.array(meta.rating[sl].astype(np.int8)),
        "title": pa.array(titles, type=pa.string()),
        "body": pa.array(bodies, type=pa.string()),
    }) if n else pa.table({})


def customers(cols: dict[str, Any]) -> pa.Table:
    return pa.table({
        "customer_id": pa.array(cols["customer_id"]),
        "signup_date": dates(cols["signup_date"]),
        "region": pa.array(cols["region"], type=pa.string()),
        "city": pa.array(cols["city"], type=pa.string()),
        "segment": pa.array(cols["segment"], type=pa.string()),
        "acquisition_channel": pa.array(cols["acquisition_channel"], type=pa.string()),
    })
