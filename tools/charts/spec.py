"""The declarative chart spec: what to draw, never how. A spec round-trips through JSON (``to_dict``/``from_dict``).

Kinds: line, multi_line, area, bar, hbar (sorted horizontal bars), stacked_bar, grouped_bar, scatter, histogram,
heatmap, combo (bars + a line on a second axis), small_multiples, forecast (fan chart) and ``auto``, which picks
the kind an analyst would from the data (see ``shoplens.tools.charts.data.choose_kind``).

Validation errors are ``UserInputError`` messages that name the bad field, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field, fields
from typing import Any

from shoplens.data.errors import UserInputError
from shoplens.tools.formatting import LANGS, UNITS

KINDS = (
    "auto",
    "line",
    "multi_line",
    "area",
    "bar",
    "hbar",
    "stacked_bar",
    "grouped_bar",
    "scatter",
    "histogram",
    "heatmap",
    "combo",
    "small_multiples",
    "forecast",
)
KIND_ALIASES = {
    "column": "bar",
    "columns": "bar",
    "vbar": "bar",
    "horizontal_bar": "hbar",
    "barh": "hbar",
    "bars": "bar",
    "stacked": "stacked_bar",
    "stacked_bars": "stacked_bar",
    "grouped": "grouped_bar",
    "grouped_bars": "grouped_bar",
    "multiline": "multi_line",
    "lines": "multi_line",
    "hist": "histogram",
    "dual_axis": "combo",
    "dual": "combo",
    "fan": "forecast",
    "fan_chart": "forecast",
    "facets": "small_multiples",
    "facet": "small_multiples",
    "stacked_area": "area",
    "calendar": "heatmap",
    "horizontal_bars": "hbar",
    "bar_chart": "bar",
    "line_chart": "line",
    "scatter_plot": "scatter",
}
SORTS = ("desc", "asc", "x", "none")
SORT_ALIASES = {"descending": "desc", "ascending": "asc", "label": "x", "natural": "none", "value": "desc"}
MAX_TOP_N = 500


def _closest(word: str, options: list[str] | tuple[str, ...]) -> str:
    near = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean '{near[0]}'?" if near else ""


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise UserInputError(f"{what} must be a date like 2025-11-28, got {value!r}.") from None


@dataclass(frozen=True)
class Annotation:
    """A note pinned to a point: ``x`` is a date (time axes) or a category; ``y`` defaults to the data there."""

    x: Any
    text: str
    y: float | None = None

    def to_dict(self) -> dict[str, Any]:
        x = self.x.isoformat() if isinstance(self.x, dt.date) else self.x
        return {"x": x, "text": self.text, "y": self.y}

    @classmethod
    def from_any(cls, value: Any) -> Annotation:
        if isinstance(value, Annotation):
            return value
        if not isinstance(value, dict) or "x" not in value or "text" not in value:
            raise UserInputError(
                f"An annotation needs 'x' and 'text', e.g. {{'x': '2025-03-14', 'text': 'Outage'}}; "
                f"got {value!r}."
            )
        y = value.get("y")
        return cls(x=value["x"], text=str(value["text"]), y=None if y is None else float(y))


@dataclass(frozen=True)
class EventMark:
    """A calendar event to mark on a time axis: one day (``end`` None) or a range such as Black Friday-Cyber Monday."""

    name: str
    start: dt.date
    end: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
        }

    @classmethod
    def from_any(cls, value: Any) -> EventMark:
        if isinstance(value, EventMark):
            return value
        if isinstance(value, tuple | list) and len(value) in (2, 3):
            value = {"name": value[0], "start": value[1], "end": value[2] if len(value) == 3 else None}
        if (
            not isinstance(value, dict)
            or "name" not in value
            or ("start" not in value and "date" not in value)
        ):
            raise UserInputError(
                f"An event needs 'name' and 'start' (and optional 'end'), "
                f"e.g. {{'name': 'Singles Day', 'start': '2025-11-11'}}; got {value!r}."
            )
        start = _date(value.get("start", value.get("date")), f"Event {value['name']!r} start")
        end = _date(value["end"], f"Event {value['name']!r} end") if value.get("end") else None
        if end is not None and end < start:
            raise UserInputError(f"Event {value['name']!r} ends ({end}) before it starts ({start}).")
        return cls(name=str(value["name"]), start=start, end=None if end == start else end)


@dataclass
class ChartSpec:
    """What to draw. Column names refer to the frame handed to the renderer.

    - ``x``: the horizontal dimension (a date, a category, or a measure for scatter); ``y``: one or more measures.
    - ``series``: a column that splits the data into coloured series (lines, stacks, groups, heatmap rows).
    - ``facets``: a column that splits the data into small multiples.
    - ``sort``: desc | asc (by the first measure) | x (by label) | none (keep order); ``top_n``: keep the N largest.
    - ``units``: measure -> currency | count | percent (fraction) | ratio | rating | number; ``labels``: column ->
      display name. ``period_label`` and ``filters`` build the subtitle when ``subtitle`` is empty.
    - ``events``: calendar events to mark; ``annotations``: notes pinned to points; ``annotate_peak``: label the max.
    - ``backtest_start``: forecast charts shade the backtest window from this date to the last actual.
    - ``label``: a column naming scatter points (labelled when there are few).
    - ``lang``: en | zh, the language of numbers, dates and fixed words (万/亿 for zh); ``currency``: the symbol
      for currency amounts ($ when empty).
    """

    kind: str = "auto"
    x: str | None = None
    y: list[str] = field(default_factory=list)
    series: str | None = None
    facets: str | None = None
    sort: str | None = None
    top_n: int | None = None
    title: str = ""
    subtitle: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    events: list[EventMark] = field(default_factory=list)
    annotate_peak: bool = True
    backtest_start: dt.date | None = None
    period_label: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    label: str | None = None
    lang: str = "en"
    currency: str = ""
    width: float = 10.0
    height: float = 5.625
    dpi: int = 120

    def __post_init__(self) -> None:
        self.kind = _normalize_kind(self.kind)
        if isinstance(self.y, str):
            self.y = [self.y]
        if not isinstance(self.y, list | tuple) or not all(isinstance(m, str) and m for m in self.y):
            raise UserInputError(
                f"Chart 'y' must be a measure column name or a list of them, got {self.y!r}."
            )
        self.y = list(self.y)
        if len(set(self.y)) != len(self.y):
            raise UserInputError(f"Chart 'y' lists a measure twice: {self.y}.")
        for name in ("x", "series", "facets", "label"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise UserInputError(f"Chart '{name}' must be a column name, got {value!r}.")
        if self.sort is not None:
            s = str(self.sort).strip().lower()
            s = SORT_ALIASES.get(s, s)
            if s not in SORTS:
                raise UserInputError(
                    f"Chart 'sort' must be one of {', '.join(SORTS)}; got {self.sort!r}." + _closest(s, SORTS)
                )
            self.sort = s
        if self.top_n is not None:
            if (
                isinstance(self.top_n, bool)
                or not isinstance(self.top_n, int | float)
                or int(self.top_n) != self.top_n
            ):
                raise UserInputError(f"Chart 'top_n' must be a whole number, got {self.top_n!r}.")
            if not 1 <= int(self.top_n) <= MAX_TOP_N:
                raise UserInputError(f"Chart 'top_n' must be between 1 and {MAX_TOP_N}, got {self.top_n}.")
            self.top_n = int(self.top_n)
        if not isinstance(self.units, dict):
            raise UserInputError(f"Chart 'units' must map measure -> unit, got {self.units!r}.")
        for measure, unit in self.units.items():
            if unit not in UNITS:
                raise UserInputError(
                    f"Unit {unit!r} for {measure!r} is not known; use one of {', '.join(UNITS)}."
                    + _closest(str(unit), UNITS)
                )
        if not isinstance(self.labels, dict):
            raise UserInputError(f"Chart 'labels' must map column -> display name, got {self.labels!r}.")
        if not isinstance(self.filters, dict):
            raise UserInputError(f"Chart 'filters' must map dimension -> values, got {self.filters!r}.")
        self.filters = {
            str(k): [str(v) for v in (vals if isinstance(vals, list | tuple) else [vals])]
            for k, vals in self.filters.items()
        }
        self.annotations = [Annotation.from_any(a) for a in (self.annotations or [])]
        self.events = [EventMark.from_any(e) for e in (self.events or [])]
        if self.backtest_start is not None:
            self.backtest_start = _date(self.backtest_start, "Chart 'backtest_start'")
        for name, lo, hi in (("width", 3.0, 30.0), ("height", 2.0, 20.0), ("dpi", 50, 400)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                raise UserInputError(
                    f"Chart '{name}' must be a number between {lo:g} and {hi:g}, got {value!r}."
                )
        self.dpi = int(self.dpi)
        if self.lang not in LANGS:
            raise UserInputError(f"Chart 'lang' must be one of {', '.join(LANGS)}, got {self.lang!r}.")
        if self.kind in ("scatter",) and self.x is None and len(self.y) not in (0, 2):
            raise UserInputError("A scatter chart needs two measures: set 'x' to one and 'y' to the other.")
        if self.kind == "combo" and self.y and len(self.y) < 2:
            raise UserInputError(
                "A combo chart needs two measures in 'y': the first as bars on the left axis, the "
                "second as a line on the right axis (e.g. ['revenue', 'avg_sentiment'])."
            )
        if self.kind == "small_multiples" and not self.facets:
            raise UserInputError(
                "Small multiples need 'facets': the column that splits the panels (e.g. 'category')."
            )

    # ---- helpers used by the renderer -------------------------------------------------------------------------
    def unit(self, measure: str) -> str:
        return self.units.get(measure, "number")

    def label_of(self, column: str | None) -> str:
        if not column:
            return ""
        return self.labels.get(column) or column.replace("_", " ").strip().capitalize()

    def columns(self) -> list[str]:
        """Every column the spec names (for checking against a frame)."""
        names = [self.x, *self.y, self.series, self.facets, self.label]
        return [n for n in names if n]

    # ---- JSON -------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "annotations":
                value = [a.to_dict() for a in value]
            elif f.name == "events":
                value = [e.to_dict() for e in value]
            elif f.name == "backtest_start":
                value = value.isoformat() if value else None
            elif isinstance(value, dict):
                value = {k: (list(v) if isinstance(v, list) else v) for k, v in value.items()}
            elif isinstance(value, list):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartSpec:
        """Build a spec from JSON-like data (a model's tool arguments, a saved spec); unknown keys are refused."""
        if isinstance(data, ChartSpec):
            return data
        if not isinstance(data, dict):
            raise UserInputError(f"A chart spec must be an object of fields, got {type(data).__name__}.")
        known = [f.name for f in fields(cls)]
        unknown = [k for k in data if k not in known]
        if unknown:
            k = unknown[0]
            raise UserInputError(
                f"Unknown chart spec field {k!r}.{_closest(k, known)} Valid fields: {', '.join(known)}."
            )
        kwargs = {k: v for k, v in data.items() if v is not None or k in ("x", "series", "facets", "label")}
        if "y" in kwargs and kwargs["y"] is None:
            kwargs["y"] = []
        return cls(**kwargs)

    def replace(self, **changes: Any) -> ChartSpec:
        d = self.to_dict()
        d.update(changes)
        return ChartSpec.from_dict(d)


def _normalize_kind(kind: Any) -> str:
    if not isinstance(kind, str) or not kind.strip():
        raise UserInputError(f"Chart 'kind' must be a string such as 'line' or 'auto', got {kind!r}.")
    k = kind.strip().lower().replace("-", "_").replace(" ", "_")
    k = KIND_ALIASES.get(k, k)
    if k not in KINDS:
        raise UserInputError(f"Unknown chart kind {kind!r}.{_closest(k, KINDS)} Kinds: {', '.join(KINDS)}.")
    return k
