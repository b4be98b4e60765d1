"""The demo shop's marketing calendar: always-on campaigns per quarter/half/year and seasonal promotions.

Each campaign has a channel (search, social, email, display, affiliate), a discount for the orders it brings, a
scope (one category or the whole site) and an attribution rate: the share of eligible web/app orders on an active
day that carry its campaign_id. Spend is set per channel to a target return on ad spend, so that email pays back
best and display worst (event 5) while daily figures still vary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from shoplens.data.contract import CATEGORIES
from shoplens.data.demo.calendar import END, START, black_friday, cyber_monday

#: Target return on ad spend per channel (revenue of completed attributed orders / spend), before noise.
TARGET_ROAS = {"email": 14.0, "search": 6.5, "affiliate": 5.0, "social": 3.2, "display": 1.6}
#: Click-through rate (clicks / impressions) and conversion rate (attributed orders / clicks) per channel.
CTR = {"email": 0.028, "search": 0.045, "affiliate": 0.008, "social": 0.011, "display": 0.0025}
CVR = {"email": 0.045, "search": 0.035, "affiliate": 0.025, "social": 0.012, "display": 0.006}


@dataclass(frozen=True)
class Campaigns:
    names: list[str]
    channels: list[str]
    start: np.ndarray  # datetime64[D]
    end: np.ndarray
    discount_pct: np.ndarray  # float, e.g. 15.0
    scope: np.ndarray  # category index, -1 = sitewide
    attr_rate: np.ndarray  # share of eligible web/app orders attributed on an active day
    decays: np.ndarray  # bool: attribution front-loaded (email blasts)

    @property
    def n(self) -> int:
        return len(self.names)


def _third_tuesday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 14)


def build_campaigns() -> Campaigns:
    """The full campaign list for the period, ordered by start date (campaign_id = position + 1)."""
    rows: list[tuple[str, str, date, date, float, str | None, float, bool]] = []

    def add(name: str, channel: str, start: date, end: date, disc: float, scope: str | None, rate: float,
            decays: bool = False) -> None:
        start, end = max(start, START), min(end, END)
        if start <= end:
            rows.append((name, channel, start, end, disc, scope, rate, decays))

    for year in range(START.year, END.year + 1):
        for q in range(4):
            q_start = date(year, 3 * q + 1, 1)
            q_end = (date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)) - timedelta(days=1)
            add(f"Brand Search Q{q + 1} {year}", "search", q_start, q_end, 0.0, None, 0.065)
            add(f"Social Retargeting Q{q + 1} {year}", "social", q_start, q_end, 0.0, None, 0.022)
        add(f"Prospecting Display H1 {year}", "display", date(year, 1, 1), date(year, 6, 30), 0.0, None, 0.02)
        add(f"Prospecting Display H2 {year}", "display", date(year, 7, 1), date(year, 12, 31), 0.0, None, 0.02)
        add(f"Affiliate Partners {year}", "affiliate", date(year, 1, 1), date(year, 12, 31), 5.0, None, 0.03)

        add(f"New Year Clearance {year}", "email", date(year, 1, 2), date(year, 1, 8), 15.0, None, 0.12, True)
        add(f"Fitness Kickoff {year}", "social", date(year, 1, 5), date(year, 1, 25), 15.0, "Sports & Outdoors", 0.2)
        add(f"Valentine's Beauty Edit {year}", "social", date(year, 2, 3), date(year, 2, 14), 15.0, "Beauty", 0.2)
        add(f"Spring Home Refresh {year}", "display", date(year, 3, 18), date(year, 4, 7), 10.0, "Home & Kitchen",
            0.15)
        add(f"Mother's Day Gifts {year}", "email", date(year, 4, 29), date(year, 5, 10), 15.0, "Beauty", 0.3, True)
        add(f"618 Mid-Year Sale {year}", "search", date(year, 6, 12), date(year, 6, 18), 20.0, None, 0.06)
        add(f"618 Early Access {year}", "email", date(year, 6, 15), date(year, 6, 18), 20.0, None, 0.12, True)
        add(f"Summer Outdoors {year}", "social", date(year, 6, 24), date(year, 7, 14), 15.0, "Sports & Outdoors", 0.2)
        add(f"Back to School Tech {year}", "display", date(year, 8, 5), date(year, 8, 31), 10.0, "Electronics", 0.12)
        add(f"Back to School Reads {year}", "email", date(year, 8, 10), date(year, 8, 16), 15.0, "Books", 0.3, True)
        add(f"Fall Wardrobe {year}", "social", date(year, 9, 15), date(year, 10, 5), 15.0, "Apparel", 0.2)
        add(f"Singles' Day {year}", "email", date(year, 11, 9), date(year, 11, 11), 20.0, None, 0.12, True)
        bf, cm = black_friday(year), cyber_monday(year)
        add(f"Black Friday Doorbusters {year}", "email", bf - timedelta(days=1), bf + timedelta(days=1), 25.0, None,
            0.12, True)
        add(f"Black Friday Display {year}", "display", bf - timedelta(days=7), cm, 0.0, None, 0.03)
        add(f"Cyber Week {year}", "search", bf, cm + timedelta(days=2), 20.0, None, 0.06)
        add(f"Holiday Gift Guide {year}", "display", date(year, 12, 1), date(year, 12, 20), 10.0, "Toys & Games", 0.15)
        add(f"Last-Minute Gifts {year}", "email", date(year, 12, 14), date(year, 12, 19), 15.0, None, 0.1, True)
        for month in range(2, 12):
            tue = _third_tuesday(year, month)
            add(f"Member Deals {tue:%b} {year}", "email", tue, tue + timedelta(days=3), 10.0, None, 0.08, True)

    rows.sort(key=lambda r: (r[2], r[0]))
    return Campaigns(
        names=[r[0] for r in rows],
        channels=[r[1] for r in rows],
        start=np.array([r[2] for r in rows], dtype="datetime64[D]"),
        end=np.array([r[3] for r in rows], dtype="datetime64[D]"),
        discount_pct=np.array([r[4] for r in rows]),
        scope=np.array([CATEGORIES.index(r[5]) if r[5] else -1 for r in rows], dtype=np.int16),
        attr_rate=np.array([r[6] for r in rows]),
        decays=np.array([r[7] for r in rows]),
    )
