"""Metrics by hand, rolling-origin windows, automatic model choice and regressor selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.forecasting import metrics as M
from shoplens.forecasting.backtest import backtest_candidate, plan_windows
from shoplens.forecasting.core import cross_validation, forecast
from shoplens.forecasting.naive import SeasonalNaive
from shoplens.forecasting.synthetic import generate_series


def test_metrics_against_hand_computed_values() -> None:
    y = np.array([10.0, 20.0, 0.0, 40.0])
    f = np.array([12.0, 18.0, 1.0, 30.0])
    # errors 2, -2, 1 (on a zero), -10 -> |e| = 2, 2, 1, 10
    assert M.mae(y, f) == pytest.approx(15 / 4)
    assert M.rmse(y, f) == pytest.approx(np.sqrt((4 + 4 + 1 + 100) / 4))
    assert M.mape(y, f) == pytest.approx((0.2 + 0.1 + 0.25) / 3 * 100)  # the zero actual is skipped
    assert M.smape(y, f) == pytest.approx((4 / 22 + 4 / 38 + 2 / 1 + 20 / 70) / 4 * 100)
    assert M.wape(y, f) == pytest.approx(15 / 70 * 100)
    train = np.array([1.0, 2.0, 4.0, 7.0])  # lag-1 differences 1, 2, 3 -> scale 2
    assert M.mase(y, f, train, 1) == pytest.approx((15 / 4) / 2)
    assert M.mase_scale(np.array([1.0, 5.0, 2.0, 6.0]), 2) == pytest.approx(1.0)
    assert M.coverage(y, y - 1, y + 1) == 100.0
    assert M.coverage(y, f - 1, f + 1) == pytest.approx(25.0)


def test_undefined_metrics_are_nan_not_errors() -> None:
    zeros = np.zeros(3)
    assert np.isnan(M.mape(zeros, np.ones(3)))
    assert np.isnan(M.wape(zeros, np.ones(3)))
    assert M.smape(zeros, zeros) == 0.0
    assert M.mase(zeros, zeros, np.full(5, 2.0), 1) == 0.0  # flat history, perfect forecast
    assert np.isnan(M.mase(zeros, np.ones(3), np.full(5, 2.0), 1))


def test_plan_windows_rolls_back_from_the_end() -> None:
    plan = plan_windows(100, 10, n_windows=3)
    assert plan.cutoffs == [70, 80, 90]
    assert plan_windows(100, 10, n_windows=3, step=5).cutoffs == [80, 85, 90]
    assert plan_windows(25, 10, n_windows=3, min_train=10).cutoffs == [15]
    assert plan_windows(15, 10, n_windows=3, min_train=10).cutoffs == []


def test_backtest_of_seasonal_naive_matches_a_hand_computation() -> None:
    y = np.array([1, 2, 3, 1, 2, 3, 1, 2, 4, 1, 2, 5], dtype=float)
    plan = plan_windows(len(y), 3, n_windows=2, min_train=3)  # cutoffs 6 and 9
    r = backtest_candidate(y, None, plan, lambda _: SeasonalNaive(3), name="naive", model="naive", season_length=3)
    np.testing.assert_array_equal(r.preds[0]["mean"], [1, 2, 3])
    np.testing.assert_array_equal(r.preds[1]["mean"], [1, 2, 4])
    # window 1: |e| = 0,0,1 -> MAE 1/3; scale on y[:6] (lag 3) = 0 -> MASE undefined; window 2 errors 0,0,1
    assert r.per_window[0]["mae"] == pytest.approx(1 / 3)
    assert r.per_window[1]["mase"] == pytest.approx((1 / 3) / (1 / 6))  # scale: lag-3 diffs of y[:9] = 0,0,0,0,0,1
    assert r.metrics["mae"] == pytest.approx(1 / 3)


def test_auto_beats_seasonal_naive_on_a_seasonal_series_and_explains_why() -> None:
    df = generate_series(1, n=500, seed=3, noise=0.06)
    res = forecast(df, 14, lstm="off")
    s = res.series[0]
    board = {r["candidate"]: r["mase"] for r in s.leaderboard}
    assert s.model != "naive"
    assert min(v for v in board.values() if v is not None) < board["naive"]
    assert s.facts["model"]["improvement_vs_naive_pct"] > 10
    assert s.forecast.shape == (14, 6)
    assert list(s.forecast.columns) == ["ds", "mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert (s.forecast["lo-95"] <= s.forecast["lo-80"]).all() and (s.forecast["hi-80"] <= s.forecast["hi-95"]).all()
    assert s.backtest is not None and len(s.backtest) == 5 * 14  # five windows by default


def test_regressors_are_kept_only_when_they_help() -> None:
    df = generate_series(1, n=760, seed=4, noise=0.05, events=3.0)
    rng = np.random.default_rng(0)
    df["noise_reg"] = rng.normal(size=len(df))  # pure noise: must not survive the backtest
    res = forecast(df, 14, model="arima", regressors=["noise_reg"])
    s = res.series[0]
    tests = {r["regressor"]: r for r in s.regressors if r["model"] == "arima"}
    assert tests["calendar"]["kept"] is True
    assert tests["calendar"]["mase_with"] < tests["calendar"]["mase_without"]
    assert tests["noise_reg"]["kept"] is (tests["noise_reg"]["mase_with"] < tests["noise_reg"]["mase_without"])
    assert "calendar" in s.selected_regressors
    for r in s.regressors:  # every report row is consistent with its numbers
        assert r["kept"] == (r["mase_with"] < r["mase_without"])


def test_future_regressor_values_come_from_rows_after_the_last_value() -> None:
    n, h = 300, 7
    ds = pd.date_range("2024-01-01", periods=n + h)
    promo = np.zeros(n + h)
    promo[::10] = 1
    y = 100 + 50 * promo + np.random.default_rng(1).normal(0, 2, n + h)
    df = pd.DataFrame({"ds": ds, "y": np.r_[y[:n], [np.nan] * h], "promo": promo})
    res = forecast(df, h, model="arima", regressors=["promo"], calendar=False)
    s = res.series[0]
    assert "promo" in s.selected_regressors
    np.testing.assert_allclose(s.forecast["mean"].to_numpy(), (100 + 50 * promo[n:]), atol=10)
    assert not any("held at the last value" in n for n in s.notes)


def test_cross_validation_frame_is_nixtla_shaped() -> None:
    df = generate_series(2, n=120, seed=1)
    cv = cross_validation(df, h=7, n_windows=2, models=("naive", "ets"))
    assert list(cv.columns[:4]) == ["unique_id", "ds", "cutoff", "y"]
    assert {"naive", "ets", "naive-lo-80", "ets-hi-95"} <= set(cv.columns)
    assert len(cv) == 2 * 2 * 7


def test_global_lstm_is_backtested_across_series() -> None:
    df = generate_series(3, n=220, seed=2)
    res = forecast(df, 7, model="lstm", lstm="global", seed=0, calendar=False, n_windows=2)
    assert [s.uid for s in res.series] == ["s0", "s1", "s2"]
    for s in res.series:
        assert any(r["model"] == "lstm" for r in s.leaderboard) and s.model == "lstm"
        assert "global LSTM" in s.description and len(s.forecast) == 7
    frame = res.to_frame()
    assert set(frame["unique_id"]) == {"s0", "s1", "s2"} and len(frame) == 21


def test_processes_give_the_same_result_as_one_process() -> None:
    df = generate_series(2, n=120, seed=5)
    kw = dict(model="auto", lstm="off", calendar=False, n_windows=2)
    serial = forecast(df, 7, n_jobs=1, **kw).to_frame()
    parallel = forecast(df, 7, n_jobs=2, **kw).to_frame()
    pd.testing.assert_frame_equal(serial, parallel)
