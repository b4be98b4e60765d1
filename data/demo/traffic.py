"""Web traffic per product and day, and marketing spend per campaign and day, consistent with the simulated sales.

Traffic funnel (web and app only; marketplace orders happen on the marketplace's site):
sessions >= product_views >= add_to_cart >= order lines placed on web/app that day. Views keep coming during a
stock-out while add-to-carts collapse; the outage day shows up in traffic too.

Spend: each campaign-day's expected attributed revenue divided by the channel's target ROAS (with noise);
clicks = attributed orders / conversion rate, impressions = clicks / click-through rate.
"""

from __future__ import annotations

import numpy as np

from shoplens.data.demo.campaigns import CTR, CVR, TARGET_ROAS, Campaigns
from shoplens.data.demo.catalog import Catalog
from shoplens.data.demo.demand import NEW_ORDER_P, Demand, expected_units_per_line

#: Share of add-to-carts that end in a purchase, and of product views that end in an add-to-cart.
CART_CONVERSION = 0.33
ADD_TO_CART_RATE = {
    "Electronics": 0.06, "Home & Kitchen": 0.08, "Beauty": 0.11, "Apparel": 0.09,
    "Sports & Outdoors": 0.08, "Toys & Games": 0.09, "Grocery": 0.16, "Books": 0.10,
}
#: Sessions that include a product (listing or search result) per product view.
SESSIONS_PER_VIEW = 1.4


def traffic_month(
    rng: np.random.Generator, dem: Demand, cat: Catalog, a: int, b: int, web_lines: np.ndarray
) -> dict[str, np.ndarray]:
    """web_traffic rows for days [a, b): one per product on sale per day, ordered by date then product."""
    web_share = dem.channel_p[a:b, :2].sum(axis=1)[None, :]
    expected = dem.lam_open[:, a:b] * web_share  # web/app lines had the product been in stock
    stock = dem.stockout[:, a:b]
    noise = rng.gamma(25.0, 1.0 / 25.0, expected.shape)
    carts = web_lines + rng.poisson(expected * (1 / CART_CONVERSION - 1) * noise * np.where(stock, 0.03, 1.0))
    atc_rate = np.array([ADD_TO_CART_RATE[c] for c in cat.categories])[:, None]
    browse = expected / CART_CONVERSION * (1 / atc_rate - 1) * dem.view_boost[:, a:b]
    views = carts + rng.poisson(browse * rng.gamma(25.0, 1.0 / 25.0, expected.shape))
    sessions = views + rng.poisson(views * (SESSIONS_PER_VIEW - 1) * rng.gamma(40.0, 1.0 / 40.0, expected.shape))
    active = dem.active[:, a:b]
    d_idx, p_idx = np.nonzero(active.T)
    return {
        "date": dem.cal.days[a + d_idx],
        "product_id": (p_idx + 1).astype(np.int32),
        "sessions": sessions[p_idx, d_idx].astype(np.int32),
        "product_views": views[p_idx, d_idx].astype(np.int32),
        "add_to_cart": carts[p_idx, d_idx].astype(np.int32),
    }


def marketing_spend(rng: np.random.Generator, dem: Demand, cat: Catalog, camps: Campaigns) -> dict[str, np.ndarray]:
    """marketing_spend rows: one per campaign per active day, ordered by campaign then date."""
    lam, web_share = dem.lam, dem.channel_p[:, :2].sum(axis=1)
    units = expected_units_per_line(cat)[:, None]
    basket = (lam * dem.price_cents * units).sum(axis=0) / np.maximum(lam.sum(axis=0), 1e-9) / NEW_ORDER_P
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("date", "campaign_id", "spend", "impressions", "clicks")}
    for c in range(camps.n):
        days = np.flatnonzero(dem.attr[c] > 0)
        if camps.scope[c] < 0:
            eligible = lam[:, days].sum(axis=0) * NEW_ORDER_P
        else:
            eligible = lam[cat.category_idx == camps.scope[c]][:, days].sum(axis=0) * 0.93
        orders = dem.attr[c, days] * eligible * web_share[days]
        revenue = orders * basket[days] * (1 - 0.6 * camps.discount_pct[c] / 100) * 0.9
        ch = camps.channels[c]
        spend = revenue / TARGET_ROAS[ch] * rng.lognormal(0.0, 0.2, len(days))
        clicks = np.maximum(1, np.rint(orders / CVR[ch] * rng.lognormal(0.0, 0.15, len(days))))
        impressions = np.maximum(clicks, np.rint(clicks / CTR[ch] * rng.lognormal(0.0, 0.1, len(days))))
        out["date"].append(dem.cal.days[days])
        out["campaign_id"].append(np.full(len(days), c + 1, dtype=np.int32))
        out["spend"].append(np.maximum(np.rint(spend), 1).astype(np.int64))  # cents
        out["impressions"].append(impressions.astype(np.int64))
        out["clicks"].append(clicks.astype(np.int64))
    return {k: np.concatenate(v) for k, v in out.items()}
