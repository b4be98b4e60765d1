"""Every tool, declared once.

A tool is a small class in its own module with

- ``name``: what a model calls it;
- ``Request``: its pydantic argument model (``tools/requests.py``; the JSON schema a model sees comes from it);
- a class docstring: the description a model reads;
- ``call(request) -> ToolOutput``;
- optionally ``from_context(ctx, **shared)`` when it is not built from the ``ToolContext`` alone; ``uses``
  ({argument: OtherToolClass}) names shared instances of other tools it needs.

``TOOLS`` lists them with plain imports (visible to static checks, no import strings). The agent's ``Toolbox``
builds and caches one instance of each per warehouse; the LLM agent offers every tool listed here, the offline
planner calls the same instances.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from shoplens.tools.anomalies import AnomaliesTool
from shoplens.tools.artifacts import ToolOutput
from shoplens.tools.charts.query import ChartFromQueryTool
from shoplens.tools.compare import ComparePeriodsTool
from shoplens.tools.context import ToolContext
from shoplens.tools.describe import DescribeDataTool
from shoplens.tools.drivers import DriversTool
from shoplens.tools.forecast import ForecastTool
from shoplens.tools.metric_query import QueryMetricTool
from shoplens.tools.price_elasticity import PriceElasticityTool
from shoplens.tools.requests import Request
from shoplens.tools.reviews.insights import ReviewInsightsTool
from shoplens.tools.run_sql import RunSqlTool

#: The tools a model can call, in the order they are offered.
TOOLS: tuple[type, ...] = (
    DescribeDataTool,
    QueryMetricTool,
    ComparePeriodsTool,
    DriversTool,
    AnomaliesTool,
    ChartFromQueryTool,
    ForecastTool,
    ReviewInsightsTool,
    PriceElasticityTool,
    RunSqlTool,
)


def description(cls: type) -> str:
    """The text a model reads: the class docstring, on one paragraph."""
    return " ".join(inspect.cleandoc(cls.__doc__ or cls.__name__).split())


def request_model(cls: type) -> type[Request]:
    model: type[Request] = cls.Request  # type: ignore[attr-defined]
    return model


def build(cls: type, ctx: ToolContext, get: Callable[[type], Any]) -> Any:
    """One instance of ``cls`` for ``ctx`` (``get`` supplies the shared instances named in ``cls.uses``)."""
    factory = getattr(cls, "from_context", None)
    if factory is None:
        return cls(ctx)
    shared = {arg: get(other) for arg, other in getattr(cls, "uses", {}).items()}
    return factory(ctx, **shared)


def call(tool: Any, arguments: dict[str, Any] | Request) -> ToolOutput:
    """Validate ``arguments`` with the tool's request model and run it."""
    model = request_model(type(tool))
    req = arguments if isinstance(arguments, model) else model.model_validate(arguments)
    out: ToolOutput = tool.call(req)
    return out


def by_name() -> dict[str, type]:
    return {cls.name: cls for cls in TOOLS}  # type: ignore[attr-defined]
