"""The demo shop: a deterministic, realistic sales warehouse (see docs/data-model.md).

``build_demo`` (in ``build.py``) builds it; it is imported lazily so that modules using only the demo's calendar or
catalogue do not load the whole simulation.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_SCALE", "build_demo"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from shoplens.data.demo import build

        return getattr(build, name)
    raise AttributeError(name)
