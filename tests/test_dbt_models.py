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
        MailingCountry="DEU",
        LastModifiedDate="2025-04-01T00:00:00.000Z",
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


def write_xref(con: duckdb.DuckDBPyConnection) -> None:
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
        [list(row) for row in XREF],
    )


def publish(con: duckdb.DuckDBPyConnection) -> None:
    """What warehouse.publish does for the table the second build reads back."""
    con.execute("create schema if not exists mdm")
    con.execute("create or replace table mdm.golden_customer as from mdm_build.golden_customer")


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

        # Second run: the first build is published, Wei's CRM record changes, nothing else.
        with duckdb.connect(str(path)) as con:
            publish(con)
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
            deliver(con, "crm_contacts", "crm/contacts_0003.csv", 9, [changed])
        dbt_build(tmp, "standardized")
        dbt_build(tmp, "mastered")
        snapshots["second_build"] = wh.rows("from mdm_build.golden_customer order by golden_id")
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
    john = warehouse.golden("G-JOHN")
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


def test_golden_birth_date_prefers_crm(warehouse: Warehouse) -> None:
    (source,) = warehouse.rows(
        "select value, source_system, rule from mdm_build.golden_attribute_lineage "
        "where golden_id = 'G-JOHN' and attribute = 'birth_date'"
    )
    assert source == {"value": "1980-05-17", "source_system": "crm", "rule": "source_priority"}


def test_golden_lineage_exists_for_every_non_null_attribute(warehouse: Warehouse) -> None:
    missing = warehouse.rows(
        """
        with golden as (
            unpivot (
                select golden_id, first_name, last_name, full_name, email, phone, street,
                    city, region, postal_code, country, cast(birth_date as varchar) as birth_date,
                    company, cast(email_opt_in as varchar) as email_opt_in
                from mdm_build.golden_customer
            )
            on columns(* exclude (golden_id)) into name attribute value value
        )
        select golden.*
        from golden
        left join mdm_build.golden_attribute_lineage as lineage
            on lineage.golden_id = golden.golden_id
            and lineage.attribute = golden.attribute
            and lineage.value = golden.value
        where lineage.golden_id is null
        """
    )
    assert missing == []
    (source,) = warehouse.rows(
        "select source_system, source_record_id, rule from mdm_build.golden_attribute_lineage "
        "where golden_id = 'G-JOHN' and attribute = 'email'"
    )
    assert source == {"source_system": "crm", "source_record_id": CRM_JOHN, "rule": "most_recent"}


def test_golden_version_increments_only_when_an_attribute_changes(warehouse: Warehouse) -> None:
    first = by_id(warehouse.snapshots["first_build"])
    second = by_id(warehouse.snapshots["second_build"])
    assert {row["version"] for row in first.values()} == {1}
    assert second["G-WEI"]["email"] == "wei.zhang@example.cn"
    assert second["G-WEI"]["version"] == 2
    assert second["G-WEI"]["updated_at"] > first["G-WEI"]["updated_at"]
    assert second["G-WEI"]["first_seen_at"] == first["G-WEI"]["first_seen_at"]
    for golden_id in first.keys() - {"G-WEI"}:
        assert second[golden_id]["version"] == 1, golden_id
        assert second[golden_id]["updated_at"] == first[golden_id]["updated_at"], golden_id


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
    assert count == len({golden_id for _, _, golden_id in XREF})
