"""Days the shop is closed, so that a closed day is forecast as closed (zero), not as a normal day.

Closures come from two places:

* the calendar: dates the caller knows (``Options.closures``: ISO dates, or ``MM-DD`` for a day closed every
  year such as ``12-25``);
* the data: in a daily sales series that is otherwise rarely zero, a calendar day (month and day) with no sales
  in every year the history covers (a shop closed over Christmas), or a weekday with no sales in at least 7 of
  its last 8 weeks (a shop closed on Saturdays).

The result is a boolean mask over the history and the forecast horizon; the model race zeroes every candidate's
forecast on those days (backtests included) and the global model sees the mask as a feature.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: a daily series with more zero days than this is intermittent demand, not a shop that closes on some days
MAX_ZERO_SHARE = 0.2


def _known(days: pd.DatetimeIndex, closures: Iterable[object]) -> np.ndarray:
    mask = np.zeros(len(days), dtype=bool)
    md = days.strftime("%m-%d")
    iso = days.strftime("%Y-%m-%d")
    for c in closures:
        text = str(c.date() if isinstance(c, pd.Timestamp) else c).strip()[:10]
        mask |= (md == text) if len(text) == 5 else (iso == text)
    return mask


def _from_history(ds: pd.DatetimeIndex, y: np.ndarray, days: pd.DatetimeIndex) -> np.ndarray:
    mask = np.zeros(len(days), dtype=bool)
    zero = np.asarray(y) == 0
    if len(y) < 28 or zero.mean() > MAX_ZERO_SHARE or zero.all():
        return mask
    # weekdays: closed when zero in at least 7 of the last 8 weeks
    closed_wd = [wd for wd in range(7)
                 if len(r := zero[ds.day_of_week == wd][-8:]) >= 4 and r.sum() >= len(r) - 1]
    mask |= np.isin(days.day_of_week, closed_wd)
    # calendar days closed in every year seen (only with a full year of history); a date that is zero only
    # because its weekday is a closing day says nothing about the date itself, so those are left out
    if len(y) >= 365:
        keep = ~np.isin(ds.day_of_week, closed_wd)
        frame = pd.DataFrame({"md": ds.strftime("%m-%d")[keep], "zero": zero[keep]})
        per_day = frame.groupby("md")["zero"].agg(["all", "size"])
        need = 2 if len(y) >= 730 else 1
        closed_md = per_day.index[per_day["all"] & (per_day["size"] >= need)]
        if len(closed_md):
            mask |= np.isin(days.strftime("%m-%d"), np.asarray(closed_md))
    return mask


def closed_mask(ds: pd.DatetimeIndex, y: np.ndarray, fut_ds: pd.DatetimeIndex, freq: str,
                closures: Iterable[object] | None = None, detect: bool = True) -> np.ndarray | None:
    """Boolean mask over history + horizon (daily series only); None when no day is closed."""
    if freq != "D":
        return None
    days = ds.append(fut_ds)
    mask = _known(days, closures or [])
    if detect:
        mask |= _from_history(ds, y, days)
    return mask if mask.any() else None


def describe(mask: np.ndarray, fut_ds: pd.DatetimeIndex) -> str | None:
    """A note naming the closed days in the horizon."""
    fut = mask[-len(fut_ds):]
    if not fut.any():
        return None
    days = fut_ds[fut]
    shown = ", ".join(d.strftime("%a %b %d") for d in days[:4]) + (f" and {len(days) - 4} more" if len(days) > 4 else "")
    return f"The shop is closed on {len(days)} day(s) of the horizon ({shown}); they are forecast as zero."
