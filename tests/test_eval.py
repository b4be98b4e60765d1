"""The evaluation harness (agent/evaluation.py) and the offline planner's accuracy on the sets of evals/sets.yaml.

The whole set runs against a demo warehouse at scale 0.2, seed 42 (built once here: the anomaly, "why" and
review checks need that much data). Forecast questions are marked slow and skipped unless SHOPLENS_EVAL_SLOW=1;
`shoplens eval` runs them.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from shoplens.agent.eval_checks import CHECKS, check_answer
from shoplens.agent.evaluation import (
    default_questions_path,
    eval_sets,
    load_set,
    parse_questions,
    run_eval,
)
from shoplens.agent.events import Answer
from shoplens.data.contract import ENRICHMENT_TABLES, TABLES
from shoplens.data.errors import UserInputError

# Accuracy floors per set and split, a little under what `shoplens eval` measured at the last change (scale 0.2,
# seed 42, slow forecast questions skipped), so a regression fails the suite. The measured figures are in README.
# measured 2026-12-07 (stop 28): demo tuned 97.2% (new blind tuning sets join the split at their first-contact
# score, then the work raises it), held-out 90.2%; zh tuned 99.1%, held-out 91.7% (floors guard regressions)
FLOORS = {"demo": {"tuned": 0.95, "heldout": 0.88}, "zh": {"tuned": 0.96, "heldout": 0.89}}
EVAL_SCALE, EVAL_SEED = 0.2, 42


@pytest.fixture(scope="module")
def eval_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shoplens.data.demo import build_demo

    path = tmp_path_factory.mktemp("eval-warehouse") / "demo.duckdb"
    build_demo(path, scale=EVAL_SCALE, seed=EVAL_SEED)
    return path


@pytest.fixture(scope="module")
def eval_settings(eval_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from shoplens.agent.config import Settings

    home = tmp_path_factory.mktemp("eval-home")
    return Settings.load(env={}, home=home, db=eval_db, charts_dir=home / "charts")


@pytest.fixture(scope="module")
def analyst(eval_settings):
    from shoplens.agent.analyst import Analyst

    a = Analyst(eval_settings)
    yield a
    a.close()


@pytest.fixture(scope="module")
def runner(analyst):
    return analyst.ctx.runner


def _answer(**facts) -> Answer:
    return Answer(question="q", mode="offline", answer=str(facts.pop("text", "")), facts=facts)


def _fails(expected: dict, answer: Answer, runner) -> str | None:
    from shoplens.agent.eval_checks import CheckFailed

    try:
        check_answer(expected, answer, runner)
    except CheckFailed as exc:
        return exc.cause
    return None


# --- the set itself --------------------------------------------------------------------------------------------
def all_questions() -> list:
    return [q for name, spec in eval_sets().items() if spec["warehouse"] == "demo" for q in load_set(name)]


def test_the_set_is_large_varied_and_well_formed() -> None:
    qs = load_set("demo", "tuned")
    assert len(qs) >= 400 and len(load_set("demo", "heldout")) >= 150
    kinds = Counter(q.kind for q in qs)
    for kind in ("figure", "breakdown", "top", "compare", "trend", "chart", "forecast", "reviews", "anomalies",
                 "why", "clarify", "refuse", "followup"):
        assert kinds[kind] >= 3, kind
    assert {q.check for q in qs} == set(CHECKS)
    forecasts = [q for q in qs if q.check == "forecast"]
    assert all(q.slow for q in forecasts)
    assert len({q.question.lower() for q in qs}) >= 0.98 * len(qs), "duplicate questions"
    # real-world phrasing: plenty of lowercase starts and shorthand, not parser-shaped sentences
    assert sum(q.question[:1].islower() for q in qs) > 0.8 * len(qs)
    shorthand = re.compile(r"\b(ytd|mtd|yoy|vs|pls|q[1-4]|h[12]|avg|aov|rev|ppl|u|thru|whats|no\.)\b", re.I)
    assert sum(bool(shorthand.search(q.question)) for q in qs) >= 40


def test_expected_sql_uses_only_the_raw_contract_tables() -> None:
    """Independent SQL: FROM/JOIN name contract tables, never semantic-layer metric names or tool output."""
    tables = set(TABLES) | set(ENRICHMENT_TABLES)
    for q in all_questions():
        exp = q.expected
        for sql in [exp.get("sql") or "", *(exp.get("sql_by_dimension") or {}).values(),
                    *(exp.get("sql_alternatives") or [])]:
            ctes = {n.lower() for n in re.findall(r"(?:\bWITH|,)\s*([a-z_][a-z0-9_]*)\s+AS\s*\(", sql, flags=re.I)}
            for name in re.findall(r"\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)\b", sql, flags=re.I):
                assert name.lower() in tables | ctes | {"range", "generate_series", "unnest"}, (q.id, name)


def test_every_expected_sql_runs(runner) -> None:
    from shoplens.agent.eval_checks import _fill

    full = {"start": "2023-01-01", "end": "2026-06-30", "label": "all"}
    for q in all_questions():
        exp = q.expected
        for sql in [exp.get("sql") or "", *(exp.get("sql_by_dimension") or {}).values(),
                    *(exp.get("sql_alternatives") or [])]:
            if not sql:
                continue
            filled = _fill(sql, exp, {"period": full, "compare_period": full, "grain": "month"})
            res = runner.run(filled)
            assert res.row_count >= 1, (q.id, filled)


def test_bad_entries_are_refused_with_a_reason() -> None:
    with pytest.raises(UserInputError, match="check must be one of"):
        parse_questions([{"id": "a", "question": "q", "kind": "figure", "expected": {"check": "nope"}}])
    with pytest.raises(UserInputError, match="needs sql"):
        parse_questions([{"id": "a", "question": "q", "kind": "figure", "expected": {"check": "value"}}])
    with pytest.raises(UserInputError, match="expected.period"):
        parse_questions([{"id": "a", "question": "q", "kind": "figure",
                          "expected": {"check": "value", "sql": "SELECT 1 WHERE '{start}' > ''"}}])
    with pytest.raises(UserInputError, match="earlier question"):
        parse_questions([{"id": "a", "question": "q", "kind": "followup", "followup_of": "zz",
                          "expected": {"check": "refuse"}}])
    with pytest.raises(UserInputError, match="duplicate"):
        parse_questions([{"id": "a", "question": "q", "kind": "refuse", "expected": {"check": "refuse"}}] * 2)
    assert default_questions_path().exists()


# --- the checker can fail ----------------------------------------------------------------------------------------
def test_value_check_has_a_tolerance_and_checks_the_period(runner) -> None:
    exp = {"check": "value", "sql": "SELECT 1000.0", "period": ["2026-05-01", "2026-05-31"]}
    may = {"start": "2026-05-01", "end": "2026-05-31", "label": "May 2026"}
    assert _fails(exp, _answer(kind="figure", value=1004.0, period=may), runner) is None
    assert _fails(exp, _answer(kind="figure", value=1010.0, period=may), runner) == "value"
    june = {"start": "2026-06-01", "end": "2026-06-30", "label": "June 2026"}
    assert _fails(exp, _answer(kind="figure", value=1000.0, period=june), runner) == "period"
    assert _fails(exp, _answer(kind="clarify", choices=["a", "b"]), runner) == "kind"
    assert _fails({**exp, "metric": "revenue"}, _answer(kind="figure", metric="units", value=1000.0, period=may),
                  runner) == "metric"


def test_top_check_wants_the_order_but_allows_ties(runner) -> None:
    sql = "SELECT * FROM (VALUES ('a', 5), ('b', 4), ('c', 4), ('d', 1)) t(k, v) ORDER BY v DESC, k LIMIT 3"
    exp = {"check": "top", "sql": sql}
    assert _fails(exp, _answer(kind="top", rows=[["a", 5], ["b", 4], ["c", 4]]), runner) is None
    assert _fails(exp, _answer(kind="top", rows=[["a", 5], ["c", 4], ["b", 4]]), runner) is None  # tie
    assert _fails(exp, _answer(kind="top", rows=[["b", 5], ["a", 4], ["c", 4]]), runner) == "rows"
    assert _fails(exp, _answer(kind="top", rows=[["a", 5], ["b", 4]]), runner) == "rows"


def test_rows_series_and_compare_checks(runner) -> None:
    rows = {"check": "rows", "sql": "SELECT * FROM (VALUES ('web', 10.0), ('app', 5.0)) t(k, v)"}
    assert _fails(rows, _answer(kind="breakdown", rows=[["app", 5.0], ["web", 10.0]]), runner) is None
    assert _fails(rows, _answer(kind="breakdown", rows=[["web", 10.0]]), runner) == "labels"
    assert _fails(rows, _answer(kind="breakdown", rows=[["web", 10.0], ["app", 6.0]]), runner) == "rows"
    series = {"check": "series", "sql": "SELECT * FROM (VALUES (DATE '2025-01-01', 1.0), (DATE '2025-02-01', 2.0))"}
    assert _fails(series, _answer(kind="trend", series=[["2025-01-01", 1.0], ["2025-02-01", 2.0]]), runner) is None
    assert _fails(series, _answer(kind="trend", series=[["2025-01-01", 1.0], ["2025-02-01", 3.0]]), runner) == "series"
    cmp_exp = {"check": "compare", "either_order": True, "period": ["2026-04-01", "2026-04-30"],
               "compare_period": ["2026-03-01", "2026-03-31"],
               "sql": "SELECT CASE WHEN DATE '{start}' = DATE '2026-04-01' THEN 120.0 ELSE 100.0 END"}
    apr = {"start": "2026-04-01", "end": "2026-04-30"}
    mar = {"start": "2026-03-01", "end": "2026-03-31"}
    ok = _answer(kind="compare", period=apr, compare_period=mar, value=120.0, previous_value=100.0, change_pct=0.2)
    swapped = _answer(kind="compare", period=mar, compare_period=apr, value=100.0, previous_value=120.0,
                      change_pct=-1 / 6)
    wrong = _answer(kind="compare", period=apr, compare_period=mar, value=120.0, previous_value=100.0, change_pct=0.3)
    assert _fails(cmp_exp, ok, runner) is None
    assert _fails(cmp_exp, swapped, runner) is None
    assert _fails(cmp_exp, wrong, runner) == "change"


def test_refuse_clarify_and_forecast_checks(runner) -> None:
    assert _fails({"check": "refuse"}, _answer(kind="unsupported", reason="x", text="I can't."), runner) is None
    assert _fails({"check": "refuse"}, _answer(kind="unsupported", text="It was $1,200."), runner) == "refuse"
    assert _fails({"check": "refuse"}, _answer(kind="figure", value=3.0), runner) == "kind"
    clar = {"check": "clarify", "sql": "SELECT * FROM (VALUES ('Fit 3'), ('Fit 4')) t(n)"}
    assert _fails(clar, _answer(kind="clarify", choices=["Fit 3", "Fit 4"]), runner) is None
    assert _fails(clar, _answer(kind="clarify", choices=["Fit 3", "Band"]), runner) == "clarify"
    fc = {"check": "forecast", "metric": "revenue", "horizon": 3}
    good = Answer(question="q", mode="offline", facts={"kind": "forecast", "metric": "revenue",
                                                        "forecast": {"horizon": 3, "total": 10.0}})
    assert _fails(fc, good, runner) == "chart"  # no chart came back
    assert _fails(fc, _answer(kind="forecast", metric="revenue", forecast={"horizon": 4, "total": 1.0}),
                  runner) == "horizon"


def test_a_wrong_expected_value_is_reported_as_a_failure(eval_settings, analyst) -> None:
    """Through the real planner: the right SQL passes, the same SQL off by 10% fails with cause 'value'."""
    sql = ("SELECT SUM(oi.revenue) FROM orders o JOIN order_items oi USING (order_id) "
           "WHERE o.status = 'completed' AND o.order_date BETWEEN DATE '{start}' AND DATE '{end}'")
    qs = parse_questions([
        {"id": "right", "question": "revenue in 2025", "kind": "figure",
         "expected": {"check": "value", "period": ["2025-01-01", "2025-12-31"], "sql": sql}},
        {"id": "wrong", "question": "revenue in 2025", "kind": "figure",
         "expected": {"check": "value", "period": ["2025-01-01", "2025-12-31"],
                      "sql": sql.replace("SUM(oi.revenue)", "SUM(oi.revenue) * 1.1")}},
    ])
    report = run_eval(eval_settings, qs, analyst=analyst)
    by_id = {r.id: r for r in report.results}
    assert by_id["right"].ok, by_id["right"]
    assert not by_id["wrong"].ok and by_id["wrong"].cause == "value"
    assert report.accuracy == 0.5 and report.per_kind()["figure"]["passed"] == 1


# --- the set against the planner ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "split"), [(n, s) for n in FLOORS for s in FLOORS[n]])
def test_offline_planner_accuracy_on_the_sets(name: str, split: str, eval_settings, analyst, tmp_path: Path,
                                             record_property) -> None:
    include_slow = os.environ.get("SHOPLENS_EVAL_SLOW") == "1"
    report = run_eval(eval_settings, load_set(name, split), include_slow=include_slow, analyst=analyst)
    record_property("eval_accuracy", round(report.accuracy, 4))
    record_property("eval_per_kind", json.dumps(report.per_kind()))
    (tmp_path / "eval-report.json").write_text(json.dumps(report.to_dict(), indent=2, default=str))
    errors = [r for r in report.failures if r.cause in ("error", "expected_sql")]
    assert not errors, [(r.id, r.detail) for r in errors]  # a crash or a broken expected SQL is never "accuracy"
    summary = ", ".join(f"{k} {v['passed']}/{v['total']}" for k, v in report.per_kind().items())
    print(f"\n{name}/{split}: offline planner accuracy {report.accuracy:.1%} ({report.passed}/{report.total}): "
          f"{summary}")
    floor = FLOORS[name][split]
    # held-out failures are reported by count only: nobody reads them question by question
    detail = [(r.id, r.cause, r.question) for r in report.failures] if split == "tuned" else len(report.failures)
    assert report.accuracy >= floor, detail


# --- the command ---------------------------------------------------------------------------------------------------
def _cli(argv: list[str]) -> int:
    import typer

    from shoplens.agent.cli import cmd_eval, common

    app = typer.Typer(pretty_exceptions_enable=False)
    cmd_eval.register(app)
    app.command("noop", hidden=True)(lambda: None)  # a second command keeps `eval` a named sub-command
    return common.run_cli(app, argv)


def test_eval_command_reports_per_kind_and_needs_a_warehouse(eval_db: Path, tmp_path: Path, capsys) -> None:
    assert _cli(["eval", "--db", str(eval_db), "--kind", "refuse", "--split", "tuned", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    refusals = [q for q in load_set("demo", "tuned") if q.kind == "refuse"]
    assert set(report["per_kind"]) == {"refuse"} and report["total"] == len(refusals)
    assert set(report["per_split"]) == {"tuned"}
    assert all({"id", "question", "cause", "expected", "got"} <= set(f) for f in report["failures"])
    assert _cli(["eval", "--db", str(eval_db), "--kind", "clarify", "--show-failures", "--min-accuracy", "1.01"]) == 1
    out = capsys.readouterr().out
    assert "clarify" in out and "overall" in out
    assert _cli(["eval", "--db", str(tmp_path / "missing.duckdb")]) == 2
    assert "shoplens data demo" in capsys.readouterr().err.replace("\n", " ")
