"""Typed events that ``Analyst.stream`` yields, and the Answer they add up to.

Front ends (CLI, Gradio, HTTP API, Slack) only translate these; they hold no business logic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shoplens.tools.artifacts import Chart, Period, Table, jsonable


@dataclass
class StepStarted:
    step_id: int
    tool: str
    args: dict[str, Any]


@dataclass
class StepFinished:
    step_id: int
    tool: str
    args: dict[str, Any]
    ok: bool
    elapsed_ms: float
    sql: list[str] = field(default_factory=list)
    summary: str = ""
    error: str | None = None


@dataclass
class TextDelta:
    text: str


@dataclass
class TableArtifact:
    table: Table


@dataclass
class ChartArtifact:
    chart: Chart


@dataclass
class Notice:
    """A warning or status line shown to the person (e.g. 'LLM unreachable, answered offline')."""

    message: str


@dataclass
class AnswerMeta:
    """Facts about the answer as a whole: the resolved period, the numbers it may quote, clarification choices."""

    period: Period | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)


@dataclass
class Answer:
    question: str
    mode: str  # "llm" | "offline"
    answer: str = ""  # markdown
    period: Period | None = None
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)  # {tool, args, elapsed_ms, ok}
    warnings: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    session_id: str | None = None
    choices: list[str] = field(default_factory=list)  # set when the answer is a clarifying question
    facts: dict[str, Any] = field(default_factory=dict)  # numbers the answer may quote (grounding)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "question": self.question,
            "mode": self.mode,
            "answer": self.answer,
            "period": self.period.to_dict() if self.period else None,
            "tables": [t.to_dict() for t in self.tables],
            "charts": [c.to_dict() for c in self.charts],
            "sql": list(self.sql),
            "steps": [jsonable(s) for s in self.steps],
            "warnings": list(self.warnings),
            "elapsed_ms": round(self.elapsed_ms, 1),
        }
        if self.session_id:
            d["session_id"] = self.session_id
        if self.choices:
            d["choices"] = list(self.choices)
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


@dataclass
class FinalAnswer:
    answer: Answer


Event = StepStarted | StepFinished | TextDelta | TableArtifact | ChartArtifact | Notice | AnswerMeta | FinalAnswer
