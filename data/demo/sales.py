"""The sales simulation, one calendar month at a time (the build's unit of work and of memory).

For each product and day, order lines are drawn as negative binomial counts around the expected demand
(Poisson x Gamma noise, with a shared daily shock). A day's lines are shuffled and cut into baskets, baskets get a
channel, a time of day, a segment, a campaign (web/app orders during campaign windows), a customer (new or
repeat), quantities, prices, discounts and a final status (completed, cancelled or returned).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.data.contract import CAMPAIGN_CHANNELS, CHANNELS
from shoplens.data.demo.calendar import OUTAGE_DATE, OUTAGE_HOURS
from shoplens.data.demo.campaigns import Campaigns
from shoplens.data.demo.catalog import ACQUISITION_CHANNELS, EXTRA_UNITS, Catalog
from shoplens.data.demo.customers import CustomerBook
from shoplens.data.demo.demand import NEW_ORDER_P, Demand

#: Order times by hour of day: consumers shop in the evening, business customers in office hours.
_CONSUMER_HOURS = np.array([12, 7, 5, 4, 4, 7, 15, 30, 42, 50, 55, 58, 62, 58, 54, 54, 56, 60, 66, 75, 82, 76, 52, 30.0])
_BUSINESS_HOURS = np.array([1, 1, 1, 1, 1, 2, 6, 25, 70, 90, 95, 88, 70, 85, 92, 88, 75, 50, 25, 12, 8, 5, 3, 2.0])
#: Chance a new (first-time) customer places the order, by how the order arrived.
_NEW_CUSTOMER_P = {"prospecting": 0.42, "email": 0.03, "marketplace": 0.30, "direct": 0.20}
_PROSPECTING = ("search", "social", "display", "affiliate")
CANCEL_P = {"web": 0.026, "app": 0.024, "marketplace": 0.045}
STATUS_COMPLETED, STATUS_CANCELLED, STATUS_RETURNED = 0, 1, 2
MARKETPLACE = CHANNELS.index("marketplace")


@dataclass
class MonthSales:
    """One month's orders (sorted by time, ids assigned) and their lines (sorted by order, line_no)."""

    order_id: np.ndarray  # int64
    order_day: np.ndarray  # day index in the calendar
    order_seconds: np.ndarray  # seconds after midnight
    customer: np.ndarray  # customer index (id - 1)
    channel: np.ndarray  # index into CHANNELS
    status: np.ndarray  # STATUS_*
    campaign: np.ndarray  # campaign index, -1 = none
    region: np.ndarray  # index into REGIONS (the customer's)
    line_order: np.ndarray  # position of each line's order in the arrays above
    line_no: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_cents: np.ndarray
    discount_cents: np.ndarray
    web_lines: np.ndarray  # (P, days) order lines placed on web/app, for the traffic table

    @property
    def revenue_cents(self) -> np.ndarray:
        return self.quantity * self.unit_cents - self.discount_cents


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1)."""
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > np.cumsum(probs, axis=1)).sum(axis=1), probs.shape[1] - 1)


def _hours(rng: np.random.Generator, business: np.ndarray, outage: np.ndarray) -> np.ndarray:
    """Hour of day per order from the consumer or business profile (outside the outage window if affected)."""
    up = np.array([h not in OUTAGE_HOURS for h in range(24)], dtype=float)
    u = rng.random(len(business))
    hours = np.empty(len(business), dtype=np.int64)
    for is_business, profile in ((False, _CONSUMER_HOURS), (True, _BUSINESS_HOURS)):
        for is_out in (False, True):
            sel = (business == is_business) & (outage == is_out)
            p = profile * up if is_out else profile
            cdf = np.cumsum(p) / p.sum()
            hours[sel] = np.minimum(np.searchsorted(cdf, u[sel], side="right"), 23)
    return hours


def simulate_month(  # long: one month of the demand simulation, kept as one ordered pipeline of vectorised steps
    rng: np.random.Generator, dem: Demand, cat: Catalog, camps: Campaigns, book: CustomerBook,
    a: int, b: int, first_order_id: int,
) -> MonthSales:
    n_prod, n_days = cat.n, b - a
    lam = dem.lam[:, a:b]
    shock = rng.gamma(150.0, 1.0 / 150.0, n_days)[None, :]
    counts = rng.poisson(lam * shock * rng.gamma(12.0, 1.0 / 12.0, lam.shape))

    # lines, shuffled within each day, then cut into baskets
    cell = np.repeat(np.arange(n_days * n_prod), counts.T.ravel())
    day, prod = cell // n_prod, cell % n_prod
    perm = np.lexsort((rng.random(len(day)), day))
    day, prod = day[perm], prod[perm]
    starts = rng.random(len(day)) < NEW_ORDER_P
    if len(day):
        starts[0] = True
        starts[1:] |= day[1:] != day[:-1]
    line_basket = np.cumsum(starts) - 1
    n_orders = int(line_basket[-1]) + 1 if len(day) else 0
    o_day = np.zeros(n_orders, dtype=np.int64)
    o_day[line_basket] = day  # every line of a basket has the basket's day
    # two lines of the same product in a basket become one line with a higher quantity
    key_u, dup = np.unique(line_basket * n_prod + prod, return_counts=True)
    basket, prod = key_u // n_prod, key_u % n_prod

    # per order: channel, segment, time of day; then sort orders by time and assign ids
    g_day = a + o_day
    channel = _pick(rng, dem.channel_p[g_day])
    business = rng.random(n_orders) < dem.business_p[g_day]
    outage = (g_day == dem.cal.index(OUTAGE_DATE)) & (channel != MARKETPLACE)
    seconds = _hours(rng, business, outage) * 3600 + rng.integers(0, 3600, n_orders)
    o_perm = np.lexsort((seconds, o_day))
    rank = np.empty(n_orders, dtype=np.int64)
    rank[o_perm] = np.arange(n_orders)
    o_day, channel, business, seconds = o_day[o_perm], channel[o_perm], business[o_perm], seconds[o_perm]
    g_day = a + o_day
    line_order = rank[basket]
    l_perm = np.lexsort((rng.random(len(line_order)), line_order))
    line_order, prod, dup = line_order[l_perm], prod[l_perm], dup[l_perm]
    first_line = np.r_[0, np.flatnonzero(np.diff(line_order)) + 1] if len(line_order) else np.zeros(0, np.int64)
    line_no = np.arange(len(line_order)) - np.repeat(first_line, np.diff(np.r_[first_line, len(line_order)]))

    campaign = _attribute(rng, dem, cat, camps, g_day, channel, prod, first_line)

    # customers: first orders create customers, the rest come back from the pool
    camp_ch = np.r_[[CAMPAIGN_CHANNELS.index(c) for c in camps.channels], -1][campaign]
    prospecting = np.isin(camp_ch, [CAMPAIGN_CHANNELS.index(c) for c in _PROSPECTING])
    p_new = np.select(
        [prospecting, camp_ch == CAMPAIGN_CHANNELS.index("email"), channel == MARKETPLACE],
        [_NEW_CUSTOMER_P["prospecting"], _NEW_CUSTOMER_P["email"], _NEW_CUSTOMER_P["marketplace"]],
        _NEW_CUSTOMER_P["direct"],
    )
    segments = business.astype(np.int8)
    is_new = (rng.random(n_orders) < p_new) | (book.available(g_day, segments) == 0)
    acq = np.full(n_orders, -1, dtype=np.int64)
    acq[channel == MARKETPLACE] = ACQUISITION_CHANNELS.index("marketplace")
    for ch in _PROSPECTING:
        acq[camp_ch == CAMPAIGN_CHANNELS.index(ch)] = ACQUISITION_CHANNELS.index(ch)
    customer = np.empty(n_orders, dtype=np.int64)
    repeat = ~is_new
    customer[repeat] = book.pick_repeat(rng, g_day[repeat], segments[repeat])
    customer[is_new] = book.add(rng, g_day[is_new], segments[is_new], acq[is_new])

    # quantities, prices, discounts
    l_day = g_day[line_order]
    extra = np.array([EXTRA_UNITS[c] for c in cat.categories])[prod] * np.where(business[line_order], 2.5, 1.0)
    quantity = dup + rng.poisson(extra)
    unit = dem.price_cents[prod, l_day]
    l_camp = campaign[line_order]
    pct = np.where(l_camp >= 0, np.r_[camps.discount_pct, 0.0][l_camp], 0.0)
    scope = np.r_[camps.scope, -1][l_camp]
    in_scope = (scope < 0) | (scope == cat.category_idx[prod])
    discount = np.where(in_scope, np.rint(quantity * unit * pct / 100.0), 0).astype(np.int64)

    # status: cancelled before shipping, or returned (more likely with more, and riskier, lines)
    cancel_p = np.array([CANCEL_P[c] for c in CHANNELS])[channel] * np.where(dem.sale_day[g_day], 1.3, 1.0)
    log_keep = np.add.reduceat(np.log1p(-dem.return_p[prod, l_day]), first_line) if n_orders else np.zeros(0)
    u = rng.random(n_orders)
    status = np.where(u < cancel_p, STATUS_CANCELLED, STATUS_COMPLETED)
    returned = rng.random(n_orders) < -np.expm1(log_keep)
    status[(status == STATUS_COMPLETED) & returned] = STATUS_RETURNED

    web = channel[line_order] != MARKETPLACE
    web_lines = np.zeros((n_prod, n_days), dtype=np.int64)
    np.add.at(web_lines, (prod[web], o_day[line_order][web]), 1)
    return MonthSales(
        order_id=first_order_id + np.arange(n_orders, dtype=np.int64), order_day=g_day, order_seconds=seconds,
        customer=customer, channel=channel, status=status, campaign=campaign, region=book.region[customer],
        line_order=line_order, line_no=(line_no + 1).astype(np.int16), product=prod,
        quantity=quantity.astype(np.int32), unit_cents=unit, discount_cents=discount, web_lines=web_lines,
    )


def _attribute(
    rng: np.random.Generator, dem: Demand, cat: Catalog, camps: Campaigns, g_day: np.ndarray, channel: np.ndarray,
    prod: np.ndarray, first_line: np.ndarray,
) -> np.ndarray:
    """Give web/app orders the campaign that brought them. Each active campaign owns a slice of [0, 1) of the
    size of its attribution rate; an order falls in at most one slice (scoped campaigns only take orders holding
    a product of their category)."""
    n = len(g_day)
    campaign = np.full(n, -1, dtype=np.int64)
    if not n:
        return campaign
    mask = np.bitwise_or.reduceat(np.left_shift(1, cat.category_idx[prod].astype(np.int64)), first_line)
    u, offset = rng.random(n), np.zeros(n)
    site = channel != MARKETPLACE
    a, b = int(g_day.min()), int(g_day.max())
    for c in np.flatnonzero(dem.attr[:, a : b + 1].sum(axis=1) > 0):
        eligible = site & ((camps.scope[c] < 0) | ((mask >> max(int(camps.scope[c]), 0)) & 1 == 1))
        p = np.where(eligible, dem.attr[c, g_day], 0.0)
        hit = (u >= offset) & (u < offset + p)
        campaign[hit] = c
        offset += p
    return campaign
