"""Plain-JSON conversion of numpy/pandas/decimal/date values; shared by every layer (like data.errors)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """Convert numpy/pandas/decimal/date values into plain JSON-friendly Python."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        try:
            return jsonable(value.item())
        except (ValueError, TypeError):
            pass
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return str(value)
