"""Many export files, few sources: files that share a header become one glob source.

``shoplens data mapping-template exports/*.csv`` gets one path per day from the shell; they belong to one source
(``exports/*.csv``), not to 300. Files are grouped by folder, extension and header; a group becomes the
narrowest glob that matches exactly its files (``exports/*.csv``, else ``exports/2024-*.csv``), or the list of its
paths when no glob does. Patterns the user quoted (globs) are kept as given.
"""

from __future__ import annotations

import glob as globlib
import os
from pathlib import Path


def _header(path: Path) -> str:
    """The file's first line (CSV/TSV/text) or its column names (Parquet): what decides "the same export"."""
    if path.suffix.lower() == ".parquet":
        import duckdb

        con = duckdb.connect()
        try:
            cols = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')")
            return ",".join(r[0] for r in cols.fetchall())
        except duckdb.Error:
            return f"?{path}"
        finally:
            con.close()
    try:
        with path.open("rb") as fh:
            return fh.readline().decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    except OSError:
        return f"?{path}"


def group_patterns(patterns: list[str], base: Path) -> list[str | list[str]]:
    """The user's arguments with plain file paths of the same folder, extension and header merged into one glob
    (or one list of paths). Order follows the first file of each group; globs pass through unchanged."""
    out: list[str | list[str]] = []
    groups: dict[tuple[str, str, str], list[str]] = {}
    slots: dict[tuple[str, str, str], int] = {}
    for pattern in patterns:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else base / full
        if globlib.has_magic(pattern) or not full.is_file():
            out.append(pattern)
            continue
        key = (str(Path(pattern).parent), full.suffix.lower(), _header(full))
        if key not in groups:
            groups[key] = []
            slots[key] = len(out)
            out.append(pattern)
        groups[key].append(pattern)
    for key, members in groups.items():
        if len(members) > 1:
            out[slots[key]] = _glob_for(members, base)
    return out


def _glob_for(members: list[str], base: Path) -> str | list[str]:
    folder = Path(members[0]).parent
    suffix = Path(members[0]).suffix
    want = {_resolve(m, base) for m in members}
    stems = [Path(m).name for m in members]
    prefix = os.path.commonprefix(stems)
    for candidate in (f"*{suffix}", f"{prefix}*{suffix}"):
        pattern = str(folder / candidate) if str(folder) != "." else candidate
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        if {str(Path(p).resolve()) for p in globlib.glob(full)} == want:
            return pattern
    return list(members)


def _resolve(path: str, base: Path) -> str:
    p = Path(path).expanduser()
    return str((p if p.is_absolute() else base / p).resolve())
