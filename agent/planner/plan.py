"""The offline planner's intermediate form: what a question asks, fully resolved against the warehouse.

``understand(question, state) -> Plan`` (agent/planner/understand.py) fills it; ``execute(plan) -> events``
(agent/planner/execute.py) answers it through the tools. Follow-ups merge a new question into the last Plan.

The facts each kind of answer carries are typed in ``tools/facts.py`` (the facts contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from shoplens.tools.artifacts import Period

KINDS = (
    "figure",  # a single number: "revenue last month"
    "breakdown",  # by a dimension: "revenue by channel in 2025"
    "top",  # top/bottom N: "top 5 products by units this year"
    "compare",  # vs previous period / same period last year / two named periods
    "trend",  # over time, with a chart: "monthly revenue trend for Beauty"
    "chart",  # chart by description: "stacked bars of monthly revenue by channel for 2025"
    "forecast",  # "forecast Electronics revenue for the next 8 weeks"
    "reviews",  # sentiment and complaints: "what are customers complaining about for Aurora X2?"
    "anomalies",  # unusual days: "any unusual days in March 2025?"
    "why",  # drivers of a change: "why did Electronics revenue drop in October?"
    "describe",  # "what data do you have?", "which metrics can I ask about?"
    "clarify",  # ambiguous: ask one short question with choices
    "unsupported",  # cannot answer offline: say so, offer what it can do
)


@dataclass
class Plan:
    kind: str
    metric: str | None = None
    also: list[str] = field(default_factory=list)  # a second measure (dual axis, scatter)
    filters: dict[str, list[str]] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # values left out ("excluding books"), for wording
    period: Period | None = None
    compare_mode: str | None = None  # "previous" | "yoy" | "explicit"
    compare_period: Period | None = None
    group_by: list[str] = field(default_factory=list)
    grain: str | None = None  # day | week | month | quarter | year
    top_n: int | None = None
    order: str = "desc"  # desc (top) | asc (bottom)
    chart_kind: str | None = None  # line, bar, hbar, stacked_bar, grouped_bar, area, scatter, heatmap, ...
    horizon: int | None = None
    model: str | None = None  # forecast model
    question: str = ""
    clarify: str | None = None  # the clarifying question (kind == "clarify")
    choices: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # assumptions said out loud ("'sales' read as revenue")
    reason: str | None = None  # why it is unsupported
    confidence: float = 1.0
    share_of: str | None = None  # a figure that is the share of this dimension's filtered values in the total
    per: str | None = None  # an average per day | week | month (of the period), or per weekday (by weekday)
    winner: bool = False  # "which channel has the best ROAS": the winner, shown within the full ranking
    share_in: str | None = None  # a figure that is the metric's share of this larger measure (part_of)
    # "during <campaign> vs the same days in <year>": (campaign, year or 0 for a year earlier); the executor finds
    # the campaign's days; the campaign itself is no longer a filter
    campaign_window: tuple[str, int] | None = None
    since_first: bool = False  # "since launch": from the first day the filtered values sold
    shares: bool = False  # "what % of orders came from each channel": every value with its share of the total
    lang: str = "en"  # the question's language: "zh" questions are read through agent/planner/zh_translate.py
    subject: dict[str, list[str]] = field(default_factory=dict)  # a declined question's names (for 'it')
    shown: dict[str, list[str]] = field(default_factory=dict)  # after answering: the values a ranking showed

    def merged(self, **changes: Any) -> Plan:
        return replace(self, **changes)
