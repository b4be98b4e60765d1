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


def test_ci_runs_the_readme_test_command() -> None:
    test_command = quick_start_commands()[1]
    assert "pytest" in test_command and "[dev]" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci


def test_cli_reference_is_generated_from_the_cli() -> None:
    from typer.testing import CliRunner

    from shoplens.agent.cli.main import app

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in sorted(app.registered_commands, key=lambda c: c.name or ""):
        assert f"shoplens {command.name}" in doc, f"docs/cli.md lacks `shoplens {command.name}`; run `make docs`"
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
