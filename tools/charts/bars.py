"""Drawers for bar kinds: vertical bars (values labelled when they fit), sorted horizontal bars, stacked bars
(totals on top) and grouped bars. Gains and losses get contrasting colours around a zero line.

``ax.patches`` holds only the data bars, in the order of the plotted frame (stacks: series by series).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.tools.charts.data import OTHER, Prepared
from shoplens.tools.charts.kinds import (
    MAX_VALUE_LABELS,
    Legend,
    annotate_peak,
    bar_width,
    finish_time,
    groups,
    short_date,
    tick_dates,
    wrap_label,
    xdata,
)
from shoplens.tools.charts.style import (
    ANNOT_PT,
    INK,
    INK_SOFT,
    PALETTE,
    color_cycle,
    esc,
    patch_handle,
    set_value_limits,
    style_axes,
)
from shoplens.tools.formatting import format_value, infer_grain

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def labels_fit(fig: Figure, n_bars: int, texts: list[str], *, share: float = 0.7) -> float | None:
    """The font size at which value labels fit over bars (None: they do not; show an axis instead)."""
    if not texts or n_bars > 60:
        return None
    bar_in = (fig.get_figwidth() - 1.0) / max(1, n_bars) * share
    longest = max(len(t) for t in texts)
    for pt in (ANNOT_PT, ANNOT_PT - 1.5):
        if longest * pt * 0.6 / 72 <= bar_in * 1.15:
            return pt
    return None


def _category_axis(ax: Axes, prep: Prepared, cats: list[Any]) -> None:
    """Category (or period) labels under vertical bars: wrapped, and thinned when there are many."""
    grain = infer_grain(cats) if prep.x_is_time else None
    if grain:
        labels = tick_dates(cats, grain)
    else:
        labels = [wrap_label(c, max(8, int(90 / max(1, len(cats))))) for c in cats]
    pos = np.arange(len(cats))
    step = max(1, int(np.ceil(len(cats) / 14)))
    ax.set_xticks(pos[::step], labels=labels[::step])


def bar_colors(vals: np.ndarray) -> list[str]:
    """One colour for bars; when some values are negative, gains and losses get contrasting colours."""
    if not (np.nan_to_num(vals) < 0).any():
        return [PALETTE[0]] * len(vals)
    return [PALETTE[3] if v < 0 else PALETTE[0] for v in np.nan_to_num(vals)]


def zero_line(ax: Axes, vals: np.ndarray, *, horizontal: bool) -> bool:
    """A baseline at zero when bars go both ways; returns whether there are negative values."""
    if not (np.nan_to_num(vals) < 0).any():
        return False
    trans = ax.get_yaxis_transform() if horizontal else ax.get_xaxis_transform()
    if horizontal:
        ax.vlines([0], 0, 1, transform=ax.get_xaxis_transform(), colors=INK_SOFT, linewidth=0.9, zorder=3)
    else:
        ax.hlines([0], 0, 1, transform=trans, colors=INK_SOFT, linewidth=0.9, zorder=3)
    return True


def _value_labels(
    ax: Axes, bars: Any, values: np.ndarray, texts: list[str], *, horizontal: bool, pt: float = ANNOT_PT
) -> None:
    for bar, v, text in zip(bars, values, texts, strict=False):
        if not np.isfinite(v):
            continue
        if horizontal:
            ax.annotate(
                text,
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(4 if v >= 0 else -4, 0),
                textcoords="offset points",
                ha="left" if v >= 0 else "right",
                va="center",
                fontsize=pt,
                color=INK,
            )
        else:
            ax.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 3 if v >= 0 else -3),
                textcoords="offset points",
                ha="center",
                va="bottom" if v >= 0 else "top",
                fontsize=pt,
                color=INK,
            )


def draw_bar(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    if s.series or len(s.y) > 1:
        return draw_grouped(fig, prep)
    ax = fig.add_subplot()
    m, unit = s.y[0], s.unit(s.y[0])
    vals = prep.df[m].to_numpy(dtype=float)
    texts = [esc(format_value(v, unit)) for v in vals]
    pt = labels_fit(fig, len(vals), texts) if len(vals) <= MAX_VALUE_LABELS * 2 else None
    style_axes(ax, grid=None if pt else "y", unit_y=unit)
    if prep.x_is_time and not pt:
        xs = xdata(prep, prep.df)
        ax.bar(xs, vals, width=bar_width(prep), color=PALETTE[0], zorder=2)
        ax.set_xmargin(0.01)
        set_value_limits(ax, float(np.nanmin(vals)), float(np.nanmax(vals)), zero=True, headroom=0.12)
        finish_time(ax, fig, prep, xs, vals, annotate_peak(ax, prep, xs, vals, unit, PALETTE[0]))
        return []
    cats = list(prep.df[s.x])
    bars = ax.bar(np.arange(len(vals)), vals, width=0.7, color=bar_colors(vals), zorder=2)
    zero_line(ax, vals, horizontal=False)
    _category_axis(ax, prep, cats)
    ax.tick_params(axis="x", length=0)
    if pt:
        _value_labels(ax, bars, vals, texts, horizontal=False, pt=pt)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
    set_value_limits(
        ax, float(np.nanmin(vals)), float(np.nanmax(vals)), zero=True, headroom=0.1 if pt else 0.04
    )
    return []


def draw_hbar(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    if s.series or len(s.y) > 1:
        return draw_grouped(fig, prep)
    ax = fig.add_subplot()
    m, unit = s.y[0], s.unit(s.y[0])
    vals = prep.df[m].to_numpy(dtype=float)
    cats = list(prep.df[s.x])
    n = len(vals)
    labelled = n <= 40
    style_axes(ax, grid=None if labelled else "x", unit_x=None if labelled else unit)
    pos = np.arange(n)[::-1]  # first row (largest when sorted) at the top
    bars = ax.barh(pos, vals, height=0.68 if n > 3 else 0.5, color=bar_colors(vals), zorder=2)
    negative = zero_line(ax, vals, horizontal=True)
    grain = infer_grain(cats) if prep.x_is_time else None
    pt = 10.5 if n <= 20 else 8.5
    slot_in = fig.get_figheight() * 0.7 / max(1, n)
    two_lines = slot_in >= 2 * pt * 1.3 / 72
    if grain:
        labels = [short_date(c, grain) for c in cats]
    elif two_lines:
        labels = [wrap_label(c, 28) for c in cats]
    else:
        labels = [esc(str(c) if len(str(c)) <= 36 else str(c)[:35].rstrip() + "…") for c in cats]
    ax.set_yticks(pos, labels=labels)
    ax.tick_params(axis="y", length=0, labelsize=pt, labelcolor=INK)
    ax.spines["left"].set_visible(not negative)
    ax.spines["bottom"].set_visible(not labelled)
    if labelled:
        _value_labels(ax, bars, vals, [esc(format_value(v, unit)) for v in vals], horizontal=True)
        ax.set_xticks([])
    set_value_limits(ax, float(np.nanmin(vals)), float(np.nanmax(vals)), zero=True, headroom=0.16, axis="x")
    ax.set_ylim(-0.6, n - 0.4)
    return []


def draw_stacked(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    ax = fig.add_subplot()
    m, unit = s.y[0], s.unit(s.y[0])
    style_axes(ax, grid="y", unit_y=unit)
    gs = groups(prep)
    names = [g[0] for g in gs]
    colors = color_cycle(names, OTHER)
    if not s.series:  # stacked measures
        wide = prep.df.set_index(s.x)[s.y]
        wide.columns = names
    else:
        wide = prep.df.pivot_table(index=s.x, columns=s.series, values=m, aggfunc="sum", sort=False).fillna(
            0.0
        )
        wide = wide.reindex(columns=names)
    wide = wide.sort_index() if prep.x_is_time else wide.reindex(list(dict.fromkeys(prep.df[s.x])))
    cats = list(wide.index)
    if prep.x_is_time:
        xs: Any = wide.index.to_numpy(dtype="datetime64[ns]")
        width: Any = bar_width(prep)
    else:
        xs, width = np.arange(len(cats)), 0.7
    pos_base = np.zeros(len(cats))
    neg_base = np.zeros(len(cats))
    for name in names:
        v = wide[name].to_numpy(dtype=float)
        v = np.nan_to_num(v)
        base = np.where(v >= 0, pos_base, neg_base)
        ax.bar(
            xs,
            v,
            width=width,
            bottom=base,
            color=colors[name],
            edgecolor="white",
            linewidth=0.5,
            zorder=2,
            label=name,
        )
        pos_base += np.where(v >= 0, v, 0)
        neg_base += np.where(v < 0, v, 0)
    totals = [esc(format_value(t, unit)) for t in pos_base]
    pt = labels_fit(fig, len(cats), totals)
    set_value_limits(
        ax, float(neg_base.min()), float(pos_base.max()), zero=True, headroom=0.1 if pt else 0.04
    )
    if prep.x_is_time:
        ax.set_xmargin(0.01)
        finish_time(ax, fig, prep, xs, pos_base)
    else:
        _category_axis(ax, prep, cats)
        ax.tick_params(axis="x", length=0)
    if pt:
        for x, t, text in zip(xs, pos_base, totals, strict=True):
            ax.annotate(
                text,
                (x, t),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=pt,
                color=INK_SOFT,
            )
    return [(patch_handle(colors[n]), n) for n in names]


def draw_grouped(fig: Figure, prep: Prepared) -> Legend:
    s = prep.spec
    ax = fig.add_subplot()
    unit = s.unit(s.y[0])
    gs = groups(prep)
    names = [g[0] for g in gs]
    colors = color_cycle(names, OTHER)
    if s.series:
        wide = prep.df.pivot_table(index=s.x, columns=s.series, values=s.y[0], aggfunc="sum", sort=False)
        wide = wide.reindex(columns=names)
    else:
        wide = prep.df.set_index(s.x)[s.y]
        wide.columns = names
    wide = wide.sort_index() if prep.x_is_time else wide.reindex(list(dict.fromkeys(prep.df[s.x])))
    cats = list(wide.index)
    k = len(names)
    width = 0.8 / k
    base = np.arange(len(cats))
    texts = {n: [esc(format_value(v, unit)) for v in wide[n].to_numpy(dtype=float)] for n in names}
    pt = labels_fit(fig, len(cats) * k, [t for ts in texts.values() for t in ts], share=0.8 * 0.92)
    labelled = pt is not None and len(cats) * k <= 40
    style_axes(ax, grid=None if labelled else "y", unit_y=unit)
    lo, hi = 0.0, 0.0
    for i, name in enumerate(names):
        v = wide[name].to_numpy(dtype=float)
        bars = ax.bar(
            base - 0.4 + width * (i + 0.5),
            np.nan_to_num(v),
            width=width * 0.92,
            color=colors[name],
            zorder=2,
            label=name,
        )
        if labelled:
            _value_labels(ax, bars, v, texts[name], horizontal=False, pt=pt or ANNOT_PT)
        lo, hi = min(lo, float(np.nanmin(v))), max(hi, float(np.nanmax(v)))
    _category_axis(ax, prep, cats)
    ax.tick_params(axis="x", length=0)
    if labelled:
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
    set_value_limits(ax, lo, hi, zero=True, headroom=0.12 if labelled else 0.04)
    return [(patch_handle(colors[n]), n) for n in names]
