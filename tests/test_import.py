"""Importing a shop's own exports: the two worked shapes of docs/import.md (online-retail one-file-per-day with
credit notes, a Shopify orders export) and a Parquet + side-files shop, checked through the real SQL runner and
semantic layer against totals computed independently with pandas."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from shoplens.data.importing.importer import import_shop
from shoplens.tools.context import ToolContext
from shoplens.tools.query import MetricQuery, compile_query

# --- online retail, one file per day -----------------------------------------------------------------------------
RETAIL_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
                 "Country"]
PRODUCTS = {  # StockCode -> (description, price)
    "85123A": ("WHITE HANGING HEART T-LIGHT HOLDER", 2.55), "71053": ("WHITE METAL LANTERN", 3.39),
    "84406B": ("CREAM CUPID HEARTS COAT HANGER", 2.75), "22752": ("SET 7 BABUSHKA NESTING BOXES", 7.65),
    "21730": ("GLASS STAR FROSTED T-LIGHT HOLDER", 4.25), "22633": ("HAND WARMER UNION JACK", 1.85),
    "84879": ("ASSORTED COLOUR BIRD ORNAMENT", 1.69), "22745": ("POPPY'S PLAYHOUSE BEDROOM", 2.10),
    "23166": ("MEDIUM CERAMIC TOP STORAGE JAR", 1040.0), "M": ("Manual", 18.0),
}
RETAIL_CATEGORY_RULES = [("2", "Home"), ("8", "Gifts"), ("7", "Lighting")]  # StockCode prefix -> category


def _category(code: str) -> str:
    return next((cat for prefix, cat in RETAIL_CATEGORY_RULES if code.startswith(prefix)), "Other")


def _money(x: float) -> str:
    return f"£{x:,.2f}"


def write_retail_days(folder: Path, days: int = 12, seed: int = 3) -> None:
    """Daily CSVs shaped like the UCI Online Retail export: credit notes ('C' invoices, negative quantities),
    exact duplicate lines, missing CustomerID, description variants of one SKU, '£1,040.00' prices, dd/mm/YYYY."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    invoice = 536365
    codes = list(PRODUCTS)
    for d in range(days):
        day = dt.date(2010, 12, 1) + dt.timedelta(days=d)
        rows = []
        for _ in range(rng.randint(3, 7)):
            invoice += 1
            credit = rng.random() < 0.15
            no = f"C{invoice}" if credit else str(invoice)
            customer = "" if rng.random() < 0.2 else str(rng.randint(12346, 12400))
            ts = f"{day.day:02d}/{day.month:02d}/{day.year} {rng.randint(8, 19)}:{rng.randint(0, 59):02d}"
            country = rng.choice(["United Kingdom", "United Kingdom", "France", "Germany"])
            for code in rng.sample(codes, rng.randint(1, 4)):
                desc, price = PRODUCTS[code]
                if code == "85123A" and rng.random() < 0.3:
                    desc = rng.choice(["white hanging heart t-light holder", "WHITE HANGING HEART  T-LIGHT HOLDER "])
                qty = rng.randint(1, 12) * (-1 if credit else 1)
                rows.append([no, code, desc, str(qty), ts, _money(price), customer, country])
                if rng.random() < 0.05:
                    rows.append(list(rows[-1]))  # an exact duplicate line
        if d == 4:  # a regular invoice with one negative line (a return inside the invoice)
            last = next(r for r in reversed(rows) if not r[0].startswith("C"))
            rows.append([last[0], "22633", PRODUCTS["22633"][0], "-2", last[4], "£1.85", last[6], last[7]])
        pd.DataFrame(rows, columns=RETAIL_HEADER).to_csv(folder / f"2010-{day:%m-%d}.csv", index=False)


RETAIL_MAPPING = {
    "version": 1,
    "on_error": "fail",
    "dates": "day_first",
    "sources": {"sales": {"path": "exports/2010-*.csv"}},
    "tables": {
        "order_items": {"source": "sales", "negative_quantity": "allow",
                        "columns": {"order_id": "InvoiceNo", "product_id": "StockCode", "quantity": "Quantity",
                                    "unit_price": "UnitPrice"}},
        "orders": {"source": "sales", "columns": {
            "order_ts": "InvoiceDate", "customer_id": "CustomerID",
            "status": {"rules": [{"when": "InvoiceNo LIKE 'C%'", "value": "refund"}], "default": "completed"}}},
        "products": {"source": "sales", "columns": {
            "name": "Description",
            "category": {"rules": [{"when": f"StockCode LIKE '{p}%'", "value": c} for p, c in RETAIL_CATEGORY_RULES],
                         "default": "Other"}}},
        "customers": {"source": "sales", "columns": {"customer_id": "CustomerID"}},
    },
    "dimensions": {"country": {"column": "Country", "synonyms": ["countries", "market", "markets", "territory"]}},
}


@contextlib.contextmanager
def opened(db: Path) -> Iterator[ToolContext]:
    ctx = ToolContext.open(db, db.parent / "charts")
    try:
        yield ctx
    finally:
        ctx.close()


def write_mapping(path: Path, mapping: dict) -> Path:
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return path


def retail_expected(folder: Path) -> pd.DataFrame:
    """The order lines as the import should see them, computed with pandas only."""
    df = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(folder.glob("2010-*.csv"))])
    df = df.drop_duplicates()
    df["qty"] = df["Quantity"].astype(int)
    df["price"] = df["UnitPrice"].str.replace("£", "").str.replace(",", "").astype(float)
    df["revenue"] = (df["qty"] * df["price"]).round(2)  # credit notes keep their negative lines
    df["category"] = df["StockCode"].map(_category)
    df["status"] = ["refund" if n.startswith("C") else "completed" for n in df["InvoiceNo"]]
    return df


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("retail")
    write_retail_days(root / "exports")
    mapping = write_mapping(root / "shop.yaml", RETAIL_MAPPING)
    report = import_shop(mapping, root / "wh.duckdb", rejects=root / "rejects.csv")
    ctx = ToolContext.open(root / "wh.duckdb", root / "charts")
    yield root, report, ctx
    ctx.close()


def test_retail_revenue_by_category_matches_pandas(retail) -> None:
    root, report, ctx = retail
    expected = retail_expected(root / "exports")
    want = expected.groupby("category")["revenue"].sum().round(2)  # net: credit notes deducted
    res = ctx.runner.run(compile_query(MetricQuery("revenue", group_by=["category"]), ctx.semantic))
    got = {row[0]: float(row[1]) for row in res.rows}
    assert got == pytest.approx(want.to_dict(), abs=0.005)
    assert set(ctx.semantic.dimension("category").values) == set(want.index)


def test_retail_report_counts_orders_statuses_and_dates(retail) -> None:
    root, report, ctx = retail
    expected = retail_expected(root / "exports")
    raw_rows = sum(len(pd.read_csv(f, dtype=str)) for f in (root / "exports").glob("*.csv"))
    assert report.rows_read == raw_rows
    assert report.duplicates == raw_rows - len(expected) > 0
    assert report.rows_kept == len(expected) and not report.rejected
    assert report.sources["sales"].files == 12
    statuses = dict(ctx.runner.run("SELECT status, count(*) FROM orders GROUP BY 1").rows)
    by_invoice = expected.groupby("InvoiceNo")["status"].first().value_counts().to_dict()
    assert statuses == by_invoice
    assert report.first_date == dt.date(2010, 12, 1)
    assert ctx.as_of == report.last_date == dt.date(2010, 12, 12)
    units = ctx.runner.scalar("SELECT sum(quantity) FROM order_items")
    assert int(units) == int(expected["qty"].sum())  # credit notes keep negative quantities: units are net


def test_retail_ids_are_integers_and_original_numbers_are_not_stored(retail) -> None:
    root, report, ctx = retail
    assert report.ids["order"] == "digits"  # '536370' -> 536370, 'C536371' -> 536371 (no clash)
    assert report.ids["product"] == "rank"  # '85123A', 'M': no usable number
    cols = dict(ctx.runner.catalog["orders"])
    assert cols["order_id"] == "BIGINT"
    ids = {r[0] for r in ctx.runner.run("SELECT order_id FROM orders").rows}
    invoices = set(retail_expected(root / "exports")["InvoiceNo"])
    assert ids == {int(n.lstrip("C")) for n in invoices}
    text_cols = [(t, c) for t, cs in ctx.runner.catalog.items() for c, ty in cs if ty == "VARCHAR"]
    for table, col in text_cols:
        assert not ctx.runner.scalar(f"SELECT count(*) FROM {table} WHERE {col} LIKE 'C5%'"), (table, col)


def test_retail_products_take_the_most_frequent_description_and_customers_may_be_missing(retail) -> None:
    _, _, ctx = retail
    names = dict(ctx.runner.run("SELECT sku, name FROM products").rows)
    assert names["85123A"] == "WHITE HANGING HEART T-LIGHT HOLDER"
    assert len(names) == len(set(names.values()))
    missing = ctx.runner.scalar("SELECT count(*) FROM orders WHERE customer_id IS NULL")
    assert missing > 0
    assert ctx.runner.scalar("SELECT count(*) FROM customers WHERE customer_id IS NULL") == 0


def test_absent_optional_tables_are_reported_plainly(retail) -> None:
    from shoplens.data.errors import UserInputError

    _, report, ctx = retail
    assert set(report.absent_tables) == {"reviews", "web_traffic", "campaigns", "marketing_spend"}
    assert "avg_rating" in ctx.semantic.hidden and "sessions" in ctx.semantic.hidden
    with pytest.raises(UserInputError, match="avg_rating.*not available.*reviews"):
        ctx.semantic.metric("avg_rating")
    with pytest.raises(UserInputError, match="no reviews table.*optional"):
        ctx.runner.run("SELECT count(*) FROM reviews")
    assert "revenue" in ctx.semantic.metrics and "cancel_rate" in ctx.semantic.metrics


def test_reimport_is_deterministic(retail, tmp_path: Path) -> None:
    root = retail[0]
    for name in ("a.duckdb", "b.duckdb"):
        import_shop(root / "shop.yaml", tmp_path / name)
    a, b = (duckdb.connect(str(tmp_path / n), read_only=True) for n in ("a.duckdb", "b.duckdb"))
    try:
        for table in ("orders", "order_items", "products", "customers"):
            rows = a.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            assert rows and rows == b.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall(), table
    finally:
        a.close()
        b.close()


# --- Shopify orders export --------------------------------------------------------------------------------------
SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Created at", "Lineitem quantity", "Lineitem name",
                  "Lineitem price", "Lineitem sku", "Vendor", "Shipping Province", "Id"]


def write_shopify(path: Path, orders: int = 40, seed: int = 5) -> pd.DataFrame:
    """An orders export: one row per line item; order-level fields only on an order's first line; a custom item
    without SKU; UTC offsets on timestamps; '$1,299.00' prices."""
    rng = random.Random(seed)
    items = [("Aurora Lamp", "AL-1", 1299.0, "Lumo"), ("Birch Mug", "BM-2", 14.5, "Kiln"),
             ("Cedar Tray", "CT-3", 32.0, "Kiln"), ("Gift wrap", "", 4.0, "")]
    rows = []
    for n in range(1001, 1001 + orders):
        status = rng.choice(["paid", "paid", "paid", "refunded", "voided", "partially_refunded"])
        created = dt.datetime(2024, 3, 1, 12) + dt.timedelta(hours=rng.randint(0, 24 * 30))
        ts = f"{created:%Y-%m-%d %H:%M:%S} {rng.choice(['-0500', '+0100'])}"
        email = rng.choice(["ann@example.com", "bo@example.com", "cy@example.com", ""])
        province = rng.choice(["Ontario", "Quebec", "New York"])
        for i, (name, sku, price, vendor) in enumerate(rng.sample(items, rng.randint(1, 3))):
            first = i == 0
            rows.append([f"#{n}", email, status if first else "", ts if first else "", str(rng.randint(1, 3)),
                         name, f"${price:,.2f}" if price > 1000 else f"{price:.2f}", sku, vendor,
                         province if first else "", str(450789469 + n)])
    df = pd.DataFrame(rows, columns=SHOPIFY_HEADER)
    df.to_csv(path, index=False)
    return df


SHOPIFY_MAPPING = {
    "version": 1,
    "on_error": "fail",
    "sources": {"shopify": {"path": "orders_export.csv"}},
    "tables": {
        "order_items": {"source": "shopify", "columns": {
            "order_id": "Name", "product_id": 'coalesce("Lineitem sku", "Lineitem name")',
            "quantity": "Lineitem quantity", "unit_price": "Lineitem price"}},
        "orders": {"source": "shopify", "columns": {
            "order_ts": "Created at", "customer_id": "Email", "region": "Shipping Province",
            "channel": {"value": "web"},
            "status": {"column": "Financial Status", "values": {
                "paid": "completed", "partially_refunded": "completed", "refunded": "returned",
                "voided": "cancelled"}}}},
        "products": {"source": "shopify", "columns": {"sku": "Lineitem sku", "name": "Lineitem name",
                                                      "brand": "Vendor"}},
    },
}


def test_shopify_export_revenue_by_region(tmp_path: Path) -> None:
    df = write_shopify(tmp_path / "orders_export.csv")
    report = import_shop(write_mapping(tmp_path / "shop.yaml", SHOPIFY_MAPPING), tmp_path / "wh.duckdb")
    # pandas: order fields live on each order's first line
    first = df.replace("", None).groupby("Name").first()
    df["price"] = df["Lineitem price"].str.replace("$", "").str.replace(",", "").astype(float)
    df["revenue"] = (df["Lineitem quantity"].astype(int) * df["price"]).round(2)
    df = df.join(first[["Financial Status", "Shipping Province"]].rename(columns=lambda c: c + "_o"), on="Name")
    done = df[df["Financial Status_o"].isin(["paid", "partially_refunded"])]
    want = done.groupby("Shipping Province_o")["revenue"].sum().round(2).to_dict()
    with opened(tmp_path / "wh.duckdb") as ctx:
        res = ctx.runner.run(compile_query(MetricQuery("revenue", group_by=["region"]), ctx.semantic))
        assert {r[0]: float(r[1]) for r in res.rows} == pytest.approx(want, abs=0.005)
        assert report.ids["order"] == "digits"  # '#1001' -> 1001
        assert ctx.runner.scalar("SELECT min(order_id) FROM orders") == 1001
        statuses = dict(ctx.runner.run("SELECT status, count(*) FROM orders GROUP BY 1").rows)
        assert statuses == {"completed": (first["Financial Status"].isin(["paid", "partially_refunded"])).sum(),
                            "returned": (first["Financial Status"] == "refunded").sum(),
                            "cancelled": (first["Financial Status"] == "voided").sum()}
        # wall-clock time kept, offset dropped; timestamps on later lines are blank and do not matter
        ts = first["Created at"].str[:19].min()
        assert str(ctx.runner.scalar("SELECT min(order_ts) FROM orders")) == ts
        wrap = ctx.runner.run("SELECT sku, name, brand FROM products WHERE name = 'Gift wrap'").rows
        assert wrap == [("Gift wrap", "Gift wrap", None)]  # no SKU: keyed by its name
        assert ctx.semantic.dimension("brand").values == ["Kiln", "Lumo"]
        assert ctx.runner.scalar("SELECT count(*) FROM orders WHERE customer_id IS NULL") > 0


# --- Parquet lines + product catalogue + reviews ------------------------------------------------------------------
def test_parquet_lines_with_catalogue_and_reviews(tmp_path: Path) -> None:
    rng = random.Random(9)
    lines = pd.DataFrame({
        "order_no": [1000 + i // 2 for i in range(200)],
        "sku": [rng.choice(["A1", "B2", "C3", "D4"]) for _ in range(200)],
        "qty": [rng.randint(1, 4) for _ in range(200)],
        "price": [round(rng.uniform(5, 50), 2) for _ in range(200)],
        "ordered_at": [pd.Timestamp("2025-01-01") + pd.Timedelta(hours=3 * (i // 2)) for i in range(200)],
        "state": [rng.choice(["completed", "Completed", "canceled"]) for _ in range(200)],
    })
    lines["state"] = lines.groupby("order_no")["state"].transform("first")
    (tmp_path / "lines").mkdir()
    lines.iloc[:120].to_parquet(tmp_path / "lines" / "part-1.parquet")
    lines.iloc[120:].to_parquet(tmp_path / "lines" / "part-2.parquet")
    catalogue = pd.DataFrame({"sku": ["A1", "B2", "C3", "D4"], "title": ["Alpha", "Beta", "Gamma", "Delta"],
                              "category": ["Toys", "Toys", "Books", ""], "cost": ["2,00", "3,50", "1,00", "4"]})
    catalogue.to_csv(tmp_path / "catalogue.csv", sep=";", index=False)
    reviews = pd.DataFrame({"sku": ["A1", "A1", "C3"], "date": ["2025-01-03", "2025-01-05", "2025-01-04"],
                            "stars": [5, 3, 4], "text": ["great", "ok", "fine"]})
    reviews.to_csv(tmp_path / "reviews.csv", index=False)
    mapping = {
        "version": 1, "decimal": ",",
        "sources": {"lines": {"path": "lines/*.parquet"}, "catalogue": {"path": "catalogue.csv", "delimiter": ";"},
                    "reviews": "reviews.csv"},
        "tables": {
            "order_items": {"source": "lines", "columns": {"order_id": "order_no", "product_id": "sku",
                                                           "quantity": "qty", "unit_price": "price",
                                                           "revenue": "round(qty * price, 2)"}},
            "orders": {"source": "lines", "columns": {"order_ts": "ordered_at", "status": "state"}},
            "products": {"source": "catalogue", "columns": {
                "product_id": "sku", "name": "title", "category": {"column": "category", "default": "Misc"},
                "unit_cost": "cost"}},
            "reviews": {"source": "reviews", "columns": {"product_id": "sku", "review_date": "date",
                                                         "rating": "stars", "body": "text"}},
        },
    }
    report = import_shop(write_mapping(tmp_path / "shop.yaml", mapping), tmp_path / "wh.duckdb")
    assert report.tables == {"products": 4, "orders": 100, "order_items": 200, "reviews": 3}
    cat = {"A1": "Toys", "B2": "Toys", "C3": "Books", "D4": "Misc"}
    cost = {"A1": 2.0, "B2": 3.5, "C3": 1.0, "D4": 4.0}
    lines["revenue"] = (lines.qty * lines.price).round(2)
    lines["margin"] = lines.revenue - lines.qty * lines.sku.map(cost)
    done = lines[lines.state.str.lower() == "completed"]
    with opened(tmp_path / "wh.duckdb") as ctx:
        res = ctx.runner.run(compile_query(MetricQuery("revenue", group_by=["category"]), ctx.semantic))
        want = done.groupby(done.sku.map(cat))["revenue"].sum().round(2).to_dict()
        assert {r[0]: float(r[1]) for r in res.rows} == pytest.approx(want, abs=0.005)
        margin = ctx.runner.run(compile_query(MetricQuery("gross_margin"), ctx.semantic)).rows[0][0]
        assert float(margin) == pytest.approx(done.margin.sum(), abs=0.01)
        rating = ctx.runner.run(compile_query(MetricQuery("avg_rating"), ctx.semantic)).rows[0][0]
        assert rating == pytest.approx(4.0)
        cancelled = (lines.groupby("order_no").state.first() == "canceled").sum()
        assert ctx.runner.scalar("SELECT count(*) FROM orders WHERE status = 'cancelled'") == cancelled


# --- dry run, rejects, hash ids, CLI --------------------------------------------------------------------------
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dry_run_writes_nothing_and_skip_lists_rejects(tmp_path: Path) -> None:
    write_retail_days(tmp_path / "exports", days=3)
    bad = tmp_path / "exports" / "2010-12-02.csv"
    text = bad.read_text().splitlines()
    text[2] = text[2].replace(text[2].split(",")[4], "31/02/2010 10:00")  # no such day
    bad.write_text("\n".join(text) + "\n")
    mapping = dict(RETAIL_MAPPING, on_error="skip")
    target = tmp_path / "wh.duckdb"
    target.write_bytes(b"previous warehouse")
    report = import_shop(write_mapping(tmp_path / "shop.yaml", mapping), target, dry_run=True,
                         rejects=tmp_path / "rejects.csv")
    assert target.read_bytes() == b"previous warehouse"
    assert report.dry_run and report.tables["orders"] > 0
    assert report.rejected == {"unparsable date": 1}
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str)
    assert rejects.loc[0, ["line", "reason", "column", "value"]].tolist() == [
        "3", "unparsable date", "InvoiceDate", "31/02/2010 10:00"]
    assert rejects.loc[0, "file"].endswith("2010-12-02.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "rejects.csv", "shop.yaml", "wh.duckdb"]


def test_hash_ids_are_stable_when_more_days_arrive(tmp_path: Path) -> None:
    write_retail_days(tmp_path / "exports", days=4)
    mapping = dict(RETAIL_MAPPING, ids={"order": "hash", "product": "rank"})
    path = write_mapping(tmp_path / "shop.yaml", mapping)
    import_shop(path, tmp_path / "a.duckdb")
    write_retail_days(tmp_path / "exports", days=6)  # same first four days, two more
    import_shop(path, tmp_path / "b.duckdb")
    q = "SELECT order_id, order_ts FROM orders WHERE order_date < DATE '2010-12-05' ORDER BY ALL"
    a, b = (duckdb.connect(str(tmp_path / n), read_only=True) for n in ("a.duckdb", "b.duckdb"))
    try:
        assert a.execute(q).fetchall() == b.execute(q).fetchall()
        assert a.execute("SELECT min(order_id) > 0 FROM orders").fetchone() == (True,)
    finally:
        a.close()
        b.close()


def _cli(*args: str):  # noqa: ANN202
    import typer
    from typer.testing import CliRunner

    from shoplens.agent.cli.cmd_import import register_data_commands

    app, data = typer.Typer(), typer.Typer()
    register_data_commands(data)
    app.add_typer(data, name="data")
    return CliRunner().invoke(app, ["data", *args])


def test_cli_import_prints_summary_and_json(tmp_path: Path) -> None:
    write_retail_days(tmp_path / "exports", days=2)
    mapping = write_mapping(tmp_path / "shop.yaml", RETAIL_MAPPING)
    res = _cli("import", "--mapping", str(mapping), "--path", str(tmp_path / "wh.duckdb"))
    assert res.exit_code == 0, res.output
    for words in ("rows read", "rows kept", "tables filled", "orders (", "2010-12-01 to 2010-12-02"):
        assert words in res.output
    res = _cli("import", "--mapping", str(mapping), "--path", str(tmp_path / "wh.duckdb"), "--json", "--dry-run")
    assert res.exit_code == 0, res.output
    data = yaml.safe_load(res.output)
    assert data["dry_run"] and data["last_date"] == "2010-12-02" and data["rows_rejected"] == 0


def test_mapping_template_guesses_retail_and_shopify_and_imports_unedited(tmp_path: Path) -> None:
    write_retail_days(tmp_path / "exports", days=3)
    res = _cli("mapping-template", str(tmp_path / "exports" / "2010-*.csv"), "--out", str(tmp_path / "r.yaml"))
    assert res.exit_code == 0, res.output
    text = (tmp_path / "r.yaml").read_text()
    assert "dates: day_first" in text and "InvoiceNo LIKE 'C%'" in text and "negative_quantity: allow" in text
    m = yaml.safe_load(text)
    assert m["tables"]["orders"]["columns"]["status"]["rules"][0]["value"] == "refund"  # netted, not dropped
    assert m["dimensions"]["country"]["column"] == "Country" and "region" not in m["tables"]["orders"]["columns"]
    report = import_shop(tmp_path / "r.yaml", tmp_path / "r.duckdb")
    assert report.tables["orders"] > 0 and report.ids["order"] == "digits"

    write_shopify(tmp_path / "orders_export.csv")
    res = _cli("mapping-template", str(tmp_path / "orders_export.csv"), "--out", str(tmp_path / "s.yaml"))
    assert res.exit_code == 0, res.output
    m = yaml.safe_load((tmp_path / "s.yaml").read_text())
    cols = m["tables"]["order_items"]["columns"]
    assert cols["order_id"] == "Name" and cols["quantity"] == "Lineitem quantity"
    assert cols["product_id"] == 'coalesce("Lineitem sku", "Lineitem name")'
    assert m["tables"]["orders"]["columns"]["status"]["values"]["refunded"] == "returned"
    assert m["tables"]["products"]["columns"]["name"] == "Lineitem name"
    report = import_shop(tmp_path / "s.yaml", tmp_path / "s.duckdb")
    assert report.tables["orders"] == 40


def test_docs_worked_examples_are_the_tested_mappings() -> None:
    """docs/import.md's two worked examples are exactly the mappings these tests import."""
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "import.md").read_text(encoding="utf-8")
    blocks = {b.split("path: ")[1].split("\n")[0]: yaml.safe_load(b)
              for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "\n    path: " in b}
    assert blocks["exports/2010-*.csv"] == RETAIL_MAPPING
    assert blocks["orders_export.csv"] == SHOPIFY_MAPPING
