"""Reading a user's own series from CSV: column checks, dates in ISO or day-first/month-first forms, numbers
with currency signs or thousands separators.

Ambiguous dates (every day number is 12 or less, so ``03/04/2025`` could be March 4 or April 3) are refused
unless the caller says which order they use; dates that only make sense one way are read that way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.data.errors import DataError, UserInputError

DAYFIRST_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y", "%d-%m-%y")
MONTHFIRST_FORMATS = ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%m-%d-%y", "%m.%d.%Y")
OTHER_FORMATS = ("%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y",
                 "%Y-%m", "%Y/%m", "%b %Y", "%B %Y")


def _closest(name: str, options: list[str]) -> str:
    from rapidfuzz import process

    close = [c for c, score, _ in process.extract(name, options, limit=3) if score >= 50]
    return f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ""


def _fits(values: pd.Series, fmt: str) -> pd.Series | None:
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    return parsed if parsed.notna().all() else None


def parse_dates(values: pd.Series, dayfirst: bool | None = None, column: str = "date") -> pd.Series:
    """Dates from ISO strings, or from day-first / month-first forms (``dayfirst`` True/False when ambiguous)."""
    raw = values.astype(str).str.strip()
    present = raw[(raw != "") & (raw.str.lower() != "nan") & values.notna()]
    if present.empty:
        raise UserInputError(f"The {column} column is empty.")
    sample = present.drop_duplicates()
    iso = pd.to_datetime(sample, format="ISO8601", errors="coerce")
    fmt: str | None = "ISO8601" if iso.notna().all() else None
    if fmt is None:
        day = next((f for f in DAYFIRST_FORMATS if _fits(sample, f) is not None), None)
        month = next((f for f in MONTHFIRST_FORMATS if _fits(sample, f) is not None), None)
        other = next((f for f in OTHER_FORMATS if _fits(sample, f) is not None), None)
        if day and month:
            if dayfirst is None:
                raise UserInputError(
                    f"Dates like {sample.iloc[0]!r} are ambiguous: the day and month could be either way round.",
                    hint="Pass --dayfirst (31/12/2025 style) or --monthfirst (12/31/2025 style).",
                )
            fmt = day if dayfirst else month
        elif day or month:
            fmt = day or month
            if dayfirst is not None and (dayfirst != bool(day)):
                example = sample.iloc[0]
                raise UserInputError(
                    f"Dates like {example!r} cannot be {'day' if dayfirst else 'month'}-first.",
                    hint=f"Drop --{'dayfirst' if dayfirst else 'monthfirst'} or check the {column} column.",
                )
        else:
            fmt = other
    if fmt is None:
        bad = sample[pd.to_datetime(sample, format="mixed", errors="coerce", dayfirst=bool(dayfirst)).isna()]
        example = bad.iloc[0] if len(bad) else sample.iloc[0]
        raise UserInputError(
            f"Cannot read {example!r} in column {column!r} as a date.",
            hint="Use ISO dates (2025-12-31) or day/month/year with --dayfirst or month/day/year with --monthfirst.",
        )
    return pd.to_datetime(raw.where(raw.isin(present)), format=fmt, errors="coerce")


def parse_numbers(values: pd.Series, column: str = "value") -> tuple[pd.Series, int]:
    """Numbers, tolerating currency signs, spaces, thousands separators and (123) negatives.

    Returns the values and the count of non-empty cells that could not be read."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float), 0
    text = values.astype(str).str.strip()
    empty = values.isna() | text.isin(["", "nan", "NaN", "NA", "null", "-"])
    cleaned = text.str.replace(r"[\s$€£¥,]", "", regex=True).str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    nums = pd.to_numeric(cleaned.where(~empty), errors="coerce")
    bad = int((nums.isna() & ~empty).sum())
    if bad and bad == int((~empty).sum()):
        raise UserInputError(f"Column {column!r} holds no numbers (e.g. {text[~empty].iloc[0]!r}).",
                             hint="Pick the value column with --value-col.")
    return nums, bad


def read_csv_series(
    path: str | Path,
    *,
    date_col: str,
    value_col: str,
    id_col: str | None = None,
    regressor_cols: list[str] | None = None,
    dayfirst: bool | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """A long frame ``unique_id, ds, y`` (+ regressor columns) from a CSV file, and warnings about the reading."""
    path = Path(path).expanduser()
    if not path.exists():
        raise UserInputError(f"No file at {path}.", hint="Check the path given to --csv.")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"Cannot read {path} as CSV: {exc}".strip(), hint="Save it as comma-separated UTF-8.") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    cols = list(raw.columns)
    for flag, name in (("--date-col", date_col), ("--value-col", value_col), ("--id-col", id_col),
                       *[("--x-col", r) for r in regressor_cols or []]):
        if name is not None and name not in cols:
            raise UserInputError(f"{path.name} has no column {name!r} ({flag}).",
                                 hint=_closest(name, cols) + f"Columns: {', '.join(cols)}.")
    if raw.empty:
        raise UserInputError(f"{path.name} has a header but no rows.")
    warnings: list[str] = []
    df = pd.DataFrame({
        "unique_id": raw[id_col].astype(str).str.strip() if id_col else path.stem,
        "ds": parse_dates(raw[date_col].replace("", np.nan), dayfirst, date_col),
    })
    df["y"], bad = parse_numbers(raw[value_col], value_col)
    if bad:
        warnings.append(f"{bad} value(s) in {value_col!r} are not numbers and were treated as missing.")
    for r in regressor_cols or []:
        df[r], bad_r = parse_numbers(raw[r], r)
        if bad_r:
            warnings.append(f"{bad_r} value(s) in regressor {r!r} are not numbers.")
    no_date = int(df["ds"].isna().sum())
    if no_date:
        warnings.append(f"{no_date} row(s) without a date were dropped.")
        df = df.dropna(subset=["ds"])
    return df.reset_index(drop=True), warnings
