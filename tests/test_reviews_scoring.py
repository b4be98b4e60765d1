"""The enrichment job (incremental, versioned, batch transactions), `shoplens reviews` and the review_insights tool."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from shoplens.data.contract import TABLES, create_table_sql
from shoplens.data.errors import UserInputError
from shoplens.tools.reviews.insights import ReviewInsightsTool
from shoplens.tools.reviews.lexicon import VaderBackend
from shoplens.tools.reviews.offline import general_model
from shoplens.tools.reviews.scoring import ReviewScorer, review_text, score_warehouse
from shoplens.tools.sql import SqlRunner

DATA = Path(__file__).parent / "data"
PRODUCTS = [
    (1, "Aurora X2 Wireless Earbuds", "Electronics", "Aurora"),
    (2, "Luna Glow Serum", "Beauty", "Luna"),
    (3, "Trail Runner Jacket", "Apparel", "Summit"),
]
GOOD = {1: ["Great sound and the battery lasts all day.", "Love these, pairing is instant and the bass is rich.",
            "Comfortable fit and crisp sound, worth the price."],
        2: ["My skin looks brighter, lovely light scent.", "Absorbs fast and no irritation at all."],
        3: ["Fits true to size and keeps me dry.", "Warm, light and the zipper is solid."]}
BAD = {1: ["The battery died after two days, terrible.", "Battery drains in an hour and support never replied.",
           "Stopped charging after a week, waste of money."],
       2: ["Gave me a rash and the scent is way too strong."], 3: ["Runs small and the seams ripped."]}


def build_small_warehouse(path: Path) -> Path:
    """3 products, a few orders, ~150 reviews over 2025-05..2025-11 with an earbud battery crisis from September."""
    con = duckdb.connect(str(path))
    for table in ("products", "orders", "reviews"):
        con.execute(create_table_sql(table, TABLES[table]))
    for pid, name, cat, brand in PRODUCTS:
        con.execute("INSERT INTO products (product_id, sku, name, category, brand) VALUES (?, ?, ?, ?, ?)",
                    [pid, f"SKU{pid}", name, cat, brand])
    con.execute("INSERT INTO orders (order_id, order_date, status) VALUES (1, DATE '2025-11-30', 'completed')")
    rows, rid = [], 1
    day = dt.date(2025, 5, 1)
    while day <= dt.date(2025, 11, 30):
        for pid in (1, 2, 3):
            crisis = pid == 1 and dt.date(2025, 9, 1) <= day
            bad = crisis and rid % 4 != 0 or (not crisis and rid % 9 == 0)
            pool = BAD[pid] if bad else GOOD[pid]
            body = pool[(rid // 3) % len(pool)]
            rows.append((rid, pid, day, 1 + rid % 2 if bad else 4 + rid % 2, "Review", body))
            rid += 1
        day += dt.timedelta(days=4)
    con.executemany("INSERT INTO reviews (review_id, product_id, review_date, rating, title, body) "
                    "VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.close()
    return path


@pytest.fixture(scope="module")
def warehouse_template(tmp_path_factory) -> Path:
    return build_small_warehouse(tmp_path_factory.mktemp("small") / "shop.duckdb")


@pytest.fixture()
def warehouse(warehouse_template, tmp_path) -> Path:
    path = tmp_path / "shop.duckdb"
    shutil.copy(warehouse_template, path)
    return path


@pytest.fixture(scope="module")
def offline():
    """The shipped general model (no training in tests: it works on first use)."""
    return general_model()


def _count(path: Path, sql: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_review_text_joins_title_and_body():
    assert review_text("Great", "Works well.") == "Great. Works well."
    assert review_text("Great!", "Works well.") == "Great! Works well."
    assert review_text(None, "Body") == "Body" and review_text("Title", None) == "Title"


def test_incremental_scoring_and_versions(warehouse, offline):
    scorer = ReviewScorer(offline)
    seen = []
    first = score_warehouse(warehouse, scorer, batch_size=64, progress=lambda d, t: seen.append((d, t)))
    total = first.total_reviews
    assert first.scored == first.pending == total > 100 and first.aspects_written > total // 2
    assert seen[0] == (0, total) and seen[-1] == (total, total) and len(seen) == first.batches + 1
    assert _count(warehouse, "SELECT count(*) FROM review_sentiment") == total
    assert _count(warehouse, f"SELECT count(*) FROM review_sentiment WHERE model_version = '{scorer.version}'") == total
    battery_neg = _count(warehouse, "SELECT count(*) FROM review_aspects WHERE aspect = 'battery' AND polarity = 'negative'")
    bad_earbuds = ", ".join("'" + b.replace("'", "''") + "'" for b in BAD[1])
    assert battery_neg == _count(warehouse, f"SELECT count(*) FROM reviews WHERE body IN ({bad_earbuds})") > 15

    again = score_warehouse(warehouse, scorer)
    assert again.scored == 0 and again.pending == 0

    con = duckdb.connect(str(warehouse))
    con.execute("INSERT INTO reviews (review_id, product_id, review_date, rating, title, body) "
                "VALUES (9999, 1, DATE '2025-11-30', 1, 'Dead', 'The battery died on day one.')")
    con.close()
    third = score_warehouse(warehouse, scorer)
    assert third.scored == 1
    assert _count(warehouse, "SELECT count(*) FROM review_sentiment WHERE review_id = 9999 AND label = 'negative'") == 1

    other = ReviewScorer(VaderBackend())  # a different model version re-scores everything
    assert other.version != scorer.version
    fourth = score_warehouse(warehouse, other)
    assert fourth.scored == total + 1
    assert _count(warehouse, "SELECT count(DISTINCT model_version) FROM review_sentiment") == 1
    # no duplicate aspect rows after re-scoring
    assert _count(warehouse, "SELECT count(*) FROM (SELECT review_id, aspect, polarity FROM review_aspects "
                             "GROUP BY ALL HAVING count(*) > 1)") == 0


def test_interrupted_run_keeps_finished_batches(warehouse):
    class Boom(ReviewScorer):
        calls = 0

        def analyze(self, texts, categories=None):
            Boom.calls += 1
            if Boom.calls == 3:
                raise KeyboardInterrupt
            return super().analyze(texts, categories)

    report = score_warehouse(warehouse, Boom(VaderBackend()), batch_size=20)
    assert report.interrupted and report.scored == 40
    assert _count(warehouse, "SELECT count(*) FROM review_sentiment") == 40
    rest = score_warehouse(warehouse, ReviewScorer(VaderBackend()), batch_size=20)
    assert rest.scored == report.total_reviews - 40 and not rest.interrupted


def _cli() -> typer.Typer:
    from shoplens.agent.cli import cmd_reviews

    app = typer.Typer()
    cmd_reviews.register(app)
    app.command("noop")(lambda: None)  # keep "reviews" a sub-command group
    return app


def test_cli_scores_a_text_file_as_json_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))  # nothing trained: the shipped model, no training
    monkeypatch.delenv("SHOPLENS_SENTIMENT_MODEL", raising=False)
    lines = ["Absolutely love it, works perfectly.", "", "The battery died after two days, waste of money."]
    f = tmp_path / "reviews.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(_cli(), ["reviews", "score", "--text-file", str(f), "--json"])
    assert result.exit_code == 0, result.output
    objs = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["text"] for o in objs] == [lines[0], lines[2]] and [o["id"] for o in objs] == [1, 3]
    assert [o["label"] for o in objs] == ["positive", "negative"]
    assert all(-1 <= o["score"] <= 1 and 0 <= o["probability"] <= 1 for o in objs)
    assert all(o["model_version"].startswith("general-en-") for o in objs)
    assert any(a["aspect"] == "battery" and a["polarity"] == "negative" for a in objs[1]["aspects"])
    assert not (tmp_path / "home" / "models").exists()  # scoring never trains or writes a model


def test_cli_scores_json_lines_and_csv_keeping_ids(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SHOPLENS_SENTIMENT_MODEL", raising=False)
    jl = tmp_path / "in.jsonl"
    jl.write_text('{"id": "a1", "text": "Terrible, it broke on day one."}\n{"id": "a2", "text": "Love it!"}\n')
    result = CliRunner().invoke(_cli(), ["reviews", "score", "--text-file", str(jl), "--json"])
    assert result.exit_code == 0, result.output
    objs = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(o["id"], o["label"]) for o in objs] == [("a1", "negative"), ("a2", "positive")]
    csv = tmp_path / "in.csv"
    csv.write_text('sku,comment\nX1,"Great value, works well"\n')
    result = CliRunner().invoke(_cli(), ["reviews", "score", "--text-file", str(csv), "--text-col", "comment",
                                         "--id-col", "sku", "--json"])
    assert result.exit_code == 0, result.output
    assert [(o["id"], o["label"]) for o in map(json.loads, result.stdout.splitlines())] == [("X1", "positive")]


def test_cli_scores_the_warehouse_incrementally(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    args = ["reviews", "score", "--db", str(warehouse), "--backend", "vader", "--json"]
    first = CliRunner().invoke(_cli(), args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["scored"] == report["total_reviews"] > 0
    second = json.loads(CliRunner().invoke(_cli(), args).stdout)
    assert second["scored"] == 0


def test_cli_refuses_an_unknown_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    f = tmp_path / "t.txt"
    f.write_text("ok\n")
    result = CliRunner().invoke(_cli(), ["reviews", "score", "--text-file", str(f), "--backend", "magic"])
    assert result.exit_code != 0 and isinstance(result.exception, UserInputError)


def _insights(path: Path, tmp_path: Path) -> tuple[ReviewInsightsTool, SqlRunner]:
    runner = SqlRunner(path)
    return ReviewInsightsTool(runner, tmp_path / "charts"), runner


def test_insights_on_scored_reviews(warehouse, offline, tmp_path):
    score_warehouse(warehouse, ReviewScorer(offline))
    tool, runner = _insights(warehouse, tmp_path)
    try:
        out = tool.run(product="aurora x2", start="2025-09-01", end="2025-11-30")
    finally:
        runner.close()
    f = out.facts
    assert f["scope"] == "product Aurora X2 Wireless Earbuds" and f["sentiment_source"] == "model"
    assert f["negative_jump"] is True and f["share_negative"] > f["previous_share_negative"] + 0.3
    assert "battery" in f["top_negative_aspects"]
    assert "ALERT" in out.summary and "battery" in out.summary
    neg = next(t for t in out.tables if t.title == "Top negative aspects")
    battery = next(r for r in neg.rows if r[0] == "battery")
    quotes = battery[3].split(" | ")
    assert 2 <= len(quotes) <= 3
    bodies = {b for pool in BAD.values() for b in pool}
    assert all(any(q in b for b in bodies) for q in quotes)  # verbatim
    assert out.charts and Path(out.charts[0].path).stat().st_size > 5000 and Path(out.charts[0].data).exists()
    assert out.period.start == dt.date(2025, 9, 1) and not out.warnings
    assert json.dumps(out.to_dict())


def test_insights_fall_back_to_star_ratings(warehouse, tmp_path):
    tool, runner = _insights(warehouse, tmp_path)
    try:
        out = tool.run(product="Aurora X2 Wireless Earbuds", start="2025-09-01", end="2025-11-30")
        stable = tool.run(category="Apparel", days=60)
        unknown = None
        try:
            tool.run(product="Aurora X3 Earbuds")
        except UserInputError as exc:
            unknown = exc
    finally:
        runner.close()
    assert out.facts["sentiment_source"] == "star ratings" and "shoplens reviews score" in out.warnings[0]
    assert out.facts["negative_jump"] is True and "battery" in out.facts["top_negative_aspects"]
    assert stable.facts["negative_jump"] is False and stable.period.end == dt.date(2025, 11, 30)
    assert unknown is not None and "Aurora X2 Wireless Earbuds" in str(unknown)


def test_insights_reject_bad_arguments(warehouse, tmp_path):
    tool, runner = _insights(warehouse, tmp_path)
    try:
        with pytest.raises(UserInputError, match="one of product, brand, category or subcategory"):
            tool.run(product="Luna Glow Serum", brand="Luna")
        with pytest.raises(UserInputError, match="date"):
            tool.run(brand="Luna", start="last tuesday")
        empty = tool.run(brand="Luna", start="2020-01-01", end="2020-03-01")
        assert empty.facts["reviews"] == 0 and "No reviews" in empty.summary
    finally:
        runner.close()


def test_insights_find_the_demo_battery_defect(demo_db, tmp_path):
    """The demo's Aurora X2 battery defect (Sep-Nov 2025) shows up even before any scoring (star fallback)."""
    tool, runner = _insights(demo_db, tmp_path)
    try:
        out = tool.run(product="Aurora X2 Wireless Earbuds", start="2025-09-01", end="2025-11-30")
    finally:
        runner.close()
    assert out.facts["reviews"] >= 5  # scale 0.05: a handful of reviews per product and quarter
    assert out.facts["share_negative"] > out.facts["previous_share_negative"] + 0.2
    assert next(iter(out.facts["top_negative_aspects"])) == "battery"


def test_insights_sample_each_period_alike_above_the_cap(warehouse, tmp_path, monkeypatch):
    """Unscored and over the cap: the same number of reviews is read from each period, the counts are scaled to
    the period's reviews (so 'vs before' compares like with like), and the answer says it is an estimate."""
    import shoplens.tools.reviews.insights as insights

    tool, runner = _insights(warehouse, tmp_path)
    try:
        full = tool.run(product="Aurora X2 Wireless Earbuds", start="2025-09-01", end="2025-11-30")
        n_cur, n_prev = full.facts["reviews"], full.facts["previous_reviews"]
        cap = min(n_cur, n_prev) // 2
        assert cap >= 3
        monkeypatch.setattr(insights, "FALLBACK_CAP", cap)
        sampled = tool.run(product="Aurora X2 Wireless Earbuds", start="2025-09-01", end="2025-11-30")
    finally:
        runner.close()
    sql = sampled.sql[-1]
    assert "PARTITION BY" in sql and "QUALIFY" in sql
    assert any("estimated from a random sample" in w for w in sampled.warnings)
    assert not any("estimated" in w for w in full.warnings)
    assert sampled.facts["reviews"] == n_cur  # the sentiment mix still counts every review
    est, exact = sampled.facts["top_negative_aspects"], full.facts["top_negative_aspects"]
    assert "battery" in est and est["battery"] >= 1
    # scaled back to the period (an unscaled half sample would count about half the battery complaints)
    assert 0.75 * exact["battery"] <= est["battery"] <= 1.25 * exact["battery"]


def test_insights_for_a_subcategory(demo_db, tmp_path):
    tool, runner = _insights(demo_db, tmp_path)
    try:
        out = tool.run(subcategory="audio", start="2025-09-01", end="2025-11-30")
        n = runner.run("SELECT count(*) FROM reviews r JOIN products p USING (product_id) WHERE p.subcategory = "
                       "'Audio' AND r.review_date BETWEEN DATE '2025-09-01' AND DATE '2025-11-30'").rows[0][0]
    finally:
        runner.close()
    assert out.facts["scope"] == "subcategory Audio" and out.facts["reviews"] == n > 0
