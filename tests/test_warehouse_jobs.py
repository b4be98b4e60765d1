"""Jobs and the server share the warehouse: the job lock is checked first and names its holder, jobs write a copy
and swap it in, leftovers of killed jobs are removed, the server reopens a replaced file and answers 503 with
Retry-After (never a lock error as an answer) while the warehouse cannot be read."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shoplens.data.errors import WarehouseBusy
from shoplens.data.writer import JobLock, WarehouseWriter


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp"))


def _child(code: str, *args: str) -> subprocess.Popen:
    """A child process that prints 'ready' once it holds what the test needs."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


# --- the job lock ------------------------------------------------------------------------------------------------
def test_a_second_job_is_refused_at_once_naming_the_first(warehouse: Path) -> None:
    with JobLock(warehouse, "reviews score"), pytest.raises(WarehouseBusy) as exc, \
            WarehouseWriter(warehouse, job="data import"):
        pass
    message = str(exc.value)
    assert "`reviews score`" in message and f"process {os.getpid()}" in message
    with WarehouseWriter(warehouse, job="data import"):  # free again once the first job ends
        pass
    assert _hidden(warehouse.parent) == []  # the lock file goes with its job


def test_cli_jobs_check_the_lock_before_any_work(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shoplens.agent.cli.main import main

    with JobLock(warehouse, "data import"):
        assert main(["reviews", "score", "--db", str(warehouse)]) == 3
        assert main(["data", "demo", "--force", "--scale", "0.01", "--path", str(warehouse), "-q"]) == 3
    err = capsys.readouterr().err
    assert err.count("Another job is writing this warehouse: `data import`") == 2


def test_a_killed_job_releases_the_lock_and_its_leftovers_are_removed(warehouse: Path) -> None:
    before = _digest(warehouse)
    proc = _child(
        """
        import sys, time
        from shoplens.data.writer import WarehouseWriter
        w = WarehouseWriter(sys.argv[1], job="reviews score", copy=True).__enter__()
        print("ready", flush=True)
        time.sleep(120)
        """,
        str(warehouse),
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = [n for n in _hidden(warehouse.parent) if ".job-" in n]
    assert left  # kill -9 leaves the scratch copy behind ...
    (warehouse.parent / ".shop.duckdb.import-123-abcdef").write_bytes(b"x" * 1000)  # older jobs' names too
    (warehouse.parent / "shop.duckdb.tmp").mkdir()  # and DuckDB's spill folder
    (warehouse.parent / "shop.duckdb.tmp" / "spill.block").write_bytes(b"x" * 1000)
    with WarehouseWriter(warehouse, job="data demo") as w:  # ... the lock died with it; the next job cleans up
        removed = {name for name, _ in w.removed}
    assert set(left) <= removed and ".shop.duckdb.import-123-abcdef" in removed and "shop.duckdb.tmp" in removed
    assert _hidden(warehouse.parent) == [] and _digest(warehouse) == before


def test_a_program_writing_in_place_is_named_before_any_work(warehouse: Path) -> None:
    proc = _child(
        """
        import sys, time, duckdb
        con = duckdb.connect(sys.argv[1])
        print("ready", flush=True)
        time.sleep(120)
        """,
        str(warehouse),
    )
    try:
        with pytest.raises(WarehouseBusy) as exc, WarehouseWriter(warehouse, job="reviews score", copy=True):
            pass
        assert f"process {proc.pid}" in str(exc.value)
    finally:
        proc.kill()
        proc.wait()
    assert _hidden(warehouse.parent) == []


def test_writer_swaps_only_on_commit(warehouse: Path) -> None:
    import duckdb

    before = _digest(warehouse)
    with pytest.raises(RuntimeError), WarehouseWriter(warehouse, job="test", copy=True) as w:
        duckdb.connect(str(w.path)).execute("DROP TABLE reviews").close()
        raise RuntimeError("the job failed")
    assert _digest(warehouse) == before and _hidden(warehouse.parent) == []
    with WarehouseWriter(warehouse, job="test", copy=True) as w:
        con = duckdb.connect(str(w.path))
        con.execute("CREATE TABLE marker AS SELECT 1 AS x")
        con.close()
        assert _digest(warehouse) == before  # readers see the old file until the swap
        w.commit()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT x FROM marker").fetchone() == (1,)
    con.close()
    assert _hidden(warehouse.parent) == []


# --- the server and a replaced or locked warehouse ----------------------------------------------------------------
def _client(warehouse: Path, home: Path):  # noqa: ANN202
    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import build_app

    s = Settings.load(env={}, home=home, db=warehouse, charts_dir=home / "charts")
    return build_app(s, ui=False)


def test_the_server_answers_from_the_new_file_after_a_demo_rebuild(warehouse: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from shoplens.data.demo import build_demo

    app = _client(warehouse, tmp_path / "home")
    with TestClient(app) as c:
        old = c.get("/api/health").json()["warehouse"]
        before = c.post("/api/ask", json={"question": "revenue last month"}).json()["answer"]
        build_demo(warehouse, scale=0.01, seed=3)  # what `shoplens data demo --force` does while the UI runs
        new = c.get("/api/health").json()
        assert new["status"] == "ok" and new["warehouse"]["reopened"] == 1
        assert new["warehouse"]["tables"]["orders"] != old["tables"]["orders"]
        r = c.post("/api/ask", json={"question": "revenue last month"})
        assert r.status_code == 200 and r.json()["answer"] != before
    app.state.analyst.close()


def test_a_job_writing_a_copy_does_not_stop_the_server(warehouse: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    app = _client(warehouse, tmp_path / "home")
    with TestClient(app) as c, WarehouseWriter(warehouse, job="reviews score", copy=True):
        r = c.post("/api/ask", json={"question": "revenue last month"})
        assert r.status_code == 200 and r.json()["answer"]
    app.state.analyst.close()


def test_a_locked_warehouse_is_503_with_retry_after_never_an_answer(warehouse: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    proc = _child(
        """
        import sys, time, duckdb
        con = duckdb.connect(sys.argv[1])  # an in-place writer holding DuckDB's write lock
        print("ready", flush=True)
        time.sleep(120)
        """,
        str(warehouse),
    )
    try:
        app = _client(warehouse, tmp_path / "home")
        with TestClient(app) as c:
            for method, path, kw in (("post", "/api/ask", {"json": {"question": "revenue last month"}}),
                                     ("get", "/api/health", {})):
                r = getattr(c, method)(path, **kw)
                assert r.status_code == 503, r.text
                assert int(r.headers["retry-after"]) > 0
                body = r.text
                assert "locked" in body and str(warehouse.parent) not in body and str(proc.pid) not in body
        app.state.analyst.close()
    finally:
        proc.kill()
        proc.wait()
