"""The CLI's error boundary cannot crash: hostile questions and data values (rich markup in product names), unexpected
exceptions whose messages hold markup, usage errors and a closed pipe all end in a message and an exit code,
never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from shoplens.agent.cli import common
from shoplens.agent.cli.main import app, main
from shoplens.data.errors import DataError

HOSTILE = "Lamp [/x] [bold]Neon[/bold] [link=file:///etc/passwd]x[/link] [/]"


@pytest.fixture()
def hostile_db(tmp_path: Path, demo_db: Path) -> Path:
    """The demo warehouse with one product renamed to something full of rich markup."""
    path = tmp_path / "hostile.duckdb"
    shutil.copy(demo_db, path)
    with duckdb.connect(str(path)) as con:
        top = con.execute("SELECT product_id FROM order_items GROUP BY 1 ORDER BY sum(revenue) DESC LIMIT 1").fetchone()
        con.execute("UPDATE products SET name = ? WHERE product_id = ?", [HOSTILE, top[0]])
    return path


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hostile_db: Path) -> Path:
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPLENS_DB", str(hostile_db))
    monkeypatch.delenv("SHOPLENS_LLM_BASE_URL", raising=False)
    return hostile_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def flat(text: str) -> str:
    return " ".join(text.split())


def test_markup_in_product_names_is_printed_verbatim(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "ask", "top 5 products by revenue", "--no-sql")
    assert rc == 0
    assert "Lamp [/x] [bold]Neon[/bold]" in out  # a table cell, verbatim
    rc, out, _ = run(capsys, "sql", "SELECT name FROM products WHERE name LIKE 'Lamp%'")
    assert rc == 0 and "[link=file:///etc/passwd]" in out


@pytest.mark.parametrize("question", [
    "revenue of [/x] last month", "[bold]revenue[/] by [red]region", "[link=file:///etc/passwd]x[/link]",
    "]]]][[[[", "\\[/]", "revenue \x00 \x1b[31m last month",
])
def test_hostile_questions_get_an_answer_or_a_message(env: Path, capsys: pytest.CaptureFixture[str],
                                                      question: str) -> None:
    rc, out, err = run(capsys, "ask", question)
    assert rc in (0, 1, 2) and (out.strip() or err.strip())


def test_an_unexpected_exception_with_markup_is_a_message(env: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom [/x] [bold]")

    monkeypatch.setattr(common, "settings", boom)
    rc, _, err = run(capsys, "ask", "revenue last month")
    assert rc == 70
    assert "Unexpected error: RuntimeError: boom [/x] [bold]" in flat(err) and "bug in ShopLens" in err


def test_a_shoplens_error_with_markup_is_printed_verbatim(env: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(*_a: object, **_k: object) -> None:
        raise DataError("No warehouse at [/x]", hint="Run [bold]shoplens data demo[/].")

    monkeypatch.setattr(common, "settings", bad)
    rc, _, err = run(capsys, "ask", "revenue last month")
    assert rc == 3 and "No warehouse at [/x] Run [bold]shoplens data demo[/]." in flat(err)


def test_usage_errors_and_unknown_commands(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "ask", "--no-such-option")
    assert rc == 2 and "No such option" in err
    rc, _, err = run(capsys, "no-such-command")
    assert rc == 2


def test_printing_itself_failing_is_still_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_print(*_a: object, **_k: object) -> None:
        raise OSError("terminal went away")

    monkeypatch.setattr(common.err, "print", broken_print)
    monkeypatch.setattr(common, "settings", lambda **_k: (_ for _ in ()).throw(RuntimeError("x")))
    assert common.run_cli(app, ["ask", "revenue"]) == 70


def test_a_closed_pipe_ends_quietly(env: Path) -> None:
    cmd = [sys.executable, "-m", "shoplens.agent.cli.main", "sql", "SELECT * FROM orders", "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # far more than a pipe holds
    assert proc.stdout is not None
    proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c 100`
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"Exception ignored" not in err, err.decode()
    assert proc.returncode in (0, 141)
