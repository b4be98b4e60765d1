"""Product checks of the default watch: return-rate and negative-review spikes (top products) and stock-outs
(every product on sale). Each reads the panel only up to day ``t``.

- Returns: returned lines over the last 7 days against the product's own rate in the 16 weeks before (binomial
  z >= 4.5, at least 5 returns, at least twice the usual rate).
- Reviews: the share of negative reviews over the last 14 days against the half-year before (z >= 4, at least
  4 negative reviews, at least twice the usual share); with scored aspects, a new top complaint aspect.
- Stock-outs: no units sold for ``k`` days in a row while product views continue (at least 40% of their usual
  level) and add-to-carts plus orders are far below what those views normally bring (Poisson tail < 1e-3);
  add-to-carts alone must be below 20% of usual (a product that is merely slow still gets carts).
"""

from __future__ import annotations

import math

import pandas as pd

from shoplens.tools.alerts.findings import Finding, money, pct
from shoplens.tools.alerts.panel import Panel

RETURN_DAYS, RETURN_BASE = 7, 112
REVIEW_DAYS, REVIEW_BASE = 14, 182
STOCKOUT_MAX_RUN = 21
STOCKOUT_P = 1e-3
STOCKOUT_CART_P = 1e-2
STOCKOUT_CART_SHARE = 0.2


def scan(panel: Panel, t: int, top: list[int], day_rev: float, min_share: float) -> list[Finding]:
    out = [f for k in top for f in (_returns(panel, t, k), _reviews(panel, t, k)) if f is not None]
    out += aspects(panel, t, top)
    out += [f for k in range(len(panel.products)) if (f := stockout(panel, t, k)) is not None]
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


def _poisson_cdf(x: float, m: float) -> float:
    term = total = math.exp(-m)
    for i in range(1, int(x) + 1):
        term *= m / i
        total += term
    return min(total, 1.0)


def stockout(panel: Panel, t: int, k: int) -> Finding | None:
    if not panel.listed[k, t] or panel.units[k, t] > 0:
        return None
    run = 0
    while run < STOCKOUT_MAX_RUN and t - run >= 0 and panel.units[k, t - run] == 0 and panel.listed[k, t - run]:
        run += 1
    a, b0 = t - run + 1, max(0, t - run - 56 + 1)
    views_b, carts_b = panel.views[k, b0:a].sum(), panel.carts[k, b0:a].sum()
    base_days = a - b0
    if base_days < 14 or views_b <= 0 or carts_b < 10:
        return None
    views_w = panel.views[k, a : t + 1].sum()
    if views_w < 0.4 * views_b / base_days * run:
        return None  # views fell too: not a stock-out signature
    # add-to-carts and order lines follow views (their rate per view barely moves with the season); a stock-out
    # empties both
    lines_b = panel.lines[k, b0:a].sum()
    # expected from the views that came, or from the usual day, whichever is lower (views have their own noise)
    scale = min(views_w / views_b, run / base_days)
    expected = (carts_b + lines_b) * scale
    observed = panel.carts[k, a : t + 1].sum() + panel.lines[k, a : t + 1].sum()
    p = _poisson_cdf(observed, expected)
    carts_w, carts_e = panel.carts[k, a : t + 1].sum(), carts_b * scale
    if p >= STOCKOUT_P or _poisson_cdf(carts_w, carts_e) >= STOCKOUT_CART_P or carts_w > STOCKOUT_CART_SHARE * carts_e:
        return None
    name = _name(panel, k)
    daily = float(panel.revenue[k, b0:a].sum() / base_days)
    impact = daily * run
    return Finding(
        date=panel.days[t].date(), kind="stockout", metric="units", filters={"product": name},
        title=f"{name}: no sales for {run} day{'s' if run > 1 else ''} while {int(views_w)} product views continue",
        direction=-1, actual=0.0, expected=float(panel.lines[k, b0:a].sum() / base_days * run), impact=impact,
        z=float(-math.log10(max(p, 1e-300))),
        evidence={"days_without_sales": run, "product_views": int(views_w), "add_to_cart": int(observed),
                  "expected_add_to_cart_and_orders": round(float(expected), 1), "since": panel.days[a].date().isoformat()},
        why=[f"No units sold since {panel.days[a].date().isoformat()} although {int(views_w)} product views came; "
             f"{int(observed)} add-to-carts and orders against about {expected:.0f} usual.",
             f"Lost revenue so far: about {money(impact)} ({money(daily)} a day)."])
