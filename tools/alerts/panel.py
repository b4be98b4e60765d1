"""The daily panel the detectors read: one SQL pass per table, up to an ``end`` day and never beyond.

Every array is (series, days) over the same day grid, so a detector evaluating day ``t`` slices ``[..., : t + 1]``
and can never look ahead. ``Panel.upto(day)`` returns the panel cut at ``day`` (a copy of the slices).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from shoplens.data.errors import DataError
from shoplens.tools.sql import SqlRunner

ROW_CAP = 5_000_000
TIMEOUT_S = 120.0


@dataclass
class Panel:
    days: pd.DatetimeIndex
    products: pd.DataFrame  # product_id (index order = row order), name, category, subcategory
    # per product (P, D)
    revenue: np.ndarray
    units: np.ndarray
    lines: np.ndarray  # completed + returned order lines
    returned: np.ndarray
    views: np.ndarray
    carts: np.ndarray
    listed: np.ndarray  # bool: a web_traffic row exists (the product is on sale)
    reviews: np.ndarray
    negative: np.ndarray  # reviews rated 1-2 (or scored negative)
    price: np.ndarray  # average unit price before campaign discounts (NaN on days without a sale)
    # per group (name -> (G, D)) with labels
    groups: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = field(default_factory=dict)  # dim -> (labels, orders, revenue)
    aspects: pd.DataFrame | None = None  # date, product_id, aspect: negative aspect mentions
    campaigns: list[tuple[dt.date, dt.date, frozenset[str]]] = field(default_factory=list)  # discounted categories

    @property
    def n_days(self) -> int:
        return len(self.days)

    def index_of(self, day: dt.date) -> int:
        i = int(self.days.searchsorted(pd.Timestamp(day), side="right")) - 1
        if i < 0:
            raise DataError(f"No data on or before {day.isoformat()}.")
        return i

    def upto(self, day: dt.date) -> Panel:
        """The panel cut at ``day`` (inclusive)."""
        n = self.index_of(day) + 1
        cut = {k: getattr(self, k)[:, :n].copy() for k in
               ("revenue", "units", "lines", "returned", "views", "carts", "listed", "reviews", "negative",
                "price")}
        groups = {k: (lab, o[:, :n].copy(), r[:, :n].copy()) for k, (lab, o, r) in self.groups.items()}
        aspects = None if self.aspects is None else self.aspects[self.aspects["date"] <= pd.Timestamp(day)]
        campaigns = [c for c in self.campaigns if c[0] <= day]
        return replace(self, days=self.days[:n], groups=groups, aspects=aspects, campaigns=campaigns, **cut)


def _frame(runner: SqlRunner, sql: str) -> pd.DataFrame:
    return runner.run(sql, timeout_s=TIMEOUT_S, row_cap=ROW_CAP).df


def _grid(df: pd.DataFrame, rows: pd.Index, days: pd.DatetimeIndex, row_col: str, value: str) -> np.ndarray:
    if df.empty:
        return np.zeros((len(rows), len(days)))
    wide = df.pivot_table(index=row_col, columns="d", values=value, aggfunc="sum", fill_value=0)
    wide.columns = pd.DatetimeIndex(pd.to_datetime(wide.columns))
    return wide.reindex(index=rows, columns=days, fill_value=0).to_numpy(dtype=float)


def load_panel(runner: SqlRunner, end: dt.date, start: dt.date | None = None) -> Panel:
    """Read the daily panel from ``start`` (default: the first order) to ``end`` inclusive."""
    lo = f"AND o.order_date >= DATE '{start.isoformat()}'" if start else ""
    cut = f"DATE '{end.isoformat()}'"
    products = _frame(runner, "SELECT product_id, name, category, subcategory FROM products ORDER BY product_id")
    sales = _frame(runner, f"""
        SELECT o.order_date AS d, oi.product_id,
               SUM(oi.revenue) FILTER (WHERE o.status = 'completed')::DOUBLE AS revenue,
               SUM(oi.quantity) FILTER (WHERE o.status = 'completed')::DOUBLE AS units,
               COUNT(*) FILTER (WHERE o.status IN ('completed', 'returned'))::DOUBLE AS lines,
               COUNT(*) FILTER (WHERE o.status = 'returned')::DOUBLE AS returned,
               SUM(oi.unit_price * oi.quantity)::DOUBLE AS list_revenue, SUM(oi.quantity)::DOUBLE AS qty
        FROM order_items oi JOIN orders o ON o.order_id = oi.order_id
        WHERE o.order_date <= {cut} {lo} GROUP BY ALL""").fillna(0)
    if sales.empty:
        raise DataError(f"No orders on or before {end.isoformat()}.", hint="Pick a later date.")
    first = pd.Timestamp(start) if start else pd.Timestamp(sales["d"].min())
    days = pd.date_range(first, pd.Timestamp(end), freq="D")
    rows = pd.Index(products["product_id"])
    grid = {k: _grid(sales, rows, days, "product_id", k)
            for k in ("revenue", "units", "lines", "returned", "list_revenue", "qty")}
    qty = grid.pop("qty")
    with np.errstate(all="ignore"):
        grid["price"] = np.where(qty > 0, grid.pop("list_revenue") / np.maximum(qty, 1e-9), np.nan)
    grid.update(_traffic(runner, rows, days, cut))
    grid.update(_reviews(runner, rows, days, cut))
    groups = {dim: _group(runner, dim, days, cut, lo) for dim in ("channel", "region")}
    return Panel(days=days, products=products, groups=groups, aspects=_aspects(runner, cut),
                 campaigns=_campaigns(runner, cut), **grid)


def _campaigns(runner: SqlRunner, cut: str) -> list[tuple[dt.date, dt.date, frozenset[str]]]:
    """Discount campaigns started by ``cut`` with the categories their orders were discounted in (read from the
    order lines, so a campaign's scope needs no extra column)."""
    if not runner.has_table("campaigns"):
        return []
    df = _frame(runner, f"""
        SELECT ca.campaign_id, ca.start_date AS a, ca.end_date AS b, p.category
        FROM campaigns ca JOIN orders o ON o.campaign_id = ca.campaign_id
        JOIN order_items oi ON oi.order_id = o.order_id JOIN products p ON p.product_id = oi.product_id
        WHERE ca.discount_pct >= 10 AND ca.start_date <= {cut} AND o.order_date <= {cut} AND oi.discount > 0
        GROUP BY ALL""")
    out = []
    for _, g in df.groupby("campaign_id"):
        a, b = pd.Timestamp(g["a"].iloc[0]).date(), pd.Timestamp(g["b"].iloc[0]).date()
        out.append((a, b, frozenset(g["category"].astype(str))))
    return out


def _traffic(runner: SqlRunner, rows: pd.Index, days: pd.DatetimeIndex, cut: str) -> dict[str, np.ndarray]:
    if not runner.has_table("web_traffic"):
        z = np.zeros((len(rows), len(days)))
        return {"views": z, "carts": z.copy(), "listed": np.zeros_like(z, dtype=bool)}
    df = _frame(runner, f"""SELECT date AS d, product_id, product_views::DOUBLE AS views, add_to_cart::DOUBLE AS carts,
                            1.0 AS listed FROM web_traffic WHERE date <= {cut}""")
    return {"views": _grid(df, rows, days, "product_id", "views"), "carts": _grid(df, rows, days, "product_id", "carts"),
            "listed": _grid(df, rows, days, "product_id", "listed") > 0}


def _reviews(runner: SqlRunner, rows: pd.Index, days: pd.DatetimeIndex, cut: str) -> dict[str, np.ndarray]:
    if not runner.has_table("reviews"):
        z = np.zeros((len(rows), len(days)))
        return {"reviews": z, "negative": z.copy()}
    scored = runner.has_table("review_sentiment")
    neg = ("(rs.label = 'negative' OR (rs.label IS NULL AND r.rating <= 2))" if scored else "r.rating <= 2")
    join = "LEFT JOIN review_sentiment rs ON rs.review_id = r.review_id" if scored else ""
    df = _frame(runner, f"""SELECT r.review_date AS d, r.product_id, COUNT(*)::DOUBLE AS n,
                            COUNT(*) FILTER (WHERE {neg})::DOUBLE AS neg
                            FROM reviews r {join} WHERE r.review_date <= {cut} GROUP BY ALL""")
    return {"reviews": _grid(df, rows, days, "product_id", "n"), "negative": _grid(df, rows, days, "product_id", "neg")}


def _group(runner: SqlRunner, dim: str, days: pd.DatetimeIndex, cut: str, lo: str) -> tuple[list[str], Any, Any]:
    df = _frame(runner, f"""
        SELECT o.order_date AS d, COALESCE(o.{dim}, '(none)') AS g, COUNT(DISTINCT o.order_id)::DOUBLE AS orders,
               SUM(oi.revenue) FILTER (WHERE o.status = 'completed')::DOUBLE AS revenue
        FROM orders o JOIN order_items oi ON oi.order_id = o.order_id
        WHERE o.order_date <= {cut} {lo} GROUP BY ALL""").fillna(0)
    labels = sorted(df["g"].astype(str).unique().tolist())
    idx = pd.Index(labels)
    return labels, _grid(df, idx, days, "g", "orders"), _grid(df, idx, days, "g", "revenue")


def _aspects(runner: SqlRunner, cut: str) -> pd.DataFrame | None:
    if not runner.has_table("review_aspects"):
        return None
    df = _frame(runner, f"""SELECT r.review_date AS d, r.product_id, a.aspect FROM review_aspects a
                            JOIN reviews r ON r.review_id = a.review_id
                            WHERE a.polarity = 'negative' AND r.review_date <= {cut}""")
    df["date"] = pd.to_datetime(df.pop("d"))
    return df
