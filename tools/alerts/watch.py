"""The default watch: with no configuration, scan every channel, region, category, subcategory and the top
products each day for forecast-interval breaches and week-long shifts, plus the product checks in
``product_checks`` (return and sentiment spikes, stock-outs). Only data up to the day scanned is read.

Thresholds are deliberately strict (a daily watch over ~180 series must stay quiet): a day must fall far outside
the 95% interval (|z| >= 4.5) and move by at least 25%, a week by 20% at |z| >= 4.5, and money at stake must be
at least 0.5% of an average day's revenue. Days around calendar events (sale days, holidays) are left out of
baselines and are not flagged by the interval check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.tools.alerts import price_checks, product_checks
from shoplens.tools.alerts.baseline import expected_at, window_expected
from shoplens.tools.alerts.findings import Finding, money, severity_of
from shoplens.tools.alerts.panel import Panel
from shoplens.tools.alerts.series import SeriesSet, build_series

MIN_HISTORY = 84


@dataclass(frozen=True)
class WatchConfig:
    top_products: int = 25
    day_z: float = 4.5
    day_change: float = 0.25
    week_z: float = 4.5
    week_change: float = 0.20
    week_days: int = 7
    min_impact_share: float = 0.005
    event_pad_days: int = 3


class DefaultWatch:
    """``scan(t)`` returns the findings of day index ``t`` of the panel."""

    def __init__(self, panel: Panel, event_days: Iterable[dt.date] = (), config: WatchConfig | None = None) -> None:
        self.panel, self.cfg = panel, config or WatchConfig()
        self.series: SeriesSet = build_series(panel)
        self.weekday = np.asarray(panel.days.dayofweek, dtype=int)
        calendar_ok = ~np.isin(panel.days.date, sorted(padded(event_days, self.cfg.event_pad_days)))
        self.calendar_ok = calendar_ok
        self.promo = promo_mask(panel, self.series)
        self.peers = product_checks.peer_demand(panel)  # day by day: each day's column reads only that day
        # campaign days stay in the baselines (the yearly-season ratio carries campaigns that recur each year);
        # they only stop upward findings in the campaign's scope
        self.usable = np.repeat(calendar_ok[None, :], len(self.series), axis=0)

    def day_revenue(self, t: int) -> float:
        return float(self.panel.revenue[:, max(0, t - 28) : t].sum(axis=0).mean()) if t else 0.0

    def top_rows(self, t: int) -> np.ndarray:
        """Product rows of the top products by revenue over the 90 days before ``t``."""
        rev = self.panel.revenue[:, max(0, t - 90) : t].sum(axis=1)
        return np.argsort(-rev, kind="stable")[: self.cfg.top_products]

    def scan(self, t: int) -> list[Finding]:
        if t < MIN_HISTORY:
            return []
        day_rev = self.day_revenue(t)
        top = set(self.top_rows(t).tolist())
        watched = np.array([r < 0 or r in top for r in self.series.product_row])
        out = self._daily(t, watched, day_rev) + self._weekly(t, watched, day_rev)
        out += product_checks.scan(self.panel, t, sorted(top), day_rev, self.cfg.min_impact_share, self.peers)
        out += [f for f in price_checks.scan(self.panel, t) if f.impact >= self.cfg.min_impact_share * day_rev]
        for f in out:
            f.severity = severity_of(f.impact, day_rev)
        return out

    def _unit_value(self, t: int) -> np.ndarray:
        a = max(0, t - 28)
        y = self.series.y[:, a:t].sum(axis=1)
        return np.where(y > 0, self.series.money[:, a:t].sum(axis=1) / np.maximum(y, 1e-9), 0.0)

    def _daily(self, t: int, watched: np.ndarray, day_rev: float) -> list[Finding]:
        if not self.calendar_ok[t]:
            return []
        s, cfg = self.series, self.cfg
        e = expected_at(s.y, self.weekday, self.usable, t, s.ref)
        actual = s.y[:, t]
        z = e.z(actual)
        rel = (actual - e.mean) / np.maximum(e.mean, 1e-9)
        impact = np.abs(actual - e.mean) * self._unit_value(t)
        enough = np.where(z < 0, e.mean >= 3, actual >= 8)  # a drop needs volume to fall from; a rise, to reach
        hit = watched & (np.abs(z) >= cfg.day_z) & (np.abs(rel) >= cfg.day_change) & enough \
            & (impact >= cfg.min_impact_share * day_rev) & ~((z > 0) & self.promo[:, t])
        day = self.panel.days[t].date()
        out = [self._finding(day, "forecast", i, actual[i], e.mean[i], z[i], impact[i], e.lo95()[i], e.hi95()[i],
                             "outside the 95% forecast interval") for i in np.flatnonzero(hit)]
        self._explain(out, np.flatnonzero(hit), actual - e.mean)
        return out

    def children(self, i: int) -> list[int]:
        """The series one level down: categories of the shop, subcategories of a category (order lines)."""
        s = self.series
        f = s.filters[i]
        if not f:
            return [j for j, g in enumerate(s.filters) if set(g) == {"category"} and s.metric[j] == "orders"]
        if set(f) == {"category"}:
            return [j for j, g in enumerate(s.filters) if set(g) == {"subcategory"} and s.category[j] == f["category"]]
        return []

    def _explain(self, findings: list[Finding], rows: np.ndarray, gap: np.ndarray) -> None:
        """Add the "why" breakdown: the children that moved most in the finding's direction (order lines
        against their own expected values)."""
        for f, i in zip(findings, rows, strict=True):
            kids = [j for j in self.children(int(i)) if np.sign(gap[j]) == f.direction]
            kids.sort(key=lambda j: -abs(gap[j]))
            if kids:
                parts = [f"{next(iter(self.series.filters[j].values()))} {gap[j]:+,.0f}" for j in kids[:3]]
                f.why.insert(1, "Largest contributors (order lines against expected): " + ", ".join(parts) + ".")
                f.evidence["contributors"] = {next(iter(self.series.filters[j].values())): round(float(gap[j]), 1)
                                              for j in kids[:3]}

    def _weekly(self, t: int, watched: np.ndarray, day_rev: float) -> list[Finding]:
        s, cfg = self.series, self.cfg
        actual, exp_sum, sd = window_expected(s.y, self.weekday, self.usable, t, cfg.week_days, s.ref)
        z = (actual - exp_sum) / sd
        rel = (actual - exp_sum) / np.maximum(exp_sum, 1e-9)
        impact = np.abs(actual - exp_sum) * self._unit_value(t - cfg.week_days + 1)
        promo = self.promo[:, max(0, t - cfg.week_days + 1) : t + 1].any(axis=1)
        hit = watched & (np.abs(z) >= cfg.week_z) & (np.abs(rel) >= cfg.week_change) & (exp_sum >= 10) \
            & (impact >= cfg.min_impact_share * day_rev) & ~((z > 0) & promo)
        day = self.panel.days[t].date()
        out = [self._finding(day, "shift", i, actual[i], exp_sum[i], z[i], impact[i], None, None,
                             f"over the last {cfg.week_days} days") for i in np.flatnonzero(hit)]
        self._explain(out, np.flatnonzero(hit), actual - exp_sum)
        return out

    def _finding(self, day: dt.date, kind: str, i: int, actual: float, expected: float, z: float, impact: float,
                 lo: float | None, hi: float | None, how: str) -> Finding:
        s = self.series
        metric, filters = s.metric[i], s.filters[i]
        scope = ", ".join(filters.values()) or "Whole shop"
        word = "up" if actual > expected else "down"
        change = (actual - expected) / expected if expected else 0.0
        title = f"{scope}: {metric} {word} {abs(change) * 100:.0f}% vs expected ({how})"
        why = [f"{metric} was {actual:,.0f} against {expected:,.0f} expected" +
               (f" (95% interval {lo:,.0f}-{hi:,.0f})" if lo is not None and hi is not None else "") + ".",
               f"Money at stake: about {money(impact)}."]
        evidence = {"actual": round(float(actual), 2), "expected": round(float(expected), 2),
                    "change_pct": round(float(change) * 100, 1)}
        return Finding(date=day, kind=kind, metric=metric, filters=dict(filters), title=title,
                       direction=1 if actual > expected else -1, actual=float(actual), expected=float(expected),
                       impact=float(impact), z=float(z), lo95=lo, hi95=hi, evidence=evidence, why=why)


def promo_mask(panel: Panel, series: SeriesSet, after_days: int = 2) -> np.ndarray:
    """(S, D) True on the days of a discount campaign covering the series' category (shop-wide series: campaigns
    covering at least half the categories), and ``after_days`` days after it."""
    out = np.zeros(series.y.shape, dtype=bool)
    n_cats = max(1, len({c for c in series.category if c}))
    cats = np.asarray(series.category)
    for a, b, covered in panel.campaigns:
        i = int(panel.days.searchsorted(pd.Timestamp(a)))
        j = int(panel.days.searchsorted(pd.Timestamp(b + dt.timedelta(days=after_days)), side="right"))
        rows = np.isin(cats, sorted(covered))
        if len(covered) * 2 >= n_cats:
            rows |= cats == ""
        out[np.ix_(rows, np.arange(i, j))] = True
    return out


def padded(days: Iterable[dt.date], pad: int) -> set[dt.date]:
    out: set[dt.date] = set()
    for d in days:
        out.update(d + dt.timedelta(days=k) for k in range(-pad, pad + 1))
    return out


def event_days(events: Iterable[object], start: dt.date, end: dt.date, max_len: int = 7) -> list[dt.date]:
    """Days of the short calendar events (sale days, holidays) of the semantic layer between start and end."""
    out: list[dt.date] = []
    for year in range(start.year, end.year + 1):
        for e in events:
            w = e.window_or_none(year)  # type: ignore[attr-defined]
            if w is None or (w[1] - w[0]).days >= max_len:
                continue
            out += [w[0] + dt.timedelta(days=k) for k in range((w[1] - w[0]).days + 1)]
    return out
