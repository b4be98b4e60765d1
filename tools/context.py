"""What every tool is built with: the SQL runner, the semantic layer bound to that warehouse, the charts folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.data.semantic import FULL_VALUES, SemanticLayer
from shoplens.tools.charts.renderer import ChartRenderer, local_renderer
from shoplens.tools.charts.store import Retention
from shoplens.tools.sql import SqlRunner

if TYPE_CHECKING:
    from shoplens.tools.calendar.words import Calendar
    from shoplens.tools.sqlengine.base import Engine


@dataclass
class ToolContext:
    runner: SqlRunner
    semantic: SemanticLayer
    charts_dir: Path
    semantic_path: Path | None = None
    generation: int = 0  # the runner's generation the semantic layer was bound on
    renderer: ChartRenderer = field(default_factory=local_renderer)
    retention: Retention = field(default_factory=Retention)

    @classmethod
    def open(cls, db_path: Path, charts_dir: Path, *, timeout_s: float = 10.0, row_cap: int = 10_000,
             memory_limit: str = "4GB", threads: int = 2, semantic_path: Path | None = None,
             workers: int = 1, chart_workers: int = 0, retention: Retention | None = None,
             engine: Engine | None = None, cache_bytes: int = 0) -> ToolContext:
        """``workers``: SQL worker processes; ``chart_workers``: chart drawing processes (0 = in this process);
        ``engine``: where SQL runs (default: DuckDB worker processes on ``db_path``); ``cache_bytes``: results of
        repeated statements kept until the warehouse is replaced (0 = none)."""
        runner = SqlRunner(db_path, timeout_s=timeout_s, row_cap=row_cap, memory_limit=memory_limit, threads=threads,
                           workers=workers, engine=engine, cache_bytes=cache_bytes)
        charts_dir = Path(charts_dir)
        charts_dir.mkdir(parents=True, exist_ok=True)
        renderer = ChartRenderer(chart_workers) if chart_workers else local_renderer()
        return cls._bind(runner, charts_dir, semantic_path, renderer, retention or Retention())

    @classmethod
    def _bind(cls, runner: SqlRunner, charts_dir: Path, semantic_path: Path | None, renderer: ChartRenderer,
              retention: Retention) -> ToolContext:
        generation = runner.generation
        semantic = SemanticLayer.load(semantic_path).bind(
            lambda sql: runner.run(sql, row_cap=FULL_VALUES).rows, runner.catalog.keys(), runner.as_of
        )
        return cls(runner=runner, semantic=semantic, charts_dir=charts_dir, semantic_path=semantic_path,
                   generation=generation, renderer=renderer, retention=retention)

    def replaced(self) -> bool:
        """True when the warehouse file was replaced since this context was bound (checks the file now)."""
        return self.runner.refresh() != self.generation

    def rebound(self) -> ToolContext:
        """A context on the current warehouse file: same runner (it already reopened), semantic layer re-read."""
        return self._bind(self.runner, self.charts_dir, self.semantic_path, self.renderer, self.retention)

    @property
    def as_of(self) -> dt.date:
        return self.runner.as_of

    @cached_property
    def data_start(self) -> dt.date:
        """The first order date in the warehouse (looked up once)."""
        import pandas as pd

        value = self.runner.scalar("SELECT min(order_date) FROM orders")
        return pd.Timestamp(value).date() if value is not None else self.as_of

    @cached_property
    def calendar(self) -> Calendar:
        """The one calendar (period words, clipping, labels) for this warehouse, shared by both answer modes."""
        from shoplens.tools.calendar.words import Calendar

        return Calendar(self.as_of, self.semantic.events, self.data_start)

    def chart_tool(self, **kwargs: Any) -> Any:
        """A ChartTool drawing through this context's renderer, keeping the charts folder within its limits."""
        from shoplens.tools.charts.tool import ChartTool

        return ChartTool(self.charts_dir, self.as_of, renderer=self.renderer, retention=self.retention, **kwargs)

    def close(self) -> None:
        self.runner.close()
        if self.renderer is not local_renderer():
            self.renderer.close()
