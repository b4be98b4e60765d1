"""The periods of a Plan: the stated ones clipped to the data, defaults per kind (said in the notes), the period
to compare with, and forecast horizons and targets."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from shoplens.agent.planner.plan import Plan
from shoplens.tools.artifacts import Period
from shoplens.tools.calendar import dates as P
from shoplens.tools.calendar.parse import TimeSpan
from shoplens.tools.calendar.words import Clipped

if TYPE_CHECKING:
    from shoplens.agent.planner.context import ParseContext
    from shoplens.agent.planner.understand import Parsed
    from shoplens.data.semantic import SemanticLayer

#: The user asked for the period so far ("ytd vs 2025", "Q4 to date vs Q3"): compare the same days.
_TO_DATE = re.compile(r"\b(?:[wmqy]td|to[\s\-]date|so\s+far|same\s+(?:days|point|time))\b")
#: "... vs last quarter": the user named the whole previous unit.
_LAST_UNIT = re.compile(r"\b(?:vs\.?|versus|compared\s+(?:to|with)|against|than|over)\s+(?:the\s+)?(?:last|previous|prior)\s+"
                        r"(?:week|month|quarter|year)\b")
_CHANGE = re.compile(r"\b(?:fell|fall(?:en|ing)?|drop(?:ped|s)?|declin\w*|rose|ris(?:e|en|ing)|gr[eo]w\w*|"
                     r"jump\w*|increas\w*|decreas\w*|chang\w*|went\s+(?:up|down)|shrank|shrink\w*)\b")
GRAIN_DAYS = {"day": 1, "week": 7, "month": 30.44, "quarter": 91.3, "year": 365.25}
FORECAST_DEFAULT = {"day": 30, "week": 12, "month": 6, "quarter": 4}
FORECAST_CAP = {"day": 365, "week": 104, "month": 36, "quarter": 12}
_TIME_KINDS = {"line", "area", "multi_line", "combo", "heatmap", "small_multiples"}
_SERIES_KINDS = {"stacked_bar", "grouped_bar"}  # a time axis when split by exactly one dimension


class PeriodResolver:
    """Mixed into ``Resolver``: needs ``self.ctx`` (the ParseContext), ``self.sem`` and ``self.as_of``."""

    ctx: ParseContext
    sem: SemanticLayer
    as_of: dt.date

    # -------------------------------------------------------------------------------------------- periods
    def period_of(self, span: TimeSpan, plan: Plan) -> Period | None:
        """A TimeSpan clipped to the data (the calendar's rule); None, with the plan made unsupported, when it
        lies wholly outside."""
        return self._apply(self.ctx.calendar.span_period(span), plan)

    def clip(self, a: dt.date, b: dt.date, name: str | None, plan: Plan, *, quiet_start: bool = False,
             what: str = "") -> Period | None:
        return self._apply(self.ctx.calendar.clip(a, b, name, quiet_start=quiet_start, what=what), plan)

    @staticmethod
    def _apply(clipped: Clipped, plan: Plan) -> Period | None:
        if clipped.reason:
            plan.kind, plan.reason = "unsupported", clipped.reason
            return None
        plan.notes.extend(clipped.notes)
        return clipped.period

    def all_time(self, plan: Plan) -> Period | None:
        first = self.ctx.data_start
        return Period(first, self.as_of, P.label(first, self.as_of, "all time")) if first else None

    def latest_month(self, plan: Plan, why: str = "") -> Period:
        a, b = P.last_complete("month", self.as_of)
        plan.notes.append(f"no period given; showing {P.canonical(a, b)}, the latest full month{why}")
        return Period(a, b, P.canonical(a, b))

    def stated_periods(self, plan: Plan, p: Parsed) -> None:
        t, it = p.time, p.intent
        spans = sorted({(s.start, s.end): s for s in t.spans}.values(), key=lambda s: s.pos)
        if it.rank_grain and not plan.grain and plan.kind in ("top", "figure"):
            plan.grain = it.rank_grain
        plan.grain = plan.grain or t.grain
        if plan.campaign_window is not None:
            return  # the executor looks the campaign's days up
        if plan.kind == "forecast":
            self.forecast_periods(plan, p, spans)
            return
        if plan.kind in ("compare", "why"):
            self.compare_periods(plan, p, spans)
            return
        campaign = bool(plan.filters.get("campaign") or p.ents.families)
        units = {s.unit if s.unit != "range" else P.infer_unit(s.start, s.end) for s in spans}
        if plan.kind in ("chart", "trend") and len(spans) >= 2 and len(units) == 1 and \
                units <= {"year", "quarter", "month"}:  # "by category for 2024 vs 2025": both, per year
            a, b = min(s.start for s in spans), max(s.end for s in spans)
            plan.grain = units.pop()
            plan.period = self.clip(a, b, None, plan)
            plan.notes.append(f"showing {' and '.join(s.label for s in spans)} side by side (by {plan.grain})")
            return
        if spans:
            plan.period = self.period_of(spans[0], plan)
            if len(spans) > 1:
                plan.notes.append(f"using {spans[0].label}; ignoring {', '.join(s.label for s in spans[1:])}")
        elif plan.since_first:  # "since launch": the executor finds the first day
            plan.grain = plan.grain or ("month" if plan.kind in ("trend", "chart") else None)
            return
        elif plan.kind == "reviews":
            plan.notes.append("no period given; using all reviews")
        elif plan.kind == "anomalies":
            a = self.as_of - dt.timedelta(days=89)
            plan.period = Period(a, self.as_of, P.label(a, self.as_of, "last 90 days"))
            plan.notes.append("no period given; looking at the last 90 days")
        elif campaign:
            plan.period = self.all_time(plan)
            plan.notes.append("no period given; using all dates for the campaign")
        elif plan.kind == "trend" or (plan.kind == "chart" and (
                plan.grain or not plan.group_by or plan.chart_kind in _TIME_KINDS
                or (plan.chart_kind in _SERIES_KINDS and len(plan.group_by) == 1))):
            plan.grain = plan.grain or "month"
            plan.period = self.trend_default(plan)
        elif plan.kind == "top" and plan.grain and not plan.group_by:
            plan.period = self.all_time(plan)
            plan.notes.append("no period given; looking at all dates")
        else:
            plan.period = self.latest_month(plan)
        if plan.kind == "anomalies":
            plan.grain = plan.grain or "day"
        if plan.kind in ("trend", "chart") and plan.period and not plan.grain and (
                plan.kind == "trend" or not plan.group_by or plan.chart_kind in _TIME_KINDS):
            plan.grain = P.grain_for_span(plan.period.start, plan.period.end)

    def trend_default(self, plan: Plan) -> Period | None:
        g = plan.grain
        if g == "year":
            plan.notes.append("no period given; showing every year in the data")
            return self.all_time(plan)
        if g == "day":
            a, b = self.as_of - dt.timedelta(days=29), self.as_of
            name = "last 30 days"
        elif g == "week":
            b = P.last_complete("week", self.as_of)[1]
            a, name = b - dt.timedelta(days=7 * 13 - 1), "last 13 weeks"
        else:
            n = 8 if g == "quarter" else 12
            a, b = P.rolling_units(g or "month", n, self.as_of)
            name = f"last {n} {g or 'month'}s"
        plan.notes.append(f"no period given; showing the {name}")
        return Period(a, b, P.label(a, b, name))

    def compare_periods(self, plan: Plan, p: Parsed, spans: list[TimeSpan]) -> None:
        t = p.time
        if len(spans) == 1 and spans[0].ends and not t.compare_mode and _CHANGE.search(p.text):
            # "why did X fall from Aug to Oct": October against August, not Aug-Oct against May-Jul
            (fa, fb), (ta, tb) = spans[0].ends
            plan.compare_mode = "explicit"
            plan.period = self.clip(ta, tb, None, plan)
            plan.compare_period = self.clip(fa, fb, None, plan, what="the comparison period ")
            return
        if len(spans) >= 2 and spans[1].rel == "prior" and spans[0].rel != "prior":
            # "black friday week 2025 compared with the week before": the period just before the first one
            plan.compare_mode = "explicit"
            plan.period = self.period_of(spans[0], plan)
            if plan.period is not None:
                ca, cb = P.previous_period(plan.period.start, plan.period.end)
                plan.compare_period = self.clip(ca, cb, None, plan, what="the comparison period ")
            return
        spans = _without_qualifying_years(spans)
        if self._same_in_other_year(plan, spans):
            return
        if len(spans) >= 2:
            self._two_periods(plan, p, spans)
            return
        if spans:
            cur = spans[0]
            if t.compare_unit and cur.end - cur.start > dt.timedelta(days=GRAIN_DAYS[t.compare_unit] * 1.5):
                plan.kind, plan.grain = "trend", t.compare_unit
                plan.period = self.period_of(cur, plan)
                plan.notes.append(f"showing the {t.compare_unit}-by-{t.compare_unit} series")
                return
            plan.period = self.period_of(cur, plan)
            event = self.sem.event(cur.event) if cur.event else None
        else:
            if t.compare_unit:
                a, b = P.last_complete(t.compare_unit, self.as_of)
                plan.period = Period(a, b, P.label(a, b))
                plan.notes.append(f"no period given; comparing {plan.period.label}, the latest full "
                                  f"{t.compare_unit}")
            else:
                plan.period = self.latest_month(plan)
            event = None
        if plan.period is None:
            return
        ytd = bool(spans) and spans[0].unit in ("todate", "year") and plan.period.start.month == 1 and \
            plan.period.start.day == 1
        mode = t.compare_mode or ("yoy" if event or ytd or P.infer_unit(plan.period.start, plan.period.end) == "year"
                                  else "previous")
        plan.compare_mode = mode
        a, b = plan.period.start, plan.period.end
        if mode == "yoy" or event:
            ca, cb = P.year_ago(a, b, event)
            name = f"{P.event_base(event)} {ca.year}" if event else None
            if event is None:
                plan.notes.append(f"compared with the same period a year earlier ({P.label(ca, cb)})")
        elif spans and spans[0].unit == "rolling":  # "last 30 days vs the previous 30": the same number of days
            ca, cb = P.compare_window(a, b, "previous", rolling=True)
            name = None
        else:
            ca, cb = P.previous_period(a, b)
            name = None
            u = t.compare_unit
            if spans and spans[0].unit == "todate" and u in ("week", "month", "quarter", "year") \
                    and P.unit_range(u, a)[0] == a and _LAST_UNIT.search(p.text) and not _TO_DATE.search(p.text):
                ca, cb = P.prev_unit_range(u, a)  # "this quarter vs last quarter": all of last quarter, flagged
                plan.notes.append(_not_over(plan.period, P.label(ca, cb)))
        plan.compare_period = self.clip(ca, cb, name, plan, what="the comparison period ")

    def _two_periods(self, plan: Plan, p: Parsed, spans: list[TimeSpan]) -> None:
        """'revenue Q4 vs Q3': the later period against the earlier one, in full unless the user asked for the
        period so far ('ytd vs 2025': the same days)."""
        early, late = sorted(spans[:2], key=lambda s: (s.start, s.end))
        plan.compare_mode = "explicit"
        plan.period = self.period_of(late, plan)
        if plan.period is None:
            return
        a, b = early.start, early.end
        partial = plan.period.end < late.end or late.unit == "todate"  # "this year so far vs 2025"
        shorter = (plan.period.end - plan.period.start) < (b - a)
        if partial and shorter and _TO_DATE.search(p.text):  # "ytd vs 2025", "Q4 so far vs Q3": like for like
            b = min(b, a + (plan.period.end - plan.period.start))
            plan.notes.append(f"{late.label} is not over yet; comparing the same days of {early.label}")
            plan.compare_period = self.clip(a, b, None, plan, what="the comparison period ")
        else:  # "this quarter vs last quarter": the period the user named, in full, with a warning
            plan.compare_period = self.period_of(early, plan)
            if partial and shorter and plan.compare_period is not None:
                plan.notes.append(_not_over(plan.period, plan.compare_period.label))

    def _same_in_other_year(self, plan: Plan, spans: list[TimeSpan]) -> bool:
        """'black friday weekend 2025 vs 2024': the same event (or dates) in the other year."""
        if not (len(spans) >= 2 and _year_only(spans[1]) and not _year_only(spans[0])
                and spans[0].end - spans[0].start < dt.timedelta(days=300)):
            return False
        plan.compare_mode = "explicit"
        plan.period = self.period_of(spans[0], plan)
        if plan.period is not None:
            year = spans[1].start.year
            event = self.sem.event(spans[0].event) if spans[0].event else None
            if event is not None:
                ca, cb = event.window(year)
            else:
                shift = year - plan.period.start.year
                ca, cb = P.shift_years(plan.period.start, shift), P.shift_years(plan.period.end, shift)
            name = f"{P.event_base(event)} {year}" if event else None
            plan.compare_period = self.clip(ca, cb, name, plan, what="the comparison period ")
        return True

    def forecast_periods(self, plan: Plan, p: Parsed, spans: list[TimeSpan]) -> None:
        t = p.time
        if t.horizon and t.horizon[0] == 1 and t.horizon[1] in ("week", "month", "quarter", "year") and not spans:
            u = t.horizon[1]  # "next month": the next calendar month
            a, b = P.unit_range(u, P.unit_range(u, self.as_of)[1] + P.DAY1)
            spans = [TimeSpan(a, b, u, (0, 0), text=f"next {u}")]
            t = replace(t, horizon=None)
            grain = plan.grain or t.grain or {"week": "day", "month": "week"}.get(u, "month")
            plan.grain = grain
        unit = t.horizon[1] if t.horizon else None
        if unit in ("quarter", "year") or (unit == "month" and t.horizon and t.horizon[0] >= 3):
            unit = "month"
        elif unit == "month":
            unit = "week"
        grain = plan.grain or t.grain or unit
        future = [s for s in spans if s.end > self.as_of] or [self._next(s) for s in spans if s.bare]
        days: float | None = None
        if t.horizon:
            days = t.horizon[0] * GRAIN_DAYS[t.horizon[1]]
        elif t.horizon_end:
            days = (t.horizon_end - self.as_of).days
        elif future:
            target = future[-1]
            days = (target.end - self.as_of).days
            aligned = P.infer_unit(target.start, target.end) in ("month", "quarter", "half", "year")
            grain = grain or ("month" if aligned else "day" if target.unit in ("event", "day") or days <= 45
                              else "week")
            plan.notes = [n for n in plan.notes if not n.startswith(f"'{target.text.strip()}' read as")]
            if target.bare:
                plan.notes.append(f"'{target.text.strip()}' read as the next one, {target.label}")
        grain = grain if grain in FORECAST_DEFAULT else ("month" if grain == "year" else "week")
        if days is None:
            h = FORECAST_DEFAULT[grain]
            plan.notes.append(f"no horizon given; forecasting the next {h} {grain}s")
        elif grain in ("month", "quarter"):
            end = self.as_of + dt.timedelta(days=days)
            months = (end.year - self.as_of.year) * 12 + end.month - self.as_of.month
            months += 0 if P.last_complete("month", self.as_of)[1] == self.as_of else 1
            h = max(1, math.ceil(months / (3 if grain == "quarter" else 1)))
        else:
            h = max(1, math.ceil(days / GRAIN_DAYS[grain] - 1e-6))
        if h > FORECAST_CAP[grain]:
            plan.notes.append(f"horizon capped at {FORECAST_CAP[grain]} {grain}s")
            h = FORECAST_CAP[grain]
        plan.grain, plan.horizon = grain, h
        a = self.as_of + dt.timedelta(days=1)
        if grain in ("month", "quarter"):
            start = P.unit_range(grain, a)[0]
            b = P.month_end(*_ym(P.add_months(start, h * (3 if grain == "quarter" else 1) - 1)))
        else:
            b = self.as_of + dt.timedelta(days=h * (7 if grain == "week" else 1))
        plan.period = Period(a, b, P.label(a, b, f"next {h} {grain}{'s' if h > 1 else ''}"))
        if future and days is not None and (future[-1].start > a or future[-1].end < b):
            plan.period = Period(max(a, future[-1].start), future[-1].end, future[-1].label)  # the target window
            plan.notes.append(f"forecasting {h} {grain}s ahead to cover {future[-1].label}")
        elif future and (future[-1].start, future[-1].end) == (a, b):
            plan.period = Period(a, b, future[-1].label)
        if plan.group_by:
            plan.notes.append(f"forecasting the total (a forecast per {plan.group_by[0]} is not offered offline)")
            plan.group_by = []

    def _next(self, s: TimeSpan) -> TimeSpan:
        """A year-less period or event for a forecast means its next occurrence ('forecast Q3', 'Black Friday')."""
        from dataclasses import replace

        name = s.name
        if s.event:
            ev = self.sem.event(s.event)
            a, b = ev.window_or_none(s.start.year + 1) or (P.shift_years(s.start, 1), P.shift_years(s.end, 1))
            name = f"{P.event_base(ev)} {a.year}"
        else:
            a, b = P.shift_years(s.start, 1), P.shift_years(s.end, 1)
            if s.end == P.month_end(s.end.year, s.end.month):
                b = P.month_end(b.year, b.month)
            name = re.sub(str(s.start.year), str(a.year), name) if name else None
        return replace(s, start=a, end=b, name=name)


def _ym(d: dt.date) -> tuple[int, int]:
    return d.year, d.month


def _year_only(s: TimeSpan) -> bool:
    """A bare calendar year ("2024"), not an event or dates within it."""
    return s.unit == "year" and not s.event and s.start.month == 1 and s.start.day == 1


def _without_qualifying_years(spans: list[TimeSpan]) -> list[TimeSpan]:
    """Drop a bare year that only says which year a neighbouring event or dates are in ("easter weekend revenue
    2026 vs easter 2025": the 2026 names the first Easter's year)."""
    out = []
    for k, s in enumerate(spans):
        near = spans[max(0, k - 1):k] + spans[k + 1:k + 2]
        if _year_only(s) and any(not _year_only(o) and o.start.year == s.start.year and o.end.year == s.start.year
                                 for o in near):
            continue
        out.append(s)
    return out


def _not_over(current: Period, whole: str) -> str:
    """The note when an unfinished period is compared with the whole of the one the user named."""
    days = (current.end - current.start).days + 1
    return (f"{current.label} is not over yet ({days} days of data), against all of {whole}; add 'to date' to "
            f"compare the same days")
