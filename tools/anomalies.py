"""Find unusual days (or weeks, months) in a metric: each point is compared with what is normal for it.

Expected value (daily data): the local level (median of the two weeks on each side) times the weekday's typical
ratio to it, so a Sunday is compared with Sundays and slow trends are not flagged; weekly and monthly points are
compared with the median of their neighbours. The residual
(on a log scale for sums and counts, so a 40% drop on a busy day counts like one on a quiet day) is scored with a
robust z-score (median absolute deviation), so the outliers themselves do not hide each other. Points that fall on
a calendar event the semantic layer knows (Black Friday, Singles' Day, ...) are tagged with it.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Period, Table, ToolOutput, jsonable
from shoplens.tools.formatting import format_date, format_value
from shoplens.tools.metric_query import (
    QueryMetricTool,
    as_date,
    clean_filters,
    data_start,
    filters_text,
    is_additive,
    label_value,
    period_label,
)
from shoplens.tools.requests import AnomalyRequest

if TYPE_CHECKING:
    import pandas as pd

    from shoplens.tools.context import ToolContext

#: days queried on each side of the window, so the first and last points have neighbours
PAD_DAYS = {"day": 21, "week": 35, "month": 100}
NEIGHBOURS = {"week": 4, "month": 3}
LEVEL_DAYS = 14
Z_THRESHOLD = 3.5
Z_LOOSE = 3.0
MIN_REL_CHANGE = 0.12  # ignore statistically odd but small moves (< 12% from expected)
BIG_REL_CHANGE = 0.40
MIN_LOG_SIGMA = 0.03  # a floor on the noise level, so a very smooth series does not flag tiny wobbles
MAX_REPORTED = 12
DEFAULT_DAYS = 90
EVENT_SLACK_DAYS = 2  # sale days spill over: a spike within 2 days of an event is tagged "around <event>"


@dataclass
class Detection:
    metric: str
    frame: pd.DataFrame  # period, [by], value, expected, z, unusual (only the asked window)
    anomalies: list[dict[str, Any]]
    sql: str
    period: Period
    by: str | None = None
    warnings: list[str] = field(default_factory=list)


def _neighbour_median(values: np.ndarray, offsets: list[int]) -> np.ndarray:
    """Median of values[i + off] for each offset (NaN-aware), never including the point itself; NaN when fewer
    than three neighbours exist."""
    n = len(values)
    stack = np.full((len(offsets), n), np.nan)
    for row, off in enumerate(offsets):
        if off < 0:
            stack[row, -off:] = values[: n + off]
        else:
            stack[row, : n - off] = values[off:]
    enough = np.sum(~np.isnan(stack), axis=0) >= 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        med = np.nanmedian(stack, axis=0)
    return np.where(enough, med, np.nan)


def expected_values(values: np.ndarray, grain: str, weekdays: np.ndarray | None = None) -> np.ndarray:
    """What is normal for each point. Daily: the local level (median of the 14 days on each side) times the
    weekday's typical ratio to that level (median over the window), so a Sunday is compared with Sundays.
    Weekly/monthly: the median of the neighbours on each side."""
    if grain != "day" or weekdays is None:
        k = NEIGHBOURS[grain]
        return _neighbour_median(values, [o for j in range(1, k + 1) for o in (-j, j)])
    level = _neighbour_median(values, [o for j in range(1, LEVEL_DAYS + 1) for o in (-j, j)])
    factor = np.ones(len(values))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = values / level
    for w in range(7):
        sel = (weekdays == w) & np.isfinite(ratio)
        if sel.sum() >= 3:
            factor[weekdays == w] = float(np.median(ratio[sel]))
    return level * factor


def score(values: np.ndarray, expected: np.ndarray, log_scale: bool) -> np.ndarray:
    """Robust z-score of each point's residual from its expected value (MAD scale)."""
    if log_scale:
        level = np.nanmedian(values[values > 0]) if np.any(values > 0) else 1.0
        c = max(1.0, 0.01 * float(level))
        with np.errstate(divide="ignore", invalid="ignore"):
            resid = np.log((values + c) / (expected + c))
    else:
        resid = values - expected
    ok = np.isfinite(resid)
    if ok.sum() < 5:
        return np.full(len(values), np.nan)
    center = float(np.median(resid[ok]))
    sigma = 1.4826 * float(np.median(np.abs(resid[ok] - center)))
    if log_scale:
        sigma = max(sigma, MIN_LOG_SIGMA)
    else:
        sigma = max(sigma, 1e-9, 0.02 * float(np.nanmedian(np.abs(values[ok]))))
    return (resid - center) / sigma


def is_unusual(z: Any, rel: Any) -> Any:
    """Clearly outside the normal range: a robust z of 3.5 and a move of 12%, or a very large move (40%) with
    a z of 3 (on small, noisy shops a halved day is worth a look even when noise is high)."""
    z, rel = abs(z), abs(rel)
    return ((z >= Z_THRESHOLD) & (rel >= MIN_REL_CHANGE)) | ((z >= Z_LOOSE) & (rel >= BIG_REL_CHANGE))


def pd_ts(day: dt.date) -> Any:
    import pandas as pd

    return pd.Timestamp(day)


def _bucket_start(day: dt.date, grain: str) -> Any:
    """The first day of the week (Monday) or month holding ``day`` (the day itself for daily points)."""
    import pandas as pd

    ts = pd.Timestamp(day)
    if grain == "week":
        return ts - pd.Timedelta(days=ts.weekday())
    if grain == "month":
        return ts.replace(day=1)
    return ts


class AnomaliesTool:
    """Find unusual days (or weeks) in a metric: actual vs expected (each day against the same weekday in the
    surrounding weeks, scored robustly), with the largest deviations first and known calendar events. Use it for
    'anything unusual', 'spikes', 'drops'."""

    name = "find_anomalies"
    Request = AnomalyRequest

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def call(self, req: AnomalyRequest) -> ToolOutput:
        sem = self.ctx.semantic
        period, _ = req.resolve(self.ctx)
        return self.run(metric=sem.resolve_metric(req.metric),
                        filters={sem.resolve_dimension(k): v for k, v in req.filters.items()},
                        start=period.start if period else None, end=period.end if period else None,
                        grain=req.grain, by=sem.resolve_dimension(req.by) if req.by else None)

    def detect(
        self,
        metric: str = "revenue",
        filters: Mapping[str, Any] | None = None,
        start: Any = None,
        end: Any = None,
        grain: str = "day",
        by: str | None = None,
    ) -> Detection:
        """Score every day (week, month) of the window against what is normal for it; the unusual ones first."""
        sem = self.ctx.semantic
        m = sem.metric(metric)
        grain = grain or "day"
        start_d, end_d = self._window(start, end, grain)
        dims = [sem.dimension(by).name] if by else []
        frame, sql = self._scored(m, clean_filters(sem, filters), dims, start_d, end_d, grain)
        frame = frame[(frame["period"] >= _bucket_start(start_d, grain)) & (frame["period"] <= pd_ts(end_d))]
        rel = (frame["value"] - frame["expected"]) / frame["expected"].where(frame["expected"] != 0).abs()
        frame = frame.assign(change=rel, unusual=is_unusual(frame["z"].fillna(0), rel.fillna(0)))
        frame = frame.reset_index(drop=True)
        period = Period(start_d, end_d, period_label(start_d, end_d))
        warnings = []
        if len(frame) and frame["expected"].isna().all():
            warnings.append("Too little data around this period to say what is normal; widen the period.")
        return Detection(m.name, frame, self._hits(frame, dims, grain), sql, period, dims[0] if dims else None,
                         warnings)

    def _window(self, start: Any, end: Any, grain: str) -> tuple[dt.date, dt.date]:
        if grain not in PAD_DAYS:
            raise UserInputError(
                f"Unusual points can be found per day, week or month, not per '{grain}'.",
                hint="Use grain='day', 'week' or 'month'.",
            )
        as_of = self.ctx.as_of
        end_d = min(as_date(end, "end date") or as_of, as_of)
        start_d = as_date(start, "start date") or end_d - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start_d > end_d:
            raise UserInputError(
                f"The period starts ({start_d}) after the data ends ({end_d}).",
                hint="Pick a period inside the data.",
            )
        return max(start_d, data_start(self.ctx)), end_d

    def _scored(self, m: Any, flt: dict[str, list[str]], dims: list[str], start_d: dt.date, end_d: dt.date,
                grain: str) -> tuple[pd.DataFrame, str]:
        """Values, expected values and robust z-scores per point (and per value of ``dims``), with padding around
        the window so the first and last points have neighbours."""
        import pandas as pd

        pad = dt.timedelta(days=PAD_DAYS[grain])
        as_of = self.ctx.as_of
        first = max(start_d - pad, data_start(self.ctx))  # no padding with days before the data begins
        last = min(end_d + pad, as_of)
        df, sql, _, _ = QueryMetricTool(self.ctx).fetch(metric=m.name, group_by=dims, filters=flt, start=first,
                                                         end=last, grain=grain)
        freq = {"day": "D", "week": "W-MON", "month": "MS"}[grain]
        full = pd.date_range(_bucket_start(first, grain), pd.Timestamp(last), freq=freq)
        weekdays = full.day_of_week.to_numpy()
        df["period"] = pd.to_datetime(df["period"])
        additive = is_additive(m) or m.unit == "count"
        frames = []
        groups = df.groupby(dims[0], dropna=False, sort=False) if dims else [(None, df)]
        for key, part in groups:
            s = part.set_index("period")[m.name].reindex(full)
            if additive:
                s = s.fillna(0.0)  # no orders that day: zero, not missing
            values = s.to_numpy(dtype=float)
            expected = expected_values(values, grain, weekdays)
            z = score(values, expected, log_scale=additive and bool(np.all(np.nan_to_num(values) >= 0)))
            f = pd.DataFrame({"period": full, "value": values, "expected": expected, "z": z})
            if dims:
                f.insert(1, dims[0], label_value(key))
            frames.append(f)
        if not frames:
            return pd.DataFrame(columns=["period", *dims, "value", "expected", "z"]), sql
        return pd.concat(frames, ignore_index=True), sql

    def _hits(self, frame: pd.DataFrame, dims: list[str], grain: str) -> list[dict[str, Any]]:
        hits = frame[frame["unusual"]].copy()
        hits = hits.reindex(hits["z"].abs().sort_values(ascending=False).index)
        out = []
        for _, r in hits.iterrows():
            day = r["period"].date()
            out.append({
                "date": day.isoformat(),
                "value": float(r["value"]),
                "expected": float(r["expected"]),
                "change_pct": float(r["change"]),
                "z": round(float(r["z"]), 1),
                "direction": "high" if r["value"] > r["expected"] else "low",
                "event": self._event(day, grain),
                **({"by": r[dims[0]]} if dims else {}),
            })
        return out

    def _event(self, day: dt.date, grain: str) -> str | None:
        span = {"day": 0, "week": 6, "month": 30}[grain]
        best: tuple[int, str] | None = None
        for e in self.ctx.semantic.events:
            w = e.window_or_none(day.year)
            if w is None:
                continue
            a, b = w
            if (b - a).days > 10:  # seasons (holiday season) explain nothing about a single day
                continue
            gap = (
                0
                if a <= day + dt.timedelta(span) and day <= b
                else min(abs((a - day).days), abs((day - b).days))
            )
            if gap <= EVENT_SLACK_DAYS and (best is None or gap < best[0]):
                best = (gap, e.label if gap == 0 else f"around {e.label}")
        return best[1] if best else None

    def run(
        self,
        metric: str = "revenue",
        filters: Mapping[str, Any] | None = None,
        start: Any = None,
        end: Any = None,
        grain: str = "day",
        by: str | None = None,
    ) -> ToolOutput:
        det = self.detect(metric, filters, start, end, grain, by)
        return self.output(det, grain or "day", clean_filters(self.ctx.semantic, filters))

    def output(self, det: Detection, grain: str, filters: Mapping[str, list[str]]) -> ToolOutput:
        sem = self.ctx.semantic
        m = sem.metric(det.metric)
        facts: dict[str, Any] = {
            "metric": m.name,
            "label": m.label,
            "unit": m.unit,
            "filters": dict(filters),
            "period": det.period.to_dict(),
            "grain": grain,
            "by": det.by,
            "points_checked": int(det.frame["z"].notna().sum()),
            "dates": [
                [a["date"], a["value"], a["expected"], *([a["by"]] if det.by else [])]
                for a in det.anomalies[:MAX_REPORTED]
            ],
            "anomalies": det.anomalies[:MAX_REPORTED],
        }
        cols = [
            "Date",
            *([sem.dimension(det.by).label] if det.by else []),
            m.label,
            "Expected",
            "Change",
            "Robust z",
            "Calendar event",
        ]
        rows = [
            [
                a["date"],
                *([a["by"]] if det.by else []),
                a["value"],
                a["expected"],
                a["change_pct"],
                a["z"],
                a["event"] or "",
            ]
            for a in det.anomalies
        ]
        where = f"{m.label}{', ' + filters_text(sem, filters) if filters else ''}, {det.period.label}"
        table = Table(f"Unusual {grain}s: {where}", cols, [[jsonable(v) for v in r] for r in rows])
        if det.anomalies:
            lines = [
                f"{len(det.anomalies)} unusual {grain}(s) in {where} (of {facts['points_checked']} checked):"
            ]
            for a in det.anomalies[:6]:
                lines.append(
                    f"- {format_date(a['date'], grain)}{' [' + a['by'] + ']' if det.by else ''}: "
                    f"{format_value(a['value'], m.unit)} vs {format_value(a['expected'], m.unit)} expected "
                    f"({format_value(a['change_pct'], 'change')}, z={a['z']})"
                    + (f", {a['event']}" if a["event"] else "")
                )
        else:
            lines = [f"No unusual {grain}s in {where}: every point is within the normal range."]
        return ToolOutput(
            summary="\n".join(lines),
            tables=[table],
            sql=[det.sql],
            facts=facts,
            warnings=det.warnings,
            period=det.period,
        )
