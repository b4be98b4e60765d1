"""Seeded synthetic sales series for tests, examples and benchmarks (``generate_series``-style, like Nixtla's).

Daily revenue-like series with a trend, a weekend pattern, a yearly cycle (January dip, December run-up),
retail events (618, Singles' Day, Black Friday-Cyber Monday) and count-like noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.forecasting.calendar import calendar_features


def generate_series(
    n_series: int = 1,
    freq: str = "D",
    n: int = 1277,
    start: str = "2023-01-01",
    seed: int = 0,
    level: float = 1000.0,
    growth: float = 0.15,  # per year
    weekly: float = 0.25,  # weekend uplift
    yearly: float = 0.2,
    events: float = 1.0,  # event uplift multiplier (0 to switch off)
    noise: float = 0.08,  # multiplicative noise sd
    counts: bool = False,  # Poisson counts instead of continuous values
) -> pd.DataFrame:
    """A long frame ``unique_id, ds, y``; series differ in level, growth and noise."""
    rng = np.random.default_rng(seed)
    ds_daily = pd.date_range(start, periods=n if freq == "D" else n * (7 if freq == "W" else 31), freq="D")
    frames = []
    cal = calendar_features(ds_daily, "D")
    uplift = (0.8 * cal["ev_618"] + 0.3 * cal["ev_618_around"] + 1.2 * cal["ev_singles_day"]
              + 1.5 * cal["ev_black_friday"] + 1.0 * cal["ev_cyber_monday"] + 0.4 * cal["ev_bfcm_weekend"]
              + 0.3 * cal["ev_christmas_runup"] - 0.3 * cal["ev_christmas"]).to_numpy()
    t = np.arange(len(ds_daily)) / 365.25
    doy = ds_daily.day_of_year.to_numpy()
    season = yearly * (-np.cos(2 * np.pi * (doy - 20) / 365.25) * 0.6 + 0.4 * np.cos(4 * np.pi * (doy - 340) / 365.25))
    weekend = np.where(ds_daily.day_of_week >= 5, weekly, np.where(ds_daily.day_of_week == 0, -weekly / 3, 0.0))
    for i in range(n_series):
        lv = level * np.exp(rng.normal(0, 0.5)) if n_series > 1 else level
        g = growth + (rng.normal(0, 0.1) if n_series > 1 else 0.0)
        mu = lv * np.exp(g * t) * (1 + season) * (1 + weekend) * (1 + events * uplift)
        if counts:
            y = rng.poisson(np.maximum(mu, 0)).astype(float)
        else:
            y = mu * np.exp(rng.normal(0, noise, len(mu)))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds_daily, "y": y}))
    out = pd.concat(frames, ignore_index=True)
    if freq == "D":
        return out
    if freq == "W":
        out["ds"] = out["ds"] - pd.to_timedelta(out["ds"].dt.day_of_week, unit="D")
    else:
        out["ds"] = out["ds"].dt.to_period("M").dt.to_timestamp()
    out = out.groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    # keep whole periods only
    k = out.groupby("unique_id").cumcount()
    return out[(k >= 1) & (k <= n)].reset_index(drop=True)
