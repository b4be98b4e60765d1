"""Shared fixtures: one small seeded demo warehouse per test session, settings pointing at temp folders."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never touch the user's ~/.shoplens nor a real model endpoint.
# Test switches (SHOPLENS_REQUIRE_BROWSER, SHOPLENS_EVAL_SLOW, SHOPLENS_SKIP_MODEL_TESTS, SHOPLENS_TEST_*) survive.
_KEEP = ("SHOPLENS_REQUIRE_BROWSER", "SHOPLENS_EVAL_SLOW", "SHOPLENS_SKIP_MODEL_TESTS", "SHOPLENS_TEST_")
for _var in [v for v in os.environ if v.startswith(("SHOPLENS_", "SLACK_")) and not v.startswith(_KEEP)]:
    os.environ.pop(_var, None)
_HOME = Path(tempfile.mkdtemp(prefix="shoplens-test-home-"))
os.environ["SHOPLENS_HOME"] = str(_HOME)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

DEMO_SCALE = 0.05
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse (scale 0.05, seed 7), built once per session. Treat it as read-only."""
    from shoplens.data.demo import build_demo

    path = tmp_path_factory.mktemp("warehouse") / "demo.duckdb"
    build_demo(path, scale=DEMO_SCALE, seed=DEMO_SEED)
    return path


@pytest.fixture()
def warehouse(demo_db: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the demo warehouse, alone in its folder (jobs swap files in beside it)."""
    import shutil

    path = tmp_path / "wh" / "shop.duckdb"
    path.parent.mkdir()
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture()
def settings(tmp_path: Path, demo_db: Path):
    """Settings for one test: the session warehouse, charts and models under the test's temp dir."""
    from shoplens.agent.config import Settings

    return Settings.load(env={}, home=tmp_path / "home", db=demo_db, charts_dir=tmp_path / "charts")


@pytest.fixture(scope="session")
def tool_ctx(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A ToolContext (runner + bound semantic layer) on the session warehouse."""
    from shoplens.tools.context import ToolContext

    ctx = ToolContext.open(demo_db, tmp_path_factory.mktemp("charts"))
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def u(tool_ctx):  # noqa: ANN001, ANN201
    """The offline planner's understanding layer on the session warehouse, rules only (no embeddings), with the
    data starting on 2023-01-01 (a module may override it, e.g. with another semantic layer)."""
    import datetime as dt

    from shoplens.agent.planner.understand import Understander

    return Understander(tool_ctx.semantic, tool_ctx.as_of, dt.date(2023, 1, 1), use_embeddings=False)


@pytest.fixture(scope="session")
def spark_remote(tmp_path_factory: pytest.TempPathFactory):
    """A Spark Connect URL for the session: SHOPLENS_TEST_SPARK_REMOTE (a server CI started), or a server on
    loopback started here once and stopped at the end. Skips with the reason when pyspark or Java is missing."""
    import shutil

    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install 'shoplens[spark]'): Spark tests skipped")
    url = os.environ.get("SHOPLENS_TEST_SPARK_REMOTE")
    if url:
        yield url
        return
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Java is not installed (Spark needs Java 17): Spark tests skipped")
    from shoplens.tools.sqlengine.spark_server import LocalConnectServer

    server = LocalConnectServer(log=tmp_path_factory.mktemp("spark") / "connect-server.log")
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def spark_warehouse(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's demo warehouse exported as Parquet tables (the same rows as ``demo_db``)."""
    from shoplens.data.parquet import export_parquet

    out = tmp_path_factory.mktemp("spark-warehouse") / "shop"
    export_parquet(demo_db, out)
    return out
