"""Where SQL runs: one ``Engine`` interface under the runner, its DuckDB implementations and Spark.

``ProcessEngine`` (the one ShopLens uses) runs every statement in a pool of worker processes, each with its own
read-only connection, a hard address-space cap and a deadline that kills it; ``InProcessEngine`` runs on a
connection in this process and exists as the baseline the benchmarks compare against. ``SparkEngine``
(``spark.py``) implements the same ``Engine`` protocol on Apache Spark (Spark Connect or a local session): the
DuckDB-dialect SQL is transpiled with sqlglot and checked again in Spark's dialect (``spark_gate.py``).
"""

from shoplens.tools.sqlengine.base import Engine, EngineFailure, EngineResult, Limits

__all__ = ["Engine", "EngineFailure", "EngineResult", "Limits"]
