"""The HTTP API's routes, one function per area: asking (``POST /ask``), health (``GET /health``) and chart files
(``GET /charts/{name}``). Each adds its route to the app; ``create_api`` (api.py) wires them with the bearer check
and the thread limiters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse

from shoplens.agent.analyst import check_question
from shoplens.agent.frontends.api_errors import ApiError, unavailable
from shoplens.agent.frontends.api_models import ERRORS, AnswerOut, AskRequest
from shoplens.data.errors import ShopLensError, UserInputError, WarehouseUnavailable

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

log = logging.getLogger("shoplens.api")

MEDIA = {"png": "image/png", "csv": "text/csv; charset=utf-8", "json": "application/json"}


def add_ask(api: FastAPI, analyst: Analyst, authorize: Callable[..., None], *,
            cpu_limiter: anyio.CapacityLimiter, io_limiter: anyio.CapacityLimiter) -> None:
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


def add_health(api: FastAPI, analyst: Analyst, authorize: Callable[..., None], *,
               io_limiter: anyio.CapacityLimiter) -> None:
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
        return JSONResponse({"status": "ok", "version": version(), **status})


def add_charts(api: FastAPI, settings: Settings, authorize: Callable[..., None]) -> None:
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


def version() -> str:
    try:
        from importlib.metadata import version

        return version("shoplens")
    except Exception:  # noqa: BLE001
        return "0"
