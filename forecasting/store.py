"""The results store: batch forecasts in their own DuckDB file, never in the read-only warehouse.

Two tables (documented in docs/forecasting.md):

``forecast_runs``  one row per batch run: ``run_id, created_at, metric, level, grain, horizon, n_series,
                   n_failed, seconds, version, options`` (JSON text).
``forecasts``      one row per series and period: ``run_id, metric, level, grain, unique_id, ds, step, model,
                   model_description, mean, lo_80, hi_80, lo_95, hi_95, backtest_mase, backtest_wape``.
                   ``backtest_wape`` is a FRACTION (0.088 is 8.8%), like every ratio ShopLens stores.

A run is written in one transaction: readers see all of it or none of it. :func:`latest_forecasts` is the reader
the agent tools and the alerting use.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from shoplens.data.errors import DataError

RUNS_DDL = """CREATE TABLE IF NOT EXISTS forecast_runs (
    run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, metric VARCHAR, level VARCHAR, grain VARCHAR,
    horizon INTEGER, n_series INTEGER, n_failed INTEGER, seconds DOUBLE, version VARCHAR, options VARCHAR)"""
FORECASTS_DDL = """CREATE TABLE IF NOT EXISTS forecasts (
    run_id VARCHAR, metric VARCHAR, level VARCHAR, grain VARCHAR, unique_id VARCHAR, ds DATE, step INTEGER,
    model VARCHAR, model_description VARCHAR, mean DOUBLE, lo_80 DOUBLE, hi_80 DOUBLE, lo_95 DOUBLE, hi_95 DOUBLE,
    backtest_mase DOUBLE, backtest_wape DOUBLE)"""
COLUMNS = ["run_id", "metric", "level", "grain", "unique_id", "ds", "step", "model", "model_description", "mean",
           "lo_80", "hi_80", "lo_95", "hi_95", "backtest_mase", "backtest_wape"]


def _connect(path: Path, read_only: bool = False):
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise DataError(f"Cannot open the results store at {path}: {exc}",
                        hint="Check the path (setting `results`) and that no other process writes to it.") from exc


def write_run(path: Path | str, run: dict[str, Any], rows: pd.DataFrame) -> None:
    """Append one run (``run``: the ``forecast_runs`` fields) and its rows, in one transaction."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = rows.reindex(columns=COLUMNS).assign(run_id=run["run_id"])
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    meta = pd.DataFrame([{**run, "options": json.dumps(run.get("options", {}), sort_keys=True, default=str)}])
    con = _connect(path)
    try:
        con.execute(RUNS_DDL)
        con.execute(FORECASTS_DDL)
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("meta_df", meta)
            con.register("rows_df", frame)
            con.execute("INSERT INTO forecast_runs SELECT run_id, created_at, metric, level, grain, horizon, n_series, "
                        "n_failed, seconds, version, options FROM meta_df")
            con.execute(f"INSERT INTO forecasts SELECT {', '.join(COLUMNS)} FROM rows_df")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def runs(path: Path | str) -> pd.DataFrame:
    """Every run, newest first."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame()
    con = _connect(path, read_only=True)
    try:
        if not _has_tables(con):
            return pd.DataFrame()
        return con.execute("SELECT * FROM forecast_runs ORDER BY created_at DESC, run_id DESC").df()
    finally:
        con.close()


def _has_tables(con) -> bool:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return {"forecast_runs", "forecasts"} <= names


def latest_forecasts(path: Path | str, level: str, *, grain: str | None = None, metric: str = "revenue",
                     unique_id: str | list[str] | None = None) -> pd.DataFrame:
    """The rows of the newest run for ``level`` (product, category, region, ...), ``metric`` and ``grain``
    (any grain when None), optionally for some series only. Empty when no such run exists."""
    path = Path(path)
    if not path.exists():
        return _empty()
    con = _connect(path, read_only=True)
    try:
        if not _has_tables(con):
            return _empty()
        where, params = "level = ? AND metric = ?", [level, metric]
        if grain:
            where += " AND grain = ?"
            params.append(grain)
        run = con.execute(f"SELECT run_id FROM forecast_runs WHERE {where} ORDER BY created_at DESC, run_id DESC "
                          "LIMIT 1", params).fetchone()
        if run is None:
            return _empty()
        sql, args = "SELECT * FROM forecasts WHERE run_id = ?", [run[0]]
        if unique_id is not None:
            ids = [unique_id] if isinstance(unique_id, str) else list(unique_id)
            sql += f" AND unique_id IN ({', '.join('?' for _ in ids)})"
            args += ids
        return con.execute(sql + " ORDER BY unique_id, ds", args).df()
    finally:
        con.close()


def new_run_id(now: dt.datetime | None = None) -> str:
    import uuid

    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
