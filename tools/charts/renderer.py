"""Where charts are drawn: in this process, or in a pool of processes sized to the cores, with a cache.

Drawing is CPU work under the GIL (matplotlib, about 110 ms per chart), so on a server answering many people at
once it runs in a ``ProcessPoolExecutor`` (spawned processes that import matplotlib once): the server's own
threads keep planning and querying meanwhile. Identical requests (the same spec, plotted data, as-of date and
source line) are answered from an LRU cache bounded by count and bytes, and get the same content key, which
the chart tool turns into the same chart id (no new files for a chart already drawn).

``draw(spec, df, ...)`` is the pure function both paths run; it returns ``Drawn`` (PNG bytes, the plotted frame,
the resolved spec, warnings), which crosses process boundaries by pickling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.tools.charts.spec import ChartSpec

log = logging.getLogger("shoplens.charts")
CACHE_ITEMS = 256
CACHE_BYTES = 64 * 1024**2


@dataclass
class Drawn:
    png: bytes
    data: pd.DataFrame  # exactly what was drawn
    spec: ChartSpec  # resolved: concrete kind, title, subtitle
    warnings: list[str] = field(default_factory=list)
    key: str | None = None  # content key of the request (None when the data cannot be hashed)

    def nbytes(self) -> int:
        return len(self.png) + int(self.data.memory_usage(deep=True).sum())


def draw(spec: ChartSpec, df: pd.DataFrame, as_of: dt.date | None, source: str) -> Drawn:
    """Render and encode one chart (runs in this process or in a pool worker)."""
    from shoplens.tools.charts.render import png_bytes, render_chart

    rendered = render_chart(spec, df, as_of=as_of, source=source)
    png = png_bytes(rendered.figure)
    rendered.figure.clear()  # break the artist cycles now; nothing refers to the figure after this
    return Drawn(png=png, data=rendered.data, spec=rendered.spec, warnings=list(rendered.warnings))


def _warm() -> None:
    """Pool initializer: import matplotlib and draw a small chart (fonts, caches) before real charts arrive."""
    import pandas as pd

    from shoplens.tools.charts.spec import ChartSpec

    spec = ChartSpec.from_dict({"kind": "bar", "x": "k", "y": ["v"], "title": "warm-up"})
    draw(spec, pd.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0]}), None, "")


def _noop() -> None:
    """Runs once the worker's initializer (``_warm``) is done: its completion says the worker is ready."""


def content_key(spec: ChartSpec, df: pd.DataFrame, as_of: dt.date | None, source: str) -> str | None:
    """A hash of everything that decides the picture and its CSV, or None if the data cannot be hashed."""
    import pandas as pd

    try:
        h = hashlib.sha256()
        h.update(json.dumps(spec.to_dict(), sort_keys=True, default=str).encode())
        h.update(f"|{as_of}|{source}|".encode())
        h.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        return h.hexdigest()
    except (TypeError, ValueError):  # lists or dicts in cells: draw it, do not cache it
        return None


class ChartRenderer:
    """Draws charts in this process (``workers=0``) or in ``workers`` processes; caches identical requests."""

    def __init__(self, workers: int = 0, *, cache_items: int = CACHE_ITEMS, cache_bytes: int = CACHE_BYTES) -> None:
        self.workers = max(0, int(workers))
        self.cache_items, self.cache_bytes = cache_items, cache_bytes
        self._cache: OrderedDict[str, Drawn] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._pool: Any = None
        self._warming: list[Any] = []
        self.hits = self.misses = 0
        if self.workers:
            self._pool = self._new_pool()

    def _new_pool(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
        # start every worker now, in the background; until they are warm, charts are drawn in this process
        self._warming = [pool.submit(_noop) for _ in range(self.workers)]
        return pool

    def draw(self, spec: ChartSpec, df: pd.DataFrame, *, as_of: dt.date | None = None,
             source: str = "ShopLens warehouse") -> Drawn:
        key = content_key(spec, df, as_of, source)
        if key is not None:
            with self._lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    self.hits += 1
                    return hit
        drawn = self._draw(spec, df, as_of, source)
        drawn.key = key
        if key is not None:
            self._remember(key, drawn)
        return drawn

    def _draw(self, spec: ChartSpec, df: pd.DataFrame, as_of: dt.date | None, source: str) -> Drawn:
        self.misses += 1
        pool = self._pool
        if pool is None or not all(f.done() for f in self._warming):  # no pool, or it is still starting
            return draw(spec, df, as_of, source)
        from concurrent.futures.process import BrokenProcessPool

        try:
            return pool.submit(draw, spec, df, as_of, source).result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): a new pool, and this chart here
            log.warning("the chart process pool broke; starting a new one")
            with self._lock:
                if self._pool is pool:
                    self._pool = self._new_pool()
            pool.shutdown(wait=False, cancel_futures=True)
            return draw(spec, df, as_of, source)

    def _remember(self, key: str, drawn: Drawn) -> None:
        size = drawn.nbytes()
        if size > self.cache_bytes // 4:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = drawn
            self._bytes += size
            while self._cache and (len(self._cache) > self.cache_items or self._bytes > self.cache_bytes):
                _, old = self._cache.popitem(last=False)
                self._bytes -= old.nbytes()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_LOCAL = ChartRenderer(0)


def local_renderer() -> ChartRenderer:
    """The in-process renderer (with its cache) for tools built without one."""
    return _LOCAL
