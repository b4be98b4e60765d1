"""The HTTP API: ``POST /api/ask`` (the Answer contract as JSON), ``GET /api/health`` and chart files by id.

``create_api(analyst, settings)`` returns a FastAPI app that the server mounts at ``/api`` (its OpenAPI schema is
published at ``/api/openapi.json``, interactive docs at ``/api/docs``). Offline answers (CPU-bound) run at most
one per core at a time, first come first served; LLM answers up to ``settings.ui_concurrency`` at once. When ``settings.api_token`` is set every
call must carry ``Authorization: Bearer <token>``; the server refuses to listen beyond loopback without one.
Errors are JSON ``{"error": ..., "hint": ...}`` with the status that fits: 400 invalid JSON, 401 missing or wrong
token, 404 unknown session or chart, 413 oversized body, 422 empty or too long question, 503 warehouse down.
Chart paths in answers are replaced by URLs under ``/api/charts/``: no server path leaves the process.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import TYPE_CHECKING, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplens.agent.analyst import MAX_QUESTION_CHARS, check_question
from shoplens.data.errors import ShopLensError, UserInputError, WarehouseUnavailable

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

log = logging.getLogger("shoplens.api")

MAX_BODY_BYTES = 64 * 1024  # a question is at most 4,000 characters; anything near this size is not one
SESSION_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
MEDIA = {"png": "image/png", "csv": "text/csv; charset=utf-8", "json": "application/json"}


class ApiError(Exception):
    def __init__(self, status: int, error: str, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.hint, self.headers = status, error, hint, headers


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


def create_api(analyst: Analyst, settings: Settings) -> FastAPI:
    """The API app (mount it at /api). Blocking work runs in threads, at most ``settings.ui_concurrency`` at once."""
    token = settings.api_token or None
    # Offline answers are CPU-bound (planner, DuckDB, matplotlib): more of them at once than there are cores only
    # adds contention, so they queue first-come first-served. LLM answers mostly wait on the model endpoint.
    cpu_limiter = anyio.CapacityLimiter(cpu_slots())
    io_limiter = anyio.CapacityLimiter(max(1, settings.ui_concurrency))
    from fastapi_offline import FastAPIOffline  # Swagger UI from package files, not a CDN

    api = FastAPIOffline(
        title="ShopLens API",
        version=_version(),
        description="Ask questions about the shop's data and get the answer, its tables, charts and SQL as JSON. "
        "When the server has a token (SHOPLENS_API_TOKEN), send `Authorization: Bearer <token>`.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-assets",
    )
    api.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    bearer = HTTPBearer(auto_error=False, description="SHOPLENS_API_TOKEN")

    def authorize(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if token is None or request.scope.get("shoplens_auth"):  # the server's gate already let it in
            return
        if creds is None:
            raise ApiError(
                401,
                "This server requires a bearer token.",
                "Send the header 'Authorization: Bearer <SHOPLENS_API_TOKEN>'.",
            )
        if not hmac.compare_digest(creds.credentials.encode(), token.encode()):
            raise ApiError(401, "The bearer token is not valid.", "Use the server's SHOPLENS_API_TOKEN.")

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers
        return JSONResponse({"error": exc.error, "hint": exc.hint}, status_code=exc.status, headers=headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_error(exc)

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": str(exc.detail), "hint": None},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @api.post(
        "/ask",
        dependencies=[Depends(authorize)],
        summary="Ask a question",
        response_class=JSONResponse,
        responses={200: {"model": AnswerOut, "description": "The Answer contract"}, **ERRORS},
    )
    async def ask(body: AskRequest, request: Request) -> JSONResponse:
        """Answer one question; pass the returned ``session_id`` back to ask follow-ups ("and for Beauty?")."""
        question = body.question.strip()
        try:
            check_question(question)
        except UserInputError as exc:
            raise ApiError(422, exc.message, exc.hint) from None
        if body.session_id is not None:
            try:
                analyst.sessions.get(body.session_id, create=False)
            except UserInputError as exc:
                raise ApiError(404, exc.message, exc.hint) from None
        limiter = io_limiter if analyst.mode() == "llm" else cpu_limiter
        try:
            answer = await anyio.to_thread.run_sync(analyst.ask, question, body.session_id, limiter=limiter)
        except WarehouseUnavailable as exc:  # a job holds or replaces the warehouse: not an answer
            raise unavailable(exc) from None
        return JSONResponse(public_answer(answer.to_dict(), request.scope.get("root_path", "")))

    @api.get(
        "/health", dependencies=[Depends(authorize)], responses=ERRORS, summary="Warehouse and LLM status"
    )
    async def health() -> JSONResponse:
        """``status`` is ``ok`` when the warehouse answers; ``mode`` says who answers (``llm`` or ``offline``)."""
        try:
            status = await anyio.to_thread.run_sync(analyst.status, limiter=io_limiter)
        except ShopLensError as exc:
            retry = getattr(exc, "retry_after_s", 30)
            return JSONResponse({"status": "error", "error": exc.message, "hint": exc.hint}, status_code=503,
                                headers={"Retry-After": str(retry)})
        except Exception as exc:  # noqa: BLE001 - a health check reports, it does not crash
            log.exception("health check failed")
            return JSONResponse(
                {
                    "status": "error",
                    "error": f"{type(exc).__name__}: the warehouse could not be read",
                    "hint": "See the server log.",
                },
                status_code=503,
            )
        return JSONResponse({"status": "ok", "version": _version(), **status})

    @api.get(
        "/charts/{name}",
        dependencies=[Depends(authorize)],
        responses=ERRORS,
        summary="A chart file",
        response_class=FileResponse,
    )
    async def chart_file(name: str) -> FileResponse:
        """``<id>.png`` (the chart), ``<id>.csv`` (the plotted numbers) or ``<id>.json`` (its spec)."""
        from shoplens.tools.charts.tool import ChartTool

        chart_id, _, ext = name.partition(".")
        if ext not in MEDIA:
            raise ApiError(404, f"No chart file {name[:80]!r}.", "Ask for <id>.png, <id>.csv or <id>.json.")
        try:
            path = ChartTool(settings.charts_path).files(chart_id)[ext]
        except UserInputError as exc:
            raise ApiError(404, exc.message, exc.hint) from None
        if not path.exists():
            raise ApiError(404, f"Chart {chart_id} has no {ext.upper()} file.")
        disposition = "inline" if ext != "csv" else "attachment"
        return FileResponse(
            path,
            media_type=MEDIA[ext],
            filename=path.name,
            content_disposition_type=disposition,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
        )

    return api


def unavailable(exc: WarehouseUnavailable) -> ApiError:
    """503 with Retry-After: the warehouse is locked, missing or being replaced; the request can be repeated."""
    return ApiError(503, exc.message, exc.hint, headers={"Retry-After": str(int(exc.retry_after_s))})


def cpu_slots() -> int:
    """Cores this process may use (at least 2)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 2
    return max(2, n)


def public_answer(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The Answer contract with chart file paths replaced by API URLs (a client cannot open server paths)."""
    base = f"{prefix.rstrip('/')}/charts"
    for chart in data.get("charts", []):
        cid = chart.get("id")
        if cid:
            chart["path"] = chart["url"] = f"{base}/{cid}.png"
            chart["data"] = chart["csv_url"] = f"{base}/{cid}.csv"
            chart["spec_url"] = f"{base}/{cid}.json"
        else:
            chart["path"] = chart["data"] = None
    for table in data.get("tables", []):
        table.pop("csv_path", None)
    return data


def validation_error(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        where = (detail.get("ctx") or {}).get("error", "")
        return JSONResponse(
            {
                "error": f"The request body is not valid JSON{': ' + str(where) if where else ''}.",
                "hint": 'Send JSON such as {"question": "revenue last month"} with '
                "Content-Type: application/json.",
            },
            status_code=400,
        )
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        kind = e.get("type", "")
        if kind == "missing":
            parts.append(f"'{loc}' is required")
        elif kind == "string_too_long":
            parts.append(f"'{loc}' is too long (at most {(e.get('ctx') or {}).get('max_length')} characters)")
        elif kind == "string_pattern_mismatch":
            parts.append(f"'{loc}' must be 1-64 letters, digits, '-' or '_'")
        elif kind == "extra_forbidden":
            parts.append(f"unknown field '{loc}'")
        elif kind in ("model_attributes_type", "dict_type"):
            parts.append("the body must be a JSON object")
        else:
            parts.append(f"'{loc}': {e.get('msg', 'invalid')}")
    return JSONResponse(
        {
            "error": "Invalid request: " + "; ".join(parts) + ".",
            "hint": 'Send {"question": "...", "session_id": "..." (optional)}.',
        },
        status_code=422,
    )


class BodyLimit:
    """Reject request bodies over ``max_bytes`` with 413 before anything parses them (chunked bodies too)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse(
            {
                "error": f"The request body is larger than {self.max_bytes // 1024} KB.",
                "hint": f"A question is at most {MAX_QUESTION_CHARS:,} characters.",
            },
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("shoplens")
    except Exception:  # noqa: BLE001
        return "0"
