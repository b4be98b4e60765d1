"""The HTTP API's errors: JSON ``{"error": ..., "hint": ...}`` with the status that fits, never a stack trace."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shoplens.data.errors import WarehouseUnavailable


class ApiError(Exception):
    def __init__(self, status: int, error: str, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.hint, self.headers = status, error, hint, headers


def add_error_handlers(api: FastAPI) -> None:
    """Turn ApiError, request validation errors and Starlette's HTTP errors into the JSON error body."""

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


def unavailable(exc: WarehouseUnavailable) -> ApiError:
    """503 with Retry-After: the warehouse is locked, missing or being replaced; the request can be repeated."""
    return ApiError(503, exc.message, exc.hint, headers={"Retry-After": str(int(exc.retry_after_s))})


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
