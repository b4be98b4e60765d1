"""Holiday, event and campaign regressors for any dates and grain.

Built-in retail events (dates computed for any year), each a peak day plus its shoulder days, because shoppers
buy ahead of and after the headline day:

* ``618`` - JD.com's mid-year sale: June 18, shoulders June 16-17 and 19.
* ``singles_day`` - November 11, shoulders November 10 and 12.
* ``black_friday``, ``cyber_monday`` and ``bfcm_weekend`` (Thanksgiving, the weekend between and the Tuesday after).
* ``christmas_runup`` - December 1-18, ramping up to the last shipping days.
* ``christmas_cutoff`` - December 19-24, after the usual last-shipping date.
* ``christmas`` - December 25-26; ``new_year`` - January 1.

Campaign periods come in as data (``[(start, end, intensity), ...]``), as do extra named events from the
semantic layer. Daily values are indicators; weekly/monthly/quarterly values are the number of event days in
the bucket, so the same regressors work at every grain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from shoplens.forecasting.series import bucket, normalize_freq

EVENT_NAMES = (
    "618", "618_around", "singles_day", "singles_day_around", "black_friday", "cyber_monday", "bfcm_weekend",
    "christmas_runup", "christmas_cutoff", "christmas", "new_year",
)

Span = tuple[dt.date | pd.Timestamp | str, dt.date | pd.Timestamp | str]


def thanksgiving(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    return nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21)


def black_friday(year: int) -> dt.date:
    return thanksgiving(year) + dt.timedelta(days=1)


def event_days(year: int) -> dict[str, list[tuple[dt.date, float]]]:
    """Each built-in event's days in ``year`` with their weights (1, or a ramp for the Christmas run-up)."""
    d = dt.date
    tg = thanksgiving(year)
    day = dt.timedelta(days=1)
    return {
        "618": [(d(year, 6, 18), 1.0)],
        "618_around": [(d(year, 6, k), 1.0) for k in (16, 17, 19)],
        "singles_day": [(d(year, 11, 11), 1.0)],
        "singles_day_around": [(d(year, 11, k), 1.0) for k in (10, 12)],
        "black_friday": [(tg + day, 1.0)],
        "cyber_monday": [(tg + 4 * day, 1.0)],
        "bfcm_weekend": [(tg + k * day, 1.0) for k in (0, 2, 3, 5)],
        "christmas_runup": [(d(year, 12, k), 0.1 + 0.9 * (k - 1) / 17) for k in range(1, 19)],
        "christmas_cutoff": [(d(year, 12, k), 1.0) for k in range(19, 25)],
        "christmas": [(d(year, 12, 25), 1.0), (d(year, 12, 26), 1.0)],
        "new_year": [(d(year, 1, 1), 1.0)],
    }


def _daily_index(ds: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """All days covered by the buckets in ``ds``."""
    f = normalize_freq(freq)
    start = ds.min()
    last = ds.max()
    end = {
        "D": last,
        "W": last + pd.Timedelta(days=6),
        "M": last + pd.offsets.MonthEnd(0),
        "Q": last + pd.offsets.QuarterEnd(0),
        "Y": last + pd.offsets.YearEnd(0),
    }[f]
    return pd.date_range(start, end, freq="D")


def _to_buckets(daily: pd.DataFrame, ds: pd.DatetimeIndex, freq: str) -> pd.DataFrame:
    f = normalize_freq(freq)
    if f == "D":
        return daily.reindex(ds).fillna(0.0)
    b = bucket(pd.DatetimeIndex(daily.index), f, anchor=ds.min() if f == "W" else None)
    return daily.groupby(b).sum().reindex(ds).fillna(0.0)


def calendar_features(ds: Sequence | pd.DatetimeIndex, freq: str, events: Iterable[str] = EVENT_NAMES,
                      extra_events: dict[str, list[Span]] | None = None) -> pd.DataFrame:
    """One column per event (``ev_<name>``), indexed by ``ds``; columns that are all zero are kept (a future
    window may have no event) but the caller drops regressors that are constant over the history."""
    ds = pd.DatetimeIndex(ds)
    days = _daily_index(ds, freq)
    years = range(days.min().year, days.max().year + 1)
    daily = pd.DataFrame(index=days)
    index = {day: i for i, day in enumerate(days.date)}
    for name in events:
        col = np.zeros(len(days))
        for yr in years:
            for when, weight in event_days(yr)[name]:
                i = index.get(when)
                if i is not None:
                    col[i] = weight
        daily[f"ev_{name}"] = col
    if normalize_freq(freq) != "D":  # coarser grains: one column per event, shoulders included
        merged = {
            "ev_618": ["ev_618", "ev_618_around"],
            "ev_singles_day": ["ev_singles_day", "ev_singles_day_around"],
            "ev_bfcm": ["ev_black_friday", "ev_cyber_monday", "ev_bfcm_weekend"],
            "ev_christmas_runup": ["ev_christmas_runup"],
            "ev_christmas": ["ev_christmas_cutoff", "ev_christmas", "ev_new_year"],
        }
        daily = pd.DataFrame({k: daily[[c for c in v if c in daily]].sum(axis=1) for k, v in merged.items()
                              if any(c in daily for c in v)}, index=days)
    for name, spans in (extra_events or {}).items():
        daily[f"ev_{_slug(name)}"] = _span_indicator(days, [(a, b, 1.0) for a, b in spans])
    return _to_buckets(daily, ds, freq)


def campaign_feature(ds: Sequence | pd.DatetimeIndex, freq: str,
                     campaigns: Iterable[tuple[object, object, float]] | pd.DataFrame) -> pd.DataFrame:
    """Column ``campaigns``: summed intensity (e.g. discount %, or 1 per campaign) of campaigns running.

    ``campaigns`` is a frame with ``start_date, end_date`` (and optional ``intensity`` or ``discount_pct``) or
    a list of ``(start, end, intensity)``."""
    ds = pd.DatetimeIndex(ds)
    days = _daily_index(ds, freq)
    if isinstance(campaigns, pd.DataFrame):
        weight = next((c for c in ("intensity", "discount_pct") if c in campaigns.columns), None)
        spans = [
            (r["start_date"], r["end_date"], float(r[weight]) if weight and pd.notna(r[weight]) else 1.0)
            for _, r in campaigns.iterrows()
        ]
    else:
        spans = [(a, b, float(w)) for a, b, w in campaigns]
    daily = pd.DataFrame({"campaigns": _span_indicator(days, spans)}, index=days)
    return _to_buckets(daily, ds, freq)


def campaigns_end(campaigns: Iterable[tuple[object, object, float]] | pd.DataFrame) -> pd.Timestamp | None:
    """The last day any known campaign runs (None when there are none)."""
    if isinstance(campaigns, pd.DataFrame):
        ends = pd.to_datetime(campaigns["end_date"].fillna(campaigns["start_date"]), errors="coerce")
    else:
        ends = pd.to_datetime(pd.Series([b if b is not None else a for a, b, _ in campaigns]), errors="coerce")
    return None if ends.dropna().empty else ends.max()


def _span_indicator(days: pd.DatetimeIndex, spans: Iterable[tuple[object, object, float]]) -> np.ndarray:
    col = np.zeros(len(days))
    for a, b, w in spans:
        lo, hi = pd.Timestamp(a), pd.Timestamp(b if b is not None and not pd.isna(b) else a)
        col[(days >= lo) & (days <= hi)] += w
    return col


def _slug(name: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "_" for ch in str(name)).strip("_")
    return out or "event"


def date_features(ds: Sequence | pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Position-in-season features for neural models: day of week and day of year as sine/cosine pairs."""
    ds = pd.DatetimeIndex(ds)
    f = normalize_freq(freq)
    doy = 2 * np.pi * (ds.day_of_year.to_numpy() - 1) / 365.25
    cols = [np.sin(doy), np.cos(doy), np.sin(2 * doy), np.cos(2 * doy)]
    if f == "D":
        dow = 2 * np.pi * ds.day_of_week.to_numpy() / 7
        cols += [np.sin(dow), np.cos(dow), (ds.day_of_week.to_numpy() >= 5).astype(float)]
    return np.column_stack(cols)
