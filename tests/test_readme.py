"""Docs that cannot drift: the README's quick start is two commands and CI runs the second one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"## Quick start\n(.*?)\n## ", text, re.S)
    assert section, "README has no '## Quick start' section"
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section.group(1), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_is_exactly_two_commands() -> None:
    assert len(quick_start_commands()) == 2


def _pip_steps(command: str) -> list[str]:
    """The pip installs of a command, with -q dropped (CI is quiet, the README is not)."""
    return [" ".join(w for w in step.split() if w != "-q") for step in command.split("&&") if "pip install" in step]


def test_both_commands_install_through_the_committed_lock() -> None:
    run, test = quick_start_commands()
    assert "-r requirements.lock" in run and "--no-deps -e ." in run and "[dev]" not in run
    assert "-r requirements-dev.lock" in test and "--no-deps -e ." in test and "pytest" in test
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        assert "--hash=sha256:" in text and "\npandas==" in text, lock


def test_the_locks_hold_no_cuda_libraries() -> None:
    """torch's dependencies are resolved against the CPU wheel (lock-constraints.txt): a lock that pulled
    nvidia-*/triton would make the quick start download gigabytes of GPU libraries."""
    for lock in ("requirements.lock", "requirements-dev.lock"):
        pinned = re.findall(r"^([A-Za-z0-9_.-]+)==", (ROOT / lock).read_text(encoding="utf-8"), re.M)
        assert pinned and not [p for p in pinned if p.startswith(("nvidia", "triton", "cuda"))], lock


def test_ci_runs_the_readme_test_command_and_the_quick_start_install() -> None:
    run, test = quick_start_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci
    quick = next(line for line in ci.splitlines() if "smoke_quickstart.py" in line and "pip install" in line)
    assert _pip_steps(quick) == _pip_steps(run)


def test_the_two_locks_agree_on_every_shared_package() -> None:
    def pins(name: str) -> dict[str, str]:
        text = (ROOT / name).read_text(encoding="utf-8")
        return dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", text, re.M))

    app, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert app and {k: v for k, v in app.items() if dev.get(k) != v} == {}


def test_cli_reference_is_generated_from_the_cli() -> None:
    from typer.testing import CliRunner

    from shoplens.agent.cli.main import app

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in sorted(app.registered_commands, key=lambda c: c.name or ""):
        assert f"shoplens {command.name}" in doc, f"docs/cli.md lacks `shoplens {command.name}`; run `make docs`"
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
