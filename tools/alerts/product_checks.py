"""Product checks of the default watch: return-rate and negative-review spikes (top products) and stock-outs
(every product on sale). Each reads the panel only up to day ``t``.

- Returns: returned lines over the last 7 days against the product's own rate in the 16 weeks before (binomial
  z >= 4.5, at least 5 returns, at least twice the usual rate).
- Reviews: the share of negative reviews over the last 14 days against the half-year before (z >= 4, at least
  4 negative reviews, at least twice the usual share); with scored aspects, a new top complaint aspect.
- Stock-outs: a CUSUM of log-likelihood ratios over the days without a sale, "out of stock" (almost no
  add-to-carts or orders while the product's views and its category peers' shoppers still come) against "in stock"
  (a negative binomial around what such a day usually brings); it alerts past
  ``h = ln(products * 365 / false alarms allowed a year)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from shoplens.tools.alerts.findings import Finding, money, pct
from shoplens.tools.alerts.panel import Panel

RETURN_DAYS, RETURN_BASE = 7, 112
REVIEW_DAYS, REVIEW_BASE = 14, 182
STOCKOUT_MAX_RUN = 21
STOCKOUT_BASE_DAYS = 56
#: out of stock, this share of the usual add-to-carts and orders still comes (stale pages, back-in-stock lists)
STOCKOUT_RESIDUAL = 0.05
#: false stock-out alarms a year the default watch allows across the whole shop: half its 1-a-week noise budget
STOCKOUT_FALSE_PER_YEAR = 26.0
#: a named stock-out monitor watches one product: at most one false alarm a year (h = ln 365)
MONITOR_STOCKOUT_H = math.log(365.0)


def scan(panel: Panel, t: int, top: list[int], day_rev: float, min_share: float,
         peers: np.ndarray | None = None) -> list[Finding]:
    """The product findings of day ``t``; ``peers`` is ``peer_demand(panel)``, computed once by a caller that scans
    many days (each day reads only its columns up to ``t``)."""
    out = [f for k in top for f in (_returns(panel, t, k), _reviews(panel, t, k)) if f is not None]
    out += aspects(panel, t, top)
    h = stockout_threshold(int(panel.listed[:, t].sum()))
    peers = peer_demand(panel) if peers is None else peers
    out += [f for k in range(len(panel.products)) if (f := stockout(panel, t, k, h, peers)) is not None]
    return [f for f in out if f.impact >= min_share * day_rev or f.kind == "stockout"]


def _name(panel: Panel, k: int) -> str:
    return str(panel.products["name"].iloc[k])


def _line_value(panel: Panel, t: int, k: int) -> float:
    a = max(0, t - 90)
    kept = panel.lines[k, a:t].sum() - panel.returned[k, a:t].sum()
    return float(panel.revenue[k, a:t].sum() / kept) if kept > 0 else 0.0


def _returns(panel: Panel, t: int, k: int) -> Finding | None:
    w0, b0 = t - RETURN_DAYS + 1, max(0, t - RETURN_DAYS - RETURN_BASE + 1)
    ret_w, lines_w = panel.returned[k, w0 : t + 1].sum(), panel.lines[k, w0 : t + 1].sum()
    ret_b, lines_b = panel.returned[k, b0:w0].sum(), panel.lines[k, b0:w0].sum()
    if lines_w < 5 or lines_b < 30:
        return None
    p0 = max((ret_b + 0.5) / (lines_b + 10), 0.005)
    z = (ret_w - lines_w * p0) / math.sqrt(lines_w * p0 * (1 - p0))
    rate = ret_w / lines_w
    if z < 4.5 or ret_w < 5 or rate < 2 * p0:
        return None
    excess = ret_w - lines_w * p0
    impact = excess * _line_value(panel, t, k)
    name = _name(panel, k)
    return Finding(
        date=panel.days[t].date(), kind="return_rate", metric="return_rate", filters={"product": name},
        title=f"{name}: returns at {pct(rate)} over the last {RETURN_DAYS} days (usually {pct(p0)})",
        direction=1, actual=rate, expected=p0, impact=impact, z=z,
        evidence={"returns": int(ret_w), "order_lines": int(lines_w), "return_rate": round(rate, 4),
                  "usual_return_rate": round(p0, 4)},
        why=[f"{int(ret_w)} of {int(lines_w)} order lines were returned in {RETURN_DAYS} days; about "
             f"{lines_w * p0:.1f} would be usual.", f"Refunds at stake: about {money(impact)}."])


def _reviews(panel: Panel, t: int, k: int) -> Finding | None:
    w0, b0 = t - REVIEW_DAYS + 1, max(0, t - REVIEW_DAYS - REVIEW_BASE + 1)
    neg_w, n_w = panel.negative[k, w0 : t + 1].sum(), panel.reviews[k, w0 : t + 1].sum()
    neg_b, n_b = panel.negative[k, b0:w0].sum(), panel.reviews[k, b0:w0].sum()
    if n_w < 4 or n_b < 10:
        return None
    p0 = max((neg_b + 0.5) / (n_b + 5), 0.02)
    z = (neg_w - n_w * p0) / math.sqrt(n_w * p0 * (1 - p0))
    share = neg_w / n_w
    if z < 4.0 or neg_w < 4 or share < 2 * p0:
        return None
    week_rev = float(panel.revenue[k, max(0, t - 6) : t + 1].sum())
    impact = week_rev * (share - p0)
    name = _name(panel, k)
    return Finding(
        date=panel.days[t].date(), kind="sentiment", metric="negative_review_share", filters={"product": name},
        title=f"{name}: {pct(share)} of reviews negative over the last {REVIEW_DAYS} days (usually {pct(p0)})",
        direction=1, actual=share, expected=p0, impact=impact, z=z,
        evidence={"negative_reviews": int(neg_w), "reviews": int(n_w), "negative_share": round(share, 4),
                  "usual_negative_share": round(p0, 4)},
        why=[f"{int(neg_w)} of {int(n_w)} reviews in {REVIEW_DAYS} days rated 1-2 stars or scored negative.",
             f"A week's revenue exposed: {money(week_rev)}."])


def aspects(panel: Panel, t: int, top: list[int]) -> list[Finding]:
    if panel.aspects is None or panel.aspects.empty:
        return []
    day = panel.days[t]
    recent = panel.aspects[(panel.aspects["date"] > day - pd.Timedelta(days=REVIEW_DAYS)) & (panel.aspects["date"] <= day)]
    before = panel.aspects[(panel.aspects["date"] <= day - pd.Timedelta(days=REVIEW_DAYS))
                           & (panel.aspects["date"] > day - pd.Timedelta(days=REVIEW_DAYS + REVIEW_BASE))]
    ids = panel.products["product_id"].to_numpy()
    out = []
    for k in top:
        now = recent[recent["product_id"] == ids[k]]["aspect"].value_counts()
        old = before[before["product_id"] == ids[k]]["aspect"].value_counts()
        if now.empty or now.iloc[0] < 3 or (not old.empty and old.index[0] == now.index[0]):
            continue
        aspect, name = str(now.index[0]), _name(panel, k)
        impact = float(panel.revenue[k, max(0, t - 6) : t + 1].sum()) * 0.1
        out.append(Finding(
            date=day.date(), kind="aspect", metric="top_complaint", filters={"product": name},
            title=f"{name}: new top complaint '{aspect}' ({int(now.iloc[0])} mentions in {REVIEW_DAYS} days)",
            direction=1, actual=float(now.iloc[0]), expected=float(old.get(aspect, 0)), impact=impact,
            evidence={"aspect": aspect, "mentions": int(now.iloc[0]),
                      "previous_top": None if old.empty else str(old.index[0])}))
    return out


def stockout_threshold(n_products: int, false_per_year: float = STOCKOUT_FALSE_PER_YEAR) -> float:
    """The CUSUM threshold ``h`` that keeps false stock-out alarms under ``false_per_year`` across ``n_products``.

    Under "in stock" a CUSUM of log-likelihood ratios crosses ``h`` on average no sooner than every ``e**h`` days
    (Lorden's bound, via Wald's martingale argument), so ``n`` products watched daily give at most
    ``n * 365 / e**h`` false alarms a year: ``h = ln(n * 365 / false_per_year)``. More products, higher bar.
    """
    return math.log(max(1, n_products) * 365.0 / false_per_year)


def _log_nb(x: float, m: float, c2: float) -> float:
    """log P(x) for a count with mean ``m`` and variance ``m + c2 * m**2`` (negative binomial; Poisson at c2=0)."""
    m = max(m, 1e-12)
    if c2 < 1e-6:
        return x * math.log(m) - m - math.lgamma(x + 1)
    r = 1.0 / c2
    return (math.lgamma(x + r) - math.lgamma(r) - math.lgamma(x + 1) + r * math.log(r / (r + m))
            + x * math.log(m / (r + m)))


def peer_demand(panel: Panel) -> np.ndarray:
    """(P, D) the add-to-carts plus order lines of each product's category peers (the product itself left out)."""
    x = panel.carts + panel.lines
    cat = panel.products["category"].astype(str).to_numpy()
    out = np.empty_like(x)
    for c in set(cat):
        rows = cat == c
        out[rows] = x[rows].sum(axis=0) - x[rows]
    return out


def stockout_evidence(panel: Panel, t: int, k: int,
                      peers: np.ndarray | None = None) -> tuple[float, int, int, float, float] | None:
    """The CUSUM statistic of "out of stock" against "in stock" for product row ``k`` on day ``t``.

    Returns ``(llr, onset, a, expected, c2)`` or None when the product sold on ``t`` (a sale proves stock), is not on
    sale, or has too little history. ``a`` is the first day of the run of days without a sale, ``onset`` the start
    that maximises the log-likelihood ratio (the CUSUM change point), ``expected`` the add-to-carts plus order lines
    expected from ``onset`` to ``t``. Counts x = add-to-carts + order lines per day:

    - in stock: x ~ NB(mean q * e_d, variance m + c2 m^2), with e_d the day's exposure (``_exposure``: the smaller
      of the category peers' and the product's own views' ratio to their usual day), q the product's counts per unit
      of exposure and c2 its extra-Poisson spread, both from the 56 days before the run (plus 1/n for estimating q);
    - out of stock: x ~ Poisson(STOCKOUT_RESIDUAL * q * e_d): the product page still draws views, but almost
      nobody can add it to a cart.
    Capping by views makes a product that is merely less visited (season, delisting, end of life) not look out of
    stock; capping by peers keeps a burst of views from looking like missing shoppers; a single stray cart lowers
    the evidence instead of resetting it. ``peers`` is ``peer_demand(panel)`` (computed when not given).
    """
    sold = panel.units[k] + panel.lines[k]
    if not panel.listed[k, t] or sold[t] > 0:
        return None
    run = 0
    while run < STOCKOUT_MAX_RUN and t - run >= 0 and sold[t - run] == 0 and panel.listed[k, t - run]:
        run += 1
    a, b0 = t - run + 1, max(0, t - run - STOCKOUT_BASE_DAYS + 1)
    ok = panel.listed[k, b0:a]
    xb = (panel.carts[k, b0:a] + panel.lines[k, b0:a])[ok]
    if len(xb) < 14 or xb.sum() < 10:
        return None
    expo = _exposure(panel, k, b0, a, t, peer_demand(panel) if peers is None else peers)
    if expo is None:
        return None
    eb = expo[: a - b0][ok]
    q = float(xb.sum() / eb.sum())
    mb = q * eb
    c2 = max(0.0, float(((xb - mb) ** 2 - mb).sum() / max((mb**2).sum(), 1e-9))) + 1.0 / float(xb.sum())
    best, total, onset, expected, acc = -math.inf, 0.0, t, 0.0, 0.0
    for d in range(t, a - 1, -1):  # suffix sums: the best onset between a and t
        x, m = float(panel.carts[k, d] + panel.lines[k, d]), q * float(expo[d - b0])
        total += _log_nb(x, STOCKOUT_RESIDUAL * m, 0.0) - _log_nb(x, m, c2)
        acc += m
        if total > best:
            best, onset, expected = total, d, acc
    return best, onset, a, expected, c2


def _exposure(panel: Panel, k: int, b0: int, a: int, t: int, peers: np.ndarray) -> np.ndarray | None:
    """How much demand product row ``k`` should see on each day ``b0..t``, relative to its usual listed day before
    ``a``: the smaller of what its category peers saw (their add-to-carts plus order lines, ``peers``) and what its
    own product views say. Peers carry the weekday, the season, campaigns and sale days in large counts, so a burst of
    views (a crawler, a newsletter link) does not raise what the day should bring; the views stop a product nobody
    visits (season, delisted from search, end of life) from looking out of stock. A product alone in its category
    has views only; None without views."""
    ok = panel.listed[k, b0:a]
    peer_x, views = peers[k, b0 : t + 1], panel.views[k, b0 : t + 1]
    peer_0, views_0 = peer_x[: a - b0][ok].mean(), views[: a - b0][ok].mean()
    if not views_0 > 0:
        return None
    if not peer_0 > 0:
        return views / views_0
    return np.minimum(peer_x / peer_0, views / views_0)


def stockout(panel: Panel, t: int, k: int, h: float = MONITOR_STOCKOUT_H,
             peers: np.ndarray | None = None) -> Finding | None:
    ev = stockout_evidence(panel, t, k, peers)
    if ev is None or ev[0] < h:
        return None
    llr, onset, a, expected, _ = ev
    run = t - onset + 1
    b0 = max(0, a - STOCKOUT_BASE_DAYS)
    base_days = max(1, int(panel.listed[k, b0:a].sum()))
    views_w = panel.views[k, onset : t + 1].sum()
    observed = panel.carts[k, onset : t + 1].sum() + panel.lines[k, onset : t + 1].sum()
    name = _name(panel, k)
    daily = float(panel.revenue[k, b0:a].sum() / base_days)
    impact = daily * run
    since = panel.days[onset].date().isoformat()
    return Finding(
        date=panel.days[t].date(), kind="stockout", metric="units", filters={"product": name},
        title=f"{name}: no sales for {run} day{'s' if run > 1 else ''} while {int(views_w)} product views continue",
        direction=-1, actual=0.0, expected=float(panel.lines[k, b0:a].sum() / base_days * run), impact=impact,
        z=float(llr / math.log(10)),
        evidence={"days_without_sales": run, "product_views": int(views_w), "add_to_cart": int(observed),
                  "expected_add_to_cart_and_orders": round(float(expected), 1), "since": since,
                  "log_likelihood_ratio": round(float(llr), 2), "threshold": round(float(h), 2)},
        why=[f"No units sold since {since} although {int(views_w)} product views came; "
             f"{int(observed)} add-to-carts and orders against about {expected:.0f} usual for such days.",
             f"Out of stock is e^{llr:.1f} times likelier than a slow spell (alert bar e^{h:.1f}).",
             f"Lost revenue so far: about {money(impact)} ({money(daily)} a day)."])
