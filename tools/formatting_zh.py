"""Numbers and dates written the Chinese way, for answers to Chinese questions.

Large amounts use 万 (10^4) and 亿 (10^8) instead of K/M/B; the currency symbol is the shop's ($, or ¥ for a
shop selling in CNY). Units follow ``shoplens.tools.formatting`` (percent values are fractions).

>>> format_value_zh(15_512_345, "currency"), format_value_zh(45_620, "currency"), format_value_zh(980, "currency")
('$1551.2万', '$4.56万', '$980')
>>> format_value_zh(123_456_789, "count"), format_value_zh(0.081, "percent"), format_signed_zh(-0.012, "percent")
('1.23亿', '8.1%', '-1.2个百分点')
>>> format_date_zh("2025-03-14"), format_date_zh("2025-03-01", "month"), format_date_zh("2025-04-01", "quarter")
('2025年3月14日', '2025年3月', '2025年第2季度')
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from shoplens.tools import formatting

_WAN, _YI = 1e4, 1e8


def _to_float(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _sig(a: float, sig: int) -> str:
    """``a`` with ``sig`` significant digits, at least no decimals beyond one for numbers of 4+ digits."""
    if a == 0:
        return "0"
    decimals = max(0, sig - 1 - math.floor(math.log10(a)))
    text = f"{a:.{min(decimals, 2)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def compact_zh(a: float) -> str:
    """1234567 -> '123.5万', 123456789 -> '1.23亿', 9876 -> '9,876'."""
    if a >= _YI:
        return _sig(a / _YI, 3) + "亿"
    if a >= _WAN:
        return _sig(a / _WAN, 3 if a < 1e7 else 5) + "万"
    return f"{a:,.0f}" if abs(a - round(a)) < 1e-9 or a >= 100 else f"{a:,.2f}".rstrip("0").rstrip(".")


def format_value_zh(value: Any, unit: str | None = "number", currency: str | None = None) -> str:
    v = _to_float(value)
    if v is None:
        return "无数据"
    unit = unit or "number"
    sign = "-" if v < 0 else ""
    a = abs(v)
    if unit == "currency":
        cur = currency or formatting.CURRENCY
        if a >= _WAN:
            return f"{sign}{cur}{compact_zh(a)}"
        if a >= 100:
            return f"{sign}{cur}{a:,.0f}"
        return sign + formatting.format_value(a, unit).replace(formatting.CURRENCY, cur, 1)
    if unit in ("count", "number") and a >= _WAN:
        return sign + compact_zh(a)
    return formatting.format_value(v, unit)


def format_signed_zh(value: Any, unit: str | None = "number", currency: str | None = None) -> str:
    """A difference with its sign: +$12.3万, -1,204, +2.1个百分点 (percent differences are points)."""
    v = _to_float(value)
    if v is None:
        return "无数据"
    sign = "+" if v >= 0 else "-"
    if unit == "percent":
        return f"{sign}{abs(v) * 100:.1f}个百分点"
    return sign + format_value_zh(abs(v), unit, currency)


def format_date_zh(value: Any, grain: str = "day") -> str:
    """A date at a grain: 2025年3月14日, 2025年3月, 2025年第1季度, 2025年, 2025年3月10日那周."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    if grain == "year":
        return f"{value.year}年"
    if grain == "quarter":
        return f"{value.year}年第{(value.month - 1) // 3 + 1}季度"
    if grain == "month":
        return f"{value.year}年{value.month}月"
    if grain == "week":
        return f"{value.year}年{value.month}月{value.day}日那周"
    return f"{value.year}年{value.month}月{value.day}日"
