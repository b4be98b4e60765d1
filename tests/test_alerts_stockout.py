"""The stock-out detector: a CUSUM of "out of stock" against "in stock" over the days without a sale, with product
views as the exposure and a threshold set by a false-alarm budget across the shop's products."""

from __future__ import annotations

import numpy as np
from alerts_fixtures import make_panel

from shoplens.tools.alerts import product_checks
from shoplens.tools.alerts.panel import Panel


def _out_of_stock(panel: Panel, k: int, days: range) -> None:
    for arr in (panel.lines, panel.units, panel.revenue, panel.carts):
        arr[k, days.start : days.stop] = 0


def test_a_slow_day_before_the_onset_does_not_hide_the_stock_out() -> None:
    # ~5 add-to-carts and orders a day; the day before the onset had carts but no sale, so "days without a sale"
    # starts one day early. The CUSUM picks the onset itself and alerts on the third day out of stock.
    panel = make_panel(seed=11, products=3, rate=1.5)
    for arr in (panel.lines, panel.units, panel.revenue):
        arr[1, 169] = 0
    panel.carts[1, 169] = 3
    _out_of_stock(panel, 1, range(170, 176))
    h = product_checks.stockout_threshold(120)
    assert product_checks.stockout(panel, 169, 1, h) is None
    found = product_checks.stockout(panel, 172, 1, h)
    assert found is not None
    assert found.evidence["since"] == str(panel.days[170].date())
    assert found.evidence["days_without_sales"] == 3


def test_views_falling_with_carts_is_demand_not_stock() -> None:
    panel = make_panel(seed=12, products=3, rate=1.5)
    _out_of_stock(panel, 1, range(170, 176))
    panel.views[1, 170:176] = np.round(panel.views[1, 170:176] * 0.05)  # nobody came: no stock-out signature
    h = product_checks.stockout_threshold(120)
    assert all(product_checks.stockout(panel, t, 1, h) is None for t in range(170, 176))


def test_one_stray_cart_lowers_the_evidence_but_does_not_reset_it() -> None:
    panel = make_panel(seed=13, products=3, rate=1.5)
    _out_of_stock(panel, 1, range(170, 176))
    panel.carts[1, 171] = 1
    h = product_checks.stockout_threshold(120)
    assert product_checks.stockout(panel, 173, 1, h) is not None


def test_the_threshold_grows_with_the_products_watched_and_bounds_false_alarms() -> None:
    assert product_checks.stockout_threshold(1000) > product_checks.stockout_threshold(100)
    # 40 slow products in stock for 300 days (~3.5 carts and orders a day, some days without a sale): the alarms
    # stay within the budget the threshold promises (26 a year across the shop)
    panel = make_panel(seed=14, days=400, products=40, rate=1.0)
    h = product_checks.stockout_threshold(40)
    fired = np.array(
        [[product_checks.stockout(panel, t, k, h) is not None for t in range(99, 400)] for k in range(40)]
    )
    alarms = int((fired[:, 1:] & ~fired[:, :-1]).sum())  # crossings: a run of alarm days is one alarm
    assert alarms <= product_checks.STOCKOUT_FALSE_PER_YEAR * 300 / 365
