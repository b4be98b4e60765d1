"""Builds the tools once per Analyst from the ToolContext and Settings; each is created on first use
(heavy libraries such as torch and statsmodels load only when a question needs them)."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from shoplens.agent.config import Settings
from shoplens.tools.context import ToolContext


class Toolbox:
    def __init__(self, ctx: ToolContext, settings: Settings) -> None:
        self.ctx = ctx
        self.settings = settings
        self._lock = threading.RLock()

    def _build(self, attr: str, factory: Any) -> Any:
        with self._lock:
            if attr not in self.__dict__:
                self.__dict__[attr] = factory()
            return self.__dict__[attr]

    @property
    def runner(self):  # noqa: ANN201
        return self.ctx.runner

    @property
    def semantic(self):  # noqa: ANN201
        return self.ctx.semantic

    @cached_property
    def models_dir(self):  # noqa: ANN201
        path = self.settings.home / "models"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def chart(self):  # noqa: ANN201
        def make():  # noqa: ANN202
            return self.ctx.chart_tool()

        return self._build("_chart", make)

    @property
    def forecast(self):  # noqa: ANN201
        def make():  # noqa: ANN202
            from shoplens.tools.forecast import ForecastTool

            return ForecastTool(self.ctx.runner, self.ctx.semantic, self.ctx.charts_dir,
                                chart_renderer=self.ctx.renderer, chart_retention=self.ctx.retention)

        return self._build("_forecast", make)

    @property
    def review_insights(self):  # noqa: ANN201
        def make():  # noqa: ANN202
            from shoplens.tools.reviews.insights import ReviewInsightsTool

            return ReviewInsightsTool(self.ctx.runner, self.ctx.charts_dir)

        return self._build("_review_insights", make)
