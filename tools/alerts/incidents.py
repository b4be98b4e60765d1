"""Group findings into incidents: one incident gets one alert and then updates, not one alert per day per metric.

- Product findings group by product (returns, reviews and sales of one product are one story); stock-outs of a
  product are their own incident.
- Shop-level findings (totals, channels, regions, categories, subcategories) found on the same day in the same
  direction are one incident; a later finding on any of its scopes updates it.
- An incident stays open while findings keep coming; after ``gap_days`` quiet days it closes, and a new finding
  opens a new incident.
The headline of an incident is its finding with the most money at stake.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from shoplens.tools.alerts.findings import Finding

GAP_DAYS = 7
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass
class Incident:
    id: str
    family: str  # "product", "stockout" or "shop"
    key: str
    opened: dt.date
    last_seen: dt.date
    headline: Finding
    findings: dict[str, Finding] = field(default_factory=dict)  # latest finding per (kind, metric, scope)
    updates: int = 0

    @property
    def impact(self) -> float:
        return max(f.impact for f in self.findings.values())

    @property
    def severity(self) -> str:
        return max((f.severity for f in self.findings.values()), key=SEVERITY_RANK.__getitem__)

    def scopes(self) -> set[str]:
        return {f.scope for f in self.findings.values()}

    def absorb(self, f: Finding) -> None:
        self.findings[f"{f.kind}|{f.metric}|{f.scope}"] = f
        self.last_seen = max(self.last_seen, f.date)
        if f.impact > self.headline.impact:
            self.headline = f

    def alert(self) -> dict[str, Any]:
        """The alert as the CLI contract prints it."""
        h = self.headline
        return {"date": self.opened.isoformat(), "kind": h.kind, "metric": h.metric, "filters": dict(h.filters),
                "title": h.title, "severity": self.severity, "impact": round(self.impact, 2), "incident": self.id,
                "evidence": sorted({f.kind for f in self.findings.values()})}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "family": self.family, "key": self.key, "opened": self.opened.isoformat(),
                "last_seen": self.last_seen.isoformat(), "updates": self.updates, "headline": self.headline.to_dict(),
                "findings": [f.to_dict() for f in self.findings.values()]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incident:
        inc = cls(id=d["id"], family=d["family"], key=d["key"], opened=dt.date.fromisoformat(d["opened"]),
                  last_seen=dt.date.fromisoformat(d["last_seen"]), headline=Finding.from_dict(d["headline"]),
                  updates=d.get("updates", 0))
        for f in d["findings"]:
            inc.absorb(Finding.from_dict(f))
        return inc


def family_and_key(f: Finding) -> tuple[str, str]:
    if f.kind in ("stockout", "price"):
        return f.kind, f.scope
    if "product" in f.filters:
        return "product", f.filters["product"]
    return "shop", "up" if f.direction > 0 else "down"


class IncidentBook:
    """Open incidents; ``add(day, findings)`` returns (opened, updated) incidents for that day."""

    def __init__(self, incidents: list[Incident] | None = None, gap_days: int = GAP_DAYS) -> None:
        self.open: list[Incident] = list(incidents or [])
        self.gap = dt.timedelta(days=gap_days)

    def add(self, day: dt.date, findings: list[Finding]) -> tuple[list[Incident], list[Incident]]:
        self.open = [i for i in self.open if day - i.last_seen <= self.gap]
        opened: list[Incident] = []
        updated: list[Incident] = []
        for f in sorted(findings, key=lambda f: -f.impact):
            family, key = family_and_key(f)
            inc = self._match(family, key, f, day)
            if inc is None:
                inc = Incident(id=_id(family, key, day), family=family, key=key, opened=day, last_seen=day, headline=f)
                self.open.append(inc)
                opened.append(inc)
            elif inc not in opened and inc not in updated:
                inc.updates += 1
                updated.append(inc)
            inc.absorb(f)
        return opened, updated

    def _match(self, family: str, key: str, f: Finding, day: dt.date) -> Incident | None:
        for inc in self.open:
            if inc.family != family or inc.key != key:
                continue
            if family != "shop" or inc.opened == day or f.scope in inc.scopes():
                return inc
        return None


def _id(family: str, key: str, day: dt.date) -> str:
    return hashlib.sha1(f"{family}|{key}|{day.isoformat()}".encode()).hexdigest()[:12]
