"""Time expressions in a question -> concrete date ranges, resolved against the data's as-of date (never the wall
clock): "last month", "Q3 2025", "since March", "Jan-Mar 2025", "Black Friday 2024", "last 30 days", "YTD" ...

``TimeParser(as_of, events).parse(text, mask)`` finds every period mention (left to right), the time grain
("monthly", "by week"), comparison hints ("YoY", "vs last month") and forecast horizons ("next 8 weeks"), and
masks what it used so later steps do not read "March" as a product. Single expressions: ``timepoints.py``;
date arithmetic and labels: ``periods.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from shoplens.data.semantic import Event
from shoplens.tools.calendar.dates import (
    DAY1,
    add_months,
    fmt_day,
    label,
    latest_year,
    month_end,
    month_no,
    prev_unit_range,
    rolling_units,
    shift_years,
    unit_range,
)
from shoplens.tools.calendar.points import (
    DAY,
    MON,
    UNIT,
    YEAR,
    B,
    E,
    PointGrammar,
    TimeInfo,
    TimeSpan,
    _safe_date,
    _unit,
)
from shoplens.tools.text import NUM, Mask, to_int

__all__ = ["TimeInfo", "TimeParser", "TimeSpan"]
D = dt.date

_MAY_SUBJECTS = {"i", "we", "you", "it", "they", "he", "she", "that", "which", "who", "there", "this", "what",
                 "sales", "revenue", "numbers", "customers", "how", "where", "why"}
_MAY_VERBS = {"be", "have", "not", "also", "well", "want", "need", "see", "get", "help", "go", "i", "we", "you",
              "increase", "decrease", "drop", "grow", "rise", "fall", "affect", "explain", "show", "indicate"}


class TimeParser(PointGrammar):
    def __init__(self, as_of: dt.date, events: Iterable[Event] = (), data_start: dt.date | None = None) -> None:
        super().__init__(as_of, events, data_start)
        self._compiled = self._rules()

    # ------------------------------------------------------------------------------------------------ parse
    def parse(self, text: str, mask: Mask | None = None) -> TimeInfo:
        mask = mask if mask is not None else Mask()
        info = TimeInfo()
        found: list[TimeSpan] = []
        for rx, handler in self._compiled:
            for m in rx.finditer(mask.blank(text)):
                if mask.overlaps(m.start(), m.end()):
                    continue
                out = handler(m, info, text)
                if out is False:
                    continue
                mask.add(m.start(), m.end(), "time")
                if isinstance(out, TimeSpan):
                    found.append(_at(out, m))
        info.spans = self._combine(sorted(found, key=lambda s: s.pos))
        for s in info.spans:
            if s.bare and s.unit in ("month", "quarter", "half", "event", "week", "day", "range"):
                info.notes.append(f"'{s.text.strip()}' read as {s.label}")
        return info

    def _combine(self, spans: list[TimeSpan]) -> list[TimeSpan]:
        """'618 ... this year', 'Q3 numbers for 2024': a year-less mention takes the year said elsewhere;
        'Q1 vs Q2 2025': a year-less mention takes the year of its same-kind partner."""
        bare = [s for s in spans if s.bare and s.text and s.unit in ("month", "quarter", "half", "event", "week", "day")]
        years = [s for s in spans if s.unit == "year" or (s.unit == "todate" and s.rel_unit == "year")]
        if len(bare) == 1 and len(years) == 1 and len(spans) == 2:
            fixed = self.point(bare[0].text.strip(), year=years[0].start.year)
            if fixed is not None:
                return [_moved(fixed, bare[0])]
        if len(spans) == 2 and len(bare) == 1 and spans[0].unit == spans[1].unit:
            other = spans[1] if bare[0] is spans[0] else spans[0]
            # the partner's year, or the year next to it that puts the mention nearest ("january 2026 vs
            # december": December 2025), never after the data
            options = [f for y in (other.start.year, other.start.year - 1, other.start.year + 1)
                       if (f := self.point(bare[0].text.strip(), year=y)) is not None and f.start <= self.as_of
                       and (f.start, f.end) != (other.start, other.end)
                       and (self.data_start is None or f.end >= self.data_start)]  # in the data
            gap = lambda f: min(abs((f.start - other.end).days), abs((other.start - f.end).days))  # noqa: E731
            fixed = min(options, key=lambda f: (gap(f), -f.start.toordinal())) if options else None  # ties: the later
            if fixed is not None:
                return sorted([_moved(fixed, bare[0]), other], key=lambda s: s.pos)
        return spans

    def _rules(self) -> list[tuple[re.Pattern[str], Callable[..., object]]]:
        P = self.P
        r: list[tuple[str, Callable[..., object]]] = [
            (r"(?<!vs )(?<!vs\. )(?<!than )(?<!against )(?<!versus )(?<!to )(?<!with )(?<!over )(?<!vs the )(?<!than the )(?<!against the )(?<!versus the )(?<!to the )(?<!with the )(?<!over the )\b(?:for\s+|in\s+)?(?:the\s+)?same\s+(?P<u>month|quarter|week|day)\s+(?:of\s+)?(?:last|previous|prior|a)\s+year\b",
             self._h_same_last_year),
            (r"(?:year|yr)[\s\-]*(?:over|on)[\s\-]*(?:year|yr)|\byoy\b|\by/y\b|(?:vs\.?|versus|compared\s+(?:to|with)|against|than|over)\s+(?:the\s+)?(?:same\s+(?:period|time|month|week|quarter|day|days)\s+)?(?:last|previous|prior|a)\s+year|same\s+(?:period|time|month|week|quarter|day|days|dates|stretch|window)\s+(?:of\s+|in\s+)?(?:last|previous|prior|a|the\s+previous|the\s+prior|one)\s+year(?:\s+(?:ago|before|earlier))?|same\s+(?:period|time)\s+(?:a\s+)?year\s+(?:ago|before|earlier)|\bsply\b|\bvs\.?\s+ly\b",
             self._h_yoy),
            (r"(?:month|week|quarter|day)[\s\-]*(?:over|on)[\s\-]*(?:month|week|quarter|day)|\b(?:mom|wow|qoq|dod|m/m|w/w|q/q)\b|(?:vs\.?|versus|compared\s+(?:to|with)|against|than|from|over)\s+(?:the\s+)?(?:previous|prior|preceding|last)\s+(?:period|month|week|quarter|day)|(?:the\s+)?(?:previous|prior|preceding)\s+period|the\s+period\s+before",
             self._h_prev),
            (rf"{MON}\s+{DAY}\s*(?:-|to|through|thru|till|until)\s*{DAY}(?:,?\s*{YEAR})?{E}|{B}(?:the\s+)?{DAY}\s*(?:-|to|through|thru|till|until)\s*(?:the\s+)?{DAY}\s+(?:of\s+)?{MON}(?:,?\s*{YEAR})?",
             self._h_dayrange),
            (rf"{B}(?:between\s+(?:the\s+)?(?P<a1>{P})\s+and\s+(?:the\s+)?(?P<b1>{P})|(?:from\s+(?:the\s+)?)?(?P<a2>{P})\s*(?:-|\.\.|to|till|until|through|thru)\s*(?:the\s+)?(?:end\s+of\s+)?(?P<b2>{P})){E}",
             self._h_range),
            (rf"{B}(?P<w>since|after|starting(?:\s+(?:from|in|on|with))?|beginning(?:\s+(?:in|on|with))?|from)\s+(?:the\s+)?(?:start\s+of\s+|beginning\s+of\s+|end\s+of\s+)?(?P<p>{P}|last\s+{MON}|last\s+{UNIT}|(?:this|the)\s+{UNIT})(?P<tail>\s+(?:to\s+(?:today|now|date|the\s+present)|onwards?|on\b|and\s+(?:later|after)))?{E}",
             self._h_since),
            (rf"{B}(?P<p>{P}),?\s+(?P<tail>onwards?|forwards?|and\s+(?:later|after|beyond)|on(?=\s*(?:[,.?!;]|$))|to\s+date|(?:to|till|until)\s+now){E}",
             self._h_onwards),
            (rf"{B}(?P<w>until|till|(?<!run\s)(?<!run-)up\s+to|up\s+until|through|thru|before|prior\s+to)\s+(?:the\s+)?(?:end\s+of\s+)?(?P<p>{P}){E}",
             self._h_until),
            (r"(?:\b(?:of\s+)?all[\s\-]time\b|\bever\b|since\s+(?:the\s+)?(?:beginning|start)(?:\s+of\s+(?:the\s+)?(?:data|records|time))?(?!\s+of\s+(?:the|this)\s+(?:year|month|quarter|week))|\b(?:entire|whole|full)\s+(?:history|period|data(?:set)?)|\ball\s+(?:the\s+)?(?:data|dates|periods|years|history)\b|\blifetime\b|\bto\s+date\s+overall\b)",
             self._h_all),
            (rf"(?:(?:for|over|in|during)\s+)?(?:the\s+)?(?:next|coming|upcoming|following)\s+(?:(?P<n>{NUM})\s+)?(?P<u>{UNIT})(?!\s+(?:of|to\s+date))|{B}(?P<n2>{NUM})\s+(?P<u2>{UNIT})\s+(?:ahead|out|from\s+now|into\s+the\s+future)",
             self._h_horizon),
            (r"(?:the\s+)?(?:rest|remainder|balance)\s+of\s+(?:the\s+|this\s+)?(?P<u>year|month|quarter|20\d\d)|(?:until|till|through|to|by)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+|this\s+)?(?P<u2>year|month|quarter)|(?P<u3>year|month|quarter)[\s\-]end)",
             self._h_horizon_end),
            (rf"\b(?:(?P<w>this\s+(?:past|last)|the\s+(?:past|last)|this|last|past|in|during|the|for|over|across|through(?:out)?)\s+)?(?P<s>spring|summer|fall|autumn|winter)(?!\s+(?:festival|sale|collection|clearance|range))(?:\s+(?:of\s+)?(?P<y>{YEAR}))?\b",
             self._h_season),
            (rf"{B}(?P<p>{P}){E}", self._h_point),
            (r"\b(?:the\s+)?day\s+before\s+yesterday\b|\byesterday\b|\btoday\b|\blatest\s+day\b", self._h_day),
            (r"\b(?:wtd|mtd|qtd|ytd)\b|\b(?:week|month|quarter|year)[\s\-]to[\s\-]date\b|\bso\s+far\s+this\s+(?:week|month|quarter|year)\b|\b(?:this|current|the\s+current)\s+(?:week|month|quarter|year|qtr|yr|mth|wk)(?:'s)?(?:\s+so\s+far|\s+to\s+date)?\b|\bso\s+far\s+in\s+20\d\d\b",
             self._h_todate),
            (rf"\b(?:the\s+)?(?P<n>{NUM})\s+(?P<u>{UNIT})\s+(?:before|prior\s+to|preceding|earlier\s+than)\s+"
             rf"(?:that|this|it|then|those|these)\b", self._h_before),
            (rf"\b(?:in\s+)?(?:the\s+)?(?P<w>last|past|previous|prior|trailing|rolling|recent|preceding)\s+(?P<n>{NUM})\s+(?:full\s+|complete\s+|calendar\s+)?(?P<u>{UNIT})\b|\b(?:ttm|ltm|l12m|t12m)\b",
             self._h_lastn),
            (rf"\b(?P<n>{NUM})\s+(?P<u>{UNIT})\s+(?:ago|back|earlier)\b|\b(?:the\s+)?(?P<u2>month|week|quarter|year|day)\s+before\s+last\b",
             self._h_ago),
            (r"(?<![a-z0-9])(?P<n>\d{1,3})\s?(?P<u>d|w|m|q|y)(?![a-z0-9])(?=.*|$)", self._h_short),
            (r"\b[lt](?P<n>\d{1,3})(?P<u>d|w|m|q|y)\b", self._h_short),  # L7D, L30D, T12M
            (r"\b(?:the\s+)?(?P<w>last|past|previous|prior|preceding)\s+(?P<u>day|week|weekend|month|quarter|year|qtr|yr|mo|mth|wk)\b|\b(?:the\s+)?(?P<u2>month|week|quarter|year|day)\s+(?:before|earlier|prior)\b|\b(?:a|one)\s+(?P<u3>month|week|quarter|year)\s+(?:before|earlier)\b",
             self._h_last),
            (r"\b(?P<w>last|this|past)\s+(?P<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)\b",
             self._h_weekday),
            (r"\b(?:daily|dialy|hourly|weekly|weekley|wekly|monthly|montly|monthy|mothly|quarterly|quartely|quaterly|yearly|annually|annual)\b|\b(?:day|week|month|quarter|year)[\s\-](?:by|to)[\s\-](?:day|week|month|quarter|year)\b|\b(?:by|per|each|every|for\s+each|for\s+every|a|split\s+by|broken\s+down\s+by|grouped\s+by)\s+(?:the\s+)?(?:calendar\s+|iso\s+)?(?:day|date|week|month|quarter|year|hour)s?\b(?!\s+(?:of|to|over|on)\b)",
             self._h_grain),
        ]
        return [(re.compile(p), h) for p, h in r]

    # ------------------------------------------------------------------------------------------------ handlers
    def _h_same_last_year(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        """'orders in the west, same month last year' names a period (this month a year ago), not a comparison;
        after 'vs' or 'than' it is the yoy comparison instead (the rule above does not fire there)."""
        u = m.group("u")
        a, b = unit_range(u, self.as_of)
        a, b = shift_years(a, -1), unit_range(u, shift_years(a, -1))[1]
        return TimeSpan(a, b, u, (0, 0))

    def _h_yoy(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        info.compare_mode = "yoy"
        return None

    def _h_prev(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        info.compare_mode = "previous"
        u = re.search(r"month|week|quarter|day|mom|wow|qoq|dod|m/m|w/w|q/q", m.group(0))
        if u:
            w = u.group(0)
            info.compare_unit = {"mom": "month", "m/m": "month", "wow": "week", "w/w": "week", "qoq": "quarter",
                                 "q/q": "quarter", "dod": "day"}.get(w, w)
        return None

    def _h_dayrange(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        s = m.group(0)
        mon = month_no(re.search(MON, s).group(0))  # type: ignore[union-attr]
        y = self._year(s)
        days = [int(x) for x in re.findall(r"(?<![\d'])([0-3]?\d)(?:st|nd|rd|th)?(?!\d)", re.sub(YEAR, "", s))][:2]
        yr = y or latest_year(lambda yy: (D(yy, mon, days[0]), D(yy, mon, days[0])), self.as_of)
        a, b = _safe_date(yr, mon, days[0]), _safe_date(yr, mon, days[1])
        if a is None or b is None or b < a:
            return False
        return TimeSpan(a, b, "range", (0, 0), bare=y is None)

    def _h_range(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        sa, sb = m.group("a1") or m.group("a2"), m.group("b1") or m.group("b2")
        if self.point(m.group(0)) is not None:  # "2025-w12" is one week, not a range
            return False
        if re.fullmatch(r"(?:19|20)\d\d", sa.strip()) and re.fullmatch(r"\d\d", sb.strip()):
            return False
        b = self.point(sb)
        if b is None:
            return False
        a = self.point(sa, year=None if b.bare else b.start.year, before=b.end)
        if a is None:
            return False
        if not b.bare and a.start > b.end and not self._year(sa):  # "Dec - Feb 2025": Dec 2024
            a = self.point(sa, year=b.start.year - 1)
        if a is None or a.start > b.end:
            return False
        ends = ((a.start, a.end), (b.start, b.end)) if a.unit == b.unit and a.unit != "day" else None
        if a.unit == "year" and b.unit == "year":
            return TimeSpan(a.start, b.end, "range", (0, 0), ends=ends)
        return TimeSpan(a.start, b.end, "range", (0, 0), bare=a.bare and b.bare, ends=ends)

    def _h_since(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        w, p = m.group("w"), m.group("p")
        if w == "from" and not m.group("tail"):
            return False  # "revenue from March" is March itself
        span = self._relative_phrase(p) if re.match(r"(?:last|this|the)\s", p) else self.point(p)
        if span is None or span.start > self.as_of:
            return False
        start = span.end + dt.timedelta(days=1) if w == "after" else span.start
        name = f"since {fmt_day(start)}" if span.unit == "day" else None
        return TimeSpan(start, self.as_of, "range", (0, 0), name=name, bare=span.bare)

    def _h_onwards(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        """"2024 onwards", "march 2025 and later", "jan to date": from the start of that period to the end of the data."""
        span = self.point(m.group("p"))
        if span is None or span.start > self.as_of or (m.group("tail").endswith(("date", "now")) and span.unit != "month"):
            return False  # "q1 to date" is the quarter so far, not from q1 on
        return TimeSpan(span.start, self.as_of, "range", (0, 0), bare=span.bare)

    def _h_until(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        span = self.point(m.group("p"))
        if span is None:
            return False
        end = span.start - dt.timedelta(days=1) if m.group("w") in ("before", "prior to") else span.end
        return TimeSpan(self.data_start, end, "range", (0, 0), open_start=True, bare=span.bare)

    def _h_all(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        info.all_time = True
        return TimeSpan(self.data_start, self.as_of, "all", (0, 0), name="all time", open_start=True)

    def _h_horizon(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        n = m.group("n") or m.group("n2")
        u = _unit(m.group("u") or m.group("u2"))
        info.horizon = (to_int(n) if n else 1, u)
        return None

    def _h_horizon_end(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        u = m.group("u") or m.group("u2") or m.group("u3")
        if u.isdigit():
            info.horizon_end = D(int(u), 12, 31)
        else:
            info.horizon_end = unit_range(u, self.as_of + DAY1)[1] if unit_range(u, self.as_of)[1] == self.as_of \
                else unit_range(u, self.as_of)[1]
        return None

    def _h_point(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        s = m.group("p")
        if re.fullmatch(r"may\.?", s.strip()):  # the month, not the verb
            before = re.findall(r"[a-z']+", text[: m.start()])
            after = re.findall(r"[a-z']+", text[m.end():])
            if (before and before[-1] in _MAY_SUBJECTS) or (after and after[0] in _MAY_VERBS):
                return False
        span = self.point(s)
        if span is None:
            return False
        if span.unit == "year" and re.match(r"fy", s.strip()):
            info.notes.append(f"'{s.strip()}' read as the calendar year {span.start.year}")
        return span

    def _h_day(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        s = m.group(0)
        back = 2 if "before" in s else 1 if "yesterday" in s else 0
        d = self.as_of - dt.timedelta(days=back)
        if back == 0:
            info.notes.append(f"'{s}' read as {fmt_day(d)}, the latest day in the data")
        return TimeSpan(d, d, "day", (0, 0))

    def _h_todate(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        s = m.group(0)
        if re.search(r"so\s+far\s+in\s+(20\d\d)", s):
            y = int(re.search(r"20\d\d", s).group(0))  # type: ignore[union-attr]
            return TimeSpan(D(y, 1, 1), min(self.as_of, D(y, 12, 31)), "todate", (0, 0), rel_unit="year")
        u = {"w": "week", "m": "month", "q": "quarter", "y": "year"}[s[0]] if re.fullmatch(r"[wmqy]td", s) else \
            _unit(re.search(r"week|month|quarter|year|qtr|yr|mth|wk", s).group(0))  # type: ignore[union-attr]
        a, b = unit_range(u, self.as_of)
        return self._todate(a, u)

    def _todate(self, a: dt.date, u: str) -> TimeSpan:
        full = unit_range(u, a)[1] <= self.as_of
        end = unit_range(u, a)[1] if full else self.as_of
        name = None if full else f"{label(a, unit_range(u, a)[1])} to date"
        return TimeSpan(a, end, "todate" if not full else u, (0, 0), name=name, rel_unit=u)

    def _h_lastn(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        if m.group("n") is None:  # TTM
            n, u, w = 12, "month", "trailing"
        else:
            n, u, w = to_int(m.group("n")), _unit(m.group("u")), m.group("w")
        if n <= 0 or n > 400:
            return False
        a, b = rolling_units(u, n, self.as_of)
        prior = w in ("previous", "prior", "preceding")  # in a follow-up: the N units before the period named
        return TimeSpan(a, b, "rolling", (0, 0), name=f"{'last' if w != 'trailing' else 'trailing'} {n} {u}s"
                        if n > 1 else f"last {u}", rel="prior" if prior else None, rel_unit=u, count=n if prior else 0)

    def _h_before(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        """'the 7 days before that': in a follow-up, the N units before the period named; alone, the N units
        before the last N."""
        n, u = to_int(m.group("n")), _unit(m.group("u"))
        if n <= 0 or n > 400:
            return False
        a, _ = rolling_units(u, n, self.as_of)
        a2, b2 = rolling_units(u, n, a - DAY1)
        return TimeSpan(a2, b2, "rolling", (0, 0), rel="prior", rel_unit=u, count=n)

    def _h_short(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        before = text[max(0, m.start() - 12):m.start()]
        if m.group(0)[0] not in "lt" and not re.search(r"(?:last|past|previous|trailing|rolling|l)\s*$", before):
            return False  # "30d" alone is too terse to be sure
        u = {"d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year"}[m.group("u")]
        a, b = rolling_units(u, int(m.group("n")), self.as_of)
        return TimeSpan(a, b, "rolling", (0, 0), name=f"last {m.group('n')} {u}s", rel_unit=u)

    def _h_ago(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        if m.group("u2"):
            n, u = 2, m.group("u2")
        else:
            n, u = to_int(m.group("n")), _unit(m.group("u"))
        d = self.as_of
        for _ in range(n):
            d = unit_range(u, d)[0] - DAY1
        a, b = unit_range(u, d)
        # "a year earlier": relative to the period already named (a follow-up shifts it), else as "N ago"
        rel = "prior" if n == 1 and m.group(0).rstrip().endswith("earlier") else None
        return TimeSpan(a, b, u, (0, 0), name=f"week of {fmt_day(a)}" if u == "week" else None, rel=rel,
                        rel_unit=u if rel else None)

    def _h_last(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        w, u = m.group("w"), _unit(m.group("u") or m.group("u2") or m.group("u3"))
        prior = w in ("previous", "prior", "preceding") or w is None
        if u == "weekend":
            return self._weekend()
        if w == "past":
            a, b = rolling_units(u, 1, self.as_of, rolling=True)
            return TimeSpan(a, b, "rolling", (0, 0), name=f"past {u}", rel_unit=u)
        a, b = prev_unit_range(u, self.as_of)
        return TimeSpan(a, b, u, (0, 0), name=None, rel="prior" if prior else "last", rel_unit=u)

    def _weekend(self) -> TimeSpan:
        sunday = self.as_of - dt.timedelta(days=(self.as_of.weekday() + 1) % 7)
        return TimeSpan(sunday - DAY1, sunday, "range", (0, 0), name="last weekend")

    def _h_weekday(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        if m.group("d") == "weekend":
            return self._weekend()
        target = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].index(m.group("d"))
        back = (self.as_of.weekday() - target) % 7 or (7 if m.group("w") == "last" else 0)
        d = self.as_of - dt.timedelta(days=back)
        return TimeSpan(d, d, "day", (0, 0))

    def _h_season(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        if not m.group("w") and not m.group("y"):
            return False
        first = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}[m.group("s")]
        y = self._year(m.group("y")) if m.group("y") else None

        def make(yr: int) -> tuple[dt.date, dt.date]:
            a = D(yr - 1, 12, 1) if first == 12 else D(yr, first, 1)
            return a, month_end(*divmod_month(a, 2))

        if y is None and m.group("w") == "this":  # "so far this summer": the season under way, to date
            now = next((make(yr) for yr in (self.as_of.year, self.as_of.year + 1)
                        if make(yr)[0] <= self.as_of <= make(yr)[1]), None)
            if now is not None:
                info.notes.append(f"'this {m.group('s')}' read as {label(now[0], self.as_of)}, the season so far")
                return TimeSpan(now[0], self.as_of, "todate", (0, 0), name=f"{m.group('s')} {now[1].year} to date")
        if y is None:  # the latest season that is over
            y = latest_year(lambda yr: (make(yr)[1], make(yr)[1]), self.as_of)
        a, b = make(y)
        info.notes.append(f"'{m.group('s')}' read as {label(a, b)}")
        return TimeSpan(a, b, "range", (0, 0), name=f"{m.group('s')} {y}")

    def _h_grain(self, m: re.Match[str], info: TimeInfo, text: str) -> object:
        s = m.group(0)
        if re.search(r"\bhour", s):
            info.grain = "day"
            info.notes.append("hourly figures are not available; showing daily")
            return None
        g = re.search(r"dai|dia|day|date|wee|wek|mo|qua|year|annual", s).group(0)  # type: ignore[union-attr]
        info.grain = {"dai": "day", "dia": "day", "date": "day", "annual": "year", "wee": "week", "wek": "week",
                      "mo": "month", "qua": "quarter"}.get(g, g)
        return None

    def _relative_phrase(self, p: str) -> TimeSpan | None:
        mon = re.match(rf"last\s+({MON})\b", p)
        if mon:  # "last july": the latest July before the current month
            n = month_no(mon.group(1))
            year = self.as_of.year if n < self.as_of.month else self.as_of.year - 1
            return TimeSpan(*unit_range("month", dt.date(year, n, 1)), "month", (0, 0))
        u = re.search(r"day|week|month|quarter|year", p)
        if not u:
            return None
        if p.startswith(("this", "the")):
            a, _ = unit_range(u.group(0), self.as_of)
            return TimeSpan(a, self.as_of, "todate", (0, 0))
        a, b = prev_unit_range(u.group(0), self.as_of)
        return TimeSpan(a, b, u.group(0), (0, 0))


def divmod_month(a: dt.date, n: int) -> tuple[int, int]:
    d = add_months(a, n)
    return d.year, d.month


def _moved(span: TimeSpan, where: TimeSpan) -> TimeSpan:
    from dataclasses import replace

    return replace(span, pos=where.pos, text=where.text, bare=False)


def _at(span: TimeSpan, m: re.Match[str]) -> TimeSpan:
    from dataclasses import replace

    return replace(span, pos=(m.start(), m.end()), text=m.group(0))
