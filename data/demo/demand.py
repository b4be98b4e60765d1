"""Expected demand per product and day: the deterministic curves that the sales simulation draws noisy counts from.

lam[p, d] = category level (trend x yearly x weekly x sale days)
            x product share (popularity, launch ramp, discontinuation fade)
            x price effect ((price / reference price) ** -elasticity)
            x campaign lift (discount campaigns) x product events (defect, viral) x stock-outs x outage,
calibrated so that the whole period holds about 1M order lines at scale 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from shoplens.data.contract import CATEGORIES
from shoplens.data.demo.calendar import (
    OUTAGE_DATE,
    OUTAGE_FACTOR,
    Calendar,
    black_friday,
    business_share,
    category_curves,
    channel_shares,
    sale_spikes,
)
from shoplens.data.demo.campaigns import Campaigns
from shoplens.data.demo.catalog import (
    AURORA_X2,
    ELASTICITY,
    EXTRA_UNITS,
    LUNA_GLOW,
    RETURN_RATE,
    SMALL_APPLIANCES,
    Catalog,
)

#: Order lines in the whole period at scale 1 (orders are about 0.6 per line).
LINES_AT_SCALE_1 = 1_020_000
#: Chance that the next line of a day's shuffled lines starts a new order (mean basket = 1 / this).
NEW_ORDER_P = 0.6
#: Share of each category in the shop's demand at the start of the period.
CATEGORY_SHARE = {
    "Electronics": 0.17, "Home & Kitchen": 0.15, "Beauty": 0.12, "Apparel": 0.16,
    "Sports & Outdoors": 0.10, "Toys & Games": 0.09, "Grocery": 0.13, "Books": 0.08,
}

PRICE_CUT_DATE = date(2024, 4, 1)  # event 4
PRICE_CUT = 0.85
DEFECT_START, DEFECT_END = date(2025, 9, 1), date(2025, 11, 30)  # event 2
DEFECT_RETURN_RATE = 0.34
VIRAL_START = date(2024, 7, 8)  # event 3
CLEARANCE_DAYS = 45
CLEARANCE_PRICE = 0.70


@dataclass(frozen=True)
class Demand:
    cal: Calendar
    lam: np.ndarray  # (P, D) expected order lines, after stock-outs
    lam_open: np.ndarray  # (P, D) expected lines had the product been in stock (drives traffic)
    price_cents: np.ndarray  # (P, D) int64 selling price before campaign discounts
    regular_cents: np.ndarray  # (P, D) int64 list price without clearance markdowns
    return_p: np.ndarray  # (P, D) chance an order line is returned
    active: np.ndarray  # (P, D) bool: on sale
    stockout: np.ndarray  # (P, D) bool
    view_boost: np.ndarray  # (P, D) extra product views per expected line (viral attention)
    channel_p: np.ndarray  # (D, 3) web, app, marketplace shares (normalised)
    business_p: np.ndarray  # (D,)
    attr: np.ndarray  # (C, D) attribution rate of each campaign on each day
    lift: np.ndarray  # (P, D) campaign lift
    sale_day: np.ndarray  # (D,) bool: 618, Singles' Day, Black Friday-Cyber Monday peaks


def _day(cal: Calendar, d: date) -> int:
    return cal.index(d)


def _prices(cat: Catalog, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    regular = np.repeat(cat.list_cents[:, None].astype(float), cal.n, axis=1)
    for k in range(cat.n):
        if cat.categories[k] == "Grocery":  # food inflation
            regular[k, _day(cal, date(2024, 1, 1)):] *= 1.05
            regular[k, _day(cal, date(2025, 1, 1)):] *= 1.03
        if (cat.categories[k], cat.subcategories[k]) == SMALL_APPLIANCES:
            regular[k, _day(cal, PRICE_CUT_DATE):] *= PRICE_CUT
    regular = np.round(regular)
    price = regular.copy()
    days = cal.days[None, :]
    clearance = (cat.discontinued[:, None] - days >= 0) & (cat.discontinued[:, None] - days < CLEARANCE_DAYS)
    price[clearance] = np.round(price[clearance] * CLEARANCE_PRICE)
    return regular.astype(np.int64), price.astype(np.int64)


def _lifecycle(cat: Catalog, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    days = cal.days[None, :]
    since = (days - cat.launch[:, None]).astype(float)
    ramp = np.clip((since + 1) / 45.0, 0.0, 1.0) ** 1.5
    disc = cat.discontinued[:, None]
    left = np.where(np.isnat(disc), 1e9, (disc - days).astype(float))
    fade = np.where(left < 60, 0.5 + 0.5 * np.clip(left, 0, 60) / 60.0, 1.0)
    active = (since >= 0) & (left >= 0)
    return np.where(active, ramp * fade, 0.0), active


def _aurora_multiplier(cal: Calendar) -> np.ndarray:
    """Sales of the Aurora X2 during and after the battery defect: complaints pile up, the product sinks, the
    fixed batch ships in December and sales recover through the first half of 2026."""
    knots = [
        (date(2025, 8, 31), 1.0), (date(2025, 9, 10), 0.85), (date(2025, 9, 30), 0.5), (date(2025, 10, 20), 0.33),
        (date(2025, 11, 5), 0.3), (date(2025, 11, 30), 0.28), (date(2025, 12, 20), 0.34), (date(2026, 1, 15), 0.5),
        (date(2026, 3, 31), 0.8), (date(2026, 5, 31), 0.95),
    ]
    x = np.array([_day(cal, k) for k, _ in knots], dtype=float)
    y = np.array([v for _, v in knots])
    return np.interp(np.arange(cal.n, dtype=float), x, y)


def _luna_multiplier(cal: Calendar) -> np.ndarray:
    """Luna Glow Serum goes viral: about 4x for three weeks, then a slow fade to a higher new normal."""
    k = np.arange(cal.n) - _day(cal, VIRAL_START)
    out = np.ones(cal.n)
    out[k == 0], out[k == 1] = 2.8, 3.8
    out[(k >= 2) & (k <= 20)] = 4.3
    tail = k >= 21
    out[tail] = 1.25 + 2.9 * np.exp(-(k[tail] - 21) / 7.0)
    return out


def _stockouts(rng: np.random.Generator, cat: Catalog, active: np.ndarray, protected: list[int]) -> np.ndarray:
    """Stock-out episodes (2-16 days, about 0.7 per product-year); the event products are kept in stock."""
    out = np.zeros_like(active)
    n_days = active.shape[1]
    counts = rng.poisson(active.sum(axis=1) / 365.0 * 0.7)
    starts_u = rng.random(int(counts.sum()))
    lengths = 1 + np.minimum(rng.geometric(0.22, int(counts.sum())), 15)
    j = 0
    for p in range(cat.n):
        days = np.flatnonzero(active[p])
        for _ in range(counts[p]):
            if p not in protected and len(days):
                s = days[int(starts_u[j] * len(days))]
                out[p, s : min(s + lengths[j], n_days)] = True
            j += 1
    return out & active


def _campaign_matrices(camps: Campaigns, cat: Catalog, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    attr = np.zeros((camps.n, cal.n))
    lift = np.ones((cat.n, cal.n))
    elasticity = np.array([ELASTICITY[c] for c in cat.categories])
    for c in range(camps.n):
        a, b = _day(cal, camps.start[c].astype(object)), _day(cal, camps.end[c].astype(object))
        k = np.arange(b - a + 1)
        profile = np.maximum(0.3, 0.6**k) if camps.decays[c] else np.ones(len(k))
        attr[c, a : b + 1] = camps.attr_rate[c] * profile
        if camps.discount_pct[c] > 0:
            in_scope = np.ones(cat.n, bool) if camps.scope[c] < 0 else cat.category_idx == camps.scope[c]
            gain = 1.0 + 0.5 * ((1.0 - camps.discount_pct[c] / 100.0) ** -elasticity - 1.0)
            lift[in_scope, a : b + 1] *= gain[in_scope, None]
    return attr, lift


def build_demand(cat: Catalog, camps: Campaigns, cal: Calendar, scale: float, rng: np.random.Generator) -> Demand:
    curves = category_curves(cal)
    life, active = _lifecycle(cat, cal)
    weights = cat.popularity[:, None] * life
    lam = np.zeros((cat.n, cal.n))
    for k, name in enumerate(CATEGORIES):
        rows = cat.category_idx == k
        total = weights[rows].sum(axis=0)
        lam[rows] = CATEGORY_SHARE[name] * curves[k] * weights[rows] / np.where(total > 0, total, 1.0)

    regular, price = _prices(cat, cal)
    elasticity = np.array([ELASTICITY[c] for c in cat.categories])
    lam *= (price / cat.list_cents[:, None]) ** -elasticity[:, None]
    attr, lift = _campaign_matrices(camps, cat, cal)
    lam *= lift

    aurora, luna = cat.id_of(AURORA_X2), cat.id_of(LUNA_GLOW)
    lam[aurora] *= _aurora_multiplier(cal)
    lam[luna] *= _luna_multiplier(cal)
    view_boost = np.ones_like(lam)
    view_boost[luna] = np.where(_luna_multiplier(cal) > 1.5, 1.6, 1.0)

    shares = channel_shares(cal)
    normal = shares.copy()
    i = _day(cal, OUTAGE_DATE)
    if 0 <= i < cal.n:
        normal[i, :2] /= OUTAGE_FACTOR
    lam *= (shares.sum(axis=1) / normal.sum(axis=1))[None, :]
    lam *= scale * LINES_AT_SCALE_1 / lam.sum()

    stockout = _stockouts(rng, cat, active, protected=[aurora, luna])
    # the price cut was planned: the appliances stayed in stock around it
    appliances = [(c, s) == SMALL_APPLIANCES for c, s in zip(cat.categories, cat.subcategories, strict=True)]
    stockout[np.flatnonzero(appliances), _day(cal, date(2023, 12, 1)) : _day(cal, date(2024, 7, 31)) + 1] = False
    lam_open = lam.copy()
    lam = np.where(stockout, 0.0, lam)

    base_return = np.array([RETURN_RATE[c] for c in cat.categories]) * (0.75 + 0.5 * rng.random(cat.n))
    return_p = np.repeat(base_return[:, None], cal.n, axis=1)
    for year in range(cal.date(0).year, cal.date(cal.n - 1).year + 1):  # gifts come back in January
        a, b = _day(cal, black_friday(year)) - 7, _day(cal, date(year, 12, 24))
        return_p[:, max(a, 0) : max(min(b + 1, cal.n), 0)] *= 1.3
    a, b = _day(cal, DEFECT_START), _day(cal, DEFECT_END)
    return_p[aurora, a : b + 1] = DEFECT_RETURN_RATE
    return_p[aurora, b + 1 : b + 32] = 0.07

    return Demand(
        cal=cal, lam=lam, lam_open=lam_open, price_cents=price, regular_cents=regular, return_p=return_p,
        active=active, stockout=stockout, view_boost=view_boost,
        channel_p=shares / shares.sum(axis=1, keepdims=True), business_p=business_share(cal), attr=attr, lift=lift,
        sale_day=sale_spikes(cal) >= 1.5,
    )


def expected_units_per_line(cat: Catalog) -> np.ndarray:
    return 1.0 + np.array([EXTRA_UNITS[c] for c in cat.categories])
