"""Where SQL runs: one ``Engine`` interface under the runner, and its DuckDB implementations.

``ProcessEngine`` (the one ShopLens uses) runs every statement in a pool of worker processes, each with its own
read-only connection, a hard address-space cap and a deadline that kills it; ``InProcessEngine`` runs on a
connection in this process and exists as the baseline the benchmarks compare against. A second engine (Spark is
planned) implements the same ``Engine`` protocol in ``base.py``.
"""

from shoplens.tools.sqlengine.base import Engine, EngineFailure, EngineResult, Limits

__all__ = ["Engine", "EngineFailure", "EngineResult", "Limits"]
