"""Grounded explanations: facts computed from a result, then worded in two or three plain sentences.

``explain_facts`` returns a plain JSON-friendly dict (total, change vs the previous period and the same period last
year, largest and smallest points with their dates, top contributors to a change, trend slope, outliers). The same
facts go to the LLM, which may reword them but not invent numbers: an answer's numbers are checked against them.
``explain_text`` words the facts; ``facts["display"]`` holds each headline number exactly as the text writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import ToolOutput, jsonable
from shoplens.tools.formatting import ADDITIVE_UNITS, format_date, format_signed, format_value, infer_grain

if TYPE_CHECKING:
    import pandas as pd

ROBUST_Z = 3.5  # Iglewicz & Hoaglin's cut-off for the modified z-score
MAX_OUTLIERS = 5
TOP_CONTRIBUTORS = 3
FLAT_TREND = 0.02  # a fitted change under 2% of the mean over the whole window reads as "flat"


def _num(s: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(s, errors="coerce").astype(float)


def _headline(values: pd.Series, additive: bool) -> float | None:
    v = values.dropna()
    if v.empty:
        return None
    return float(v.sum()) if additive else float(v.mean())


def _compare(current: float | None, other: Any, measure: str, additive: bool) -> dict[str, Any] | None:
    import pandas as pd

    if other is None or current is None:
        return None
    if isinstance(other, pd.DataFrame):
        if measure not in other.columns:
            raise UserInputError(
                f"The comparison frame has no column {measure!r}; columns: {', '.join(other.columns)}."
            )
        base = _headline(_num(other[measure]), additive)
    else:
        base = None if other is None else float(other)
    if base is None or not np.isfinite(base):
        return None
    change = current - base
    return {"value": base, "change": change, "change_pct": change / abs(base) if base else None}


def robust_outliers(values: np.ndarray, threshold: float = ROBUST_Z) -> list[tuple[int, float]]:
    """(index, modified z) of points whose modified z-score (0.6745 (x - median) / MAD) exceeds the threshold."""
    x = np.asarray(values, dtype=float)
    ok = np.isfinite(x)
    if ok.sum() < 5:
        return []
    med = float(np.median(x[ok]))
    mad = float(np.median(np.abs(x[ok] - med)))
    if mad == 0:
        mean_ad = float(np.mean(np.abs(x[ok] - med)))
        if mean_ad == 0:
            return []
        z = (x - med) / (1.253314 * mean_ad)
    else:
        z = 0.6745 * (x - med) / mad
    idx = [i for i in np.flatnonzero(ok) if abs(z[i]) > threshold]
    return sorted(((int(i), float(z[i])) for i in idx), key=lambda t: -abs(t[1]))


def theil_sen(t: np.ndarray, y: np.ndarray, max_points: int = 1500) -> float:
    """Median of pairwise slopes: a trend that one spike (a promotion, an outage) cannot drag."""
    if len(t) > max_points:  # evenly thinned: O(n^2) pairs stay bounded
        keep = np.linspace(0, len(t) - 1, max_points).round().astype(int)
        t, y = t[keep], y[keep]
    i, j = np.triu_indices(len(t), k=1)
    return float(np.median((y[j] - y[i]) / (t[j] - t[i])))


def trend(values: np.ndarray) -> dict[str, Any] | None:
    """Robust (Theil-Sen) slope per period, the same as % of the mean level per period, the direction, and the R²
    of a least-squares line (how much of the variation a straight trend explains)."""
    y = np.asarray(values, dtype=float)
    t = np.arange(len(y), dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return None
    slope = theil_sen(t[ok], y[ok])
    ls_slope, ls_icpt = np.polyfit(t[ok], y[ok], 1)
    ss_res = float(np.sum((y[ok] - (ls_slope * t[ok] + ls_icpt)) ** 2))
    ss_tot = float(np.sum((y[ok] - y[ok].mean()) ** 2))
    mean = float(np.mean(np.abs(y[ok])))
    pct = float(slope / mean) if mean else None
    whole = abs(slope) * (t[ok][-1] - t[ok][0]) / mean if mean else 0.0
    direction = "flat" if whole < FLAT_TREND else ("up" if slope > 0 else "down")
    return {
        "slope_per_period": slope,
        "pct_per_period": pct,
        "direction": direction,
        "method": "theil-sen",
        "r2": 1 - ss_res / ss_tot if ss_tot else 0.0,
    }


def explain_facts(
    df: pd.DataFrame,
    measure: str,
    *,
    unit: str = "number",
    time_col: str | None = None,
    dimension: str | None = None,
    previous: Any = None,
    last_year: Any = None,
    total: float | None = None,
    grain: str | None = None,
) -> dict[str, Any]:
    """Facts about ``measure`` in ``df``.

    - ``time_col``: the date column (one row per period, or per period and ``dimension``).
    - ``dimension``: a category column; gives shares, largest/smallest categories and contributors to a change.
    - ``previous`` / ``last_year``: the same query for the previous period / same period last year, as a frame with
      the measure (and ``dimension`` for contributors) or as a single number.
    - ``total``: the period's true headline when it is not a sum of rows (e.g. a return rate over all orders).
    """
    import pandas as pd

    if measure not in df.columns:
        raise UserInputError(
            f"Column {measure!r} is not in the result; columns: {', '.join(map(str, df.columns))}."
        )
    additive = unit in ADDITIVE_UNITS
    data = df.copy()
    data[measure] = _num(data[measure])
    value = float(total) if total is not None else _headline(data[measure], additive)
    facts: dict[str, Any] = {
        "metric": measure,
        "unit": unit,
        "aggregate": "sum" if additive else "mean",
        "rows": int(len(data)),
        "value": value,
    }
    if additive:
        facts["total"] = value
    if total is not None:
        facts["given_total"] = True
    if (prev := _compare(value, previous, measure, additive)) is not None:
        facts["previous"] = prev
    if (ly := _compare(value, last_year, measure, additive)) is not None:
        facts["last_year"] = ly
    how = "sum" if additive else "mean"
    if time_col:
        data[time_col] = pd.to_datetime(data[time_col], errors="coerce")
        series = data.dropna(subset=[time_col]).groupby(time_col)[measure].agg(how).sort_index()
        _time_facts(facts, series, grain or infer_grain(series.index))
    if dimension:
        by_dim = data.groupby(dimension, sort=False)[measure].agg(how).sort_values(ascending=False)
        _dimension_facts(facts, by_dim, additive, point_facts=not time_col)
        if isinstance(previous, pd.DataFrame) and dimension in previous.columns and additive:
            facts["contributors"] = contributors(data, previous, measure, dimension)
    facts["display"] = _display(facts, unit)
    return jsonable(facts)


def _time_facts(facts: dict[str, Any], series: pd.Series, grain: str) -> None:
    if series.empty:
        return
    vals = series.to_numpy(dtype=float)
    dates = [ts.to_pydatetime() if grain == "hour" else ts.date() for ts in series.index]
    facts.update({"grain": grain, "periods": len(vals), "start": dates[0], "end": dates[-1]})
    if np.isfinite(vals).any():
        hi, lo = int(np.nanargmax(vals)), int(np.nanargmin(vals))
        facts["max"] = {"value": float(vals[hi]), "at": dates[hi], "label": format_date(dates[hi], grain)}
        facts["min"] = {"value": float(vals[lo]), "at": dates[lo], "label": format_date(dates[lo], grain)}
        facts["latest"] = {"value": float(vals[-1]), "at": dates[-1], "label": format_date(dates[-1], grain)}
    if (tr := trend(vals)) is not None:
        facts["trend"] = tr
    facts["outliers"] = [
        {
            "at": dates[i],
            "label": format_date(dates[i], grain),
            "value": float(vals[i]),
            "robust_z": round(z, 2),
            "direction": "high" if z > 0 else "low",
        }
        for i, z in robust_outliers(vals)[:MAX_OUTLIERS]
    ]


def _dimension_facts(facts: dict[str, Any], by_dim: pd.Series, additive: bool, *, point_facts: bool) -> None:
    by_dim = by_dim.dropna()
    if by_dim.empty:
        return
    facts["categories"] = int(len(by_dim))
    if point_facts:
        facts["max"] = {"value": float(by_dim.iloc[0]), "name": str(by_dim.index[0])}
        facts["min"] = {"value": float(by_dim.iloc[-1]), "name": str(by_dim.index[-1])}
    if additive:
        whole = float(by_dim.sum())
        facts["shares"] = [
            {"name": str(k), "value": float(v), "share": float(v / whole) if whole else None}
            for k, v in by_dim.head(5).items()
        ]


def contributors(
    current: pd.DataFrame, previous: pd.DataFrame, measure: str, dimension: str, top: int = TOP_CONTRIBUTORS
) -> list[dict[str, Any]]:
    """The dimension values that moved the total most between two periods, with their share of the change."""
    import pandas as pd

    cur = current.groupby(dimension)[measure].sum()
    prev = _num(previous[measure]).groupby(previous[dimension]).sum()
    both = pd.concat([cur.rename("cur"), prev.rename("prev")], axis=1).fillna(0.0)
    both["delta"] = both["cur"] - both["prev"]
    total_delta = float(both["delta"].sum())
    ranked = both.reindex(both["delta"].abs().sort_values(ascending=False).index).head(top)
    return [
        {
            "name": str(k),
            "change": float(r.delta),
            "previous": float(r.prev),
            "current": float(r.cur),
            "change_pct": float(r.delta / abs(r.prev)) if r.prev else None,
            "share_of_change": float(r.delta / total_delta) if total_delta else None,
        }
        for k, r in ranked.iterrows()
    ]


def _display(facts: dict[str, Any], unit: str) -> dict[str, str]:
    d = {"value": format_value(facts.get("value"), unit)}
    for key in ("previous", "last_year"):
        if key in facts and facts[key].get("change_pct") is not None:
            d[f"{key}_change_pct"] = format_value(facts[key]["change_pct"], "change")
        if key in facts:
            d[f"{key}_change"] = format_signed(facts[key]["change"], unit)
    for key in ("max", "min", "latest"):
        if key in facts:
            d[key] = format_value(facts[key]["value"], unit)
    if facts.get("trend") and facts["trend"].get("pct_per_period") is not None:
        d["trend_pct_per_period"] = format_value(facts["trend"]["pct_per_period"], "change")
    return d


# ---- words ---------------------------------------------------------------------------------------------------
_WHEN = {
    "hour": "at {}",
    "day": "on {}",
    "week": "in the {}",
    "month": "in {}",
    "quarter": "in {}",
    "year": "in {}",
}
_PER = {
    "hour": "an hour",
    "day": "a day",
    "week": "a week",
    "month": "a month",
    "quarter": "a quarter",
    "year": "a year",
}


def _change_words(cmp: dict[str, Any], what: str, unit: str) -> str:
    pct = cmp.get("change_pct")
    if pct is None:
        return f"{format_signed(cmp['change'], unit)} on {what}"
    if abs(pct) < 0.0005:
        return f"flat on {what}"
    return f"{'up' if pct > 0 else 'down'} {format_value(abs(pct), 'percent')} on {what}"


def explain_text(
    facts: dict[str, Any],
    metric_label: str,
    period_label: str = "",
    filters_text: str = "",
    unit: str | None = None,
) -> str:
    """Two or three plain sentences stating the period and filters, built only from ``facts``."""
    unit = unit or facts.get("unit") or "number"
    metric = metric_label.strip() or str(facts.get("metric", "The value"))
    scope = f" for {period_label}" if period_label else ""
    scope += f" ({filters_text})" if filters_text else ""
    verb = {"sum": "totalled", "mean": "averaged"}.get(str(facts.get("aggregate")), "was")
    if facts.get("given_total") or metric.lower().startswith(("average", "avg", "mean")):
        verb = "was"  # "Average rating averaged 4.2" reads badly
    value = format_value(facts.get("value"), unit)
    first = f"{metric[:1].upper()}{metric[1:]}{scope} {verb} {value}"
    changes = [
        _change_words(facts[k], w, unit)
        for k, w in (("previous", "the previous period"), ("last_year", "the same period last year"))
        if k in facts
    ]
    sentences = [first + (", " + " and ".join(changes) if changes else "") + "."]

    grain = facts.get("grain")
    mx, mn = facts.get("max"), facts.get("min")
    if mx and mn and grain and "at" in mx:
        when = _WHEN.get(grain, "on {}")
        s = (
            f"It peaked at {format_value(mx['value'], unit)} {when.format(mx['label'])} and was lowest at "
            f"{format_value(mn['value'], unit)} {when.format(mn['label'])}"
        )
        tr = facts.get("trend")
        if tr and tr.get("pct_per_period") is not None:
            if tr["direction"] == "flat":
                s += "; the trend is flat"
            else:
                s += (
                    f"; the trend is {tr['direction']} about {format_value(abs(tr['pct_per_period']), 'percent')} "
                    f"{_PER.get(grain, 'a period')}"
                )
        sentences.append(s + ".")
    elif mx and mn and "name" in mx and mx["name"] != mn["name"]:
        share = next((sh["share"] for sh in facts.get("shares", []) if sh["name"] == mx["name"]), None)
        share_txt = f" ({format_value(share, 'percent')} of the total)" if share is not None else ""
        sentences.append(
            f"{mx['name']} was the largest at {format_value(mx['value'], unit)}{share_txt} and "
            f"{mn['name']} the smallest at {format_value(mn['value'], unit)}."
        )

    third = _third_sentence(facts, unit)
    if third:
        sentences.append(third)
    return " ".join(sentences[:3])


def _third_sentence(facts: dict[str, Any], unit: str) -> str:
    contrib = [c for c in facts.get("contributors", []) if c.get("change")]
    if contrib:
        parts = [f"{c['name']} ({format_signed(c['change'], unit)})" for c in contrib[:2]]
        return (
            f"The biggest movers were {' and '.join(parts)}."
            if len(parts) > 1
            else f"The biggest mover was {parts[0]}."
        )
    outliers = facts.get("outliers") or []
    if outliers:
        o = outliers[0]
        more = f" (and {len(outliers) - 1} more)" if len(outliers) > 1 else ""
        label = o["label"]
        label = f"The {label}" if label.startswith("week of") else label
        return (
            f"{label[:1].upper()}{label[1:]} stands out at {format_value(o['value'], unit)}, well "
            f"{'above' if o['direction'] == 'high' else 'below'} the usual level{more}."
        )
    return ""


def explain(
    df: pd.DataFrame,
    measure: str,
    *,
    metric_label: str,
    period_label: str = "",
    filters_text: str = "",
    unit: str = "number",
    time_col: str | None = None,
    dimension: str | None = None,
    previous: Any = None,
    last_year: Any = None,
    total: float | None = None,
) -> ToolOutput:
    """Explain a result in two or three sentences: total, changes, peak and low, trend, biggest movers, outliers.

    Returns the sentences as the summary and the numbers behind them as facts (nothing else may be quoted).
    """
    facts = explain_facts(
        df,
        measure,
        unit=unit,
        time_col=time_col,
        dimension=dimension,
        previous=previous,
        last_year=last_year,
        total=total,
    )
    text = explain_text(facts, metric_label, period_label, filters_text, unit)
    return ToolOutput(summary=text, facts=facts)
