"""How jobs change the warehouse without locking readers out: write a new file beside it, then swap it in.

``WarehouseWriter(target, job="reviews score", copy=True)`` is the one mechanism every writing job uses (demo
builds, imports, review scoring):

1. **Check first, say who.** It takes the job lock (``JobLock``: an ``flock`` on ``.<name>.lock`` beside the
   warehouse, released by the OS even after ``kill -9``) before any work. If another job holds it, it fails at
   once naming that job, its process id and how long it has run. It also refuses when some other program holds
   DuckDB's write lock on the warehouse itself.
2. **Clean up after crashes.** Holding the lock, it removes scratch files that interrupted jobs left beside the
   warehouse (``.<name>.job-*``, and the older ``.tmp-*`` / ``.import-*`` names) and DuckDB's spill folder.
3. **Write a copy.** ``path`` is a new scratch file in the same folder: empty, or (``copy=True``) a copy of the
   current warehouse for jobs that add to it. Readers (the UI, the API, the Slack bot) keep serving the old file.
4. **Swap.** ``commit()`` renames the scratch file over the warehouse in one atomic step; servers notice the new
   file and reopen it (``ProcessEngine``). Leaving the block without ``commit()`` (an error, Ctrl-C) removes
   the scratch file: the old warehouse stays byte-identical.

Review scoring uses it from the CLI: ``with WarehouseWriter(db, job="reviews score", copy=True) as w:
score_warehouse(w.path, ...); w.commit()`` — an interrupted run commits the batches it finished.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
import socket
from pathlib import Path
from typing import Any

from shoplens.data.errors import DataError, WarehouseBusy

_SCRATCH = ("job-", "tmp-", "import-")


class JobLock:
    """One writing job per warehouse at a time. ``holder()`` says who has it."""

    def __init__(self, target: Path, job: str) -> None:
        self.target = Path(target)
        self.path = self.target.with_name(f".{self.target.name}.lock")
        self.job = job
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise self._busy() from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a lock file its previous holder unlinked while we opened it
                self._fd = fd
                info = {"job": self.job, "pid": os.getpid(), "host": socket.gethostname(),
                        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
                os.ftruncate(fd, 0)
                os.write(fd, json.dumps(info).encode())
                return
            os.close(fd)
        raise self._busy()

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.close(self._fd)  # closing drops the flock
        self._fd = None

    def holder(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            return None

    def _busy(self) -> WarehouseBusy:
        who = self.holder() or {}
        since = ""
        with contextlib.suppress(KeyError, ValueError, TypeError):
            started = dt.datetime.fromisoformat(who["started"])
            minutes = (dt.datetime.now(dt.UTC) - started).total_seconds() / 60
            since = f", running for {minutes:.0f} min" if minutes >= 1 else ", started less than a minute ago"
        job = who.get("job") or "another ShopLens job"
        pid = f" (process {who['pid']}{' on ' + who['host'] if who.get('host') else ''}{since})" if who.get("pid") \
            else ""
        return WarehouseBusy(
            f"Another job is writing this warehouse: `{job}`{pid}.",
            hint="Wait for it to finish (jobs run one at a time), or stop it; the warehouse stays usable meanwhile.",
            retry_after_s=60,
        )

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class WarehouseWriter:
    """``with WarehouseWriter(target, job=...) as w: <write w.path>; w.commit()`` (see the module docstring)."""

    def __init__(self, target: Path, job: str, *, copy: bool = False) -> None:
        self.target = Path(target).expanduser().resolve()
        self.job = job
        self.copy = copy
        self.lock = JobLock(self.target, job)
        self.path = self.target.with_name(f".{self.target.name}.job-{os.getpid()}-{secrets.token_hex(3)}")
        self.removed: list[tuple[str, int]] = []  # (name, bytes) of leftovers from interrupted jobs
        self.committed = False

    def __enter__(self) -> WarehouseWriter:
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"Cannot create the folder {self.target.parent}: {exc.strerror or exc}.",
                            hint="Choose another path.") from None
        self.lock.acquire()
        try:
            check_no_inplace_writer(self.target)
            self.removed = remove_leftovers(self.target)
            if self.copy:
                self._copy()
        except BaseException:
            self._discard()
            self.lock.release()
            raise
        return self

    def _copy(self) -> None:
        if not self.target.exists():
            raise DataError(f"No warehouse at {self.target}.",
                            hint="Build the demo with `shoplens data demo` or import your shop first.")
        try:
            shutil.copyfile(self.target, self.path)
            wal = Path(f"{self.target}.wal")
            if wal.exists():  # unapplied changes of an in-place writer belong to the copy too
                shutil.copyfile(wal, Path(f"{self.path}.wal"))
        except OSError as exc:
            raise DataError(f"Cannot copy the warehouse to write on it: {exc.strerror or exc}.",
                            hint="Check the free disk space (a job needs room for a second copy).") from None

    def commit(self) -> None:
        """Swap the scratch file in for the warehouse (atomic rename in the same folder)."""
        if self.committed:
            return
        _fsync(self.path)
        stale_wal = Path(f"{self.target}.wal")
        if stale_wal.exists() and not Path(f"{self.path}.wal").exists():
            stale_wal.unlink()  # the old file's log must never be replayed onto the new one
        try:
            os.replace(self.path, self.target)
        except OSError as exc:
            raise DataError(f"Cannot replace the warehouse {self.target}: {exc.strerror or exc}.",
                            hint="Check the folder is writable; the old warehouse is unchanged.") from None
        _fsync(self.target.parent)
        self.committed = True

    def __exit__(self, *exc: object) -> None:
        try:
            self._discard()
        finally:
            self.lock.release()

    def _discard(self) -> None:
        _remove(self.path)


def check_no_inplace_writer(target: Path) -> None:
    """Refuse when another program holds DuckDB's write lock on the warehouse itself (copying it then would copy a
    file being changed). ShopLens' own readers take shared locks and do not count."""
    if not target.exists():
        return
    import duckdb

    from shoplens.data.warehouse import is_lock_error

    try:
        duckdb.connect(str(target), read_only=True, config={"enable_external_access": False}).close()
    except duckdb.Error as exc:
        if is_lock_error(exc):
            m = re.search(r"PID (\d+)", str(exc))
            raise WarehouseBusy(
                f"Another program is writing to the warehouse in place{f' (process {m.group(1)})' if m else ''}.",
                hint="Stop it or wait for it to finish, then run this job again.",
            ) from None
        # anything else (this process has it open differently configured, not a DuckDB file): not a writer's lock;
        # a job that replaces the file does not care, one that copies it reports the problem when it reads it


def remove_leftovers(target: Path) -> list[tuple[str, int]]:
    """Delete scratch files of interrupted jobs beside ``target`` (call only while holding its job lock)."""
    removed = []
    prefix = f".{target.name}."
    for p in target.parent.iterdir():
        name = p.name
        scratch = name.startswith(prefix) and name[len(prefix):].startswith(_SCRATCH)
        if scratch or name == f"{target.name}.tmp":  # DuckDB's spill folder beside the warehouse
            size = _size(p)
            _remove(p)
            removed.append((name, size))
    return removed


def _size(p: Path) -> int:
    try:
        if p.is_dir():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        return p.stat().st_size
    except OSError:
        return 0


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            p.unlink()
    for d in (path, Path(f"{path}.tmp")):
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
