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
    semantic_path: Path | None = None
    generation: int = 0  # the runner's generation the semantic layer was bound on

    @classmethod
    def open(cls, db_path: Path, charts_dir: Path, *, timeout_s: float = 10.0, row_cap: int = 10_000,
             memory_limit: str = "2GB", threads: int = 2, semantic_path: Path | None = None,
             workers: int = 1) -> ToolContext:
        runner = SqlRunner(db_path, timeout_s=timeout_s, row_cap=row_cap, memory_limit=memory_limit, threads=threads,
                           workers=workers)
        charts_dir = Path(charts_dir)
        charts_dir.mkdir(parents=True, exist_ok=True)
        return cls._bind(runner, charts_dir, semantic_path)

    @classmethod
    def _bind(cls, runner: SqlRunner, charts_dir: Path, semantic_path: Path | None) -> ToolContext:
        generation = runner.generation
        semantic = SemanticLayer.load(semantic_path).bind(
            lambda sql: runner.run(sql).rows, runner.catalog.keys(), runner.as_of
        )
        return cls(runner=runner, semantic=semantic, charts_dir=charts_dir, semantic_path=semantic_path,
                   generation=generation)

    def replaced(self) -> bool:
        """True when the warehouse file was replaced since this context was bound (checks the file now)."""
        return self.runner.refresh() != self.generation

    def rebound(self) -> ToolContext:
        """A context on the current warehouse file: same runner (it already reopened), semantic layer re-read."""
        return self._bind(self.runner, self.charts_dir, self.semantic_path)

    @property
    def as_of(self):  # noqa: ANN201 - datetime.date
        return self.runner.as_of

    def close(self) -> None:
        self.runner.close()
