"""The offline planner's evaluation: ask a set of real-world questions, check each answer against independent SQL.

The set (``tests/eval/questions.yaml``) holds questions phrased the way managers and analysts write, each with an
``expected`` block: a ``check`` naming what to compare, and usually hand-written SQL against the raw contract
tables (never the semantic layer or the query builder) whose result is the truth. Every question goes through
``Analyst.ask`` in offline mode; the answer's ``facts`` (the FACTS CONTRACT in ``agent/planner/plan.py``) are
compared with what the SQL returns.

Expected block fields (all optional except ``check``):
    check           value | rows | top | series | compare | contains | clarify | refuse | anomaly_date |
                    contributor | forecast | reviews
    sql             one SELECT; placeholders {start} {end} (the period), {prev_start} {prev_end} (the compare
                    period) and {grain} (the answer's time grain) are filled before it runs
    period          [start, end] the answer must state, or ``any`` (then the SQL runs for the answer's period)
    compare_period  [start, end] or ``any``; ``either_order: true`` accepts the two named periods swapped
    tolerance       relative tolerance for numbers (default 0.005)
    n               top: rows expected (default: the SQL's row count); ``any`` compares as many as shown
    metric, filters, grain, horizon   must equal the answer's facts
    chart           true: at least one chart must come back
    mentions        strings the answer text must contain (case-insensitive)
    field           rows: the facts list to compare (default ``rows``; ``shares`` for "what % of ...")
    aspect          reviews: an aspect that must be among the three most criticised
    choices         clarify: options that must be offered (else the SQL's first column)
    sql_by_dimension  contributor: {dimension: sql}, used for the dimension the answer chose
    sql_alternatives  other SQL giving an equally fair reading of the question (passes on any)
    answer_kind     contains: the facts kind the answer must have
A question may carry ``followup_of: <id>`` (asked in the same session after its parent chain) and ``slow: true``
(forecasts; skipped when ``include_slow`` is false).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from shoplens.agent.config import Settings
from shoplens.data.errors import ShopLensError, UserInputError

CHECKS = ("value", "rows", "top", "series", "compare", "contains", "clarify", "refuse", "anomaly_date",
          "contributor", "forecast", "reviews")
NEEDS_SQL = {"value", "rows", "top", "series", "compare", "anomaly_date", "clarify"}
DEFAULT_TOLERANCE = 0.005
NUMERIC_FACTS = ("value", "rows", "series", "series_by", "dates", "contributors", "forecast")
_CURRENCY_RE = re.compile(r"[$€£]\s?\d")


def default_questions_path() -> Path:
    """The set shipped in the repository: ``tests/eval/questions.yaml`` next to the ``agent`` folder."""
    return Path(__file__).resolve().parent.parent / "tests" / "eval" / "questions.yaml"


# --- the question set ------------------------------------------------------------------------------------------
@dataclass
class EvalQuestion:
    id: str
    question: str
    kind: str
    expected: dict[str, Any]
    followup_of: str | None = None
    slow: bool = False

    @property
    def check(self) -> str:
        return str(self.expected["check"])


def load_questions(path: Path | None = None) -> list[EvalQuestion]:
    """Read and validate the set; raises UserInputError naming the first bad entry."""
    import yaml

    path = Path(path) if path else default_questions_path()
    if not path.exists():
        raise UserInputError(f"No evaluation set at {path}.", hint="Pass --questions with the YAML file.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserInputError(f"The evaluation set {path} is not valid YAML: {exc}") from exc
    items = raw.get("questions", raw) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise UserInputError(f"{path}: expected a list of questions.")
    return parse_questions(items, source=str(path))


def parse_questions(items: Iterable[dict[str, Any]], source: str = "<questions>") -> list[EvalQuestion]:
    out: list[EvalQuestion] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{source}: entry {i + 1} ({item.get('id', '?') if isinstance(item, dict) else '?'})"
        if not isinstance(item, dict) or not all(item.get(k) for k in ("id", "question", "kind", "expected")):
            raise UserInputError(f"{where}: needs id, question, kind and expected.")
        qid, exp = str(item["id"]), dict(item["expected"])
        if qid in seen:
            raise UserInputError(f"{where}: duplicate id.")
        check = exp.get("check")
        if check not in CHECKS:
            raise UserInputError(f"{where}: check must be one of {', '.join(CHECKS)} (got {check!r}).")
        if check in NEEDS_SQL and not exp.get("sql") and not (check == "clarify" and exp.get("choices")):
            raise UserInputError(f"{where}: check '{check}' needs sql.")
        if check == "contributor" and not (exp.get("sql") or exp.get("sql_by_dimension")):
            raise UserInputError(f"{where}: check 'contributor' needs sql or sql_by_dimension.")
        sqls = [exp.get("sql") or "", *(exp.get("sql_by_dimension") or {}).values(), *(exp.get("sql_alternatives") or [])]
        if any("{start}" in s for s in sqls) and "period" not in exp:
            raise UserInputError(f"{where}: the SQL uses {{start}}, so expected.period ([start, end] or any) is needed.")
        if any("{prev_start}" in s for s in sqls) and "compare_period" not in exp and check != "compare":
            raise UserInputError(f"{where}: the SQL uses {{prev_start}} but there is no expected.compare_period.")
        parent = item.get("followup_of")
        if parent is not None and str(parent) not in seen:
            raise UserInputError(f"{where}: followup_of '{parent}' must name an earlier question.")
        seen.add(qid)
        out.append(EvalQuestion(qid, str(item["question"]), str(item["kind"]), exp,
                                str(parent) if parent is not None else None, bool(item.get("slow", False))))
    return out


# --- results ----------------------------------------------------------------------------------------------------
@dataclass
class CaseResult:
    id: str
    kind: str
    question: str
    ok: bool
    cause: str | None = None  # why it failed: kind, period, value, rows, labels, ... ; expected_sql = our SQL broke
    detail: str = ""
    expected: Any = None
    got: Any = None
    answer_kind: str | None = None
    answer_period: dict[str, Any] | None = None
    answer_filters: dict[str, Any] | None = None
    answer_text: str = ""
    elapsed_ms: float = 0.0


@dataclass
class EvalReport:
    results: list[CaseResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]

    def per_kind(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for r in self.results:
            row = out.setdefault(r.kind, {"total": 0, "passed": 0})
            row["total"] += 1
            row["passed"] += int(r.ok)
        for row in out.values():
            row["accuracy"] = row["passed"] / row["total"]
        return dict(sorted(out.items()))

    def by_cause(self) -> dict[str, list[CaseResult]]:
        out: dict[str, list[CaseResult]] = {}
        for r in self.failures:
            out.setdefault(r.cause or "?", []).append(r)
        return dict(sorted(out.items(), key=lambda kv: -len(kv[1])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "passed": self.passed, "accuracy": round(self.accuracy, 4),
            "elapsed_s": round(self.elapsed_s, 1), "per_kind": self.per_kind(), "skipped": list(self.skipped),
            "failures": [asdict(r) for r in self.failures],
        }


class CheckFailed(Exception):
    def __init__(self, cause: str, detail: str, expected: Any = None, got: Any = None) -> None:
        super().__init__(detail)
        self.cause, self.detail, self.expected, self.got = cause, detail, expected, got


# --- running ----------------------------------------------------------------------------------------------------
def run_eval(settings: Settings, questions: list[EvalQuestion], *, kinds: Iterable[str] | None = None,
             ids: Iterable[str] | None = None, include_slow: bool = True, analyst: Any = None,
             on_result: Callable[[CaseResult], None] | None = None) -> EvalReport:
    """Ask each selected question offline (follow-ups after their parents, in one session) and check the answers."""
    from shoplens.agent.analyst import Analyst

    started = time.perf_counter()
    if analyst is None:
        analyst = Analyst(settings.replace(llm_base_url=None))
    by_id = {q.id: q for q in questions}
    kinds_set, ids_set = set(kinds or ()), set(ids or ())
    report = EvalReport()
    for q in questions:
        if (kinds_set and q.kind not in kinds_set) or (ids_set and q.id not in ids_set):
            continue
        if q.slow and not include_slow:
            report.skipped.append(q.id)
            continue
        result = evaluate_one(analyst, q, by_id)
        report.results.append(result)
        if on_result:
            on_result(result)
    report.elapsed_s = time.perf_counter() - started
    return report


def evaluate_one(analyst: Any, q: EvalQuestion, by_id: dict[str, EvalQuestion]) -> CaseResult:
    chain = [q]
    while chain[0].followup_of:
        chain.insert(0, by_id[chain[0].followup_of])
    t0 = time.perf_counter()
    session = None
    answer = None
    try:
        for step in chain:
            answer = analyst.ask(step.question, session)
            session = answer.session_id
    except Exception as exc:  # Analyst.ask should never raise; if it does, that is a failure to report, not a crash
        return CaseResult(q.id, q.kind, q.question, ok=False, cause="error", detail=f"{type(exc).__name__}: {exc}",
                          elapsed_ms=round((time.perf_counter() - t0) * 1000, 1))
    elapsed = (time.perf_counter() - t0) * 1000
    facts = dict(answer.facts) if answer is not None else {}
    result = CaseResult(q.id, q.kind, q.question, ok=False, answer_kind=facts.get("kind"),
                        answer_period=facts.get("period"), answer_filters=facts.get("filters"),
                        answer_text=(answer.answer if answer else "")[:400], elapsed_ms=round(elapsed, 1))
    try:
        check_answer(q.expected, answer, analyst.ctx.runner)
        result.ok = True
    except CheckFailed as exc:
        result.cause, result.detail, result.expected, result.got = exc.cause, exc.detail, exc.expected, exc.got
    except ShopLensError as exc:  # our own SQL failed: a bug in the set, reported as such
        result.cause, result.detail = "expected_sql", f"the expected SQL failed: {exc}"
    return result


# --- checking ---------------------------------------------------------------------------------------------------
def check_answer(expected: dict[str, Any], answer: Any, runner: Any) -> None:
    """Raise CheckFailed when the answer does not match; ``runner.run(sql).rows`` gives the truth."""
    facts: dict[str, Any] = dict(getattr(answer, "facts", {}) or {})
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
    if "filters" in expected and _norm_filters(facts.get("filters")) != _norm_filters(expected["filters"]):
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
    if want == have:
        return
    if expected.get("either_order"):  # two named periods: the answer may take either as "current"
        other = "compare_period" if name == "period" else "period"
        other_exp = expected.get(other)
        other_got = facts.get(other) or {}
        if isinstance(other_exp, list | tuple) and want == (_iso(other_got.get("start")), _iso(other_got.get("end"))):
            return
    raise CheckFailed(name, f"wrong {name.replace('_', ' ')}", list(want), got)


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
