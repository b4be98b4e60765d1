"""Keep server paths out of what people and models see: ``redact_paths`` replaces absolute file-system paths in a
message (the warehouse's, the home folder's, any ``/a/b`` path) with a neutral placeholder."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

PLACEHOLDER = "<server path>"
# An absolute POSIX path with at least two parts (/etc/passwd, /home/ann/.shoplens/x.duckdb), or a Windows one.
_ABS = re.compile(r"(?<![\w.:/\\-])(?:/(?:[\w.@+~-]+/)+[\w.@+~-]*|[A-Za-z]:\\(?:[^\\\s'\"]+\\)*[^\\\s'\"]*)")


def redact_paths(text: str, known: Iterable[str | Path] = ()) -> str:
    """``text`` with ``known`` paths (longest first) and any other absolute path replaced by ``<server path>``."""
    if not text:
        return text
    for p in sorted({str(k) for k in known if k and str(k) not in ("/", ".")}, key=len, reverse=True):
        text = text.replace(p, PLACEHOLDER)
    return _ABS.sub(PLACEHOLDER, text)
