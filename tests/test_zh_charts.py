"""Charts for Chinese questions: numbers in 万/亿 with the shop's currency, dates and fixed words in Chinese, in a
CJK font; the same spec in English draws what it drew before (K/M, English words)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from shoplens.data.errors import UserInputError
from shoplens.tools.charts.render import png_bytes, render
from shoplens.tools.charts.spec import ChartSpec
from shoplens.tools.charts.style import tick_labels

AS_OF = dt.date(2026, 6, 30)


def monthly() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    period = pd.date_range("2025-07-01", periods=12, freq="MS")
    return pd.DataFrame({"period": period, "revenue": 1_000_000 + rng.uniform(0, 800_000, len(period))})


def figure_texts(fig) -> tuple[list[str], list[str], list[str], list[str]]:  # type: ignore[no-untyped-def]
    """(figure texts, y tick labels, x tick labels, texts on the axes) after drawing."""
    png_bytes(fig)
    ax = fig.axes[0]
    return ([t.get_text() for t in fig.texts], [t.get_text() for t in ax.get_yticklabels() if t.get_text()],
            [t.get_text() for t in ax.get_xticklabels() if t.get_text()], [t.get_text() for t in ax.texts])


@pytest.mark.parametrize(
    ("ticks", "unit", "currency", "want"),
    [
        ([0, 250_000, 500_000, 750_000], "currency", "¥", ["¥0", "¥25万", "¥50万", "¥75万"]),
        ([0, 1e8, 2e8], "currency", "$", ["$0", "$1亿", "$2亿"]),
        ([0, 5_000, 10_000, 15_000], "count", None, ["0", "0.5万", "1.0万", "1.5万"]),
        ([0, 2_500, 5_000], "count", None, ["0", "2,500", "5,000"]),
        ([0, 0.05, 0.1], "percent", None, ["0%", "5%", "10%"]),
    ],
)
def test_chinese_tick_labels(ticks, unit, currency, want) -> None:  # type: ignore[no-untyped-def]
    assert tick_labels(ticks, unit, lang="zh", currency=currency) == want


def test_chinese_chart_numbers_dates_and_words() -> None:
    spec = {"kind": "line", "x": "period", "y": ["revenue"], "units": {"revenue": "currency"},
            "title": "每月销售额", "labels": {"revenue": "销售额", "period": "日期"}}
    fig = render(ChartSpec.from_dict({**spec, "lang": "zh", "currency": "¥"}), monthly(), as_of=AS_OF)
    texts, yticks, xticks, annotations = figure_texts(fig)
    assert texts[-1] == "来源：ShopLens 数据仓库 · 数据截至 2026年6月30日"
    assert texts[1] == "2025年7月 – 2026年6月"  # the subtitle's period
    assert yticks and all(t.startswith("¥") for t in yticks) and any(t.endswith("万") for t in yticks)
    assert not any(t.endswith(("K", "M")) for t in yticks)
    assert any(t.endswith("月") for t in xticks) and not any(t.startswith(("Jan", "Jul", "Oct")) for t in xticks)
    peak = next(t for t in annotations if t.startswith("峰值"))
    assert "¥" in peak and "万" in peak and "年" in peak
    assert {t.get_fontfamily()[0] for t in fig.texts} == {fig.texts[0].get_fontfamily()[0]}

    english = render(ChartSpec.from_dict(spec | {"title": "Monthly revenue"}), monthly(), as_of=AS_OF)
    texts, yticks, xticks, annotations = figure_texts(english)
    assert texts[-1] == "Source: ShopLens warehouse · data as of Jun 30, 2026"
    assert yticks and all(t.startswith("$") and t.endswith(("K", "M")) or t == "$0" for t in yticks)
    assert any(t.startswith("Peak $") for t in annotations)


def test_chinese_forecast_legend() -> None:
    ds = pd.date_range("2025-01-06", periods=40, freq="W-MON")
    y = np.r_[np.linspace(100_000, 160_000, 32), [np.nan] * 8]
    mean = np.r_[[np.nan] * 31, np.linspace(160_000, 170_000, 9)]
    df = pd.DataFrame({"ds": ds, "y": y, "mean": mean, "lo-80": mean - 20_000, "hi-80": mean + 20_000})
    fig = render(ChartSpec.from_dict({"kind": "forecast", "x": "ds", "y": ["y"], "lang": "zh",
                                      "units": {"y": "currency"}, "title": "销售额预测"}), df, as_of=AS_OF)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["实际", "预测"] and "80% 区间" in legend


def test_unknown_chart_language_is_refused() -> None:
    with pytest.raises(UserInputError, match="lang"):
        ChartSpec.from_dict({"kind": "bar", "x": "k", "y": ["v"], "lang": "fr"})
