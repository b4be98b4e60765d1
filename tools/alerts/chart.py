"""The evidence chart of an alert: the last eight weeks of the series, its expected band and the flagged days."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd


def draw(path_dir: Path, title: str, days: pd.DatetimeIndex, values: np.ndarray, flagged: list[pd.Timestamp],
         expected: float | None = None, lo: float | None = None, hi: float | None = None) -> Path:
    """Write a PNG (named by its content) into ``path_dir`` and return its path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 2.6), dpi=100)
    ax = fig.add_subplot()
    ax.plot(days, values, color="#1f6feb", linewidth=1.6)
    if lo is not None and hi is not None:
        ax.fill_between(days[-1:], [lo], [hi], color="#8b949e", alpha=0.3, label="95% interval")
        ax.errorbar([days[-1]], [expected], yerr=[[expected - lo], [hi - expected]], color="#57606a", capsize=4,
                    fmt="o", markersize=3, label="expected")
    marks = [d for d in flagged if d in days]
    if marks:
        idx = days.get_indexer(marks)
        ax.scatter(marks, values[idx], color="#cf222e", zorder=3, label="flagged")
    ax.set_title(title[:90], fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    path_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"{title}|{days[-1]}|{values.tobytes().hex()}".encode()).hexdigest()[:16]
    path = path_dir / f"alert-{key}.png"
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, format="png")
    tmp.replace(path)
    return path
