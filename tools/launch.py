"""When a product was launched: the catalogue's own launch date where the shop has one (``products.launch_date``),
so 'since launch' starts on the launch day even when the first order came later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoplens.tools.query import quote


def launch_date(runner: Any, names: list[str]) -> dt.date | None:
    """The earliest launch date of the named products, or None when the shop records none for them."""
    columns = {c for c, _ in runner.catalog.get("products", [])}
    if not names or not {"launch_date", "name"} <= columns:
        return None
    values = ", ".join(quote(n) for n in names)
    value = runner.scalar(f"SELECT min(CAST(launch_date AS DATE)) FROM products WHERE name IN ({values})")
    if value is None:
        return None
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else dt.date.fromisoformat(
        str(value)[:10])
