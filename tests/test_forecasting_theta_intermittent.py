"""Theta, seasonal adjustment, intermittent-demand models and the global LightGBM model on small series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.forecasting.core import forecast
from shoplens.forecasting.intermittent import ADIDA, TSB, Croston, is_intermittent
from shoplens.forecasting.smoothing import deseasonalize, seasonal_test, ses
from shoplens.forecasting.theta import Theta


def test_ses_finds_a_high_alpha_for_a_random_walk_and_a_low_one_for_noise() -> None:
    rng = np.random.default_rng(0)
    assert ses(np.cumsum(rng.normal(0, 1, 300))).alpha > 0.8
    assert ses(10 + rng.normal(0, 1, 300)).alpha < 0.2


def test_theta_follows_a_trend_and_keeps_the_seasonal_pattern() -> None:
    t = np.arange(160)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    y = (100 + 2 * t) * pattern
    assert seasonal_test(y, 12) and deseasonalize(y, 12).kind == "mul"
    m = Theta(12, theta=None).fit(y)
    fut = np.arange(160, 172)
    truth = (100 + 2 * fut) * (1 + 0.3 * np.sin(2 * np.pi * fut / 12))
    pred = m.predict(12, level=[80])
    assert np.mean(np.abs(pred["mean"] - truth) / truth) < 0.05
    assert (pred["lo-80"] <= pred["mean"]).all() and "Theta" in m.description


def test_seasonal_adjustment_of_a_series_with_zeros_is_additive() -> None:
    t = np.arange(120)
    y = np.maximum(0, 10 + 8 * np.sin(2 * np.pi * t / 7))
    y[::13] = 0
    s = deseasonalize(y, 7)
    assert s.kind == "add" and len(s.future(10)) == 10


@pytest.mark.parametrize("cls", [Croston, TSB, ADIDA])
def test_intermittent_models_forecast_the_demand_rate(cls) -> None:  # noqa: ANN001
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.25) * rng.integers(1, 5, 400)  # sells on a quarter of the days, 2.5 units on average
    assert is_intermittent(y) and not is_intermittent(y + 1)
    pred = cls().fit(y).predict(7)
    assert 0.3 < pred["mean"][0] < 1.0 and np.ptp(pred["mean"]) == 0 and (pred["lo-80"] >= 0).all()


def test_tsb_decays_after_a_product_stops_selling() -> None:
    y = np.r_[np.tile([0, 3, 0, 0], 50), np.zeros(40)]
    assert TSB().fit(y).predict(1)["mean"][0] < Croston().fit(y).predict(1)["mean"][0]


def test_intermittent_series_race_the_intermittent_models() -> None:
    rng = np.random.default_rng(2)
    ds = pd.date_range("2024-01-01", periods=300, freq="D")
    y = (rng.random(300) < 0.2) * rng.integers(1, 4, 300).astype(float)
    res = forecast(pd.DataFrame({"unique_id": "sku", "ds": ds, "y": y}), 14, "auto", freq="day", lstm="off",
                   gbm="off", calendar=False)
    board = {r["model"] for r in res.series[0].leaderboard}
    assert {"croston", "tsb", "adida", "theta"} <= board


def test_global_gbm_learns_a_shared_seasonal_shape() -> None:
    from shoplens.forecasting.gbm import GBMSeries, GlobalGBM

    t = np.arange(200)
    shape = 1 + 0.5 * (t % 7 == 5)
    series = [GBMSeries(level * shape, np.c_[(np.arange(207) % 7)].astype(float)) for level in (10.0, 50.0, 200.0)]
    model = GlobalGBM(7, "D", 7).fit_many(series)
    pred = model.predict_at(series[1], 200, [80])
    truth = 50 * (1 + 0.5 * (np.arange(200, 207) % 7 == 5))
    assert np.max(np.abs(pred["mean"] - truth) / truth) < 0.1
    assert (pred["lo-80"] <= pred["mean"]).all() and model.n_rows_ > 0
