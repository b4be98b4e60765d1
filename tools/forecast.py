"""The forecast tool: a metric from the semantic layer, filtered, forecast ahead with ranges and the reasons.

Builds the series with the query builder (revenue counts completed orders only), adds the shop's campaign periods
and its review sentiment as candidate regressors, runs :func:`shoplens.forecasting.core.forecast` and returns the
forecast table, the model leaderboard, a fan chart and the facts an answer may quote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Period, Table, ToolOutput
from shoplens.tools.formatting import format_value
from shoplens.tools.metric_query import clean_filters, filters_text, is_additive, to_float
from shoplens.tools.query import MetricQuery, compile_query
from shoplens.tools.requests import ForecastRequest

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.data.semantic import SemanticLayer
    from shoplens.forecasting.core import SeriesForecast
    from shoplens.tools.context import ToolContext
    from shoplens.tools.sql import SqlRunner

GRAINS = ("day", "week", "month", "quarter")
SUMMARY_ROWS = 6


class ForecastTool:
    """Forecast a metric forward (horizon in days, weeks or months) with prediction intervals (80% and 95%),
    choosing the model by backtest unless one is named; a fan chart is shown to the user. Optional filters such as
    {"category": ["Electronics"]}."""

    name = "forecast"
    Request = ForecastRequest

    def call(self, req: ForecastRequest) -> ToolOutput:
        sem = self.semantic
        return self.run(sem.resolve_metric(req.metric), {sem.resolve_dimension(k): v for k, v in req.filters.items()},
                        req.grain, req.horizon, model=req.model, level=(80, 95))

    def __init__(self, runner: SqlRunner, semantic: SemanticLayer, charts_dir: Path | str | None, *,
                 n_jobs: int = 1, seed: int = 0, chart_renderer: Any = None, chart_retention: Any = None) -> None:
        self.runner = runner
        self.semantic = semantic
        self.charts_dir = Path(charts_dir) if charts_dir else None
        self.n_jobs = n_jobs
        self.seed = seed
        self.chart_renderer, self.chart_retention = chart_renderer, chart_retention

    @classmethod
    def from_context(cls, ctx: ToolContext, **kwargs: Any) -> ForecastTool:
        return cls(ctx.runner, ctx.semantic, ctx.charts_dir, chart_renderer=ctx.renderer,
                   chart_retention=ctx.retention, **kwargs)

    # ----- data --------------------------------------------------------------------------------------------
    def _series(self, metric: str, filters: dict[str, list[str]], grain: str, as_of: dt.date) -> tuple[pd.DataFrame, str]:
        q = MetricQuery(metric=metric, filters=filters, end=as_of, grain=grain, order="period")
        sql = compile_query(q, self.semantic)
        df = to_float(self.runner.run(sql).df, [metric])
        return df.rename(columns={"period": "ds", metric: "y"})[["ds", "y"]], sql

    def _campaigns(self) -> pd.DataFrame | None:
        if not self.runner.has_table("campaigns"):
            return None
        return self.runner.run("SELECT start_date, end_date FROM campaigns WHERE start_date IS NOT NULL").df

    def _sentiment(self, filters: dict[str, list[str]], grain: str, as_of: dt.date) -> tuple[pd.DataFrame | None, str | None]:
        """Weekly (monthly for coarser grains) mean review sentiment of the filtered products, or None."""
        sem = self.semantic
        if not self.runner.has_table("reviews"):
            return None, None
        name = "sentiment" if "sentiment" in sem.metrics else "avg_rating" if "avg_rating" in sem.metrics else None
        if name is None:
            return None, None
        src = sem.sources["reviews"]
        usable = {k: v for k, v in filters.items() if sem.dimension(k).column_for(src) is not None}
        if len(usable) < len(filters):
            return None, None  # e.g. a region filter: reviews carry no region, the signal would be the wrong one
        q = MetricQuery(metric=name, filters=usable, end=as_of, grain="week" if grain in ("day", "week") else "month",
                        order="period")
        sql = compile_query(q, sem)
        df = to_float(self.runner.run(sql).df, [name]).rename(columns={"period": "ds", name: "sentiment"})
        if name == "avg_rating":
            df["sentiment"] = (df["sentiment"] - 3) / 2  # 1..5 stars -> -1..1
        return (df if df["sentiment"].notna().sum() >= 8 else None), sql

    @staticmethod
    def _lagged(sent: pd.DataFrame, ds: pd.Series, grain: str) -> pd.Series:
        """Sentiment known at each date: the mean of the previous complete week (or month)."""
        import pandas as pd

        s = sent.assign(ds=pd.to_datetime(sent["ds"])).set_index("ds")["sentiment"].sort_index()
        step = pd.Timedelta(days=7) if grain in ("day", "week") else pd.DateOffset(months=1)
        s.index = s.index + step  # a period's mean becomes known when the period is over
        s = s.ffill()
        return pd.Series(s.reindex(pd.to_datetime(ds), method="ffill").to_numpy(), index=ds.index)

    # ----- the tool ----------------------------------------------------------------------------------------
    def run(self, metric: str, filters: Mapping[str, Any] | None = None, grain: str = "week", horizon: int = 8,
            model: str = "auto", level: Sequence[int] = (80, 95)) -> ToolOutput:
        import pandas as pd

        from shoplens.forecasting.core import forecast
        from shoplens.forecasting.facts import describe
        from shoplens.forecasting.registry import normalize_model
        from shoplens.forecasting.series import bucket, normalize_freq

        sem = self.semantic
        m = sem.metric(metric)
        try:
            horizon = int(horizon)
        except (TypeError, ValueError):
            raise UserInputError(f"The horizon must be a whole number of periods, got {horizon!r}.") from None
        grain = str(grain).lower().strip()
        if grain not in GRAINS:
            raise UserInputError(f"Unknown grain '{grain}' for a forecast.", hint=f"Use one of: {', '.join(GRAINS)}.")
        model = normalize_model(model)
        clean = clean_filters(sem, filters)
        as_of = self.runner.as_of
        df, sql = self._series(m.name, clean, grain, as_of)
        sqls = [sql]
        where = filters_text(sem, clean)
        label = m.label + (f" ({where})" if where else "")
        if df.empty or df["y"].isna().all():
            raise UserInputError(f"No {m.label.lower()} data{' for ' + where if where else ''}, so there is nothing "
                                 "to forecast.", hint="Check the filters.")
        warnings: list[str] = []
        df["ds"] = pd.to_datetime(df["ds"])
        freq = normalize_freq(grain)
        # A bucket the data only partly covers would look like a collapse: drop a partial last (or first) one.
        last_full = bucket(pd.DatetimeIndex([pd.Timestamp(as_of) + pd.Timedelta(days=1)]), freq)[0]
        partial_end = df["ds"] >= last_full
        if partial_end.any():
            warnings.append(f"The current {grain} is incomplete (data end on {as_of.isoformat()}), so it was left "
                            "out of the history.")
            df = df[~partial_end]
        first_day = self._first_day(m.name)
        if first_day is not None and grain != "day" and len(df) and df["ds"].iloc[0] < pd.Timestamp(first_day):
            df = df.iloc[1:]
        regressors: list[str] = []
        sent, sent_sql = self._sentiment(clean, grain, as_of) if m.source != "reviews" else (None, None)
        if sent is not None:
            df["sentiment"] = self._lagged(sent, df["ds"], grain).fillna(0.0).to_numpy()
            regressors.append("sentiment")
            sqls.append(sent_sql or "")
        end = pd.Timestamp(last_full) - pd.Timedelta(days=1)  # zero-fill up to the last complete period
        result = forecast(
            df.assign(unique_id=label), horizon, model, tuple(level), freq=freq, regressors=regressors,
            fill="zero" if is_additive(m) else "interpolate", end=end, campaigns=self._campaigns(),
            seed=self.seed, n_jobs=self.n_jobs,
        )
        sf = result.series[0]
        warnings += sf.warnings
        facts = {"metric": m.name, "label": m.label, "unit": m.unit, "filters": clean, "grain": grain,
                 "as_of": as_of.isoformat(), **sf.facts, "value_unit": m.unit}
        sentences = describe(sf.facts, label, lambda v: format_value(v, m.unit))
        out_period = Period(sf.forecast["ds"].iloc[0].date(), self._period_end(sf.forecast["ds"].iloc[-1], grain),
                            f"next {horizon} {grain}{'s' if horizon != 1 else ''}")
        table = self._table(sf, m.unit, label, out_period)
        board = self._leaderboard(sf)
        charts, chart_warnings = self._fan_chart(sf, m.name, m.unit, label, "\n".join(sentences[:2]), facts,
                                                 out_period, clean)
        warnings += chart_warnings
        summary = self._summary(sentences, sf, m.unit, warnings, sf.notes)
        return ToolOutput(summary=summary, tables=[table, board], charts=charts, sql=sqls, facts=facts,
                          warnings=warnings + sf.notes, period=out_period)

    def _first_day(self, metric: str) -> dt.date | None:
        try:
            src = self.semantic.sources[self.semantic.metric(metric).source or "sales"]
            value = self.runner.scalar(f"SELECT min(CAST({src.time} AS DATE)) FROM {src.from_sql}")
            return value if isinstance(value, dt.date) else None
        except Exception:  # noqa: BLE001 - only used to trim a partial first bucket
            return None

    @staticmethod
    def _period_end(last: pd.Timestamp, grain: str) -> dt.date:
        import pandas as pd

        step = {"day": pd.Timedelta(days=0), "week": pd.Timedelta(days=6)}.get(grain)
        if step is not None:
            return (last + step).date()
        months = {"month": 1, "quarter": 3}[grain]
        return (last + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()

    @staticmethod
    def _table(sf: SeriesForecast, unit: str, label: str, period: Period) -> Table:
        fc = sf.forecast.copy()
        fc["ds"] = fc["ds"].dt.date
        cols = {"ds": "Period", "mean": "Forecast"}
        for c in fc.columns:
            if c.startswith(("lo-", "hi-")):
                # no "%" in the name: front ends read "%" columns as fractions, and these are amounts
                cols[c] = ("Low " if c.startswith("lo") else "High ") + c[3:]
        fc = fc.rename(columns=cols)
        for c in fc.columns[1:]:
            fc[c] = fc[c].round(2)
        return Table.from_df(f"{label} forecast, {period.label} (Low/High N: the N% range)", fc)

    @staticmethod
    def _leaderboard(sf: SeriesForecast) -> Table:
        """One row per candidate, the chosen one marked; WAPE and coverage as fractions (0.088 is 8.8%) in
        "rate" columns, the convention every front end reads as a percentage."""
        import pandas as pd

        rows = []
        for r in sf.leaderboard:
            name = r.get("candidate") or r.get("model")
            rows.append({
                "model": f"{name} *" if name == sf.candidate else name,
                "description": r.get("description"),
                "MASE": r.get("mase"),
                "WAPE rate": None if r.get("wape") is None else round(r["wape"] / 100, 4),
                "MAE": r.get("mae"),
                **{f"{lv}% coverage rate": None if r.get(f"coverage-{lv}") is None else round(r[f"coverage-{lv}"] / 100, 4)
                   for lv in (80, 95) if f"coverage-{lv}" in r},
                "backtest s": r.get("backtest_s"),
            })
        return Table.from_df("Backtest leaderboard (lower MASE is better; * chosen; seasonal naive is the baseline)",
                             pd.DataFrame(rows))

    def _fan_chart(self, sf: SeriesForecast, metric: str, unit: str, label: str, explanation: str,
                   facts: dict[str, Any], period: Period, filters: dict[str, list[str]]) -> tuple[list, list[str]]:
        """Render the fan chart with the shared chart renderer (kind "forecast"). One small function so the
        rendering can change without touching the tool."""
        if self.charts_dir is None:
            return [], []
        import pandas as pd

        from shoplens.tools.charts.tool import ChartTool

        hist = pd.DataFrame({"ds": sf.ds, "y": sf.y})
        frames = [hist]
        backtest_start = None
        if sf.backtest is not None and len(sf.backtest):
            bt = sf.backtest.drop(columns=["cutoff", "y"])
            hist = hist.merge(bt[["ds", "mean"]], on="ds", how="left")
            frames = [hist]
            backtest_start = sf.backtest["ds"].min().date()
        frames.append(sf.forecast.assign(y=float("nan")))
        data = pd.concat(frames, ignore_index=True)
        spec = {"kind": "forecast", "x": "ds", "y": ["y"], "units": {"y": unit, "mean": unit},
                "labels": {"y": label}, "backtest_start": backtest_start, "filters": filters}
        try:
            tool = ChartTool(self.charts_dir, as_of=self.runner.as_of, renderer=self.chart_renderer,
                             retention=self.chart_retention)
            out = tool.render(
                spec, data, title=f"{self.semantic.metric(metric).label} forecast", explanation=explanation, facts=facts,
                period_label=period.label,
            )
        except UserInputError as exc:  # a chart problem must not lose the forecast itself
            return [], [f"The chart could not be drawn: {exc}"]
        return out.charts, out.warnings

    @staticmethod
    def _summary(sentences: list[str], sf: SeriesForecast, unit: str, warnings: list[str], notes: list[str]) -> str:
        lines = list(sentences)
        fc = sf.forecast
        parts = []
        for row in fc.head(SUMMARY_ROWS).to_dict(orient="records"):
            text = f"{row['ds'].date().isoformat()}: {format_value(row['mean'], unit)}"
            if "lo-80" in row:
                text += f" (80%: {format_value(row['lo-80'], unit)} to {format_value(row['hi-80'], unit)})"
            parts.append(text)
        lines.append("First periods: " + "; ".join(parts))
        lines += [f"Note: {w}" for w in warnings[:3]]
        return "\n".join(lines)
