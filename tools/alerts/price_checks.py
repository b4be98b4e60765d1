"""Price changes: a product's regular selling price (before campaign discounts) that moved by 5% or more in the
last 3 days against the 4 weeks before, grouped per subcategory, with what happened to orders since.

Prices are set by the shop, so a change is news for whoever did not set it, and the uplift or loss that follows is
the question a manager asks next: the finding carries both.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from shoplens.tools.alerts.findings import Finding, money, pct
from shoplens.tools.alerts.panel import Panel

RECENT, BEFORE = 3, 28
MIN_CHANGE = 0.05


def scan(panel: Panel, t: int) -> list[Finding]:
    if t < RECENT + BEFORE:
        return []
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            recent = np.nanmedian(panel.price[:, t - RECENT + 1 : t + 1], axis=1)
            before = np.nanmedian(panel.price[:, t - RECENT - BEFORE + 1 : t - RECENT + 1], axis=1)
    change = recent / before - 1.0
    moved = np.flatnonzero(np.isfinite(change) & (np.abs(change) >= MIN_CHANGE))
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for k in moved:
        sub = panel.products["subcategory"].iloc[k]
        groups[(str(sub) if isinstance(sub, str) else str(panel.products["category"].iloc[k]), int(np.sign(change[k])))].append(k)
    return [_finding(panel, t, sub, sign, rows, change) for (sub, sign), rows in groups.items()]


def _finding(panel: Panel, t: int, sub: str, sign: int, rows: list[int], change: np.ndarray) -> Finding:
    names = [str(panel.products["name"].iloc[k]) for k in rows]
    avg_change = float(np.mean(change[rows]))
    a = t - RECENT + 1
    orders_now = float(panel.lines[rows, a : t + 1].sum() / RECENT)
    orders_before = float(panel.lines[rows, a - BEFORE : a].sum() / BEFORE)
    rev_before = float(panel.revenue[rows, a - BEFORE : a].sum() / BEFORE)
    impact = abs(avg_change) * rev_before * 7  # a week of revenue repriced
    uplift = orders_now / orders_before - 1.0 if orders_before > 0 else 0.0
    word = "cut" if sign < 0 else "raised"
    title = (f"{sub}: price {word} {abs(avg_change) * 100:.0f}% on {len(rows)} product{'s' if len(rows) > 1 else ''}; "
             f"orders {'+' if uplift >= 0 else ''}{uplift * 100:.0f}% since")
    return Finding(
        date=panel.days[t].date(), kind="price", metric="avg_price", filters={"subcategory": sub}, title=title,
        direction=sign, actual=avg_change, expected=0.0, impact=impact, z=0.0,
        evidence={"products": names[:10], "price_change_pct": round(avg_change * 100, 1),
                  "orders_per_day_before": round(orders_before, 2), "orders_per_day_since": round(orders_now, 2)},
        why=[f"Regular price {word} by {pct(abs(avg_change))} on {', '.join(names[:3])}"
             f"{' and more' if len(names) > 3 else ''}.",
             f"Orders per day: {orders_before:.1f} before, {orders_now:.1f} since (early: {RECENT} days).",
             f"A week of revenue repriced: about {money(impact)}."])
