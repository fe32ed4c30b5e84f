"""The dbt project on a small hand-made warehouse: staging, int_party_records, golden
records with their lineage and history, and customer_360.

dbt runs in-process (``dbtRunner``) against a temporary DuckDB file. The module builds
the warehouse once and runs dbt three times: standardisation, then (after a hand-made
``mdm_build.customer_xref`` stands in for matching) mastering, then publish, a new
delivery and both steps again to see history carried forward.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from warehouse.config import DBT_PROJECT_DIR
from warehouse.layout import table_exists as warehouse_table_exists
from warehouse.pins import pin_attribute, unpin_attribute

NATIVE_COLUMNS: dict[str, dict[str, str]] = {
    "crm_contacts": dict.fromkeys(
        "Id FirstName LastName Email Phone MobilePhone MailingStreet MailingCity MailingState "
        "MailingPostalCode MailingCountry Birthdate AccountName LeadSource HasOptedOutOfEmail "
        "CreatedDate LastModifiedDate IsDeleted".split(),
        "varchar",
    ),
    "erp_customers": dict.fromkeys(
        "KUNNR NAME1 NAME2 STRAS ORT01 PSTLZ REGIO LAND1 TELF1 SMTP_ADDR ERDAT AEDAT LOEVM "
        "KTOKD".split(),
        "varchar",
    ),
    "erp_invoices": dict.fromkeys("VBELN KUNNR FKDAT NETWR WAERK".split(), "varchar"),
    "ecommerce_customers": {
        **dict.fromkeys(
            "id email first_name last_name phone created_at updated_at".split(), "varchar"
        ),
        "accepts_marketing": "boolean",
        **dict.fromkeys(
            "state tags default_address_address1 default_address_address2 "
            "default_address_city default_address_province default_address_province_code "
            "default_address_zip default_address_country_code".split(),
            "varchar",
        ),
    },
    "ecommerce_orders": dict.fromkeys(
        "id customer_id email created_at total_price currency financial_status line_items".split(),
        "varchar",
    ),
    "social_profiles": {
        **dict.fromkeys(
            "platform user_id handle display_name email phone location bio".split(), "varchar"
        ),
        "followers": "bigint",
        "following": "bigint",
        "verified": "boolean",
        "created_at": "varchar",
        "profile_url": "varchar",
    },
    "social_engagement": dict.fromkeys(
        "platform user_id event_id event_type occurred_at text".split(), "varchar"
    ),
}

METADATA_COLUMNS = {
    "_source_file": "varchar",
    "_line_number": "bigint",
    "_file_sha256": "varchar",
    "_delivery_seq": "bigint",
    "_loaded_at": "timestamp",
    "_run_id": "varchar",
}

CRM_JOHN = "003A000001JOHNAAA1"
CRM_WEI = "003A000001WEIZAAA2"
CRM_WEI_OLD = "003A000001WEIOAAA3"
CRM_ANNA = "003A000001ANNAAAA4"
CRM_LI = "003A000001LINAAAA5"
CRM_MIA = "003A000001MIACAAA6"
CRM_LEO = "003A000001LEOWAAA7"


def crm(record_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(NATIVE_COLUMNS["crm_contacts"], "")
    row.update(
        Id=record_id,
        HasOptedOutOfEmail="false",
        IsDeleted="false",
        CreatedDate="2024-01-05T09:00:00.000Z",
        LastModifiedDate="2024-01-05T09:00:00.000Z",
    )
    row.update(values)
    return row


# Delivery 1: crm/contacts_0001.csv and the other sources; delivery 2 repeats a contact.
CRM_DELIVERY_1 = [
    crm(
        CRM_JOHN,
        FirstName="john",
        LastName="SMITH",
        Email=" John.Smith@Example.COM ",
        Phone="(415) 555-0132",
        MailingStreet="1 Market St",
        MailingCity="SAN FRANCISCO",
        MailingState="CA",
        MailingPostalCode="94105",
        MailingCountry="United States",
        Birthdate="1980-05-17",
        AccountName="Initech",
        LastModifiedDate="2025-01-10T08:00:00.000Z",
    ),
    crm(
        CRM_WEI,
        LastName="张伟",
        Email="zhang.wei@@example",
        MobilePhone="+86 138 0013 8000",
        MailingCity="上海",
        MailingCountry="China",
        Birthdate="1990-02-03",
        HasOptedOutOfEmail="true",
        LastModifiedDate="2025-02-01T00:00:00.000Z",
    ),
    # Soft-deleted, and the most recent record of its golden id: must not win.
    crm(
        CRM_WEI_OLD,
        FirstName="Wei",
        LastName="Zhang",
        Email="old.wei@example.com",
        MailingCountry="CN",
        LastModifiedDate="2025-12-01T00:00:00.000Z",
        IsDeleted="true",
    ),
    crm(
        CRM_ANNA,
        FirstName="Anna",
        LastName="Müller",
        Email="anna@example.de",
        MailingStreet="Alte Gasse 1",
        MailingCity="München",
        MailingPostalCode="80331",
        MailingCountry="DEU",
        LastModifiedDate="2025-04-01T00:00:00.000Z",
    ),
    # A mobile number (older) and, in the ERP, a Shanghai landline (newer).
    crm(
        CRM_LI,
        FirstName="Na",
        LastName="Li",
        MobilePhone="+86 139 1234 5678",
        MailingCountry="China",
        AccountName="Huaxin Foods",
        LastModifiedDate="2024-03-01T00:00:00.000Z",
    ),
    # Opted out 45 days before opting in at the shop: the opt-out stands.
    crm(
        CRM_MIA,
        FirstName="Mia",
        LastName="Chen",
        HasOptedOutOfEmail="true",
        LastModifiedDate="2025-05-01T00:00:00.000Z",
    ),
    # Opted out long before opting in at the shop: the newer opt-in stands.
    crm(
        CRM_LEO,
        FirstName="Leo",
        LastName="Wang",
        HasOptedOutOfEmail="true",
        LastModifiedDate="2024-01-01T00:00:00.000Z",
    ),
]
CRM_DELIVERY_2 = [
    # The latest delivery of John: his e-mail changed.
    crm(
        CRM_JOHN,
        FirstName="John",
        LastName="Smith",
        Email="john.smith@newmail.com",
        Phone="(415) 555-0132",
        MailingStreet="1 Market St",
        MailingCity="San Francisco",
        MailingState="CA",
        MailingPostalCode="94105",
        MailingCountry="US",
        Birthdate="1980-05-17",
        AccountName="Initech",
        LastModifiedDate="2025-06-01T08:00:00.000Z",
    ),
]


def erp(kunnr: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(NATIVE_COLUMNS["erp_customers"], "")
    row.update(KUNNR=kunnr, ERDAT="20230101", KTOKD="ZPRI")
    row.update(values)
    return row


ERP_CUSTOMERS = [
    erp(
        "0000100001",
        NAME1="SMITH JOHN",
        STRAS="1 Market Street",
        ORT01="San Francisco",
        LAND1="US",
        TELF1="+1 415-555-0199",
        AEDAT="20250301",
    ),
    erp("0000100002", NAME1="Acme Trading GmbH", KTOKD="0001", LAND1="DE", ORT01="Berlin"),
    erp(
        "0000100003",
        NAME1="MUELLER ANNA",
        NAME2="c/o Schmidt",
        LAND1="CN",
        TELF1="138-0013-8001",
        SMTP_ADDR="anna.mueller(at)example.de",
        LOEVM="X",
    ),
    erp(
        "0000100004",
        NAME1="LI NA",
        NAME2="Huaxin Foods",
        LAND1="CN",
        TELF1="+86 21 5555 1234",
        AEDAT="20250501",
    ),
]

ERP_INVOICES = [
    {
        "VBELN": "9000000001",
        "KUNNR": "0000100001",
        "FKDAT": "20250115",
        "NETWR": "100.00",
        "WAERK": "EUR",
    },  # fmt: skip
    {
        "VBELN": "9000000002",
        "KUNNR": "0000109999",
        "FKDAT": "20250115",
        "NETWR": "5.00",
        "WAERK": "CNY",
    },  # fmt: skip
]


def shop(customer_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(NATIVE_COLUMNS["ecommerce_customers"])
    row.update(
        id=customer_id,
        state="enabled",
        accepts_marketing=False,
        created_at="2024-06-01T10:00:00+08:00",
        updated_at="2024-06-01T10:00:00+08:00",
    )
    row.update(values)
    return row


SHOP_CUSTOMERS = [
    shop(
        "7001",
        first_name="John",
        last_name="Smith",
        email="john.smith@example.com",
        phone="+14155550177",
        accepts_marketing=True,
        updated_at="2025-03-01T10:00:00+08:00",
        default_address_country_code="US",
    ),
    shop("7002", first_name="J.", last_name="Smith", state="disabled"),
    shop(
        "7003",
        first_name="Mia",
        last_name="Chen",
        accepts_marketing=True,
        updated_at="2025-06-15T00:00:00+00:00",
    ),
    shop(
        "7004",
        first_name="Leo",
        last_name="Wang",
        accepts_marketing=True,
        updated_at="2025-06-15T00:00:00+00:00",
    ),
]

SHOP_ORDERS = [
    {
        "id": "8001",
        "customer_id": "7001",
        "created_at": "2025-02-01T12:00:00+08:00",
        "total_price": "10.00",
        "currency": "USD",
        "financial_status": "paid",
    },  # fmt: skip
    {
        "id": "8002",
        "customer_id": "7002",
        "created_at": "2025-04-01T12:00:00+08:00",
        "total_price": "200.00",
        "currency": "CNY",
        "financial_status": "paid",
    },  # fmt: skip
    {
        "id": "8003",
        "customer_id": "7002",
        "created_at": "2025-04-02T12:00:00+08:00",
        "total_price": "999.00",
        "currency": "CNY",
        "financial_status": "refunded",
    },  # fmt: skip
    {
        "id": "8004",
        "customer_id": None,
        "created_at": "2025-04-02T12:00:00+08:00",
        "total_price": "1.00",
        "currency": "CNY",
        "financial_status": "paid",
    },  # fmt: skip
]


def profile(platform: str, user_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(NATIVE_COLUMNS["social_profiles"])
    row.update(
        platform=platform,
        user_id=user_id,
        followers=10,
        following=5,
        verified=False,
        created_at="2023-05-05T05:05:05Z",
    )
    row.update(values)
    return row


SOCIAL_PROFILES = [
    profile(
        "weibo",
        "1650342011",
        display_name="张伟 🌸",
        email="Zhang.Wei@Weibo.cn",
        phone="0086 13800138000",
        location="上海, 中国",
    ),
    profile("x", "42", display_name="✨ Johnny ✨", location="Austin, TX"),
    profile(
        "linkedin",
        "ann-lee",
        handle="Ann_Lee",
        display_name="ann lee, MBA",
        location="Shanghai, China",
        bio="Sales Manager at Stark Foods",
    ),
    # The newest record of Li Na names another employer than the CRM and the ERP.
    profile(
        "linkedin",
        "li-na",
        display_name="Li Na",
        bio="Engineer at Stark Foods",
        created_at="2025-08-01T00:00:00Z",
    ),
]

SOCIAL_ENGAGEMENT = [
    {
        "platform": "weibo",
        "user_id": "1650342011",
        "event_id": f"e{n}",
        "event_type": kind,
        "occurred_at": "2025-05-05T05:05:05Z",
        "text": "hi",
    }  # fmt: skip
    for n, kind in enumerate(["post", "like", "like"])
]

# The matching step's output, by hand.
XREF = [
    ("crm", CRM_JOHN, "G-JOHN"),
    ("erp", "0000100001", "G-JOHN"),
    ("ecommerce", "7001", "G-JOHN"),
    ("ecommerce", "7002", "G-JOHN"),
    ("social", "x:42", "G-JOHN"),
    ("crm", CRM_WEI, "G-WEI"),
    ("crm", CRM_WEI_OLD, "G-WEI"),
    ("social", "weibo:1650342011", "G-WEI"),
    ("crm", CRM_ANNA, "G-ANNA"),
    ("erp", "0000100003", "G-ANNA-ERP"),
    ("erp", "0000100002", "G-ACME"),
    ("social", "linkedin:ann-lee", "G-ANN-LEE"),
    ("crm", CRM_LI, "G-LI"),
    ("erp", "0000100004", "G-LI"),
    ("social", "linkedin:li-na", "G-LI"),
    ("crm", CRM_MIA, "G-MIA"),
    ("ecommerce", "7003", "G-MIA"),
    ("crm", CRM_LEO, "G-LEO"),
    ("ecommerce", "7004", "G-LEO"),
]
# The second run's matching: Ann Lee's profile is merged into Anna's golden record.
XREF_SECOND_RUN = [
    (system, record_id, "G-ANNA" if golden_id == "G-ANN-LEE" else golden_id)
    for system, record_id, golden_id in XREF
]
MERGE_EVENT = ("G-ANNA", ["G-ANN-LEE"])

# Pinned by a steward between the two runs.
PINS = [
    ("G-JOHN", "email", " John.Pinned@Example.COM ", "the customer called to correct it"),
    ("G-JOHN", "birth_date", "1980-05-18", "passport shown in store"),
    # pinned on the profile's golden id, which the second run merges into G-ANNA
    ("G-ANN-LEE", "company", "Stark Foods Ltd", "registered company name"),
    ("G-ACME", "city", "Hamburg", "moved; unpinned again below"),
]


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in NATIVE_COLUMNS.items():
        ddl = ", ".join(
            f'"{name}" {kind}' for name, kind in {**columns, **METADATA_COLUMNS}.items()
        )
        con.execute(f"create table raw.{table} ({ddl})")


def deliver(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str,
    delivery_seq: int,
    rows: Sequence[dict[str, Any]],
) -> None:
    """Append rows as ``sources/`` does: native columns plus the metadata of their file."""
    columns = list(NATIVE_COLUMNS[table])
    for line_number, row in enumerate(rows, start=2):
        values = [row.get(name) for name in columns]
        metadata = [file, line_number, "0" * 64, delivery_seq, dt.datetime(2025, 7, 1), "run-1"]
        names = ", ".join(f'"{name}"' for name in columns + list(METADATA_COLUMNS))
        placeholders = ", ".join("?" for _ in values + metadata)
        con.execute(f"insert into raw.{table} ({names}) values ({placeholders})", values + metadata)


def write_xref(con: duckdb.DuckDBPyConnection, xref: Sequence[tuple[str, str, str]] = XREF) -> None:
    con.execute("create schema if not exists mdm_build")
    con.execute(
        """
        create or replace table mdm_build.customer_xref (
            source_system varchar, source_record_id varchar, golden_id varchar,
            match_probability double, assigned_at timestamp, is_deleted boolean
        )
        """
    )
    con.executemany(
        "insert into mdm_build.customer_xref values (?, ?, ?, 1.0, now(), false)",
        [list(row) for row in xref],
    )


def write_merge_event(con: duckdb.DuckDBPyConnection) -> None:
    """Matching's identity events of the second run: one merge."""
    golden_id, absorbed = MERGE_EVENT
    con.execute(
        """
        create or replace table mdm_build.identity_events as
        select 'merge-1' as event_id, now()::timestamp as occurred_at, 'merged' as event_type,
            ?::varchar as golden_id, ?::varchar[] as related_golden_ids, 'run-2' as run_id,
            'pipeline' as actor
        """,
        [golden_id, absorbed],
    )


def publish(con: duckdb.DuckDBPyConnection) -> None:
    """What warehouse.publish does for the tables later builds read back."""
    from warehouse.history import define_as_of_macro

    con.execute("create schema if not exists mdm")
    for table in ("golden_customer", "golden_attribute_lineage", "golden_customer_history"):
        con.execute(f"create or replace table mdm.{table} as from mdm_build.{table}")
    for build in ("identity_events", "golden_update_events"):
        if warehouse_table_exists(con, "mdm_build", build):
            con.execute(
                f"create table if not exists mdm.identity_events as from mdm_build.{build} limit 0"
            )
            con.execute(f"insert into mdm.identity_events by name from mdm_build.{build}")
    define_as_of_macro(con)


def dbt_build(tmp: Path, selector: str) -> None:
    result = dbtRunner().invoke(
        [
            "build",
            "--selector",
            selector,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
            "--quiet",
        ]
    )
    if not result.success:
        failures = [
            f"{r.node.unique_id}: {r.status} {r.message}"
            for r in (result.result or [])
            if str(r.status) not in ("success", "pass")
        ]
        raise AssertionError(
            f"dbt build --selector {selector} failed: {result.exception}\n" + "\n".join(failures)
        )


class Warehouse:
    """Query helper over the test warehouse; opens the file only while it asks.

    Not read-only: dbt-duckdb keeps its connection to the same file open in this process,
    and DuckDB shares one database instance per file and configuration.
    """

    def __init__(self, path: Path, snapshots: dict[str, list[dict[str, Any]]]):
        self.path = path
        self.snapshots = snapshots

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.path)) as con:
            cursor = con.execute(sql, list(params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def party(self, source_system: str, source_record_id: str) -> dict[str, Any]:
        (row,) = self.rows(
            "from staging.int_party_records where source_system = ? and source_record_id = ?",
            [source_system, source_record_id],
        )
        return row

    def golden(self, golden_id: str) -> dict[str, Any]:
        (row,) = self.rows("from mdm_build.golden_customer where golden_id = ?", [golden_id])
        return row


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    tmp = tmp_path_factory.mktemp("dbt")
    path = tmp / "warehouse.duckdb"
    previous_env = os.environ.get("MDM_WAREHOUSE")
    os.environ["MDM_WAREHOUSE"] = str(path)
    snapshots: dict[str, list[dict[str, Any]]] = {}
    try:
        with duckdb.connect(str(path)) as con:
            create_raw_tables(con)
            deliver(con, "crm_contacts", "crm/contacts_0001.csv", 1, CRM_DELIVERY_1)
            deliver(con, "erp_customers", "erp/customers_0001.csv", 2, ERP_CUSTOMERS)
            deliver(con, "erp_invoices", "erp/invoices_0001.csv", 3, ERP_INVOICES)
            deliver(con, "ecommerce_customers", "ecommerce/customers_0001.jsonl", 4, SHOP_CUSTOMERS)
            deliver(con, "ecommerce_orders", "ecommerce/orders_0001.jsonl", 5, SHOP_ORDERS)
            deliver(con, "social_profiles", "social/profiles_0001.jsonl", 6, SOCIAL_PROFILES)
            deliver(con, "social_engagement", "social/engagement_0001.jsonl", 7, SOCIAL_ENGAGEMENT)
            deliver(con, "crm_contacts", "crm/contacts_0002.csv", 8, CRM_DELIVERY_2)

        dbt_build(tmp, "standardized")
        with duckdb.connect(str(path)) as con:
            write_xref(con)
        dbt_build(tmp, "mastered")

        wh = Warehouse(path, snapshots)
        snapshots["first_build"] = wh.rows("from mdm_build.golden_customer order by golden_id")
        snapshots["first_lineage"] = wh.rows("from mdm_build.golden_attribute_lineage")

        # Second run: the first build is published; Wei's e-mail and Anna's address change
        # in the CRM; stewards pin values; matching merges Ann Lee's profile into Anna.
        with duckdb.connect(str(path)) as con:
            publish(con)
            for golden_id, attribute, value, reason in PINS:
                pin_attribute(con, golden_id, attribute, value, "steward.sam", reason)
            unpin_attribute(con, "G-ACME", "city", "steward.sam", "the move was a mistake")
            changed = crm(
                CRM_WEI,
                LastName="张伟",
                Email="wei.zhang@example.cn",
                MobilePhone="+86 138 0013 8000",
                MailingCity="上海",
                MailingCountry="China",
                Birthdate="1990-02-03",
                HasOptedOutOfEmail="true",
                LastModifiedDate="2025-07-01T00:00:00.000Z",
            )
            moved = next(row for row in CRM_DELIVERY_1 if row["Id"] == CRM_ANNA) | {
                "MailingStreet": "Hauptstraße 5",
                "MailingCity": "Berlin",
                "MailingPostalCode": "10115",
                "LastModifiedDate": "2025-07-02T00:00:00.000Z",
            }
            deliver(con, "crm_contacts", "crm/contacts_0003.csv", 9, [changed, moved])
        dbt_build(tmp, "standardized")
        with duckdb.connect(str(path)) as con:
            write_xref(con, XREF_SECOND_RUN)
            write_merge_event(con)
        dbt_build(tmp, "mastered")
        snapshots["second_build"] = wh.rows("from mdm_build.golden_customer order by golden_id")
        with duckdb.connect(str(path)) as con:
            publish(con)
        yield wh
    finally:
        if previous_env is None:
            os.environ.pop("MDM_WAREHOUSE", None)
        else:
            os.environ["MDM_WAREHOUSE"] = previous_env


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["golden_id"]: row for row in rows}


# ---------------------------------------------------------------------------------------
# staging
# ---------------------------------------------------------------------------------------


def test_staging_keeps_latest_delivery_of_each_record(warehouse: Warehouse) -> None:
    rows = warehouse.rows(
        "select email, _source_file, _delivery_seq from staging.stg_crm__contacts "
        "where contact_id = ?",
        [CRM_JOHN],
    )
    assert rows == [
        {
            "email": "john.smith@newmail.com",
            "_source_file": "crm/contacts_0002.csv",
            "_delivery_seq": 8,
        }
    ]


def test_staging_types_source_columns(warehouse: Warehouse) -> None:
    (contact,) = warehouse.rows(
        "select birth_date, created_at, is_deleted from staging.stg_crm__contacts "
        "where contact_id = ?",
        [CRM_JOHN],
    )
    assert contact == {
        "birth_date": dt.date(1980, 5, 17),
        "created_at": dt.datetime(2024, 1, 5, 9, 0),
        "is_deleted": False,
    }
    (customer,) = warehouse.rows(
        "select customer_number, created_on, is_marked_for_deletion "
        "from staging.stg_erp__customers where customer_number = '0000100003'"
    )
    assert customer == {
        "customer_number": "0000100003",
        "created_on": dt.date(2023, 1, 1),
        "is_marked_for_deletion": True,
    }
    (order,) = warehouse.rows(
        "select ordered_at, total_price from staging.stg_ecommerce__orders where order_id = '8001'"
    )
    # 12:00 at +08:00 is 04:00 UTC
    assert order == {"ordered_at": dt.datetime(2025, 2, 1, 4, 0), "total_price": Decimal("10.00")}


# ---------------------------------------------------------------------------------------
# int_party_records
# ---------------------------------------------------------------------------------------


def test_party_records_have_the_interface_columns(warehouse: Warehouse) -> None:
    columns = [
        row["column_name"]
        for row in warehouse.rows(
            "select column_name from information_schema.columns "
            "where table_schema = 'staging' and table_name = 'int_party_records' "
            "order by ordinal_position"
        )
    ]
    assert (
        columns
        == (
            "source_system source_record_id record_key party_type first_name last_name full_name "
            "first_name_norm last_name_norm full_name_norm email phone phone_2 street city region "
            "postal_code city_norm street_norm country birth_date company email_opt_in handle "
            "source_created_at source_updated_at is_deleted _source_file _line_number "
            "_delivery_seq"
        ).split()
    )


def test_party_records_one_row_per_current_source_record(warehouse: Warehouse) -> None:
    keys = {row["record_key"] for row in warehouse.rows("from staging.int_party_records")}
    assert keys == {f"{system}|{record_id}" for system, record_id, _ in XREF}


@pytest.mark.parametrize(
    ("source_system", "source_record_id", "phone"),
    [
        ("crm", CRM_JOHN, "+14155550132"),  # (415) 555-0132, country United States
        ("crm", CRM_WEI, "+8613800138000"),  # +86 138 0013 8000
        ("erp", "0000100003", "+8613800138001"),  # 138-0013-8001, LAND1 CN
        ("social", "weibo:1650342011", "+8613800138000"),  # 0086 13800138000
        ("erp", "0000100001", "+14155550199"),  # +1 415-555-0199
    ],
)
def test_party_phone_is_e164_from_each_contract_format(
    warehouse: Warehouse, source_system: str, source_record_id: str, phone: str
) -> None:
    assert warehouse.party(source_system, source_record_id)["phone"] == phone


def test_party_erp_name1_in_capitals_is_lastname_firstname(warehouse: Warehouse) -> None:
    record = warehouse.party("erp", "0000100001")
    assert (record["party_type"], record["first_name"], record["last_name"]) == (
        "person",
        "John",
        "Smith",
    )
    assert record["full_name"] == "John Smith"
    assert record["full_name_norm"] == "john smith"


def test_party_erp_company_is_organization_and_c_o_is_not_a_company(
    warehouse: Warehouse,
) -> None:
    acme = warehouse.party("erp", "0000100002")
    assert (acme["party_type"], acme["full_name"], acme["company"]) == (
        "organization",
        "Acme Trading GmbH",
        "Acme Trading GmbH",
    )
    assert (acme["first_name"], acme["last_name"]) == (None, None)
    anna = warehouse.party("erp", "0000100003")
    assert (anna["first_name"], anna["last_name"], anna["company"]) == ("Anna", "Mueller", None)
    assert anna["is_deleted"] is True


def test_party_chinese_name_is_split_and_romanised(warehouse: Warehouse) -> None:
    wei = warehouse.party("crm", CRM_WEI)
    assert (wei["first_name"], wei["last_name"], wei["full_name"]) == ("伟", "张", "张伟")
    assert (wei["first_name_norm"], wei["last_name_norm"], wei["full_name_norm"]) == (
        "wei",
        "zhang",
        "wei zhang",
    )
    assert (wei["city"], wei["city_norm"], wei["country"]) == ("上海", "shanghai", "CN")


def test_party_social_display_name_and_location(warehouse: Warehouse) -> None:
    weibo = warehouse.party("social", "weibo:1650342011")
    assert (weibo["first_name"], weibo["last_name"], weibo["full_name"]) == ("伟", "张", "张伟")
    assert (weibo["city"], weibo["country"]) == ("上海", "CN")
    johnny = warehouse.party("social", "x:42")
    assert (johnny["first_name"], johnny["last_name"], johnny["full_name"]) == (
        None,
        None,
        "Johnny",
    )
    assert (johnny["city"], johnny["region"], johnny["country"]) == ("Austin", "TX", None)
    ann = warehouse.party("social", "linkedin:ann-lee")
    assert (ann["first_name"], ann["last_name"], ann["full_name"]) == ("Ann", "Lee", "Ann Lee")
    assert (ann["city"], ann["country"]) == ("Shanghai", "CN")
    assert (ann["handle"], ann["company"]) == ("ann_lee", "Stark Foods")
    assert johnny["handle"] is None and johnny["company"] is None


def test_party_email_is_lower_cased_and_malformed_is_null(warehouse: Warehouse) -> None:
    assert warehouse.party("social", "weibo:1650342011")["email"] == "zhang.wei@weibo.cn"
    assert warehouse.party("erp", "0000100003")["email"] is None


def test_party_names_in_one_case_are_title_cased(warehouse: Warehouse) -> None:
    anna = warehouse.party("crm", CRM_ANNA)
    assert (anna["full_name"], anna["full_name_norm"], anna["country"]) == (
        "Anna Müller",
        "anna muller",
        "DE",
    )


def test_party_consent_and_soft_delete_per_source(warehouse: Warehouse) -> None:
    assert warehouse.party("crm", CRM_WEI)["email_opt_in"] is False  # HasOptedOutOfEmail
    assert warehouse.party("ecommerce", "7001")["email_opt_in"] is True  # accepts_marketing
    assert warehouse.party("erp", "0000100001")["email_opt_in"] is None
    assert warehouse.party("crm", CRM_WEI_OLD)["is_deleted"] is True
    assert warehouse.party("ecommerce", "7002")["is_deleted"] is False  # disabled account


# ---------------------------------------------------------------------------------------
# golden records
# ---------------------------------------------------------------------------------------


def test_golden_customer_has_the_contract_columns(warehouse: Warehouse) -> None:
    assert (
        list(warehouse.golden("G-JOHN"))
        == (
            "golden_id first_name last_name full_name email phone street city region "
            "postal_code country birth_date company email_opt_in source_count first_seen_at "
            "updated_at version"
        ).split()
    )


def test_golden_attribute_is_most_recent_value(warehouse: Warehouse) -> None:
    john = by_id(warehouse.snapshots["first_build"])["G-JOHN"]
    # CRM changed 2025-06-01 (latest delivery), the shop 2025-03-01, the ERP 2025-03-01.
    assert john["email"] == "john.smith@newmail.com"
    assert john["phone"] == "+14155550132"
    assert (john["street"], john["city"], john["country"]) == (
        "1 Market St",
        "San Francisco",
        "US",
    )
    assert john["birth_date"] == dt.date(1980, 5, 17)
    assert john["source_count"] == 5


def test_golden_soft_deleted_record_does_not_win(warehouse: Warehouse) -> None:
    wei = warehouse.snapshots["first_build"]
    first = by_id(wei)["G-WEI"]
    # The deleted CRM record is the newest (2025-12-01) but a live record has an e-mail.
    assert first["email"] == "zhang.wei@weibo.cn"
    assert (first["first_name"], first["last_name"]) == ("伟", "张")


def first_lineage(warehouse: Warehouse, golden_id: str, attribute: str) -> dict[str, Any]:
    (row,) = [
        row
        for row in warehouse.snapshots["first_lineage"]
        if (row["golden_id"], row["attribute"]) == (golden_id, attribute)
    ]
    return row


def lineage(warehouse: Warehouse, golden_id: str, attribute: str) -> dict[str, Any]:
    (row,) = warehouse.rows(
        "from mdm_build.golden_attribute_lineage where golden_id = ? and attribute = ?",
        [golden_id, attribute],
    )
    return row


def test_golden_birth_date_prefers_crm(warehouse: Warehouse) -> None:
    source = first_lineage(warehouse, "G-JOHN", "birth_date")
    assert (source["value"], source["source_system"], source["rule"]) == (
        "1980-05-17",
        "crm",
        "source_priority",
    )


def missing_lineage_sql(schema: str) -> str:
    """Golden values of ``schema``.golden_customer without evidence in its lineage table."""
    return f"""
        with golden as (
            unpivot (
                select golden_id, first_name, last_name, full_name, email, phone, street,
                    city, region, postal_code, country, cast(birth_date as varchar) as birth_date,
                    company, cast(email_opt_in as varchar) as email_opt_in
                from {schema}.golden_customer
            )
            on columns(* exclude (golden_id)) into name attribute value value
        )
        select golden.*
        from golden
        anti join {schema}.golden_attribute_lineage as lineage
            on lineage.golden_id = golden.golden_id
            and lineage.attribute = golden.attribute
            and lineage.value = golden.value
    """


def test_golden_lineage_exists_for_every_non_null_attribute(warehouse: Warehouse) -> None:
    # after the second build, pinned values included
    assert warehouse.rows(missing_lineage_sql("mdm_build")) == []
    lineage_rows = warehouse.rows("select count(*) as n from mdm_build.golden_attribute_lineage")
    golden_values = warehouse.rows(
        "select count(*) as n from (unpivot (select * exclude (source_count, first_seen_at, "
        "updated_at, version) replace (cast(birth_date as varchar) as birth_date, "
        "cast(email_opt_in as varchar) as email_opt_in) from mdm_build.golden_customer) "
        "on columns(* exclude (golden_id)) into name attribute value value)"
    )
    assert lineage_rows == golden_values  # and no evidence for values that are not there
    source = first_lineage(warehouse, "G-JOHN", "email")
    assert (source["source_system"], source["source_record_id"], source["rule"]) == (
        "crm",
        CRM_JOHN,
        "most_recent",
    )
    assert (source["source_file"], source["source_line"]) == ("crm/contacts_0002.csv", 2)
    assert source["decided_by"] == "pipeline"


def test_golden_lineage_names_the_delivery_line_of_the_value(warehouse: Warehouse) -> None:
    wei = lineage(warehouse, "G-WEI", "email")
    assert (wei["value"], wei["source_system"], wei["source_record_id"]) == (
        "wei.zhang@example.cn",
        "crm",
        CRM_WEI,
    )
    assert (wei["source_file"], wei["source_line"]) == ("crm/contacts_0003.csv", 2)
    assert wei["source_updated_at"] == dt.datetime(2025, 7, 1)


def test_golden_lineage_keeps_decided_at_while_the_decision_stands(warehouse: Warehouse) -> None:
    before = first_lineage(warehouse, "G-ACME", "full_name")["decided_at"]
    assert lineage(warehouse, "G-ACME", "full_name")["decided_at"] == before
    changed_before = first_lineage(warehouse, "G-WEI", "email")["decided_at"]
    assert lineage(warehouse, "G-WEI", "email")["decided_at"] > changed_before


def test_golden_version_increments_only_when_an_attribute_changes(warehouse: Warehouse) -> None:
    first = by_id(warehouse.snapshots["first_build"])
    second = by_id(warehouse.snapshots["second_build"])
    assert {row["version"] for row in first.values()} == {1}
    changed = {"G-WEI", "G-ANNA", "G-JOHN"}  # new e-mail, new address, pinned values
    assert second["G-WEI"]["email"] == "wei.zhang@example.cn"
    for golden_id in changed:
        assert second[golden_id]["version"] == 2, golden_id
        assert second[golden_id]["updated_at"] > first[golden_id]["updated_at"], golden_id
        assert second[golden_id]["first_seen_at"] == first[golden_id]["first_seen_at"]
    assert "G-ANN-LEE" not in second  # merged into G-ANNA
    for golden_id in first.keys() - changed - {"G-ANN-LEE"}:
        assert second[golden_id]["version"] == 1, golden_id
        assert second[golden_id]["updated_at"] == first[golden_id]["updated_at"], golden_id


# ---------------------------------------------------------------------------------------
# survivorship rules
# ---------------------------------------------------------------------------------------


def test_steward_pinned_value_wins_over_every_rule(warehouse: Warehouse) -> None:
    john = warehouse.golden("G-JOHN")
    # most_recent would choose the CRM e-mail, source_priority the CRM birth date
    assert john["email"] == "john.pinned@example.com"
    assert john["birth_date"] == dt.date(1980, 5, 18)
    evidence = lineage(warehouse, "G-JOHN", "birth_date")
    (pin_id,) = [
        row["pin_id"]
        for row in warehouse.rows(
            "from mdm.attribute_pins where golden_id = 'G-JOHN' and attribute = 'birth_date'"
        )
    ]
    assert {
        key: evidence[key]
        for key in ("value", "source_system", "source_record_id", "rule", "decided_by")
    } == {
        "value": "1980-05-18",
        "source_system": "steward",
        "source_record_id": pin_id,
        "rule": "steward_pin",
        "decided_by": "steward.sam",
    }


def test_pin_follows_its_golden_id_into_a_merge(warehouse: Warehouse) -> None:
    anna = warehouse.golden("G-ANNA")
    assert anna["company"] == "Stark Foods Ltd"
    assert lineage(warehouse, "G-ANNA", "company")["rule"] == "steward_pin"
    (pin,) = warehouse.rows("from mdm_build.int_golden_pins where golden_id = 'G-ANNA'")
    assert pin["pinned_golden_id"] == "G-ANN-LEE"


def test_unpinned_attribute_goes_back_to_its_rule(warehouse: Warehouse) -> None:
    assert warehouse.golden("G-ACME")["city"] == "Berlin"
    assert lineage(warehouse, "G-ACME", "city")["rule"] == "most_recent"


def test_phone_prefers_a_valid_mobile_number(warehouse: Warehouse) -> None:
    # The ERP's Shanghai landline is newer (2025-05-01) than the CRM's mobile (2024-03-01).
    assert warehouse.party("erp", "0000100004")["phone"] == "+862155551234"
    assert warehouse.golden("G-LI")["phone"] == "+8613912345678"
    assert lineage(warehouse, "G-LI", "phone")["source_system"] == "crm"


def test_company_is_the_one_most_records_name(warehouse: Warehouse) -> None:
    # The newest record, the LinkedIn profile, names Stark Foods; CRM and ERP Huaxin Foods.
    assert warehouse.party("social", "linkedin:li-na")["company"] == "Stark Foods"
    assert warehouse.golden("G-LI")["company"] == "Huaxin Foods"
    assert lineage(warehouse, "G-LI", "company")["rule"] == "most_frequent"


@pytest.mark.parametrize(
    ("golden_id", "opt_in", "source_system"),
    [
        # CRM opt-out 2025-05-01, shop opt-in 2025-06-15: within 90 days, opt-out wins
        ("G-MIA", False, "crm"),
        # CRM opt-out 2024-01-01, shop opt-in 2025-06-15: the old opt-out is superseded
        ("G-LEO", True, "ecommerce"),
        # CRM opt-in 2025-06-01, shop 7001 opt-in 2025-03-01; 7002's old opt-out (2024)
        ("G-JOHN", True, "crm"),
        # only a CRM opt-out
        ("G-WEI", False, "crm"),
    ],
)
def test_consent_is_the_most_restrictive_recent_signal(
    warehouse: Warehouse, golden_id: str, opt_in: bool, source_system: str
) -> None:
    assert warehouse.golden(golden_id)["email_opt_in"] is opt_in
    evidence = lineage(warehouse, golden_id, "email_opt_in")
    assert (evidence["source_system"], evidence["rule"]) == (source_system, "most_restrictive")


# ---------------------------------------------------------------------------------------
# history
# ---------------------------------------------------------------------------------------


def history(warehouse: Warehouse, golden_id: str) -> list[dict[str, Any]]:
    return warehouse.rows(
        "from mdm.golden_customer_history where golden_id = ? order by version", [golden_id]
    )


def test_address_change_creates_version_2_and_keeps_version_1(warehouse: Warehouse) -> None:
    first, second = history(warehouse, "G-ANNA")
    assert (first["version"], first["street"], first["city"], first["postal_code"]) == (
        1,
        "Alte Gasse 1",
        "München",
        "80331",
    )
    assert (second["version"], second["street"], second["city"], second["postal_code"]) == (
        2,
        "Hauptstraße 5",
        "Berlin",
        "10115",
    )
    assert first["valid_to"] == second["valid_from"]
    assert (first["is_current"], second["is_current"], second["valid_to"]) == (False, True, None)
    published = by_id(warehouse.snapshots["second_build"])["G-ANNA"]
    assert second["valid_from"] == published["updated_at"]


def test_unchanged_golden_record_keeps_one_open_version(warehouse: Warehouse) -> None:
    (only,) = history(warehouse, "G-ACME")
    assert (only["version"], only["valid_to"], only["is_current"]) == (1, None, True)


def test_merged_away_golden_id_keeps_its_closed_history(warehouse: Warehouse) -> None:
    (only,) = history(warehouse, "G-ANN-LEE")
    assert only["valid_to"] is not None and only["is_current"] is False
    assert only["full_name"] == "Ann Lee"


def test_every_change_writes_an_updated_event(warehouse: Warehouse) -> None:
    events = warehouse.rows(
        "select event_type, golden_id, related_golden_ids, actor from mdm.identity_events "
        "where event_type = 'updated' order by golden_id"
    )
    assert events == [
        {
            "event_type": "updated",
            "golden_id": golden_id,
            "related_golden_ids": [],
            "actor": "pipeline",
        }
        for golden_id in ["G-ANNA", "G-JOHN", "G-WEI"]
    ]
    ids = [row["event_id"] for row in warehouse.rows("from mdm.identity_events")]
    assert len(ids) == len(set(ids))


def test_customer_as_of_reads_the_version_valid_then(warehouse: Warehouse) -> None:
    from warehouse.history import customer_as_of, customer_versions

    first, second = history(warehouse, "G-ANNA")
    with duckdb.connect(str(warehouse.path)) as con:
        before_change = second["valid_from"] - dt.timedelta(microseconds=1)
        assert customer_as_of(con, "G-ANNA", before_change)["street"] == "Alte Gasse 1"
        assert customer_as_of(con, "G-ANNA", second["valid_from"])["street"] == "Hauptstraße 5"
        assert customer_as_of(con, "G-ANNA", dt.date.today())["version"] == 2
        before_hub = first["valid_from"] - dt.timedelta(seconds=1)
        assert customer_as_of(con, "G-ANNA", before_hub) is None
        assert [row["version"] for row in customer_versions(con, "G-ANNA")] == [1, 2]
        (macro_row,) = con.execute(
            "select street from mdm.golden_customer_as_of(?) where golden_id = 'G-ANNA'",
            [before_change],
        ).fetchall()
    assert macro_row == ("Alte Gasse 1",)


# ---------------------------------------------------------------------------------------
# customer_360
# ---------------------------------------------------------------------------------------


def test_customer_360_sums_purchases_of_all_records_of_a_golden_id(warehouse: Warehouse) -> None:
    (john,) = warehouse.rows("from marts_build.customer_360 where golden_id = 'G-JOHN'")
    # Orders of shop customers 7001 (10 USD) and 7002 (200 CNY; the refunded one does not
    # count), and the ERP invoice of 100 EUR.
    assert john["order_count"] == 2
    assert john["order_total_cny"] == Decimal("10.00") * Decimal("7.30") + Decimal("200.00")
    assert john["invoice_count"] == 1
    assert john["invoice_total_cny"] == Decimal("755.00")
    assert john["total_spend_cny"] == john["order_total_cny"] + john["invoice_total_cny"]
    assert john["first_purchase_at"] == dt.datetime(2025, 1, 15)
    assert john["last_purchase_at"] == dt.datetime(2025, 4, 1, 4, 0)


def test_customer_360_counts_engagement_and_carries_consent(warehouse: Warehouse) -> None:
    (wei,) = warehouse.rows("from marts_build.customer_360 where golden_id = 'G-WEI'")
    assert (wei["engagement_count"], wei["post_count"], wei["like_count"]) == (3, 1, 2)
    assert wei["order_count"] == 0 and wei["total_spend_cny"] == 0
    assert wei["email_opt_in"] is False
    count = warehouse.rows("select count(*) as n from marts_build.customer_360")[0]["n"]
    assert count == len({golden_id for _, _, golden_id in XREF_SECOND_RUN})


# ---------------------------------------------------------------------------------------
# dbt docs
# ---------------------------------------------------------------------------------------


def test_dbt_docs_describe_every_mart_and_every_column(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from pipelines.cli import main

    for name in ("MDM_WAREHOUSE", "MDM_LANDING_DIR", "DAGSTER_HOME"):
        monkeypatch.setenv(name, os.environ.get(name, str(tmp_path / name.lower())))
    out = tmp_path / "docs"
    assert main(["docs", "--out", str(out), "--warehouse", str(warehouse.path)]) == 0
    assert (out / "static_index.html").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    catalog = json.loads((out / "catalog.json").read_text())
    marts = {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts")
    }
    assert {node["name"] for node in marts.values()} >= {
        "golden_customer",
        "golden_attribute_lineage",
        "golden_customer_history",
        "golden_update_events",
        "customer_360",
        "customer_purchases",
    }
    undescribed = []
    for node_id, node in marts.items():
        if not node["description"].strip():
            undescribed.append(node["name"])
        built_columns = catalog["nodes"][node_id]["columns"]
        for column in built_columns:
            documented = node["columns"].get(column, {}).get("description", "")
            if not documented.strip():
                undescribed.append(f"{node['name']}.{column}")
    assert undescribed == [], "without description: " + ", ".join(undescribed)
