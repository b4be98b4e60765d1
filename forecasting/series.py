"""Turning raw long frames into clean, regular series: frequency inference, gap filling, validation.

Everything that can be wrong with a user's series is found here and becomes either a refusal
(:class:`UserInputError` with a message saying what to do) or a note/warning carried with the series,
so later stages can state it in the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shoplens.data.errors import UserInputError

#: Normalised frequency -> (seasonal period used by models, periods per year, unit word)
FREQS: dict[str, tuple[int, float, str]] = {
    "D": (7, 365.25, "day"),
    "W": (52, 365.25 / 7, "week"),
    "M": (12, 12.0, "month"),
    "Q": (4, 4.0, "quarter"),
    "Y": (1, 1.0, "year"),
}

_ALIASES = {
    "d": "D", "day": "D", "days": "D", "daily": "D",
    "w": "W", "week": "W", "weeks": "W", "weekly": "W",
    "m": "M", "ms": "M", "me": "M", "month": "M", "months": "M", "monthly": "M",
    "q": "Q", "qs": "Q", "qe": "Q", "quarter": "Q", "quarterly": "Q",
    "y": "Y", "ys": "Y", "ye": "Y", "a": "Y", "year": "Y", "yearly": "Y", "annual": "Y",
}

MAX_YEARS = 2  # longest horizon we agree to forecast


def normalize_freq(freq: str) -> str:
    """'day'/'D'/'daily' -> 'D', 'W-MON'/'week' -> 'W', 'MS'/'month' -> 'M' ... ; unknown -> UserInputError."""
    key = str(freq).strip().lower()
    if key.startswith("w-"):
        key = "w"
    if key not in _ALIASES:
        raise UserInputError(
            f"Unknown frequency {freq!r}.",
            hint="Use one of: day (D), week (W), month (M), quarter (Q), year (Y).",
        )
    return _ALIASES[key]


def season_length(freq: str) -> int:
    return FREQS[normalize_freq(freq)][0]


def periods_per_year(freq: str) -> float:
    return FREQS[normalize_freq(freq)][1]


def unit(freq: str) -> str:
    return FREQS[normalize_freq(freq)][2]


def infer_freq(ds: pd.DatetimeIndex | pd.Series) -> str:
    """Infer D/W/M/Q/Y from the typical spacing of sorted unique dates."""
    idx = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(ds))).sort_values()
    if len(idx) < 2:
        raise UserInputError(
            "Cannot tell the frequency of a series with a single date.", hint="Pass the frequency (--freq)."
        )
    # Timedeltas, not raw integers: pandas 3 stores datetimes in s/ms/us/ns depending on the input.
    days = float(np.median((idx[1:] - idx[:-1]) / pd.Timedelta(days=1)))
    for lo, hi, f in ((0.5, 1.5, "D"), (5.5, 8.5, "W"), (26, 33, "M"), (85, 95, "Q"), (350, 380, "Y")):
        if lo <= days <= hi:
            return f
    raise UserInputError(
        f"Dates are spaced about {days:.1f} days apart, which is not a daily, weekly, monthly, quarterly or yearly series.",
        hint="Pass the frequency (--freq D|W|M|Q|Y) to aggregate the data.",
    )


def bucket(ds: pd.DatetimeIndex, freq: str, anchor: pd.Timestamp | None = None) -> pd.DatetimeIndex:
    """Bucket start for each date: day, week (weekday of ``anchor``, default Monday), month, quarter, year."""
    f = normalize_freq(freq)
    ds = pd.DatetimeIndex(ds).normalize()
    if f == "D":
        return ds
    if f == "W":
        wd = 0 if anchor is None else pd.Timestamp(anchor).weekday()
        return ds - pd.to_timedelta((ds.weekday - wd) % 7, unit="D")
    if f == "M":
        return ds.to_period("M").to_timestamp()
    if f == "Q":
        return ds.to_period("Q").to_timestamp()
    return ds.to_period("Y").to_timestamp()


def date_range(start: pd.Timestamp, periods: int, freq: str) -> pd.DatetimeIndex:
    """Regular dates starting at ``start`` (a bucket start) with the normalised frequency."""
    f = normalize_freq(freq)
    start = pd.Timestamp(start)
    if f == "D":
        return pd.date_range(start, periods=periods, freq="D")
    if f == "W":
        return pd.date_range(start, periods=periods, freq="7D")
    step = {"M": 1, "Q": 3, "Y": 12}[f]
    return pd.DatetimeIndex([start + pd.DateOffset(months=step * i) for i in range(periods)])


def periods_between(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> int:
    """Whole periods from bucket ``start`` to bucket ``end``."""
    f = normalize_freq(freq)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if f in ("D", "W"):
        return int((end - start).days // (1 if f == "D" else 7))
    months = (end.year - start.year) * 12 + end.month - start.month
    return months // {"M": 1, "Q": 3, "Y": 12}[f]


def future_dates(last: pd.Timestamp, h: int, freq: str) -> pd.DatetimeIndex:
    return date_range(last, h + 1, freq)[1:]


def horizon_limit(freq: str) -> int:
    return int(round(MAX_YEARS * periods_per_year(freq)))


@dataclass
class Series:
    """One clean, regular series ready for the models."""

    uid: str
    ds: pd.DatetimeIndex
    y: np.ndarray
    freq: str  # normalised: D, W, M, Q, Y
    X: pd.DataFrame | None = None  # user regressors aligned with ds (columns are regressor names)
    notes: list[str] = field(default_factory=list)  # facts about cleaning, stated in the output
    warnings: list[str] = field(default_factory=list)  # things the user should act on or know
    nonnegative: bool = True
    constant: bool = False

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def season_length(self) -> int:
        return season_length(self.freq)


def _fmt_dates(dates: list[pd.Timestamp], limit: int = 5) -> str:
    shown = ", ".join(d.date().isoformat() for d in dates[:limit])
    return shown + (f" and {len(dates) - limit} more" if len(dates) > limit else "")


def prepare_series(
    uid: str,
    ds: pd.Series | pd.DatetimeIndex,
    y: pd.Series | np.ndarray,
    *,
    freq: str | None = None,
    fill: str = "zero",
    X: pd.DataFrame | None = None,
    end: pd.Timestamp | None = None,
) -> Series:
    """Validate one series, aggregate duplicates to the frequency and fill gaps (``fill``: zero | interpolate).

    ``end`` (optional) extends the series with zeros up to that bucket, e.g. the warehouse's as-of date.
    """
    if fill not in ("zero", "interpolate"):
        raise UserInputError(f"Unknown gap filling {fill!r}.", hint="Use 'zero' (sales) or 'interpolate' (levels).")
    notes: list[str] = []
    warnings: list[str] = []
    frame, X = _read_rows(uid, ds, y, X, notes, warnings)
    f, aggregating = _target_freq(uid, frame, freq)
    # weekly data keep their own weekday; daily data aggregated to weeks use Monday-start weeks
    anchor = (pd.Timestamp("2024-01-01") if aggregating else frame["ds"].min()) if f == "W" else None
    frame["bucket"] = bucket(pd.DatetimeIndex(frame["ds"]), f, anchor=anchor)
    agg = frame.groupby("bucket")["y"].agg(lambda s: s.sum(min_count=1))
    if len(agg) < len(frame):
        what = "aggregated to" if aggregating else "with repeated dates summed into"
        notes.append(f"{len(frame)} rows {what} {len(agg)} {unit(f)}ly values.")
    if aggregating and len(agg) > 2:  # a bucket the data only partly cover would look like a collapse
        frame, agg = _drop_partial_edges(frame, agg, f, end, notes)
    Xagg = None
    if X is not None and len(X.columns):
        Xf = X.loc[frame.index].copy()
        Xf["bucket"] = frame["bucket"].to_numpy()
        Xagg = Xf.groupby("bucket").mean()
    last = agg.index.max() if end is None else max(agg.index.max(), bucket(pd.DatetimeIndex([end]), f, anchor)[0])
    full = date_range(agg.index.min(), periods_between(agg.index.min(), last, f) + 1, f)
    values = _fill_gaps(agg.reindex(full), fill, f, notes)
    if Xagg is not None:
        Xagg = Xagg.reindex(full).ffill().bfill().fillna(0.0)
        Xagg.index.name = None
    return _checked_series(uid, full, values.to_numpy(dtype=float), f, Xagg, notes, warnings)


def _read_rows(uid: str, ds: pd.Series | pd.DatetimeIndex, y: pd.Series | np.ndarray, X: pd.DataFrame | None,
               notes: list[str], warnings: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Dates and values as a frame (unreadable dates dropped, non-numeric values missing), regressors aligned."""
    frame = pd.DataFrame({"ds": pd.to_datetime(pd.Series(ds).reset_index(drop=True), errors="coerce")})
    frame["y"] = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce")
    bad_dates = int(frame["ds"].isna().sum())
    if bad_dates:
        warnings.append(f"{bad_dates} row(s) with an unreadable date were dropped.")
        frame = frame.dropna(subset=["ds"])
    if frame.empty:
        raise UserInputError(f"Series {uid!r} has no rows with a valid date.")
    missing_y = int(frame["y"].isna().sum())
    if missing_y:
        notes.append(f"{missing_y} empty or non-numeric value(s) were treated as missing.")
    if X is not None:
        X = X.reset_index(drop=True).loc[frame.index].apply(pd.to_numeric, errors="coerce")
    return frame, X


def _target_freq(uid: str, frame: pd.DataFrame, freq: str | None) -> tuple[str, bool]:
    """The frequency to forecast at and whether the rows must be aggregated to it (never to a finer one)."""
    f = normalize_freq(freq) if freq else infer_freq(frame["ds"])
    raw_freq = infer_freq(frame["ds"]) if frame["ds"].nunique() > 1 else f
    order = ["D", "W", "M", "Q", "Y"]
    if order.index(raw_freq) > order.index(f):
        raise UserInputError(
            f"Series {uid!r} is {unit(raw_freq)}ly but a {unit(f)}ly forecast was asked for.",
            hint=f"Use --freq {raw_freq} or coarser; ShopLens aggregates to coarser grains but cannot invent finer ones.",
        )
    return f, raw_freq != f


def _drop_partial_edges(frame: pd.DataFrame, agg: pd.Series, f: str, end: pd.Timestamp | None,
                        notes: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Leave out first/last buckets the rows only partly cover (the last one stays when ``end`` extends it)."""
    first_day, last_day = frame["ds"].min().normalize(), frame["ds"].max().normalize()
    nxt = date_range(agg.index[-1], 2, f)[1]
    dropped = []
    if first_day > agg.index[0]:
        dropped.append(agg.index[0])
    if last_day < nxt - pd.Timedelta(days=1) and end is None:
        dropped.append(agg.index[-1])
    if dropped:
        agg = agg.drop(index=dropped)
        frame = frame[frame["bucket"].isin(agg.index)]
        notes.append(f"Partial {unit(f)}(s) at the edges left out: {_fmt_dates(dropped)}.")
    return frame, agg


def _fill_gaps(values: pd.Series, fill: str, f: str, notes: list[str]) -> pd.Series:
    gaps = [d for d, v in values.items() if pd.isna(v)]
    if gaps:
        if fill == "zero":
            values = values.fillna(0.0)
            notes.append(f"{len(gaps)} missing {unit(f)}(s) filled with 0: {_fmt_dates(gaps)}.")
        else:
            values = values.interpolate(limit_direction="both")
            notes.append(f"{len(gaps)} missing {unit(f)}(s) filled by linear interpolation: {_fmt_dates(gaps)}.")
    return values


def _checked_series(uid: str, full: pd.DatetimeIndex, yv: np.ndarray, f: str, Xagg: pd.DataFrame | None,
                    notes: list[str], warnings: list[str]) -> Series:
    """The prepared Series, refusing non-finite values and flagging negative or constant ones."""
    if not np.all(np.isfinite(yv)):
        raise UserInputError(f"Series {uid!r} has no usable numeric values.", hint="Check the value column.")
    neg = int((yv < 0).sum())
    if neg:
        warnings.append(
            f"{neg} negative value(s) (e.g. refunds exceeding sales); kept as they are, so the forecast may go below 0."
        )
    s = Series(uid=str(uid), ds=pd.DatetimeIndex(full), y=yv, freq=f, X=Xagg, notes=notes, warnings=warnings)
    s.nonnegative = neg == 0
    if np.all(yv == 0):
        s.constant = True
        warnings.append("All values are zero, so the forecast is zero; check the filters or the value column.")
    elif np.ptp(yv) == 0:
        s.constant = True
        warnings.append(f"All values are equal ({yv[0]:g}), so the forecast repeats that value with no range.")
    return s


def check_horizon(h: int, s: Series) -> None:
    """Refuse horizons longer than the history or than two years, with the allowed maximum."""
    u = unit(s.freq)
    if not isinstance(h, int | np.integer) or h < 1:
        raise UserInputError(f"The horizon must be a positive whole number of {u}s (got {h!r}).")
    limit = horizon_limit(s.freq)
    if h > limit:
        raise UserInputError(
            f"A horizon of {h} {u}s is longer than {MAX_YEARS} years; forecasts that far out are guesses.",
            hint=f"Ask for at most {limit} {u}s.",
        )
    if h > s.n:
        raise UserInputError(
            f"A horizon of {h} {u}s is longer than the {s.n} {u}s of history for {s.uid!r}.",
            hint=f"Ask for at most {s.n} {u}s, or use a finer grain with more history.",
        )


def from_long_frame(
    df: pd.DataFrame,
    *,
    freq: str | None = None,
    fill: str = "zero",
    regressors: list[str] | None = None,
    end: pd.Timestamp | None = None,
) -> list[Series]:
    """Split a long frame ``unique_id, ds, y`` (+ regressor columns) into prepared series."""
    missing = [c for c in ("ds", "y") if c not in df.columns]
    if missing:
        raise UserInputError(
            f"The frame lacks column(s) {', '.join(missing)}.", hint="Expected columns: unique_id, ds, y."
        )
    if df.empty:
        raise UserInputError("There is no data to forecast.", hint="Check the filters or the input file.")
    df = df if "unique_id" in df.columns else df.assign(unique_id="series")
    regs = list(regressors or [])
    out = []
    for uid, g in df.groupby("unique_id", sort=True):
        X = g[regs] if regs else None
        out.append(prepare_series(str(uid), g["ds"], g["y"], freq=freq, fill=fill, X=X, end=end))
    freqs = {s.freq for s in out}
    if len(freqs) > 1:
        raise UserInputError(
            f"The series have different frequencies ({', '.join(sorted(freqs))}).", hint="Pass --freq to align them."
        )
    return out
