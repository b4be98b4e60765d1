"""Explanation facts: trend, seasonal peaks, same period last year, the model's case, and sentences from them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from shoplens.forecasting.core import forecast
from shoplens.forecasting.facts import describe, seasonality_facts, trend_facts


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(2)
    ds = pd.date_range("2024-01-01", periods=800)
    t = np.arange(800)
    sunday = (ds.dayofweek == 6).astype(float)
    december = (ds.month == 12).astype(float)
    y = (100 + 0.05 * t) * (1 + 0.5 * sunday) * (1 + 0.3 * december) * np.exp(rng.normal(0, 0.03, 800))
    df = pd.DataFrame({"unique_id": "shop", "ds": ds, "y": y})
    return forecast(df, 14, model="arima").series[0], df


def test_trend_and_seasonal_peaks(result) -> None:
    s, df = result
    f = s.facts
    assert f["trend"]["direction"] == "up" and f["trend"]["change_pct"] > 5
    assert f["seasonality"]["weekly_peak"] == "Sunday" and f["seasonality"]["weekly_peak_pct"] > 20
    assert f["seasonality"]["yearly_peak_month"] == "December"


def test_totals_compare_with_the_same_days_last_year(result) -> None:
    s, df = result
    f = s.facts
    assert f["forecast_total"] == pytest.approx(s.forecast["mean"].sum(), abs=0.01)  # facts are rounded to cents
    ly = f["same_period_last_year"]
    start = s.forecast["ds"].iloc[0] - pd.Timedelta(days=364)
    expected = df.set_index("ds")["y"].loc[start:start + pd.Timedelta(days=13)].sum()
    assert ly["start"] == start.date().isoformat() and ly["total"] == pytest.approx(expected, abs=0.01)
    assert ly["change_pct"] == pytest.approx((f["forecast_total"] / ly["total"] - 1) * 100, abs=0.1)


def test_model_case_against_seasonal_naive(result) -> None:
    m = result[0].facts["model"]
    assert m["name"] == "arima" and m["naive_mase"] > m["backtest_mase"]
    assert m["improvement_vs_naive_pct"] == pytest.approx((1 - m["backtest_mase"] / m["naive_mase"]) * 100, abs=0.2)
    assert 0 <= m["backtest_coverage_80_pct"] <= 100


def test_sentences_only_quote_the_facts(result) -> None:
    f = result[0].facts
    text = " ".join(describe(f, "Revenue"))
    assert text.startswith("Revenue: forecast of")
    assert f"{f['model']['backtest_mase']:.2f}" in text and f"{f['model']['naive_mase']:.2f}" in text
    assert f"{f['same_period_last_year']['change_pct']:+.1f}%" in text
    assert "Sundays are the strongest day" in text
    for pct in re.findall(r"[+-]?\d+\.?\d*%", text):  # every percentage comes from a fact
        value = float(pct.rstrip("%"))
        if pct in ("80%", "95%"):  # interval level names
            continue
        flat = [v for v in _numbers(f) if isinstance(v, float | int)]
        assert any(abs(abs(value) - abs(v)) < 0.6 for v in flat), pct


def _numbers(d):
    if isinstance(d, dict):
        for v in d.values():
            yield from _numbers(v)
    elif isinstance(d, list):
        for v in d:
            yield from _numbers(v)
    elif isinstance(d, int | float) and not isinstance(d, bool):
        yield d


def test_short_or_flat_histories_give_no_trend_claims() -> None:
    ds = pd.date_range("2025-01-01", periods=5)
    assert trend_facts(ds, np.ones(5), "D", 7) is None
    assert seasonality_facts(ds, np.zeros(5), "D") == {}


def test_range_of_the_total_is_simulated_and_narrower_than_summed_bounds(result) -> None:
    s, _ = result
    f = s.facts
    rng = f["forecast_total_range"]
    assert rng["method"] == "simulated paths"
    lo80, hi80 = rng["80"]
    lo95, hi95 = rng["95"]
    assert lo95 <= lo80 <= f["forecast_total"] <= hi80 <= hi95
    assert (hi80 - lo80) < (s.forecast["hi-80"].sum() - s.forecast["lo-80"].sum())  # errors partly cancel
    assert [f["forecast_lo"], f["forecast_hi"]] == rng["80"]
    assert "80% range" in describe(f)[0]
