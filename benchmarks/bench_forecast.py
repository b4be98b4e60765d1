"""Forecasting benchmark: ShopLens ``auto`` against the best open-source forecasters, side by side in one run.

    python benchmarks/bench_forecast.py [--sets m4_weekly,demo_category_week,demo_product_day,retail_day,retail_week]
                                        [--split test|valid] [--jobs 1] [--db PATH]

Peers, on the same training series in the same run: statsforecast AutoETS, AutoARIMA, AutoTheta and
SeasonalNaive, and a plain global LightGBM (mlforecast with lags, a rolling mean and date features). Each data set
reports the mean MASE of every method, ShopLens' ratio to the best peer and the wall time of every method.
Every method gets the same single process (``--jobs`` applies to all of them). Goals (issue 19): ShopLens at
least 10% below the best peer's mean MASE on M4 Weekly and 5% below on the demo series, within 2x the wall time
of the fastest model-fitting statsforecast peer (AutoETS, AutoARIMA or AutoTheta; seasonal naive, which fits
nothing, is left out of the time goal). ``--split valid`` scores the ``h`` points before the test window instead (used
while developing; the test split is never tuned on). See ``forecast_sets.py`` for the data.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from forecast_sets import DataSet, demo, m4_weekly, retail  # beside this script

from shoplens.forecasting.base import single_threaded
from shoplens.forecasting.metrics import mase

DEFAULT_DB = Path("/tmp/shoplens-bench/demo.duckdb")
ALL_SETS = ("m4_weekly", "demo_category_week", "demo_product_day", "retail_day", "retail_week", "batch")
GOALS = {"m4_weekly": 0.90, "demo_category_week": 0.95, "demo_product_day": 0.95}
SF_MODELS = ("AutoETS", "AutoARIMA", "AutoTheta", "SeasonalNaive")


def _runner(db: Path):
    from shoplens.tools.sql import SqlRunner

    if not db.exists():
        from shoplens.data.demo import build_demo

        print(f"building the demo warehouse (scale 1) at {db} ...", flush=True)
        build_demo(db, scale=1.0, seed=42)
    return SqlRunner(db, row_cap=2_000_000, timeout_s=120)


def load(name: str, split: str, db: Path) -> tuple[DataSet, pd.DataFrame | None]:
    if name == "m4_weekly":
        return m4_weekly(split), None
    if name.startswith("demo_"):
        runner = _runner(db)
        campaigns = runner.run("SELECT start_date, end_date FROM campaigns").df
        return demo(runner, name.removeprefix("demo_"), split), campaigns
    return retail(name.removeprefix("retail_"), split), None


def run_statsforecast(ds: DataSet, jobs: int, arima_long_season: bool = False
                      ) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    models = {"AutoETS": AutoETS(season_length=ds.season), "AutoARIMA": AutoARIMA(season_length=ds.season),
              "AutoTheta": AutoTheta(season_length=ds.season), "SeasonalNaive": SeasonalNaive(season_length=ds.season)}
    if ds.season > 24 and not arima_long_season:
        # AutoARIMA with a 52-week season took 377 s for the 8 demo category series here (M4: hours); it is left
        # out of weekly sets unless asked for (--arima-weekly)
        del models["AutoARIMA"]
    first = ds.train[ds.train["unique_id"] == ds.train["unique_id"].iloc[0]]
    out, secs = {}, {}
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            StatsForecast(models=[model], freq=ds.sf_freq, n_jobs=1).forecast(df=first, h=ds.h)  # numba warm-up
            t0 = time.perf_counter()
            fc = StatsForecast(models=[model], freq=ds.sf_freq, n_jobs=jobs).forecast(df=ds.train, h=ds.h)
            secs[name] = time.perf_counter() - t0
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        out[name] = fc.rename(columns={name: "mean"})[["unique_id", "ds", "mean"]]
    return out, secs


def run_lightgbm(ds: DataSet) -> tuple[pd.DataFrame, float]:
    """A plain global LightGBM as mlforecast's documentation sets it up: lags, a rolling mean, date features,
    recursive forecasts, series standardised."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean
    from mlforecast.target_transforms import LocalStandardScaler

    lags = [1, 2, 3, 4, ds.season] if ds.season > 4 else [1, 2, 3, 4]
    dates = ["dayofweek", "month"] if ds.freq == "day" else ["month"]
    fcst = MLForecast(
        models={"lgbm": lgb.LGBMRegressor(n_estimators=200, learning_rate=0.05, num_leaves=31, verbosity=-1,
                                          n_jobs=1, deterministic=True, force_row_wise=True, random_state=0)},
        freq=ds.sf_freq, lags=lags, lag_transforms={1: [RollingMean(window_size=4)]},
        date_features=dates if ds.calendar else [], target_transforms=[LocalStandardScaler()],
    )
    t0 = time.perf_counter()
    # series shorter than the longest lag cannot give training rows; mlforecast drops them with dropna
    fcst.fit(ds.train, static_features=[])
    fc = fcst.predict(ds.h)
    secs = time.perf_counter() - t0
    return fc.rename(columns={"lgbm": "mean"})[["unique_id", "ds", "mean"]], secs


def run_shoplens(ds: DataSet, campaigns: pd.DataFrame | None, jobs: int) -> tuple[pd.DataFrame, float, dict]:
    from shoplens.forecasting.core import forecast

    t0 = time.perf_counter()
    # explain=False: the forecasts only, as the peers give (no explanation facts), as `forecast --all` runs
    res = forecast(ds.train, ds.h, "auto", freq=ds.freq, n_jobs=jobs, seed=0, calendar=ds.calendar,
                   campaigns=campaigns, level=(80,), explain=False)
    secs = time.perf_counter() - t0
    chosen: dict[str, int] = {}
    for s in res.series:
        chosen[s.model] = chosen.get(s.model, 0) + 1
    fc = res.to_frame()[["unique_id", "ds", "mean"]]
    return fc, secs, {"chosen": chosen, "errors": len(res.errors)}


def score(ds: DataSet, fcs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """MASE of every method on every series (positions, not dates: M4 has no dates)."""
    train = {u: g["y"].to_numpy() for u, g in ds.train.groupby("unique_id", sort=False)}
    test = {u: g["y"].to_numpy() for u, g in ds.test.groupby("unique_id", sort=False)}
    preds = {name: {u: g.sort_values("ds")["mean"].to_numpy() for u, g in fc.groupby("unique_id", sort=False)}
             for name, fc in fcs.items()}
    rows = []
    for u, yt in test.items():
        row = {"unique_id": u}
        for name, p in preds.items():
            yhat = p.get(str(u), p.get(u))
            row[name] = mase(yt, yhat, train[u], ds.mase_m) if yhat is not None and len(yhat) == len(yt) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def bench(name: str, split: str, db: Path, jobs: int, skip_peers: bool, arima_weekly: bool = False) -> dict:
    ds, campaigns = load(name, split, db)
    n = ds.train["unique_id"].nunique()
    print(f"\n== {ds.name} ({split} split): {ds.note}; {n} series, h = {ds.h} ==", flush=True)
    fcs: dict[str, pd.DataFrame] = {}
    secs: dict[str, float] = {}
    if not skip_peers:
        sf, sf_secs = run_statsforecast(ds, jobs, arima_weekly)
        fcs.update({f"sf_{k}": v for k, v in sf.items()})
        secs.update({f"sf_{k}": v for k, v in sf_secs.items()})
        fcs["lightgbm"], secs["lightgbm"] = run_lightgbm(ds)
    fcs["shoplens"], secs["shoplens"], info = run_shoplens(ds, campaigns, jobs)
    table = score(ds, fcs)
    means = {k: float(table[k].mean()) for k in fcs}
    out = {"set": ds.name, "split": split, "series": n, "h": ds.h, "mean_mase": means, "seconds": secs, **info}
    for k in fcs:
        print(f"  {k:<18} mean MASE {means[k]:7.3f}   median {table[k].median():7.3f}   time {secs[k]:7.1f} s")
    peers = {k: v for k, v in means.items() if k != "shoplens"}
    if peers:
        best = min(peers, key=peers.get)  # type: ignore[arg-type]
        ratio = means["shoplens"] / peers[best]
        # the time goal is set against the fastest statsforecast model that fits anything (seasonal naive only
        # copies the last season: no model-fitting method can come within 2x of it)
        sf_times = {k: v for k, v in secs.items() if k.startswith("sf_") and k != "sf_SeasonalNaive"}
        fastest = min(sf_times, key=sf_times.get)  # type: ignore[arg-type]
        t_ratio = secs["shoplens"] / sf_times[fastest]
        out.update(best_peer=best, ratio_to_best=ratio, time_ratio_to_fastest_sf=t_ratio, fastest_sf=fastest,
                   time_ratio_to_lightgbm=secs["shoplens"] / secs["lightgbm"])
        goal = GOALS.get(ds.name)
        met = "" if goal is None else (" -> MET" if ratio <= goal and t_ratio <= 2 else " -> NOT MET")
        print(f"  shoplens / best peer ({best}) mean MASE: {ratio:.3f} ({(1 - ratio) * 100:+.1f}% better)"
              + (f"; goal <= {goal:.2f}" if goal else ""))
        print(f"  shoplens time / fastest statsforecast peer ({fastest}): {t_ratio:.2f} (goal <= 2); "
              f"/ lightgbm: {out['time_ratio_to_lightgbm']:.1f}{met}")
        out["goal_met"] = None if goal is None else bool(ratio <= goal and t_ratio <= 2)
    print(f"  models chosen by shoplens auto: {info['chosen']}", flush=True)
    return out


def batch_speed(db: Path, jobs: int) -> dict:
    """``forecast --all`` on every product x region weekly series of the demo, into a scratch results store."""
    import tempfile

    from shoplens.data.semantic import SemanticLayer
    from shoplens.tools.forecast_batch import BatchForecast

    runner = _runner(db)
    sem = SemanticLayer.load().bind(lambda sql: runner.run(sql).rows, runner.catalog.keys(), runner.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = BatchForecast(runner, sem, Path(tmp) / "results.duckdb", n_jobs=jobs).run(
            "revenue", level="product,region", grain="week", horizon=8)
        wall = time.perf_counter() - t0
    print(f"\n== Batch: forecast --all, revenue by product x region, weekly, 8 ahead, {jobs} process(es) ==")
    print(f"  {res.n_series} series ({len(res.failed)} too short) in {wall:.1f} s wall (goal <= 120 s on 2 cores) "
          f"-> {'MET' if wall <= 120 else 'NOT MET'}; models {res.chosen}", flush=True)
    return {"set": "batch", "series": res.n_series, "failed": len(res.failed), "wall_s": wall, "chosen": res.chosen}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(ALL_SETS))
    ap.add_argument("--split", choices=("test", "valid"), default="test")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--skip-peers", action="store_true", help="ShopLens only (development)")
    ap.add_argument("--arima-weekly", action="store_true", help="also run statsforecast AutoARIMA(52) on weekly sets "
                    "(very slow)")
    ap.add_argument("--json", type=Path, default=Path("/tmp/shoplens-bench/forecast.json"))
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    results = []
    with single_threaded():  # as forecast() runs; the peers get the same
        for name in args.sets.split(","):
            if name.strip() == "batch":
                results.append(batch_speed(args.db, max(args.jobs, 2)))
                continue
            results.append(bench(name.strip(), args.split, args.db, args.jobs, args.skip_peers, args.arima_weekly))
    print("\n== Summary ==")
    print(f"{'set':<20}{'shoplens':>9}{'best peer':>24}{'ratio':>7}{'time x':>8}  goal")
    for r in results:
        if "best_peer" not in r:
            continue
        goal = {None: "-", True: "met", False: "NOT met"}[r.get("goal_met")]
        print(f"{r['set']:<20}{r['mean_mase']['shoplens']:>9.3f}{r['best_peer']:>15}{r['mean_mase'][r['best_peer']]:>9.3f}"
              f"{r['ratio_to_best']:>7.3f}{r['time_ratio_to_fastest_sf']:>8.2f}  {goal}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str))
    print(f"load average at end: {os.getloadavg()[0]:.1f}; results in {args.json}")


if __name__ == "__main__":
    main()
