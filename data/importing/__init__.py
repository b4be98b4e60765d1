"""Bring your own shop: mapping-driven, all-or-nothing import of CSV/Parquet exports (docs/import.md)."""
