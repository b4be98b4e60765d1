"""Issue 17, import usability: one export per day expanded by the shell is one source; a row with the wrong number
of fields is named by file and line; the shop's own dimensions are declared in the mapping and checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shoplens.data.errors import DataError, UserInputError
from shoplens.data.importing.grouping import group_patterns
from shoplens.data.importing.importer import import_shop
from shoplens.data.importing.mapping import parse_mapping
from shoplens.data.importing.template import build_template

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def day_file(folder: Path, day: int, *, extra_comma_line: int | None = None) -> Path:
    lines = [HEADER]
    for i in range(6):
        desc = "VINTAGE, SNAP CARDS" if extra_comma_line == len(lines) + 1 else "WHITE METAL LANTERN"
        inv = f"C{536000 + day * 10 + i}" if i == 5 else str(536000 + day * 10 + i)
        qty = -2 if i == 5 else 6
        lines.append(f"{inv},71053,{desc},{qty},12/{day}/2010 {8 + i}:15,3.39,17850.0,"
                     f"{'France' if i % 2 else 'United Kingdom'}")
    lines.append(f"{536000 + day * 10 + 9},POST,POSTAGE,1,12/{day}/2010 18:00,18.00,17850.0,France")
    path = folder / f"2010-12-{day:02d}.csv"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- many files, one source --------------------------------------------------------------------------------------
def test_shell_expanded_daily_files_become_one_glob_source(tmp_path: Path) -> None:
    files = [day_file(tmp_path / "exports", d) for d in range(1, 15)]
    other = tmp_path / "exports" / "returns.csv"
    other.write_text("order,reason\n1,broken\n", encoding="utf-8")
    args = [str(f.relative_to(tmp_path)) for f in files] + ["exports/returns.csv"]
    groups = group_patterns(args, tmp_path)
    assert groups == ["exports/2010-12-*.csv", "exports/returns.csv"]  # not exports/*.csv: returns.csv differs

    text = build_template(args, base=tmp_path, mapping_dir=tmp_path)
    m = yaml.safe_load(text)
    assert [s["path"] for s in m["sources"].values()] == ["exports/2010-12-*.csv"]
    assert "Not mapped: exports/returns.csv" in text and "2010-12-02.csv" not in text
    report = import_shop(parse_mapping(m, base_dir=tmp_path), tmp_path / "wh.duckdb")
    assert report.sources[next(iter(m["sources"]))].files == 14


def test_a_group_no_glob_matches_exactly_is_listed(tmp_path: Path) -> None:
    files = [day_file(tmp_path / "x", d) for d in (1, 2, 3)]
    day_file(tmp_path / "y", 11)
    picked = [str(files[0].relative_to(tmp_path)), str(files[2].relative_to(tmp_path))]  # not 2010-12-02
    assert group_patterns(picked, tmp_path) == [picked]


def test_template_proposes_net_revenue_country_and_non_product_lines(tmp_path: Path) -> None:
    files = [str(day_file(tmp_path / "exports", d).relative_to(tmp_path)) for d in (1, 13)]
    m = yaml.safe_load(build_template(files, base=tmp_path, mapping_dir=tmp_path))
    assert m["dates"] == "month_first"  # 12/13/2010 in the second file settles it
    assert m["tables"]["order_items"]["negative_quantity"] == "allow"
    assert m["tables"]["orders"]["columns"]["status"]["rules"] == [{"when": "InvoiceNo LIKE 'C%'",
                                                                    "value": "refund"}]
    assert m["dimensions"]["country"]["column"] == "Country"
    assert m["tables"]["products"]["columns"]["category"]["rules"][0]["value"] == "Non-product"
    import_shop(parse_mapping(m, base_dir=tmp_path), tmp_path / "wh.duckdb")
    import duckdb

    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM orders WHERE status = 'refund'").fetchone() == (2,)
        assert con.execute("SELECT sum(revenue) FROM order_items WHERE revenue < 0").fetchone()[0] < 0
        assert set(r[0] for r in con.execute("SELECT DISTINCT country FROM orders").fetchall()) == {
            "France", "United Kingdom"}
    finally:
        con.close()


# --- a row with the wrong number of fields -----------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [None, ","])
def test_a_row_with_an_extra_field_is_named_by_file_line_and_count(tmp_path: Path, delimiter: str | None) -> None:
    day_file(tmp_path / "exports", 1)
    day_file(tmp_path / "exports", 2, extra_comma_line=5)
    source: dict = {"path": "exports/*.csv"} | ({"delimiter": delimiter} if delimiter else {})
    m = {"version": 1, "dates": "month_first", "sources": {"s": source},
         "tables": {"order_items": {"negative_quantity": "allow", "columns": {
             "order_id": "InvoiceNo", "product_id": "StockCode", "quantity": "Quantity", "unit_price": "UnitPrice"}},
             "orders": {"columns": {"order_ts": "InvoiceDate"}}, "products": {"columns": {"name": "Description"}}}}
    with pytest.raises(DataError) as err:
        import_shop(parse_mapping(m, base_dir=tmp_path), tmp_path / "wh.duckdb")
    msg = str(err.value)
    assert "2010-12-02.csv, line 5: 9 fields where the header has 8" in msg and "VINTAGE, SNAP CARDS" in msg
    assert "InvoiceNo' is missing" not in msg and "latin-1" not in msg + (err.value.hint or "")
    assert "quotes" in (err.value.hint or "")
    assert not (tmp_path / "wh.duckdb").exists()


# --- declared dimensions -----------------------------------------------------------------------------------------
BASE = {"version": 1, "sources": {"s": {"path": "x.csv"}},
        "tables": {"order_items": {"columns": {"order_id": "InvoiceNo", "product_id": "StockCode",
                                               "quantity": "Quantity", "unit_price": "UnitPrice"}},
                   "orders": {"columns": {"order_ts": "InvoiceDate"}}, "products": {"columns": {"name": "Description"}}}}


@pytest.mark.parametrize(("dims", "message"), [
    ({"Country!": "Country"}, "lower-case letters"),
    ({"store": {"column": "Store", "table": "stores"}}, "Did you mean"),
    ({"rep": {"column": "Rep", "table": "customers"}}, "'customers' is not mapped"),
    ({"region": "Country"}, "already a column of orders"),
    ({"country": {"column": "Country", "synonyms": "market"}}, "list of words"),
    ({"country": {"colum": "Country"}}, "Did you mean 'column'"),
])
def test_bad_dimension_declarations_are_refused_plainly(tmp_path: Path, dims: dict, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        parse_mapping(BASE | {"dimensions": dims}, base_dir=tmp_path)


def test_declared_dimensions_reach_the_semantic_layer_with_their_synonyms(tmp_path: Path) -> None:
    from shoplens.tools.context import ToolContext

    day_file(tmp_path, 1)
    m = BASE | {"sources": {"s": {"path": "2010-12-01.csv"}}, "dates": "month_first",
                "tables": BASE["tables"] | {"order_items": BASE["tables"]["order_items"] | {"negative_quantity": "allow"},
                                            "products": {"columns": {"name": "Description",
                                                                     "brand": {"value": "Own"}}}},
                "dimensions": {"country": {"column": "Country", "synonyms": ["market"]},
                               "store": {"expr": "upper(left(Country, 2))", "label": "Shop"}}}
    import_shop(parse_mapping(m, base_dir=tmp_path), tmp_path / "wh.duckdb")
    ctx = ToolContext.open(tmp_path / "wh.duckdb", tmp_path / "charts")
    try:
        dims = ctx.semantic.dimensions
        assert dims["country"].values == ["France", "United Kingdom"] and dims["country"].synonyms == ("market",)
        assert dims["store"].label == "Shop" and dims["store"].values == ["FR", "UN"]
        from shoplens.agent.planner.entities import EntityMatcher

        assert EntityMatcher(ctx.semantic).dim_phrases["store"] == "store"  # the shop's word, not the sales channel
    finally:
        ctx.close()
