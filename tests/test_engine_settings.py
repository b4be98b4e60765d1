"""Choosing the warehouse engine: SHOPLENS_ENGINE and the SHOPLENS_SPARK_* settings, checked at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.agent.config import Settings
from shoplens.agent.engine import open_engine
from shoplens.data.errors import UserInputError


def test_engine_defaults_to_duckdb_and_reads_spark_settings(tmp_path: Path) -> None:
    assert Settings.load(env={}, home=tmp_path).engine == "duckdb"
    assert open_engine(Settings.load(env={}, home=tmp_path)) is None
    s = Settings.load(env={"SHOPLENS_ENGINE": "spark", "SHOPLENS_SPARK_REMOTE": "sc://spark-gw:15002",
                           "SHOPLENS_SPARK_MASTER": "local[1]", "SHOPLENS_SPARK_WAREHOUSE": str(tmp_path / "lake")},
                      home=tmp_path)
    assert (s.engine, s.spark_remote, s.spark_master, s.spark_warehouse) == (
        "spark", "sc://spark-gw:15002", "local[1]", tmp_path / "lake")


def test_engine_from_the_toml_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('engine = "spark"\nspark_warehouse = "lake"\n', encoding="utf-8")
    assert Settings.load(env={}, config_file=cfg, home=tmp_path).engine == "spark"


def test_unknown_engine_is_refused_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="not an engine") as info:
        Settings.load(env={"SHOPLENS_ENGINE": "snowflake"}, home=tmp_path)
    assert "duckdb, spark" in (info.value.hint or "")


def test_spark_without_a_warehouse_or_server_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="SHOPLENS_SPARK_WAREHOUSE"):
        open_engine(Settings.load(env={"SHOPLENS_ENGINE": "spark"}, home=tmp_path))


def test_spark_remote_may_hold_a_token_and_is_masked(tmp_path: Path) -> None:
    s = Settings.load(env={"SHOPLENS_SPARK_REMOTE": "sc://gw:15002/;token=abc"}, home=tmp_path)
    assert s.spark_remote == "sc://gw:15002/;token=abc" and s.public_dict()["spark_remote"] == "***"
