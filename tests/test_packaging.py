"""What a non-editable install ships: every package folder is listed in pyproject.toml and every data file the
code reads (YAML, templates, word lists, models, CSS) matches a package-data pattern."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
DIRS = {name: ROOT / path for name, path in CONFIG["package-dir"].items()}


def _folder(package: str) -> Path:
    for top, path in DIRS.items():
        if package == top or package.startswith(top + "."):
            return path.joinpath(*package[len(top):].strip(".").split(".")) if package != top else path
    raise KeyError(package)


def test_every_package_folder_is_listed() -> None:
    listed = set(CONFIG["packages"])
    found = set()
    for top, path in DIRS.items():
        for init in path.rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                rel = init.parent.relative_to(path).parts
                found.add(".".join((top, *rel)))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_every_data_file_is_package_data() -> None:
    data = CONFIG.get("package-data", {})
    missing = []
    for package in CONFIG["packages"]:
        folder = _folder(package)
        patterns = data.get(package, [])
        for f in folder.rglob("*"):
            if not f.is_file() or f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
                continue
            rel = f.relative_to(folder).as_posix()
            if "/" in rel and (folder / rel.split("/")[0] / "__init__.py").exists():
                continue  # belongs to a sub-package, checked there
            if not any(fnmatch.fnmatch(rel, p) for p in patterns):
                missing.append(f"{package}: {rel}")
    assert not missing, f"not shipped by a non-editable install: {missing}"
