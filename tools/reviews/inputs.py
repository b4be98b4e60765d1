"""Review texts from files: plain lines, JSON lines (``{"id": ..., "text": ...}``) or CSV (a chosen text column).

The format comes from the extension (``.jsonl``/``.ndjson``, ``.csv``/``.tsv``, anything else = plain lines)
unless given. Every record keeps an id: the file's own ``id`` field/column when present, else its 1-based line
(plain, JSON lines) or row number (CSV). Empty texts are skipped; bad records are errors that name the line.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shoplens.data.errors import UserInputError

FORMATS = ("auto", "lines", "jsonl", "csv", "tsv")
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".txt": "lines"}
TEXT_KEYS = ("text", "review", "body", "review_text", "content", "comment")
ID_KEYS = ("id", "review_id")


@dataclass(frozen=True)
class TextRecord:
    id: Any
    text: str


def detect_format(name: str, fmt: str = "auto") -> str:
    if fmt not in FORMATS:
        raise UserInputError(f"Unknown input format {fmt!r}.", hint=f"Use one of: {', '.join(FORMATS)}.")
    if fmt != "auto":
        return fmt
    return _BY_SUFFIX.get(Path(name).suffix.lower(), "lines")


def parse_records(raw: str, fmt: str, *, text_col: str | None = None, id_col: str | None = None,
                  source: str = "input") -> list[TextRecord]:
    """Records of ``raw`` in format ``fmt`` (lines, jsonl, csv or tsv; not auto)."""
    if fmt == "lines":
        return [TextRecord(i, ln.strip()) for i, ln in enumerate(raw.splitlines(), 1) if ln.strip()]
    if fmt == "jsonl":
        return _jsonl(raw, text_col, id_col, source)
    if fmt in ("csv", "tsv"):
        return _table(raw, "\t" if fmt == "tsv" else ",", text_col, id_col, source)
    raise UserInputError(f"Unknown input format {fmt!r}.", hint=f"Use one of: {', '.join(FORMATS[1:])}.")


def _pick(keys: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, source: str) -> str | None:
    if wanted:
        if wanted not in keys:
            raise UserInputError(f"{source} has no {what} {wanted!r}.", hint=f"Available: {', '.join(keys) or 'none'}.")
        return wanted
    lower = {k.lower(): k for k in keys}
    return next((lower[c] for c in candidates if c in lower), None)


def _jsonl(raw: str, text_col: str | None, id_col: str | None, source: str) -> list[TextRecord]:
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{source}, line {n}: not valid JSON ({exc.msg}).",
                                 hint="JSON lines need one object per line, e.g. {\"id\": 1, \"text\": \"...\"}; "
                                      "use --format lines for plain text.") from None
        if isinstance(obj, str):
            obj = {"text": obj}
        if not isinstance(obj, dict):
            raise UserInputError(f"{source}, line {n}: expected a JSON object with a text field.")
        key = _pick(list(obj), text_col, TEXT_KEYS, "text field", f"{source}, line {n}")
        if key is None:
            raise UserInputError(f"{source}, line {n}: no text field.",
                                 hint=f"Name it one of {', '.join(TEXT_KEYS)}, or pass --text-col.")
        id_key = _pick(list(obj), id_col, ID_KEYS, "id field", f"{source}, line {n}")
        text = obj.get(key)
        if text is None or not str(text).strip():
            continue
        out.append(TextRecord(obj[id_key] if id_key else n, str(text).strip()))
    return out


def _table(raw: str, delimiter: str, text_col: str | None, id_col: str | None, source: str) -> list[TextRecord]:
    reader = csv.DictReader(io.StringIO(raw, newline=""), delimiter=delimiter)
    keys = [k for k in (reader.fieldnames or []) if k is not None]
    if not keys:
        raise UserInputError(f"{source} has no header row.", hint="The first row must name the columns.")
    key = _pick(keys, text_col, TEXT_KEYS, "column", source)
    if key is None:
        raise UserInputError(f"{source}: which column holds the review text?",
                             hint=f"Pass --text-col (columns: {', '.join(keys)}).")
    id_key = _pick(keys, id_col, ID_KEYS, "column", source)
    out = []
    try:
        for n, row in enumerate(reader, 1):
            text = (row.get(key) or "").strip()
            if text:
                out.append(TextRecord(row.get(id_key) if id_key else n, text))
    except csv.Error as exc:
        raise UserInputError(f"{source}, row {reader.line_num}: {exc}.") from None
    return out


def read_records(path: Path | str, *, fmt: str = "auto", text_col: str | None = None, id_col: str | None = None,
                 stdin: Any = None) -> list[TextRecord]:
    """Records from a file (``-`` = ``stdin``, plain lines unless ``fmt`` says otherwise)."""
    name = str(path)
    kind = detect_format("" if name == "-" else name, fmt)
    try:
        raw = stdin.read() if name == "-" else Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"Cannot read {name}: {exc}.", hint="Pass a UTF-8 text, JSON-lines or CSV file.") from exc
    return parse_records(raw, kind, text_col=text_col, id_col=id_col, source=name)
