"""Plain words to a monitor: "alert me in #sales when Aurora X2 returns go above 8%" or "every Monday at 8:00 send
the weekly digest to #sales". The phrase tables are data (``words.yaml``); metrics and filter values come from
the semantic layer bound to the warehouse (product names matched loosely with rapidfuzz). The result is a
proposal that the person confirms before it is saved."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from shoplens.data.errors import UserInputError
from shoplens.data.semantic import SemanticLayer
from shoplens.tools.alerts.monitors import DigestSpec, Monitor, parse_monitor

FILTER_DIMS = ("product", "category", "subcategory", "region", "channel", "brand")


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load(resources.files("shoplens.tools.alerts").joinpath("words.yaml").read_text("utf-8"))


def is_request(text: str) -> bool:
    return re.search(rules()["request"], text.lower()) is not None


def is_confirmation(text: str) -> bool | None:
    """True for yes, False for no, None for anything else."""
    low = text.lower()
    if re.match(rules()["confirm"], low):
        return True
    if re.match(rules()["cancel"], low):
        return False
    return None


def _channels(text: str) -> list[str]:
    out = [f"slack:#{c}" for c in re.findall(r"(?<![\w&])#([\w\-]+)", text)]
    out += [f"email:{e}" for e in re.findall(r"[\w.+\-]+@[\w\-]+\.[\w.\-]+", text)]
    out += [f"webhook:{u}" for u in re.findall(r"https?://\S+", text)]
    return out or ["ui"]


def _schedule(low: str) -> str | None:
    m = re.search(rules()["schedule"], low)
    if not m:
        return None
    h = int(m.group("h") or m.group("h2") or 8)
    minute = int(m.group("m") or m.group("m2") or 0)
    if (m.group("ampm") or m.group("ampm2")) == "pm" and h < 12:
        h += 12
    day = m.group("day") or "day"
    dow = {"day": "*", "morning": "*", "weekday": "1-5"}.get(day, str(rules()["weekdays"].get(day, "*")))
    return f"{minute} {h} * * {dow}"


def _metric(low: str, semantic: SemanticLayer) -> str | None:
    best: tuple[int, str] | None = None
    for m in semantic.metrics.values():
        for word in (m.name.replace("_", " "), m.label.lower(), *m.synonyms):
            if re.search(rf"\b{re.escape(word.lower())}\b", low) and (best is None or len(word) > best[0]):
                best = (len(word), m.name)
    return best[1] if best else None


def _product(low: str, names: list[str]) -> str | None:
    """The product whose name shares the most words with the text (at least two, or its only word); rapidfuzz
    breaks ties by closeness of spelling."""
    from rapidfuzz import fuzz

    words = set(re.findall(r"[\w\-]+", low))
    scored = []
    for name in names:
        toks = [t for t in re.findall(r"[\w\-]+", name.lower()) if len(t) > 1]
        hits = sum(t in words for t in toks)
        if hits >= min(2, len(toks)):
            scored.append((hits, fuzz.partial_ratio(name.lower(), low), name))
    return max(scored)[2] if scored else None


def _filters(text: str, semantic: SemanticLayer) -> dict[str, str]:
    low, out = text.lower(), {}
    for dim in FILTER_DIMS:
        d = semantic.dimensions.get(dim)
        if d is None or not d.values:
            continue
        exact = [v for v in d.values if re.search(rf"(?<!\w){re.escape(str(v).lower())}(?!\w)", low)]
        if exact:
            out[dim] = max(exact, key=len)
        elif dim == "product" and (hit := _product(low, [str(v) for v in d.values])):
            out[dim] = hit
    if "product" in out:
        out = {k: v for k, v in out.items() if k in ("product", "channel", "region")}
    return out


def _condition(low: str, unit: str) -> dict[str, Any]:
    for rule in rules()["conditions"]:
        m = re.search(rule["pattern"], low)
        if not m:
            continue
        cond: dict[str, Any] = {"type": rule["type"]}
        n = float(m.group("n").replace(",", "")) if "n" in m.groupdict() and m.group("n") else None
        if rule["type"] == "threshold":
            is_pct = bool(m.groupdict().get("pct")) or unit == "percent"
            cond.update(op=rule["op"], value=n / 100 if is_pct and unit == "percent" else n)
        elif rule["type"] == "change":
            cond.update(op=rule["op"], pct=n, vs="last_year" if re.search(rules()["last_year"], low) else "previous")
        elif rule["type"] == "negative_reviews":
            cond.update(share=(n or 30) / 100)
        return cond
    return {"type": "forecast"}


def monitor_from_words(text: str, semantic: SemanticLayer) -> Monitor | DigestSpec:
    """The monitor (or digest) ``text`` asks for; raises UserInputError saying what is missing."""
    low = text.lower()
    channels = _channels(text)
    schedule = _schedule(low)
    dig = re.search(rules()["digest"], low)
    if dig:
        period = "day" if dig.group(1) == "daily" else "week"
        return DigestSpec(name=f"{dig.group(1)} digest", period=period, channels=channels,
                          schedule=schedule or ("0 8 * * 1" if period == "week" else "0 8 * * *"))
    filters = _filters(text, semantic)
    metric = _metric(low, semantic)
    cond = _condition(low, semantic.metric(metric).unit if metric else "")
    if cond["type"] in ("stockout", "top_complaint", "negative_reviews") and "product" not in filters:
        raise UserInputError("Which product should I watch?", hint="Name it, e.g. 'when Aurora X2 sells out'.")
    if metric is None:
        if cond["type"] in ("threshold", "change"):
            raise UserInputError("Which metric should I watch?", hint="e.g. revenue, orders, returns, AOV.")
        metric = "units" if cond["type"] == "stockout" else "revenue"
    grain = next((g for pat, g in rules()["grains"].items() if re.search(pat, low)), "day")
    scope = " ".join(filters.values()) or "shop"
    data = {"name": f"{scope} {metric} {cond['type']}"[:80], "metric": metric, "filters": filters, "grain": grain,
            "condition": cond, "channels": channels}
    if schedule:
        data["schedule"] = schedule
    return parse_monitor(data)
