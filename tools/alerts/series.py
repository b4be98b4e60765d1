"""The series the default watch scans, built from a ``Panel``: shop totals, channels, regions, categories,
subcategories and every product, each with the value of one unit in money (for impact).

Products and subcategories are watched by order lines (orders holding the product: counts that follow a Poisson
law, unlike units, where one bulk order makes a spike); their yearly season comes from their category."""

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
    category: list[str]  # the series' category ("" for shop-wide series: totals, channels, regions)
    ref: np.ndarray  # (S,) row of the series whose last-year shape gives this one's yearly season

    def __len__(self) -> int:
        return len(self.metric)


def build_series(panel: Panel) -> SeriesSet:
    metric: list[str] = []
    filters: list[dict[str, str]] = []
    ys: list[np.ndarray] = []
    money: list[np.ndarray] = []
    rows: list[int] = []
    cats: list[str] = []
    refs: list[int] = []

    def add(m: str, f: dict[str, str], y: np.ndarray, rev: np.ndarray, row: int = -1, cat: str = "",
            ref: int | None = None) -> None:
        refs.append(len(metric) if ref is None else ref)
        metric.append(m)
        filters.append(f)
        ys.append(y)
        money.append(rev)
        rows.append(row)
        cats.append(cat)

    total_rev = panel.revenue.sum(axis=0)
    for dim, (labels, orders, revenue) in panel.groups.items():
        if dim == "channel":
            add("orders", {}, orders.sum(axis=0), total_rev)
            add("revenue", {}, total_rev, total_rev)
        for i, label in enumerate(labels):
            add("orders", {dim: label}, orders[i], revenue[i])
    prod = panel.products
    cat_of = prod["category"].astype(str)
    ref_of: dict[str, int] = {}
    for value in sorted(cat_of.unique()):
        sel = (cat_of == value).to_numpy()
        rev = panel.revenue[sel].sum(axis=0)
        ref_of[value] = len(metric)
        add("orders", {"category": value}, panel.lines[sel].sum(axis=0), rev, cat=value)
    sub = prod["subcategory"].fillna("").astype(str)
    for (cat, value), g in prod.groupby([cat_of, sub]):
        if value:
            sel = prod.index.isin(g.index)
            add("orders", {"subcategory": value}, panel.lines[sel].sum(axis=0), panel.revenue[sel].sum(axis=0),
                cat=str(cat), ref=ref_of[str(cat)])
    for k, name in enumerate(prod["name"].astype(str)):
        add("orders", {"product": name}, panel.lines[k], panel.revenue[k], k, cat_of.iloc[k], ref_of[cat_of.iloc[k]])
    return SeriesSet(metric, filters, np.vstack(ys), np.vstack(money), np.asarray(rows), cats, np.asarray(refs))
