"""What tools hand back: content for the model, artifacts for people.

``ToolOutput.summary`` is the short text a model reads (a few rows, the key facts); tables, charts, SQL and facts
are for people and for the grounding check. These types are the vocabulary of the Answer contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from shoplens.data.serialize import jsonable

__all__ = ["Chart", "Period", "Table", "ToolOutput", "jsonable"]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    total_rows: int | None = None  # rows before truncation for display
    csv_path: str | None = None

    @classmethod
    def from_df(cls, title: str, df: Any, max_rows: int = 200) -> Table:
        rows = [[jsonable(v) for v in r] for r in df.head(max_rows).itertuples(index=False, name=None)]
        return cls(title=title, columns=[str(c) for c in df.columns], rows=rows, total_rows=len(df))

    def to_dict(self) -> dict[str, Any]:
        d = {"title": self.title, "columns": self.columns, "rows": self.rows}
        if self.total_rows is not None and self.total_rows != len(self.rows):
            d["total_rows"] = self.total_rows
        if self.csv_path:
            d["csv_path"] = self.csv_path
        return d


@dataclass
class Chart:
    title: str
    path: str  # PNG
    spec: dict[str, Any]
    data: str  # CSV path
    chart_id: str = ""
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {"title": self.title, "path": self.path, "spec": self.spec, "data": self.data, "id": self.chart_id}
        if self.explanation:
            d["explanation"] = self.explanation
        return d


@dataclass
class ToolOutput:
    """Result of one tool call."""

    summary: str
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    period: Period | None = None

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))
