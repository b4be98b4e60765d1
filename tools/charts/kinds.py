"""Drawers for line / multi-line, area, scatter and histogram, and the helpers every drawer shares. A drawer takes
the figure and the prepared data, draws its axes and returns legend entries (bars: ``chart_bars``).

Data artists come first and decorations never pollute them: ``ax.lines`` holds only data lines and ``ax.patches``
only data bars (event marks, peaks and bands are collections), so tests can read the figure back.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.tools.charts.data import OTHER, Prepared
from shoplens.tools.charts.style import (
    ANNOT_PT,
    INK_SOFT,
    PALETTE,
    annotate_point,
    axis_label,
    color_cycle,
    date_axis,
    esc,
    fig_width,
    label_halign,
    line_handle,
    mark_events,
    patch_handle,
    set_value_limits,
    style_axes,
)
from shoplens.tools.charts.words import say
from shoplens.tools.formatting import ADDITIVE_UNITS, current_style, format_date, format_value, infer_grain

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Legend = list[tuple[Any, str]]
MAX_VALUE_LABELS = 16


# ---- shared helpers ------------------------------------------------------------------------------------------
def short_date(ts: Any, grain: str) -> str:
    import pandas as pd

    t = pd.Timestamp(ts)
    if current_style()[0] == "zh":
        return format_date(t.to_pydatetime(), grain)
    if grain == "month":
        return f"{t:%b %Y}"
    if grain == "quarter":
        return f"Q{(t.month - 1) // 3 + 1} {t.year}"
    if grain == "year":
        return str(t.year)
    if grain == "hour":
        return f"{t:%b} {t.day}, {t.year} {t:%H:%M}"
    return f"{t:%b} {t.day}, {t.year}"


def tick_dates(values: list[Any], grain: str) -> list[str]:
    """Compact category labels for dates: the year only where it changes."""
    import pandas as pd

    out, last_year = [], None
    zh = current_style()[0] == "zh"
    for v in values:
        t = pd.Timestamp(v)
        if grain == "year":
            out.append(f"{t.year}年" if zh else str(t.year))
            continue
        if zh:
            base = {"month": f"{t.month}月", "quarter": f"第{(t.month - 1) // 3 + 1}季度"}.get(grain, f"{t.month}月{t.day}日")
            out.append(base if t.year == last_year else f"{base}\n{t.year}年")
            last_year = t.year
            continue
        base = {"month": f"{t:%b}", "quarter": f"Q{(t.month - 1) // 3 + 1}"}.get(grain, f"{t:%b} {t.day}")
        out.append(base if t.year == last_year else f"{base}\n{t.year}")
        last_year = t.year
    return out


def wrap_label(text: Any, width: int) -> str:
    return esc("\n".join(textwrap.wrap(str(text), width)[:3]) or str(text))


def groups(prep: Prepared) -> list[tuple[str, pd.DataFrame, str]]:
    """(name, rows, measure) per drawn series: by the series column, else one per measure."""
    s, df = prep.spec, prep.df
    if s.series:
        totals = (
            df.groupby(s.series, sort=False)[s.y[0]].sum().abs().sort_values(ascending=False, kind="stable")
        )
        names = [n for n in totals.index if n != OTHER] + ([OTHER] if OTHER in totals.index else [])
        return [(str(n), df[df[s.series] == n], s.y[0]) for n in names]
    if len(s.y) > 1:
        return [(s.label_of(m), df, m) for m in s.y]
    return [(s.label_of(s.y[0]), df, s.y[0])]


def xdata(prep: Prepared, rows: pd.DataFrame) -> np.ndarray:
    col = rows[prep.spec.x]
    return col.to_numpy(dtype="datetime64[ns]") if prep.x_is_time else col.astype(str).to_numpy()


def bar_width(prep: Prepared) -> Any:
    import pandas as pd

    xs = pd.Series(prep.df[prep.spec.x].dropna().unique()).sort_values()
    days = float(xs.diff().dt.days.median()) if len(xs) > 1 else 1.0
    return pd.Timedelta(days=max(days, 1.0) * 0.78)


def y_zero(unit: str, lo: float, hi: float, *, line: bool) -> bool:
    if unit not in ADDITIVE_UNITS or lo < 0:
        return False
    return not line or lo <= 0.6 * hi


def finish_time(
    ax: Axes,
    fig: Figure,
    prep: Prepared,
    xs: Any,
    ys: Any = None,
    reserved: list[tuple[Any, Any]] | None = None,
) -> None:
    """Date ticks and calendar events on a time axis (call after the y limits are set; ``ys`` are the plotted
    values at ``xs`` and ``reserved`` the x ranges of labels at the top, so event labels keep clear of both)."""
    import pandas as pd

    years = (np.max(xs) - np.min(xs)) / np.timedelta64(365, "D") if len(xs) else 0.0
    date_axis(ax, maxticks=max(4, int(fig.get_figwidth() * 0.8)), grain=infer_grain(xs), years=float(years))
    if prep.spec.events and len(xs):
        lo, hi = pd.Timestamp(np.min(xs)), pd.Timestamp(np.max(xs))
        mark_events(
            ax, prep.spec.events, lo, hi, width_in=fig.get_figwidth() * 0.85, xs=xs, ys=ys, reserved=reserved
        )


def line_width(fig: Figure, n_points: int, *, single: bool) -> float:
    """Thinner lines for dense series, so three years of daily points read as a line, not a blob."""
    per_inch = n_points / max(1.0, fig.get_figwidth() - 1.0)
    if per_inch > 40:
        return 1.0
    if per_inch > 15:
        return 1.5
    return 2.4 if single else 1.9


def annotate_notes(ax: Axes, prep: Prepared, xs: np.ndarray, ys: np.ndarray) -> None:
    """The spec's own annotations, pinned to the data point at (or nearest to) each x."""
    import pandas as pd

    for a in prep.spec.annotations:
        if prep.x_is_time:
            target = np.datetime64(pd.Timestamp(a.x).to_datetime64(), "ns")
            if not len(xs):
                continue
            i = int(np.argmin(np.abs(xs.astype("datetime64[ns]") - target)))  # same unit on both sides
            x = xs[i]
        else:
            matches = np.flatnonzero(xs == str(a.x))
            if not len(matches):
                continue
            i = int(matches[0])
            x = xs[i]
        y = a.y if a.y is not None else float(ys[i])
        lo, hi = ax.get_ylim()
        above = y >= lo + (hi - lo) * 0.45  # low points get their note underneath, clear of the line
        annotate_point(ax, x, y, a.text, color=INK_SOFT, where=i / max(1, len(xs) - 1), above=above)


def annotate_peak(
    ax: Axes, prep: Prepared, xs: np.ndarray, ys: np.ndarray, unit: str, color: str
) -> list[tuple[Any, Any]]:
    """Label the highest point; returns the x range the label covers (for other labels to avoid)."""
    import pandas as pd

    if not prep.spec.annotate_peak or len(ys) < 3 or not np.isfinite(ys).any():
        return []
    i = int(np.nanargmax(ys))
    when = short_date(xs[i], infer_grain(xs)) if prep.x_is_time else str(xs[i])
    text = f"{say('Peak')} {format_value(ys[i], unit)} · {when}"
    where = i / max(1, len(xs) - 1)
    annotate_point(ax, xs[i], float(ys[i]), text, color=color, where=where)
    if not prep.x_is_time:
        return []
    span = pd.Timestamp(np.max(xs)) - pd.Timestamp(np.min(xs))
    width = span * (len(text) * ANNOT_PT * 0.62 / 72 / max(1.0, fig_width(ax) - 1.0))
    x = pd.Timestamp(xs[i])
    ha = label_halign(where)
    return [
        (x - width / 2, x + width / 2)
        if ha == "center"
        else (x, x + width)
        if ha == "left"
        else (x - width, x)
    ]


# ---- kinds ---------------------------------------------------------------------------------------------------
def draw_line(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    ax = fig.add_subplot()
    unit = s.unit(s.y[0])
    style_axes(ax, grid="y", unit_y=unit)
    gs = groups(prep)
    colors = color_cycle([g[0] for g in gs], OTHER)
    single = len(gs) == 1
    lo, hi, legend = np.inf, -np.inf, []
    for name, rows, m in gs:
        xs, ys = xdata(prep, rows), rows[m].to_numpy(dtype=float)
        ax.plot(
            xs,
            ys,
            color=colors[name],
            lw=line_width(fig, len(xs), single=single),
            marker="o" if len(xs) <= 16 else None,
            markersize=4.5 if len(xs) > 1 else 7,
            solid_capstyle="round",
            label=name,
            zorder=3,
        )
        if np.isfinite(ys).any():
            lo, hi = min(lo, np.nanmin(ys)), max(hi, np.nanmax(ys))
        legend.append((line_handle(colors[name]), name))
    all_x = xdata(prep, prep.df)
    one_point = len(np.unique(all_x)) == 1
    zero = y_zero(unit, lo, hi, line=True) or (one_point and unit in ADDITIVE_UNITS and lo >= 0)
    set_value_limits(ax, lo, hi, zero=zero, headroom=0.14 if single else 0.06)
    if lo < 0 < hi:
        ax.hlines([0], 0, 1, transform=ax.get_yaxis_transform(), colors=INK_SOFT, linewidth=0.9, zorder=2)
    first = gs[0]
    xs0, ys0 = xdata(prep, first[1]), first[1][first[2]].to_numpy(dtype=float)
    reserved = annotate_peak(ax, prep, xs0, ys0, unit, colors[first[0]]) if single else []
    if prep.x_is_time:
        ax.set_xmargin(0.02)
        if one_point:
            import pandas as pd

            x0 = pd.Timestamp(all_x[0])
            ax.set_xlim(x0 - pd.Timedelta(days=15), x0 + pd.Timedelta(days=15))
        finish_time(ax, fig, prep, all_x, prep.df[s.y].to_numpy(dtype=float).max(axis=1), reserved)
    if one_point:
        for name, rows, m in gs:
            v = float(rows[m].iloc[0])
            annotate_point(ax, xdata(prep, rows)[0], v, format_value(v, unit), color=colors[name])
    annotate_notes(ax, prep, xs0, ys0)
    return [] if single else legend


def draw_area(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    ax = fig.add_subplot()
    unit = s.unit(s.y[0])
    style_axes(ax, grid="y", unit_y=unit)
    gs = groups(prep)
    colors = color_cycle([g[0] for g in gs], OTHER)
    if len(gs) == 1:
        name, rows, m = gs[0]
        xs, ys = xdata(prep, rows), rows[m].to_numpy(dtype=float)
        ax.fill_between(xs, 0, ys, color=colors[name], alpha=0.22, linewidth=0, zorder=2)
        ax.plot(xs, ys, color=colors[name], lw=2.2, zorder=3)
        set_value_limits(ax, float(np.nanmin(ys)), float(np.nanmax(ys)), zero=True, headroom=0.14)
        reserved = annotate_peak(ax, prep, xs, ys, unit, colors[name])
        if prep.x_is_time:
            ax.set_xmargin(0.01)
            finish_time(ax, fig, prep, xs, ys, reserved)
        annotate_notes(ax, prep, xs, ys)
        return []
    wide = prep.df.pivot_table(index=s.x, columns=s.series, values=s.y[0], aggfunc="sum", sort=True).fillna(
        0.0
    )
    names = [g[0] for g in gs]
    wide = wide[names]
    xs = wide.index.to_numpy(dtype="datetime64[ns]") if prep.x_is_time else wide.index.astype(str).to_numpy()
    ax.stackplot(
        xs,
        *[wide[n].to_numpy(dtype=float) for n in names],
        colors=[colors[n] for n in names],
        alpha=1.0,
        linewidth=0.6,
        edgecolor="white",
        zorder=2,
    )
    total = wide.sum(axis=1).to_numpy(dtype=float)
    set_value_limits(ax, 0.0, float(total.max()), zero=True, headroom=0.06)
    if prep.x_is_time:
        ax.set_xmargin(0.0)
        finish_time(ax, fig, prep, xs, total)
    return [(patch_handle(colors[n]), n) for n in names]


def draw_scatter(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    ax = fig.add_subplot()
    xm, ym = s.x, s.y[0]
    style_axes(ax, grid="both", unit_y=s.unit(ym), unit_x=s.unit(xm))  # type: ignore[arg-type]
    ax.spines["left"].set_visible(True)
    axis_label(ax, "x", s.label_of(xm))
    axis_label(ax, "y", s.label_of(ym))
    legend: Legend = []
    if s.series:
        gs = groups(prep)
        colors = color_cycle([g[0] for g in gs], OTHER)
        for name, rows, _ in gs:
            ax.scatter(
                rows[xm],
                rows[ym],
                s=42,
                color=colors[name],
                alpha=0.85,
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
            )
            legend.append((patch_handle(colors[name]), name))
    else:
        n = len(prep.df)
        ax.scatter(
            prep.df[xm],
            prep.df[ym],
            s=42 if n < 500 else 12,
            color=PALETTE[0],
            alpha=0.85 if n < 500 else 0.45,
            edgecolors="white" if n < 500 else "none",
            linewidths=0.6,
            zorder=3,
        )
    if s.label and len(prep.df) <= 15:
        for _, r in prep.df.iterrows():
            ax.annotate(
                wrap_label(r[s.label], 22),
                (r[xm], r[ym]),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=ANNOT_PT - 0.5,
                color=INK_SOFT,
            )
    return legend


def draw_histogram(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    ax = fig.add_subplot()
    m, unit = s.y[0], s.unit(s.y[0])
    style_axes(ax, grid="y", unit_x=unit)
    vals = prep.df[m].to_numpy(dtype=float)
    edges = np.histogram_bin_edges(vals, bins="auto")
    if len(edges) > 41:
        edges = np.histogram_bin_edges(vals, bins=40)
    counts, _, _ = ax.hist(
        vals, bins=list(edges), color=PALETTE[0], edgecolor="white", linewidth=0.6, zorder=2
    )
    set_value_limits(ax, 0.0, float(np.max(counts)), zero=True, headroom=0.12)
    med = float(np.median(vals))
    ax.vlines(
        [med],
        0,
        1,
        transform=ax.get_xaxis_transform(),
        colors=PALETTE[3],
        linewidth=1.6,
        linestyles=(0, (4, 3)),
        zorder=4,
    )
    ax.annotate(
        f"{say('Median')} {format_value(med, unit)}",
        (med, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(5, -4),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=ANNOT_PT,
        color=PALETTE[3],
        fontweight="bold",
        parse_math=False,
    )
    axis_label(ax, "y", say("Count"))
    axis_label(ax, "x", s.label_of(m))
    return []
