"""Bad input to `shoplens data import`: each error names the file, line and column (or the mapping key, with the
closest valid one), mapping expressions cannot inject SQL, and a failed or interrupted import leaves the previous
warehouse byte-identical with no scratch files behind."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from shoplens.data.errors import DataError, UserInputError
from shoplens.data.importing.importer import import_shop

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
GOOD = [
    "536365,85123A,WHITE HANGING HEART,6,01/12/2010 08:26,2.55,17850,United Kingdom",
    "536365,71053,WHITE METAL LANTERN,6,01/12/2010 08:26,3.39,17850,United Kingdom",
    "536366,22633,HAND WARMER,2,13/12/2010 09:00,1.85,,France",
]


def mapping(**changes: object) -> dict:
    m: dict = {
        "version": 1,
        "dates": "day_first",
        "sources": {"sales": {"path": "sales.csv"}},
        "tables": {
            "order_items": {"source": "sales", "columns": {"order_id": "InvoiceNo", "product_id": "StockCode",
                                                           "quantity": "Quantity", "unit_price": "UnitPrice"}},
            "orders": {"source": "sales", "columns": {"order_ts": "InvoiceDate", "customer_id": "CustomerID"}},
            "products": {"source": "sales", "columns": {"name": "Description"}},
        },
    }
    m.update(changes)
    return m


def setup(tmp_path: Path, rows: list[str] | None = None, m: dict | None = None, header: str = HEADER) -> Path:
    (tmp_path / "sales.csv").write_text(header + "\n".join(rows or GOOD) + "\n", encoding="utf-8")
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(m or mapping(), sort_keys=False), encoding="utf-8")
    return path


def run(tmp_path: Path, rows: list[str] | None = None, m: dict | None = None, **kw: object):  # noqa: ANN201
    return import_shop(setup(tmp_path, rows, m), tmp_path / "wh.duckdb", **kw)  # type: ignore[arg-type]


# --- the mapping --------------------------------------------------------------------------------------------------
def test_unknown_mapping_keys_suggest_the_closest(tmp_path: Path) -> None:
    m = mapping()
    m["tabels"] = m.pop("tables")
    with pytest.raises(UserInputError, match=r"unknown key 'tabels'.*Did you mean 'tables'"):
        run(tmp_path, m=m)
    m = mapping()
    m["tables"]["order_items"]["columns"]["quantitiy"] = m["tables"]["order_items"]["columns"].pop("quantity")
    with pytest.raises(UserInputError, match=r"tables.order_items.columns: unknown column of order_items "
                                             r"'quantitiy'.*Did you mean 'quantity'"):
        run(tmp_path, m=m)
    m = mapping()
    m["tables"]["order_item"] = m["tables"].pop("order_items")
    with pytest.raises(UserInputError, match=r"unknown table 'order_item'.*Did you mean 'order_items'"):
        run(tmp_path, m=m)
    m = mapping()
    m["sources"]["sales"]["delimeter"] = ";"
    with pytest.raises(UserInputError, match=r"sources.sales: unknown key 'delimeter'.*'delimiter'"):
        run(tmp_path, m=m)
    with pytest.raises(UserInputError, match=r"on_error: 'skp' is not one of fail, skip.*'skip'"):
        run(tmp_path, m=mapping(on_error="skp"))


def test_required_tables_and_columns(tmp_path: Path) -> None:
    m = mapping()
    del m["tables"]["products"]
    with pytest.raises(UserInputError, match="products are missing; products, orders and order_items are required"):
        run(tmp_path, m=m)
    m = mapping()
    del m["tables"]["order_items"]["columns"]["unit_price"]
    with pytest.raises(UserInputError, match="order_items.columns must map unit_price or revenue"):
        run(tmp_path, m=m)


def test_source_column_not_in_the_file(tmp_path: Path) -> None:
    m = mapping()
    m["tables"]["order_items"]["columns"]["unit_price"] = "Unit Price"
    with pytest.raises(UserInputError, match=r"'Unit Price' is not a column of source 'sales' \(sales.csv\).*"
                                             r"Did you mean 'UnitPrice'"):
        run(tmp_path, m=m)


def test_a_later_file_missing_a_column_is_named(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "2010-12-01.csv").write_text(HEADER + GOOD[0] + "\n")
    (tmp_path / "exports" / "2010-12-02.csv").write_text(HEADER.replace("UnitPrice", "Price") + GOOD[1] + "\n")
    m = mapping(sources={"sales": {"path": "exports/*.csv"}})
    with pytest.raises(UserInputError, match=r"2010-12-02.csv: column 'UnitPrice' is missing.*Closest column in this file: 'Price'"):
        run(tmp_path, m=m)


def test_no_file_matches(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=r"'exports/2024-\*.csv' matches no file"):
        run(tmp_path, m=mapping(sources={"sales": {"path": "exports/2024-*.csv"}}))


def test_mapping_file_problems(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="No mapping file"):
        import_shop(tmp_path / "nope.yaml", tmp_path / "wh.duckdb")
    (tmp_path / "bad.yaml").write_text("tables:\n  orders: [\n")
    with pytest.raises(UserInputError, match=r"bad.yaml \(line \d+, column \d+\) is not valid YAML"):
        import_shop(tmp_path / "bad.yaml", tmp_path / "wh.duckdb")


@pytest.mark.parametrize("expr, message", [
    ("Quantity * UnitPrice; DROP TABLE orders", "one expression expected"),
    ("(SELECT 1)", "not allowed"),
    ("read_csv('/etc/passwd')", "not allowed"),
    ("read_text('/etc/passwd')", "unknown or disallowed function 'read_text'"),
    ("getenv('HOME')", "unknown or disallowed function"),
    ("Quantity * Price", "'Price' is not a column.*Did you mean 'UnitPrice'"),
    ("orders.Quantity * UnitPrice", "without a table prefix"),
    ("Quantity > 1", "gives true/false"),
    ("CAST(Quantity AS BLOB)", "cannot cast"),
])
def test_expressions_cannot_inject_or_escape(tmp_path: Path, expr: str, message: str) -> None:
    m = mapping()
    m["tables"]["order_items"]["columns"]["revenue"] = expr
    with pytest.raises(UserInputError, match=message):
        run(tmp_path, m=m)
    assert not (tmp_path / "wh.duckdb").exists()


def test_rules_need_a_condition(tmp_path: Path) -> None:
    m = mapping()
    m["tables"]["orders"]["columns"]["status"] = {"rules": [{"when": "InvoiceNo", "value": "cancelled"}]}
    with pytest.raises(UserInputError, match=r"status.rules\[0\].when: 'InvoiceNo' is not a condition"):
        run(tmp_path, m=m)


# --- the data -----------------------------------------------------------------------------------------------------
def test_unparsable_date_names_file_line_column_and_value(tmp_path: Path) -> None:
    rows = [*GOOD, "536367,71053,WHITE METAL LANTERN,1,31/02/2010 10:00,3.39,17850,United Kingdom"]
    with pytest.raises(DataError, match=r"sales.csv, line 5, column 'InvoiceDate': unparsable date "
                                        r"\('31/02/2010 10:00'\)\..*on_error: skip.*Nothing was written"):
        run(tmp_path, rows)


def test_negative_quantity_is_refused_unless_the_mapping_says_what_it_means(tmp_path: Path) -> None:
    rows = [*GOOD, "C536367,71053,WHITE METAL LANTERN,-1,14/12/2010 10:00,3.39,17850,United Kingdom"]
    with pytest.raises(DataError, match=r"sales.csv, line 5, column 'Quantity': negative quantity \('-1'\)"):
        run(tmp_path, rows)
    m = mapping()
    m["tables"]["order_items"]["negative_quantity"] = "cancelled"
    report = run(tmp_path, rows, m)
    assert report.tables["orders"] == 3 and not report.rejected


def test_bad_numbers_are_rejected_with_their_value(tmp_path: Path) -> None:
    rows = [*GOOD, "536367,71053,LANTERN,two,14/12/2010 10:00,3.39,17850,UK",
            "536368,71053,LANTERN,1,14/12/2010 10:00,\"3,39\",17850,UK",
            "536369,71053,LANTERN,1.5,14/12/2010 10:00,3.39,17850,UK"]
    with pytest.raises(DataError, match=r"line 5, column 'Quantity': not a number \('two'\)\. 2 more row\(s\) "
                                        r"have problems \(.*not a number: 2.*not a whole number: 1"):
        run(tmp_path, rows, rejects=tmp_path / "rejects.csv")
    text = (tmp_path / "rejects.csv").read_text()
    assert "UnitPrice,\"3,39\"" in text and "not a whole number,Quantity,1.5" in text  # '3,39' is not 3.39


def test_duplicate_keys_in_a_one_row_per_key_file(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("sku,title\n85123A,Heart\n71053,Lantern\n85123A,Heart again\n22633,W\n")
    m = mapping(sources={"sales": {"path": "sales.csv"}, "catalogue": {"path": "products.csv"}})
    m["tables"]["products"] = {"source": "catalogue", "columns": {"product_id": "sku", "name": "title"}}
    with pytest.raises(DataError, match=r"products.csv, line 4, column 'sku': duplicate product_id "
                                        r"\('85123A \(first on line 2\)'\)"):
        run(tmp_path, m=m)


def test_lines_naming_unknown_products_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("sku,title\n85123A,Heart\n71053,Lantern\n")
    m = mapping(on_error="skip", sources={"sales": {"path": "sales.csv"}, "catalogue": {"path": "products.csv"}})
    m["tables"]["products"] = {"source": "catalogue", "columns": {"product_id": "sku", "name": "title"}}
    report = run(tmp_path, m=m)
    assert report.rejected == {"unknown product": 1}
    assert report.tables["orders"] == 1  # the only line of order 536366 was rejected, so is the order


def test_ambiguous_dates_need_the_date_order(tmp_path: Path) -> None:
    m = mapping()
    del m["dates"]
    with pytest.raises(UserInputError, match=r"sales.csv, line 2, column 'InvoiceDate': the date "
                                             r"'01/12/2010 08:26' could be day-first or month-first.*dates: day_first"):
        run(tmp_path, m=m)


def test_encoding_errors_say_which_option_to_set(tmp_path: Path) -> None:
    path = setup(tmp_path)
    (tmp_path / "sales.csv").write_bytes((HEADER + GOOD[0].replace("HEART", "C\xc6UR") + "\n").encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8 text.*encoding: latin-1"):
        import_shop(path, tmp_path / "wh.duckdb")


def test_nothing_kept_is_an_error(tmp_path: Path) -> None:
    rows = ["536365,85123A,HEART,x,01/12/2010 08:26,2.55,17850,UK"]
    with pytest.raises(DataError, match="No order lines were kept.*not a number: 1"):
        run(tmp_path, rows, mapping(on_error="skip"))


# --- all or nothing ------------------------------------------------------------------------------------------
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def previous(tmp_path: Path) -> tuple[Path, Path, str]:
    path = setup(tmp_path)
    target = tmp_path / "wh.duckdb"
    import_shop(path, target)
    return path, target, _digest(target)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
@pytest.mark.parametrize("at", ["Reading", "Checking keys", "Wrote orders"])
def test_interrupted_import_leaves_the_previous_warehouse(previous, exc: BaseException, at: str) -> None:
    path, target, digest = previous

    def progress(label: str, frac: float) -> None:
        if label.startswith(at):
            raise exc

    with pytest.raises(type(exc)):
        import_shop(path, target, progress=progress)
    assert _digest(target) == digest
    assert _leftovers(target.parent) == []


def test_failed_import_leaves_the_previous_warehouse(previous) -> None:
    path, target, digest = previous
    rows = [*GOOD, "536367,71053,LANTERN,1,31/02/2010 10:00,3.39,17850,UK"]
    (path.parent / "sales.csv").write_text(HEADER + "\n".join(rows) + "\n")
    with pytest.raises(DataError):
        import_shop(path, target)
    assert _digest(target) == digest and _leftovers(target.parent) == []


def test_successful_reimport_replaces_the_warehouse(previous) -> None:
    path, target, digest = previous
    (path.parent / "sales.csv").write_text(HEADER + "\n".join([*GOOD, GOOD[2].replace("536366", "536399")]) + "\n")
    report = import_shop(path, target)
    assert report.tables["orders"] == 3 and _digest(target) != digest and _leftovers(target.parent) == []


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from shoplens.agent.cli.cmd_import import register_data_commands

    app, data = typer.Typer(), typer.Typer()
    register_data_commands(data)
    app.add_typer(data, name="data")
    path = setup(tmp_path, [*GOOD, "536367,71053,LANTERN,-1,14/12/2010 10:00,3.39,17850,UK"])
    res = CliRunner().invoke(app, ["data", "import", "--mapping", str(path), "--path", str(tmp_path / "w.duckdb")])
    assert res.exit_code == DataError.exit_code
    assert "line 5, column 'Quantity': negative quantity" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(app, ["data", "mapping-template", str(tmp_path / "missing.csv")])
    assert res.exit_code == UserInputError.exit_code and "No file matches" in res.output
