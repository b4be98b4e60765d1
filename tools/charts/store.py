"""Retention for the charts folder: files older than ``max_age_s`` go, and the oldest go first while the folder is
larger than ``max_bytes``. A chart's PNG, CSV and JSON go together (by file stem). Pruning runs at most once a
minute per folder, from the chart tool as charts are written."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PRUNE_EVERY_S = 60.0
_last: dict[str, float] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Retention:
    max_age_s: float = 7 * 24 * 3600.0
    max_bytes: int = 500 * 1024**2


def maybe_prune(folder: Path, retention: Retention, *, now: float | None = None) -> int:
    """Prune ``folder`` if it was not pruned in the last minute; returns the number of files removed."""
    key = str(folder)
    with _lock:
        if time.monotonic() - _last.get(key, -PRUNE_EVERY_S) < PRUNE_EVERY_S:
            return 0
        _last[key] = time.monotonic()
    return prune(folder, retention, now=now)


def prune(folder: Path, retention: Retention, *, now: float | None = None) -> int:
    """Remove charts past their age, then the oldest until the folder fits ``max_bytes`` (down to 90% of it)."""
    now = time.time() if now is None else now
    groups: dict[str, list[tuple[Path, float, int]]] = {}
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for p in entries:
        with contextlib.suppress(OSError):
            st = p.stat()
            if p.is_file():
                groups.setdefault(p.name.split(".", 1)[0], []).append((p, st.st_mtime, st.st_size))
    removed = 0
    ordered = sorted(groups.values(), key=lambda files: max(m for _, m, _ in files))  # oldest first
    total = sum(s for files in ordered for _, _, s in files)
    keep: list[list[tuple[Path, float, int]]] = []
    for files in ordered:
        if now - max(m for _, m, _ in files) > retention.max_age_s:
            removed += _unlink(files)
            total -= sum(s for _, _, s in files)
        else:
            keep.append(files)
    if total > retention.max_bytes:
        target = 0.9 * retention.max_bytes
        for files in keep:
            if total <= target:
                break
            removed += _unlink(files)
            total -= sum(s for _, _, s in files)
    return removed


def _unlink(files: list[tuple[Path, float, int]]) -> int:
    n = 0
    for p, _, _ in files:
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n
