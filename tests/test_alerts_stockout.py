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



def _bursty_views(panel: Panel, seed: int) -> None:
    """Crawler and newsletter bursts: on about one day in five a product's page views triple while its shoppers
    (add-to-carts, orders) do not move. Views alone then misstate how much demand a day should bring."""
    rng = np.random.default_rng(seed)
    panel.views *= np.where(rng.random(panel.views.shape) < 0.2, 3.0, 1.0)


def test_a_real_stock_out_is_alerted_by_its_third_day_even_with_bursty_views() -> None:
    # ~1.5 order lines and ~5 add-to-carts and orders a day; out of stock from day 170. The category's other
    # products say the days were normal, so three days without a cart are enough although the views are noisy
    # (judged on views alone, the spread of the bursts hid it until the fourth day in five shops of six).
    delays = []
    for seed in range(40, 46):
        panel = make_panel(seed=seed, products=6, rate=1.5)
        _bursty_views(panel, seed + 100)
        _out_of_stock(panel, 2, range(170, 178))
        h = product_checks.stockout_threshold(120)
        delays.append(next((t - 170 for t in range(170, 178) if product_checks.stockout(panel, t, 2, h)), 99))
    assert sum(d <= 2 for d in delays) >= 5, delays


def test_a_slow_product_without_a_cart_on_a_day_of_view_bursts_is_not_out_of_stock() -> None:
    # 0.8 order lines and ~2.6 add-to-carts and orders a day: two days without one happen. A newsletter sends four
    # times the usual views on those two days, but the category's shoppers did not move: not a stock-out (judged on
    # views alone, the bursts made the two quiet days look like ten missing carts and orders, and it alerted).
    panel = make_panel(seed=25, products=6, rate=0.8)
    for arr in (panel.lines, panel.units, panel.revenue, panel.carts):
        arr[3, 190:192] = 0
    panel.views[3, 190:192] = panel.views[3, 150:190].mean() * 4
    h = product_checks.stockout_threshold(120)
    assert product_checks.stockout(panel, 191, 3, h) is None


def test_a_product_alone_in_its_category_is_judged_on_its_views() -> None:
    panel = make_panel(seed=26, products=3, rate=1.5)
    panel.products.loc[1, "category"] = "Cat B"
    _out_of_stock(panel, 1, range(170, 176))
    h = product_checks.stockout_threshold(120)
    assert product_checks.stockout(panel, 175, 1, h) is not None
