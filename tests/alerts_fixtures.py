"""Small synthetic panels for the alert tests: Poisson counts around known rates, with injected events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.tools.alerts.panel import Panel


def make_panel(days: int = 200, seed: int = 0, products: int = 3, rate: float = 20.0) -> Panel:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=days, freq="D")
    lines = rng.poisson(rate, (products, days)).astype(float)
    views = rng.poisson(rate * 12, (products, days)).astype(float)
    carts = rng.poisson(rate * 1.2, (products, days)).astype(float) + lines
    names = [f"Product {i}" for i in range(products)]
    prod = pd.DataFrame({"product_id": np.arange(1, products + 1), "name": names,
                         "category": ["Cat A"] * products, "subcategory": ["Sub A"] * products})
    orders = rng.poisson(200.0, (2, days)).astype(float)
    return Panel(days=idx, products=prod, revenue=lines * 30.0, units=lines.copy(), lines=lines,
                 returned=rng.binomial(lines.astype(int), 0.03).astype(float), views=views, carts=carts,
                 listed=np.ones_like(lines, dtype=bool), reviews=rng.poisson(2.0, (products, days)).astype(float),
                 negative=np.zeros((products, days)), price=np.full((products, days), 30.0),
                 groups={"channel": (["app", "web"], orders, orders * 60.0)})
