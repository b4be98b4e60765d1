"""The warehouse as Parquet tables for Spark (no Spark needed): the demo and an import export the same rows as
their DuckDB warehouse, the folder is replaced only when complete, and the CLI says what it needs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_import import RETAIL_MAPPING, write_mapping, write_retail_days
from typer.testing import CliRunner

from shoplens.data.errors import UserInputError
from shoplens.data.parquet import export_parquet, import_to_parquet, parquet_tables


def _parquet_sum(folder: Path, table: str, column: str) -> float:
    return duckdb.sql(f"SELECT sum({column}) FROM read_parquet('{folder / table}/*.parquet')").fetchall()[0][0]


def test_demo_exports_every_table_with_the_same_rows(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "shop"
    rows = export_parquet(demo_db, out)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for table, n in rows.items():
            assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == n
        assert _parquet_sum(out, "order_items", "revenue") == con.execute(
            "SELECT sum(revenue) FROM order_items").fetchone()[0]
    finally:
        con.close()
    assert set(parquet_tables(out)) == set(rows) and {"orders", "order_items", "products"} <= set(rows)
    assert [p.name for p in tmp_path.iterdir()] == ["shop"]  # no scratch folder left behind


def test_a_folder_with_files_is_replaced_only_when_asked(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "shop"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UserInputError, match="already holds files"):
        export_parquet(demo_db, out)
    assert (out / "keep.txt").read_text() == "mine"
    export_parquet(demo_db, out, replace=True)
    assert not (out / "keep.txt").exists() and "orders" in parquet_tables(out)


def test_import_can_target_parquet(tmp_path: Path) -> None:
    write_retail_days(tmp_path / "exports", days=4)
    mapping = write_mapping(tmp_path / "shop.yaml", RETAIL_MAPPING)
    report = import_to_parquet(mapping, tmp_path / "lake")
    assert report.tables["orders"] > 0
    assert {"orders", "order_items", "products"} <= set(parquet_tables(tmp_path / "lake"))


def test_cli_demo_for_spark_needs_a_folder(tmp_path: Path) -> None:
    from shoplens.agent.cli.main import app

    res = CliRunner().invoke(app, ["data", "demo", "--engine", "spark", "--scale", "0.01"])
    assert res.exit_code == 2 and "--path" in res.output
    res = CliRunner().invoke(app, ["data", "demo", "--engine", "spark", "--scale", "0.01", "--seed", "5", "--path",
                                   str(tmp_path / "lake"), "--quiet", "--json"])
    assert res.exit_code == 0, res.output
    assert "order_items" in parquet_tables(tmp_path / "lake")
