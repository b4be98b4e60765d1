"""Opening Spark for ShopLens: a Spark Connect client (``sc://host:15002``) or a local session (``local[2]``),
with the warehouse's Parquet tables (``<warehouse>/<table>/``) registered as this session's views.

Without a warehouse folder the session's current database is used as it is (the catalog's tables on a real
cluster, read through a read-only principal: see docs/scale.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shoplens.tools.sqlengine.base import UNAVAILABLE, EngineFailure

INSTALL_HINT = "Install Spark support with `pip install 'shoplens[spark]'` (pyspark with Spark Connect; Java 17)."


@dataclass(frozen=True)
class SparkTarget:
    """Where Spark is: ``remote`` (Spark Connect URL) wins over ``master`` (a local session for development)."""

    remote: str | None = None
    master: str = "local[2]"
    warehouse: Path | None = None  # folder of Parquet tables; None = the session's current database
    shuffle_partitions: int = 4  # small shops: a few partitions beat Spark's default 200

    @property
    def kind(self) -> str:
        return "spark-connect" if self.remote else "spark-local"


def open_session(target: SparkTarget) -> Any:
    """A SparkSession for ``target`` (a new, isolated session for Spark Connect), or EngineFailure(UNAVAILABLE)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineFailure(UNAVAILABLE, "Spark support is not installed.", hint=INSTALL_HINT) from None
    try:
        if target.remote:
            spark = SparkSession.builder.remote(target.remote).create()
        else:
            spark = (SparkSession.builder.master(target.master).appName("shoplens")
                     .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                     .config("spark.sql.shuffle.partitions", str(target.shuffle_partitions))
                     .config("spark.sql.session.timeZone", "UTC")
                     .getOrCreate())
        if target.remote:
            spark.conf.set("spark.sql.shuffle.partitions", str(target.shuffle_partitions))
            spark.conf.set("spark.sql.session.timeZone", "UTC")
    except EngineFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - py4j / gRPC errors: no Java, server down
        where = "the Spark Connect server" if target.remote else f"a local Spark session ({target.master})"
        raise EngineFailure(UNAVAILABLE, f"Cannot start {where}: {_first(exc)}",
                            hint="Check SHOPLENS_SPARK_REMOTE and that the server runs" if target.remote
                            else "Spark needs Java 17 (set JAVA_HOME).") from None
    return spark


def register_tables(spark: Any, warehouse: Path | None) -> list[str]:
    """Register ``warehouse/<table>/`` Parquet folders as views of this session; return the table names."""
    if warehouse is None:
        return sorted(t.name.lower() for t in spark.catalog.listTables())
    from shoplens.data.parquet import parquet_tables

    tables = parquet_tables(Path(warehouse))
    if not tables:
        raise EngineFailure(UNAVAILABLE, "The Spark warehouse folder holds no Parquet tables.",
                            hint="Write the demo with `shoplens data demo --engine spark --path DIR` and set "
                            "SHOPLENS_SPARK_WAREHOUSE to DIR.")
    for name, folder in tables.items():
        spark.read.parquet(str(folder.resolve())).createOrReplaceTempView(name)
    return sorted(tables)


def read_catalog(spark: Any, tables: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Tables and their (column, type) with DuckDB-style type names, as ``SqlRunner.catalog`` returns them."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name in tables:
        out[name] = [(f.name, duck_type(f.dataType.simpleString())) for f in spark.table(name).schema.fields]
    return out


_TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT",
          "double": "DOUBLE", "float": "FLOAT", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP WITH "
          "TIME ZONE", "timestamp_ntz": "TIMESTAMP", "binary": "BLOB"}


def duck_type(spark_type: str) -> str:
    return _TYPES.get(spark_type, spark_type.upper())


def _first(exc: BaseException) -> str:
    msg = str(exc).strip()
    return msg.splitlines()[0][:300] if msg else type(exc).__name__
