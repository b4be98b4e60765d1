"""Explanation facts against hand-computed values, the sentences built from them, and the shared number format."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from shoplens.data.errors import UserInputError
from shoplens.tools.explain import explain, explain_facts, explain_text, robust_outliers, theil_sen, trend
from shoplens.tools.formatting import format_date, format_signed, format_value, infer_grain

WEEKS = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(7)]
# A straight line 10 + 2t with one spike (a promotion) in week 5.
SPIKY = [10.0, 12.0, 14.0, 16.0, 100.0, 20.0, 22.0]


def weekly() -> pd.DataFrame:
    return pd.DataFrame({"period": WEEKS, "revenue": SPIKY})


# ---- facts --------------------------------------------------------------------------------------------------
def test_time_facts_by_hand():
    f = explain_facts(
        weekly(),
        "revenue",
        unit="currency",
        time_col="period",
        previous=150.0,
        last_year=pd.DataFrame({"revenue": [80.0, 20.0]}),
    )
    assert f["total"] == f["value"] == 194.0
    assert f["aggregate"] == "sum" and f["grain"] == "week" and f["periods"] == 7
    assert f["previous"] == {"value": 150.0, "change": 44.0, "change_pct": pytest.approx(44 / 150)}
    assert f["last_year"] == {"value": 100.0, "change": 94.0, "change_pct": pytest.approx(0.94)}
    assert f["max"] == {"value": 100.0, "at": "2026-02-02", "label": "week of Feb 2, 2026"}
    assert f["min"] == {"value": 10.0, "at": "2026-01-05", "label": "week of Jan 5, 2026"}
    assert f["latest"]["value"] == 22.0
    # Theil-Sen: 15 of the 21 pairwise slopes avoid the spike and equal 2, so the median is 2.
    assert f["trend"]["slope_per_period"] == pytest.approx(2.0)
    assert f["trend"]["pct_per_period"] == pytest.approx(2.0 / (194 / 7))
    assert f["trend"]["direction"] == "up"
    # Median 16, MAD 4: the spike's modified z is 0.6745 * 84 / 4 = 14.16; nothing else passes 3.5.
    assert [(o["at"], o["direction"]) for o in f["outliers"]] == [("2026-02-02", "high")]
    assert f["outliers"][0]["robust_z"] == pytest.approx(0.6745 * 84 / 4, abs=0.01)
    assert f["display"]["value"] == "$194" and f["display"]["previous_change_pct"] == "+29.3%"


def test_dimension_facts_shares_and_contributors_by_hand():
    cur = pd.DataFrame({"category": ["A", "B", "C"], "revenue": [300.0, 200.0, 100.0]})
    prev = pd.DataFrame({"category": ["A", "B", "C"], "revenue": [200.0, 250.0, 100.0]})
    f = explain_facts(cur, "revenue", unit="currency", dimension="category", previous=prev)
    assert f["value"] == 600.0 and f["previous"]["change"] == 50.0
    assert f["max"] == {"value": 300.0, "name": "A"} and f["min"] == {"value": 100.0, "name": "C"}
    assert [s["share"] for s in f["shares"]] == pytest.approx([0.5, 1 / 3, 1 / 6])
    top = f["contributors"]
    assert [(c["name"], c["change"]) for c in top[:2]] == [("A", 100.0), ("B", -50.0)]
    assert top[0]["share_of_change"] == pytest.approx(2.0) and top[1]["change_pct"] == pytest.approx(-0.2)


def test_time_and_dimension_sum_per_period_for_trend_and_peak():
    rows = [(WEEKS[i], c, v) for i in range(4) for c, v in (("A", 10.0 * (i + 1)), ("B", 5.0))]
    df = pd.DataFrame(rows, columns=["period", "category", "units"])
    f = explain_facts(df, "units", unit="count", time_col="period", dimension="category")
    assert f["max"]["value"] == 45.0 and f["min"]["value"] == 15.0  # per-week totals 15, 25, 35, 45
    assert f["trend"]["slope_per_period"] == pytest.approx(10.0)
    assert f["shares"][0] == {"name": "A", "value": 100.0, "share": pytest.approx(100 / 120)}


def test_rates_average_instead_of_summing():
    df = pd.DataFrame({"period": WEEKS[:3], "avg_rating": [4.0, 4.5, 3.5]})
    f = explain_facts(df, "avg_rating", unit="rating", time_col="period")
    assert f["value"] == 4.0 and f["aggregate"] == "mean" and "total" not in f
    g = explain_facts(df, "avg_rating", unit="rating", time_col="period", total=4.1)
    assert g["value"] == 4.1
    assert (
        explain_text(f, "Average rating")
        == "Average rating was 4.00. It peaked at 4.50 in the week of Jan 12, 2026 and was lowest at 3.50 in the week of Jan 19, 2026; the trend is down about 6.2% a week."
    )
    assert explain_text(g, "Average rating", "Q1 2026").startswith("Average rating for Q1 2026 was 4.10.")


def test_flat_and_outlier_free_series():
    df = pd.DataFrame({"period": WEEKS, "units": [100.0, 101, 99, 100, 100, 101, 99]})
    f = explain_facts(df, "units", unit="count", time_col="period")
    assert f["trend"]["direction"] == "flat" and f["outliers"] == []


def test_robust_helpers():
    assert theil_sen(np.arange(5.0), np.array([1.0, 3, 5, 7, 9])) == pytest.approx(2.0)
    assert robust_outliers(np.array([1.0, 1, 1, 1, 1])) == []  # no spread, no outliers
    assert robust_outliers(np.array([1.0, 2, 3])) == []  # too few points to judge
    assert trend(np.array([1.0, 2.0])) is None


def test_bad_input_messages():
    with pytest.raises(UserInputError, match="Column 'revnue' is not in the result"):
        explain_facts(weekly(), "revnue")
    with pytest.raises(UserInputError, match="comparison frame has no column 'revenue'"):
        explain_facts(weekly(), "revenue", previous=pd.DataFrame({"x": [1]}))


# ---- words --------------------------------------------------------------------------------------------------
def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+(?=[A-Z])", text) if s]


def test_explain_text_states_period_filters_and_numbers():
    f = explain_facts(weekly(), "revenue", unit="currency", time_col="period", previous=150.0)
    text = explain_text(f, "Revenue", "Jan 5 – Feb 16, 2026", "Category: Beauty", "currency")
    assert text.startswith(
        "Revenue for Jan 5 – Feb 16, 2026 (Category: Beauty) totalled $194, up 29.3% on the previous period."
    )
    assert "peaked at $100 in the week of Feb 2, 2026" in text
    assert "lowest at $10 in the week of Jan 5, 2026" in text
    assert "trend is up about 7.2% a week" in text
    assert "The week of Feb 2, 2026 stands out at $100, well above the usual level." in text
    assert len(sentences(text)) == 3


def test_explain_text_for_categories_and_movers():
    cur = pd.DataFrame({"category": ["A", "B", "C"], "revenue": [300_000.0, 200_000.0, 100_000.0]})
    prev = pd.DataFrame({"category": ["A", "B", "C"], "revenue": [200_000.0, 250_000.0, 100_000.0]})
    out = explain(
        cur,
        "revenue",
        metric_label="Revenue",
        period_label="Q1 2026",
        unit="currency",
        dimension="category",
        previous=prev,
        last_year=500_000.0,
    )
    assert out.summary == (
        "Revenue for Q1 2026 totalled $600K, up 9.1% on the previous period and up 20.0% on the "
        "same period last year. A was the largest at $300K (50.0% of the total) and C the "
        "smallest at $100K. The biggest movers were A (+$100K) and B (-$50K)."
    )
    assert out.facts["value"] == 600_000.0


def test_explain_text_without_comparisons_is_one_plain_sentence():
    f = explain_facts(pd.DataFrame({"r": [0.05, 0.07]}), "r", unit="percent")
    assert explain_text(f, "Return rate") == "Return rate averaged 6.0%."


# ---- format_value -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "want"),
    [
        (1_234_567, "currency", "$1.23M"),
        (45_620, "currency", "$45.6K"),
        (980, "currency", "$980"),
        (2_005_000, "currency", "$2.01M"),  # half up, not banker's rounding
        (999_999, "currency", "$1M"),
        (54.321, "currency", "$54.32"),
        (50.0, "currency", "$50"),
        (-1_200, "currency", "-$1.2K"),
        (3.2e9, "currency", "$3.2B"),
        (12_345, "count", "12,345"),
        (12_345_678, "count", "12.3M"),
        (3.42, "count", "3.4"),
        (0.081, "percent", "8.1%"),
        (0.0005, "percent", "0.05%"),
        (0.081, "change", "+8.1%"),
        (-0.032, "change", "-3.2%"),
        (2.345, "ratio", "2.35"),
        (4.234, "rating", "4.23"),
        (1234.5, "number", "1,234"),
        (None, "currency", "n/a"),
        (float("nan"), "count", "n/a"),
    ],
)
def test_format_value(value, unit, want):
    assert format_value(value, unit) == want


def test_signed_dates_and_grains():
    assert format_signed(1234, "currency") == "+$1.23K" and format_signed(-50, "count") == "-50"
    assert format_signed(-0.012, "percent") == "-1.2 pts"
    assert format_date(dt.date(2026, 3, 14)) == "Mar 14, 2026"
    assert format_date("2026-03-09", "week") == "week of Mar 9, 2026"
    assert format_date(dt.date(2026, 2, 1), "quarter") == "Q1 2026"
    assert infer_grain(pd.date_range("2026-01-01", periods=5, freq="MS")) == "month"
    assert infer_grain(WEEKS) == "week"
