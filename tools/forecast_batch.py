"""Batch forecasts: every series of a level (every product, category, region, ...) in one job, saved to the
results store.

``BatchForecast(runner, semantic, results_path).run("revenue", level="product", grain="week", horizon=8)`` reads
one long frame with the query builder, forecasts all series with :func:`shoplens.forecasting.core.forecast`
(processes across series, a progress callback) and writes the rows with their run id and model to the results
store (:mod:`shoplens.forecasting.store`), a DuckDB file of its own: the warehouse stays read-only.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.tools.metric_query import is_additive, to_float
from shoplens.tools.query import MetricQuery, compile_query

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.data.semantic import SemanticLayer
    from shoplens.tools.sql import SqlRunner

GRAINS = ("day", "week", "month")
#: several dimensions make one series per combination ("product,region"); their values are joined with this
JOIN = " / "


@dataclass
class BatchResult:
    run_id: str
    level: str
    grain: str
    metric: str
    n_series: int
    failed: dict[str, str]
    seconds: float
    chosen: dict[str, int]
    rows: int
    results_path: Path
    warnings: list[str] = field(default_factory=list)


class BatchForecast:
    """Forecast every series of a level and store the results (run id, model, forecast and ranges)."""

    def __init__(self, runner: SqlRunner, semantic: SemanticLayer, results_path: Path | str, *, n_jobs: int = 1,
                 seed: int = 0, spark: Any = None) -> None:
        """``spark``: a SparkSession to distribute the series over (``applyInPandas``, one group per series;
        global models off); None = local processes (``n_jobs``)."""
        self.runner, self.semantic, self.results_path = runner, semantic, Path(results_path)
        self.n_jobs, self.seed, self.spark = n_jobs, seed, spark

    def frame(self, metric: str, levels: list[str], grain: str) -> tuple[pd.DataFrame, list[str]]:
        """Long frame ``unique_id, ds, y`` of complete periods, zero-filled on the shared date range."""
        import pandas as pd

        from shoplens.forecasting.series import bucket, normalize_freq

        for lv in levels:
            self.semantic.dimension(lv)  # unknown level -> UserInputError with the closest names
        as_of = self.runner.as_of
        sql = compile_query(MetricQuery(metric, group_by=levels, end=as_of, grain=grain, order="period"), self.semantic)
        df = to_float(self.runner.run(sql).df, [metric])
        if df.empty:
            raise UserInputError(f"No {metric} data to forecast by {', '.join(levels)}.")
        key = df[levels].astype(str).agg(JOIN.join, axis=1)
        out = pd.DataFrame({"unique_id": key, "ds": pd.to_datetime(df["period"]), "y": df[metric]})
        freq = normalize_freq(grain)
        last_full = bucket(pd.DatetimeIndex([pd.Timestamp(as_of) + pd.Timedelta(days=1)]), freq)[0]
        warnings = []
        if (out["ds"] >= last_full).any():
            warnings.append(f"The current {grain} is incomplete (data end on {as_of.isoformat()}); it was left out.")
            out = out[out["ds"] < last_full]
        if grain != "day":  # the first bucket is partial when the data start mid-period
            out = out[out["ds"] > out["ds"].min()]
        return out.reset_index(drop=True), warnings

    def run(self, metric: str = "revenue", level: str = "product", grain: str = "week", horizon: int = 8,
            model: str = "auto", progress: Callable[[int, int], None] | None = None) -> BatchResult:

        from shoplens.forecasting.core import forecast
        from shoplens.forecasting.series import normalize_freq
        from shoplens.forecasting.store import new_run_id, write_run

        grain = str(grain).lower().strip()
        if grain not in GRAINS:
            raise UserInputError(f"Unknown grain '{grain}' for a batch forecast.", hint=f"Use one of: {', '.join(GRAINS)}.")
        m = self.semantic.metric(metric)
        levels = [p.strip() for p in str(level).split(",") if p.strip()]
        if not levels:
            raise UserInputError("Say which level to forecast: product, category, region, ...")
        df, warnings = self.frame(m.name, levels, grain)
        campaigns = None
        if self.runner.has_table("campaigns"):
            campaigns = self.runner.run("SELECT start_date, end_date FROM campaigns WHERE start_date IS NOT NULL").df
        freq = normalize_freq(grain)
        end = df["ds"].max()
        t0 = time.perf_counter()
        fill = "zero" if is_additive(m) else "interpolate"
        if self.spark is not None:
            rows, errors = self._on_spark(df, {"horizon": int(horizon), "model": model, "freq": freq, "end": end,
                                               "fill": fill, "seed": self.seed, "campaigns": campaigns})
            rows = rows.assign(metric=m.name, level=",".join(levels), grain=grain)
            n_series = rows["unique_id"].nunique()
        else:
            res = forecast(df, int(horizon), model, (80, 95), freq=freq, end=end, n_jobs=self.n_jobs,
                           seed=self.seed, fill=fill, campaigns=campaigns, progress=progress, explain=False)
            rows, errors, n_series = self.rows(res, m.name, ",".join(levels), grain), res.errors, len(res.series)
        seconds = time.perf_counter() - t0
        run_id = new_run_id()
        chosen = {} if rows.empty else {
            str(k): int(v) for k, v in rows.groupby("unique_id")["model"].first().value_counts().items()}
        write_run(self.results_path, {
            "run_id": run_id, "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "metric": m.name,
            "level": ",".join(levels), "grain": grain, "horizon": int(horizon), "n_series": n_series,
            "n_failed": len(errors), "seconds": round(seconds, 3), "version": _version(),
            "options": {"model": model, "seed": self.seed, "as_of": self.runner.as_of.isoformat(),
                        "engine": "spark" if self.spark is not None else "local"},
        }, rows.assign(run_id=run_id))
        return BatchResult(run_id, ",".join(levels), grain, m.name, n_series, errors, seconds, chosen,
                           len(rows), self.results_path, warnings)

    def _on_spark(self, df: pd.DataFrame, opts: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, str]]:
        from shoplens.tools.spark_jobs import forecast_on_spark

        out = forecast_on_spark(self.spark, df, opts)
        failed = out["error"].notna()
        errors = dict(zip(out.loc[failed, "unique_id"], out.loc[failed, "error"], strict=True))
        return out[~failed].drop(columns="error").reset_index(drop=True), errors

    @staticmethod
    def rows(res: Any, metric: str, level: str, grain: str) -> pd.DataFrame:
        """The results-store rows of a forecast (``backtest_wape`` as a fraction)."""
        import pandas as pd

        frames = []
        for s in res.series:
            board = next((r for r in s.leaderboard if r.get("model") == s.model), {})
            wape = board.get("wape")
            f = s.forecast.rename(columns={c: c.replace("-", "_") for c in s.forecast.columns})
            frames.append(f.assign(unique_id=s.uid, step=range(1, len(f) + 1), model=s.model,
                                   model_description=s.description, backtest_mase=board.get("mase"),
                                   backtest_wape=None if wape is None else wape / 100.0))
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return out.assign(metric=metric, level=level, grain=grain)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("shoplens")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        return "0+unknown"
