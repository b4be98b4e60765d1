"""What a detector reports: a ``Finding`` (one series, one day), with its numbers, evidence and money at stake."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("forecast", "shift", "change", "threshold", "anomaly", "return_rate", "sentiment", "aspect", "stockout", "price")
#: severity by money at stake, as a share of an average day's revenue
SEVERITY_SHARE = (("high", 0.10), ("medium", 0.02))


@dataclass
class Finding:
    date: dt.date
    kind: str
    metric: str
    filters: dict[str, str]
    title: str
    direction: int  # +1 up, -1 down
    actual: float
    expected: float
    impact: float  # money at stake (currency of the shop)
    severity: str = "low"
    z: float = 0.0
    lo95: float | None = None
    hi95: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)

    @property
    def scope(self) -> str:
        """What the finding is about: ``product=Aurora X2`` or ``channel=web`` or ``shop``."""
        return ",".join(f"{k}={v}" for k, v in sorted(self.filters.items())) or "shop"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        for k in ("actual", "expected", "impact", "z", "lo95", "hi95"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 4 if k == "z" else 2)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        d = dict(d)
        d["date"] = dt.date.fromisoformat(d["date"])
        return cls(**d)


def severity_of(impact: float, daily_revenue: float) -> str:
    share = impact / daily_revenue if daily_revenue > 0 else 0.0
    for name, cut in SEVERITY_SHARE:
        if share >= cut:
            return name
    return "low"


def money(x: float) -> str:
    return f"${x:,.0f}"


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"
