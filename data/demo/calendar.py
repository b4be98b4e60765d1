"""The demo shop's calendar: the simulated period, weekly and yearly seasonality, retail events and trends.

Everything here is a pure function of the date grid (no randomness), so the demand curves are identical for every
seed; the seed only changes the noise drawn around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from shoplens.data.contract import CATEGORIES

START = date(2023, 1, 1)
END = date(2026, 6, 30)

#: The site outage (event 1): web and app orders drop to this share of normal for the day.
OUTAGE_DATE = date(2025, 3, 14)
OUTAGE_FACTOR = 0.2
#: Local hours the site was down on the outage day (orders that got through were placed outside them).
OUTAGE_HOURS = range(9, 22)

#: Day-of-week multipliers, Monday..Sunday: a Friday/Saturday dip and a strong Sunday evening.
WEEKDAY = np.array([1.03, 1.00, 0.98, 0.97, 0.90, 0.93, 1.19])

#: Month-of-year level (at mid-month, interpolated daily): January dip, November/December peak.
MONTH_LEVEL = np.array([0.84, 0.89, 0.97, 0.98, 1.00, 1.02, 0.97, 1.00, 0.95, 0.99, 1.08, 1.10])

#: Extra month-of-year shape per category (multiplies MONTH_LEVEL).
CATEGORY_MONTHS: dict[str, tuple[float, ...]] = {
    "Electronics": (0.95, 0.93, 0.97, 0.97, 0.98, 1.00, 0.98, 1.10, 1.00, 0.98, 1.05, 1.15),
    "Home & Kitchen": (0.97, 0.96, 1.00, 1.00, 1.05, 1.00, 0.96, 0.96, 0.98, 1.00, 1.08, 1.10),
    "Beauty": (0.97, 1.10, 1.00, 0.98, 1.10, 1.00, 0.95, 0.95, 0.97, 0.98, 1.02, 1.18),
    "Apparel": (0.92, 0.92, 1.08, 1.10, 1.00, 0.92, 0.88, 0.97, 1.12, 1.15, 1.05, 1.12),
    "Sports & Outdoors": (1.10, 0.90, 0.95, 1.05, 1.22, 1.32, 1.30, 1.15, 0.95, 0.85, 0.78, 0.85),
    "Toys & Games": (0.75, 0.85, 0.90, 0.92, 0.92, 0.95, 0.95, 0.95, 0.95, 1.00, 1.30, 1.95),
    "Grocery": (1.02, 0.98, 1.00, 1.00, 0.99, 0.98, 0.98, 0.99, 1.00, 1.02, 1.08, 1.10),
    "Books": (0.95, 0.92, 0.95, 0.95, 0.97, 1.08, 1.12, 1.15, 0.97, 0.95, 1.00, 1.25),
}

#: Yearly growth of each category's demand (Beauty fastest, Books declining).
CATEGORY_GROWTH: dict[str, float] = {
    "Electronics": 0.15, "Home & Kitchen": 0.0, "Beauty": 0.30, "Apparel": 0.05,
    "Sports & Outdoors": 0.08, "Toys & Games": 0.02, "Grocery": 0.12, "Books": -0.10,
}

#: How strongly each category reacts to the big sale days (1 = the base spike).
CATEGORY_SPIKE: dict[str, float] = {
    "Electronics": 1.3, "Home & Kitchen": 1.1, "Beauty": 1.15, "Apparel": 1.0,
    "Sports & Outdoors": 0.8, "Toys & Games": 1.15, "Grocery": 0.45, "Books": 0.6,
}


@dataclass(frozen=True)
class Calendar:
    """The daily date grid with its derived fields (all numpy arrays of length ``n``)."""

    days: np.ndarray  # datetime64[D]
    dow: np.ndarray  # 0 = Monday
    year: np.ndarray
    month: np.ndarray  # 1..12
    t_years: np.ndarray  # years since START

    @property
    def n(self) -> int:
        return len(self.days)

    def index(self, d: date) -> int:
        return (d - START).days

    def date(self, i: int) -> date:
        return START + timedelta(days=int(i))

    def month_slices(self) -> list[tuple[int, int]]:
        """[start, stop) day-index ranges of each calendar month, in order (the build's chunks)."""
        starts = np.flatnonzero(np.r_[True, np.diff(self.month) != 0])
        stops = np.r_[starts[1:], self.n]
        return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def make_calendar(start: date = START, end: date = END) -> Calendar:
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    dow = ((days.astype("int64") + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    t = (days - np.datetime64(start, "D")).astype(float) / 365.25
    return Calendar(days=days, dow=dow, year=years, month=months.astype(np.int8), t_years=t)


def thanksgiving(year: int) -> date:
    nov1 = date(year, 11, 1)
    first_thu = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thu + timedelta(weeks=3)


def black_friday(year: int) -> date:
    return thanksgiving(year) + timedelta(days=1)


def cyber_monday(year: int) -> date:
    return thanksgiving(year) + timedelta(days=4)


def _month_curve(cal: Calendar, levels: np.ndarray) -> np.ndarray:
    """Smooth daily curve through monthly levels placed at mid-month (wrapping around the year)."""
    doy = (cal.days - cal.days.astype("datetime64[Y]")).astype(float)
    mids = np.arange(12) * 30.44 + 15.2
    xp = np.r_[mids[-1] - 365.25, mids, mids[0] + 365.25]
    fp = np.r_[levels[-1], levels, levels[0]]
    return np.interp(doy, xp, fp)


def sale_spikes(cal: Calendar) -> np.ndarray:
    """Multiplier (>= 1 on sale days) for 618, Singles' Day and Black Friday-Cyber Monday, before category scaling."""
    spikes = np.ones(cal.n)

    def put(d: date, value: float) -> None:
        i = cal.index(d)
        if 0 <= i < cal.n:
            spikes[i] = max(spikes[i], value)

    for year in range(START.year, END.year + 1):
        for day, value in ((16, 1.3), (17, 1.6), (18, 2.4), (19, 1.25)):  # 618
            put(date(year, 6, day), value)
        for day, value in ((10, 1.3), (11, 2.6), (12, 1.25)):  # Singles' Day
            put(date(year, 11, day), value)
        tg = thanksgiving(year)
        for offset, value in ((0, 1.35), (1, 2.9), (2, 2.0), (3, 1.9), (4, 2.7), (5, 1.4), (6, 1.15)):
            put(tg + timedelta(days=offset), value)
    return spikes


def december_shape(cal: Calendar) -> np.ndarray:
    """The gift run-up to about Dec 18, the shipping cut-off slump, Christmas Day and the post-Christmas week;
    New Year's Day is quiet."""
    shape = np.ones(cal.n)
    for year in range(START.year, END.year + 1):
        for day in range(1, 32):
            i = cal.index(date(year, 12, day))
            if not 0 <= i < cal.n:
                continue
            if day <= 18:
                shape[i] = 0.97 + 0.30 * (day - 1) / 17
            elif day <= 21:
                shape[i] = 1.10
            elif day <= 24:
                shape[i] = 0.72
            elif day == 25:
                shape[i] = 0.5
            else:
                shape[i] = 0.95
        i = cal.index(date(year, 1, 1))
        if 0 <= i < cal.n:
            shape[i] = 0.6
    return shape


def category_curves(cal: Calendar) -> np.ndarray:
    """(len(CATEGORIES), n) relative demand level per category and day: trend x yearly x weekly x sale days.

    Values are relative (1.0 = an average day at the start of the period); the generator scales them."""
    base = _month_curve(cal, MONTH_LEVEL) * WEEKDAY[cal.dow] * december_shape(cal)
    spikes = sale_spikes(cal)
    out = np.empty((len(CATEGORIES), cal.n))
    for k, cat in enumerate(CATEGORIES):
        trend = (1.0 + CATEGORY_GROWTH[cat]) ** cal.t_years
        season = _month_curve(cal, np.asarray(CATEGORY_MONTHS[cat]))
        spike = 1.0 + CATEGORY_SPIKE[cat] * (spikes - 1.0)
        out[k] = base * trend * season * spike
    return out


def channel_shares(cal: Calendar) -> np.ndarray:
    """(n, 3) share of orders by channel (web, app, marketplace): app grows, web shrinks; outage day applied."""
    web = 0.54 - 0.035 * cal.t_years
    app = 0.20 + 0.045 * cal.t_years
    app = app * np.where(cal.dow >= 5, 1.12, 1.0)  # phones on weekends
    mkt = np.full(cal.n, 0.25)
    shares = np.stack([web, app, mkt], axis=1)
    i = cal.index(OUTAGE_DATE)
    if 0 <= i < cal.n:
        shares[i, :2] *= OUTAGE_FACTOR
    return shares


def business_share(cal: Calendar) -> np.ndarray:
    """Share of orders placed by business customers: mostly on weekdays."""
    return np.where(cal.dow >= 5, 0.035, 0.13)
