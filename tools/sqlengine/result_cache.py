"""Query results kept for repeated statements, until the warehouse file is replaced.

The warehouse is read-only while it is served: a job writes a new file and swaps it in, and the engine's
``generation`` then increases. A result is therefore valid for exactly one generation, so the cache keys every
entry by (generation, statement, row cap) and drops everything when the generation moves. It is a plain LRU
bounded by bytes (the results' Arrow buffer sizes) and by entries; results larger than a tenth of the budget
are not kept. Only engines that notice a replaced file may be cached (``ProcessEngine``); a remote engine's data
can change behind it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["ResultCache"]


class ResultCache:
    """Thread-safe LRU of results by (statement, row cap) for one warehouse generation; the caller says how many
    bytes a result holds (the Arrow table's buffers)."""

    def __init__(self, max_bytes: int, max_items: int = 2048) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self.max_items = max_items
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, int], tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, generation: int, sql: str, row_cap: int) -> Any:
        with self._lock:
            self._retire(generation)
            entry = self._items.get((sql, row_cap))
            if entry is None:
                self.misses += 1
                return None
            self._items.move_to_end((sql, row_cap))
            self.hits += 1
            return entry[0]

    def put(self, generation: int, sql: str, row_cap: int, result: Any, nbytes: int) -> None:
        size = int(nbytes) + len(sql)
        if size > self.max_bytes // 10:
            return
        with self._lock:
            self._retire(generation)
            old = self._items.pop((sql, row_cap), None)
            if old is not None:
                self._bytes -= old[1]
            self._items[(sql, row_cap)] = (result, size)
            self._bytes += size
            while self._items and (self._bytes > self.max_bytes or len(self._items) > self.max_items):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def info(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._items), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}

    def _retire(self, generation: int) -> None:
        """Called with the lock held: a new warehouse generation invalidates every entry."""
        if generation != self._generation:
            self._items.clear()
            self._bytes = 0
            self._generation = generation
