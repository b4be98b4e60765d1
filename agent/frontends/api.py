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
import os
from typing import TYPE_CHECKING

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shoplens.agent.frontends.api_body import MAX_BODY_BYTES, BodyLimit
from shoplens.agent.frontends.api_errors import ApiError, add_error_handlers, unavailable, validation_error
from shoplens.agent.frontends.api_models import ERRORS, SESSION_PATTERN, AnswerOut, AskRequest, ErrorBody
from shoplens.agent.frontends.api_routes import MEDIA, add_ask, add_charts, add_health, public_answer
from shoplens.agent.frontends.api_routes import version as _version

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

# the API's pieces live in api_models (schemas), api_errors, api_body (size limit) and api_routes; re-exported here
__all__ = ["ERRORS", "MAX_BODY_BYTES", "MEDIA", "SESSION_PATTERN", "AnswerOut", "ApiError", "AskRequest", "BodyLimit",
           "ErrorBody", "cpu_slots", "create_api", "public_answer", "unavailable", "validation_error"]


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

    add_error_handlers(api)
    add_ask(api, analyst, authorize, cpu_limiter=cpu_limiter, io_limiter=io_limiter)
    add_health(api, analyst, authorize, io_limiter=io_limiter)
    add_charts(api, settings, authorize)
    return api


def cpu_slots() -> int:
    """Cores this process may use (at least 2)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 2
    return max(2, n)
