"""Chart spec, renderer and chart tool: the figure is read back and compared with the frame it was drawn from."""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from PIL import Image

from shoplens.data.errors import DataError, UserInputError
from shoplens.tools.charts.data import choose_kind, prepare
from shoplens.tools.charts.render import png_bytes, render, render_chart
from shoplens.tools.charts.spec import ChartSpec, EventMark
from shoplens.tools.charts.style import PALETTE, tick_labels
from shoplens.tools.charts.tool import ChartTool, csv_bytes

AS_OF = dt.date(2026, 6, 30)
CATS = ["Electronics", "Home & Kitchen", "Beauty", "Apparel", "Books"]


# ---- frames ----------------------------------------------------------------------------------------------------
def daily(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = [
        dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(n)
    ]  # python dates, as DuckDB returns DATE
    return pd.DataFrame({"period": days, "revenue": rng.uniform(1_000, 5_000, n).round(2)})


def monthly_by(series: list[str], months: int = 6, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2025-01-01", periods=months, freq="MS").date
    rows = [(m, s, float(rng.integers(100, 1_000))) for m in starts for s in series]
    return pd.DataFrame(rows, columns=["period", "channel", "revenue"])


def by_category(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"category": CATS, "revenue": rng.uniform(1e4, 1e6, len(CATS)).round(2)})


def forecast_frame(n_hist: int = 30, h: int = 6) -> pd.DataFrame:
    ds = pd.date_range("2025-01-06", periods=n_hist + h, freq="W-MON")
    y = np.r_[np.linspace(100, 160, n_hist), [np.nan] * h]
    mean = np.r_[[np.nan] * (n_hist - 4), np.linspace(150, 158, 4), np.linspace(161, 170, h)]
    lo80 = np.r_[[np.nan] * n_hist, np.linspace(150, 150, h)]
    hi80 = lo80 + 20
    return pd.DataFrame(
        {"ds": ds, "y": y, "mean": mean, "lo-80": lo80, "hi-80": hi80, "lo-95": lo80 - 10, "hi-95": hi80 + 10}
    )


def spec(**kw) -> ChartSpec:
    return ChartSpec.from_dict(kw)


def data_axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.texts]


# ---- the figure holds exactly the data -------------------------------------------------------------------------
def test_line_draws_the_frame_with_title_subtitle_and_source():
    df = daily()
    fig = render(
        spec(
            x="period",
            y="revenue",
            units={"revenue": "currency"},
            period_label="Jan 1 – Mar 1, 2026",
            filters={"category": ["Beauty"]},
        ),
        df,
        as_of=AS_OF,
    )
    ax = data_axes(fig)[0]
    assert len(ax.lines) == 1
    xy = ax.lines[0].get_xydata()
    assert np.allclose(xy[:, 0], mdates.date2num(pd.to_datetime(df["period"])))
    assert np.allclose(xy[:, 1], df["revenue"])
    assert texts(fig)[0] == "Daily revenue"
    assert texts(fig)[1] == "Jan 1 – Mar 1, 2026 · Category: Beauty"
    assert texts(fig)[-1] == "Source: ShopLens warehouse · data as of Jun 30, 2026"
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(lb.startswith("$") for lb in labels)
    assert any(t.get_text().startswith("Peak $") for t in ax.texts)  # the peak is annotated


def test_multi_line_one_line_per_series_ordered_by_total():
    df = monthly_by(["web", "app", "marketplace"])
    fig = render(spec(kind="multi_line", x="period", y="revenue", series="channel"), df)
    ax = data_axes(fig)[0]
    order = df.groupby("channel")["revenue"].sum().sort_values(ascending=False).index
    assert len(ax.lines) == 3
    for line, name in zip(ax.lines, order, strict=True):
        rows = df[df.channel == name]
        assert np.allclose(line.get_xydata()[:, 1], rows["revenue"])
        assert line.get_label() == name
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(order)


def test_hbar_sorted_descending_top_n_and_labelled():
    df = by_category()
    r = render_chart(spec(x="category", y="revenue", top_n=3, units={"revenue": "currency"}), df)
    ax = data_axes(r.figure)[0]
    top = df.sort_values("revenue", ascending=False).head(3)
    widths = [p.get_width() for p in ax.patches]
    assert np.allclose(widths, top["revenue"])
    ys = [p.get_y() for p in ax.patches]
    assert ys == sorted(ys, reverse=True)  # largest bar at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == list(top["category"])
    assert list(r.data["category"]) == list(top["category"])  # the CSV holds exactly what is drawn
    assert "top 3 of 5" in r.spec.subtitle
    assert r.spec.kind == "hbar"


def test_vertical_bar_keeps_weekday_order():
    days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    df = pd.DataFrame({"weekday": days, "orders": [7, 1, 2, 3, 4, 5, 6]})
    r = render_chart(spec(x="weekday", y="orders", units={"orders": "count"}), df)
    assert r.spec.kind == "bar"
    heights = [p.get_height() for p in data_axes(r.figure)[0].patches]
    assert heights == [1, 2, 3, 4, 5, 6, 7]  # Monday first


def test_stacked_bar_heights_and_bottoms():
    df = monthly_by(["web", "app", "marketplace"])
    r = render_chart(spec(x="period", y="revenue", series="channel", units={"revenue": "currency"}), df)
    assert r.spec.kind == "stacked_bar"
    ax = data_axes(r.figure)[0]
    wide = df.pivot(index="period", columns="channel", values="revenue")
    order = wide.sum().sort_values(ascending=False).index
    patches = ax.patches
    n = len(wide)
    assert len(patches) == n * 3
    bottom = np.zeros(n)
    for k, name in enumerate(order):
        group = patches[k * n : (k + 1) * n]
        assert np.allclose([p.get_height() for p in group], wide[name])
        assert np.allclose([p.get_y() for p in group], bottom)
        bottom += wide[name].to_numpy()


def test_stacked_bar_folds_small_series_into_other():
    names = [f"brand{i}" for i in range(12)]
    df = monthly_by(names, months=4)
    r = render_chart(spec(kind="stacked_bar", x="period", y="revenue", series="channel"), df)
    assert "Other" in set(r.data["channel"])
    assert r.data["channel"].nunique() == 8
    assert np.isclose(r.data["revenue"].sum(), df["revenue"].sum())  # parts still add up to the whole
    assert "top 7" in r.spec.subtitle


def test_grouped_bar_heights():
    rows = [(c, reg, float(i * 10 + j)) for i, c in enumerate(CATS[:3]) for j, reg in enumerate(["N", "S"])]
    df = pd.DataFrame(rows, columns=["category", "region", "revenue"])
    r = render_chart(spec(x="category", y="revenue", series="region"), df)
    assert r.spec.kind == "grouped_bar"
    heights = sorted(p.get_height() for p in data_axes(r.figure)[0].patches)
    assert heights == sorted(df["revenue"])


def test_scatter_points_are_the_data():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"avg_rating": rng.uniform(2, 5, 30), "revenue": rng.uniform(1e3, 1e5, 30)})
    r = render_chart(spec(x="avg_rating", y="revenue"), df)
    assert r.spec.kind == "scatter"
    offsets = data_axes(r.figure)[0].collections[0].get_offsets()
    assert np.allclose(offsets, df[["avg_rating", "revenue"]].to_numpy())


def test_histogram_counts_every_value():
    v = np.random.default_rng(5).lognormal(3, 0.5, 500)
    r = render_chart(
        spec(y="order_value", units={"order_value": "currency"}), pd.DataFrame({"order_value": v})
    )
    assert r.spec.kind == "histogram"
    assert sum(p.get_height() for p in data_axes(r.figure)[0].patches) == 500


def test_heatmap_category_by_month_matches_pivot():
    df = monthly_by(CATS, months=4).rename(columns={"channel": "category"})
    r = render_chart(spec(kind="heatmap", x="period", y="revenue", series="category"), df)
    ax = data_axes(r.figure)[0]
    arr = ax.images[0].get_array()
    rows = [t.get_text() for t in ax.get_yticklabels()]
    wide = df.pivot(index="category", columns="period", values="revenue").loc[rows]
    assert np.allclose(np.asarray(arr), wide.to_numpy())


def test_calendar_heatmap_is_weekday_by_week():
    df = daily(28)
    r = render_chart(spec(kind="heatmap", x="period", y="revenue"), df)
    ax = data_axes(r.figure)[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Monday"
    arr = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert np.isclose(np.nansum(arr), df["revenue"].sum())
    assert {"week", "weekday"} <= set(r.data.columns)  # the CSV shows the cells


def test_combo_bars_left_line_right():
    df = daily(20).assign(avg_sentiment=np.linspace(-0.2, 0.6, 20))
    r = render_chart(spec(x="period", y=["revenue", "avg_sentiment"], units={"revenue": "currency"}), df)
    assert r.spec.kind == "combo"  # two measures with different units over time
    left, right = r.figure.axes[:2]
    assert np.allclose([p.get_height() for p in left.patches], df["revenue"])
    assert np.allclose(right.lines[0].get_xydata()[:, 1], df["avg_sentiment"])


def test_small_multiples_one_panel_per_facet():
    df = monthly_by(CATS[:5]).rename(columns={"channel": "category"})
    r = render_chart(spec(x="period", y="revenue", facets="category"), df)
    assert r.spec.kind == "small_multiples"
    axes = data_axes(r.figure)
    assert len(axes) == 5
    for ax in axes:
        rows = df[df.category == ax.get_title(loc="left")]
        assert np.allclose(ax.lines[0].get_xydata()[:, 1], rows["revenue"])


def test_area_single_series():
    df = daily(30)
    fig = render(spec(kind="area", x="period", y="revenue"), df)
    assert np.allclose(data_axes(fig)[0].lines[0].get_xydata()[:, 1], df["revenue"])


def test_forecast_fan_chart():
    fc = forecast_frame()
    backtest = fc["ds"].iloc[26].date()
    r = render_chart(spec(x="ds", y="y", backtest_start=backtest.isoformat(), units={"y": "count"}), fc)
    assert r.spec.kind == "forecast"
    ax = data_axes(r.figure)[0]
    hist, fut, back = ax.lines[:3]
    assert np.allclose(hist.get_xydata()[:, 1], fc["y"].dropna())
    assert np.allclose(fut.get_xydata()[:, 1], fc.loc[fc["y"].isna(), "mean"])
    assert np.allclose(back.get_xydata()[:, 1], fc.loc[fc["y"].notna() & fc["mean"].notna(), "mean"])
    legend = [t.get_text() for t in r.figure.legends[0].get_texts()]
    assert {"Actual", "Forecast", "80% interval", "95% interval", "Backtest window"} <= set(legend)
    bands = [c for c in ax.collections if c.get_alpha() in (0.16, 0.32)]
    assert len(bands) == 2
    assert r.spec.title == "Y forecast: next 6 weeks" or r.spec.title.endswith("forecast: next 6 weeks")


def test_events_in_range_are_marked_and_labelled():
    df = daily(60)
    events = [
        EventMark("Outage", dt.date(2026, 1, 20)),
        EventMark("Sale", dt.date(2026, 2, 1), dt.date(2026, 2, 3)),
        EventMark("Way later", dt.date(2027, 1, 1)),
    ]
    fig = render(spec(x="period", y="revenue", events=events), df)
    labels = [t.get_text() for t in data_axes(fig)[0].texts]
    assert "Outage" in labels and "Sale" in labels and "Way later" not in labels


def test_dollar_signs_are_not_math():
    df = pd.DataFrame({"product": ["$5 deal", "Mega $ pack"], "units": [3, 4]})
    fig = render(spec(x="product", y="units", title="Units of $5 and $10 packs"), df)
    png_bytes(fig)  # would raise on a mathtext parse error
    assert texts(fig)[0] == "Units of $5 and $10 packs"


@pytest.mark.parametrize(
    ("ticks", "unit", "want"),
    [
        ([0, 250_000, 500_000, 750_000], "currency", ["$0", "$250K", "$500K", "$750K"]),
        ([0, 1e6, 2e6], "currency", ["$0", "$1M", "$2M"]),
        ([0, 5_000, 10_000], "count", ["0", "5,000", "10,000"]),
        ([0, 0.05, 0.1], "percent", ["0%", "5%", "10%"]),
        ([3.5, 4.0, 4.5], "rating", ["3.5", "4.0", "4.5"]),
    ],
)
def test_tick_labels(ticks, unit, want):
    assert tick_labels(ticks, unit) == want


# ---- auto kind -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "kw", "kind"),
    [
        (daily(), {"x": "period", "y": "revenue"}, "line"),
        (by_category(), {"x": "category", "y": "revenue"}, "hbar"),
        (
            monthly_by(["web", "app"]),
            {"x": "period", "y": "revenue", "series": "channel", "units": {"revenue": "currency"}},
            "stacked_bar",
        ),
        (
            monthly_by(["web", "app"], months=30),
            {"x": "period", "y": "revenue", "series": "channel", "units": {"revenue": "currency"}},
            "multi_line",
        ),
        (
            monthly_by(["web", "app"]),
            {"x": "period", "y": "revenue", "series": "channel", "units": {"revenue": "percent"}},
            "multi_line",
        ),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 3.0]}), {"y": ["a", "b"]}, "scatter"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0]}), {"y": "a"}, "histogram"),
        (
            daily().assign(rating=4.0),
            {"x": "period", "y": ["revenue", "rating"], "units": {"revenue": "currency", "rating": "rating"}},
            "combo",
        ),
        (daily().assign(cost=1.0), {"x": "period", "y": ["revenue", "cost"]}, "multi_line"),
        (forecast_frame(), {}, "forecast"),
        (monthly_by(CATS), {"x": "period", "y": "revenue", "facets": "channel"}, "small_multiples"),
        (
            monthly_by([f"c{i}" for i in range(12)]),
            {"x": "period", "y": "revenue", "series": "channel"},
            "heatmap",
        ),
    ],
)
def test_auto_kind(frame, kw, kind):
    assert prepare(spec(**kw), frame).spec.kind == kind


def test_auto_fills_x_and_y_from_the_frame():
    p = prepare(ChartSpec(), daily())
    assert (p.spec.x, p.spec.y, p.spec.kind) == ("period", ["revenue"], "line")
    assert choose_kind(ChartSpec(x="category", y=["revenue"]), by_category()) == "hbar"


# ---- spec validation and JSON ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"knd": "line"}, "Unknown chart spec field 'knd'. Did you mean 'kind'?"),
        ({"kind": "pie"}, "Unknown chart kind 'pie'."),
        ({"kind": "lnie"}, "Did you mean 'line'?"),
        ({"units": {"revenue": "dollars"}}, "Unit 'dollars' for 'revenue' is not known"),
        ({"top_n": 0}, "'top_n' must be between 1 and 500"),
        ({"top_n": 2.5}, "'top_n' must be a whole number"),
        ({"sort": "biggest"}, "'sort' must be one of desc, asc, x, none"),
        ({"kind": "combo", "y": ["revenue"]}, "A combo chart needs two measures"),
        ({"kind": "small_multiples", "x": "period"}, "Small multiples need 'facets'"),
        ({"events": [{"name": "x"}]}, "An event needs 'name' and 'start'"),
        ({"events": [{"name": "x", "start": "soon"}]}, "must be a date like 2025-11-28"),
        ({"backtest_start": "2026-02-30"}, "'backtest_start' must be a date"),
        ({"dpi": 5000}, "'dpi' must be a number between 50 and 400"),
    ],
)
def test_spec_validation_messages(data, message):
    with pytest.raises(UserInputError, match=re.escape(message)):
        ChartSpec.from_dict(data)


def test_data_errors_name_the_closest_column_and_say_what_to_do():
    with pytest.raises(
        UserInputError, match=r"Column 'revnue' is not in the data\. Did you mean 'revenue'\?"
    ):
        render(spec(x="period", y="revnue"), daily())
    with pytest.raises(UserInputError, match="no rows"):
        render(spec(x="period", y="revenue"), daily().iloc[:0])
    with pytest.raises(UserInputError, match="Every value of revenue is empty"):
        render(spec(x="period", y="revenue"), daily().assign(revenue=np.nan))
    with pytest.raises(UserInputError, match="is not numeric"):
        render(spec(x="category", y="category2"), by_category().assign(category2="x"))
    with pytest.raises(UserInputError, match="forecast chart needs columns"):
        render(spec(kind="forecast", x="period", y="revenue"), daily())


def test_spec_json_round_trip():
    s = spec(
        kind="line",
        x="period",
        y="revenue",
        series="channel",
        top_n=5,
        units={"revenue": "currency"},
        annotations=[{"x": "2026-01-05", "text": "Launch"}],
        events=[("Sale", "2026-02-01", "2026-02-03")],
        backtest_start="2026-01-01",
        filters={"category": "Beauty"},
    )
    d = json.loads(json.dumps(s.to_dict()))
    assert ChartSpec.from_dict(d) == s
    assert d["filters"] == {"category": ["Beauty"]}
    assert d["events"][0] == {"name": "Sale", "start": "2026-02-01", "end": "2026-02-03"}


# ---- the tool: files, ids, atomic writes ---------------------------------------------------------------------
def test_chart_tool_writes_png_csv_json(tmp_path: Path):
    tool = ChartTool(tmp_path / "charts", AS_OF)
    df = daily(45)
    out = tool.render(
        {
            "x": "period",
            "y": "revenue",
            "units": {"revenue": "currency"},
            "filters": {"category": ["Beauty"]},
        },
        df,
        previous=100_000.0,
    )
    chart = out.charts[0]
    assert re.fullmatch(r"[0-9a-f]{32}", chart.chart_id)
    files = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert files == sorted(f"{chart.chart_id}.{ext}" for ext in ("csv", "json", "png"))  # no temp files left
    with Image.open(chart.path) as im:
        assert im.format == "PNG" and im.size == (1200, 675)
    plotted = pd.read_csv(chart.data)
    assert list(plotted.columns) == ["period", "revenue"]
    assert np.allclose(plotted["revenue"], df["revenue"])
    assert list(plotted["period"]) == [d.isoformat() for d in df["period"]]
    meta = json.loads(Path(chart.path).with_suffix(".json").read_text())
    assert ChartSpec.from_dict(meta["spec"]).kind == "line"
    assert meta["as_of"] == "2026-06-30"
    assert out.facts["total"] == pytest.approx(df["revenue"].sum())
    assert out.facts["previous"]["value"] == 100_000.0
    assert "Category: Beauty" in chart.explanation and chart.explanation in out.summary
    assert chart.chart_id in out.summary


def test_chart_tool_png_size_follows_spec(tmp_path: Path):
    out = ChartTool(tmp_path).render(
        {"x": "category", "y": "revenue", "width": 6, "height": 4, "dpi": 100}, by_category()
    )
    with Image.open(out.charts[0].path) as im:
        assert im.size == (600, 400)
    assert matplotlib.image.imread(out.charts[0].path).shape[:2] == (400, 600)


def test_chart_tool_uses_caller_facts_and_refuses_bad_ids(tmp_path: Path):
    tool = ChartTool(tmp_path)
    out = tool.render(
        {"backtest_start": "2025-06-09"},
        forecast_frame(),
        facts={"model": "arima"},
        explanation="ARIMA beat seasonal naive.",
    )
    assert out.facts == {"model": "arima"} and out.charts[0].explanation == "ARIMA beat seasonal naive."
    assert tool.files(out.charts[0].chart_id)["csv"].exists()
    with pytest.raises(UserInputError):
        tool.files("../../etc/passwd")


def test_csv_neutralises_spreadsheet_formulas():
    text = csv_bytes(pd.DataFrame({"name": ["=HYPERLINK(1)", "ok", "-x"], "v": [-1.5, 2.0, 3.0]})).decode()
    assert "'=HYPERLINK(1)" in text and "'-x" in text and "-1.5" in text


# ---- safety: threads, leaks, global state --------------------------------------------------------------------
def _one_chart(i: int) -> tuple[Figure, bool]:
    """Chart i of a mixed set (4 kinds, different data), and whether the figure holds exactly its own data."""
    kind = ["line", "hbar", "stacked_bar", "heatmap"][i % 4]
    if kind == "line":
        df = daily(30 + i, seed=i)
        fig = render(spec(x="period", y="revenue", dpi=60, width=5, height=3), df)
        return fig, np.allclose(data_axes(fig)[0].lines[0].get_xydata()[:, 1], df["revenue"])
    if kind == "hbar":
        cat = by_category(seed=i)
        fig = render(spec(x="category", y="revenue", dpi=60, width=5, height=3), cat)
        return fig, np.allclose(
            sorted(p.get_width() for p in data_axes(fig)[0].patches), sorted(cat["revenue"])
        )
    if kind == "stacked_bar":
        m = monthly_by(["a", "b"], seed=i)
        fig = render(
            spec(
                x="period",
                y="revenue",
                series="channel",
                units={"revenue": "count"},
                dpi=60,
                width=5,
                height=3,
            ),
            m,
        )
        return fig, np.isclose(sum(p.get_height() for p in data_axes(fig)[0].patches), m["revenue"].sum())
    df = daily(28 + i, seed=i)
    fig = render(spec(kind="heatmap", x="period", y="revenue", dpi=60, width=5, height=3), df)
    total = np.nansum(np.ma.filled(data_axes(fig)[0].images[0].get_array(), np.nan))
    return fig, np.isclose(total, df["revenue"].sum())


def _png_if_correct(i: int) -> bytes | None:
    fig, ok = _one_chart(i)
    return png_bytes(fig) if ok else None


def test_render_is_thread_safe():
    """20 charts from 4 threads: each holds its own data and its PNG is byte-identical to a sequential render."""
    sequential = [_png_if_correct(i) for i in range(20)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(_png_if_correct, range(20)))
    assert all(p is not None for p in concurrent)
    for png in concurrent:
        with Image.open(io.BytesIO(png)) as im:
            im.verify()
    assert concurrent == sequential


def test_no_figure_leak_and_no_global_state_change():
    before_rc = dict(matplotlib.rcParams)
    df = daily(20)
    s = spec(x="period", y="revenue", width=4, height=3, dpi=50)

    def count() -> int:
        gc.collect()
        return sum(isinstance(o, Figure) for o in gc.get_objects())

    render(s, df)
    baseline = count()
    for _ in range(200):
        render(s, df)
    assert count() <= baseline + 1
    assert dict(matplotlib.rcParams) == before_rc


def test_pyplot_is_never_imported():
    code = (
        "import sys, datetime as dt, pandas as pd; from shoplens.tools.charts.render import render, png_bytes; "
        "df = pd.DataFrame({'d': pd.date_range('2026-01-01', periods=5), 'v': [1.0, 2, 3, 4, 5]}); "
        "png_bytes(render({'x': 'd', 'y': 'v'}, df)); assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ---- against the warehouse -----------------------------------------------------------------------------------
def test_chart_equals_the_query_result(tool_ctx, tmp_path: Path):
    sql = (
        "SELECT date_trunc('month', o.order_date)::DATE AS period, SUM(i.revenue) AS revenue "
        "FROM orders o JOIN order_items i USING (order_id) WHERE o.status = 'completed' "
        "AND o.order_date >= DATE '2025-01-01' AND o.order_date < DATE '2026-01-01' GROUP BY 1 ORDER BY 1"
    )
    df = tool_ctx.runner.run(sql).df
    r = render_chart(spec(x="period", y="revenue", units={"revenue": "currency"}), df, as_of=tool_ctx.as_of)
    xy = data_axes(r.figure)[0].lines[0].get_xydata()
    assert len(xy) == 12
    assert np.allclose(xy[:, 1], df["revenue"].astype(float))
    assert np.allclose(xy[:, 0], mdates.date2num(pd.to_datetime(df["period"])))
    assert r.figure.axes[0].lines[0].get_color() == PALETTE[0]


# ---- data an analyst would not plot as is ----------------------------------------------------------------------
def test_whole_years_and_calendar_parts_are_not_measures():
    years = pd.DataFrame({"year": [2023, 2024, 2025], "revenue": [1.0, 2.0, 3.0]})
    r = render_chart(spec(x="year", y="revenue"), years)
    assert r.spec.kind == "line" and r.spec.title == "Yearly revenue"
    months = pd.DataFrame({"month": [3, 1, 2], "orders": [30.0, 10.0, 20.0]})
    r = render_chart(spec(x="month", y="orders"), months)
    assert r.spec.kind == "bar" and list(r.data["month"]) == ["Jan", "Feb", "Mar"]


def test_many_categories_are_capped_and_infinite_values_reported():
    df = pd.DataFrame({"product": [f"p{i}" for i in range(100)], "units": np.arange(100.0)})
    r = render_chart(spec(x="product", y="units"), df)
    assert len(r.data) == 30 and "top 30 of 100" in r.spec.subtitle
    r = render_chart(spec(x="c", y="v"), pd.DataFrame({"c": ["a", "b"], "v": [1.0, np.inf]}))
    assert r.warnings == ["1 infinite value(s) of v were left out (a division by zero?)."]


def test_gains_and_losses_get_contrasting_colours():
    df = pd.DataFrame({"category": ["A", "B"], "change": [5.0, -3.0]})
    ax = data_axes(render(spec(x="category", y="change"), df))[0]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours[0] != colours[1] and colours[0].upper() == PALETTE[0]


def test_unwritable_charts_dir_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(DataError, match="Could not save the chart in"):
        ChartTool(blocker / "charts").render({"x": "category", "y": "revenue"}, by_category())
