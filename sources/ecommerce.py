"""E-commerce: the Shopify-style customers and orders (``ecommerce/*.jsonl``).

Ids are JSON integers (up to 2^53) stored as decimal strings. ``default_address`` is
flattened into ``default_address_*`` columns; ``line_items`` is kept as JSON text.
"""

from __future__ import annotations

from sources.formats import (
    JsonlFormat,
    boolean,
    container,
    decimal_text,
    integer_id,
    iso_timestamp,
    json_list,
    text,
)

_ADDRESS = ("address1", "address2", "city", "province", "province_code", "zip", "country_code")

CUSTOMERS = JsonlFormat(
    fields=(
        integer_id("id"),
        text("email"),
        text("first_name"),
        text("last_name"),
        text("phone"),
        text("created_at"),
        text("updated_at"),
        boolean("accepts_marketing"),
        text("state"),
        text("tags"),
        container("default_address"),
        *(text("default_address", member) for member in _ADDRESS),
    ),
    checks={"created_at": [iso_timestamp()], "updated_at": [iso_timestamp()]},
)

ORDERS = JsonlFormat(
    fields=(
        integer_id("id"),
        integer_id("customer_id", nullable=True),  # null for a guest checkout
        text("email"),
        text("created_at"),
        text("total_price"),
        text("currency"),
        text("financial_status"),
        json_list("line_items"),
    ),
    checks={"created_at": [iso_timestamp()], "total_price": [decimal_text()]},
)

FORMATS = {"customers": CUSTOMERS, "orders": ORDERS}
