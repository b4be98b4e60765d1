"""The HTTP API's request and response schemas (published in its OpenAPI document) and its error responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.agent.analyst import MAX_QUESTION_CHARS

SESSION_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "revenue by channel in 2025"},
                {"question": "and for Beauty?", "session_id": "3f2a9c0e8b7d4e1f9a6b5c4d3e2f1a0b"},
                {"question": "上个月各品类的销售额，画成柱状图"},
            ]
        },
    )

    question: str = Field(
        ...,
        description=f"The question, at most {MAX_QUESTION_CHARS:,} characters.",
        max_length=MAX_QUESTION_CHARS,
    )
    session_id: str | None = Field(
        None,
        pattern=SESSION_PATTERN,
        description="Continue a conversation: the session_id of an earlier answer. "
        "Omit it to start a new one.",
    )


class PeriodOut(BaseModel):
    start: str
    end: str
    label: str


class TableOut(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[Any]]
    total_rows: int | None = Field(None, description="Rows before truncation, when more than shown.")


class ChartOut(BaseModel):
    id: str
    title: str
    url: str | None = Field(None, description="The PNG.")
    csv_url: str | None = Field(None, description="The plotted numbers.")
    spec_url: str | None = Field(None, description="The resolved chart spec.")
    path: str | None = Field(None, description="Same as url (kept for the Answer contract).")
    data: str | None = Field(None, description="Same as csv_url (kept for the Answer contract).")
    spec: dict[str, Any] = {}
    explanation: str | None = None


class AnswerOut(BaseModel):
    """The Answer contract."""

    question: str
    mode: str = Field(..., description="'llm' or 'offline' (the deterministic planner).")
    answer: str = Field(..., description="Markdown.")
    period: PeriodOut | None = None
    tables: list[TableOut] = []
    charts: list[ChartOut] = []
    sql: list[str] = []
    steps: list[dict[str, Any]] = Field([], description="{tool, args, elapsed_ms, ok} per tool call.")
    warnings: list[str] = []
    elapsed_ms: float
    session_id: str = Field(..., description="Send it back as session_id to ask a follow-up.")
    choices: list[str] | None = Field(None, description="Options, when the answer is a clarifying question.")


class ErrorBody(BaseModel):
    error: str
    hint: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "Invalid JSON"),
        (401, "Missing or wrong bearer token"),
        (404, "Not found"),
        (413, "Request body too large"),
        (422, "Invalid question or session id"),
        (503, "Warehouse unavailable (locked by a job, missing or being replaced); see Retry-After"),
    )
}
