"""``ProcessEngine``: every statement runs in a worker process that can be killed.

A pool of persistent workers (``worker.py``), each with its own read-only connection and a hard address-space
cap. A request goes to an idle worker (a new one starts while the pool is below its size); the reply must arrive
within the time limit plus a short grace, or the worker is killed and replaced, which covers parsing and planning
as well as execution. Results come back as Arrow IPC.

Before each statement the engine compares the warehouse file's identity (device, inode, size, mtime) with the one
the pool opened: when a job has swapped in a new file, ``generation`` increases and workers on the old file are
retired as they come back, so answers come from the new file from then on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from shoplens.data.warehouse import file_identity
from shoplens.tools.sqlengine import wire
from shoplens.tools.sqlengine.base import (
    BUSY,
    CRASHED,
    MEMORY,
    TIMEOUT,
    UNAVAILABLE,
    EngineFailure,
    EngineResult,
    Limits,
)

START_TIMEOUT_S = 60.0  # a worker imports DuckDB and Arrow and opens the warehouse; slow only on a loaded machine


def duckdb_memory(cap: int) -> int:
    """DuckDB's own memory_limit under a worker's address-space cap: half of it, and at least 1.5 GB below it
    (DuckDB and Arrow reserve about 1.1 GB of address space up front), so DuckDB evicts its cached blocks and
    reports "out of memory" itself before an allocation fails at the cap."""
    return max(256 * 1024**2, min(cap // 2, cap - 1_500_000_000))


def grace_s(timeout_s: float) -> float:
    """Extra time after the limit before the worker is killed (its own interrupt usually ends it first)."""
    return min(1.0, 0.25 * timeout_s)


class _Worker:
    def __init__(self, db: Path, limits: Limits, generation: int) -> None:
        self.generation = generation
        self.identity: tuple[int, ...] | None = None
        self.ready = False
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shoplens.tools.sqlengine.worker", "--db", str(db), "--cap",
             str(limits.memory_bytes), "--duckdb-memory", f"{duckdb_memory(limits.memory_bytes) // 1024**2}MB",
             "--threads", str(limits.threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.fd_in, self.fd_out = self.proc.stdin.fileno(), self.proc.stdout.fileno()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self) -> None:
        if self.ready:
            return
        try:
            hello = wire.read_message(self.fd_out, time.monotonic() + START_TIMEOUT_S)
        except (wire.Deadline, wire.Closed, OSError, ValueError):
            raise EngineFailure(UNAVAILABLE, "The SQL worker did not start.",
                                hint="The machine may be out of memory or very busy; retry.") from None
        if not hello.get("ready"):
            raise EngineFailure(hello.get("kind", UNAVAILABLE), hello.get("message", "The warehouse cannot be "
                                "opened."), hint=hello.get("hint"))
        self.identity = tuple(hello["identity"]) if hello.get("identity") else None
        self.ready = True

    def send(self, sql: str, limits: Limits) -> bool:
        """Hand over a request; False when the worker was already dead (it never saw the request)."""
        request = {"sql": sql, "timeout_s": limits.timeout_s, "row_cap": limits.row_cap,
                   "result_bytes": limits.result_bytes}
        try:
            wire.write_message(self.fd_in, request)
            return wire.read_frame(self.fd_out, time.monotonic() + START_TIMEOUT_S) == b"A"
        except (BrokenPipeError, wire.Closed, wire.Deadline):
            return False

    def receive(self, limits: Limits, sent_at: float) -> tuple[dict[str, Any], bytes | None]:
        deadline = sent_at + limits.timeout_s + grace_s(limits.timeout_s)
        header = wire.read_message(self.fd_out, deadline)
        body = wire.read_frame(self.fd_out, deadline + 30) if header.get("ok") else None
        return header, body

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int | None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.proc.wait(timeout=10)
        return None


class ProcessEngine:
    """A pool of at most ``workers`` SQL worker processes on the warehouse at ``db_path``."""

    results_cacheable = True  # a replaced file raises ``generation``, so results can be cached per generation

    def __init__(self, db_path: Path, *, memory_bytes: int = 4_000_000_000, threads: int = 2, workers: int = 1,
                 result_bytes: int = 64 * 1024**2) -> None:
        self.db_path = Path(db_path)
        self.size = max(1, int(workers))
        self._base = Limits(memory_bytes=int(memory_bytes), threads=int(threads), result_bytes=int(result_bytes))
        self._cv = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self._generation = 0
        self._identity = file_identity(self.db_path)
        self._opened_at = dt.datetime.now(dt.UTC)
        self._replaced = 0
        self._killed = 0
        with self._cv:
            self._idle.append(self._spawn())  # starts in the background; the first query waits for it
            self._count = 1
        first = self._acquire(time.monotonic() + START_TIMEOUT_S)  # fail now (missing, locked) rather than later
        self._release(first, ok=True)

    # --- the Engine interface ----------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self._generation

    def refresh(self) -> int:
        with self._cv:
            self._check_identity()
            return self._generation

    def execute(self, sql: str, limits: Limits) -> EngineResult:
        import pyarrow as pa

        limits = Limits(timeout_s=limits.timeout_s, row_cap=limits.row_cap, memory_bytes=self._base.memory_bytes,
                        result_bytes=limits.result_bytes or self._base.result_bytes, threads=self._base.threads)
        header, body, start = self._ask(sql, limits)
        if not header.get("ok"):
            raise EngineFailure(header.get("kind", "sql"), header.get("message", "The query failed."),
                                error_class=header.get("error_class") or "", hint=header.get("hint"))
        table = pa.ipc.open_stream(body).read_all()
        return EngineResult(table=table, truncated=bool(header.get("truncated")),
                            elapsed_ms=(time.perf_counter() - start) * 1000)

    def _ask(self, sql: str, limits: Limits) -> tuple[dict[str, Any], bytes | None, float]:
        for _attempt in range(2):
            worker = self._acquire(time.monotonic() + max(limits.timeout_s, 5.0))
            keep = False
            start = time.perf_counter()
            try:
                if not worker.send(sql, limits):
                    continue  # it died while idle (killed from outside): a fresh worker takes the query
                header, body = worker.receive(limits, time.monotonic())
                # a worker that hit its memory cap may be left fragmented or half-broken: replace it
                keep = bool(header.get("ok")) or header.get("kind") != MEMORY
                return header, body, start
            except wire.Deadline:
                self._killed += 1
                raise EngineFailure(TIMEOUT, f"The query was stopped after {limits.timeout_s:g} s (time limit).",
                                    elapsed_s=time.perf_counter() - start) from None
            except (wire.Closed, OSError, ValueError):
                raise EngineFailure(
                    CRASHED,
                    f"The query stopped its SQL worker (most likely by going past the {limits.memory_bytes / 1e9:.1f}"
                    " GB memory cap).",
                    hint="Aggregate earlier, filter to a shorter period, or avoid building very large lists or "
                    "strings.",
                ) from None
            finally:
                self._release(worker, ok=keep)
        raise EngineFailure(CRASHED, "The SQL workers keep failing to start.", hint="Retry in a few seconds.")

    def info(self) -> dict[str, Any]:
        with self._cv:
            return {"engine": "duckdb-process", "generation": self._generation, "workers": self._count,
                    "max_workers": self.size, "opened_at": self._opened_at.isoformat(timespec="seconds"),
                    "reopened": self._replaced, "workers_killed": self._killed}

    def worker_pids(self) -> list[int]:
        """Process ids of the idle workers (benchmarks sample their memory)."""
        with self._cv:
            return [w.pid for w in self._idle if w.alive()]

    def close(self) -> None:
        with self._cv:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cv.notify_all()
        for w in idle:
            w.kill()

    # --- the pool ------------------------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        return _Worker(self.db_path, self._base, self._generation)

    def _check_identity(self) -> None:
        """Called with the lock held: notice a replaced warehouse file and retire idle workers on the old one."""
        identity = file_identity(self.db_path)
        if identity is None:
            raise EngineFailure(UNAVAILABLE, "The warehouse file is missing.",
                                hint="Build the demo with `shoplens data demo` or import your shop's data.")
        if identity != self._identity:
            self._identity = identity
            self._generation += 1
            self._replaced += 1
            self._opened_at = dt.datetime.now(dt.UTC)
        stale = [w for w in self._idle if w.generation != self._generation or not w.alive()]
        for w in stale:
            self._idle.remove(w)
            self._count -= 1
            threading.Thread(target=w.kill, daemon=True).start()

    def _acquire(self, deadline: float) -> _Worker:
        for _ in range(3):
            worker = self._take(deadline)
            try:
                worker.wait_ready()
            except BaseException:
                self._release(worker, ok=False)
                raise
            if worker.identity is None or tuple(worker.identity) == self._identity:
                return worker
            self._release(worker, ok=False)  # it opened a file that was replaced while it started
        raise EngineFailure(BUSY, "The warehouse is being replaced right now.", hint="Retry in a few seconds.")

    def _take(self, deadline: float) -> _Worker:
        with self._cv:
            while True:
                if self._closed:
                    raise EngineFailure(UNAVAILABLE, "The SQL engine is closed.")
                self._check_identity()
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    try:
                        return self._spawn()
                    except OSError as exc:
                        self._count -= 1
                        raise EngineFailure(UNAVAILABLE, f"Cannot start a SQL worker: {exc.strerror}.") from None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise EngineFailure(BUSY, "All SQL workers are busy.", hint="Retry in a few seconds.")
                self._cv.wait(left)

    def _release(self, worker: _Worker, *, ok: bool) -> None:
        with self._cv:
            keep = ok and not self._closed and worker.generation == self._generation and worker.alive()
            if keep:
                self._idle.append(worker)
            else:
                self._count -= 1
                if not self._closed and self._count < 1:  # keep one worker starting in the background
                    self._idle.append(self._spawn())
                    self._count += 1
            self._cv.notify()
        if not keep:
            threading.Thread(target=worker.kill, daemon=True).start()
