"""The one exception hierarchy. Every layer may import this module; messages are written for the reader.

A message says what went wrong and what to do about it. Front ends print ``str(err)`` and never a traceback.
"""

from __future__ import annotations


class ShopLensError(Exception):
    """Base class: anything ShopLens raises on purpose, with a message a person can act on."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UserInputError(ShopLensError):
    """The request itself is wrong (unknown metric, bad date, refused SQL, horizon too long...)."""

    exit_code = 2


class DataError(ShopLensError):
    """The warehouse or an input file is missing, unreadable or violates the data contract."""

    exit_code = 3


class QueryTimeout(DataError):
    """A query ran past its time budget and was interrupted."""


class WarehouseUnavailable(DataError):
    """The warehouse cannot answer right now (missing, locked, being replaced): not an answer but a service state.
    Servers reply 503 with ``Retry-After: retry_after_s``."""

    def __init__(self, message: str, *, hint: str | None = None, retry_after_s: int = 30) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


class WarehouseBusy(WarehouseUnavailable):
    """Another process or job holds the warehouse (its write lock, the job lock, or every SQL worker)."""


class ModelUnavailable(ShopLensError):
    """A model endpoint or local model cannot be reached or loaded. ``kind`` names the failure for status reports
    (refused, dns, timeout, slow, http, auth, model, tools-off, bad-response, empty, loop, client, ...)."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str | None = None, kind: str = "error") -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
