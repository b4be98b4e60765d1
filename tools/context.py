"""What every tool is built with: the SQL runner, the semantic layer bound to that warehouse, the charts folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from shoplens.data.semantic import SemanticLayer
from shoplens.tools.sql import SqlRunner

if TYPE_CHECKING:
    from shoplens.tools.calendar.words import Calendar


@dataclass
class ToolContext:
    runner: SqlRunner
    semantic: SemanticLayer
    charts_dir: Path

    @classmethod
    def open(cls, db_path: Path, charts_dir: Path, *, timeout_s: float = 10.0, row_cap: int = 10_000,
             memory_limit: str = "2GB", threads: int = 2, semantic_path: Path | None = None) -> ToolContext:
        runner = SqlRunner(db_path, timeout_s=timeout_s, row_cap=row_cap, memory_limit=memory_limit, threads=threads)
        semantic = SemanticLayer.load(semantic_path).bind(
            lambda sql: runner.run(sql).rows, runner.catalog.keys(), runner.as_of
        )
        charts_dir = Path(charts_dir)
        charts_dir.mkdir(parents=True, exist_ok=True)
        return cls(runner=runner, semantic=semantic, charts_dir=charts_dir)

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

    def close(self) -> None:
        self.runner.close()
