"""Explain a change: which values of which dimension (category, subcategory, brand, product, channel, region,
segment, marketing channel) drove a metric's change between two periods, plus return and review signals for the
products involved.

One statement computes the metric in both periods split by every candidate dimension (GROUPING SETS). For sums
and counts the contribution of a value is its own change; for rates and averages it is the change in its weighted
part of the overall figure (weights: orders, reviews, product views ...), so contributions add up to (about) the
total change. A split explains a change when some values contribute far more than their share of the base would
suggest (a uniform change explains nothing) and more than their noise (a rough standard error from the rows behind
each figure); the most telling dimension is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Period, Table, ToolOutput
from shoplens.tools.compare import Cell, change_pct, parse_split, split_sql
from shoplens.tools.formatting import format_signed, format_value
from shoplens.tools.metric_query import as_period, clean_filters, filters_text
from shoplens.tools.requests import CompareRequest
from shoplens.tools.signals import product_signals

if TYPE_CHECKING:
    from shoplens.data.semantic import Metric
    from shoplens.tools.context import ToolContext

DEFAULT_DIMS = (
    "category",
    "subcategory",
    "brand",
    "product",
    "channel",
    "region",
    "segment",
    "campaign_channel",
)
#: the volume behind a rate or average, used to split its change between values
WEIGHT_BY_METRIC = {"gross_margin_pct": "revenue", "add_to_cart_rate": "product_views", "ctr": "impressions"}
WEIGHT_BY_SOURCE = {
    "sales": "orders",
    "reviews": "review_count",
    "traffic": "product_views",
    "marketing": "impressions",
    "customers": "new_customers",
}
TOP = 5
FLAT = 0.01  # a change below 1% of the base is "about flat"
NOISE_Z = 2.0
RATING_SD = 1.2  # typical spread of star ratings
SIGNAL_SHARE = 0.15  # a product gets review/return signals when it carries 15% of the change


def is_summable(m: Metric) -> bool:
    """Sums and counts (distinct counts included): a value's change is its contribution."""
    sql = (m.sql or "").upper()
    return not m.is_derived and m.unit in ("currency", "count") and "/" not in sql and "AVG(" not in sql


def contributions(
    by: dict[str, dict[str, Cell]], metric: str, weight: str | None, unit: str
) -> list[dict[str, Any]]:
    """Per value: current, previous, delta (contribution to the change), base (what a uniform change would give
    it, relative) and noise (rough standard error of delta); rates also carry rate and mix effects."""
    rows = []
    if weight is None:
        for label, cells in by.items():
            c, p = cells.get("current", {}), cells.get("previous", {})
            cur, prev = c.get(metric) or 0.0, p.get(metric) or 0.0
            nc, npv = c.get("n_rows") or 0.0, p.get("n_rows") or 0.0
            noise = math.sqrt((cur * cur / nc if nc else 0.0) + (prev * prev / npv if npv else 0.0))
            rows.append(
                {
                    "value": label,
                    "current": c.get(metric),
                    "previous": p.get(metric),
                    "delta": cur - prev,
                    "base": prev,
                    "noise": noise,
                }
            )
        return rows
    # Rates and averages: overall = sum of weight share x rate (effects: [rate, mix, change of the weight share]). A value's contribution is its rate change at its
    # average share (rate effect) plus its share change times how far its rate sits from the overall average
    # (mix effect); the two add up exactly to the change of the weighted average.
    tc = sum((cells.get("current", {}).get(weight) or 0.0) for cells in by.values())
    tp = sum((cells.get("previous", {}).get(weight) or 0.0) for cells in by.values())
    parts = []
    for label, cells in by.items():
        c, p = cells.get("current", {}), cells.get("previous", {})
        cur, prev = c.get(metric), p.get(metric)
        wc, wp = (
            (c.get(weight) or 0.0) if cur is not None else 0.0,
            (p.get(weight) or 0.0) if prev is not None else 0.0,
        )
        parts.append((label, cur, prev, wc / tc if tc else 0.0, wp / tp if tp else 0.0, wc, wp))
    overall_c = sum(sc * (rc or 0.0) for _, rc, _, sc, _, _, _ in parts)
    overall_p = sum(sp * (rp or 0.0) for _, _, rp, _, sp, _, _ in parts)
    mean_overall = (overall_c + overall_p) / 2
    for label, cur, prev, sc, sp, wc, wp in parts:
        r_avg = (
            ((cur if cur is not None else prev) + (prev if prev is not None else cur)) / 2
            if cur is not None or prev is not None
            else 0.0
        )
        rate = (sc + sp) / 2 * ((cur - prev) if cur is not None and prev is not None else 0.0)
        mix = (sc - sp) * (r_avg - mean_overall)
        se_c = _spread(wc, cur, unit) / wc if wc else 0.0
        se_p = _spread(wp, prev, unit) / wp if wp else 0.0
        rows.append(
            {
                "value": label,
                "current": cur,
                "previous": prev,
                "delta": rate + mix,
                "rate": rate,
                "mix": mix,
                "share_change": sc - sp,
                "base": (sc + sp) / 2,
                "noise": (sc + sp) / 2 * math.hypot(se_c, se_p),
            }
        )
    return rows


def _spread(w: float, r: float | None, unit: str) -> float:
    """Standard deviation of the weighted sum w * r behind one figure."""
    if r is None or w <= 0:
        return 0.0
    if unit == "percent":  # a share of counts: binomial
        q = min(max(r, 0.0), 1.0)
        return math.sqrt(w * q * (1 - q))
    if unit == "rating":
        return math.sqrt(w) * RATING_SD
    return math.sqrt(w) * abs(r)  # averages of positive amounts: coefficient of variation about 1


def score(rows: list[dict[str, Any]]) -> float:
    """How much of the change a split explains beyond a uniform change and beyond noise: each value's
    contribution minus what its share of the base would give, shrunk by two standard errors, summed over the
    three values that stand out most in the direction of the change, as a share of the change."""
    total = sum(r["delta"] for r in rows)
    base = sum(r["base"] for r in rows)
    if not rows or total == 0 or base == 0:
        return 0.0
    sign = 1.0 if total > 0 else -1.0
    aligned = sorted(
        (max(0.0, sign * (r["delta"] - r["base"] / base * total) - NOISE_Z * r["noise"]) for r in rows),
        reverse=True,
    )
    return min(sum(aligned[:3]) / abs(total), 2.0)


class DriversTool:
    """Explain why a metric changed between two periods: splits the change by category, subcategory, brand,
    product, channel, region, segment and marketing channel (or the dimension in `by`), picks the dimension whose
    values explain most of it, lists the top contributors, and for products adds return-rate and review signals.
    Use it for 'why did X drop'."""

    name = "explain_change"
    Request = CompareRequest

    def call(self, req: CompareRequest) -> ToolOutput:
        sem = self.ctx.semantic
        cur, prev = req.periods(self.ctx)
        return self.run(sem.resolve_metric(req.metric), cur, prev,
                        filters={sem.resolve_dimension(k): v for k, v in req.filters.items()},
                        dims=[sem.resolve_dimension(req.by)] if req.by else None)

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def _candidates(self, m: Metric, flt: Mapping[str, list[str]], dims: Sequence[str] | None) -> list[str]:
        sem = self.ctx.semantic
        sources = [sem.sources[s] for s in sem.metric_source_names(m)]
        out = []
        for d in dims or DEFAULT_DIMS:
            dim = sem.dimension(d)
            if not all(dim.column_for(s) for s in sources):
                continue
            if len(flt.get(dim.name, [])) == 1 or (dim.values and len(dim.values) == 1):
                continue  # pinned by a filter: nothing to split
            out.append(dim.name)
        if not out:
            raise UserInputError(
                f"{m.label} cannot be split by any dimension to explain its change.",
                hint="Ask for a comparison of the two periods instead.",
            )
        return out

    def _weight(self, m: Metric) -> str | None:
        if is_summable(m):
            return None
        sem = self.ctx.semantic
        if m.is_derived:
            raise UserInputError(
                f"The change in {m.label.lower()} cannot be split into contributions.",
                hint="Compare its parts instead (e.g. campaign revenue and ad spend by campaign).",
            )
        weight = WEIGHT_BY_METRIC.get(m.name) or WEIGHT_BY_SOURCE.get(m.source or "")
        if not weight or weight not in sem.metrics:
            raise UserInputError(
                f"The change in {m.label.lower()} cannot be split into contributions.",
                hint="Ask for a comparison by a dimension instead (e.g. '... by channel').",
            )
        return weight

    def run(
        self,
        metric: str,
        current: Any,
        previous: Any,
        filters: Mapping[str, Any] | None = None,
        dims: Sequence[str] | None = None,
    ) -> ToolOutput:
        sem = self.ctx.semantic
        m = sem.metric(metric)
        cur, prev = as_period(current, "current period"), as_period(previous, "previous period")
        flt = clean_filters(sem, filters)
        cands = self._candidates(m, flt, dims)
        weight = self._weight(m)
        metrics = [m.name] + ([weight] if weight and weight != m.name else [])
        res = self.ctx.runner.run(split_sql(sem, metrics, [("current", cur), ("previous", prev)], flt, cands))
        tot, by = parse_split(res.df, cands, [*metrics, "n_rows"])
        value, before = tot.get("current", {}).get(m.name), tot.get("previous", {}).get(m.name)
        delta = (value or 0.0) - (before or 0.0)
        splits = {d: contributions(by[d], m.name, weight, m.unit) for d in cands if len(by[d]) > 1}
        scores = {d: score(rows) for d, rows in splits.items()}
        noise = max((math.sqrt(sum(r["noise"] ** 2 for r in rows)) for rows in splits.values()), default=0.0)
        chosen = max(scores, key=lambda d: (scores[d], -cands.index(d))) if scores else None
        spread = chosen is not None and scores[chosen] <= 0
        if spread:  # nothing stands out from a uniform change: list the first split (category, ...) as is
            chosen = next(d for d in cands if d in splits)
        facts: dict[str, Any] = {
            "kind": "why",
            "metric": m.name,
            "label": m.label,
            "unit": m.unit,
            "filters": flt,
            "period": cur.to_dict(),
            "compare_period": prev.to_dict(),
            "value": value,
            "previous_value": before,
            "change_abs": delta,
            "change_pct": change_pct(value, before),
            "flat": before is not None and before != 0 and abs(delta) < FLAT * abs(before),
            "within_noise": bool(noise and abs(delta) < NOISE_Z * noise),
            "summable": weight is None,
            "dimension": chosen,
            "spread": spread,
            "contributors": [],
            "by_dimension": {},
            "signals": [],
            "weight": weight,
        }
        sign = -1.0 if delta < 0 else 1.0
        for d, rows in splits.items():
            ranked = sorted(rows, key=lambda r: -sign * r["delta"])
            facts["by_dimension"][d] = {
                "score": round(scores[d], 3),
                "top": [
                    [r["value"], r["delta"], r["delta"] / delta if delta else None]
                    for r in ranked[:TOP]
                    if sign * r["delta"] > 0
                ],
                "offset": [[r["value"], r["delta"]] for r in ranked[::-1][:2] if sign * r["delta"] < 0],
            }
            if (
                weight
            ):  # rates: how much of each top contribution is the value's own rate vs its changed weight
                facts["by_dimension"][d]["effects"] = {
                    r["value"]: [r["rate"], r["mix"], r["share_change"]] for r in ranked[:TOP]
                }
        if chosen:
            facts["contributors"] = [[lab, dl] for lab, dl, _ in facts["by_dimension"][chosen]["top"]]
        tables = self._tables(facts, splits.get(chosen or "", []), cur, prev)
        sqls = [res.sql]
        products = self._products(facts, flt)
        if products:
            facts["signals"], more = product_signals(self.ctx, products, cur, prev, flt)
            sqls += more
            if facts["signals"]:
                tables.append(_signals_table(facts["signals"], cur, prev))
        return ToolOutput(summary=self._summary(facts), tables=tables, sql=sqls, facts=facts, period=cur)

    # --- product signals: return rate and reviews of the products behind the change ------------------------
    def _products(self, facts: dict[str, Any], flt: Mapping[str, list[str]]) -> list[str]:
        if flt.get("product"):
            return list(flt["product"])[:3]
        top = facts["by_dimension"].get("product", {}).get("top", [])
        return [lab for lab, _, share in top[:2] if share is not None and share >= SIGNAL_SHARE]

    # --- presentation ----------------------------------------------------------------------------------------
    def _tables(
        self, facts: dict[str, Any], rows: list[dict[str, Any]], cur: Period, prev: Period
    ) -> list[Table]:
        d = facts["dimension"]
        if not d:
            return []
        label = self.ctx.semantic.dimension(d).label
        delta = facts["change_abs"]
        ranked = sorted(rows, key=lambda r: -abs(r["delta"]))
        out = [
            [r["value"], r["previous"], r["current"], r["delta"], r["delta"] / delta if delta else None]
            for r in ranked[:25]
        ]
        unit = facts["unit"]
        contrib = "Change" if facts["summable"] else f"Contribution ({'pts' if unit == 'percent' else unit})"
        return [
            Table(
                f"{facts['label']} by {label.lower()}: {prev.label} to {cur.label}",
                [label, prev.label, cur.label, contrib, "Share of change"],
                out,
                total_rows=len(rows),
            )
        ]

    def _summary(self, facts: dict[str, Any]) -> str:
        sem = self.ctx.semantic
        unit = facts["unit"]
        head = (
            f"{facts['label']}{', ' + filters_text(sem, facts['filters']) if facts['filters'] else ''}: "
            f"{format_value(facts['value'], unit)} in {facts['period']['label']} vs "
            f"{format_value(facts['previous_value'], unit)} in {facts['compare_period']['label']} "
            f"({format_signed(facts['change_abs'], unit)}"
            + (
                f", {format_value(facts['change_pct'], 'change')})"
                if facts["change_pct"] is not None
                else ")"
            )
            + (" - within normal variation" if facts["within_noise"] else "")
        )
        lines = [head]
        for d, info in sorted(facts["by_dimension"].items(), key=lambda t: -t[1]["score"]):
            tops = "; ".join(f"{lab} {format_signed(dl, unit)}" for lab, dl, _ in info["top"][:3])
            mark = " <- explains most" if d == facts["dimension"] else ""
            lines.append(
                f"- by {d} (score {info['score']:.2f}){mark}: {tops or 'no value moved with the change'}"
            )
        for s in facts["signals"]:
            bits = [
                f"{k} {format_value(v[0], _unit(k))} now vs {format_value(v[1], _unit(k))} before"
                for k, v in s.items()
                if isinstance(v, list) and k not in ("moved", "complaints")
            ]
            bits += [f"negative reviews on {c['aspect']} {c['now']} now vs {c['before']} before"
                     for c in s.get("complaints") or []]
            lines.append(f"- signals for {s['product']}: {', '.join(bits)}")
        return "\n".join(lines)


def _unit(key: str) -> str:
    return {"return_rate": "percent", "negative_share": "percent", "avg_rating": "rating",
            "add_to_cart_rate": "percent", "avg_price": "currency"}.get(key, "count")


def _signals_table(signals: list[dict[str, Any]], cur: Period, prev: Period) -> Table:
    names = {
        "return_rate": "Return rate",
        "avg_rating": "Average rating",
        "review_count": "Reviews",
        "negative_share": "Negative reviews",
        "avg_price": "Average selling price",
        "product_views": "Product views",
        "add_to_cart_rate": "Add-to-cart rate",
    }
    rows = [[s["product"], label, s[k][1], s[k][0]] for s in signals for k, label in names.items() if k in s]
    rows += [[s["product"], f"Negative reviews on {c['aspect']}", c["before"], c["now"]]
             for s in signals for c in s.get("complaints") or []]
    return Table(
        f"Product signals: {prev.label} vs {cur.label}", ["Product", "Signal", prev.label, cur.label], rows
    )
