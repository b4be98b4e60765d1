"""Rows with the wrong number of fields: found by reading the file as CSV, reported with file, line and what was
found.

DuckDB's CSV sniffer, given a file where one line carries an extra delimiter (an unquoted comma in a
description), may read the whole file as one column (then a mapped column looks "missing") or stop with a
message about encodings. Before such a diagnosis is shown, the file is checked line by line with Python's csv
module; a line whose field count differs from the header's is the real problem, and is named.
"""

from __future__ import annotations

import csv
from pathlib import Path

from shoplens.data.errors import DataError
from shoplens.data.importing.mapping import SourceSpec

CANDIDATES = (",", ";", "\t", "|")


def _delimiter(header_line: str, spec: SourceSpec) -> str:
    if spec.delimiter:
        return spec.delimiter
    return max(CANDIDATES, key=lambda d: header_line.count(d))


def field_count_problem(path: Path, spec: SourceSpec) -> DataError | None:
    """The first line whose number of fields differs from the header's (None when every line agrees)."""
    if path.suffix.lower() in (".parquet", ".pq") or spec.format == "parquet" or not spec.header:
        return None
    encoding = {"utf-8": "utf-8-sig"}.get(spec.encoding, spec.encoding)
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            for _ in range(int(spec.skip_rows)):
                fh.readline()
            first = fh.readline()
            delim = _delimiter(first, spec)
            quote = spec.quote or '"'
            header = next(csv.reader([first], delimiter=delim, quotechar=quote), [])
            reader = csv.reader(fh, delimiter=delim, quotechar=quote)
            offset = int(spec.skip_rows) + 1
            for row in reader:
                if row and len(row) != len(header):
                    line = reader.line_num + offset
                    shown = delim.join(row)
                    shown = shown if len(shown) <= 160 else shown[:157] + "..."
                    name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(delim, repr(delim))
                    return DataError(
                        f"{path}, line {line}: {len(row)} fields where the header has {len(header)} "
                        f"({name}-separated): {shown}",
                        hint=f"A value probably contains an unquoted {name}. Put that value in double quotes "
                             f"(or remove the extra {name}) and import again; nothing was written.")
    except (OSError, csv.Error):
        return None
    return None
