"""The dependency rule (docs/architecture.md), enforced on every import of every module, inside ``agent`` too:

    front ends (agent/cli, agent/frontends)
      -> analyst (agent/analyst.py and what serves it)
        -> brains (agent/planner, agent/llm; neither imports the other)
          -> contract (events, sessions, toolbox, config, grounding)
            -> tools -> data, forecasting

Absolute, relative, lazy (inside functions) and string imports (``importlib.import_module("...")``,
``__import__("...")``) all count. Front-end libraries live only in front ends. No module is over 500 lines and no
function over 80 without a written reason (a ``# long: why`` comment on its ``def`` line). Only agent/config.py
reads the environment.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "tools", "data", "forecasting", "prompts", "evals")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

# layer of a module (dotted name without the "shoplens." prefix): the most specific prefix wins
LAYERS: dict[str, int] = {
    "data": 0, "data.errors": 0, "evals": 0, "forecasting": 1, "prompts": 1, "tools": 2,
    "agent.events": 3, "agent.sessions": 3, "agent.toolbox": 3, "agent.config": 3, "agent.grounding": 3,
    "agent": 3,  # agent/__init__.py
    "agent.planner": 4, "agent.llm": 4,
    "agent.analyst": 5, "agent.forecast_rerun": 5, "agent.evaluation": 6, "agent.eval_checks": 6,
    "agent.cli": 7, "agent.frontends": 7,
}
SHARED = {"data.errors", "data.serialize"}  # every layer may use these
SIBLINGS_APART = ({"agent.planner", "agent.llm"},)  # same layer, never importing each other
FRONT_END_LIBS = ("gradio", "slack_bolt", "slack_sdk", "fastapi", "starlette", "uvicorn", "typer", "rich")


def layer_of(name: str) -> tuple[str, int]:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in LAYERS:
            return prefix, LAYERS[prefix]
    raise KeyError(name)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def all_modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts)


def imports(path: Path) -> list[str]:
    """Every module ``path`` imports or loads by name, as dotted names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    is_pkg = path.name == "__init__.py"
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_pkg else here[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join(["shoplens", *base, *([node.module] if node.module else [])])
                out.append(mod)
                out += [f"{mod}.{a.name}" for a in node.names]
            elif node.module:
                out.append(node.module)
                out += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in ("import_module", "__import__", "find_spec"):
                out.append(node.args[0].value)
    return out


def shoplens_targets(path: Path) -> list[str]:
    targets = []
    for name in imports(path):
        if name.startswith("shoplens."):
            short = name.removeprefix("shoplens.")
            if (ROOT / short.replace(".", "/")).with_suffix(".py").exists() or (ROOT / short.replace(".", "/")).is_dir():
                targets.append(short)
    return targets


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    me = module_name(path)
    my_group, my_layer = layer_of(me)
    bad = []
    for target in shoplens_targets(path):
        if target in SHARED or target.startswith(tuple(s + "." for s in SHARED)):
            continue
        group, layer = layer_of(target)
        if layer > my_layer:
            bad.append(f"{me} (layer {my_layer}) imports {target} (layer {layer})")
        for apart in SIBLINGS_APART:
            if my_group in apart and group in apart and group != my_group:
                bad.append(f"{me} imports its sibling {target}")
    assert not bad, "dependency rule broken:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_front_end_libraries_only_in_front_ends(path: Path) -> None:
    me = module_name(path)
    if layer_of(me)[0] in ("agent.cli", "agent.frontends"):
        return
    used = {n.split(".")[0] for n in imports(path)} & set(FRONT_END_LIBS)
    assert not used, f"{me} imports {sorted(used)}"


#: evaluation inputs written by helpers who had not read the code: kept exactly as written, not product code
WRITTEN_ELSEWHERE = {"evals/retail_fixture.py"}


@pytest.mark.parametrize("path", [p for p in all_modules() if str(p.relative_to(ROOT)) not in WRITTEN_ELSEWHERE],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{len(lines)} lines: split it by responsibility"
    long = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > MAX_FUNCTION_LINES and "# long:" not in lines[node.lineno - 1]:
                long.append(f"{node.name} ({size} lines)")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines without a '# long: why' reason: {long}"


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for path in all_modules():
        if path == ROOT / "agent" / "config.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "os.getenv" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"modules reading env vars outside agent/config.py: {offenders}"


def test_every_module_has_a_layer() -> None:
    assert all(layer_of(module_name(p)) for p in all_modules())


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
