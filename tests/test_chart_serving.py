"""Charts on a busy server: drawn in a process pool, identical requests answered from the cache with the same chart
id (no new files), and the charts folder kept within its age and size limits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from shoplens.tools.charts.renderer import ChartRenderer
from shoplens.tools.charts.spec import ChartSpec
from shoplens.tools.charts.store import Retention, prune
from shoplens.tools.charts.tool import ChartTool

SPEC = ChartSpec.from_dict({"kind": "bar", "x": "channel", "y": ["revenue"], "units": {"revenue": "currency"}})
DATA = pd.DataFrame({"channel": ["web", "app", "marketplace"], "revenue": [1200.0, 800.5, 300.25]})


def test_the_same_chart_comes_from_the_cache_with_the_same_id_and_files(tmp_path: Path) -> None:
    renderer = ChartRenderer(0)
    tool = ChartTool(tmp_path, renderer=renderer)
    first = tool.render(SPEC, DATA).charts[0]
    files = sorted(p.name for p in tmp_path.iterdir())
    again = tool.render(SPEC, DATA.copy()).charts[0]
    assert again.chart_id == first.chart_id and renderer.hits == 1 and renderer.misses == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == files and len(files) == 3
    other = tool.render(SPEC, DATA.assign(revenue=DATA.revenue * 2)).charts[0]
    assert other.chart_id != first.chart_id and renderer.misses == 2
    titled = tool.render(SPEC, DATA, title="Another title").charts[0]
    assert titled.chart_id not in (first.chart_id, other.chart_id)


def test_a_removed_chart_is_written_again(tmp_path: Path) -> None:
    tool = ChartTool(tmp_path, renderer=ChartRenderer(0))
    chart = tool.render(SPEC, DATA).charts[0]
    for p in tmp_path.iterdir():
        p.unlink()
    assert tool.render(SPEC, DATA).charts[0].chart_id == chart.chart_id
    assert Path(chart.path).exists() and Path(chart.data).exists()


@pytest.mark.slow
def test_the_process_pool_draws_the_same_picture(tmp_path: Path) -> None:
    local = ChartRenderer(0).draw(SPEC, DATA)
    pool = ChartRenderer(1)
    try:
        drawn = pool.draw(SPEC, DATA)
    finally:
        pool.close()
    assert drawn.png[:8] == b"\x89PNG\r\n\x1a\n" and drawn.png == local.png
    assert drawn.data.equals(local.data) and drawn.spec == local.spec


def _chart_files(folder: Path, stem: str, age_s: float, size: int = 10) -> None:
    stamp = time.time() - age_s
    for ext in ("png", "csv", "json"):
        p = folder / f"{stem}.{ext}"
        p.write_bytes(b"x" * size)
        os.utime(p, (stamp, stamp))


def test_retention_removes_old_charts_then_the_oldest_beyond_the_size_limit(tmp_path: Path) -> None:
    _chart_files(tmp_path, "a" * 32, age_s=10 * 86400)  # past the age limit
    _chart_files(tmp_path, "b" * 32, age_s=3 * 86400, size=400)
    _chart_files(tmp_path, "c" * 32, age_s=2 * 86400, size=400)
    _chart_files(tmp_path, "d" * 32, age_s=60, size=400)
    removed = prune(tmp_path, Retention(max_age_s=7 * 86400, max_bytes=3000))
    stems = {p.name.split(".")[0] for p in tmp_path.iterdir()}
    assert removed == 6 and stems == {"c" * 32, "d" * 32}  # the oldest within the age limit went for the size
