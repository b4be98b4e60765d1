"""The typed arguments of the tools, shared by both answer modes.

One ``MetricRequest`` serves the metric query, the chart and the offline planner; the other tools have their own
small models. The models are forgiving, because small language models send "region" for ["region"], "2025-03" for
a date and {"region": "West"} for {"region": ["West"]}: strings and lists are coerced, unknown keys ignored.
A period can be given in words (``period``: "last quarter", "since Black Friday 2025") and is then resolved by
the one calendar (``tools/calendar``), exactly as the offline planner resolves the same words.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Period
from shoplens.tools.calendar.dates import label, parse_day

if TYPE_CHECKING:
    from shoplens.tools.context import ToolContext

GRAIN_ALIASES = {"daily": "day", "days": "day", "weekly": "week", "weeks": "week", "monthly": "month",
                 "months": "month", "quarterly": "quarter", "quarters": "quarter", "yearly": "year",
                 "annual": "year", "annually": "year", "years": "year"}
ORDER_ALIASES = {"top": "desc", "highest": "desc", "descending": "desc", "largest": "desc", "best": "desc",
                 "bottom": "asc", "lowest": "asc", "ascending": "asc", "smallest": "asc", "worst": "asc"}
Grain = Literal["day", "week", "month", "quarter", "year"]


# --- forgiving coercion --------------------------------------------------------------------------------------------
def as_list(value: Any) -> list[str]:
    if value is None or value == "" or value == {}:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return as_list(json.loads(text))
            except ValueError:
                pass
        return [p.strip() for p in text.split(",") if p.strip()]
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def as_filters(value: Any) -> dict[str, list[str]]:
    if value is None or value == "" or value == []:
        return {}
    if isinstance(value, str):
        text = value.strip()
        try:
            return as_filters(json.loads(text))
        except ValueError:
            pairs = [p.split("=", 1) for p in re.split(r"[;&]", text) if "=" in p]
            if not pairs:
                raise ValueError('filters must be an object like {"region": ["West"]}') from None
            return {k.strip(): as_list(v) for k, v in pairs}
    if isinstance(value, list):  # [{"dimension": "region", "values": [...]}] or [{"region": "West"}]
        out: dict[str, list[str]] = {}
        for item in value:
            if isinstance(item, dict) and "dimension" in item:
                out.setdefault(str(item["dimension"]), []).extend(as_list(item.get("values", item.get("value"))))
            elif isinstance(item, dict):
                for k, v in as_filters(item).items():
                    out.setdefault(k, []).extend(v)
        return out
    if isinstance(value, dict):
        return {str(k): as_list(v) for k, v in value.items() if as_list(v)}
    raise ValueError('filters must be an object like {"region": ["West"]}')


def as_optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in ("", "none", "null", "all", "any") else text


def as_grain(value: Any) -> str | None:
    text = as_optional_str(value)
    return GRAIN_ALIASES.get(text.lower(), text.lower()) if text else None


# --- the models ------------------------------------------------------------------------------------------------------
class Request(BaseModel):
    """Base for tool arguments: unknown keys are ignored, strings and lists are coerced."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PeriodArgs(Request):
    period: str | None = Field(None, description="The period in words, resolved like the user's own words: "
                                                 "'last month', 'Q3 2025', 'last 30 days', 'since Black Friday "
                                                 "2025'. Or give start/end.")
    start: str | None = Field(None, description="First day, inclusive, YYYY-MM-DD. Omit for the start of the data.")
    end: str | None = Field(None, description="Last day, inclusive, YYYY-MM-DD. Omit for the end of the data.")

    v_dates = field_validator("period", "start", "end", mode="before")(
        classmethod(lambda cls, v: as_optional_str(v if not hasattr(v, "isoformat") else v.isoformat())))

    def resolve(self, ctx: ToolContext) -> tuple[Period | None, list[str]]:
        """(the period, what was assumed): ``period`` words through the calendar, else start/end (open ends run
        to the edge of the data), else None (all the data)."""
        if self.period:
            clipped = ctx.calendar.period(self.period)
            return clipped.period, clipped.notes
        a, b = parse_day(self.start), parse_day(self.end, end=True)
        if a is None and b is None:
            return None, []
        if a is not None and b is not None and a > b:
            raise UserInputError(f"The period starts ({a}) after it ends ({b}).", hint="Swap the dates.")
        start, end = a or ctx.data_start, b or ctx.as_of
        return Period(start, end, label(a, b) if (a is None or b is None) else label(start, end)), []


class MetricRequest(PeriodArgs):
    """A metric as one figure, a breakdown, a top/bottom N or a series over time: the query, the chart and the
    offline planner all speak it."""

    metric: str = Field(description="Metric name from the semantic layer, e.g. revenue, units, orders, aov; "
                                    "<metric>_per_<count metric> for a ratio, e.g. orders_per_customers.")
    group_by: list[str] = Field(default_factory=list,
                                description="Dimensions to split by, e.g. [\"category\"] or [\"region\", \"channel\"].")
    filters: dict[str, list[str]] = Field(default_factory=dict,
                                          description='Filters as {dimension: [values]}, e.g. {"region": ["West"]}.')
    grain: Grain | None = Field(None, description="Time grain for a series over time; omit for one figure or a "
                                                  "breakdown.")
    top_n: int | None = Field(None, description="Keep only the top (or bottom) N rows of a breakdown.")
    order: Literal["desc", "asc"] = Field("desc", description="desc = largest first (top N), asc = smallest first.")
    also: list[str] = Field(default_factory=list, description="Extra metrics in the same query, e.g. [\"units\"].")

    v_lists = field_validator("group_by", "also", mode="before")(classmethod(lambda cls, v: as_list(v)))
    v_filters = field_validator("filters", mode="before")(classmethod(lambda cls, v: as_filters(v)))
    v_grain = field_validator("grain", mode="before")(classmethod(lambda cls, v: as_grain(v)))

    @field_validator("order", mode="before")
    @classmethod
    def _order(cls, v: Any) -> str:
        text = (as_optional_str(v) or "desc").lower()
        return ORDER_ALIASES.get(text, text)

    @field_validator("top_n", mode="before")
    @classmethod
    def _top_n(cls, v: Any) -> Any:
        return None if v in (None, "", 0, "0", "null") else v

    def query_args(self, period: Period | None) -> dict[str, Any]:
        """Keyword arguments for ``QueryMetricTool.fetch`` over ``period`` (None: all the data)."""
        return {"metric": self.metric, "group_by": self.group_by, "filters": self.filters,
                "start": period.start if period else None, "end": period.end if period else None,
                "grain": self.grain, "top_n": self.top_n, "order": self.order, "also": self.also}

    def named(self, ctx: ToolContext) -> MetricRequest:
        """The same request with metric and dimension names resolved against the semantic layer (synonyms,
        labels and plurals accepted; unknown names pass through for the tool to explain)."""
        sem = ctx.semantic
        return self.model_copy(update={
            "metric": sem.resolve_metric(self.metric), "also": [sem.resolve_metric(m) for m in self.also],
            "group_by": [sem.resolve_dimension(d) for d in self.group_by],
            "filters": {sem.resolve_dimension(k): v for k, v in self.filters.items()}})


class ChartRequest(MetricRequest):
    kind: str | None = Field(None, description="Chart kind: line, bar, hbar, stacked_bar, grouped_bar, area, "
                                               "multi_line, scatter, heatmap, combo. Omit to choose automatically.")
    title: str | None = Field(None, description="Optional chart title.")

    v_kind = field_validator("kind", "title", mode="before")(classmethod(lambda cls, v: as_optional_str(v)))


class CompareRequest(Request):
    metric: str = Field(description="Metric name, e.g. revenue.")
    current_period: str | None = Field(None, description="The period of interest in words, e.g. 'last month', "
                                                         "'Q3 2025' (or give current_start/current_end).")
    current_start: str | None = Field(None, description="First day of the period of interest, YYYY-MM-DD.")
    current_end: str | None = Field(None, description="Last day of the period of interest, inclusive, YYYY-MM-DD.")
    previous_period: str | None = Field(None, description="The period to compare with, in words (optional).")
    previous_start: str | None = Field(None, description="First day of the period to compare with (optional).")
    previous_end: str | None = Field(None, description="Last day of the period to compare with (optional).")
    compare_to: Literal["previous_period", "same_period_last_year"] = Field(
        "previous_period", description="Used when the period to compare with is not given.")
    filters: dict[str, list[str]] = Field(default_factory=dict, description='e.g. {"category": ["Electronics"]}.')
    by: str | None = Field(None, description="A dimension to show which values drove the change, e.g. brand.")

    v_filters = field_validator("filters", mode="before")(classmethod(lambda cls, v: as_filters(v)))
    v_opt = field_validator("current_period", "current_start", "current_end", "previous_period", "previous_start",
                            "previous_end", "by", mode="before")(classmethod(lambda cls, v: as_optional_str(v)))

    @field_validator("compare_to", mode="before")
    @classmethod
    def _compare_to(cls, v: Any) -> str:
        text = (as_optional_str(v) or "previous_period").lower().replace(" ", "_")
        if "year" in text or text in ("yoy", "ly", "py", "last_yr"):
            return "same_period_last_year"
        return "previous_period"

    def periods(self, ctx: ToolContext) -> tuple[Period, Period]:
        """(current, previous): words through the calendar, dates as given; a missing previous period is the
        period before or the same period last year, by the calendar's one rule."""
        cur = PeriodArgs(period=self.current_period, start=self.current_start, end=self.current_end).resolve(ctx)[0]
        rolling = bool(self.current_period) and ctx.calendar.period(self.current_period).rolling
        if cur is None:
            raise UserInputError("compare_periods needs the current period.",
                                 hint="Give current_period in words or current_start and current_end.")
        prev = PeriodArgs(period=self.previous_period, start=self.previous_start,
                          end=self.previous_end).resolve(ctx)[0]
        if prev is None:
            mode = "yoy" if self.compare_to == "same_period_last_year" else "previous"
            prev = ctx.calendar.compare_with(cur, mode, rolling=rolling)
        return cur, prev


class AnomalyRequest(PeriodArgs):
    metric: str = Field("revenue", description="Metric to scan, e.g. revenue or orders.")
    filters: dict[str, list[str]] = Field(default_factory=dict, description='e.g. {"channel": ["web"]}.')
    grain: Literal["day", "week"] = Field("day", description="day or week.")
    by: str | None = Field(None, description="Optional dimension to find which value drove each unusual day.")

    v_filters = field_validator("filters", mode="before")(classmethod(lambda cls, v: as_filters(v)))
    v_opt = field_validator("by", mode="before")(classmethod(lambda cls, v: as_optional_str(v)))
    v_grain = field_validator("grain", mode="before")(classmethod(lambda cls, v: as_grain(v) or "day"))


class ForecastRequest(Request):
    metric: str = Field("revenue", description="Metric to forecast, e.g. revenue, units or orders.")
    horizon: int = Field(8, ge=1, le=366, description="How many grains ahead, e.g. 8 (weeks) or 3 (months).")
    grain: Literal["day", "week", "month"] = Field("week", description="day, week or month.")
    filters: dict[str, list[str]] = Field(default_factory=dict, description='e.g. {"category": ["Electronics"]}.')
    model: str = Field("auto", description="auto (best by backtest), naive, ets, arima, lstm or ensemble.")

    v_filters = field_validator("filters", mode="before")(classmethod(lambda cls, v: as_filters(v)))
    v_grain = field_validator("grain", mode="before")(classmethod(lambda cls, v: as_grain(v) or "week"))
    v_model = field_validator("model", mode="before")(classmethod(lambda cls, v: as_optional_str(v) or "auto"))


class ReviewRequest(PeriodArgs):
    product: str | None = Field(None, description="A product name (partial names are matched).")
    brand: str | None = Field(None, description="A brand name.")
    category: str | None = Field(None, description="A category name.")
    subcategory: str | None = Field(None, description="A subcategory name (e.g. Audio), when the shop has them.")

    v_opt = field_validator("product", "brand", "category", "subcategory", mode="before")(
        classmethod(lambda cls, v: as_optional_str(v)))


class SqlRequest(Request):
    sql: str = Field(description="One read-only SELECT (or WITH ... SELECT) statement in DuckDB SQL.")

    @field_validator("sql", mode="before")
    @classmethod
    def _sql(cls, v: Any) -> str:
        text = str(v or "").strip()
        fence = re.fullmatch(r"```(?:sql)?\s*(.*?)\s*```", text, re.S | re.I)
        return fence.group(1) if fence else text


class NoArgs(Request):
    pass
