"""The one place tools are built: one cached instance of each per warehouse (``tools/registry.py`` declares them),
shared by the offline planner and the LLM agent. Heavy libraries (torch, statsmodels) load only when a tool that
needs them runs."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from shoplens.agent.config import Settings
from shoplens.data.semantic import SemanticLayer
from shoplens.tools import registry
from shoplens.tools.context import ToolContext
from shoplens.tools.sql import SqlRunner

T = TypeVar("T")


class Toolbox:
    def __init__(self, ctx: ToolContext, settings: Settings) -> None:
        self.ctx = ctx
        self.settings = settings
        self._lock = threading.RLock()
        self._tools: dict[type, Any] = {}

    def get(self, cls: type[T]) -> T:
        """The shared instance of tool class ``cls``, built on first use."""
        with self._lock:
            if cls not in self._tools:
                self._tools[cls] = registry.build(cls, self.ctx, self.get)
            tool: T = self._tools[cls]
            return tool

    @property
    def runner(self) -> SqlRunner:
        return self.ctx.runner

    @property
    def semantic(self) -> SemanticLayer:
        return self.ctx.semantic

    @cached_property
    def models_dir(self) -> Path:
        path = self.settings.home / "models"
        path.mkdir(parents=True, exist_ok=True)
        return path
