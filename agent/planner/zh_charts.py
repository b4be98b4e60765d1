"""Charts for Chinese questions: the chart the executor drew, redrawn with Chinese title, labels and values.

``chinese_chart(chart, facts, tool)`` reads the chart's own files (the plotted numbers as CSV, the resolved spec) and
draws them again through the chart tool with the title, axis and legend labels, period and the shop's values in
Chinese (``prompts/zh_answers.yaml``); the chart tool picks a CJK font (``tools/charts/cjk.py``). When anything is
missing the original chart is kept: a chart in English is better than none.
"""

from __future__ import annotations

from typing import Any

from shoplens.agent.planner import zh_wording as zw
from shoplens.data.errors import ShopLensError

_KIND_WORDS = {"forecast": "预测", "scatter": "对比"}


def chinese_chart(chart: Any, facts: dict[str, Any], tool: Any, currency: str = "") -> tuple[Any, list[str]]:
    """(the Chinese chart, its warnings); the original chart and no warnings when it cannot be redrawn. Numbers
    are written in 万/亿 with ``currency`` (the shop's symbol, $ when empty), dates as 2026年5月."""
    import pandas as pd

    spec = dict(chart.spec or {})
    try:
        df = pd.read_csv(chart.data)
    except (OSError, ValueError):
        return chart, []
    x = spec.get("x")
    if x in df.columns and (x in ("period", "ds", "date") or str(x).endswith("date")):
        df[x] = pd.to_datetime(df[x], errors="coerce")
    for col in df.columns:
        if df[col].dtype == object or str(df[col].dtype) in ("str", "string"):
            df[col] = df[col].map(lambda v: _value(v))
    labels = {str(k): _label(str(k), str(v)) for k, v in (spec.get("labels") or {}).items()}
    spec["labels"] = labels
    spec["title"] = _title(spec, facts, labels)
    spec["subtitle"] = ""
    spec["period_label"] = zw.period_zh(facts.get("period")) or spec.get("period_label", "")
    spec["filters"] = {zw.dim_zh(d): [zw.answers()["values"].get(str(v), str(v)) for v in vals]
                       for d, vals in (spec.get("filters") or {}).items()}
    spec["lang"], spec["currency"] = "zh", currency
    spec["events"] = []  # event names are English; the Chinese chart leaves them out
    spec.pop("annotations", None)
    try:
        out = tool.render(spec, df, explanation=chart.explanation)
    except (ShopLensError, ValueError, KeyError, TypeError):
        return chart, []
    return (out.charts[0] if out.charts else chart), list(out.warnings)


def _value(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    zh = zw.answers()["values"].get(v)
    return zh if zh else v


def _label(key: str, english: str) -> str:
    if key in ("period", "ds", "date"):
        return "日期"
    if key == "expected":
        return "正常水平"
    names = zw.answers()
    return str(names["metrics"].get(key) or names["dimensions"].get(key) or english)


def _title(spec: dict[str, Any], facts: dict[str, Any], labels: dict[str, str]) -> str:
    ys = spec.get("y") or []
    metric = labels.get(ys[0], "") if ys else ""
    metric = zw.metric_zh(facts.get("metric"), metric) or metric
    kind = spec.get("kind") or ""
    by = [labels.get(str(d), str(d)) for d in (spec.get("x"), spec.get("series")) if d and d != "period"]
    if kind in _KIND_WORDS:
        return f"{metric}{_KIND_WORDS[kind]}"
    grain = facts.get("grain")
    if spec.get("x") == "period" and grain:
        head = f"每{zw.answers()['grains'].get(grain, grain)}{metric}"
    else:
        head = metric
    if facts.get("kind") == "top" and spec.get("top_n"):
        order = zw.answers()["order"].get(facts.get("order", "desc"), "")
        return f"{head}{order}的{spec['top_n']}个{by[0] if by else ''}"
    return head + (f"（按{'、'.join(by)}）" if by else "")
