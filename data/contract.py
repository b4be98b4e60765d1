"""The data contract: the tables every warehouse (demo or imported) has, with exact column names and types.

The demo generator and the importer both create tables from here; tools rely on nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    primary_key: bool = False


def _cols(spec: str) -> tuple[Column, ...]:
    out = []
    for part in re.split(r",(?![^()]*\))", spec.strip()):
        bits = part.split()
        name, typ, flags = bits[0], bits[1], {b.upper() for b in bits[2:]}
        out.append(Column(name, typ, nullable="NOTNULL" not in flags and "PK" not in flags, primary_key="PK" in flags))
    return tuple(out)


TABLES: dict[str, tuple[Column, ...]] = {
    "products": _cols(
        "product_id INTEGER PK, sku VARCHAR NOTNULL, name VARCHAR NOTNULL, category VARCHAR NOTNULL,"
        " subcategory VARCHAR, brand VARCHAR, list_price DECIMAL(10,2), unit_cost DECIMAL(10,2),"
        " launch_date DATE, discontinued_date DATE, description VARCHAR"
    ),
    "customers": _cols(
        "customer_id INTEGER PK, signup_date DATE, region VARCHAR, city VARCHAR, segment VARCHAR,"
        " acquisition_channel VARCHAR"
    ),
    "orders": _cols(
        "order_id BIGINT PK, order_ts TIMESTAMP, order_date DATE NOTNULL, customer_id INTEGER, channel VARCHAR,"
        " region VARCHAR, status VARCHAR NOTNULL, campaign_id INTEGER"
    ),
    "order_items": _cols(
        "order_id BIGINT NOTNULL, line_no SMALLINT NOTNULL, product_id INTEGER NOTNULL, quantity INTEGER NOTNULL,"
        " unit_price DECIMAL(10,2), discount DECIMAL(10,2), revenue DECIMAL(12,2) NOTNULL"
    ),
    "reviews": _cols(
        "review_id BIGINT PK, product_id INTEGER NOTNULL, customer_id INTEGER, order_id BIGINT, review_date DATE NOTNULL,"
        " rating TINYINT, title VARCHAR, body VARCHAR"
    ),
    "web_traffic": _cols(
        "date DATE NOTNULL, product_id INTEGER NOTNULL, sessions INTEGER, product_views INTEGER, add_to_cart INTEGER"
    ),
    "campaigns": _cols(
        "campaign_id INTEGER PK, name VARCHAR, channel VARCHAR, start_date DATE, end_date DATE, discount_pct DECIMAL(5,2)"
    ),
    "marketing_spend": _cols(
        "date DATE NOTNULL, campaign_id INTEGER NOTNULL, spend DECIMAL(12,2), impressions BIGINT, clicks BIGINT"
    ),
}

#: Tables a warehouse must have; the rest are optional (an imported shop may lack them).
REQUIRED_TABLES = ("products", "orders", "order_items")

#: Tables written by enrichment jobs (review scoring), not by the generator or importer.
ENRICHMENT_TABLES: dict[str, tuple[Column, ...]] = {
    "review_sentiment": _cols("review_id BIGINT PK, label VARCHAR NOTNULL, score DOUBLE, model_version VARCHAR NOTNULL"),
    "review_aspects": _cols("review_id BIGINT NOTNULL, aspect VARCHAR NOTNULL, polarity VARCHAR NOTNULL, snippet VARCHAR"),
}

CATEGORIES = (
    "Electronics", "Home & Kitchen", "Beauty", "Apparel", "Sports & Outdoors", "Toys & Games", "Grocery", "Books",
)
REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West")
SEGMENTS = ("consumer", "business")
CHANNELS = ("web", "app", "marketplace")
STATUSES = ("completed", "cancelled", "returned", "refund")  # refund: a credit note (negative lines)
CAMPAIGN_CHANNELS = ("search", "social", "email", "display", "affiliate")


def create_table_sql(table: str, columns: tuple[Column, ...] | None = None) -> str:
    """``CREATE TABLE`` statement for a contract (or enrichment) table."""
    cols = columns or TABLES.get(table) or ENRICHMENT_TABLES[table]
    parts = []
    for c in cols:
        bit = f"{c.name} {c.type}"
        if c.primary_key:
            bit += " PRIMARY KEY"
        elif not c.nullable:
            bit += " NOT NULL"
        parts.append(bit)
    return f"CREATE TABLE {table} ({', '.join(parts)})"
