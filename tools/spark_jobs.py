"""Batch jobs distributed by Spark: forecasts per series with ``applyInPandas`` and review scoring with a pandas
UDF. The work per group is ShopLens's own code (``forecasting.core.forecast``, the review sentiment model), run
in Spark's Python workers; Spark only partitions the input and gathers the rows.

The forecast job fits every series on its own: the global candidates (LightGBM across series, the global
LSTM) need all series in one place, so they are off here (and the LSTM unless asked for); the local run to
compare with is the same call with ``gbm="off", lstm="off"``. Results come back as rows for the results store (and can be saved as Parquet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORECAST_SCHEMA = ("unique_id string, ds timestamp_ntz, step int, mean double, lo_80 double, hi_80 double, "
                   "lo_95 double, hi_95 double, model string, model_description string, backtest_mase double, "
                   "backtest_wape double, error string")
#: one series per group: "auto" would race a per-series LSTM in every group (a local run leaves it out past 10
#: series), so it is off unless the LSTM itself was asked for
LSTM = {"lstm": "local"}
_FORECAST_COLUMNS = [c.split()[0] for c in FORECAST_SCHEMA.split(", ")]


def forecast_group(pdf: pd.DataFrame, opts: dict[str, Any]) -> pd.DataFrame:
    """Forecast the series in ``pdf`` (``unique_id, ds, y``): rows in ``FORECAST_SCHEMA`` (a failure is a row
    with ``error`` set). Runs in a Spark Python worker, or here for the local comparison."""
    import pandas as pd

    from shoplens.data.errors import ShopLensError
    from shoplens.forecasting.core import forecast

    uid = str(pdf["unique_id"].iloc[0]) if len(pdf) else ""
    try:
        res = forecast(pdf, opts["horizon"], opts["model"], (80, 95), freq=opts["freq"], end=opts["end"],
                       fill=opts["fill"], seed=opts["seed"], campaigns=opts.get("campaigns"), gbm="off",
                       lstm=LSTM.get(opts["model"], "off"), explain=False)
    except ShopLensError as exc:
        return _typed(pd.DataFrame([{"unique_id": uid, "error": str(exc)}]))
    frames = []
    for s in res.series:
        board = next((r for r in s.leaderboard if r.get("model") == s.model), {})
        wape = board.get("wape")
        f = s.forecast.rename(columns={c: c.replace("-", "_") for c in s.forecast.columns})
        frames.append(f.assign(unique_id=s.uid, step=range(1, len(f) + 1), model=s.model,
                               model_description=s.description, backtest_mase=board.get("mase"),
                               backtest_wape=None if wape is None else wape / 100.0, error=None))
    frames += [pd.DataFrame([{"unique_id": u, "error": e}]) for u, e in res.errors.items()]
    return _typed(pd.concat(frames, ignore_index=True))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with exactly the schema's columns and types (an error row has no date or numbers)."""
    import pandas as pd

    out = df.reindex(columns=_FORECAST_COLUMNS)
    out["ds"] = pd.to_datetime(out["ds"])
    out["step"] = out["step"].astype("Int32")
    for c in ("mean", "lo_80", "hi_80", "lo_95", "hi_95", "backtest_mase", "backtest_wape"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    for c in ("unique_id", "model", "model_description", "error"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def forecast_on_spark(spark: Any, df: pd.DataFrame, opts: dict[str, Any]) -> pd.DataFrame:
    """Every series of ``df`` forecast in Spark, one ``applyInPandas`` group per series; rows back as pandas."""
    sdf = spark.createDataFrame(df[["unique_id", "ds", "y"]].astype({"unique_id": str, "y": float}))
    out = sdf.groupBy("unique_id").applyInPandas(lambda pdf: forecast_group(pdf, opts), schema=FORECAST_SCHEMA)
    return out.toPandas().sort_values(["unique_id", "step"], kind="stable").reset_index(drop=True)


_MODELS: dict[Any, Any] = {}  # per Python worker process: the model loads once per executor process


def score_batch(texts: pd.Series, make_scorer: Any) -> pd.DataFrame:
    """Score one batch with the worker's cached model (built by ``make_scorer()`` on first use)."""
    import pandas as pd

    if make_scorer not in _MODELS:
        _MODELS[make_scorer] = make_scorer()
    labels, scores = _MODELS[make_scorer](texts.fillna("").astype(str).tolist())
    return pd.DataFrame({"label": labels, "score": scores})


def score_reviews_on_spark(spark: Any, reviews: pd.DataFrame, make_scorer: Any) -> pd.DataFrame:
    """``review_id, label, score`` for ``reviews`` (``review_id, text``), scored by a pandas UDF in Spark.

    ``make_scorer()`` builds the model; it is called once per Python worker (cached in the worker), so the
    model loads once per executor process, not once per batch."""
    import pandas as pd
    from pyspark.sql.functions import col, pandas_udf

    def score(texts):  # noqa: ANN001, ANN202 - typed below: pandas_udf reads real classes, not strings
        return score_batch(texts, make_scorer)

    score.__annotations__ = {"texts": pd.Series, "return": pd.DataFrame}
    score = pandas_udf(score, "struct<label string, score double>")  # series to series, in Arrow batches
    sdf = spark.createDataFrame(reviews[["review_id", "text"]].astype({"text": str}))
    out = sdf.select("review_id", score(col("text")).alias("s")).select("review_id", "s.label", "s.score")
    return out.toPandas().sort_values("review_id", kind="stable").reset_index(drop=True)


def shipped_sentiment() -> Any:
    """The shipped review model (MiniLM + sentiment head) as ``texts -> (labels, scores)``; picklable by name,
    so Spark workers build it themselves (once each, through ``score_batch``)."""
    from shoplens.tools.reviews.offline import general_model
    from shoplens.tools.reviews.scoring import ReviewScorer

    scorer = ReviewScorer(general_model())

    def run(texts: list[str]) -> tuple[list[str], list[float]]:
        out = scorer.analyze(texts)
        return [a.label for a in out], [float(a.score) for a in out]

    return run
