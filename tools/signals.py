"""Product signals behind a change: for the products that carry it, the measures that tend to explain a sales move
(return rate, star rating and negative reviews, selling price, product views and add-to-cart rate) in both periods,
each marked when it moved by more than a plain threshold.

Only measures the warehouse has are asked for (a shop without web traffic gets no traffic signals). A collapse in
add-to-carts while views held up is how a stock-out shows in traffic data, so it is named as a likely stock-out.
The thresholds are data (SIGNAL_MOVES), not tuned on any evaluation set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shoplens.tools.compare import parse_split, split_sql

if TYPE_CHECKING:
    from shoplens.tools.artifacts import Period
    from shoplens.tools.context import ToolContext

#: (measures asked together, filters that apply besides the product): one statement each
ASKS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("return_rate", "revenue", "units"), ("channel", "region", "segment")),
    (("avg_rating", "review_count", "negative_share"), ()),
    (("product_views", "add_to_cart_rate"), ()),
)
#: a signal "moved" when |now - before| reaches the absolute step (rates, ratings) or the relative step
SIGNAL_MOVES: dict[str, tuple[str, float]] = {
    "return_rate": ("abs", 0.02),
    "avg_rating": ("abs", 0.25),
    "negative_share": ("abs", 0.05),
    "avg_price": ("rel", 0.05),
    "product_views": ("rel", 0.2),
    "add_to_cart_rate": ("rel", 0.25),
}
#: complaint aspects named per product: at most this many, each criticised in at least COMPLAINT_MIN reviews
COMPLAINTS_SHOWN = 2
COMPLAINT_MIN = 3
#: add-to-cart rate down by this share while views fell less than STOCKOUT_VIEWS: looks like a stock-out
STOCKOUT_ATC_DROP = 0.5
STOCKOUT_VIEWS = 0.2


def moved(key: str, now: float | None, before: float | None) -> bool:
    """Whether a signal moved enough to mention."""
    if now is None or before is None or key not in SIGNAL_MOVES:
        return False
    how, step = SIGNAL_MOVES[key]
    if how == "abs":
        return abs(now - before) >= step
    return before != 0 and abs(now - before) / abs(before) >= step


def product_signals(
    ctx: ToolContext, products: list[str], cur: Period, prev: Period, flt: Mapping[str, list[str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """[{product, <measure>: [now, before], ..., moved: [...], stockout: bool, new: bool}], and the SQL run.
    ``new``: nothing at all in the earlier period (not on sale yet)."""
    sem = ctx.semantic
    signals: dict[str, dict[str, Any]] = {p: {"product": p} for p in products}
    sqls = []
    base = {k: v for k, v in flt.items() if k in ("category", "subcategory", "brand")} | {"product": products}
    for measures, extra in ASKS:
        metrics = [m for m in measures if m in sem.metrics]
        if not metrics or len({s for m in metrics for s in sem.metric_source_names(sem.metric(m))}) != 1:
            continue
        f = base | {k: v for k, v in flt.items() if k in extra}
        res = ctx.runner.run(split_sql(sem, metrics, [("current", cur), ("previous", prev)], f, ["product"]))
        sqls.append(res.sql)
        _, by = parse_split(res.df, ["product"], metrics)
        for label, cells in by["product"].items():
            if label in signals:
                for m in metrics:
                    signals[label][m] = [cells.get("current", {}).get(m), cells.get("previous", {}).get(m)]
    out = []
    for s in signals.values():
        _price(s)
        s["moved"] = [k for k in SIGNAL_MOVES if k in s and moved(k, *s[k])]
        s["stockout"] = _stockout(s)
        pairs = [v for k, v in s.items() if isinstance(v, list) and k != "moved"]
        s["new"] = bool(pairs) and all(v[1] is None for v in pairs) and any(v[0] is not None for v in pairs)
        s["complaints"] = complaints(ctx, s["product"], cur, prev) if "reviews" in ctx.runner.catalog else []
        if len(s) > 5:
            out.append(s)
    return out, sqls


def _price(s: dict[str, Any]) -> None:
    """Average selling price from revenue and units (one statement with the return rate), then drop the parts."""
    rev, units = s.pop("revenue", None), s.pop("units", None)
    if rev and units:
        s["avg_price"] = [r / u if r is not None and u else None for r, u in zip(rev, units, strict=True)]


def _stockout(s: dict[str, Any]) -> bool:
    atc, views = s.get("add_to_cart_rate"), s.get("product_views")
    if not atc or not views or None in atc or None in views or not atc[1] or not views[1]:
        return False
    return atc[0] <= atc[1] * (1 - STOCKOUT_ATC_DROP) and views[0] >= views[1] * (1 - STOCKOUT_VIEWS)


def complaints(ctx: ToolContext, product: str, cur: Period, prev: Period) -> list[dict[str, Any]]:
    """What negative reviews of the product criticise most in the current period (aspects named in at least
    COMPLAINT_MIN reviews), with the count in the earlier period: [{aspect, now, before}], the biggest rise first."""
    from shoplens.tools.reviews.insights import ReviewInsightsTool

    tool = ReviewInsightsTool(ctx.runner, ctx.charts_dir)
    now, before = tool.negative_aspects(product, cur), tool.negative_aspects(product, prev)
    found = [{"aspect": a, "now": n, "before": before.get(a, 0)} for a, n in now.items() if n >= COMPLAINT_MIN]
    found.sort(key=lambda c: (-(c["now"] - c["before"]), -c["now"], c["aspect"]))
    return found[:COMPLAINTS_SHOWN]
