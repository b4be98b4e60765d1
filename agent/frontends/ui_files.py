"""The downloads offered in the chat (table CSVs, chart copies named after their title) in a private temporary folder."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from shoplens.tools.artifacts import Table


def slug(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "table"


class FileStore:
    """A private temporary folder for the downloads offered in the chat (table CSVs, chart copies named after
    their title). Files older than ``max_age_s`` are removed as new ones arrive; all of it at shutdown."""

    def __init__(self, max_age_s: float = 24 * 3600) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shoplens-ui-"))
        self.max_age_s = max_age_s
        self._pruned = time.monotonic()

    def _folder(self) -> Path:
        if time.monotonic() - self._pruned > 600:
            self._pruned = time.monotonic()
            self.prune()
        folder = self.root / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def prune(self) -> None:
        cutoff = time.time() - self.max_age_s
        for old in self.root.iterdir():
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                continue

    def table_csv(self, table: Table) -> Path:
        from shoplens.tools.charts.tool import csv_bytes

        path = self._folder() / f"{slug(table.title)}.csv"
        import pandas as pd

        path.write_bytes(csv_bytes(pd.DataFrame(table.rows, columns=[str(c) for c in table.columns])))
        return path

    def named_copy(self, path: str | Path, title: str) -> Path:
        """A copy of a chart file named after its title (monthly-revenue-by-channel.png), for downloads."""
        src = Path(path)
        dest = self._folder() / f"{slug(title)}{src.suffix}"
        shutil.copyfile(src, dest)
        return dest

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
