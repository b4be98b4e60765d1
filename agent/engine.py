"""The warehouse engine the settings ask for: DuckDB (``None``: the runner's default worker pool) or Spark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shoplens.data.errors import DataError, UserInputError

if TYPE_CHECKING:
    from shoplens.agent.config import Settings
    from shoplens.tools.sqlengine.base import Engine


def open_engine(s: Settings) -> Engine | None:
    """``None`` for DuckDB (``SqlRunner`` opens its worker processes on ``s.db_path``), a ``SparkEngine`` for Spark."""
    if s.engine != "spark":
        return None
    from shoplens.tools.sqlengine.base import EngineFailure
    from shoplens.tools.sqlengine.spark import SparkEngine
    from shoplens.tools.sqlengine.spark_session import SparkTarget

    if not s.spark_remote and s.spark_warehouse is None:
        raise UserInputError("SHOPLENS_ENGINE=spark needs SHOPLENS_SPARK_WAREHOUSE (a folder of Parquet tables) or "
                             "SHOPLENS_SPARK_REMOTE (a Spark Connect server with the tables in its catalog).",
                             hint="Write the demo with `shoplens data demo --engine spark --path DIR`.")
    try:
        return SparkEngine(SparkTarget(remote=s.spark_remote, master=s.spark_master, warehouse=s.spark_warehouse))
    except EngineFailure as exc:
        raise DataError(exc.message, hint=exc.hint) from None
