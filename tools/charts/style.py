"""ShopLens house style for charts a person would paste into a deck.

Everything is applied to the figure's own artists: the global ``matplotlib.rcParams`` are never touched, so
rendering is safe from many threads and never changes anyone else's plots.

- Colour-blind-safe Okabe-Ito palette (grey for "Other" and context), a sequential single-hue map for heatmaps.
- Readable sizes at 1200 x 675 px: 16 pt title with the metric, 11.5 pt subtitle with period and filters,
  10.5 pt ticks, a legend row under the subtitle, an 8.5 pt source line with the data's as-of date.
- Axis numbers with thousands separators, currency and K/M/B suffixes chosen per axis; date axes use
  ``ConciseDateFormatter`` so they read well at any span (days to years).
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

from matplotlib import dates as mdates
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, MaxNLocator

from shoplens.tools.formatting import current_style, format_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe & Ito (2008), ordered for contrast on white; yellow last (weak on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442"]
OTHER_COLOR = "#B0B0B0"
INK = "#1F1F1F"
INK_SOFT = "#555555"
INK_FAINT = "#808080"
GRID = "#E3E3E3"
SPINE = "#9A9A9A"
HEATMAP_CMAP = "Blues"

TITLE_PT = 16.0
SUBTITLE_PT = 11.5
TICK_PT = 10.5
LABEL_PT = 10.5
LEGEND_PT = 10.5
ANNOT_PT = 9.5
EVENT_PT = 8.0
SOURCE_PT = 8.5
PAD_IN = 0.14  # outer padding, inches


def esc(text: Any) -> str:
    """Text for matplotlib artists that must not be read as math ($...$)."""
    return str(text).replace("$", r"\$")


def color_cycle(names: list[str], other: str = "Other") -> dict[str, str]:
    out, i = {}, 0
    for n in names:
        if n == other:
            out[n] = OTHER_COLOR
        else:
            out[n] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


class UnitFormatter(Formatter):
    """Tick labels in a unit with one scale and one precision per axis: $0, $250K, $500K / 1,200 / 8%."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.lang, self.currency = current_style()  # ticks are written at draw time, after the render's style ends

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_value(x, self.unit, lang=self.lang, currency=self.currency)

    def format_ticks(self, values: Any) -> list[str]:
        vals = [float(v) for v in values]
        visible = vals
        if (
            self.axis is not None
        ):  # the locator also returns ticks just outside the view; scale by the shown ones
            lo, hi = sorted(self.axis.get_view_interval())
            eps = (hi - lo) * 1e-9
            visible = [v for v in vals if lo - eps <= v <= hi + eps] or vals
        return tick_labels(vals, self.unit, top=max(abs(v) for v in visible) if visible else None, lang=self.lang,
                           currency=self.currency)


def _decimals(vals: list[float], scale: float, limit: int = 3) -> int:
    for d in range(limit + 1):
        if all(abs(v / scale - round(v / scale, d)) < 1e-6 * max(1.0, abs(v / scale)) for v in vals):
            return d
    return limit


def tick_labels(vals: list[float], unit: str, top: float | None = None, *, lang: str | None = None,
                currency: str | None = None) -> list[str]:
    """Labels for a set of ticks: one scale (K/M/B from the largest shown value; 万/亿 in Chinese) and the fewest
    decimals that keep every tick exact."""
    if not vals:
        return []
    lang, symbol = current_style(lang, currency)
    top = max(abs(v) for v in vals) if top is None else top
    if unit == "percent":
        d = _decimals([v * 100 for v in vals], 1.0, 2)
        return [f"{v * 100:,.{d}f}%" for v in vals]
    if unit in ("currency", "count", "number"):
        prefix = symbol if unit == "currency" else ""
        scales = [(1e9, "B"), (1e6, "M"), (1e3, "K"), (1.0, "")]
        if unit != "currency":
            scales = [(1e9, "B"), (1e6, "M"), (1.0, "")]
        if lang == "zh":
            scales = [(1e8, "亿"), (1e4, "万"), (1.0, "")]
        idx = next((i for i, (s, _) in enumerate(scales) if top >= s), len(scales) - 1)
        scale, suffix = scales[idx]
        d = _decimals(vals, scale)
        if d >= 2 and idx + 1 < len(scales) and scale > 1:
            scale, suffix = scales[idx + 1]
            d = _decimals(vals, scale)
        out = []
        for v in vals:
            if v == 0:
                out.append(f"{prefix}0")
                continue
            sign = "-" if v < 0 else ""
            out.append(f"{sign}{prefix}{abs(v) / scale:,.{d}f}{suffix}")
        return out
    d = _decimals(vals, 1.0, 3)
    return [f"{v:,.{d}f}" for v in vals]


# ---- figure frame ---------------------------------------------------------------------------------------------
def _wrap(text: str, width_in: float, pt: float, max_lines: int) -> list[str]:
    chars = max(20, int(width_in * 72 / (pt * 0.56)))
    lines = textwrap.wrap(text, chars) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, chars - 1)].rstrip() + "…"
    return lines


def frame(
    fig: Figure, *, title: str, subtitle: str, source: str, legend: list[tuple[Any, str]] | None = None
) -> None:
    """Title, subtitle, legend row and source line around the plot; the axes fill the rest (constrained layout)."""
    w, h = fig.get_size_inches()
    x0 = PAD_IN / w
    y = 1 - PAD_IN / h
    usable = w - 2 * PAD_IN
    if title:
        lines = _wrap(title, usable, TITLE_PT, 2)
        fig.text(
            x0,
            y,
            "\n".join(lines),
            ha="left",
            va="top",
            fontsize=TITLE_PT,
            fontweight="bold",
            color=INK,
            parse_math=False,
            linespacing=1.15,
        )
        y -= len(lines) * TITLE_PT * 1.25 / 72 / h + 0.04 / h
    if subtitle:
        lines = _wrap(subtitle, usable, SUBTITLE_PT, 2)
        fig.text(
            x0,
            y,
            "\n".join(lines),
            ha="left",
            va="top",
            fontsize=SUBTITLE_PT,
            color=INK_SOFT,
            parse_math=False,
            linespacing=1.2,
        )
        y -= len(lines) * SUBTITLE_PT * 1.3 / 72 / h
    if legend:
        y -= 0.06 / h
        handles = [hd for hd, _ in legend]
        labels = [esc(lb) for _, lb in legend]
        ncols = _legend_columns(labels, usable)
        rows = math.ceil(len(labels) / ncols)
        fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(x0, y),
            ncols=ncols,
            frameon=False,
            fontsize=LEGEND_PT,
            handlelength=1.6,
            handleheight=0.8,
            columnspacing=1.4,
            borderaxespad=0,
            borderpad=0,
            labelcolor=INK_SOFT,
        )
        y -= rows * LEGEND_PT * 1.45 / 72 / h
    top = y - 0.1 / h
    bottom = 0.0
    if source:
        fig.text(
            x0,
            PAD_IN * 0.8 / h,
            source,
            ha="left",
            va="bottom",
            fontsize=SOURCE_PT,
            color=INK_FAINT,
            parse_math=False,
        )
        bottom = (PAD_IN * 0.8 + SOURCE_PT * 1.4 / 72 + 0.04) / h
    engine = fig.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):
        engine = layout_engine()
        fig.set_layout_engine(engine)
    engine.set(rect=(0.0, bottom, 1.0, max(0.2, top - bottom)))


def layout_engine() -> ConstrainedLayoutEngine:
    """Constrained layout with house padding; ``frame`` narrows its rect to leave room for the header/footer."""
    return ConstrainedLayoutEngine(w_pad=PAD_IN * 0.8, h_pad=0.04, wspace=0.04, hspace=0.06)


def _legend_columns(labels: list[str], usable_in: float) -> int:
    """As many columns as fit in one row (widest item per column), so a legend reads left to right."""
    em = LEGEND_PT / 72
    widths = [len(lb) * em * 0.58 + 3.2 * em for lb in labels]  # text + handle + gaps
    for ncols in range(len(labels), 0, -1):
        rows = math.ceil(len(labels) / ncols)
        cols = [max(widths[j * rows : (j + 1) * rows]) for j in range(math.ceil(len(labels) / rows))]
        if sum(cols) <= usable_in:
            return ncols
    return 1


def line_handle(color: str, *, lw: float = 2.2, ls: str = "-", marker: str | None = None) -> Line2D:
    return Line2D([], [], color=color, lw=lw, ls=ls, marker=marker)


def patch_handle(color: str, alpha: float = 1.0) -> Patch:
    return Patch(facecolor=color, edgecolor="none", alpha=alpha)


# ---- axes ----------------------------------------------------------------------------------------------------
def style_axes(
    ax: Axes, *, grid: str | None = "y", unit_y: str | None = None, unit_x: str | None = None, nbins: int = 6
) -> None:
    """Light grid on one axis, no box, readable ticks; optional unit formatters."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_visible(grid != "y")
    ax.spines["bottom"].set_color(SPINE)
    ax.spines["left"].set_color(SPINE)
    ax.tick_params(axis="both", labelsize=TICK_PT, labelcolor=INK_SOFT, color=SPINE, length=3.5, width=0.8)
    if grid == "y":
        ax.tick_params(axis="y", length=0, pad=4)
    if grid == "x":
        ax.tick_params(axis="x", length=0)
    ax.set_axisbelow(True)
    if grid:
        ax.grid(True, axis=grid, color=GRID, linewidth=0.9)  # type: ignore[arg-type]
    ax.set_facecolor("white")
    if unit_y:
        ax.yaxis.set_major_formatter(UnitFormatter(unit_y))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
    if unit_x:
        ax.xaxis.set_major_formatter(UnitFormatter(unit_x))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))


class _DateLocator(mdates.AutoDateLocator):
    """``AutoDateLocator`` that remembers the ticks of the current view: layout and drawing ask for them a dozen
    times per figure, and each answer builds a dateutil rrule."""

    _memo: tuple[Any, Any] = (None, None)

    def __call__(self) -> Any:
        key = tuple(self.axis.get_view_interval()) if self.axis is not None else None
        if key is not None and self._memo[0] == key:
            return self._memo[1]
        ticks = super().__call__()
        self._memo = (key, ticks)
        return ticks


def date_axis(ax: Axes, *, maxticks: int = 8, grain: str | None = None, years: float = 0.0) -> None:
    """Concise date ticks that read well at any span, never finer than the data (no 'May' between yearly points)."""
    locator: mdates.DateLocator = _DateLocator(minticks=3, maxticks=maxticks)
    if grain == "year" or (grain == "quarter" and years > 4):
        locator = mdates.YearLocator(base=max(1, math.ceil(years / maxticks)))
    elif grain == "quarter":
        locator = mdates.MonthLocator(bymonth=(1, 4, 7, 10))
    elif grain == "month" and years * 12 <= maxticks:
        locator = mdates.MonthLocator()
    elif grain == "day" and years * 365 <= 2 * maxticks:
        locator = mdates.DayLocator(interval=max(1, math.ceil(years * 365 / maxticks)))
    if current_style()[0] == "zh":  # 2026年 / 5月 / 14日; the offset names the year and month
        fmt = mdates.ConciseDateFormatter(
            locator,
            show_offset=True,
            formats=["%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y年", "%Y年%-m月", "%Y年%-m月%-d日", "%Y年%-m月%-d日", "%Y年%-m月%-d日 %H:%M"],
        )
    else:
        fmt = mdates.ConciseDateFormatter(
            locator,
            show_offset=True,
            zero_formats=["", "%Y", "%b", "%b %d", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y", "%b %Y", "%b %d, %Y", "%b %d, %Y", "%b %d, %Y %H:%M"],
        )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(fmt)
    ax.xaxis.get_offset_text().set_fontsize(TICK_PT - 1)
    ax.xaxis.get_offset_text().set_color(INK_FAINT)


def axis_label(ax: Axes, which: str, text: str, color: str = INK_SOFT) -> None:
    if which == "x":
        ax.set_xlabel(text, fontsize=LABEL_PT, color=color, parse_math=False)
    else:
        ax.set_ylabel(text, fontsize=LABEL_PT, color=color, parse_math=False)


def fig_width(ax: Axes) -> float:
    return float(ax.get_figure(root=True).get_figwidth())  # type: ignore[union-attr]


def fig_height(ax: Axes) -> float:
    return float(ax.get_figure(root=True).get_figheight())  # type: ignore[union-attr]


def set_value_limits(
    ax: Axes, lo: float, hi: float, *, zero: bool, headroom: float = 0.08, axis: str = "y"
) -> None:
    """Limits around the data: from zero for bars/areas/totals, with headroom for labels."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return
    if zero:
        lo, hi = min(0.0, lo), max(0.0, hi)
    span = hi - lo or abs(hi) or 1.0
    new_lo = lo if zero and lo == 0 else lo - span * 0.05
    new_hi = hi + span * headroom if hi > 0 or not zero else 0.0
    if zero and lo < 0:
        new_lo = lo - span * headroom
    if new_hi <= new_lo:  # all zero (or one value): open a unit range so the axis is not singular
        new_hi = new_lo + (abs(new_lo) or 1.0)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(new_lo, new_hi)


def label_halign(where: float) -> str:
    return "left" if where < 0.12 else "right" if where > 0.88 else "center"


def annotate_point(
    ax: Axes, x: Any, y: float, text: str, *, color: str, where: float = 0.5, above: bool = True
) -> None:
    """A dot and a short label on one point (peaks, notes). ``where``: the point's position across the axes, 0..1."""
    ha = label_halign(where)
    dx = {"left": -4, "right": 4, "center": 0}[ha]
    ax.scatter([x], [y], s=30, color=color, edgecolors="white", linewidths=1.0, zorder=6)
    ax.annotate(
        text,
        (x, y),
        xytext=(dx, 8 if above else -8),
        textcoords="offset points",
        ha=ha,
        va="bottom" if above else "top",
        fontsize=ANNOT_PT,
        color=INK,
        fontweight="bold",
        annotation_clip=False,
        parse_math=False,
        zorder=7,
    )


def mark_events(  # long: label placement over a shared axis; splitting it would scatter one layout algorithm
    ax: Axes,
    events: list[Any],
    xmin: Any,
    xmax: Any,
    *,
    width_in: float,
    xs: Any = None,
    ys: Any = None,
    reserved: list[tuple[Any, Any]] | None = None,
) -> int:
    """Calendar events in the visible range: a dashed line (one day) or a shaded band (a range), with a label.

    A label goes at the top of the plot, or at the bottom when the data near the event would cross it (``xs``/``ys``
    are the plotted points; call after the y limits are set). Labels closer than a readable distance are dropped
    (the mark stays). ``reserved``: x ranges whose top is taken (e.g. by the peak label). Returns how many events
    were drawn.
    """
    import numpy as np
    import pandas as pd

    lo, hi = pd.Timestamp(xmin), pd.Timestamp(xmax)
    span_days = max(1.0, (hi - lo).total_seconds() / 86400)
    trans = ax.get_xaxis_transform()
    y0, y1 = ax.get_ylim()
    axes_h_in = fig_height(ax) * 0.68
    px = np.asarray(xs, dtype="datetime64[ns]") if xs is not None else None
    py = np.asarray(ys, dtype=float) if ys is not None else None
    last_label_in = -1e9
    drawn = 0
    for ev in sorted(events, key=lambda e: e.start):
        start, end = pd.Timestamp(ev.start), pd.Timestamp(ev.end or ev.start)
        if end < lo or start > hi:
            continue
        drawn += 1
        if ev.end:
            ax.fill_between(
                [start, end + pd.Timedelta(days=1)],
                0,
                1,
                transform=trans,
                color="#8C8C8C",
                alpha=0.13,
                linewidth=0,
                zorder=0.5,
            )
        else:
            ax.vlines(
                [start],
                0,
                1,
                transform=trans,
                colors="#8C8C8C",
                linestyles=(0, (3, 3)),
                linewidth=0.9,
                zorder=0.6,
            )
        pos_in = (start - lo).total_seconds() / 86400 / span_days * width_in
        if pos_in - last_label_in < 0.2:
            continue
        last_label_in = pos_in
        name = ev.name if len(ev.name) <= 26 else ev.name[:25].rstrip() + "…"
        frac = (len(name) * EVENT_PT * 0.62 / 72 + 0.08) / axes_h_in
        near_hi, near_lo = 0.0, 1.0
        if px is not None and py is not None and y1 > y0:
            pad = pd.Timedelta(days=span_days * 0.03)
            m = (px >= (start - pad).to_datetime64()) & (px <= (end + pad).to_datetime64()) & np.isfinite(py)
            if m.any():
                near_hi = (float(py[m].max()) - y0) / (y1 - y0)
                near_lo = (float(py[m].min()) - y0) / (y1 - y0)
        top_taken = any(pd.Timestamp(a) <= end and start <= pd.Timestamp(b) for a, b in reserved or [])
        bbox = None
        if near_hi < 0.985 - frac and not top_taken:
            y, va = 0.985, "top"
        elif near_lo > 0.015 + frac:
            y, va = 0.015, "bottom"
        else:
            y, va = (0.015, "bottom") if top_taken else (0.985, "top")
            bbox = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
        ax.text(
            start,
            y,
            esc(name),
            transform=trans,
            rotation=90,
            ha="right",
            va=va,
            fontsize=EVENT_PT,
            color=INK_FAINT,
            zorder=0.7 if bbox is None else 8,
            clip_on=False,
            bbox=bbox,
        )
    return drawn
