"""Batch jobs on Spark through Spark Connect: forecasts with applyInPandas give the local run's numbers, review
scoring with a pandas UDF gives the local model's labels, and a batch forecast over the Spark warehouse lands
in the results store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark(spark_remote: str):
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(spark_remote).create()
    yield session
    session.stop()


def _series(n: int = 5, weeks: int = 70) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    ds = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    return pd.concat([pd.DataFrame({"unique_id": f"sku-{i}", "ds": ds,
                                    "y": rng.poisson(10 + 5 * i, weeks) * (1 + 0.3 * np.sin(np.arange(weeks) / 8))})
                      for i in range(n)], ignore_index=True)


def test_apply_in_pandas_forecasts_equal_the_local_run(spark) -> None:
    from shoplens.tools.spark_jobs import forecast_group, forecast_on_spark

    df = _series()
    opts = {"horizon": 4, "model": "auto", "freq": "W-MON", "end": df["ds"].max(), "fill": "zero", "seed": 0}
    remote = forecast_on_spark(spark, df, opts)
    local = forecast_group(df, opts).sort_values(["unique_id", "step"]).reset_index(drop=True)
    assert remote["error"].isna().all() and len(remote) == 5 * 4
    assert list(remote["model"]) == list(local["model"])
    np.testing.assert_allclose(remote["mean"], local["mean"], rtol=1e-9)
    np.testing.assert_allclose(remote["hi_95"], local["hi_95"], rtol=1e-9)


def test_a_series_that_cannot_be_forecast_is_a_row_with_its_error(spark) -> None:
    from shoplens.tools.spark_jobs import forecast_on_spark

    df = pd.concat([_series(1), pd.DataFrame({"unique_id": "tiny", "ds": pd.date_range("2025-06-02", periods=2,
                                                                                      freq="W-MON"), "y": [1.0, 2.0]})])
    out = forecast_on_spark(spark, df, {"horizon": 4, "model": "auto", "freq": "W-MON", "end": df["ds"].max(),
                                        "fill": "zero", "seed": 0})
    assert out.loc[out.unique_id == "tiny", "error"].notna().all()
    assert out.loc[out.unique_id == "sku-0", "error"].isna().all()


def test_pandas_udf_review_scores_equal_the_local_model(spark) -> None:
    from shoplens.tools.spark_jobs import score_reviews_on_spark, shipped_sentiment

    texts = ["Great sound and the battery lasts all week.", "Broke after two days, refund please.",
             "It is ok, nothing special.", "Terrible fit and the seams came apart.", "Love it, buying another!"] * 4
    reviews = pd.DataFrame({"review_id": range(len(texts)), "text": texts})
    remote = score_reviews_on_spark(spark, reviews, shipped_sentiment)
    labels, scores = shipped_sentiment()(texts)
    assert list(remote["label"]) == labels
    np.testing.assert_allclose(remote["score"], scores, atol=1e-6)


def test_batch_forecast_over_the_spark_warehouse_is_stored(spark, spark_remote: str, spark_warehouse: Path,
                                                          demo_db: Path, tmp_path: Path) -> None:
    import json

    from shoplens.forecasting.store import runs
    from shoplens.tools.context import ToolContext
    from shoplens.tools.forecast_batch import BatchForecast
    from shoplens.tools.sqlengine.spark import SparkEngine
    from shoplens.tools.sqlengine.spark_session import SparkTarget

    engine = SparkEngine(SparkTarget(remote=spark_remote, warehouse=spark_warehouse))
    ctx = ToolContext.open(demo_db, tmp_path / "charts", timeout_s=120, row_cap=100_000, engine=engine)
    try:
        res = BatchForecast(ctx.runner, ctx.semantic, tmp_path / "results.duckdb", spark=engine.spark).run(
            "revenue", level="category", grain="month", horizon=3)
    finally:
        ctx.close()
    assert res.n_series == len(ctx.semantic.dimension("category").values) and not res.failed
    assert res.rows == 3 * res.n_series
    assert json.loads(runs(tmp_path / "results.duckdb")["options"].iloc[0])["engine"] == "spark"
