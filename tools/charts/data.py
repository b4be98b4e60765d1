"""Turn a query result and a spec into the exact frame a chart plots: checked columns, typed values, the kind an
analyst would choose, sorted/limited categories and series. The prepared frame is what the CSV next to a chart holds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.data.errors import UserInputError
from shoplens.tools.charts.spec import ChartSpec, _closest
from shoplens.tools.charts.words import say
from shoplens.tools.formatting import ADDITIVE_UNITS

if TYPE_CHECKING:
    import pandas as pd

FORECAST_COLUMNS = ("ds", "y", "mean")
MAX_SERIES = 7  # colours a reader can tell apart; more become "Other" (stacks) or are dropped (lines)
MAX_FACETS = 12
MAX_HEATMAP_ROWS = 40
MAX_BARS = 30  # bars beyond this are unreadable: keep the largest and say so
OTHER = "Other"

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_ORDINALS = [WEEKDAYS, [d[:3] for d in WEEKDAYS], MONTHS, [m[:3] for m in MONTHS]]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


@dataclass
class Prepared:
    """The frame to plot and what the renderer needs to know about it."""

    df: pd.DataFrame
    spec: ChartSpec  # kind resolved, x/y filled in
    x_is_time: bool
    notes: list[str] = field(default_factory=list)  # shown in the subtitle, e.g. "top 7 of 12 channels"
    warnings: list[str] = field(default_factory=list)


def natural_order(values: list[Any]) -> list[Any] | None:
    """Weekday or month names in calendar order, numbers (hour 0-23, week 1-53) in numeric order, else None."""
    strs = [str(v) for v in values]
    if strs and all(s.lstrip("-").isdigit() for s in strs):
        return sorted(values, key=lambda v: int(str(v)))
    for order in _ORDINALS:
        low = [o.lower() for o in order]
        if strs and all(s.lower() in low for s in strs):
            return sorted(values, key=lambda v: low.index(str(v).lower()))
    return None


def is_time(s: pd.Series) -> bool:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    if s.dtype != object:
        return False
    vals = s.dropna()
    if vals.empty:
        return False
    sample = vals.iloc[:50]
    if all(isinstance(v, dt.date) for v in sample):
        return True
    return all(isinstance(v, str) and _ISO_DATE.match(v) for v in sample)


def is_numeric(s: pd.Series) -> bool:
    import pandas as pd

    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_numeric_dtype(s):
        return True
    if s.dtype == object:
        vals = s.dropna().iloc[:50]
        from decimal import Decimal

        return not vals.empty and all(
            isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in vals
        )
    return False


_CALENDAR_PARTS = ("month", "week", "weekday", "dow", "day", "hour", "quarter", "minute")


def calendar_ints(name: str, s: pd.Series) -> str | None:
    """'year' for a column of whole years (2023, 2024), 'part' for calendar parts (month 1-12, hour 0-23), else
    None: these are time or categories, not measures, so they must not turn a bar chart into a scatter."""
    import pandas as pd

    if not is_numeric(s):
        return None
    vals = pd.to_numeric(s, errors="coerce").dropna()
    if vals.empty or not (vals == vals.round()).all():
        return None
    low = name.lower()
    if "year" in low and vals.between(1900, 2200).all():
        return "year"
    if any(low == p or low.endswith("_" + p) or low.startswith(p + "_") for p in _CALENDAR_PARTS):
        return "part"
    return None


def _calendar_x(spec: ChartSpec, df: pd.DataFrame) -> None:
    import pandas as pd

    x = spec.x
    if not x or spec.kind == "scatter" or x in spec.y:
        return
    how = calendar_ints(x, df[x])
    if how == "year":
        df[x] = pd.to_datetime(pd.to_numeric(df[x]).astype("Int64").astype(str) + "-01-01", errors="coerce")
    elif how == "part":
        ints = pd.to_numeric(df[x]).astype("Int64")
        if "month" in x.lower() and ints.dropna().between(1, 12).all():
            df[x] = ints.map(lambda m: MONTHS[int(m) - 1][:3] if pd.notna(m) else None)
        else:
            df[x] = ints.astype(str)


def check_columns(spec: ChartSpec, df: pd.DataFrame) -> None:
    cols = [str(c) for c in df.columns]
    for name in spec.columns():
        if name not in cols:
            raise UserInputError(
                f"Column {name!r} is not in the data.{_closest(name, cols)} Columns: {', '.join(cols)}."
            )


def _fill_defaults(spec: ChartSpec, df: pd.DataFrame) -> ChartSpec:
    cols = [str(c) for c in df.columns]
    changes: dict[str, Any] = {}
    forecast_like = "mean" in cols and any(c.startswith(("lo-", "hi-")) for c in cols)
    if spec.kind == "forecast" or (spec.kind == "auto" and forecast_like):
        if spec.x is None and "ds" in cols:
            changes["x"] = "ds"
        if not spec.y and "y" in cols:
            changes["y"] = ["y"]
    x = changes.get("x", spec.x)
    used = {x, spec.series, spec.facets, spec.label}
    if not spec.y and spec.kind != "forecast":
        measures = [c for c in cols if c not in used and is_numeric(df[c])]
        if not measures:
            raise UserInputError(
                f"No numeric column to plot; name the measure in 'y'. Columns: {', '.join(cols)}."
            )
        want = 2 if spec.kind in ("scatter", "combo") else 1
        changes["y"] = measures[:want]
    y = changes.get("y", spec.y)
    if x is None and spec.kind not in ("histogram", "scatter"):
        time_cols = [c for c in cols if c not in used and c not in y and is_time(df[c])]
        cat_cols = [c for c in cols if c not in used and c not in y and not is_numeric(df[c])]
        if time_cols or cat_cols:
            changes["x"] = (time_cols or cat_cols)[0]
        elif spec.kind == "auto" and len(y) == 1:
            pass  # histogram of one measure
        elif spec.kind not in ("auto",):
            raise UserInputError(
                f"A {spec.kind} chart needs 'x': a date or category column. Columns: {', '.join(cols)}."
            )
    if spec.kind == "scatter" and x is None and len(y) == 2:
        changes["x"], changes["y"] = y[0], [y[1]]
    return spec.replace(**changes) if changes else spec


def choose_kind(spec: ChartSpec, df: pd.DataFrame) -> str:
    """The kind an analyst would pick: time -> line; categories -> sorted horizontal bars; parts of a whole over
    time -> stacked bars; two measures -> scatter (or a dual-axis combo over time when their units differ)."""
    if spec.kind != "auto":
        return spec.kind
    cols = [str(c) for c in df.columns]
    if "mean" in cols and any(c.startswith(("lo-", "hi-")) for c in cols) and spec.x in (None, "ds"):
        return "forecast"
    if spec.facets:
        return "small_multiples"
    if spec.x is None:
        return "scatter" if len(spec.y) >= 2 else "histogram"
    xs = df[spec.x]
    if is_numeric(xs) and not is_time(xs):
        return "scatter"
    units = {spec.unit(m) for m in spec.y}
    if is_time(xs):
        if len(spec.y) >= 2:
            return "combo" if len(units) > 1 else "multi_line"
        if spec.series:
            n_series = df[spec.series].nunique()
            n_x = xs.nunique()
            if n_series > MAX_SERIES + 1 and n_x > 3:
                return "heatmap"
            m = spec.y[0]
            additive = spec.unit(m) in ADDITIVE_UNITS and bool((_num(df[m]).fillna(0) >= 0).all())
            if additive and n_x <= 24:
                return "stacked_bar"
            return "multi_line"
        return "line"
    if len(spec.y) >= 2:
        return "combo" if len(units) > 1 else "grouped_bar"
    if spec.series:
        if df[spec.series].nunique() > MAX_SERIES + 1 and xs.nunique() > MAX_SERIES + 1:
            return "heatmap"
        return "grouped_bar"
    if natural_order(list(xs.dropna().unique())) is not None:
        return "bar"
    return "hbar"


def _num(s: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(s, errors="coerce").astype(float)


def _to_time(s: pd.Series) -> pd.Series:
    import pandas as pd

    text = pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)  # pandas 3 infers `str`
    out = pd.to_datetime(s, errors="coerce", format="ISO8601" if text else None)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.astype("datetime64[ns]")


def prepare(spec: ChartSpec, df: Any) -> Prepared:
    """Check, type and shape ``df`` for ``spec``; the result's frame is exactly what gets drawn."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise UserInputError(f"Charts are drawn from a table (pandas DataFrame), got {type(df).__name__}.")
    if df.empty:
        raise UserInputError(
            "The query returned no rows, so there is nothing to chart. Widen the period or remove a filter."
        )
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    spec = _fill_defaults(spec, df)
    check_columns(spec, df)
    _calendar_x(spec, df)
    kind = choose_kind(spec, df)
    if kind == "forecast":
        missing = [c for c in FORECAST_COLUMNS if c not in df.columns]
        if missing:
            raise UserInputError(
                f"A forecast chart needs columns ds, y, mean (+ lo-80/hi-80, lo-95/hi-95); "
                f"missing: {', '.join(missing)}."
            )
    if kind == "combo" and len(spec.y) < 2:
        raise UserInputError(
            "A combo chart needs two measures in 'y' (bars on the left axis, a line on the right)."
        )
    if kind == "scatter" and spec.x is None and len(spec.y) >= 2:
        spec = spec.replace(x=spec.y[0], y=spec.y[1:2])
    if kind == "scatter" and (spec.x is None or not is_numeric(df[spec.x])):
        raise UserInputError(
            "A scatter chart plots one measure against another: set 'x' to a numeric column "
            f"(got {spec.x!r}) and 'y' to another."
        )
    spec = spec.replace(kind=kind)
    warnings: list[str] = []
    measures = list(spec.y)
    if kind == "forecast":
        measures += [c for c in df.columns if c == "mean" or c.startswith(("lo-", "hi-"))]
    for m in measures:
        if not is_numeric(df[m]) and not _num(df[m]).notna().any():
            raise UserInputError(
                f"Measure {m!r} is not numeric (e.g. {df[m].dropna().iloc[0]!r}); put a number column in 'y'."
            )
        df[m] = _num(df[m])
        infinite = np.isinf(df[m].to_numpy())
        if infinite.any():
            df.loc[infinite, m] = np.nan
            warnings.append(
                f"{int(infinite.sum())} infinite value(s) of {m} were left out (a division by zero?)."
            )
    x_is_time = bool(spec.x) and is_time(df[spec.x])
    if x_is_time:
        df[spec.x] = _to_time(df[spec.x])
    for c in (spec.series, spec.facets, spec.label):
        if c:
            df[c] = df[c].astype(str)
    if spec.x and not x_is_time and kind not in ("scatter",):
        df[spec.x] = df[spec.x].astype(str)
    if all(df[m].isna().all() for m in spec.y) and kind != "forecast":
        raise UserInputError(
            f"Every value of {', '.join(spec.y)} is empty, so there is nothing to chart. "
            "Check the filters and the period."
        )
    keep = list(dict.fromkeys([c for c in [spec.x, spec.facets, spec.series, spec.label, *measures] if c]))
    prep = Prepared(df=df[keep].reset_index(drop=True), spec=spec, x_is_time=x_is_time, warnings=warnings)
    _shape(prep)
    return prep


def _agg(spec: ChartSpec, m: str) -> str:
    return "sum" if spec.unit(m) in ADDITIVE_UNITS else "mean"


def _dedupe(prep: Prepared, keys: list[str]) -> None:
    """Rows repeating the same keys (the frame has dimensions the chart does not show) are combined."""
    df, spec = prep.df, prep.spec
    if not keys or not df.duplicated(keys).any():
        return
    how = {m: _agg(spec, m) for m in spec.y}
    prep.df = df.groupby(keys, sort=False, as_index=False, dropna=False).agg(how)
    prep.warnings.append(
        f"Rows sharing the same {', '.join(keys)} were combined "
        f"({', '.join(f'{m}: {h}' for m, h in how.items())})."
    )


def _limit_series(prep: Prepared, column: str, limit: int, *, other: bool, noun: str) -> None:
    df, spec = prep.df, prep.spec
    m = spec.y[0]
    totals = df.groupby(column, sort=False)[m].sum().abs().sort_values(ascending=False)
    if len(totals) <= limit:
        return
    keep = list(totals.index[: limit - 1 if other else limit])
    if other:
        rest = df[~df[column].isin(keep)]
        keys = [c for c in (spec.x, spec.facets) if c]
        agg = rest.groupby(keys, sort=False, as_index=False).agg({mm: "sum" for mm in spec.y})
        agg[column] = OTHER
        import pandas as pd

        prep.df = pd.concat([df[df[column].isin(keep)], agg[df.columns]], ignore_index=True)
        prep.notes.append(say("top {n} {noun} + other", n=len(keep), noun=noun))
    else:
        prep.df = df[df[column].isin(keep)].reset_index(drop=True)
        prep.notes.append(say("top {n} of {total} {noun}", n=len(keep), total=len(totals), noun=noun))


def _order_categories(prep: Prepared) -> None:
    df, spec = prep.df, prep.spec
    x, m = spec.x, spec.y[0]
    if x is None:
        return
    totals = df.groupby(x, sort=False)[m].sum()
    sort = spec.sort
    if sort is None:
        sort = "none" if natural_order(list(totals.index)) is not None else "desc"
    if sort == "none":
        order = natural_order(list(totals.index)) or list(totals.index)
    elif sort == "x":
        order = sorted(totals.index, key=str)
    else:
        order = list(totals.sort_values(ascending=sort == "asc", kind="stable").index)
    limit = spec.top_n or (MAX_BARS if spec.kind in ("bar", "hbar") else None)
    if limit and len(order) > limit:
        ranked = list(totals.abs().sort_values(ascending=False, kind="stable").index[:limit])
        prep.notes.append(say("top {n} of {total}", n=limit, total=len(order)))
        order = [o for o in order if o in set(ranked)]
    rank = {k: i for i, k in enumerate(order)}
    df = df[df[x].isin(rank)].copy()
    df["_o"] = df[x].map(rank)
    prep.df = df.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def _trim_history(df: pd.DataFrame, spec: ChartSpec) -> pd.DataFrame:
    """Keep enough history to judge the forecast (a year, or six horizons, and the backtest window) so the fan
    is not squeezed into the right edge of a long series."""
    import pandas as pd

    x = spec.x or "ds"
    hist = df[df["y"].notna()]
    future = df[df["y"].isna()]
    if hist.empty or future.empty:
        return df
    horizon = future[x].max() - hist[x].max()
    keep_from = hist[x].max() - max(pd.Timedelta(days=365), 6 * horizon)
    if spec.backtest_start is not None:
        keep_from = min(keep_from, pd.Timestamp(spec.backtest_start) - 2 * horizon)
    return df[df[x] >= keep_from].reset_index(drop=True)


def _shape(prep: Prepared) -> None:
    spec = prep.spec
    kind, x = spec.kind, spec.x
    if kind in ("histogram", "scatter"):
        prep.df = prep.df.dropna(subset=[m for m in [x, *spec.y] if m and m in prep.df]).reset_index(
            drop=True
        )
        if prep.df.empty:
            raise UserInputError("Every value of the measure is empty, so there is nothing to chart.")
        return
    if kind == "forecast":
        prep.df = _trim_history(prep.df.sort_values(x, kind="stable").reset_index(drop=True), spec)
        return
    keys = [c for c in (x, spec.facets, spec.series) if c]
    _dedupe(prep, keys)
    if spec.series and kind in (
        "stacked_bar",
        "area",
        "multi_line",
        "line",
        "grouped_bar",
        "small_multiples",
    ):
        keep = min(spec.top_n or MAX_SERIES, MAX_SERIES)
        stackable = kind in ("stacked_bar", "area")  # stacking already says the parts add up: fold the rest
        _limit_series(
            prep,
            spec.series,
            keep + 1 if stackable else keep,
            other=stackable,
            noun=spec.label_of(spec.series).lower() + "s",
        )
    if spec.facets:
        _limit_series(
            prep,
            spec.facets,
            min(spec.top_n or MAX_FACETS, MAX_FACETS),
            other=False,
            noun=spec.label_of(spec.facets).lower() + "s",
        )
    if kind == "heatmap" and spec.series:
        _limit_series(
            prep,
            spec.series,
            min(spec.top_n or MAX_HEATMAP_ROWS, MAX_HEATMAP_ROWS),
            other=False,
            noun=spec.label_of(spec.series).lower() + "s",
        )
    if prep.x_is_time:
        prep.df = prep.df.sort_values([c for c in (spec.facets, spec.series, x) if c], kind="stable")
        prep.df = prep.df.reset_index(drop=True)
        if spec.top_n and not spec.series and not spec.facets and kind in ("bar", "hbar"):
            _order_categories(prep)
    elif x is not None:
        _order_categories(prep)
