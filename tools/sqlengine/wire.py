"""Length-prefixed frames over a worker's pipes: a JSON header, then (for results) one Arrow IPC stream."""

from __future__ import annotations

import json
import os
import selectors
import struct
import time
from typing import Any

_LEN = struct.Struct(">Q")
MAX_FRAME = 1 << 31


class Deadline(Exception):
    """The reply did not arrive in time."""


class Closed(Exception):
    """The other side closed the pipe (the worker died)."""


def write_frame(fd: int, payload: bytes | memoryview) -> None:
    data = memoryview(payload).cast("B")
    if len(data) < 65536:
        _write_all(fd, memoryview(_LEN.pack(len(data)) + data.tobytes()))
        return
    _write_all(fd, memoryview(_LEN.pack(len(data))))
    _write_all(fd, data)


def write_message(fd: int, header: dict[str, Any], body: bytes | memoryview | None = None) -> None:
    write_frame(fd, json.dumps(header).encode())
    if body is not None:
        write_frame(fd, body)


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_frame(fd: int, deadline: float | None = None) -> bytes:
    """Read one frame; ``deadline`` is a ``time.monotonic()`` value (None waits for ever)."""
    (size,) = _LEN.unpack(_read_exact(fd, _LEN.size, deadline))
    if size > MAX_FRAME:
        raise Closed(f"frame of {size} bytes")
    return _read_exact(fd, size, deadline)


def read_message(fd: int, deadline: float | None = None) -> dict[str, Any]:
    return json.loads(read_frame(fd, deadline))


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    buf = bytearray()
    if deadline is None:
        while len(buf) < n:
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise Closed("end of stream")
            buf += chunk
        return bytes(buf)
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise Deadline
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise Closed("end of stream")
            buf += chunk
    return bytes(buf)
