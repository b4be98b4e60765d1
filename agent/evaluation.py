"""The offline planner's evaluation: ask a set of real-world questions, check each answer against independent SQL.

The sets (``evals/sets.yaml``: the demo shop in English and in Chinese, each with a tuned and a held-out split)
hold questions phrased the way managers and analysts write, each with an
``expected`` block: a ``check`` naming what to compare, and usually hand-written SQL against the raw contract
tables (never the semantic layer or the query builder) whose result is the truth. Every question goes through
``Analyst.ask`` in offline mode; the answer's ``facts`` (the typed contract in ``tools/facts.py``) are compared
with what the SQL returns. The checks themselves are in ``agent/eval_checks.py``.

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

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from shoplens.agent.config import Settings
from shoplens.agent.eval_checks import CHECKS, NEEDS_SQL, CheckFailed, check_answer
from shoplens.data.errors import ShopLensError, UserInputError

SPLITS = ("tuned", "heldout")


def default_questions_path() -> Path:
    """The first file of the demo set's tuned split (shipped with the package)."""
    return Path(str(resources.files("shoplens.evals").joinpath("demo_tuned.yaml")))


def eval_sets() -> dict[str, dict[str, Any]]:
    """evals/sets.yaml: set name -> {description, warehouse, splits: {split: [files]}}."""
    import yaml

    return dict(yaml.safe_load(resources.files("shoplens.evals").joinpath("sets.yaml").read_text("utf-8")))


def load_set(name: str, split: str = "all") -> list[EvalQuestion]:
    """The questions of one set (``split``: tuned, heldout or all), each labelled with its split."""
    sets = eval_sets()
    if name not in sets:
        raise UserInputError(f"No evaluation set '{name}'.", hint=f"Sets: {', '.join(sets)}.")
    wanted = SPLITS if split == "all" else (split,)
    if any(s not in SPLITS for s in wanted):
        raise UserInputError(f"No split '{split}'.", hint=f"Use {', '.join(SPLITS)} or all.")
    out: list[EvalQuestion] = []
    for s in wanted:
        for file in sets[name]["splits"].get(s, []):
            for q in load_questions(Path(str(resources.files("shoplens.evals").joinpath(file)))):
                q.split = s
                out.append(q)
    ids = [q.id for q in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise UserInputError(f"Set '{name}' repeats question ids: {', '.join(dup[:5])}.")
    return out


# --- the question set ------------------------------------------------------------------------------------------
@dataclass
class EvalQuestion:
    id: str
    question: str
    kind: str
    expected: dict[str, Any]
    followup_of: str | None = None
    slow: bool = False
    split: str = "tuned"

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
    split: str = "tuned"


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

    def splits(self) -> list[str]:
        return [s for s in SPLITS if any(r.split == s for r in self.results)]

    def of_split(self, split: str) -> EvalReport:
        return EvalReport([r for r in self.results if r.split == split], self.skipped, self.elapsed_s)

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
            "per_split": {s: {"total": (sub := self.of_split(s)).total, "passed": sub.passed,
                              "accuracy": round(sub.accuracy, 4), "per_kind": sub.per_kind()}
                          for s in self.splits()},
            "failures": [asdict(r) for r in self.failures],
        }


# --- running ----------------------------------------------------------------------------------------------------
def run_eval(settings: Settings, questions: list[EvalQuestion], *, kinds: Iterable[str] | None = None,
             ids: Iterable[str] | None = None, include_slow: bool = True, analyst: Any = None,
             on_result: Callable[[CaseResult], None] | None = None, truth: Any = None) -> EvalReport:
    """Ask each selected question offline (follow-ups after their parents, in one session) and check the answers.
    ``truth`` runs the expected SQL (default: the warehouse itself; see agent/eval_warehouse.py)."""
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
        result = evaluate_one(analyst, q, by_id, truth)
        report.results.append(result)
        if on_result:
            on_result(result)
    report.elapsed_s = time.perf_counter() - started
    return report


def evaluate_one(analyst: Any, q: EvalQuestion, by_id: dict[str, EvalQuestion], truth: Any = None) -> CaseResult:
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
        return CaseResult(q.id, q.kind, q.question, ok=False, split=q.split, cause="error",
                          detail=f"{type(exc).__name__}: {exc}",
                          elapsed_ms=round((time.perf_counter() - t0) * 1000, 1))
    elapsed = (time.perf_counter() - t0) * 1000
    facts = dict(answer.facts) if answer is not None else {}
    result = CaseResult(q.id, q.kind, q.question, ok=False, split=q.split, answer_kind=facts.get("kind"),
                        answer_period=facts.get("period"), answer_filters=facts.get("filters"),
                        answer_text=(answer.answer if answer else "")[:400], elapsed_ms=round(elapsed, 1))
    try:
        check_answer(q.expected, answer, truth or analyst.ctx.runner, _coverage(analyst))
        result.ok = True
    except CheckFailed as exc:
        result.cause, result.detail, result.expected, result.got = exc.cause, exc.detail, exc.expected, exc.got
    except ShopLensError as exc:  # our own SQL failed: a bug in the set, reported as such
        result.cause, result.detail = "expected_sql", f"the expected SQL failed: {exc}"
    return result


def _coverage(analyst: Any) -> tuple[str, str] | None:
    """[first, last] order date of the analyst's warehouse, for comparing periods on the days with data."""
    try:
        return analyst.ctx.data_start.isoformat(), analyst.ctx.as_of.isoformat()
    except Exception:  # a fake analyst in tests: compare periods exactly
        return None
