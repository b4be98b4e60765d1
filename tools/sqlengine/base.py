"""The engine interface under ``SqlRunner``: run one checked, read-only statement within limits, return Arrow.

An engine owns everything that touches the warehouse: parsing and the statement gate (``gate.check_sql``), the
deadline (covering parse, plan and execute), the memory cap, the row cap and turning values Python cannot hold
into text. It reports failures as ``EngineFailure`` with a ``kind`` the runner turns into a message for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

# EngineFailure kinds
REFUSED = "refused"  # the gate refused the statement (message says why)
TIMEOUT = "timeout"  # past the deadline (interrupted or the worker was killed)
MEMORY = "memory"  # past the memory cap
TOO_LARGE = "too_large"  # the result is larger than the result cap
SQL = "sql"  # the database reported an error (``error_class`` names it, e.g. CatalogException)
UNAVAILABLE = "unavailable"  # the warehouse cannot be opened (missing, locked by a writer, not DuckDB)
BUSY = "busy"  # the warehouse is locked by a writer; retry later
CRASHED = "crashed"  # the worker died without saying why


@dataclass(frozen=True)
class Limits:
    """What one statement may use. ``memory_bytes`` is the hard cap of the process that runs it."""

    timeout_s: float = 10.0
    row_cap: int = 10_000
    memory_bytes: int = 4_000_000_000
    result_bytes: int = 64 * 1024**2
    threads: int = 2


@dataclass
class EngineResult:
    table: pa.Table  # at most row_cap rows; columns Python cannot hold arrive as faithful text
    truncated: bool
    elapsed_ms: float
    notes: list[str] = field(default_factory=list)


class EngineFailure(Exception):
    """A statement did not produce a result. ``message`` is safe to show (no server paths)."""

    def __init__(self, kind: str, message: str, *, error_class: str = "", hint: str | None = None,
                 elapsed_s: float = 0.0) -> None:
        super().__init__(message)
        self.kind, self.message, self.error_class, self.hint, self.elapsed_s = kind, message, error_class, hint, elapsed_s


class Engine(Protocol):
    """What ``SqlRunner`` needs from an engine. Safe to call from many threads at once."""

    @property
    def generation(self) -> int:
        """Increases each time the engine notices that the warehouse was replaced (and reopens it)."""
        ...

    def refresh(self) -> int:
        """Check now whether the warehouse was replaced; return the (possibly increased) generation."""
        ...

    def execute(self, sql: str, limits: Limits) -> EngineResult: ...

    def info(self) -> dict[str, Any]:
        """Facts for health checks (no paths): generation, when the warehouse was (re)opened, workers."""
        ...

    def close(self) -> None: ...
