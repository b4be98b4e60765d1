"""The facts contract: the numbers an answer may quote, one typed shape per kind of answer.

Tools and the offline planner produce them (``ToolOutput.facts``, ``AnswerMeta.facts``); the wording, the
grounding check, the evaluation, the LLM agent's merge and the front ends read them. Every shape carries ``kind``
(a ``Literal``), so a reader can narrow to the right one. Values are JSON-ready: periods as
``{"start", "end", "label"}``, percentages as fractions (0.081 = +8.1%), rows as ``[label, value]`` pairs.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias, TypedDict

Kind = Literal["figure", "breakdown", "top", "compare", "trend", "chart", "forecast", "reviews", "anomalies", "why",
               "describe", "clarify", "unsupported"]
Unit = Literal["currency", "count", "percent", "ratio", "rating"]
Row: TypeAlias = list[Any]  # [label, value] (breakdowns add a share or more measures after the value)


class PeriodFacts(TypedDict):
    start: str
    end: str
    label: str


class BaseFacts(TypedDict, total=False):
    kind: Kind
    metric: str  # the semantic layer's metric name
    label: str  # its label for people
    unit: Unit
    filters: dict[str, list[str]]
    excluded: dict[str, list[str]]  # values left out ("excluding books"); ``filters`` holds the rest
    period: PeriodFacts | None
    error: str  # the tool refused: what it said
    ungrounded: list[str]  # LLM mode: figures no tool result contains


class FigureFacts(BaseFacts, total=False):
    value: float | None
    previous_value: float | None
    change_pct: float | None
    change_abs: float | None
    compare_period: PeriodFacts | None
    also: dict[str, dict[str, Any]]  # a second measure: {metric: {label, unit, value, ...}}
    share_of: str  # value is this dimension's filtered values' share of the total
    share_in: str  # value is the measure's share of this larger measure (its part_of)
    part: float | None
    part_unit: str
    total: float | None
    rows: list[Row]
    shares: list[Row]
    per: str  # value is an average per day | week | month


class GroupedFacts(BaseFacts, total=False):
    """breakdown and top."""

    rows: list[Row]
    shares: list[Row]
    total: float | None
    n_groups: int
    group_by: list[str]
    dimension_label: str
    top_n: int
    order: Literal["desc", "asc"]
    top_total: float | None
    top_share: float | None
    per: str  # "weekday": rows are averages per such day
    ranking: list[Row]  # every value in order, when the answer is one winner


class CompareFacts(FigureFacts, total=False):
    by: str
    by_rows: list[Row]
    dimension_label: str
    within_noise: bool


class TrendFacts(BaseFacts, total=False):
    """trend and chart (a chart of a breakdown also carries the grouped keys)."""

    grain: str
    shape: str  # the chart's kind
    total: float | None
    change_pct: float | None  # first full period to last
    change_abs: float | None
    rows: list[Row]
    shares: list[Row]
    n_groups: int
    group_by: list[str]
    series: list[Row]  # [[period_start_iso, value], ...]
    series_by: dict[str, list[Row]]
    series_summary: dict[str, Any]
    first: Row
    last: Row
    peak: Row
    low: Row
    flat: bool
    partial: dict[str, bool]
    dimension_label: str
    also: dict[str, dict[str, Any]]  # a second measure: {metric: {label, unit, first, last, total}}


class ForecastSummary(TypedDict, total=False):
    horizon: int
    grain: str
    model: str
    total: float
    lo: float
    hi: float


class ForecastFacts(BaseFacts, total=False):
    forecast: ForecastSummary


class ReviewsFacts(BaseFacts, total=False):
    aspects: dict[str, list[Row]]  # {"negative": [[aspect, count], ...], "positive": [...]}
    mix: dict[str, float]  # {"positive": share, ...}
    reviews_facts: dict[str, Any]


class AnomalyFacts(BaseFacts, total=False):
    dates: list[Row]  # [[iso, value, expected], ...]
    anomalies: list[dict[str, Any]]
    points_checked: int
    by_dimension: str
    by: str
    grain: str


class WhyFacts(BaseFacts, total=False):
    value: float | None
    previous_value: float | None
    change_pct: float | None
    change_abs: float | None
    compare_period: PeriodFacts | None
    by_dimension: dict[str, Any]
    summable: bool  # contributions add up to the change (sums and counts)
    weight: str | None  # the measure a ratio's change is weighted by
    flat: bool
    within_noise: bool
    dimension: str
    dimension_labels: dict[str, str]
    contributors: list[Row]  # [[label, delta], ...], largest first
    effects: list[dict[str, Any]]
    signals: list[dict[str, Any]]  # returns, reviews, prices, stock-outs, traffic that moved
    spread: float


class DescribeFacts(BaseFacts, total=False):
    tables: dict[str, int]
    metrics: list[str]
    metric_labels: dict[str, str]
    events: list[str]
    dimensions: dict[str, list[str]]
    hidden_metrics: dict[str, str]


class ClarifyFacts(BaseFacts, total=False):
    question: str
    choices: list[str]


class UnsupportedFacts(BaseFacts, total=False):
    reason: str


Facts: TypeAlias = (FigureFacts | GroupedFacts | CompareFacts | TrendFacts | ForecastFacts | ReviewsFacts
                    | AnomalyFacts | WhyFacts | DescribeFacts | ClarifyFacts | UnsupportedFacts)

#: Which shape each kind uses.
SHAPES: dict[str, type] = {
    "figure": FigureFacts, "breakdown": GroupedFacts, "top": GroupedFacts, "compare": CompareFacts,
    "trend": TrendFacts, "chart": TrendFacts, "forecast": ForecastFacts, "reviews": ReviewsFacts,
    "anomalies": AnomalyFacts, "why": WhyFacts, "describe": DescribeFacts, "clarify": ClarifyFacts,
    "unsupported": UnsupportedFacts,
}


def unknown_keys(facts: dict[str, Any]) -> list[str]:
    """Keys ``facts`` has that its kind's shape does not declare (a test keeps producers to the contract)."""
    shape = SHAPES.get(str(facts.get("kind")))
    if shape is None:
        return ["kind"]
    declared: set[str] = set()
    for cls in shape.__mro__:
        declared |= set(getattr(cls, "__annotations__", {}))
    return sorted(set(facts) - declared)
