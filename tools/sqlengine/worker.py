"""A SQL worker process: ``python -m shoplens.tools.sqlengine.worker --db PATH --cap BYTES ...``.

It caps its own address space (``RLIMIT_AS``) before loading DuckDB, opens the warehouse read-only and locked
down with spilling to disk off, says it is ready, then answers one request at a time on its pipes (see
``wire.py``): ``{"sql", "timeout_s", "row_cap", "result_bytes"}`` in; a header and an Arrow IPC stream out. It
interrupts its own query at the time limit; the parent kills it if it does not answer soon after. It exits when
its input closes or its parent dies, and ignores Ctrl-C (the parent decides).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cap_memory(args.cap)
    out = os.dup(1)  # the protocol's channel; stray prints from libraries go to /dev/null instead
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    _watch_parent(os.getppid())

    from shoplens.tools.sqlengine import wire

    db = Path(args.db)
    known = [str(db), str(db.parent), str(Path.home())]
    try:
        con, identity = _open(db, args)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which explains it
        wire.write_message(out, _open_failure(exc, known))
        return 0
    wire.write_message(out, {"ready": True, "pid": os.getpid(), "identity": identity})
    while True:
        try:
            request = wire.read_message(0)
        except (wire.Closed, OSError):
            return 0
        wire.write_frame(out, b"A")  # accepted: from here on, a death is this query's doing
        header, body = _answer(con, request, args, known)
        wire.write_message(out, header, body)


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="shoplens-sql-worker")
    ap.add_argument("--db", required=True)
    ap.add_argument("--cap", type=int, required=True, help="address-space cap in bytes")
    ap.add_argument("--duckdb-memory", required=True, help="DuckDB memory_limit, e.g. 1024MB")
    ap.add_argument("--threads", type=int, default=2)
    return ap.parse_args(argv)


def _cap_memory(cap: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else hard))


def _watch_parent(parent: int) -> None:
    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _open(db: Path, args: argparse.Namespace):  # noqa: ANN202
    from shoplens.data.warehouse import file_identity, open_readonly

    for _ in range(3):  # the identity must be the file this connection opened, even if a swap happens meanwhile
        before = file_identity(db)
        con = open_readonly(db, memory_limit=args.duckdb_memory, threads=args.threads, temp_directory="")
        if file_identity(db) == before:
            return con, list(before) if before else None
        con.close()
    return con, list(file_identity(db) or ())


def _open_failure(exc: BaseException, known: list[str]) -> dict:
    from shoplens.data.errors import WarehouseBusy
    from shoplens.data.redact import redact_paths
    from shoplens.tools.sqlengine.base import BUSY, UNAVAILABLE

    kind = BUSY if isinstance(exc, WarehouseBusy) else UNAVAILABLE
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    if kind == UNAVAILABLE and "No warehouse at" in message:
        message = "The warehouse file is missing."
    elif kind == UNAVAILABLE:
        message = "The warehouse cannot be opened: " + message
    return {"ready": False, "kind": kind, "message": redact_paths(message, known),
            "hint": redact_paths(getattr(exc, "hint", None) or "", known) or None}


def _answer(con, request: dict, args: argparse.Namespace, known: list[str]):  # noqa: ANN001, ANN202
    import pyarrow as pa

    from shoplens.tools.sqlengine.base import EngineFailure, Limits
    from shoplens.tools.sqlengine.statement import run_statement

    limits = Limits(timeout_s=float(request["timeout_s"]), row_cap=int(request["row_cap"]),
                    memory_bytes=args.cap, result_bytes=int(request["result_bytes"]), threads=args.threads)
    timer = threading.Timer(limits.timeout_s, con.interrupt)
    start = time.perf_counter()
    timer.start()
    try:
        table, truncated = run_statement(con, request["sql"], limits, known)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        body = sink.getvalue()
    except EngineFailure as exc:
        return {"ok": False, "kind": exc.kind, "message": exc.message, "hint": exc.hint,
                "error_class": exc.error_class}, None
    except MemoryError:
        from shoplens.tools.sqlengine.statement import memory_failure

        failure = memory_failure(limits)
        return {"ok": False, "kind": failure.kind, "message": failure.message, "hint": failure.hint}, None
    except Exception as exc:  # noqa: BLE001 - a bug here must not end the worker's conversation with the parent
        return {"ok": False, "kind": "sql", "message": f"The query failed unexpectedly ({type(exc).__name__}).",
                "hint": None, "error_class": type(exc).__name__}, None
    finally:
        timer.cancel()
    elapsed = (time.perf_counter() - start) * 1000
    return {"ok": True, "truncated": truncated, "elapsed_ms": elapsed}, memoryview(body)


if __name__ == "__main__":
    sys.exit(main())
