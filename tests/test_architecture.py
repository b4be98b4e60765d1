"""The dependency rule (docs/architecture.md): front ends -> agent -> tools -> data, forecasting; only
agent/config.py reads the environment."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"data": 0, "forecasting": 0, "tools": 1, "agent": 2}
# What each package may import from ShopLens. data.errors is shared by every layer.
ALLOWED = {
    "data": {"data"},
    "forecasting": {"forecasting", "data.errors", "data.serialize"},
    "tools": {"tools", "data", "forecasting"},
    "agent": {"agent", "tools", "data", "forecasting", "prompts"},
}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _shoplens_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [n.removeprefix("shoplens.") for n in names if n.startswith("shoplens.")]


def _allowed(package: str, target: str) -> bool:
    return any(target == a or target.startswith(a + ".") for a in ALLOWED[package])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)} imports shoplens.{target}"
        for path in _modules(package)
        for target in _shoplens_imports(path)
        if not _allowed(package, target)
    ]
    assert not bad, "dependency rule broken:\n" + "\n".join(bad)


def test_front_ends_are_only_in_agent_frontends_or_cli() -> None:
    for package in ("tools", "data", "forecasting"):
        for path in _modules(package):
            text = path.read_text(encoding="utf-8")
            for lib in ("gradio", "slack_bolt", "fastapi", "typer"):
                assert f"import {lib}" not in text and f"from {lib}" not in text, f"{path} imports {lib}"


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for package in ("agent", "tools", "data", "forecasting"):
        for path in _modules(package):
            if path == ROOT / "agent" / "config.py":
                continue
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "os.getenv" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"modules reading env vars outside agent/config.py: {offenders}"


def test_no_top_level_tools_or_data_package_is_installed(tmp_path: Path) -> None:
    """Only ``shoplens.*`` is importable from an install: checked in a fresh interpreter started in an empty
    folder (so neither the checkout's name nor the current directory matters)."""
    import subprocess
    import sys

    code = ("import importlib.util as u, shoplens.tools as t; "
            "print([n for n in ('tools', 'data', 'agent', 'forecasting', 'prompts') if u.find_spec(n)], t.__name__)")
    out = subprocess.run([sys.executable, "-P", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, check=True, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert out.stdout.split() == ["[]", "shoplens.tools"], out.stdout + out.stderr
