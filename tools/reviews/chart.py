"""The review_insights chart in the house style (``shoplens.tools.charts.style``).

Two panels: weekly shares of negative/neutral/positive reviews (stacked bars, reviews per week as a line on its
own axis, the period start marked) and the aspects most often criticised or praised (diverging bars). The legend
is a row under the subtitle, outside both plots, so it never covers data. Object-oriented matplotlib only
(no pyplot, no global state), like every other ShopLens chart.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from shoplens.tools.charts.render import png_bytes
from shoplens.tools.charts.style import (
    ANNOT_PT,
    INK_FAINT,
    INK_SOFT,
    LABEL_PT,
    OTHER_COLOR,
    PALETTE,
    TICK_PT,
    axis_label,
    date_axis,
    esc,
    frame,
    layout_engine,
    line_handle,
    patch_handle,
    style_axes,
)

#: Okabe-Ito: vermillion for negative, bluish green for positive (colour-blind safe), grey for neutral.
COLORS = {"negative": PALETTE[3], "neutral": OTHER_COLOR, "positive": PALETTE[2]}
WIDTH, HEIGHT, DPI = 12.0, 5.6, 110
STEP_AREA_WEEKS = 60  # above this many weeks the mix is drawn as stepped areas, not bars


def draw(weekly: Any, top_pos: list[tuple[str, int, int]], top_neg: list[tuple[str, int, int]], *, title: str,
         subtitle: str, start: dt.date, source: str) -> Figure:
    """The figure (nothing is written); ``weekly`` has week, reviews, negative, neutral, positive."""
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor="white", layout=layout_engine())
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    w = weekly.copy()
    total = w["reviews"].clip(lower=1)
    labels = ("negative", "neutral", "positive")
    if len(w) <= STEP_AREA_WEEKS:
        bottom = None
        for lbl in labels:
            share = w[lbl] / total
            ax1.bar(w["week"], share, width=6, bottom=bottom, color=COLORS[lbl], align="edge", linewidth=0)
            bottom = share if bottom is None else bottom + share
    else:  # years of weeks: one stepped area per label (hundreds of thin bars are slow to draw and hard to read)
        x = list(w["week"]) + [w["week"].iloc[-1] + dt.timedelta(days=7)]
        shares = [list(w[lbl] / total) for lbl in labels]
        ax1.stackplot(x, *[sh + sh[-1:] for sh in shares], step="post", colors=[COLORS[lbl] for lbl in labels],
                      linewidth=0)
    ax1.axvline(start, color=INK_SOFT, lw=1.2, ls="--")
    style_axes(ax1, grid="y")
    ax1.set_ylim(0, 1)
    ax1.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax1.set_title("Weekly sentiment mix", fontsize=LABEL_PT + 1, color=INK_SOFT, loc="left")
    years = max(1.0, (w["week"].max() - w["week"].min()).days) / 365.25 if len(w) > 1 else 0.1
    date_axis(ax1, maxticks=7, grain="week", years=years)
    axc = ax1.twinx()
    axc.plot(w["week"] + dt.timedelta(days=3), w["reviews"], color=PALETTE[0], lw=1.6, marker="o", markersize=2.5)
    axc.set_ylim(0, max(1.0, float(w["reviews"].max())) * 1.15)
    axc.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axc.tick_params(axis="y", labelsize=TICK_PT, labelcolor=PALETTE[0], length=0)
    for side in ("top", "left", "bottom"):
        axc.spines[side].set_visible(False)
    axc.spines["right"].set_visible(False)
    axis_label(axc, "y", "reviews per week", color=PALETTE[0])

    names = [a for a, _, _ in top_neg][::-1] + [a for a, _, _ in top_pos][::-1]
    values = [-n for _, n, _ in top_neg][::-1] + [n for _, n, _ in top_pos][::-1]
    style_axes(ax2, grid="x")
    ax2.set_title("Aspects criticised (left) and praised (right)", fontsize=LABEL_PT + 1, color=INK_SOFT,
                  loc="left")
    axis_label(ax2, "x", "reviews")
    if names:
        ax2.barh(range(len(names)), values, color=[COLORS["negative" if v < 0 else "positive"] for v in values],
                 height=0.65)
        ax2.set_yticks(range(len(names)), [esc(n) for n in names], fontsize=TICK_PT)
        ax2.axvline(0, color=INK_FAINT, lw=0.8)
        span = max(abs(v) for v in values)
        ax2.set_xlim(-span * 1.25 if any(v < 0 for v in values) else 0, span * 1.25 if any(v > 0 for v in values) else 0)
        for i, v in enumerate(values):
            ax2.text(v + (span * 0.03 if v > 0 else -span * 0.03), i, f"{abs(v):,}", va="center",
                     ha="left" if v > 0 else "right", fontsize=ANNOT_PT, color=INK_SOFT)
        ax2.xaxis.set_major_formatter(lambda x, _pos: f"{abs(x):,.0f}")
    else:
        ax2.set_yticks([])
        ax2.text(0.5, 0.5, "no aspects with a clear polarity yet", ha="center", va="center", transform=ax2.transAxes,
                 fontsize=ANNOT_PT, color=INK_FAINT)
    legend = [(patch_handle(COLORS[k]), k) for k in ("negative", "neutral", "positive")]
    legend += [(line_handle(PALETTE[0], lw=1.6, marker="o"), "reviews per week"),
               (line_handle(INK_SOFT, lw=1.2, ls="--"), "period start")]
    frame(fig, title=title, subtitle=subtitle, source=source, legend=legend)
    return fig


def write_png(fig: Figure, path: Path) -> None:
    """Write the PNG atomically (temporary file, then rename)."""
    tmp = path.with_suffix(".tmp.png")
    tmp.write_bytes(png_bytes(fig))
    tmp.replace(path)
