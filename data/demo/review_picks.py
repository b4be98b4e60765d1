"""Which order lines get a review, with what rating and when; the text comes from ``demo_reviews``.

About 5% of delivered order lines are reviewed (more for returned orders, fewer for groceries), a few days to a
few weeks after the order, by the order's customer; a small share of reviews has no order (written by a customer
who bought elsewhere). Ratings follow each product's quality with the J-shaped spread of real shops; returned
orders and the Aurora X2 defect batch pull them down. Reviews dated after the end of the period are not written.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from shoplens.data.demo.catalog import AURORA_X2, LUNA_GLOW, Catalog
from shoplens.data.demo.customers import CustomerBook
from shoplens.data.demo.demand import DEFECT_END, DEFECT_START, VIRAL_START, Demand
from shoplens.data.demo.sales import STATUS_CANCELLED, STATUS_RETURNED, MonthSales

FLAG_RETURNED, FLAG_DEFECT, FLAG_FIXED, FLAG_VIRAL, FLAG_NO_ORDER = 1, 2, 4, 8, 16
REVIEW_RATE = 0.05
NO_ORDER_SHARE = 0.065
_CATEGORY_RATE = {"Grocery": 0.6, "Books": 1.25, "Electronics": 1.15, "Beauty": 1.1}
#: Star distributions (1..5) of satisfied and dissatisfied buyers, and of the defective batch.
_HAPPY = np.array([0.01, 0.02, 0.07, 0.25, 0.65])
_UNHAPPY = np.array([0.42, 0.26, 0.16, 0.11, 0.05])
_DEFECT = np.array([0.58, 0.26, 0.09, 0.04, 0.03])
_HAPPY_MEAN, _UNHAPPY_MEAN = float(_HAPPY @ np.arange(1, 6)), float(_UNHAPPY @ np.arange(1, 6))
AURORA_FIXED_QUALITY = 4.45


@dataclass
class ReviewMeta:
    product: np.ndarray
    customer: np.ndarray  # customer index, -1 = none
    order_id: np.ndarray  # -1 = none
    day: np.ndarray  # review day index
    rating: np.ndarray
    flags: np.ndarray

    @classmethod
    def concat(cls, parts: list[ReviewMeta]) -> ReviewMeta:
        """All reviews ordered by date (then order and product), the order review ids follow."""
        cols = {f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        perm = np.lexsort((cols["product"], cols["order_id"], cols["day"]))
        return cls(**{k: v[perm] for k, v in cols.items()})

    def __len__(self) -> int:
        return len(self.product)


def _ratings(rng: np.random.Generator, happy_p: np.ndarray, defect: np.ndarray) -> np.ndarray:
    probs = np.where((rng.random(len(happy_p)) < happy_p)[:, None], _HAPPY[None, :], _UNHAPPY[None, :])
    probs = np.where(defect[:, None], _DEFECT[None, :], probs)
    u = rng.random(len(happy_p))[:, None]
    return (1 + np.minimum((u > np.cumsum(probs, axis=1)).sum(axis=1), 4)).astype(np.int8)


def _happy_share(quality: np.ndarray) -> np.ndarray:
    return np.clip((quality - _UNHAPPY_MEAN) / (_HAPPY_MEAN - _UNHAPPY_MEAN), 0.0, 1.0)


def pick_reviews(
    rng: np.random.Generator, sales: MonthSales, dem: Demand, cat: Catalog, book: CustomerBook, a: int, b: int
) -> ReviewMeta:
    cal = dem.cal
    aurora, luna = cat.id_of(AURORA_X2), cat.id_of(LUNA_GLOW)
    status = sales.status[sales.line_order]
    o_day = sales.order_day[sales.line_order]
    prod = sales.product
    returned = status == STATUS_RETURNED
    defect = (prod == aurora) & (o_day >= cal.index(DEFECT_START)) & (o_day <= cal.index(DEFECT_END))
    defect &= rng.random(len(prod)) < 0.93
    rate = REVIEW_RATE * np.array([_CATEGORY_RATE.get(c, 1.0) for c in cat.categories])[prod]
    rate = rate * np.where(returned, 2.2, 1.0) * np.where(defect, 3.2, 1.0)
    pick = (status != STATUS_CANCELLED) & (rng.random(len(prod)) < rate)
    prod, o_day, returned, defect = prod[pick], o_day[pick], returned[pick], defect[pick]
    fixed = (prod == aurora) & (o_day > cal.index(DEFECT_END)) & (rng.random(len(prod)) < 0.4)
    viral_end = cal.index(date(2024, 8, 31))
    viral = (prod == luna) & (o_day >= cal.index(VIRAL_START)) & (o_day <= viral_end) & (rng.random(len(prod)) < 0.4)

    quality = cat.quality[prod].copy()
    quality[(prod == aurora) & (o_day > cal.index(DEFECT_END))] = AURORA_FIXED_QUALITY
    happy = _happy_share(quality) * np.where(returned, 0.3, 1.0) * np.where(viral, 0.9, 1.0)
    rating = _ratings(rng, happy, defect)
    lag = 3 + np.floor(rng.exponential(8.0, len(prod))).astype(np.int64) + 4 * returned
    flags = (FLAG_RETURNED * returned + FLAG_DEFECT * defect + FLAG_FIXED * fixed + FLAG_VIRAL * viral).astype(np.int8)
    order = sales.order_id[sales.line_order[pick]]
    customer = sales.customer[sales.line_order[pick]]

    # reviews without an order: a product bought elsewhere, by a known customer
    n_extra = rng.poisson(NO_ORDER_SHARE * len(prod))
    x_prod = sales.product[rng.integers(0, max(len(sales.product), 1), n_extra)] if len(sales.product) else prod[:0]
    n_extra = len(x_prod)
    x_day = rng.integers(a, b, n_extra)
    x_rating = _ratings(rng, _happy_share(cat.quality[x_prod]), np.zeros(n_extra, bool))
    x_customer = book.pick_any(rng, x_day)

    day = np.r_[o_day + lag, x_day + np.floor(rng.exponential(4.0, n_extra)).astype(np.int64)]
    keep = day < cal.n
    meta = ReviewMeta(
        product=np.r_[prod, x_prod], customer=np.r_[customer, x_customer], order_id=np.r_[order, -np.ones(n_extra, np.int64)],
        day=day, rating=np.r_[rating, x_rating], flags=np.r_[flags, np.full(n_extra, FLAG_NO_ORDER, np.int8)],
    )
    return ReviewMeta(**{f.name: getattr(meta, f.name)[keep] for f in fields(ReviewMeta)})
