"""How ShopLens writes numbers and dates for people: one helper shared by charts, explanations and answers.

Units follow the semantic layer: ``currency`` (the shop's money), ``count``, ``percent`` (a FRACTION: 0.081 is
8.1%), ``ratio``, ``rating`` and ``number``; ``change`` is a signed fraction (0.081 -> "+8.1%").

>>> format_value(1_234_567, "currency"), format_value(45_620, "currency"), format_value(980, "currency")
('$1.23M', '$45.6K', '$980')
>>> format_value(12_345, "count"), format_value(0.081, "percent"), format_value(0.081, "change")
('12,345', '8.1%', '+8.1%')

``lang="zh"`` writes them the Chinese way, for answers to Chinese questions: large amounts in 万 (10^4) and 亿
(10^8) instead of K/M/B, percent differences in 个百分点, dates as 2025年3月14日. ``currency`` is the symbol ($, ¥;
:func:`currency_symbol` maps the shop's ISO code). Both default to the current :func:`number_style`, which a chart
render sets once for everything it draws.

>>> format_value(15_512_345, "currency", lang="zh", currency="¥"), format_value(123_456_789, "count", lang="zh")
('¥1551.2万', '1.23亿')
>>> format_signed(-0.012, "percent", lang="zh"), format_date("2025-04-01", "quarter", lang="zh")
('-1.2个百分点', '2025年第2季度')
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Any

UNITS = ("currency", "count", "percent", "ratio", "rating", "number")
#: Units whose values add up across rows (a total means something); the others are averages or rates.
ADDITIVE_UNITS = ("currency", "count")

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
CURRENCY = "$"
LANGS = ("en", "zh")
_WAN, _YI = 1e4, 1e8
#: ISO 4217 code -> the symbol written before amounts (an unknown code is written as the code and a space).
SYMBOLS = {"USD": "$", "CNY": "¥", "RMB": "¥", "JPY": "¥", "EUR": "€", "GBP": "£", "HKD": "HK$", "TWD": "NT$",
           "SGD": "S$", "AUD": "A$", "CAD": "C$", "INR": "₹", "KRW": "₩"}
_NA = {"en": "n/a", "zh": "无数据"}

_STYLE: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar("shoplens_number_style",
                                                                         default=("en", CURRENCY))


FRACTION_COLUMN = re.compile(r"^(share|share of .*|change %|.*\brate|.*率|.*占比.*)$", re.I)


def fraction_column(name: Any) -> bool:
    """True for a table column holding fractions shown as percentages (0.249 -> 24.9%): Share, Share of change,
    Return rate, Change %, and their Chinese names (占比, 退货率, 变化占比)."""
    return bool(FRACTION_COLUMN.match(str(name).strip()))


def currency_symbol(code: str | None) -> str:
    """'USD' -> '$', 'CNY' -> '¥'; a symbol is returned as given; an unknown code as 'CHF '."""
    code = (code or "").strip()
    if not code:
        return CURRENCY
    if code.upper() in SYMBOLS:
        return SYMBOLS[code.upper()]
    return code if not code.isalpha() else code.upper() + " "


@contextlib.contextmanager
def number_style(lang: str | None = "en", currency: str | None = None) -> Iterator[None]:
    """Within the block, ``format_*`` calls without ``lang``/``currency`` use these (a chart render sets them)."""
    token = _STYLE.set((lang if lang in LANGS else "en", currency or CURRENCY))
    try:
        yield
    finally:
        _STYLE.reset(token)


def current_style(lang: str | None = None, currency: str | None = None) -> tuple[str, str]:
    """(lang, currency symbol): the given ones, else the current :func:`number_style`."""
    cur_lang, cur_sym = _STYLE.get()
    return (lang if lang in LANGS else cur_lang), (currency or cur_sym)


def _to_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _strip(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


def _round_sig(a: float, sig: int) -> float:
    """Round half up to ``sig`` significant digits (2,005,000 -> 2,010,000; round() would give 2,000,000)."""
    if a == 0:
        return 0.0
    digits = sig - 1 - math.floor(math.log10(a))
    scaled = a * 10.0**digits
    return math.floor(scaled + 0.5 + 1e-9 * scaled) / 10.0**digits


def compact(value: float, sig: int = 3) -> str:
    """A non-negative number with K/M/B/T suffix and ``sig`` significant digits: 1234567 -> '1.23M'."""
    a = _round_sig(abs(value), sig)
    for threshold, suffix in _SUFFIXES:
        if a >= threshold:
            scaled = _round_sig(a / threshold, sig)
            decimals = max(0, sig - 1 - math.floor(math.log10(scaled)))
            return _strip(f"{scaled:.{decimals}f}") + suffix
    decimals = max(0, sig - 1 - math.floor(math.log10(a))) if a else 0
    return _strip(f"{a:.{decimals}f}")


def compact_zh(a: float) -> str:
    """A non-negative number in 万/亿: 1234567 -> '123万', 15512345 -> '1551.2万', 123456789 -> '1.23亿', 9876 -> '9,876'."""
    if a >= _YI:
        return _sig_zh(a / _YI, 3) + "亿"
    if a >= _WAN:
        return _sig_zh(a / _WAN, 3 if a < 1e7 else 5) + "万"
    return f"{a:,.0f}" if abs(a - round(a)) < 1e-9 or a >= 100 else _strip(f"{a:,.2f}")


def _sig_zh(a: float, sig: int) -> str:
    if a == 0:
        return "0"
    decimals = max(0, sig - 1 - math.floor(math.log10(a)))
    return _strip(f"{a:.{min(decimals, 2)}f}")


def format_value(value: Any, unit: str | None = "number", *, lang: str | None = None,
                 currency: str | None = None) -> str:
    """Format one value for a sentence or a label. ``None``/NaN give 'n/a' (无数据)."""
    lang, cur = current_style(lang, currency)
    v = _to_float(value)
    if v is None:
        return _NA[lang]
    unit = unit or "number"
    sign = "-" if v < 0 else ""
    a = abs(v)
    if lang == "zh" and a >= _WAN and unit in ("currency", "count", "number"):
        return f"{sign}{cur if unit == 'currency' else ''}{compact_zh(a)}"
    if lang == "zh" and unit == "currency" and a >= 100:
        return f"{sign}{cur}{a:,.0f}"  # 9,876 reads better than 0.99万; K is not a Chinese unit
    if unit == "currency":
        if a >= 1000 or _round_sig(a, 3) >= 1000:
            return f"{sign}{cur}{compact(a)}"
        if a >= 100 or abs(a - round(a)) < 0.005:
            return f"{sign}{cur}{a:,.0f}"
        return f"{sign}{cur}{a:,.2f}"
    if unit == "count":
        if a >= 1e6:
            return sign + compact(a)
        if abs(a - round(a)) < 1e-9 or a >= 100:
            return f"{sign}{a:,.0f}"
        return f"{sign}{a:,.1f}"
    if unit == "percent":
        return f"{sign}{_pct(a)}%"
    if unit == "change":
        return f"{'-' if v < 0 else '+'}{_pct(a)}%"
    if unit == "ratio":  # small ratios keep 3 significant digits (orders per session 0.0159, not 0.02)
        return f"{sign}{a:.3g}" if 0 < a < 0.1 else f"{sign}{a:,.2f}"
    if unit == "rating":
        return f"{sign}{a:.2f}"
    return f"{sign}{_plain(a)}"


def format_signed(value: Any, unit: str | None = "number", *, lang: str | None = None,
                  currency: str | None = None) -> str:
    """A difference with an explicit sign: +$12.3K, -1,204, +2.1 pts (percent differences are points; 个百分点)."""
    lang, cur = current_style(lang, currency)
    v = _to_float(value)
    if v is None:
        return _NA[lang]
    sign = "+" if v >= 0 else "-"
    if unit == "percent":
        return f"{sign}{abs(v) * 100:.1f}" + ("个百分点" if lang == "zh" else " pts")
    return sign + format_value(abs(v), unit, lang=lang, currency=cur)


def _pct(a: float) -> str:
    p = a * 100
    if p == 0 or p >= 1:
        return f"{p:,.1f}"
    return f"{p:.2f}"


def _plain(a: float) -> str:
    if a >= 1e6:
        return compact(a)
    if a >= 100 or abs(a - round(a)) < 1e-9:
        return f"{a:,.0f}"
    if a >= 1:
        return _strip(f"{a:,.2f}")
    return _strip(f"{a:.3g}")


def infer_grain(dates: Any) -> str:
    """'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year' from the median spacing of sorted unique dates."""
    import numpy as np
    import pandas as pd

    values = dates.to_numpy() if hasattr(dates, "to_numpy") else np.asarray(list(dates))
    if values.dtype.kind != "M":
        values = pd.to_datetime(pd.Series(values), errors="coerce").to_numpy()
    days = np.unique(values[~np.isnat(values)].astype("datetime64[D]"))
    if len(days) < 2:
        stamps = np.unique(values[~np.isnat(values)].astype("datetime64[m]"))
        return "hour" if len(stamps) > 1 else "day"
    step = float(np.median(np.diff(days).astype(float)))
    minutes = np.unique(values[~np.isnat(values)].astype("datetime64[m]"))
    if len(minutes) > 1.5 * len(days):  # several timestamps a day
        return "hour"
    if step <= 1.5:
        return "day"
    if step <= 10:
        return "week"
    if step <= 45:
        return "month"
    if step <= 120:
        return "quarter"
    return "year"


def format_date(value: Any, grain: str = "day", *, lang: str | None = None) -> str:
    """A date for people at the given grain: 'Mar 14, 2026', 'week of Mar 9, 2026', 'Mar 2026', 'Q1 2026'
    (Chinese: 2026年3月14日, 2026年3月9日那周, 2026年3月, 2026年第1季度)."""
    lang, _ = current_style(lang)
    if value is None:
        return _NA[lang]
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return str(value)
    if lang == "zh":
        return _date_zh(value, grain)
    day = f"{value:%b} {value.day}, {value.year}"
    if grain == "hour" and isinstance(value, dt.datetime):
        return f"{day} {value:%H:%M}"
    if grain == "week":
        return f"week of {day}"
    if grain == "month":
        return f"{value:%b %Y}"
    if grain == "quarter":
        return f"Q{(value.month - 1) // 3 + 1} {value.year}"
    if grain == "year":
        return str(value.year)
    return day


def _date_zh(value: dt.date, grain: str) -> str:
    day = f"{value.year}年{value.month}月{value.day}日"
    if grain == "hour" and isinstance(value, dt.datetime):
        return f"{day} {value:%H:%M}"
    if grain == "year":
        return f"{value.year}年"
    if grain == "quarter":
        return f"{value.year}年第{(value.month - 1) // 3 + 1}季度"
    if grain == "month":
        return f"{value.year}年{value.month}月"
    if grain == "week":
        return f"{day}那周"
    return day
