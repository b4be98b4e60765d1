"""Models on synthetic series: shapes, interval ordering, ARIMA order selection, LSTM determinism."""

from __future__ import annotations

import numpy as np
import pytest

from shoplens.forecasting.arima import ArimaSpec, AutoARIMA, fourier
from shoplens.forecasting.base import single_threaded
from shoplens.forecasting.css import ar_poly, css_jacobian, css_residuals, ma_poly, roots_ok
from shoplens.forecasting.ensemble import Ensemble, combine
from shoplens.forecasting.ets import ETS
from shoplens.forecasting.lstm import LSTM, LSTMUnavailable
from shoplens.forecasting.naive import SeasonalNaive


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with single_threaded():  # as the orchestrator runs them
        yield


def seasonal_series(n: int = 420, seed: int = 0, noise: float = 5.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 200 + 0.1 * t + 30 * np.sin(2 * np.pi * t / 7) + 10 * np.cos(2 * np.pi * t / 7) + rng.normal(0, noise, n)


def assert_bands(pred: dict[str, np.ndarray], h: int) -> None:
    assert set(pred) >= {"mean", "lo-80", "hi-80", "lo-95", "hi-95"}
    for k, v in pred.items():
        assert v.shape == (h,), k
        assert np.all(np.isfinite(v)), k
    assert np.all(pred["lo-95"] <= pred["lo-80"] + 1e-9)
    assert np.all(pred["lo-80"] <= pred["mean"] + 1e-9)
    assert np.all(pred["mean"] <= pred["hi-80"] + 1e-9)
    assert np.all(pred["hi-80"] <= pred["hi-95"] + 1e-9)


@pytest.mark.parametrize("make", [
    lambda: SeasonalNaive(7),
    lambda: ETS(7),
    lambda: AutoARIMA(7),
    lambda: LSTM(14, 7, max_epochs=5, seed=1),
    lambda: Ensemble([SeasonalNaive(7), AutoARIMA(7)]),
], ids=["naive", "ets", "arima", "lstm", "ensemble"])
def test_each_model_returns_ordered_bands_of_the_horizon(make) -> None:
    y = seasonal_series()
    model = make().fit(y)
    assert_bands(model.predict(14, level=[80, 95]), 14)
    assert isinstance(model.description, str) and model.description


def test_seasonal_naive_repeats_last_season_and_widens_by_season() -> None:
    y = np.arange(21, dtype=float)
    p = SeasonalNaive(7).fit(y).predict(10)
    np.testing.assert_array_equal(p["mean"], [14, 15, 16, 17, 18, 19, 20, 14, 15, 16])
    width = p["hi-80"] - p["lo-80"]
    assert width[0] == pytest.approx(width[6]) and width[7] == pytest.approx(width[0] * np.sqrt(2))


def test_arima_recovers_an_ar1_process() -> None:
    rng = np.random.default_rng(3)
    e = rng.normal(size=800)
    x = np.zeros(800)
    for i in range(1, 800):
        x[i] = 0.7 * x[i - 1] + e[i]
    m = AutoARIMA(1).fit(x + 50)
    assert (m.spec_.p, m.spec_.d, m.spec_.q) == (1, 0, 0)
    assert m.css_.phi[0] == pytest.approx(0.7, abs=0.07)
    assert "ARIMA(1,0,0)" in m.description


def test_arima_finds_the_seasonal_structure() -> None:
    """A seasonal random walk plus noise: y_t = y_{t-12} + e_t -> seasonal differencing (D=1)."""
    rng = np.random.default_rng(5)
    n, s = 360, 12
    base = rng.normal(0, 10, s)
    y = np.empty(n)
    y[:s] = 100 + base
    for t in range(s, n):
        y[t] = y[t - s] + rng.normal(0, 1)
    m = AutoARIMA(s, transform="none").fit(y)
    assert m.spec_.s == 12 and m.spec_.D == 1
    pred = m.predict(12)
    np.testing.assert_allclose(pred["mean"], y[-12:], atol=4)  # forecast ~ last season


def test_arima_search_time_and_regressor_use() -> None:
    y = seasonal_series(n=600, seed=2)
    X = np.zeros((612, 1))
    X[::30, 0] = 1.0
    y = y + 80 * X[:600, 0]
    m = AutoARIMA(7).fit(y, X[:600])
    p = m.predict(12, X[600:])
    assert p["mean"][X[600:, 0] == 1].min() > p["mean"][X[600:, 0] == 0].max() - 20
    with pytest.raises(ValueError, match="regressors"):
        m.predict(12)


def test_css_analytic_jacobian_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    x = np.array([0.3, -0.2, 0.4, 0.25, -0.3])  # p=2, q=1, P=1, Q=1
    J = css_jacobian(x, z, 2, 1, 1, 1, 7, 10)
    eps = 1e-6
    for k in range(len(x)):
        dx = np.zeros_like(x)
        dx[k] = eps
        num = (css_residuals(x + dx, z, 2, 1, 1, 1, 7, 10) - css_residuals(x - dx, z, 2, 1, 1, 1, 7, 10)) / (2 * eps)
        np.testing.assert_allclose(J[:, k], num, atol=1e-6)


def test_polynomials_and_roots() -> None:
    np.testing.assert_allclose(ar_poly(np.array([0.5]), np.array([0.3]), 4), [1, -0.5, 0, 0, -0.3, 0.15])
    np.testing.assert_allclose(ma_poly(np.array([0.4]), np.array([]), 7), [1, 0.4])
    assert roots_ok(np.array([1, -0.5])) and not roots_ok(np.array([1, -1.2]))
    assert fourier(np.arange(4.0), 4, 1).shape == (4, 2)


def test_arima_spec_is_reused_without_search() -> None:
    y = seasonal_series()
    spec = ArimaSpec(1, 1, 1, 0, 0, 1, 7, False)
    m = AutoARIMA(7, spec=spec).fit(y)
    assert m.spec_ == spec and not hasattr(m, "n_models_")


def test_lstm_is_deterministic_with_a_seed() -> None:
    y = seasonal_series(n=300)
    a = LSTM(7, 7, max_epochs=6, seed=11).fit(y).predict(7)
    b = LSTM(7, 7, max_epochs=6, seed=11).fit(y).predict(7)
    c = LSTM(7, 7, max_epochs=6, seed=12).fit(y).predict(7)
    np.testing.assert_array_equal(a["mean"], b["mean"])
    assert not np.array_equal(a["mean"], c["mean"])


def test_lstm_global_model_and_recursive_horizon() -> None:
    ys = [seasonal_series(n=250, seed=i) * (i + 1) for i in range(3)]
    m = LSTM(7, 7, max_epochs=4, seed=0).fit_many(ys)
    preds = m.predict_many(10)  # longer than the trained horizon: recursive
    assert len(preds) == 3
    for p in preds:
        assert_bands(p, 10)
    assert preds[2]["mean"].mean() > preds[0]["mean"].mean() * 2  # per-window scaling keeps levels


def test_lstm_refuses_too_short_history() -> None:
    with pytest.raises(LSTMUnavailable):
        LSTM(14, 7).fit(np.arange(30.0))


def test_ets_and_arima_handle_constant_series() -> None:
    y = np.full(50, 4.0)
    for m in (ETS(7), AutoARIMA(7)):
        p = m.fit(y).predict(5)
        np.testing.assert_array_equal(p["mean"], 4.0)
        np.testing.assert_array_equal(p["lo-95"], 4.0)


def test_combine_mean_and_median() -> None:
    a = {"mean": np.array([1.0, 2.0]), "lo-80": np.array([0.0, 1.0])}
    b = {"mean": np.array([3.0, 4.0]), "lo-80": np.array([2.0, 3.0])}
    c = {"mean": np.array([8.0, 9.0]), "lo-80": np.array([7.0, 8.0])}
    np.testing.assert_allclose(combine([a, b])["mean"], [2, 3])
    np.testing.assert_allclose(combine([a, b, c], "median")["lo-80"], [2, 3])
    with pytest.raises(ValueError):
        combine([a], "mode")
