"""The demo shop's customers: a pool that grows as first orders arrive, and repeat buyers drawn from it.

Each customer has a purchase propensity (heavy-tailed: a few loyal customers order often, most only once or twice);
repeat orders pick customers who signed up before the order day, weighted by propensity and with a bias towards
recent sign-ups (customers drift away over time). Business customers form their own pool.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from shoplens.data.contract import REGIONS, SEGMENTS
from shoplens.data.demo.calendar import START
from shoplens.data.demo.catalog import (
    ACQUISITION_CHANNELS,
    CITIES,
    ORGANIC_ACQUISITION,
    ORGANIC_ACQUISITION_P,
    REGION_WEIGHTS,
)

#: Customers on file before the period, per order of the period (they make the first weeks' repeat orders).
EXISTING_PER_ORDER = 0.06
RECENT_DAYS = 150
RECENT_SHARE = 0.35
_REGION_P = np.array([REGION_WEIGHTS[r] for r in REGIONS])
_CITY_P = np.array([1.0 / (k + 1) ** 0.8 for k in range(10)])
_CITY_P /= _CITY_P.sum()


class CustomerBook:
    """All customers so far, as growing arrays; customer_id = position + 1 (ids follow sign-up order)."""

    def __init__(self, rng: np.random.Generator, n_existing: int) -> None:
        span = (START - date(2019, 3, 1)).days
        ago = np.sort(np.floor(span * rng.random(n_existing) ** 0.6).astype(np.int32))[::-1]
        segment = (rng.random(n_existing) < 0.08).astype(np.int8)
        self.signup = -1 - ago  # day index relative to START (negative: before the period)
        self.segment = segment
        self.region = rng.choice(len(REGIONS), n_existing, p=_REGION_P).astype(np.int8)
        self.city = rng.choice(10, n_existing, p=_CITY_P).astype(np.int8)
        organic = rng.choice(len(ORGANIC_ACQUISITION), n_existing, p=ORGANIC_ACQUISITION_P)
        self.acquisition = np.array([ACQUISITION_CHANNELS.index(c) for c in ORGANIC_ACQUISITION])[organic].astype(
            np.int8
        )
        self.weight = self._weights(rng, segment)
        self._rebuild()

    @staticmethod
    def _weights(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
        return rng.gamma(0.55, 1.0, len(segment)) * np.where(segment == 1, 2.5, 1.0) + 1e-6

    def _rebuild(self) -> None:
        self._pools = []
        for s in range(len(SEGMENTS)):
            ids = np.flatnonzero(self.segment == s)
            self._pools.append((ids, self.signup[ids], np.cumsum(self.weight[ids])))

    @property
    def n(self) -> int:
        return len(self.signup)

    def available(self, days: np.ndarray, segments: np.ndarray) -> np.ndarray:
        """How many customers of each order's segment signed up before the order day."""
        out = np.zeros(len(days), dtype=np.int64)
        for s, (_, signup, _) in enumerate(self._pools):
            sel = segments == s
            out[sel] = np.searchsorted(signup, days[sel], side="left")
        return out

    def pick_repeat(self, rng: np.random.Generator, days: np.ndarray, segments: np.ndarray) -> np.ndarray:
        """Customer index (id - 1) for repeat orders; every order's pool must be non-empty (see ``available``)."""
        out = np.empty(len(days), dtype=np.int64)
        u, recent = rng.random(len(days)), rng.random(len(days)) < RECENT_SHARE
        for s, (ids, signup, cw) in enumerate(self._pools):
            sel = np.flatnonzero(segments == s)
            if not len(sel):
                continue
            top = np.searchsorted(signup, days[sel], side="left")
            lo = np.where(recent[sel], np.searchsorted(signup, days[sel] - RECENT_DAYS, side="left"), 0)
            lo = np.where(lo >= top, 0, lo)
            base = np.where(lo > 0, cw[np.maximum(lo - 1, 0)], 0.0)
            x = base + u[sel] * (cw[top - 1] - base)
            pos = np.minimum(np.searchsorted(cw, x, side="right"), top - 1)
            out[sel] = ids[pos]
        return out

    def pick_any(self, rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
        """Uniformly chosen customers who signed up before each day (for reviews written without an order)."""
        top = np.searchsorted(self.signup, days, side="left")  # ids follow sign-up order
        return np.minimum((rng.random(len(days)) * np.maximum(top, 1)).astype(np.int64), self.n - 1)

    def add(self, rng: np.random.Generator, days: np.ndarray, segments: np.ndarray, acquisition: np.ndarray) -> np.ndarray:
        """Register new customers (in order-time order); returns their indices. ``acquisition`` -1 = organic."""
        n = len(days)
        organic = rng.choice(len(ORGANIC_ACQUISITION), n, p=ORGANIC_ACQUISITION_P)
        organic_idx = np.array([ACQUISITION_CHANNELS.index(c) for c in ORGANIC_ACQUISITION])[organic]
        first = self.n
        self.signup = np.concatenate([self.signup, days.astype(np.int32)])
        self.segment = np.concatenate([self.segment, segments.astype(np.int8)])
        self.region = np.concatenate([self.region, rng.choice(len(REGIONS), n, p=_REGION_P).astype(np.int8)])
        self.city = np.concatenate([self.city, rng.choice(10, n, p=_CITY_P).astype(np.int8)])
        self.acquisition = np.concatenate(
            [self.acquisition, np.where(acquisition >= 0, acquisition, organic_idx).astype(np.int8)]
        )
        self.weight = np.concatenate([self.weight, self._weights(rng, segments)])
        self._rebuild()
        return np.arange(first, self.n)

    def columns(self) -> dict[str, np.ndarray | list[str]]:
        """The customers table as columns (city names resolved through the region)."""
        cities = np.array([c for r in REGIONS for c in CITIES[r]], dtype=object)
        return {
            "customer_id": np.arange(1, self.n + 1, dtype=np.int32),
            "signup_date": np.datetime64(START, "D") + self.signup.astype("timedelta64[D]"),
            "region": np.array(REGIONS, dtype=object)[self.region],
            "city": cities[self.region.astype(np.int64) * 10 + self.city],
            "segment": np.array(SEGMENTS, dtype=object)[self.segment],
            "acquisition_channel": np.array(ACQUISITION_CHANNELS, dtype=object)[self.acquisition],
        }
