"""Turning the Analyst's events into chat messages for the Gradio page (no business logic: only presentation).

The pieces live in their own modules and are gathered here, the import path the chat page and the tests use:
``ui_steps`` (step titles and bodies, model labels, marking untraced figures), ``ui_tables`` (tables as HTML),
``ui_files`` (the downloads' temporary folder), ``ui_turn`` (``Turn``: one answer's messages, event by event) and
``ui_panel`` (the side panel's texts and its status cache). ``gradio_app`` only wires components.
"""

from __future__ import annotations

from shoplens.agent.frontends.ui_files import FileStore, slug
from shoplens.agent.frontends.ui_panel import (
    STATUS_TTL_S,
    StatusCache,
    data_panel,
    panel_error,
    status_light,
    unavailable_text,
)
from shoplens.agent.frontends.ui_steps import (
    CHART_KINDS,
    MODEL_CHOICES,
    MODEL_LABELS,
    STEP_LABELS,
    UNVERIFIED_TITLE,
    fmt_ms,
    forecast_model_name,
    mark_unverified,
    pretty_sql,
    step_body,
    step_title,
)
from shoplens.agent.frontends.ui_tables import (
    FRACTION_COLUMNS,
    TABLE_ROWS_SHOWN,
    cell_text,
    table_frame,
    table_html,
)
from shoplens.agent.frontends.ui_turn import Turn

__all__ = [
    "CHART_KINDS", "FRACTION_COLUMNS", "MODEL_CHOICES", "MODEL_LABELS", "STATUS_TTL_S", "STEP_LABELS",
    "TABLE_ROWS_SHOWN", "UNVERIFIED_TITLE", "FileStore", "StatusCache", "Turn", "cell_text", "data_panel",
    "fmt_ms", "forecast_model_name", "mark_unverified", "panel_error", "pretty_sql", "slug", "status_light",
    "step_body", "step_title", "table_frame", "table_html", "unavailable_text",
]
