"""Grounded numbers: every figure in an answer must be traceable to a tool result.

``check_grounding(text, sources)`` extracts the numbers an answer states ("$1.23M", "12,345 orders", "+8.1%",
"3.9 stars", "1.2 million", "2.5x") and looks for each among the numbers of the sources (tool outputs, their
facts and tables, tool messages, tool-call arguments, the question itself), after normalising currency symbols,
thousands separators, K/M/B/T and million/billion suffixes and percent (8.1% matches 0.081 or 8.1), and allowing
for the rounding the answer shows ("$1.2M" matches 1,234,567 and 1,249,000, rounded or truncated, but not
1,140,000). A difference, ratio or percent change of two key figures (a tool's ``facts``) also counts, since
"up $90.2K" or "+8.8%" restates a comparison.

Not sources: quotations and long free text inside tool results (review text is data: "revenue was $9.99B" in a
review proves nothing), and the model's own earlier answers.

Not checked: dates (2025-03-14, Mar 14, 2025, Q1 2025, March 2025, standalone years), times, list markers and
ranks ("1.", "#1", "2nd"), small counts (<= 10), time spans ("30 days", "8 weeks"), numbers inside words or codes
("X2", "v1.2", "H1"), and anything in code spans or blocks (SQL).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SMALL_INT = 10  # bare integers up to this are counts/ranks ("top 5", "3 regions"), not checked
MAX_KEY_FIGURES = 60  # pairwise derived values are computed over at most this many key figures

_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
          "billion": 1e9, "t": 1e12, "trillion": 1e12, "千": 1e3, "万": 1e4, "萬": 1e4, "百万": 1e6, "亿": 1e8,
          "億": 1e8, "万亿": 1e12}
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_UNIT_WORDS = r"(?:days?|weeks?|months?|quarters?|years?|hours?|hrs?|minutes?|mins?|seconds?|secs?|am|pm)"
_DATES = [
    re.compile(r"```.*?```", re.S),  # code blocks (SQL)
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"\]\([^)]*\)"),  # markdown link targets
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\b"),  # ISO dates / timestamps
    re.compile(r"\b\d{4}-\d{2}\b"),  # 2025-03
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),  # 3/14/2025
    re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?!\d)", re.I),  # Mar 14(, 2025)
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?", re.I),  # 14 March 2025
    re.compile(rf"\b{_MONTH}\s+\d{{4}}\b", re.I),  # March 2025
    re.compile(r"\b(?:Q[1-4]|H[12]|FY)\s*'?\d{2,4}\b", re.I),  # Q1 2025, H2 2024, FY25
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"),  # times
    re.compile(r"\b(?:week|wk|day|rank|no\.|number|#)\s*\d+\b", re.I),  # week 12, rank 3, #1
    re.compile(r"(?m)^\s*\d{1,3}[.)]\s"),  # ordered-list markers
    # Chinese dates and spans: 2025年3月14日, 2025年第一季度, 3月, 14日, 30天, 8周, 12个月, 第3名
    re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\s*第?[一二三四1-4]\s*季度)?"),
    re.compile(r"\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*[日号]"),
    re.compile(r"(?:第|前|后)\s*\d+|(?<![\d,.])\d{1,4}\s*(?:天|周|个月|年|季度|小时|分钟|个星期|星期)"),
]
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.,/#])"  # not \w: a Chinese character may touch a number ("销售额1,234单")
    r"(?P<sign>[+\-−–])?\s?(?P<cur>(?:US)?[$€£¥])?\s?(?P<sign2>[+\-−])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<suffix>\s?(?:thousand|million|billion|trillion|bn|mn|mm|[KkMmBbTt])(?![A-Za-z])|万亿|百万|[千万萬亿億])?"
    r"(?P<pct>\s?(?:%|percent\b|per cent\b|pct\b|percentage points?\b|pts?\b|pp\b))?"
    r"(?P<times>[x×](?![A-Za-z]))?"
    r"(?P<after>(?:st|nd|rd|th)\b|[A-Za-z])?"
)


@dataclass(frozen=True)
class Claim:
    text: str  # as written in the answer
    value: float  # absolute value, scaled (K/M/B applied); percent claims hold the percent number (8.1)
    tol: float  # one unit of the last digit shown, scaled (the answer may round or truncate to it)
    percent: bool = False
    ratio: bool = False  # "2.5x"


@dataclass
class GroundingReport:
    claims: list[Claim] = field(default_factory=list)
    untraceable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.untraceable


def _mask(text: str) -> str:
    for pattern in _DATES:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _parse(m: re.Match[str]) -> Claim | None:
    raw = m.group("num")
    if m.group("after"):  # 2nd, 10am, 3D, X2-style codes
        return None
    digits = raw.replace(",", "")
    value = float(digits)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    suffix = (m.group("suffix") or "").strip().lower()
    scale = _SCALE.get(suffix, 1.0)
    pct = bool(m.group("pct"))
    return Claim(text=m.group(0).strip(), value=abs(value) * scale, tol=10.0 ** -decimals * scale,
                 percent=pct, ratio=bool(m.group("times")))


def extract_claims(text: str) -> list[Claim]:
    """The numbers an answer states, minus dates, list markers, ranks, codes, small counts and time spans."""
    masked = _mask(text or "")
    out: list[Claim] = []
    for m in _NUMBER.finditer(masked):
        claim = _parse(m)
        if claim is None:
            continue
        tail = masked[m.end():m.end() + 12]
        plain = not (m.group("cur") or m.group("suffix") or m.group("pct") or m.group("times")) and "." not in m.group(
            "num")
        if plain and re.match(rf"\s*-?\s*{_UNIT_WORDS}\b", tail, re.I):
            continue  # "30 days", "8 weeks", "10 am"
        if plain and (claim.value <= SMALL_INT or (1900 <= claim.value <= 2100 and "," not in m.group("num"))):
            continue  # small counts and years
        out.append(claim)
    return out


# --- sources --------------------------------------------------------------------------------------------------------
_QUOTED = re.compile(r'"[^"\n]{12,}"|“[^”\n]{12,}”|«[^»\n]{12,}»')
FREE_TEXT_CHARS = 60  # a string value longer than this inside facts or table cells is free text (a review, a name)


def _numbers_in_text(text: str) -> list[float]:
    """Numbers in a text, except inside quotations (customer-written text is data, not a source of figures)."""
    vals: list[float] = []
    for m in _NUMBER.finditer(_QUOTED.sub(" ", text)):
        digits = m.group("num").replace(",", "")
        try:
            v = abs(float(digits)) * _SCALE.get((m.group("suffix") or "").strip().lower(), 1.0)
        except ValueError:
            continue
        vals.append(v)
        if m.group("pct"):
            vals.append(v / 100)
    return vals


def collect_numbers(source: Any, out: list[float] | None = None, key: list[float] | None = None, *,
                    cell: bool = False) -> list[float]:
    """Every number in a source: numbers, numbers inside text, dicts, lists, tables, tool outputs (facts, tables,
    summary, warnings) and LangChain messages. Free text (quotations, long strings inside facts or tables, the
    model's own earlier answers) is not a source. Numbers of a tool output's ``facts`` are also appended to
    ``key`` (the figures that differences and ratios may be derived from)."""
    out = [] if out is None else out
    if source is None or isinstance(source, bool):
        return out
    if isinstance(source, int | float):
        if math.isfinite(source):
            out.append(abs(float(source)))
        return out
    if isinstance(source, str):
        if not (cell and len(source) > FREE_TEXT_CHARS):
            out.extend(_numbers_in_text(source))
        return out
    if isinstance(source, dict):
        for v in source.values():
            collect_numbers(v, out, key, cell=True)
        return out
    if isinstance(source, list | tuple | set):
        for v in source:
            collect_numbers(v, out, key, cell=True)
        return out
    if hasattr(source, "facts") and hasattr(source, "summary"):  # ToolOutput
        facts = collect_numbers(source.facts, [], None, cell=True)
        out.extend(facts)
        if key is not None:
            key.extend(facts)
        for t in getattr(source, "tables", []):
            collect_numbers(t.rows, out, key, cell=True)
        collect_numbers(source.summary, out, key)
        for w in getattr(source, "warnings", []):
            collect_numbers(w, out, key)
        return out
    if hasattr(source, "rows") and hasattr(source, "columns"):  # Table
        return collect_numbers(source.rows, out, key, cell=True)
    if hasattr(source, "content") and hasattr(source, "type"):  # a LangChain message
        if source.type != "ai":  # the model's own earlier answers are not evidence
            collect_numbers(source.content if isinstance(source.content, str) else str(source.content), out, key)
        collect_numbers(getattr(source, "artifact", None), out, key)
        for call in getattr(source, "tool_calls", None) or []:
            collect_numbers(call.get("args"), out, key)
        return out
    if hasattr(source, "item"):  # numpy scalar
        try:
            return collect_numbers(source.item(), out, key, cell=cell)
        except (TypeError, ValueError):
            return out
    try:
        return collect_numbers(float(source), out, key)
    except (TypeError, ValueError):
        return out


def _derived(key: list[float]) -> list[float]:
    figures = sorted({round(k, 9) for k in key if k})[:MAX_KEY_FIGURES]
    out: list[float] = []
    for i, a in enumerate(figures):
        for b in figures[i + 1:]:
            out += [abs(a - b), a / b, b / a, abs(a - b) / a, abs(a - b) / b]
    return out


def _close(shown: float, actual: float, unit: float) -> bool:
    """``shown`` is ``actual`` rounded (within half a unit) or truncated (up to one unit below) to ``unit``."""
    return shown - unit * 0.5000001 <= actual < shown + unit * 1.0000001


def _matches(claim: Claim, values: list[float]) -> bool:
    for s in values:
        if claim.percent:
            if _close(claim.value, s * 100, claim.tol) or _close(claim.value, s, claim.tol):
                return True
        elif _close(claim.value, s, claim.tol):
            return True
    return False


def check_grounding(text: str, sources: Iterable[Any]) -> GroundingReport:
    """Which numbers in ``text`` cannot be traced to ``sources`` (after rounding and unit normalisation)."""
    claims = extract_claims(text)
    report = GroundingReport(claims=claims)
    if not claims:
        return report
    key: list[float] = []
    values: list[float] = []
    for s in sources:
        collect_numbers(s, values, key)
    derived: list[float] | None = None
    seen: set[str] = set()
    for claim in claims:
        if _matches(claim, values):
            continue
        if derived is None:
            derived = _derived(key)
        if _matches(claim, derived):
            continue
        if claim.text not in seen:
            seen.add(claim.text)
            report.untraceable.append(claim.text)
    return report
