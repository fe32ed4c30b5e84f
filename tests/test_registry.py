"""The entity registry agrees with SOURCES.md and the warehouse layout."""

from __future__ import annotations

import pytest

from sources.registry import ENTITIES, entity, native_format


def test_seven_entities_with_their_raw_tables():
    assert [(e.source_system, e.name, e.raw_table) for e in ENTITIES] == [
        ("crm", "contacts", "crm_contacts"),
        ("erp", "customers", "erp_customers"),
        ("erp", "invoices", "erp_invoices"),
        ("ecommerce", "customers", "ecommerce_customers"),
        ("ecommerce", "orders", "ecommerce_orders"),
        ("social", "profiles", "social_profiles"),
        ("social", "engagement", "social_engagement"),
    ]


def test_entity_lookup_and_unknown_entity():
    assert entity("social", "profiles").id_columns == ("platform", "user_id")
    assert entity("erp", "customers").pattern == "erp/customers_*.csv"
    with pytest.raises(KeyError, match="unknown entity crm/leads"):
        entity("crm", "leads")


@pytest.mark.parametrize("e", ENTITIES, ids=lambda e: e.key)
def test_id_columns_are_native_and_required(e):
    fmt = native_format(e)
    assert set(e.id_columns) <= set(fmt.columns)
    assert set(e.id_columns) <= set(fmt.required)


def test_raw_columns_follow_the_warehouse_layout():
    assert native_format(entity("ecommerce", "customers")).columns[-7:] == (
        "default_address_address1",
        "default_address_address2",
        "default_address_city",
        "default_address_province",
        "default_address_province_code",
        "default_address_zip",
        "default_address_country_code",
    )
    assert native_format(entity("erp", "invoices")).columns == (
        "VBELN",
        "KUNNR",
        "FKDAT",
        "NETWR",
        "WAERK",
    )
