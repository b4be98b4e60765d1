"""Drawers for the composite kinds: heatmap (weekday x week calendar, category x month), dual-axis combo, small
multiples and the forecast fan chart (history, forecast mean, 80/95% bands, shaded backtest window).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.data.errors import UserInputError
from shoplens.tools.charts.data import OTHER, WEEKDAYS, Prepared, natural_order
from shoplens.tools.charts.kinds import (
    Legend,
    annotate_notes,
    bar_width,
    finish_time,
    groups,
    set_value_limits,
    tick_dates,
    wrap_label,
    xdata,
    y_zero,
)
from shoplens.tools.charts.style import (
    ANNOT_PT,
    HEATMAP_CMAP,
    INK,
    INK_FAINT,
    INK_SOFT,
    PALETTE,
    SPINE,
    TICK_PT,
    UnitFormatter,
    axis_label,
    color_cycle,
    date_axis,
    line_handle,
    patch_handle,
    style_axes,
)
from shoplens.tools.charts.words import say
from shoplens.tools.formatting import format_value, infer_grain

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# ---- heatmap -------------------------------------------------------------------------------------------------
def draw_heatmap(fig: Figure, prep: Prepared) -> Legend:  # long: one matplotlib drawing sequence (grid, colour scale, labels, legend)
    """Rows x columns of one measure. With ``series`` the rows are its values (category x month); without it a
    daily date axis becomes a calendar (weekday x week)."""
    import matplotlib
    import pandas as pd

    s = prep.spec
    m, unit = s.y[0], s.unit(s.y[0])
    df = prep.df
    if s.series:
        rows_col, cols_col = s.series, s.x
    elif prep.x_is_time:
        day = df[s.x]
        df = df.assign(
            week=(day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.normalize(), weekday=day.dt.day_name()
        )
        prep.df = df
        rows_col, cols_col = "weekday", "week"
    else:
        raise UserInputError(
            "A heatmap needs a second dimension in 'series' (e.g. x='month', series='category'), "
            "or a daily date column in 'x' for a weekday x week calendar."
        )
    wide = df.pivot_table(index=rows_col, columns=cols_col, values=m, aggfunc="sum", sort=True)
    row_names = list(wide.index)
    if rows_col == "weekday":
        row_names = [d for d in WEEKDAYS if d in set(row_names)]
    else:
        row_names = natural_order(row_names) or list(
            df.groupby(rows_col)[m].sum().sort_values(ascending=False).index
        )
    col_names = (
        list(wide.columns)
        if cols_col == "week" or prep.x_is_time
        else (natural_order(list(wide.columns)) or list(dict.fromkeys(df[cols_col])))
    )
    wide = wide.reindex(index=row_names, columns=col_names)
    arr = wide.to_numpy(dtype=float)
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps[HEATMAP_CMAP].with_extremes(bad="#F2F2F2")
    lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    vmin = lo if lo > 0.3 * hi else min(0.0, lo)  # start at zero unless that washes out the differences
    im = ax.imshow(
        np.ma.masked_invalid(arr), aspect="auto", cmap=cmap, interpolation="nearest", vmin=vmin, vmax=hi
    )
    n_rows, n_cols = arr.shape
    if n_cols <= 80:  # thin white gaps between cells
        ax.vlines(np.arange(n_cols + 1) - 0.5, -0.5, n_rows - 0.5, colors="white", linewidth=1.2)
        ax.hlines(np.arange(n_rows + 1) - 0.5, -0.5, n_cols - 0.5, colors="white", linewidth=1.2)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0, labelsize=TICK_PT, labelcolor=INK_SOFT)
    ax.set_yticks(np.arange(len(row_names)), labels=[wrap_label(r, 24) for r in row_names])
    if prep.x_is_time:
        grain = "month" if cols_col == "week" else infer_grain(col_names)
        labels = _sparse_dates(col_names, grain) if cols_col == "week" else tick_dates(col_names, grain)
    else:
        labels = [wrap_label(c, 12) for c in col_names]
    step = max(1, math.ceil(len(col_names) / 16)) if cols_col != "week" else 1
    keep = [i for i in range(len(col_names)) if i % step == 0 and labels[i]]
    ax.set_xticks(keep, labels=[labels[i] for i in keep])
    cell_w = fig.get_figwidth() * 0.8 / max(1, n_cols)
    cell_h = fig.get_figheight() * 0.6 / max(1, n_rows)
    if cell_w >= 0.5 and cell_h >= 0.22:
        for (r, c), v in np.ndenumerate(arr):
            if np.isfinite(v):
                dark = (v - vmin) / ((hi - vmin) or 1.0) > 0.55
                ax.text(
                    c,
                    r,
                    format_value(v, unit),
                    ha="center",
                    va="center",
                    fontsize=ANNOT_PT - 1,
                    color="white" if dark else INK,
                    parse_math=False,
                )
    cb = fig.colorbar(im, ax=ax, fraction=0.035, pad=0.015, format=UnitFormatter(unit))
    cb.outline.set_visible(False)
    cb.ax.tick_params(labelsize=TICK_PT - 1, labelcolor=INK_SOFT, length=0)
    return []


def _sparse_dates(weeks: list[Any], grain: str) -> list[str]:
    """Label a week column only where a new month starts: 'Jan', with the year on January or the first label."""
    import pandas as pd

    out, last = [], None
    for i, w in enumerate(weeks):
        t = pd.Timestamp(w) + pd.Timedelta(days=3)  # a week belongs to the month of its Thursday (ISO 8601)
        month_key = (t.year, t.month)
        if month_key != last:
            out.append(f"{t:%b}" + (f"\n{t.year}" if t.month == 1 or i == 0 else ""))
            last = month_key
        else:
            out.append("")
    return out


# ---- combo ---------------------------------------------------------------------------------------------------
def draw_combo(fig: Figure, prep: Prepared) -> Legend:
    """The first measure as bars on the left axis, the others as lines on a right axis with its own unit."""
    s = prep.spec
    df = prep.df
    bar_m, line_ms = s.y[0], s.y[1:]
    ax = fig.add_subplot()
    style_axes(ax, grid="y", unit_y=s.unit(bar_m))
    bar_color, line_colors = "#8FC1E3", [PALETTE[3], PALETTE[1], PALETTE[2]]
    if prep.x_is_time:
        xs: Any = xdata(prep, df)
        ax.bar(xs, df[bar_m].to_numpy(dtype=float), width=bar_width(prep), color=bar_color, zorder=2)
        ax.set_xmargin(0.01)
    else:
        xs = np.arange(len(df))
        ax.bar(xs, df[bar_m].to_numpy(dtype=float), width=0.65, color=bar_color, zorder=2)
        ax.set_xticks(xs, labels=[wrap_label(c, max(8, int(90 / max(1, len(xs))))) for c in df[s.x]])
        ax.tick_params(axis="x", length=0)
    bars = df[bar_m].to_numpy(dtype=float)
    set_value_limits(ax, float(np.nanmin(bars)), float(np.nanmax(bars)), zero=True, headroom=0.1)
    if prep.x_is_time:
        finish_time(ax, fig, prep, xs, bars)
    ax2 = ax.twinx()
    ax2.set_xmargin(0.01 if prep.x_is_time else 0.05)
    style_axes(ax2, grid=None, unit_y=s.unit(line_ms[0]))
    ax2.spines["left"].set_visible(False)
    ax2.spines["bottom"].set_visible(False)
    ax2.tick_params(axis="y", length=0)
    lo, hi = np.inf, -np.inf
    legend: Legend = [(patch_handle(bar_color), s.label_of(bar_m))]
    for i, m in enumerate(line_ms):
        ys = df[m].to_numpy(dtype=float)
        c = line_colors[i % len(line_colors)]
        if prep.x_is_time:
            ax2.plot(xs, ys, color=c, lw=2.3, marker="o" if len(ys) <= 30 else None, markersize=4.5, zorder=4)
        else:  # categories have no order between them: dots, not a connecting line
            ax2.plot(xs, ys, color=c, ls="none", marker="o", markersize=9, markeredgecolor="white", zorder=4)
        if np.isfinite(ys).any():
            lo, hi = min(lo, float(np.nanmin(ys))), max(hi, float(np.nanmax(ys)))
        handle = (
            line_handle(c, marker="o" if len(ys) <= 30 else None)
            if prep.x_is_time
            else line_handle(c, lw=0, marker="o")
        )
        legend.append((handle, s.label_of(m) + " (right axis)"))
    if np.isfinite(lo) and np.isfinite(hi):
        span = (hi - lo) or abs(hi) or 1.0
        ax2.set_ylim(
            lo - span * 0.35, hi + span * 0.25
        )  # keep the line clear of the bars' tops where possible
    axis_label(ax, "y", s.label_of(bar_m), color="#3D7FB0")
    axis_label(ax2, "y", s.label_of(line_ms[0]), color=line_colors[0])
    ax2.yaxis.label.set_rotation(270)
    ax2.yaxis.label.set_verticalalignment("bottom")
    return legend


# ---- small multiples -----------------------------------------------------------------------------------------
def draw_small_multiples(fig: Figure, prep: Prepared) -> Legend:
    """One small panel per facet value on shared axes; the other facets are drawn faintly behind for context."""
    s = prep.spec
    df = prep.df
    m, unit = s.y[0], s.unit(s.y[0])
    totals = df.groupby(s.facets, sort=False)[m].sum()
    facets = natural_order(list(totals.index)) or list(totals.sort_values(ascending=False).index)
    n = len(facets)
    ncols = min(4, n) if n != 4 else 2
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    legend: Legend = []
    lo = float(np.nanmin(df[m])) if df[m].notna().any() else 0.0
    hi = float(np.nanmax(df[m])) if df[m].notna().any() else 1.0
    if s.series:
        hi = float(np.nanmax(df.groupby([s.facets, s.x, s.series])[m].sum()))
    ghosts = n <= 9 and prep.x_is_time and not s.series
    for i, facet in enumerate(facets):
        ax = axes[i // ncols][i % ncols]
        style_axes(ax, grid="y", unit_y=unit, nbins=4)
        sub = df[df[s.facets] == facet]
        if ghosts:
            from matplotlib.collections import LineCollection

            segs = [
                np.column_stack([_num_x(prep, df[df[s.facets] == o]), df[df[s.facets] == o][m]])
                for o in facets
                if o != facet
            ]
            ax.add_collection(LineCollection(segs, colors="#D9D9D9", linewidths=1.0, zorder=1), autolim=False)
        if prep.x_is_time:
            sub_prep = Prepared(df=sub, spec=s, x_is_time=True)
            gs = groups(sub_prep) if s.series else [(facet, sub, m)]
            colors = color_cycle([g[0] for g in gs], OTHER) if s.series else {facet: PALETTE[0]}
            for name, rows, mm in gs:
                ax.plot(
                    xdata(prep, rows), rows[mm].to_numpy(dtype=float), color=colors[name], lw=1.9, zorder=3
                )
                if s.series and i == 0:
                    legend.append((line_handle(colors[name]), name))
            date_axis(ax, maxticks=4)
        else:
            ax.bar(np.arange(len(sub)), sub[m].to_numpy(dtype=float), color=PALETTE[0], width=0.7, zorder=2)
            ax.set_xticks(np.arange(len(sub)), labels=[wrap_label(c, 10) for c in sub[s.x]])
            ax.tick_params(axis="x", length=0, labelsize=TICK_PT - 2)
        ax.set_title(
            wrap_label(facet, 30), loc="left", fontsize=TICK_PT + 0.5, color=INK, fontweight="bold", pad=4
        )
        ax.tick_params(labelsize=TICK_PT - 1)
    for j in range(n, nrows * ncols):
        fig.delaxes(axes[j // ncols][j % ncols])
    zero = y_zero(unit, lo, hi, line=prep.x_is_time) or not prep.x_is_time
    set_value_limits(axes[0][0], lo, hi, zero=zero, headroom=0.06)
    return legend


def _num_x(prep: Prepared, rows: Any) -> np.ndarray:
    from matplotlib import dates as mdates

    return mdates.date2num(rows[prep.spec.x].to_numpy(dtype="datetime64[ns]"))


# ---- forecast fan chart --------------------------------------------------------------------------------------
def _levels(columns: list[str]) -> list[int]:
    out = []
    for c in columns:
        if c.startswith("lo-") and f"hi-{c[3:]}" in columns:
            try:
                out.append(int(float(c[3:])))
            except ValueError:
                continue
    return sorted(out, reverse=True)


def draw_forecast(fig: Figure, prep: Prepared) -> Legend:  # long: one matplotlib drawing sequence (history, backtest window, fan of intervals, labels)
    """History (ds, y), forecast mean with 80/95% bands, and the backtest window shaded.

    ``ax.lines``: [history, forecast mean, backtest predictions (only if rows carry both y and mean)].
    """
    import pandas as pd
    from matplotlib.collections import LineCollection

    s = prep.spec
    df = prep.df
    x, unit = s.x or "ds", s.unit(s.y[0] if s.y else "y")
    if "unique_id" in df.columns and df["unique_id"].nunique() > 1:
        raise UserInputError(
            "The forecast frame holds several series (unique_id); chart one at a time or use small multiples."
        )
    ax = fig.add_subplot()
    style_axes(ax, grid="y", unit_y=unit)
    hist = df[df["y"].notna()]
    fut = df[df["y"].isna() & df["mean"].notna()]
    back = df[df["y"].notna() & df["mean"].notna()]
    hx, hy = hist[x].to_numpy(dtype="datetime64[ns]"), hist["y"].to_numpy(dtype=float)
    fx, fy = fut[x].to_numpy(dtype="datetime64[ns]"), fut["mean"].to_numpy(dtype=float)
    ax.plot(hx, hy, color="#333333", lw=1.7, zorder=3)
    ax.plot(fx, fy, color=PALETTE[0], lw=2.3, zorder=4)
    legend: Legend = [(line_handle("#333333", lw=1.7), say("Actual"))] if len(hx) else []
    legend.append((line_handle(PALETTE[0]), say("Forecast")))
    if len(back):
        ax.plot(
            back[x].to_numpy(dtype="datetime64[ns]"),
            back["mean"].to_numpy(dtype=float),
            color=PALETTE[1],
            lw=1.6,
            ls=(0, (3, 2)),
            zorder=4,
        )
        legend.append((line_handle(PALETTE[1], lw=1.6, ls="--"), say("Backtest forecast")))
    if len(hx) and len(fx):
        seg = [[(_d2n(hx[-1]), hy[-1]), (_d2n(fx[0]), fy[0])]]
        ax.add_collection(LineCollection(seg, colors=PALETTE[0], linewidths=2.3, zorder=4), autolim=False)
    levels = _levels(list(df.columns))
    lo_all, hi_all = [hy, fy], []
    for lvl in levels:
        rows = df[df[f"lo-{lvl}"].notna() & df[f"hi-{lvl}"].notna() & df["y"].isna()]
        if rows.empty:
            continue
        lo, hi = rows[f"lo-{lvl}"].to_numpy(dtype=float), rows[f"hi-{lvl}"].to_numpy(dtype=float)
        alpha = 0.16 if lvl == max(levels) else 0.32
        ax.fill_between(
            rows[x].to_numpy(dtype="datetime64[ns]"),
            lo,
            hi,
            color=PALETTE[0],
            alpha=alpha,
            linewidth=0,
            zorder=2,
        )
        legend.append((patch_handle(PALETTE[0], alpha), say("{level}% interval", level=lvl)))
        lo_all.append(lo)
        hi_all.append(hi)
    trans = ax.get_xaxis_transform()
    if s.backtest_start and len(hx):
        start = pd.Timestamp(s.backtest_start)
        end = pd.Timestamp(hx[-1])
        if start < end:
            ax.fill_between(
                [start, end], 0, 1, transform=trans, color="#7F7F7F", alpha=0.12, linewidth=0, zorder=0
            )
            legend.append((patch_handle("#7F7F7F", 0.18), say("Backtest window")))
    if len(hx) and len(fx):
        ax.vlines(
            [pd.Timestamp(hx[-1])],
            0,
            1,
            transform=trans,
            colors=SPINE,
            linewidth=0.9,
            linestyles=(0, (2, 2)),
            zorder=1,
        )
        ax.text(
            pd.Timestamp(hx[-1]),
            0.985,
            " " + say("Forecast"),
            transform=trans,
            ha="left",
            va="top",
            fontsize=ANNOT_PT - 0.5,
            color=INK_FAINT,
            parse_math=False,
        )
        ax.annotate(
            format_value(fy[-1], unit),
            (fx[-1], fy[-1]),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=ANNOT_PT,
            color=PALETTE[0],
            fontweight="bold",
            parse_math=False,
            annotation_clip=False,
        )
    vals = (
        np.concatenate([a for a in lo_all + hi_all if len(a)]) if any(len(a) for a in lo_all) else np.zeros(1)
    )
    lo_v, hi_v = float(np.nanmin(vals)), float(np.nanmax(vals))
    set_value_limits(ax, lo_v, hi_v, zero=y_zero(unit, lo_v, hi_v, line=True), headroom=0.1)
    finish_time(ax, fig, prep, hx, hy)
    annotate_notes(ax, prep, hx, hy)
    return legend


def _d2n(x: Any) -> float:
    from matplotlib import dates as mdates

    return float(mdates.date2num(x))
