"""Chinese questions in the offline planner: the lexicon's translation, plans of everyday Chinese questions,
follow-ups, answers written in Chinese with 万/亿, refusals in Chinese, and Chinese charts in a CJK font."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shoplens.agent.analyst import Analyst
from shoplens.agent.planner import OfflinePlanner
from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.zh_translate import cn_number, is_chinese, to_english
from shoplens.agent.toolbox import Toolbox
from shoplens.tools.formatting import format_date, format_signed, format_value, number_style

AS_OF = dt.date(2026, 6, 30)


# --- translation --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("q, words", [
    ("上个月各品类的销售额，画成柱状图", ["last month", "by category", "revenue", "bar chart"]),
    ("2024年服饰类的退货率", ["in 2024", "apparel", "return rate"]),
    ("本月销售额同比", ["this month", "revenue", "vs same period last year"]),
    ("上周订单数环比怎么样", ["last week", "orders", "vs previous period"]),
    ("最近7天有多少单被取消了", ["last 7 days", "cancelled"]),
    ("2025年双十一当天第三方平台的销售额", ["singles day 2025", "marketplace", "revenue"]),
    ("上个月销量前五的商品", ["last month", "units sold", "top 5", "products"]),
    ("预测一下未来8周每周的销售额", ["forecast", "next 8 weeks", "by week", "revenue"]),
    ("去年第三季度的GMV", ["q3 2025", "revenue"]),
    ("今年以来服装类的毛利率", ["year to date", "apparel", "gross margin %"]),
    ("上周美妆卖了几件", ["last week", "beauty", "units sold"]),
    ("最近30天按周几拆一下营业额", ["last 30 days", "by weekday", "revenue"]),
    ("Summit帐篷的评价怎么样", ["summit tent", "reviews"]),
])
def test_chinese_questions_become_the_planners_english(q: str, words: list[str]) -> None:
    english = to_english(q, AS_OF).english.lower()
    for w in words:
        assert w.lower() in english, (q, english)


def test_latin_names_are_kept_and_unknown_words_are_listed() -> None:
    tr = to_english("Zestra Compact Air Fryer 4qt的评价怎么样？", AS_OF)
    assert "zestra compact air fryer 4qt" in tr.english and "reviews" in tr.english
    assert to_english("蓝鲸飞船", AS_OF).unknown  # no word of it is in the lexicon


@pytest.mark.parametrize("text, n", [("8", 8), ("五", 5), ("十二", 12), ("二十", 20), ("两", 2), ("十", 10)])
def test_chinese_numerals(text: str, n: int) -> None:
    assert cn_number(text) == n


def test_language_detection() -> None:
    assert is_chinese("那美妆呢？") and not is_chinese("revenue last month") and not is_chinese("")


# --- numbers the Chinese way --------------------------------------------------------------------------------
def test_wan_and_yi() -> None:
    assert format_value(15_512_345, "currency", lang="zh") == "$1551.2万"
    assert format_value(45_620, "currency", lang="zh") == "$4.56万"
    assert format_value(9_876, "currency", lang="zh") == "$9,876"  # no K in Chinese
    assert format_value(980, "currency", lang="zh") == "$980"
    assert format_value(123_456_789, "count", lang="zh") == "1.23亿"
    assert format_value(0.081, "percent", lang="zh") == "8.1%"
    assert format_value(1_234, "count", lang="zh") == "1,234"
    assert format_value(None, "count", lang="zh") == "无数据"
    assert format_signed(-0.012, "percent", lang="zh") == "-1.2个百分点"
    assert format_signed(-45_620, "currency", lang="zh", currency="¥") == "-¥4.56万"
    assert format_value(15_512_345, "currency", lang="zh", currency="¥") == "¥1551.2万"
    assert format_date("2025-04-01", "quarter", lang="zh") == "2025年第2季度"
    assert format_date("2025-03-10", "week", lang="zh") == "2025年3月10日那周"


def test_one_formatter_for_both_languages() -> None:
    # English is unchanged by the language parameter; a number_style block sets the default for a whole render
    assert format_value(1_234_567, "currency") == "$1.23M" == format_value(1_234_567, "currency", lang="en")
    with number_style("zh", "¥"):
        assert format_value(1_234_567, "currency") == "¥123万"
        assert format_value(1_234_567, "currency", lang="en") == "¥1.23M"
        assert format_date("2025-03-14") == "2025年3月14日"
    assert format_value(1_234_567, "currency") == "$1.23M" and format_date("2025-03-14") == "Mar 14, 2025"


@pytest.mark.parametrize("code, symbol", [("USD", "$"), ("cny", "¥"), ("EUR", "€"), ("", "$"), ("CHF", "CHF ")])
def test_currency_symbol(code: str, symbol: str) -> None:
    from shoplens.tools.formatting import currency_symbol

    assert currency_symbol(code) == symbol


def test_grounding_reads_wan_and_yi() -> None:
    from shoplens.agent.grounding import check_grounding, extract_claims

    claims = extract_claims("2025年销售额为$1551.2万，订单1.23亿单，最近30天增长8.1%")
    assert sorted(round(c.value) for c in claims if not c.percent) == [15_512_000, 123_000_000]
    assert check_grounding("销售额为$1551.2万", [{"value": 15_512_345}]).ok
    assert not check_grounding("销售额为$1651.2万", [{"value": 15_512_345}]).ok
    assert check_grounding("2025年3月14日的订单数是1,234单", [{"value": 1234}]).ok


# --- plans --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def planner(tool_ctx) -> OfflinePlanner:  # type: ignore[no-untyped-def]
    from shoplens.agent.config import Settings

    return OfflinePlanner(Toolbox(tool_ctx, Settings.load(env={})))


def test_plans_of_everyday_chinese_questions(planner: OfflinePlanner, tool_ctx) -> None:  # type: ignore[no-untyped-def]
    year = tool_ctx.as_of.year - 1
    p = planner.plan(f"{year}年美妆品类的退货率")
    assert (p.kind, p.metric, p.filters, p.lang) == ("figure", "return_rate", {"category": ["Beauty"]}, "zh")
    assert p.period is not None and (p.period.start, p.period.end) == (dt.date(year, 1, 1), dt.date(year, 12, 31))
    p = planner.plan(f"各品类{year}年的毛利")
    assert (p.kind, p.metric, p.group_by) == ("breakdown", "gross_margin", ["category"])
    assert planner.plan("今年每个月的广告花费").metric == "ad_spend"
    assert planner.plan("本月销售额同比").compare_mode == "yoy"
    assert planner.plan("为什么本季度美妆的销售额比上季度涨了？").kind == "why"
    p = planner.plan("销售额最低的是哪三个品类")
    assert (p.kind, p.top_n, p.order, p.group_by) == ("top", 3, "asc", ["category"])


def test_follow_ups_in_chinese(planner: OfflinePlanner) -> None:
    first = planner.plan("上个月App端的客单价是多少？")
    second = planner.plan("那官网呢？", first)
    assert (second.metric, second.filters) == ("aov", {"channel": ["web"]}) and second.period == first.period
    bars = planner.plan("换成柱状图", planner.plan("各品类上个月的销售额"))
    assert bars.chart_kind == "bar" and bars.group_by == ["category"]
    line = planner.plan("改成折线图", planner.plan("各品类上个月的销售额"))  # "change it to" a chart is not a write
    assert line.kind != "unsupported" and line.chart_kind == "line"


def test_a_brand_and_a_product_noun_name_its_products(planner: OfflinePlanner) -> None:
    p = planner.plan("Kestrel手表今年卖了多少")  # two smartwatches: which one?
    assert p.kind == "clarify" and p.choices and all("Smartwatch" in c for c in p.choices) and len(p.choices) == 2
    p = planner.plan("Summit帐篷的评价怎么样")
    assert p.kind == "reviews" and p.filters == {"product": ["Summit 2-Person Backpacking Tent"]}


@pytest.mark.parametrize("q", ["把Luna Glow Serum的价格改成29.99", "帮我导出所有客户的手机号和收货地址",
                               "今天上证指数收盘多少点？", "去年的净利润是多少", "帮我给所有客户群发优惠券",
                               "帮我把所有退货订单的状态改成已完成", "把这些订单标记为已发货",
                               "明天杭州会下雨吗", "先把Brand Search Q4 2025这个活动关掉", "用花呗付款的订单有多少",
                               "仓管老王这周排了几个班次"])
def test_refusals_in_chinese(planner: OfflinePlanner, q: str) -> None:
    p = planner.plan(q)
    assert p.kind == "unsupported" and is_chinese(p.reason or "")


def test_which_one_ranks_one(planner: OfflinePlanner) -> None:
    p = planner.plan("上个月哪个商品差评最多")
    assert (p.kind, p.metric, p.top_n, p.group_by) == ("top", "review_count", 1, ["product"]), p
    p = planner.plan("去年哪个品牌评分最差")
    assert (p.kind, p.metric, p.order, p.group_by) == ("top", "avg_rating", "asc", ["brand"]), p


def test_unknown_words_decline_only_when_several_say_nothing_the_data_has(planner: OfflinePlanner) -> None:
    p = planner.plan("仓管老王这周排了几个班次")  # three words the lexicon does not know, no measure named
    assert p.kind == "unsupported" and "老王" in (p.reason or ""), p.reason
    for q, kind in [("上个月人均下了几单", "figure"), ("今年美妆卖得垫底的三款", "top"), ("上半年整体平均几星", "figure"),
                    ("我想知道哪个品牌最赚钱", "top"), ("能不能告诉我复购的客户占比大概是多少", "figure")]:
        p = planner.plan(q)
        assert p.kind == kind, (q, p.kind, p.reason)


# --- answers ------------------------------------------------------------------------------------------------
def test_answer_is_chinese_with_a_cjk_chart(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from shoplens.tools.charts.cjk import cjk_family

    analyst = Analyst(settings)
    answer = analyst.ask("去年各品类的销售额，画成柱状图")
    assert answer.facts["kind"] in ("breakdown", "chart") and answer.facts["group_by"] == ["category"]
    assert "销售额" in answer.answer and "品类" in answer.answer and "Revenue" not in answer.answer
    assert answer.charts and "销售额" in answer.charts[0].title
    assert Image.open(answer.charts[0].path).size[0] > 600
    if cjk_family() is not None:  # the warning is the fallback when no CJK font is installed
        assert not any("CJK" in w for w in answer.warnings)
    follow = analyst.ask("那美妆呢？", answer.session_id)
    assert follow.facts.get("filters") == {"category": ["Beauty"]} and is_chinese(follow.answer)


def test_missing_cjk_font_is_a_clear_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    from shoplens.tools.charts import cjk

    fig = Figure()
    fig.suptitle("每月销售额")
    monkeypatch.setattr(cjk, "cjk_family", lambda: None)
    assert cjk.use_cjk_font(fig) == [cjk.MISSING] and "fonts-noto-cjk" in cjk.MISSING
    english = Figure()
    english.suptitle("Monthly revenue")
    assert cjk.use_cjk_font(english) == []


def test_refusal_answer_is_chinese(settings) -> None:  # type: ignore[no-untyped-def]
    answer = Analyst(settings).ask("帮我导出所有客户的手机号")
    assert answer.facts["kind"] == "unsupported" and is_chinese(answer.answer) and "导出" in answer.answer


def test_plan_language_defaults_to_english() -> None:
    assert Plan(kind="figure").lang == "en"


# --- tables -------------------------------------------------------------------------------------------------
def test_tables_of_a_chinese_answer_have_chinese_headers(settings) -> None:  # type: ignore[no-untyped-def]
    from shoplens.agent.frontends.slack_blocks import table_text
    from shoplens.tools.formatting import fraction_column

    analyst = Analyst(settings)
    answer = analyst.ask("去年各品类的销售额")
    table = answer.tables[0]
    assert table.columns == ["品类", "销售额", "占比"] and table.title.startswith("销售额（按品类）")
    assert fraction_column("占比") and fraction_column("退货率") and not fraction_column("销售额")
    assert "%" in table_text(table)  # the shares are still shown as percentages
    english = analyst.ask("revenue last year by category")
    assert english.tables[0].columns == ["Category", "Revenue", "Share"]
    assert [len(r) for r in english.tables[0].rows] == [len(r) for r in table.rows]
    why = analyst.ask("为什么上个月销售额下降了")
    assert why.tables and all(is_chinese(c) or c[:4].isdigit() for c in why.tables[0].columns)


def test_rank_words_and_same_period_follow_ups_in_chinese(planner: OfflinePlanner) -> None:
    p = planner.plan("上周销量第一的单品是哪个")
    assert (p.kind, p.top_n, p.order, p.group_by) == ("top", 1, "desc", ["product"])
    assert planner.plan("上个月销售额倒数第一的品类").order == "asc"
    first = planner.plan("今年以来销量最高的3个品牌")
    again = planner.plan("去年同期呢", first)
    assert again.kind == "top" and again.period.start.year == first.period.start.year - 1
    assert planner.plan("今年销量跟去年同期比").kind == "compare"


@pytest.mark.parametrize(("q", "metric"), [
    ("上个月卖出去的货平均一件多少钱", "avg_price"),  # a count word: "one piece, how much"
    ("本季度平均一单买几件", "items_per_order"),
    ("去年企业客户平均每人贡献多少GMV", "revenue_per_customer"),
])
def test_measures_said_with_a_count_word(planner: OfflinePlanner, q: str, metric: str) -> None:
    assert planner.plan(q).metric == metric


def test_which_group_has_the_most_of_a_review_measure(planner: OfflinePlanner) -> None:
    p = planner.plan("本季度差评最多的品牌")  # "the brand with the most bad reviews": a ranking, the one brand
    assert (p.kind, p.metric, p.top_n, p.group_by, p.filters) == ("top", "review_count", 1, ["brand"],
                                                                   {"rating": ["1", "2"]}), p
    p = planner.plan("去年CPC最便宜的是哪个营销渠道")
    assert (p.kind, p.metric, p.order, p.group_by) == ("top", "cpc", "asc", ["campaign_channel"]), p


@pytest.mark.parametrize("q", ["买Luna Glow Serum的主要是女生吗，大概什么年龄段", "上个月直播间带了多少GMV，哪个主播卖得最好",
                               "帮我在后台建一个双11满300减50的活动", "把上个月退货最多的那几个客户拉黑",
                               "这个季度店铺交了多少税"])
def test_declined_things_the_data_lacks_and_actions(planner: OfflinePlanner, q: str) -> None:
    assert planner.plan(q).kind == "unsupported"


def test_a_chinese_product_noun_picks_the_product(planner: OfflinePlanner) -> None:
    assert planner.plan("Ironleaf铸铁平底锅大家在抱怨什么").filters == {"product": ["Ironleaf 12-Inch Cast Iron Skillet"]}
    assert planner.plan("Maren瑜伽裤的差评说了些啥").filters == {"product": ["Maren High-Rise Yoga Leggings"]}


def test_the_same_period_last_year_share_keeps_the_share(planner: OfflinePlanner) -> None:
    first = planner.plan("本季度第三方平台的GMV占比多少")
    p = planner.plan("去年同期占比多少", first)
    assert (p.share_of, p.filters, p.period.start) == (first.share_of, first.filters, dt.date(2025, 4, 1)), p


def test_orders_per_customer_segments_side_by_side_and_small_talk(planner: OfflinePlanner) -> None:
    assert planner.plan("上个月人均下了几单").metric == "orders_per_customers"
    p = planner.plan("企业客户和个人客户去年客单价差多少")
    assert (p.metric, p.group_by, sorted(p.filters["segment"])) == ("aov", ["segment"], ["business", "consumer"])
    assert planner.plan("在吗在吗，周末有啥好吃的推荐").kind == "unsupported"  # not the referral channel
    assert planner.plan("上个月周末的销售额").filters == {"weekday": ["Saturday", "Sunday"]}


@pytest.mark.parametrize(("q", "metric", "group"), [
    ("今年新客最多的地区", "new_customers", ["region"]),  # "the region with the most new customers"
    ("毛利最高的子类目", "gross_margin", ["subcategory"]),
    ("上个月卖得最多的品牌", "units", ["brand"]),
])
def test_the_group_with_the_most_of_a_measure(planner: OfflinePlanner, q: str, metric: str, group: list[str]) -> None:
    p = planner.plan(q)
    assert (p.kind, p.metric, p.group_by, p.top_n) == ("top", metric, group, 1), p


def test_which_day_ranks_days(planner: OfflinePlanner) -> None:
    p = planner.plan("上个月哪一天订单最多")
    assert (p.kind, p.metric, p.grain, p.top_n) == ("top", "orders", "day", 1), p
