"""Phrasings the planner reads beyond a measure's name (as of 2026-06-30 on the demo warehouse): shares and parts
of a measure, rates per month, rankings named by a phrase, products named in part or after 'vs', references to
the last answer's values, campaign days and launch dates looked up in the data, and things the data does not hold.
Each figure is checked against SQL written here, not against the planner's own query."""

from __future__ import annotations

import datetime as dt

import pytest
from rule_examples import check_examples

from shoplens.agent.analyst import Analyst
from shoplens.agent.planner.entities import metric_phrasings
from shoplens.agent.planner.understand import Understander

D = dt.date
SALES = "FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) "


@pytest.fixture()
def analyst(settings, tool_ctx) -> Analyst:  # noqa: ANN001
    return Analyst(settings.replace(llm_base_url=None), ctx=tool_ctx)


def one(ctx, sql: str) -> float:  # noqa: ANN001
    return float(ctx.runner.run(sql).df.iat[0, 0])


def test_metric_phrasing_rules_match_their_examples_only() -> None:
    from importlib import resources

    import yaml

    raw = yaml.safe_load(resources.files("shoplens.prompts").joinpath("metric_phrasings.yaml").read_text("utf-8"))
    assert len(raw) == len(metric_phrasings())
    for rule in raw:
        check_examples(metric_phrasings()[raw.index(rule)][0], rule)


@pytest.mark.parametrize(("q", "metric", "kind"), [
    ("margin % for home & kitchen in 2025", "gross_margin_pct", "figure"),  # '%' of a name is not a share
    ("avg rating per month for the aurora x2 wireless earbuds in 2025", "avg_rating", "trend"),  # a rate per month
    ("avg orders per month in 2025", "orders", "figure"),  # a count per month is an average
    ("graph the retrun rate by channel for 2025", "return_rate", "chart"),  # one mistyped word of a name
    ("how much revenue came thru campaigns in 2025", "campaign_revenue", "figure"),
    ("how many customers ordered more than once in 2025", "repeat_customers", "figure"),
])
def test_measures_named_by_phrasing(u: Understander, q: str, metric: str, kind: str) -> None:
    p = u.understand(q)
    assert (p.metric, p.kind) == (metric, kind)
    if kind == "trend":
        assert p.grain == "month"
    if q.startswith("avg orders"):
        assert p.per == "month"


def test_rankings_named_by_a_phrase(u: Understander) -> None:
    p = u.understand("which marketing channel had the highest ctr last quarter")
    assert (p.kind, p.group_by, p.top_n, p.winner) == ("top", ["campaign_channel"], 1, True)
    p = u.understand("which brand had the worst avg rating in 2025")  # 'rating' is the measure, not a split
    assert (p.kind, p.metric, p.group_by, p.order) == ("top", "avg_rating", ["brand"], "asc")
    assert u.understand("reviews by rating in 2025").group_by == ["rating"]


def test_products_named_in_part_or_after_vs(u: Understander) -> None:
    p = u.understand("sales of the paddle this summer")  # two products carry the word: ask
    assert p.kind == "clarify" and sorted(p.choices) == ["Ace Pro Pickleball Paddle Set",
                                                         "Tidewater Inflatable Paddle Board"]
    p = u.understand("sales of the cuddle cove plush in december")  # the brand starts two products' names
    assert p.kind == "clarify" and len(p.choices) == 2
    assert u.understand("cuddle cove sales in 2025").filters == {"brand": ["Cuddle Cove"]}
    p = u.understand("kestrel fit 4 vs fit 3 revenue in 2025")
    assert sorted(p.filters["product"]) == ["Kestrel Fit 3 Smartwatch", "Kestrel Fit 4 Smartwatch"]
    p = u.understand("what do customers complain about on the Zestra Stand Mixer, ahead of a call with Zestra?")
    assert p.filters == {"product": ["Zestra Stand Mixer"]}  # the product's own brand adds nothing


def test_the_order_channel_unless_customers_came_in(u: Understander) -> None:
    p = u.understand("How many orders came in through the marketplace on Black Friday 2025?")
    assert p.filters == {"channel": ["marketplace"]}
    assert dates(p) == (D(2025, 11, 28), D(2025, 11, 28))
    p = u.understand("how many customers came through affiliates in 2025")
    assert p.filters == {"acquisition_channel": ["affiliate"]}


@pytest.mark.parametrize("q", ["whats the current inventory level of the aurora x2",
                               "how much did we pay for shipping last month"])
def test_data_the_shop_does_not_hold_is_declined(u: Understander, q: str) -> None:
    p = u.understand(q)
    assert p.kind == "unsupported" and "not in the shop's data" in (p.reason or "")


def test_black_friday_week_against_the_week_before(u: Understander) -> None:
    p = u.understand("what's behind the jump in electronics revenue in black friday week 2025 vs the week before?")
    assert p.kind == "why"
    assert dates(p) == (D(2025, 11, 24), D(2025, 11, 30))
    assert p.compare_period is not None
    assert (p.compare_period.start, p.compare_period.end) == (D(2025, 11, 17), D(2025, 11, 23))


def dates(p) -> tuple[dt.date, dt.date]:  # noqa: ANN001
    assert p.period is not None
    return p.period.start, p.period.end


# --- answers, checked against SQL written here ------------------------------------------------------------------
def test_repeat_customers_against_sql(analyst: Analyst, tool_ctx) -> None:  # noqa: ANN001
    a = analyst.ask("how many repeat customers did we have in H2 2025")
    want = one(tool_ctx, """SELECT count(*) FROM (SELECT customer_id FROM orders WHERE status = 'completed'
        AND customer_id IS NOT NULL AND order_date BETWEEN '2025-07-01' AND '2025-12-31'
        GROUP BY 1 HAVING count(DISTINCT order_id) > 1)""")
    assert a.facts["metric"] == "repeat_customers" and a.facts["value"] == pytest.approx(want)


def test_part_of_a_measure_as_a_share(analyst: Analyst, tool_ctx) -> None:  # noqa: ANN001
    a = analyst.ask("what share of our 2025 revenue came from campaigns")
    want = one(tool_ctx, f"""SELECT SUM(oi.revenue) FILTER (WHERE o.campaign_id IS NOT NULL) / SUM(oi.revenue)
        {SALES} WHERE o.status = 'completed' AND o.order_date BETWEEN '2025-01-01' AND '2025-12-31'""")
    assert a.facts["share_in"] == "revenue" and a.facts["value"] == pytest.approx(want)
    assert "of revenue" in a.answer


def test_breakdown_shares_of_a_distinct_count(analyst: Analyst, tool_ctx) -> None:  # noqa: ANN001
    a = analyst.ask("what % of 2025 orders came from each channel")
    shares = dict(a.facts["shares"])
    total = one(tool_ctx, "SELECT count(*) FROM orders WHERE order_date BETWEEN '2025-01-01' AND '2025-12-31'")
    web = one(tool_ctx, """SELECT count(*) FROM orders WHERE channel = 'web'
        AND order_date BETWEEN '2025-01-01' AND '2025-12-31'""")
    assert shares["web"] == pytest.approx(web / total)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_that_category_is_the_last_answers_winner(analyst: Analyst) -> None:
    first = analyst.ask("which category had the highest return rate in 2025", session="s")
    winner = first.facts["rows"][0][0]
    a = analyst.ask("subcategory with the highest return rate within that category", session="s")
    assert a.facts["filters"] == {"category": [winner]} and a.facts["group_by"] == ["subcategory"]
    assert a.facts["period"]["start"] == "2025-01-01"  # the period carries over


def test_a_bare_top_n_after_gibberish_continues_the_ranking(analyst: Analyst) -> None:
    analyst.ask("top 5 brands by revenue this year", session="s")
    assert analyst.ask("asdf qwerty", session="s").facts["kind"] == "unsupported"
    a = analyst.ask("sorry, cat on the keyboard. top 10 pls", session="s")
    assert a.facts["group_by"] == ["brand"] and a.facts["top_n"] == 10
    assert a.facts["period"]["start"] == "2026-01-01"


def test_since_launch_starts_at_the_catalogue_launch_date(analyst: Analyst, tool_ctx) -> None:  # noqa: ANN001
    a = analyst.ask("luna vitamin c eye cream revenue since it launched")
    launched = tool_ctx.runner.scalar("SELECT launch_date FROM products WHERE name = 'Luna Vitamin C Eye Cream'")
    first = tool_ctx.runner.run(f"""SELECT min(o.order_date) {SALES}
        WHERE p.name = 'Luna Vitamin C Eye Cream'""").df.iat[0, 0]
    assert str(launched)[:10] < str(first)[:10]  # launched before its first order: the launch date wins
    assert a.facts["period"]["start"] == str(launched)[:10]


def test_a_followup_keeps_a_looked_up_period(analyst: Analyst) -> None:
    analyst.ask("kestrel fit 4 revenue per month since launch", session="launch")
    a = analyst.ask("same but for units", session="launch")
    assert a.facts["metric"] == "units" and a.facts["period"]["start"] != "2026-06-01"
    assert a.facts["period"]["end"] == "2026-06-30" and a.facts["period"]["start"] < "2026-01-01"


def test_a_reviews_question_without_a_subject_follows_the_last_product(analyst: Analyst) -> None:
    analyst.ask("avg rating for the luna glow serum ytd", session="rv")
    a = analyst.ask("what are the main complaints?", session="rv")
    assert a.facts["kind"] == "reviews" and a.facts["filters"] == {"product": ["Luna Glow Serum"]}
    assert a.facts["period"]["start"] == "2026-01-01"


def test_nonsense_in_everyday_words_is_declined(analyst: Analyst) -> None:
    assert analyst.ask("purple monkey dishwasher").facts["kind"] == "unsupported"
    assert analyst.ask("how is the shop doing").facts["kind"] != "unsupported"


def test_a_bare_year_after_an_event_is_the_same_event_that_year(analyst: Analyst) -> None:
    a = analyst.ask("toys revenue black friday weekend 2025 vs 2024")
    assert a.facts["compare_period"]["start"] == "2024-11-29" and a.facts["compare_period"]["end"] == "2024-12-01"
    b = analyst.ask("easter weekend revenue 2026 vs easter 2025")
    assert b.facts["period"]["start"] == "2026-04-03" and b.facts["compare_period"]["start"] == "2025-04-18"


def test_share_of_a_part_within_a_named_whole(analyst: Analyst) -> None:
    a = analyst.ask("what % of electronics revenue came from audio in 2025")
    assert a.facts["share_of"] == "subcategory" and 0 < a.facts["value"] < 1


def test_why_for_one_product_names_its_rising_complaints(analyst: Analyst) -> None:
    a = analyst.ask("why did so many aurora x2 earbuds get returned in fall 2025?")
    assert "battery" in a.answer.lower()


def test_campaign_days_against_the_same_days_a_year_earlier(analyst: Analyst, tool_ctx) -> None:  # noqa: ANN001
    a = analyst.ask("what drove beauty revenue during the valentine's beauty edit 2026 vs the same days in 2025?")
    lo, hi = tool_ctx.runner.run("""SELECT min(o.order_date), max(o.order_date) FROM orders o
        JOIN campaigns ca USING (campaign_id) WHERE ca.name = 'Valentine''s Beauty Edit 2026'""").df.iloc[0]
    assert (a.facts["period"]["start"], a.facts["period"]["end"]) == (str(lo)[:10], str(hi)[:10])
    assert a.facts["compare_period"]["start"] == str(lo)[:10].replace("2026", "2025")
    assert a.facts["filters"] == {"category": ["Beauty"]}  # the campaign gives the days, not a filter
    new = [s for s in a.facts["signals"] if s.get("new")]
    assert all(s["product"] != "Luna Glow Serum" for s in new)  # on sale in both years


def test_those_after_a_ranking_names_its_values(analyst: Analyst) -> None:
    top = analyst.ask("top 5 products by revenue last quarter", session="those")
    a = analyst.ask("how many units did those sell?", session="those")
    shown = [r[0] for r in top.facts["rows"]]
    assert a.facts["metric"] == "units" and sorted(a.facts["filters"]["product"]) == sorted(shown)


def test_compare_with_a_named_month_keeps_the_last_period(analyst: Analyst) -> None:
    analyst.ask("revenue in june 2026", session="cmp")
    a = analyst.ask("how does that compare with may?", session="cmp")
    assert a.facts["period"]["start"] == "2026-06-01" and a.facts["compare_period"]["start"] == "2026-05-01"


def test_a_bare_month_after_a_dated_one_is_the_nearest(analyst: Analyst) -> None:
    a = analyst.ask("why did toys & games revenue crash in january 2026 vs december?")
    assert a.facts["compare_period"]["start"] == "2025-12-01"


def test_ranked_weekdays_and_gripes(analyst: Analyst) -> None:
    a = analyst.ask("what were the 3 slowest days of the week for revenue in 2025")
    assert a.facts["group_by"] == ["weekday"] and len(a.facts["rows"]) == 3
    assert analyst.ask("busiest day of the week in 2025").facts["group_by"] == ["weekday"]
    assert analyst.ask("biggest gripes in audio reviews during q4 2025?").facts["kind"] == "reviews"
    assert analyst.ask("5 least viewed products on the site last month").facts["metric"] == "product_views"
