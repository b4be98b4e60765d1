"""Benchmark: import 1M order lines from an online-retail-style CSV (target: <= 60 s on 2 cores).

Writes the CSV into /tmp, messy on purpose ('£1,234.50' prices, dd/mm/YYYY dates, 'C' credit notes with
negative quantities, missing customer ids, description variants, a duplicate line, ten 'n/a' prices to reject),
then times `import_shop` end to end (read, clean, check, build, rejects file, atomic swap) and, side by side,
DuckDB's plain read of the same file, so the ratio shows what cleaning and checking cost on top of parsing.

    python benchmarks/bench_import.py [--rows 1000000] [--runs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

from shoplens.data.importing.importer import import_shop

MAPPING = {
    "version": 1, "on_error": "skip", "dates": "day_first",
    "sources": {"sales": {"path": "retail.csv"}},
    "tables": {
        "order_items": {"source": "sales", "negative_quantity": "returned",
                        "columns": {"order_id": "InvoiceNo", "product_id": "StockCode", "quantity": "Quantity",
                                    "unit_price": "UnitPrice"}},
        "orders": {"source": "sales", "columns": {
            "order_ts": "InvoiceDate", "customer_id": "CustomerID", "region": "Country",
            "status": {"rules": [{"when": "InvoiceNo LIKE 'C%'", "value": "cancelled"}], "default": "completed"}}},
        "products": {"source": "sales", "columns": {
            "name": "Description",
            "category": {"rules": [{"when": "StockCode LIKE '2%'", "value": "Home"},
                                   {"when": "StockCode LIKE '8%'", "value": "Gifts"}], "default": "Other"}}},
        "customers": {"source": "sales", "columns": {"region": "Country"}},
    },
}


def write_csv(path: Path, rows: int, threads: int) -> None:
    """Generate the export with DuckDB itself (fast and deterministic)."""
    con = duckdb.connect(config={"threads": threads})
    con.execute(f"""
        COPY (
          WITH l AS (SELECT i, i // 3 AS inv, hash(i) AS h FROM range({rows}) t(i))
          SELECT CASE WHEN inv % 50 = 7 THEN 'C' ELSE '' END || (536365 + inv)::VARCHAR AS InvoiceNo,
                 (20000 + h % 3500)::VARCHAR || CASE WHEN h % 7 = 0 THEN 'A' ELSE '' END AS StockCode,
                 CASE WHEN h % 11 = 0 THEN lower('PRODUCT ' || (h % 3500)::VARCHAR)
                      ELSE 'PRODUCT ' || (h % 3500)::VARCHAR END AS Description,
                 ((1 + h % 12) * CASE WHEN inv % 50 = 7 THEN -1 ELSE 1 END)::VARCHAR AS Quantity,
                 strftime(TIMESTAMP '2022-01-01 08:00' + to_minutes((inv * 2)::BIGINT), '%d/%m/%Y %H:%M')
                   AS InvoiceDate,
                 CASE WHEN i % 100000 = 99 THEN 'n/a'
                      ELSE '£' || format('{{:,.2f}}', (h % 250000) / 100.0) END AS UnitPrice,
                 CASE WHEN inv % 5 = 0 THEN '' ELSE (12346 + inv % 4000)::VARCHAR END AS CustomerID,
                 CASE inv % 4 WHEN 0 THEN 'France' WHEN 1 THEN 'Germany' ELSE 'United Kingdom' END AS Country
          FROM l
          UNION ALL SELECT * FROM (SELECT '536365', '20001', 'PRODUCT 1', '1', '01/01/2022 08:00', '£1.00', '', 'France')
        ) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()


def plain_read(path: Path, threads: int) -> float:
    con = duckdb.connect(config={"threads": threads})
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar = true)")
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="shoplens-bench-import-", dir="/tmp") as tmp:
        root = Path(tmp)
        csv = root / "retail.csv"
        t = time.perf_counter()
        write_csv(csv, args.rows, args.threads)
        print(f"generated {args.rows:,} lines ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
        (root / "shop.yaml").write_text(yaml.safe_dump(MAPPING, sort_keys=False))
        times, reads, report = [], [], None
        for run in range(args.runs):
            reads.append(plain_read(csv, args.threads))
            t = time.perf_counter()
            report = import_shop(root / "shop.yaml", root / "wh.duckdb", threads=args.threads,
                                 rejects=root / "rejects.csv")
            times.append(time.perf_counter() - t)
            print(f"run {run + 1}: import {times[-1]:.1f} s, plain DuckDB read {reads[-1]:.1f} s")
        assert report is not None
        med, read = statistics.median(times), statistics.median(reads)
        print(f"\nrows read {report.rows_read:,}, kept {report.rows_kept:,}, duplicates {report.duplicates:,}, "
              f"rejected {sum(report.rejected.values()):,}; tables {report.tables}")
        print(f"import (median of {args.runs}): {med:.1f} s = {report.rows_read / med:,.0f} rows/s "
              f"(target <= 60 s: {'met' if med <= 60 else 'MISSED'})")
        print(f"plain DuckDB CSV read (median): {read:.1f} s = {report.rows_read / read:,.0f} rows/s; "
              f"import / plain read = {med / read:.1f}x")
        print(f"warehouse size: {(root / 'wh.duckdb').stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
