"""What every tool is built with: the SQL runner, the semantic layer bound to that warehouse, the charts folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shoplens.data.semantic import SemanticLayer
from shoplens.tools.sql import SqlRunner


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
    def as_of(self):  # noqa: ANN201 - datetime.date
        return self.runner.as_of

    def close(self) -> None:
        self.runner.close()
