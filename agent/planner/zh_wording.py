"""Answers in Chinese for Chinese questions: the same facts, worded from the templates in prompts/zh_answers.yaml.

``in_chinese(events, plan)`` wraps the executor's events: the English answer text is held back and replaced, once
the facts arrive (``AnswerMeta``), by the Chinese answer written from those facts; notes become Chinese notes.
Numbers use 万/亿 (``tools/formatting.py`` with ``lang="zh"``). A kind with no Chinese template keeps the English details after a
Chinese lead, so nothing the answer said is lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import Any

import yaml

from shoplens.agent.events import AnswerMeta, ChartArtifact, Event, Notice, TableArtifact, TextDelta
from shoplens.agent.planner.plan import Plan
from shoplens.tools.formatting import format_date, format_signed, format_value, number_style

MAX_ROWS = 8
format_value_zh = functools.partial(format_value, lang="zh")
format_signed_zh = functools.partial(format_signed, lang="zh")
format_date_zh = functools.partial(format_date, lang="zh")
Redraw = Callable[[Any, dict[str, Any]], tuple[Any, list[str]]]
Retable = Callable[[Any, dict[str, Any], bool], Any]


@functools.cache
def answers() -> dict[str, Any]:
    text = resources.files("shoplens.prompts").joinpath("zh_answers.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def _t(template: str, **kw: Any) -> str:
    return str(answers()["templates"][template]).format(**kw)


def metric_zh(name: str | None, fallback: str = "") -> str:
    return str(answers()["metrics"].get(name or "", fallback or name or ""))


def dim_zh(name: str | None, fallback: str = "") -> str:
    return str(answers()["dimensions"].get(name or "", fallback or name or ""))


def value_zh(value: Any) -> str:
    """'Beauty' -> '美妆（Beauty）' where the lexicon knows a Chinese name; other values as stored."""
    zh = answers()["values"].get(str(value))
    return f"{zh}（{value}）" if zh and zh != str(value) else str(value)


def period_zh(p: Mapping[str, Any] | None) -> str:
    """A period in words: 2025年, 2025年第1季度, 2025年3月, 2025年3月14日, or 2025年3月1日至2025年3月9日."""
    if not p or not p.get("start"):
        return ""
    try:
        s, e = dt.date.fromisoformat(str(p["start"])[:10]), dt.date.fromisoformat(str(p["end"])[:10])
    except ValueError:
        return str(p.get("label", ""))
    if s == e:
        return format_date_zh(s)
    month_end = (e + dt.timedelta(days=1)).day == 1
    if (s.day == 1 and month_end and s.year == e.year and not (s.month == 1 and e.month == 12)
            and (e.month - s.month + 1, s.month % 3) != (3, 1) and s.month != e.month):
        return f"{s.year}年{s.month}-{e.month}月"
    if s.day == 1 and month_end:
        months = (e.year - s.year) * 12 + e.month - s.month + 1
        if months == 12 and s.month == 1:
            return format_date_zh(s, "year")
        if months == 3 and s.month % 3 == 1:
            return format_date_zh(s, "quarter")
        if months == 1:
            return format_date_zh(s, "month")
    return f"{format_date_zh(s)}至{format_date_zh(e)}"


def filters_zh(filters: Mapping[str, Any] | None) -> str:
    parts = [f"{dim_zh(d)}：{'、'.join(value_zh(v) for v in vals)}" for d, vals in (filters or {}).items() if vals]
    return "，".join(parts)


def _scope(facts: Mapping[str, Any]) -> str:
    bits = [b for b in (filters_zh(facts.get("filters")), period_zh(facts.get("period"))) if b]
    return f"（{'，'.join(bits)}）" if bits else ""


def _v(value: Any, facts: Mapping[str, Any]) -> str:
    return format_value_zh(value, facts.get("unit"))


def _change(facts: Mapping[str, Any]) -> dict[str, str]:
    return {"change_pct": format_value_zh(facts.get("change_pct"), "change") if facts.get("change_pct") is not None
            else "无", "change_abs": format_signed_zh(facts.get("change_abs"), facts.get("unit"))}


# --- one function per kind -------------------------------------------------------------------------------------
def figure(f: Mapping[str, Any]) -> str:
    label = metric_zh(f.get("metric"), f.get("label", ""))
    if f.get("share_of") or f.get("share_in"):
        return _t("share_of", label=label, scope=_scope(f), value=format_value_zh(f.get("value"), "percent"))
    text = _t("figure", label=label, scope=_scope(f), value=_v(f.get("value"), f))
    if f.get("per"):
        text += _t("per", grain=answers()["grains"].get(f["per"], f["per"]))
    if f.get("previous_value") is not None and f.get("compare_period"):
        text += _t("change", compare_period=period_zh(f["compare_period"]), previous=_v(f["previous_value"], f),
                   **_change(f))
    for name, more in (f.get("also") or {}).items():
        text += _t("also", label=metric_zh(name, more.get("label", "")),
                   value=format_value_zh(more.get("value"), more.get("unit")))
    return text + "。"


def grouped(f: Mapping[str, Any]) -> str:
    label = metric_zh(f.get("metric"), f.get("label", ""))
    dims = f.get("group_by") or []
    dim = "、".join(dim_zh(d) for d in dims) or str(f.get("dimension_label", ""))
    rows = f.get("rows") or []
    if not rows:
        return _t("grouped_head", label=label, scope=_scope(f), dimension=dim) + _t("no_data")
    shares = {str(r[0]): r[1] for r in f.get("shares") or [] if len(r) > 1}
    if f.get("kind") == "top":
        order = answers()["order"].get(f.get("order", "desc"), "")
        head = _t("top_head", label=label, scope=_scope(f), order=order, n=len(rows), dimension=dim)
    else:
        head = _t("grouped_head", label=label, scope=_scope(f), dimension=dim)
    lines = []
    for r in rows[:MAX_ROWS]:
        name, value = " / ".join(value_zh(x) for x in r[:-1]), r[-1]
        if shares.get(str(r[0])) is not None and len(r) == 2:
            lines.append(_t("row_share", name=name, value=_v(value, f),
                            share=format_value_zh(shares[str(r[0])], "percent")))
        else:
            lines.append(_t("row", name=name, value=_v(value, f)))
    more = f"\n（共 {f.get('n_groups') or len(rows)} 项，表格里有全部数据）" if len(rows) > MAX_ROWS else ""
    return head + "\n\n" + "\n".join(lines) + more


def compare(f: Mapping[str, Any]) -> str:
    if f.get("rows") and not f.get("by_rows"):
        return grouped({**f, "kind": "breakdown", "group_by": f.get("group_by")})
    filt = filters_zh(f.get("filters"))
    text = _t("compare", label=metric_zh(f.get("metric"), f.get("label", "")), filters=f"（{filt}）" if filt else "",
              period=period_zh(f.get("period")), value=_v(f.get("value"), f),
              compare_period=period_zh(f.get("compare_period")), previous=_v(f.get("previous_value"), f),
              **_change(f))
    if f.get("per"):  # "日均": each period's average per day
        text += _t("per", grain=answers()["grains"].get(f["per"], f["per"]))
    text += "。" + _t("compare_noise") if f.get("within_noise") else "。"
    rows = f.get("by_rows") or []
    if rows:  # each value's two periods, the largest changes first
        lines = [f"- {value_zh(lab)}：{_v(c, f)} 对比 {_v(p, f)}"
                 + (f"，{format_signed_zh(d, f.get('unit'))}" if d is not None else "")
                 + (f"（{format_value_zh(pct, 'change')}）" if pct is not None and f.get("unit") != "percent" else "")
                 for lab, c, p, d, pct in rows[:10]]
        text += f"\n\n按{dim_zh(f.get('by'), str(f.get('dimension_label', '')))}看，变化最大的在前：\n\n" + "\n".join(lines)
    return text


def trend(f: Mapping[str, Any]) -> str:
    if f.get("rows") and not f.get("series"):
        return grouped(f)
    label = metric_zh(f.get("metric"), f.get("label", ""))
    grain = str(f.get("grain") or "month")
    series = f.get("series") or []
    if not series or not f.get("peak"):
        return _t("grouped_head", label=label, scope=_scope(f), dimension=answers()["grains"].get(grain, grain)) \
            + "\n\n" + "\n".join(_t("row", name=format_date_zh(d, grain), value=_v(v, f)) for d, v in series[:24])
    first, last, peak, low = f.get("first") or series[0], f.get("last") or series[-1], f["peak"], f.get("low") or f["peak"]
    text = _t("trend", label=label, scope=_scope(f), grain=answers()["grains"].get(grain, grain), n=len(series),
              first=_v(first[1], f), first_date=format_date_zh(first[0], grain), last=_v(last[1], f),
              last_date=format_date_zh(last[0], grain), peak=_v(peak[1], f), peak_date=format_date_zh(peak[0], grain),
              low=_v(low[1], f), low_date=format_date_zh(low[0], grain))
    if f.get("total") is not None and f.get("unit") in ("currency", "count"):
        text += _t("trend_total", total=_v(f["total"], f))
    return text


def forecast(f: Mapping[str, Any]) -> str:
    fc = f.get("forecast") or {}
    filt = filters_zh(f.get("filters"))
    return _t("forecast", label=metric_zh(f.get("metric"), f.get("label", "")), filters=f"（{filt}）" if filt else "",
              horizon=fc.get("horizon", ""), grain=answers()["grains"].get(fc.get("grain", ""), fc.get("grain", "")),
              total=_v(fc.get("total"), f), lo=_v(fc.get("lo"), f), hi=_v(fc.get("hi"), f), model=fc.get("model", ""))


def reviews(f: Mapping[str, Any]) -> str:
    r = f.get("reviews_facts") or {}
    if not r.get("reviews"):
        return f"**评价**{_scope(f)}：" + _t("no_data")
    text = _t("reviews", scope=_scope(f), positive=format_value_zh(r.get("share_positive"), "percent"),
              neutral=format_value_zh(r.get("share_neutral"), "percent") if r.get("share_neutral") is not None
              else "—", negative=format_value_zh(r.get("share_negative"), "percent"))
    text += f"共 {format_value_zh(r['reviews'], 'count')} 条评价"
    if r.get("avg_rating") is not None:
        text += f"，平均评分 {format_value_zh(r['avg_rating'], 'rating')}"
    text += "。"
    for key, name in (("top_negative_aspects", "reviews_aspects"), ("top_positive_aspects", "reviews_praise")):
        aspects = r.get(key) or {}
        if aspects:
            text += "\n\n" + _t(name, aspects="、".join(f"{a}（{c}）" for a, c in list(aspects.items())[:5]))
    return text


def anomalies(f: Mapping[str, Any]) -> str:
    label = metric_zh(f.get("metric"), f.get("label", ""))
    found = f.get("anomalies") or []
    grain = str(f.get("grain") or "day")
    if not found:
        return _t("anomalies_none", label=label, scope=_scope(f), n=f.get("points_checked", 0))
    lines = [_t("anomaly_row", date=format_date_zh(a["date"], grain), value=_v(a.get("value"), f),
                expected=_v(a.get("expected"), f)) for a in found[:MAX_ROWS]]
    return _t("anomalies_head", label=label, scope=_scope(f)) + "\n\n" + "\n".join(lines)


def why(f: Mapping[str, Any]) -> str:
    filt = filters_zh(f.get("filters"))
    text = _t("why_head", label=metric_zh(f.get("metric"), f.get("label", "")), filters=f"（{filt}）" if filt else "",
              compare_period=period_zh(f.get("compare_period")), previous=_v(f.get("previous_value"), f),
              period=period_zh(f.get("period")), value=_v(f.get("value"), f), **_change(f))
    rows = f.get("contributors") or []
    if rows:
        text += "\n\n" + _t("why_dim", dimension=dim_zh(f.get("dimension"), "")) + "\n\n" + "\n".join(
            _t("why_row", name=value_zh(r[0]), delta=format_signed_zh(r[1], f.get("unit"))) for r in rows[:5])
    return text


def clarify(f: Mapping[str, Any]) -> str:
    choices = f.get("choices") or []
    return _t("clarify") + "\n\n" + "\n".join(_t("clarify_choice", choice=c) for c in choices)


def unsupported(f: Mapping[str, Any], plan: Plan) -> str:
    reason = str(f.get("reason") or plan.reason or "")
    if reason and re.search(r"[\u4e00-\u9fff]", reason):
        return reason + "\n\n" + _t("unsupported_help")
    text = _t("unsupported") + "\n\n" + _t("unsupported_help")
    return text + ("\n\n" + _t("details", text=reason) if reason else "")


def describe(f: Mapping[str, Any]) -> str:
    metrics = "、".join(metric_zh(m) for m in f.get("metrics") or [])
    dims = "、".join(dim_zh(d) for d in (f.get("dimensions") or {}))
    return _t("describe", metrics=metrics, dimensions=dims)


_KINDS = {"figure": figure, "breakdown": grouped, "top": grouped, "chart": trend, "trend": trend,
          "compare": compare, "forecast": forecast, "reviews": reviews, "anomalies": anomalies, "why": why,
          "clarify": clarify, "describe": describe}


def answer_zh(facts: Mapping[str, Any], english: str, plan: Plan) -> str:
    """The Chinese answer for these facts; the English details follow where no template covers the kind."""
    if facts.get("error"):
        return _t("error", error=facts["error"])
    kind = str(facts.get("kind") or plan.kind)
    if kind == "unsupported":
        return unsupported(facts, plan)
    render = _KINDS.get(kind)
    try:
        return render(facts) if render else _t("details", text=english.strip())
    except (KeyError, IndexError, TypeError, ValueError):  # facts of an unusual shape: say it in English too
        return _t("details", text=english.strip())


def note_zh(text: str) -> str:
    for pattern, template in answers().get("notes") or []:
        m = re.match(pattern, text, re.I)
        if m:
            out = template
            for i, group in enumerate(m.groups(), 1):
                out = out.replace(f"{{{i}}}", group or "")
            return out
    return text if re.search(r"[\u4e00-\u9fff]", text) else f"说明：{text}"


def in_chinese(events: Iterator[Event], plan: Plan, redraw: Redraw | None = None,
               currency: str | None = None, retable: Retable | None = None) -> Iterator[Event]:
    """The executor's events with the answer and notes in Chinese (see the module docstring); ``redraw(chart,
    facts) -> (chart, warnings)`` draws each chart again in Chinese once the facts are known, ``retable(table,
    facts, first) -> table`` gives each table Chinese headers. Amounts are written with ``currency`` (the shop's
    symbol; $ when None)."""
    english: list[str] = []
    charts: list[ChartArtifact] = []
    tables: list[TableArtifact] = []
    for event in events:
        if isinstance(event, TextDelta):
            english.append(event.text)
            continue
        if isinstance(event, TableArtifact) and retable is not None:
            tables.append(event)
            continue
        if isinstance(event, ChartArtifact):
            charts.append(event)
            continue
        if isinstance(event, Notice):
            with number_style("zh", currency):
                note = note_zh(event.message)
            yield Notice(note)
            continue
        if isinstance(event, AnswerMeta):
            with number_style("zh", currency):
                text = answer_zh(event.facts, "".join(english), plan)
            yield TextDelta(text)
            for i, t in enumerate(tables):
                yield TableArtifact(retable(t.table, event.facts, i == 0)) if retable else t
            tables = []
            for c in charts:
                chart, warnings = redraw(c.chart, event.facts) if redraw else (c.chart, [])
                yield from (Notice(w) for w in warnings)
                yield ChartArtifact(chart)
            charts = []
        yield event
    yield from tables
    yield from charts
