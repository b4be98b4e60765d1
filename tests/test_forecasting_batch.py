"""Batch forecasts into the results store, determinism across worker processes, and closed days."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shoplens.forecasting.core import forecast
from shoplens.forecasting.store import latest_forecasts, runs


def _panel(n_series: int = 4, n: int = 130, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(n)
        y = 50 + 5 * i + 0.2 * t + 8 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 3, n)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2022-01-02", periods=n, freq="W-SUN"),
                                    "y": y}))
    return pd.concat(frames, ignore_index=True)


def _bytes(res) -> bytes:  # noqa: ANN001
    """The forecast values' exact bits (and the ids, dates and model names as text)."""
    frame = res.to_frame()
    values = frame.drop(columns=["unique_id", "ds", "model"]).to_numpy(dtype=np.float64)
    return values.tobytes() + frame[["unique_id", "ds", "model"]].to_csv(index=False).encode()


@pytest.mark.slow
def test_same_forecast_bytes_with_one_and_two_worker_processes() -> None:
    df = _panel(3, 110)
    one = forecast(df, 4, "auto", freq="week", n_jobs=1, lstm="off", calendar=False, explain=False)
    two = forecast(df, 4, "auto", freq="week", n_jobs=2, lstm="off", calendar=False, explain=False)
    assert {s.model for s in one.series} and "gbm" in {r["model"] for r in one.series[0].leaderboard}
    assert one.to_frame().to_csv(index=False) == two.to_frame().to_csv(index=False)
    assert _bytes(one) == _bytes(two)
    def board(res):  # noqa: ANN001, ANN202 - the leaderboards without their timings
        return [[{k: v for k, v in r.items() if k != "backtest_s"} for r in s.leaderboard] for s in res.series]

    assert board(one) == board(two)


def test_global_model_gives_the_same_bytes_whatever_the_thread_count() -> None:
    from shoplens.forecasting.gbm import GBMSeries, GlobalGBM

    df = _panel(3, 90)
    series = [GBMSeries(g["y"].to_numpy(), np.zeros((90 + 5, 0))) for _, g in df.groupby("unique_id")]
    a = GlobalGBM(5, "W", 52).fit_many(series).predict_at(series[0], 90)["mean"]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(2):
        b = GlobalGBM(5, "W", 52).fit_many(series).predict_at(series[0], 90)["mean"]
    assert a.tobytes() == b.tobytes()


def test_batch_forecast_fills_the_results_store(tool_ctx, tmp_path: Path) -> None:  # noqa: ANN001
    from shoplens.tools.forecast_batch import BatchForecast

    store = tmp_path / "results.duckdb"
    seen: list[tuple[int, int]] = []
    res = BatchForecast(tool_ctx.runner, tool_ctx.semantic, store).run(
        "revenue", level="category", grain="week", horizon=4, model="theta", progress=lambda d, t: seen.append((d, t)))
    assert res.n_series == 8 and not res.failed and seen[-1] == (8, 8)
    rows = latest_forecasts(store, "category", grain="week")
    assert len(rows) == 8 * 4 and set(rows["run_id"]) == {res.run_id}
    assert set(rows["model"]) <= {"theta", "naive"} and (rows["step"].between(1, 4)).all()
    assert (rows["lo_80"] <= rows["mean"]).all() and (rows["mean"] <= rows["hi_95"]).all()
    assert rows["backtest_wape"].dropna().between(0, 5).all()  # a fraction, not a percentage
    one = latest_forecasts(store, "category", unique_id="Electronics")
    assert set(one["unique_id"]) == {"Electronics"}
    assert latest_forecasts(store, "product").empty and latest_forecasts(tmp_path / "none.duckdb", "product").empty
    assert runs(store)["n_series"].tolist() == [8]
    # the warehouse is not written: the results live in their own file
    assert not tool_ctx.runner.has_table("forecasts")


def test_cli_forecast_all_saves_to_the_results_store(monkeypatch, tmp_path: Path, demo_db: Path) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from shoplens.agent.cli.main import app

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["forecast", "--all", "--level", "category", "--grain", "week", "-H", "3",
                                      "--model", "naive", "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["series"] == 8 and out["rows"] == 24 and out["level"] == "category"
    assert Path(out["results_store"]) == tmp_path / "home" / "results.duckdb"
    assert len(latest_forecasts(out["results_store"], "category")) == 24
    bad = CliRunner().invoke(app, ["forecast", "--metric", "revenue", "--level", "product", "-H", "3",
                                   "--db", str(demo_db)])
    assert bad.exit_code != 0 and "--all" in bad.output


def _shop_with_closures() -> pd.DataFrame:
    """A daily shop closed on Saturdays and every 25-26 December."""
    rng = np.random.default_rng(0)
    ds = pd.date_range("2023-01-01", "2025-12-10", freq="D")
    y = 100 + 20 * (ds.day_of_week == 4) + rng.normal(0, 5, len(ds))
    y[(ds.day_of_week == 5) | ((ds.month == 12) & ds.day.isin([25, 26]))] = 0.0
    return pd.DataFrame({"unique_id": "shop", "ds": ds, "y": y})


def test_closed_days_are_forecast_as_closed() -> None:
    res = forecast(_shop_with_closures(), 28, "ets", freq="day", calendar=False)
    fc = res.series[0].forecast.set_index("ds")
    closed = fc.index[(fc.index.day_of_week == 5) | ((fc.index.month == 12) & fc.index.day.isin([25, 26]))]
    assert len(closed) >= 5
    assert (fc.loc[closed, ["mean", "lo-80", "hi-95"]] == 0).all().all()
    assert (fc.drop(index=closed)["mean"] > 50).all()
    assert any("closed" in n for n in res.series[0].notes)


def test_known_closures_from_the_calendar() -> None:
    from shoplens.forecasting.closures import closed_mask

    ds = pd.date_range("2025-01-01", periods=60, freq="D")
    fut = pd.date_range(ds[-1] + pd.Timedelta(days=1), periods=10, freq="D")
    mask = closed_mask(ds, np.full(60, 5.0), fut, "D", closures=["03-05", "2025-03-07"])
    assert mask is not None and [str(d.date()) for d in ds.append(fut)[mask]] == ["2025-03-05", "2025-03-07"]
    assert closed_mask(ds, np.full(60, 5.0), fut, "W") is None


def test_a_failed_write_leaves_no_half_run(tmp_path: Path) -> None:
    from shoplens.forecasting.store import write_run

    store = tmp_path / "results.duckdb"
    run = {"run_id": "r1", "created_at": pd.Timestamp("2026-01-01"), "metric": "revenue", "level": "product",
           "grain": "week", "horizon": 1, "n_series": 1, "n_failed": 0, "seconds": 1.0, "version": "t", "options": {}}
    good = pd.DataFrame({"unique_id": ["a"], "ds": [pd.Timestamp("2026-01-05")], "step": [1], "model": ["ets"],
                         "mean": [1.0]})
    write_run(store, run, good)
    with pytest.raises(Exception):  # noqa: B017 - any database error
        write_run(store, {**run, "run_id": "r2"}, good.assign(step=["not a number"]))
    assert runs(store)["run_id"].tolist() == ["r1"]
    assert set(latest_forecasts(store, "product")["run_id"]) == {"r1"}
