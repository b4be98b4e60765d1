"""How an answer is checked against the truth (hand-written SQL on the raw tables): one checker per ``check`` of the
evaluation set (see agent/evaluation.py for the format)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

CHECKS = ("value", "rows", "top", "series", "compare", "contains", "clarify", "refuse", "anomaly_date",
          "contributor", "forecast", "reviews")
NEEDS_SQL = {"value", "rows", "top", "series", "compare", "anomaly_date", "clarify"}
DEFAULT_TOLERANCE = 0.005
NUMERIC_FACTS = ("value", "rows", "series", "series_by", "dates", "contributors", "forecast")
_CURRENCY_RE = re.compile(r"[$€£¥]\s?\d")


class CheckFailed(Exception):
    def __init__(self, cause: str, detail: str, expected: Any = None, got: Any = None) -> None:
        super().__init__(detail)
        self.cause, self.detail, self.expected, self.got = cause, detail, expected, got


# --- checking ---------------------------------------------------------------------------------------------------
def check_answer(expected: dict[str, Any], answer: Any, runner: Any,
                 coverage: tuple[str, str] | None = None) -> None:
    """Raise CheckFailed when the answer does not match; ``runner.run(sql).rows`` gives the truth.
    ``coverage`` ([first, last] day of the data): periods are compared on the days the data covers, so "2011"
    stated as 1 Jan - 31 Dec and "2011 to date (1 Jan - 9 Dec)" with data up to 9 Dec are the same period."""
    facts: dict[str, Any] = dict(getattr(answer, "facts", {}) or {})
    if coverage:
        expected = {**expected, "_coverage": coverage}
    check = expected["check"]
    if check not in ("clarify", "refuse") and facts.get("kind") in ("clarify", "unsupported", None):
        got = facts.get("choices") or facts.get("reason") or (answer.answer[:160] if answer else None)
        raise CheckFailed("kind", f"answered as {facts.get('kind')!r} instead of giving a result", check, got)
    _check_common(expected, facts, answer)
    try:
        _CHECKERS[check](expected, facts, answer, runner)
    except CheckFailed:
        # a question with two fair readings ("best selling" = units or revenue) passes on either
        for alt in expected.get("sql_alternatives") or []:
            try:
                _CHECKERS[check]({**expected, "sql": alt}, facts, answer, runner)
                return
            except CheckFailed:
                continue
        raise


def _check_common(expected: dict[str, Any], facts: dict[str, Any], answer: Any) -> None:
    period = expected.get("period")
    if isinstance(period, list | tuple):
        _same_period("period", period, facts.get("period"), expected, facts)
    if "metric" in expected and facts.get("metric") != expected["metric"]:
        raise CheckFailed("metric", "wrong metric", expected["metric"], facts.get("metric"))
    # a dimension the answer leaves values out of ("not counting fizzwell") is checked through the values left out
    # (the answer's filter lists the rest); the set names it in its SQL
    shown = {d: v for d, v in (facts.get("filters") or {}).items() if d not in (facts.get("excluded") or {})
             or d in expected.get("filters", {})}
    if "filters" in expected and _norm_filters(shown) != _norm_filters(expected["filters"]):
        raise CheckFailed("filters", "wrong filters", expected["filters"], facts.get("filters"))
    if "grain" in expected:
        got = facts.get("grain") or (facts.get("forecast") or {}).get("grain")
        if got != expected["grain"]:
            raise CheckFailed("grain", "wrong time grain", expected["grain"], got)
    if expected.get("chart") and not getattr(answer, "charts", None):
        raise CheckFailed("chart", "no chart came back", "a chart", None)
    text = getattr(answer, "answer", "") or ""
    for word in expected.get("mentions") or []:
        if str(word).casefold() not in text.casefold():
            raise CheckFailed("mentions", f"the answer does not mention {word!r}", word, text[:200])


def _same_period(name: str, exp: Any, got: Any, expected: dict[str, Any], facts: dict[str, Any]) -> None:
    want = (_iso(exp[0]), _iso(exp[1]))
    have = (_iso((got or {}).get("start")), _iso((got or {}).get("end")))
    if want == have or (_covered(want, expected) or 0) == (_covered(have, expected) or 1):
        return
    if expected.get("either_order"):  # two named periods: the answer may take either as "current"
        other = "compare_period" if name == "period" else "period"
        other_exp = expected.get(other)
        other_got = facts.get(other) or {}
        if isinstance(other_exp, list | tuple) and want == (_iso(other_got.get("start")), _iso(other_got.get("end"))):
            return
    raise CheckFailed(name, f"wrong {name.replace('_', ' ')}", list(want), got)


def _covered(period: tuple[str, str], expected: dict[str, Any]) -> tuple[str, str] | None:
    """``period`` clipped to the data's coverage (None without coverage or a period)."""
    cov = expected.get("_coverage")
    if not cov or not period[0] or not period[1]:
        return None
    a, b = max(period[0], cov[0]), min(period[1], cov[1])
    return (a, b) if a <= b else ("", "")


def _fill(sql: str, expected: dict[str, Any], facts: dict[str, Any], *, swap: bool = False) -> str:
    cur = _period_of(expected.get("period"), facts.get("period"))
    prev = _period_of(expected.get("compare_period"), facts.get("compare_period"))
    if swap:
        cur, prev = prev, cur
    grain = facts.get("grain") or expected.get("grain") or "month"
    subs = {"{grain}": str(grain)}
    if cur:
        subs.update({"{start}": cur[0], "{end}": cur[1]})
    if prev:
        subs.update({"{prev_start}": prev[0], "{prev_end}": prev[1]})
    for key, val in subs.items():
        sql = sql.replace(key, val)
    if re.search(r"\{(start|end|prev_start|prev_end)\}", sql):
        raise CheckFailed("period", "the answer states no period to check against", "a period", facts.get("period"))
    return sql


def _period_of(exp: Any, got: Any) -> tuple[str, str] | None:
    if isinstance(exp, list | tuple):
        return _iso(exp[0]), _iso(exp[1])
    if got and got.get("start") and got.get("end"):
        return _iso(got["start"]), _iso(got["end"])
    return None


def _rows(runner: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(_plain(v) for v in row) for row in runner.run(sql).rows]


def _scalar(runner: Any, sql: str) -> float | None:
    rows = _rows(runner, sql)
    return _num(rows[0][0]) if rows and rows[0] else None


def _check_value(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    want = _scalar(runner, _fill(expected["sql"], expected, facts))
    # the figure; a breakdown of exactly what was asked ("Electronics + Beauty combined") states it as its total
    got = _num(facts["value"]) if "value" in facts else _num(facts.get("total"))
    if not _close(got, want, _tol(expected)):
        raise CheckFailed("value", "wrong figure", want, got)


def _check_compare(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if "compare_period" not in expected:
        expected = {**expected, "compare_period": "any"}
    if isinstance(expected["compare_period"], list | tuple):
        _same_period("compare_period", expected["compare_period"], facts.get("compare_period"), expected, facts)
    swap = False
    if expected.get("either_order") and isinstance(expected.get("period"), list | tuple):
        got_start = _iso((facts.get("period") or {}).get("start"))
        swap = got_start != _iso(expected["period"][0])
    if not facts.get("compare_period"):
        raise CheckFailed("compare_period", "no comparison period in the answer", expected["compare_period"], None)
    sql = expected["sql"]
    cur = _scalar(runner, _fill(sql, expected, facts, swap=swap))
    prev_sql = sql.replace("{start}", "{prev_start}").replace("{end}", "{prev_end}")
    prev = _scalar(runner, _fill(prev_sql, expected, facts, swap=swap))
    tol = _tol(expected)
    got_cur, got_prev = _num(facts.get("value")), _num(facts.get("previous_value"))
    if not _close(got_cur, cur, tol) or not _close(got_prev, prev, tol):
        raise CheckFailed("value", "wrong values", [cur, prev], [got_cur, got_prev])
    if cur is not None and prev:
        change = cur / prev - 1
        got_change = _num(facts.get("change_pct"))
        if got_change is None or abs(got_change - change) > max(tol * abs(change), 1e-3):
            raise CheckFailed("change", "wrong change %", round(change, 4), got_change)


def _check_rows(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    want = {_label(r[0]): _num(r[1]) for r in _rows(runner, _fill(expected["sql"], expected, facts))}
    got_rows = facts.get(expected.get("field", "rows")) or []
    got = {_label(r[0]): _num(r[1]) for r in got_rows}
    tol = _tol(expected)
    # a breakdown may show groups without a value (NULL) or leave them out: both are fine
    want = {k: v for k, v in want.items() if v is not None}
    got = {k: v for k, v in got.items() if v is not None}
    if set(want) != set(got):
        missing, extra = sorted(set(want) - set(got))[:5], sorted(set(got) - set(want))[:5]
        raise CheckFailed("labels", f"different groups (missing {missing}, extra {extra})", sorted(want), sorted(got))
    bad = [k for k in want if not _close(got[k], want[k], tol)]
    if bad:
        raise CheckFailed("rows", f"wrong values for {bad[:3]}", {k: want[k] for k in bad[:3]},
                          {k: got[k] for k in bad[:3]})


def _check_top(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    want = [(_label(r[0]), _num(r[1])) for r in _rows(runner, _fill(expected["sql"], expected, facts))]
    got = [(_label(r[0]), _num(r[1])) for r in facts.get("rows") or []]
    n = expected.get("n", len(want))
    n = len(got) if n == "any" else int(n)
    if len(got) != n or len(want) < n or n == 0:
        raise CheckFailed("rows", f"expected {n} rows, got {len(got)}", [w[0] for w in want[:n]], [g[0] for g in got])
    tol = _tol(expected)
    for i in range(n):
        (wl, wv), (gl, gv) = want[i], got[i]
        if not _close(gv, wv, tol):
            raise CheckFailed("rows", f"row {i + 1} differs", want[:n], got)
        # another label with the same value is a tie: either order is right (and at the cut-off, either item)
        tied = sum(_close(v, wv, tol) for _, v in want[:n]) > 1 or _close(wv, want[n - 1][1], tol)
        if wl != gl and not tied:
            raise CheckFailed("rows", f"row {i + 1} differs", want[:n], got)


def _check_series(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    rows = _rows(runner, _fill(expected["sql"], expected, facts))
    tol = _tol(expected)
    if rows and len(rows[0]) >= 3:  # label, period, value: one series per label
        got_by = facts.get("series_by") or {}
        want_by: dict[str, dict[str, float | None]] = {}
        for label, period, value in rows:
            want_by.setdefault(_label(label), {})[_iso(period)] = _num(value)
        got_norm = {_label(k): v for k, v in got_by.items()}
        if set(want_by) != set(got_norm):
            raise CheckFailed("labels", "different series", sorted(want_by), sorted(got_norm))
        for label, want in want_by.items():
            _same_series(want, got_norm[label], tol, label)
        return
    want = {_iso(p): _num(v) for p, v in rows}
    _same_series(want, facts.get("series") or [], tol, None)


def _same_series(want: dict[str, float | None], got_list: list[Any], tol: float, label: str | None) -> None:
    got = {_iso(p): _num(v) for p, v, *_ in got_list}
    # a period shown with 0/None and absent from the SQL (no rows) is the same thing
    got = {k: v for k, v in got.items() if not (k not in want and not v)}
    want = {k: v for k, v in want.items() if not (k not in got and not v)}
    where = f" ({label})" if label else ""
    if set(want) != set(got):
        raise CheckFailed("series", f"different periods{where}", sorted(want)[:4] + ["..."] + sorted(want)[-2:],
                          sorted(got)[:4] + ["..."] + sorted(got)[-2:])
    bad = [k for k in sorted(want) if not _close(got[k], want[k], tol)]
    if bad:
        raise CheckFailed("series", f"wrong values{where} for {bad[:3]}", {k: want[k] for k in bad[:3]},
                          {k: got[k] for k in bad[:3]})


def _check_contains(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if expected.get("answer_kind") and facts.get("kind") != expected["answer_kind"]:
        raise CheckFailed("kind", "wrong kind of answer", expected["answer_kind"], facts.get("kind"))
    if expected.get("sql"):  # e.g. a count the answer must quote
        want = _scalar(runner, _fill(expected["sql"], expected, facts))
        if want is not None and not _number_in_text(want, getattr(answer, "answer", "")):
            raise CheckFailed("value", "the answer does not quote the expected number", want, answer.answer[:200])


def _check_clarify(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if facts.get("kind") != "clarify" or len(facts.get("choices") or []) < 2:
        got = facts.get("kind"), facts.get("filters") or facts.get("reason")
        raise CheckFailed("kind", "no clarifying question with choices", "clarify", got)
    want = expected.get("choices") or [r[0] for r in _rows(runner, expected["sql"])]
    offered = {_label(c) for c in facts["choices"]}
    missing = [c for c in want if _label(c) not in offered]
    if missing:
        raise CheckFailed("clarify", f"choices miss {missing}", want, facts["choices"])


def _check_refuse(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if facts.get("kind") != "unsupported":
        raise CheckFailed("kind", "answered instead of declining", "unsupported",
                          [facts.get("kind"), facts.get("metric"), facts.get("filters")])
    claimed = [k for k in NUMERIC_FACTS if facts.get(k)]
    if claimed or _CURRENCY_RE.search(getattr(answer, "answer", "") or ""):
        raise CheckFailed("refuse", "declined but still claims numbers", "no numbers", claimed or answer.answer[:160])


def _check_anomaly(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if facts.get("kind") != "anomalies":
        raise CheckFailed("kind", "not an unusual-days answer", "anomalies", facts.get("kind"))
    found = [_iso(d[0]) for d in facts.get("dates") or []]
    candidates = [_iso(r[0]) for r in _rows(runner, _fill(expected["sql"], expected, facts))]
    if not candidates:
        raise CheckFailed("expected_sql", "the expected SQL found no unusual day", None, found)
    if not set(candidates) & set(found):
        raise CheckFailed("dates", "the unusual day was not found", candidates[:5], found)


def _check_contributor(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if facts.get("kind") != "why":
        raise CheckFailed("kind", "not a why answer", "why", facts.get("kind"))
    if isinstance(expected.get("compare_period"), list | tuple):
        _same_period("compare_period", expected["compare_period"], facts.get("compare_period"), expected, facts)
    sql = str(expected.get("sql") or "")
    by_dim = expected.get("sql_by_dimension") or {}
    if by_dim:
        dim = facts.get("dimension")
        if dim not in by_dim:
            raise CheckFailed("dimension", "explained by a dimension the set did not expect", sorted(by_dim), dim)
        sql = by_dim[dim]
    rows = _rows(runner, _fill(sql, expected, facts))
    got = [_label(c[0]) for c in facts.get("contributors") or []]
    if not rows or not got or _label(rows[0][0]) != got[0]:
        raise CheckFailed("contributor", "wrong top contributor", _label(rows[0][0]) if rows else None, got[:3])


def _check_forecast(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    fc = facts.get("forecast") or {}
    if facts.get("kind") != "forecast" or not fc:
        raise CheckFailed("kind", "no forecast came back", "forecast", facts.get("kind"))
    if "horizon" in expected and fc.get("horizon") != expected["horizon"]:
        raise CheckFailed("horizon", "wrong horizon", expected["horizon"], fc.get("horizon"))
    total = _num(fc.get("total"))
    if total is None or not math.isfinite(total):
        raise CheckFailed("forecast", "the forecast total is not a finite number", "finite", fc.get("total"))
    if not getattr(answer, "charts", None):
        raise CheckFailed("chart", "no forecast chart", "a chart", None)


def _check_reviews(expected: dict[str, Any], facts: dict[str, Any], answer: Any, runner: Any) -> None:
    if facts.get("kind") != "reviews":
        raise CheckFailed("kind", "not a reviews answer", "reviews", facts.get("kind"))
    aspects = facts.get("aspects") or {}
    if not (aspects.get("negative") or aspects.get("positive") or facts.get("mix")):
        raise CheckFailed("missing", "neither aspects nor a sentiment mix came back", "aspects or mix", None)
    if expected.get("sql"):  # how many reviews the scope holds: the answer must cover them
        want = _scalar(runner, _fill(expected["sql"], expected, facts))
        if not want:
            raise CheckFailed("expected_sql", "the expected SQL finds no reviews", want, None)
        got = _num((facts.get("reviews_facts") or {}).get("reviews"))
        if got is not None and not _close(got, want, 0.0):
            raise CheckFailed("value", "wrong number of reviews", want, got)
    if expected.get("aspect"):
        top = [_label(a[0]) for a in (aspects.get("negative") or [])[:3]]
        if not any(_label(expected["aspect"]) in a for a in top):
            raise CheckFailed("aspect", "the expected complaint is not among the top three", expected["aspect"], top)


_CHECKERS: dict[str, Callable[[dict[str, Any], dict[str, Any], Any, Any], None]] = {
    "value": _check_value, "compare": _check_compare, "rows": _check_rows, "top": _check_top,
    "series": _check_series, "contains": _check_contains, "clarify": _check_clarify, "refuse": _check_refuse,
    "anomaly_date": _check_anomaly, "contributor": _check_contributor, "forecast": _check_forecast,
    "reviews": _check_reviews,
}


# --- small helpers ----------------------------------------------------------------------------------------------
def _tol(expected: dict[str, Any]) -> float:
    return float(expected.get("tolerance", DEFAULT_TOLERANCE))


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if hasattr(v, "to_pydatetime"):  # pandas Timestamp
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, str | bytes):  # numpy scalars
        return v.item()
    return v


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _close(got: float | None, want: float | None, tol: float) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return abs(got - want) <= max(tol * abs(want), 1e-6)


def _iso(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)[:10]


def _label(v: Any) -> str:
    return " ".join(str(v).split()).casefold()


def _norm_filters(filters: Any) -> dict[str, list[str]]:
    return {str(k): sorted(_label(v) for v in (vals if isinstance(vals, list | tuple) else [vals]))
            for k, vals in (filters or {}).items() if vals}


def _number_in_text(value: float, text: str) -> bool:
    digits = re.sub(r"[,\s]", "", text or "")
    return f"{value:.0f}" in digits
