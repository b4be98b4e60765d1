"""What tools hand back: content for the model, artifacts for people.

``ToolOutput.summary`` is the short text a model reads (a few rows, the key facts); tables, charts, SQL and facts
are for people and for the grounding check. These types are the vocabulary of the Answer contract.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


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


def jsonable(value: Any) -> Any:
    """Convert numpy/pandas/decimal/date values into plain JSON-friendly Python."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        try:
            return jsonable(value.item())
        except (ValueError, TypeError):
            pass
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return str(value)
