"""Price elasticity of demand per product, from the shop's own price changes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Table, ToolOutput
from shoplens.tools.metric_query import clean_filters, filters_text
from shoplens.tools.requests import PeriodArgs, as_optional_str

if TYPE_CHECKING:
    from shoplens.tools.context import ToolContext

MIN_WEEKS = 12  # fewer weeks of sales say nothing about price
MIN_PRICE_SPREAD = 0.10  # the price must have moved by at least 10% (max/min - 1) to estimate anything


class ElasticityRequest(PeriodArgs):
    product: str | None = Field(None, description="One product name; omit to rank every product of the scope.")
    category: str | None = Field(None, description="A category to look at (default: the whole shop).")
    top_n: int = Field(10, ge=1, le=100, description="How many products to list.")

    v_opt = field_validator("product", "category", mode="before")(classmethod(lambda cls, v: as_optional_str(v)))


class PriceElasticityTool:
    """Estimate how strongly each product's weekly units respond to its own price (price elasticity: the %
    change in units for a 1% change in price; -1.5 means a 10% price cut sells about 15% more), from the price
    changes in the data (promotions, cuts, clearance). Log-log regression of weekly units on the average selling
    price with a yearly-season term; returns the estimate with a 90% interval, weeks used and how much the price
    moved. Use it for 'how price sensitive is X', 'what would a price cut do'."""

    name = "price_elasticity"
    Request = ElasticityRequest

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def call(self, req: ElasticityRequest) -> ToolOutput:
        period, notes = req.resolve(self.ctx)
        start, end = (period.start, period.end) if period else (self.ctx.data_start, self.ctx.as_of)
        filters = clean_filters(self.ctx.semantic, {k: [v] for k, v in
                                                    (("product", req.product), ("category", req.category)) if v})
        where = " AND ".join([f"o.order_date BETWEEN DATE '{start}' AND DATE '{end}'", "o.status = 'completed'",
                              *(f"p.{'name' if d == 'product' else d} IN ({_in(v)})" for d, v in filters.items())])
        sql = (f"SELECT p.name AS product, date_trunc('week', o.order_date) AS week, SUM(oi.quantity) AS units, "
               f"SUM(oi.revenue) / NULLIF(SUM(oi.quantity), 0) AS price FROM order_items oi "
               f"JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE {where} GROUP BY 1, 2")
        res = self.ctx.runner.run(sql, row_cap=500_000)
        rows = [r for r in (_estimate(name, part) for name, part in res.df.groupby("product")) if r]
        if not rows:
            raise UserInputError("Not enough price movement to estimate an elasticity here.",
                                 hint=f"It needs {MIN_WEEKS}+ weeks of sales and a price that changed by "
                                      f"{MIN_PRICE_SPREAD:.0%} or more; widen the period or the scope.")
        rows.sort(key=lambda r: r[1])
        shown = rows[: req.top_n]
        pooled = _estimate("All these products (pooled)", res.df, fixed_effects=True) if len(rows) > 1 else None
        if pooled:
            shown = [*shown, pooled]
        scope = filters_text(self.ctx.semantic, filters) or "all products"
        table = Table(f"Price elasticity of weekly units ({scope})",
                      ["Product", "Elasticity", "90% low", "90% high", "Weeks", "Price moved"], shown, len(rows))
        lines = [f"Price elasticity, {scope}, {start} to {end} ({len(rows)} products with enough price movement):"]
        lines += [f"- {n}: {e:+.2f} (90% {lo:+.2f} to {hi:+.2f}, {w} weeks, price moved {mv:.0%})"
                  for n, e, lo, hi, w, mv in (shown[:8] + shown[-1:] if pooled else shown[:8])]
        notes.append("Prices that moved only during promotions are confounded with the promotion's advertising; "
                     "read single products as indicative and the pooled figure as the firmer one.")
        facts = {"metric": "price_elasticity", "rows": [[r[0], r[1]] for r in shown], "filters": filters,
                 "period": {"start": str(start), "end": str(end), "label": period.label if period else "all time"}}
        return ToolOutput(summary="\n".join(lines), tables=[table], sql=[sql], facts=facts, warnings=notes,
                          period=period)


def _estimate(name: str, part: Any, *, fixed_effects: bool = False) -> list[Any] | None:
    """[product, elasticity, low, high, weeks, price spread] from a log-log least squares fit with yearly
    seasonality (sine/cosine of the week of the year), or None when the data cannot say. ``fixed_effects``: many
    products at once, each with its own level, prices relative to each product's own mean."""
    import numpy as np
    import pandas as pd

    part = part[(part["units"] > 0) & (part["price"] > 0)]
    if len(part) < MIN_WEEKS:
        return None
    price = part["price"].to_numpy(dtype=float)
    rel = price / part.groupby("product")["price"].transform("mean").to_numpy(dtype=float)
    if rel.max() / rel.min() - 1 < MIN_PRICE_SPREAD:
        return None
    week = np.array([w.isocalendar()[1] for w in part["week"]], dtype=float)
    levels = (pd.get_dummies(part["product"]).to_numpy(dtype=float) if fixed_effects
              else np.ones((len(part), 1)))
    x = np.column_stack([np.log(price), levels, np.sin(2 * np.pi * week / 52), np.cos(2 * np.pi * week / 52)])
    y = np.log(part["units"].to_numpy(dtype=float))
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    dof = len(y) - x.shape[1]
    if dof <= 0:
        return None
    cov = np.linalg.pinv(x.T @ x) * float(resid @ resid) / dof
    se = math.sqrt(max(cov[0, 0], 0.0))
    e = float(beta[0])
    return [name, round(e, 2), round(e - 1.645 * se, 2), round(e + 1.645 * se, 2), len(part),
            round(float(rel.max() / rel.min() - 1), 3)]


def _in(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)
