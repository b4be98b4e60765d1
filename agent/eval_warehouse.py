"""The warehouse an evaluation set is written for (``warehouse:`` in evals/sets.yaml).

``warehouse: demo`` is the warehouse the settings name (build it with ``shoplens data demo``). A mapping such as::

    warehouse:
      fixture: retail       # evals/retail_fixture.py: raw daily CSV exports of an online retailer
      scale: 0.1
      seed: 7
      mapping: retail_mapping.yaml   # the import mapping (evals/), as a newcomer writes it from the template

generates the fixture's raw files (cached beside the settings' warehouse, regenerated when the generator changes),
imports them through the documented path (``shoplens data import``) into a fresh warehouse, and gives the
**truth**: an in-memory DuckDB whose views (``raw_lines``, ``lines``, ``products_named``) read the raw files
directly, so the expected SQL never touches what the importer or the semantic layer made of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from shoplens.agent.config import Settings
from shoplens.data.errors import DataError, UserInputError


@dataclass
class _Result:
    rows: list[tuple[Any, ...]]


class TruthRunner:
    """Runs the expected SQL on views over the raw files (``runner.run(sql).rows``, as the checks expect)."""

    def __init__(self, statements: list[str]) -> None:
        import duckdb

        self.con = duckdb.connect(config={"threads": 1})
        for sql in statements:
            self.con.execute(sql)

    def run(self, sql: str, **_: Any) -> _Result:
        import duckdb

        try:
            return _Result([tuple(r) for r in self.con.execute(sql).fetchall()])
        except duckdb.Error as exc:
            raise DataError(f"The expected SQL failed: {str(exc).splitlines()[0]}") from exc

    def close(self) -> None:
        self.con.close()


def prepare(settings: Settings, spec: dict[str, Any], *, progress: Any = None) -> tuple[Settings, TruthRunner | None]:
    """Settings pointing at the set's warehouse, and the truth runner (None: the warehouse itself is the truth)."""
    wh = spec.get("warehouse", "demo")
    if not isinstance(wh, dict):
        return settings, None
    fixture = str(wh.get("fixture", ""))
    if fixture != "retail":
        raise UserInputError(f"Unknown evaluation fixture '{fixture}'.", hint="Known: retail.")
    from shoplens.data.importing.importer import import_shop
    from shoplens.evals import retail_fixture

    scale, seed = float(wh.get("scale", 0.1)), int(wh.get("seed", 7))
    mapping_text = resources.files("shoplens.evals").joinpath(str(wh["mapping"])).read_text("utf-8")
    folder = Path(settings.db_path).parent / "evals" / f"{fixture}-s{scale:g}-seed{seed}"
    stamp = hashlib.sha256(Path(retail_fixture.__file__).read_bytes()).hexdigest()[:16]
    stamp_file = folder / "fixture.stamp"
    if not stamp_file.exists() or stamp_file.read_text("utf-8") != stamp:
        if progress:
            progress(f"Generating the {fixture} fixture (scale {scale:g}, seed {seed})")
        retail_fixture.generate(folder, scale, seed)
        stamp_file.write_text(stamp, encoding="utf-8")
    mapping = folder / "mapping.yaml"
    mapping.write_text(mapping_text, encoding="utf-8")
    target = folder / "warehouse.duckdb"
    if progress:
        progress(f"Importing the {fixture} fixture with {wh['mapping']}")
    import_shop(mapping, target)
    truth = TruthRunner(retail_fixture.views_sql(str(folder / "exports" / "*.csv")))
    return settings.replace(db=target, llm_base_url=None), truth

