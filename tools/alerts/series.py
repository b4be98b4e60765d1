"""The series the default watch scans, built from a ``Panel``: shop totals, channels, regions, categories,
subcategories and every product, each with the value of one unit in money (for impact)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.tools.alerts.panel import Panel


@dataclass
class SeriesSet:
    metric: list[str]
    filters: list[dict[str, str]]
    y: np.ndarray  # (S, D)
    money: np.ndarray  # (S, D) the series' value in money per day (revenue, or revenue of what was counted)
    product_row: np.ndarray  # (S,) product row for product series, -1 otherwise

    def __len__(self) -> int:
        return len(self.metric)


def build_series(panel: Panel) -> SeriesSet:
    metric: list[str] = []
    filters: list[dict[str, str]] = []
    ys: list[np.ndarray] = []
    money: list[np.ndarray] = []
    rows: list[int] = []

    def add(m: str, f: dict[str, str], y: np.ndarray, rev: np.ndarray, row: int = -1) -> None:
        metric.append(m)
        filters.append(f)
        ys.append(y)
        money.append(rev)
        rows.append(row)

    total_rev = panel.revenue.sum(axis=0)
    for dim, (labels, orders, revenue) in panel.groups.items():
        if dim == "channel":
            add("orders", {}, orders.sum(axis=0), total_rev)
            add("revenue", {}, total_rev, total_rev)
        for i, label in enumerate(labels):
            add("orders", {dim: label}, orders[i], revenue[i])
    prod = panel.products
    for col in ("category", "subcategory"):
        for value in sorted(prod[col].dropna().astype(str).unique()):
            sel = (prod[col].astype(str) == value).to_numpy()
            rev = panel.revenue[sel].sum(axis=0)
            if col == "category":
                add("revenue", {col: value}, rev, rev)
            add("units", {col: value}, panel.units[sel].sum(axis=0), rev)
    for k, name in enumerate(prod["name"].astype(str)):
        add("units", {"product": name}, panel.units[k], panel.revenue[k], k)
    return SeriesSet(metric, filters, np.vstack(ys), np.vstack(money), np.asarray(rows))
