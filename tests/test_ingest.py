"""Ingest into the warehouse: manifest, quarantine, re-runs, re-deliveries, atomicity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sources.ingest import ingest_entity
from sources.registry import ENTITIES, entity, native_format
from warehouse.layout import connect, table_exists

DATA = Path(__file__).parent / "data" / "sources"

CRM = entity("crm", "contacts")

FIXTURES = {
    "crm/contacts_0001.csv": "crm_contacts.csv",
    "erp/customers_0001.csv": "erp_customers.csv",
    "erp/invoices_0001.csv": "erp_invoices.csv",
    "ecommerce/customers_0001.jsonl": "ecommerce_customers.jsonl",
    "ecommerce/orders_0001.jsonl": "ecommerce_orders.jsonl",
    "social/profiles_0001.jsonl": "social_profiles.jsonl",
    "social/engagement_0001.jsonl": "social_engagement.jsonl",
}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


def deliver(landing: Path, relative: str, content: str | bytes) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def deliver_fixture(landing: Path, relative: str, fixture: str) -> None:
    (landing / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / fixture, landing / relative)


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def manifest(con) -> list[tuple]:
    return rows(
        con,
        """select file_path, status, rows_total, rows_loaded, rows_quarantined,
                  is_redelivery, delivery_seq
           from audit.ingested_files order by delivery_seq""",
    )


def test_every_fixture_lands_and_every_record_is_accounted_for(con, landing):
    for relative, fixture in FIXTURES.items():
        deliver_fixture(landing, relative, fixture)
    expected = {  # loaded, quarantined
        "crm/contacts": (3, 0),
        "erp/customers": (2, 3),
        "erp/invoices": (2, 2),
        "ecommerce/customers": (3, 5),
        "ecommerce/orders": (2, 1),
        "social/profiles": (3, 2),
        "social/engagement": (1, 1),
    }
    for e in ENTITIES:
        report = ingest_entity(con, landing, e, "run-1")
        assert (report.rows_loaded, report.rows_quarantined) == expected[e.key], e.key
        assert report.files_seen == report.files_ingested == 1
        [(raw_count,)] = rows(con, f"select count(*) from raw.{e.raw_table}")
        [(quarantine_count,)] = rows(
            con,
            "select count(*) from quarantine.rejected_rows where source_system = ? and entity = ?",
            [e.source_system, e.name],
        )
        assert (raw_count, quarantine_count) == expected[e.key]
    for _path, _status, total, loaded, quarantined, *_ in manifest(con):
        assert total == loaded + quarantined
    seqs = [m[-1] for m in manifest(con)]
    assert seqs == list(range(1, 8))


def test_raw_rows_carry_metadata_and_keep_text_as_delivered(con, landing):
    deliver_fixture(landing, "erp/customers_0001.csv", "erp_customers.csv")
    ingest_entity(con, landing, entity("erp", "customers"), "run-7")
    result = rows(
        con,
        """select KUNNR, LOEVM, _source_file, _line_number, _delivery_seq, _run_id,
                  _file_sha256 = (select sha256 from audit.ingested_files), _loaded_at is not null
           from raw.erp_customers order by _line_number""",
    )
    assert result == [
        ("0000012345", None, "erp/customers_0001.csv", 2, 1, "run-7", True, True),
        ("0000012346", "X", "erp/customers_0001.csv", 3, 1, "run-7", True, True),
    ]


def test_json_typed_columns_are_stored_typed(con, landing):
    deliver_fixture(landing, "social/profiles_0001.jsonl", "social_profiles.jsonl")
    ingest_entity(con, landing, entity("social", "profiles"), "run-1")
    types = dict(
        rows(
            con,
            """select column_name, data_type from information_schema.columns
               where table_schema = 'raw' and table_name = 'social_profiles'""",
        )
    )
    assert (types["followers"], types["verified"], types["user_id"]) == (
        "BIGINT",
        "BOOLEAN",
        "VARCHAR",
    )
    assert rows(con, "select user_id, followers from raw.social_profiles order by 1") == [
        ("1650342011", 1200),
        ("42", 10),
        ("li-9", None),
    ]


def test_quarantine_holds_line_field_reason_and_raw_text(con, landing):
    deliver_fixture(landing, "crm/contacts_0002.csv", "crm_contacts_bad.csv")
    report = ingest_entity(con, landing, CRM, "run-1")
    assert (report.rows_loaded, report.rows_quarantined) == (4, 7)
    quarantined = rows(
        con,
        """select line_number, field, reason, raw_text, run_id, file_path
           from quarantine.rejected_rows order by line_number""",
    )
    assert [q[0] for q in quarantined] == [3, 4, 5, 6, 7, 8, 10]
    duplicate = quarantined[3]
    assert duplicate[1:3] == ("Id", "duplicate id 0031U00001AbCdEAAZ in file (first at line 2)")
    assert duplicate[3].startswith("0031U00001AbCdEAAZ,Annie,Smith,")
    assert quarantined[5][2].startswith("broken quoting")
    assert {q[4] for q in quarantined} == {"run-1"}
    assert {q[5] for q in quarantined} == {"crm/contacts_0002.csv"}
    assert report.reasons["duplicate id in file"] == 1
    assert report.reasons["broken quoting"] == 1
    assert rows(con, "select _line_number from raw.crm_contacts order by 1") == [
        (2,),
        (9,),
        (11,),
        (13,),
    ]
    assert manifest(con)[0][1:5] == ("partially_quarantined", 11, 4, 7)


def test_rerun_ingests_nothing_twice(con, landing):
    deliver_fixture(landing, "crm/contacts_0001.csv", "crm_contacts.csv")
    deliver_fixture(landing, "crm/contacts_0002.csv", "crm_contacts_bad.csv")
    first = ingest_entity(con, landing, CRM, "run-1")
    second = ingest_entity(con, landing, CRM, "run-2")
    assert (first.files_ingested, first.files_skipped) == (2, 0)
    assert (second.files_seen, second.files_ingested, second.files_skipped) == (2, 0, 2)
    assert (second.rows_loaded, second.rows_quarantined) == (0, 0)
    assert rows(con, "select count(*) from raw.crm_contacts") == [(7,)]
    assert rows(con, "select count(*) from quarantine.rejected_rows") == [(7,)]
    assert len(manifest(con)) == 2


def test_redelivery_with_new_content_is_ingested_and_flagged(con, landing):
    deliver_fixture(landing, "crm/contacts_0001.csv", "crm_contacts.csv")
    ingest_entity(con, landing, CRM, "run-1")
    path = landing / "crm/contacts_0001.csv"
    path.write_bytes(path.read_bytes().replace(b"anna@example.com", b"anna@new.example.com"))
    report = ingest_entity(con, landing, CRM, "run-2")
    assert (report.files_ingested, report.rows_loaded) == (1, 3)
    assert [(m[0], m[5], m[6]) for m in manifest(con)] == [
        ("crm/contacts_0001.csv", False, 1),
        ("crm/contacts_0001.csv", True, 2),
    ]
    latest = rows(
        con,
        """select Email from raw.crm_contacts where Id = '0031U00001AbCdEAAZ'
           order by _delivery_seq desc limit 1""",
    )
    assert latest == [("anna@new.example.com",)]


def test_files_are_ingested_in_name_order(con, landing):
    header = ",".join(native_format(CRM).columns)
    for name in ("contacts_0003.csv", "contacts_0001.csv", "contacts_0002.csv"):
        deliver(landing, f"crm/{name}", header + "\n")
    ingest_entity(con, landing, CRM, "run-1")
    assert [m[0] for m in manifest(con)] == [
        "crm/contacts_0001.csv",
        "crm/contacts_0002.csv",
        "crm/contacts_0003.csv",
    ]


def test_unreadable_files_are_quarantined_whole_and_others_still_land(con, landing):
    header = ",".join(native_format(CRM).columns)
    deliver(landing, "crm/contacts_0001.csv", header.replace(",", ";") + "\n")
    deliver(landing, "crm/contacts_0002.csv", header.encode() + b"\n\xff\xfe\n")
    deliver(landing, "crm/contacts_0003.csv", header.replace(",Email,Phone,", ",") + "\n")
    deliver_fixture(landing, "crm/contacts_0004.csv", "crm_contacts.csv")
    report = ingest_entity(con, landing, CRM, "run-1")
    assert report.file_errors == [
        "crm/contacts_0001.csv: wrong delimiter: expected ',' but the header is separated by ';'",
        f"crm/contacts_0002.csv: not UTF-8 (byte 0xff at offset {len(header) + 1})",
        "crm/contacts_0003.csv: missing required columns: Email, Phone",
    ]
    assert (report.files_quarantined, report.files_ingested, report.rows_loaded) == (3, 1, 3)
    assert report.reasons["not UTF-8"] == 1
    assert rows(con, "select file_path, reason from quarantine.rejected_files order by 1")[2] == (
        "crm/contacts_0003.csv",
        "missing required columns: Email, Phone",
    )
    statuses = [(m[0], m[1], m[2]) for m in manifest(con)]
    assert statuses == [
        ("crm/contacts_0001.csv", "quarantined", 0),
        ("crm/contacts_0002.csv", "quarantined", 0),
        ("crm/contacts_0003.csv", "quarantined", 0),
        ("crm/contacts_0004.csv", "loaded", 3),
    ]
    again = ingest_entity(con, landing, CRM, "run-2")
    assert (again.files_skipped, again.files_quarantined) == (4, 0)


def test_empty_and_header_only_files_are_recorded_empty(con, landing):
    deliver(landing, "crm/contacts_0001.csv", b"")
    deliver(landing, "crm/contacts_0002.csv", ",".join(native_format(CRM).columns) + "\r\n")
    deliver(landing, "social/profiles_0001.jsonl", "\n")
    report = ingest_entity(con, landing, CRM, "run-1")
    ingest_entity(con, landing, entity("social", "profiles"), "run-1")
    assert (report.files_ingested, report.files_quarantined, report.file_errors) == (2, 0, [])
    assert [(m[1], m[2]) for m in manifest(con)] == [("empty", 0)] * 3


def test_extra_column_is_ingested_and_reported(con, landing):
    header = ",".join(native_format(CRM).columns)
    row = (DATA / "crm_contacts.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    deliver(landing, "crm/contacts_0001.csv", f"{header},Region__c\n{row},EMEA\n")
    report = ingest_entity(con, landing, CRM, "run-1")
    assert report.rows_loaded == 1
    assert report.reasons == {"extra column ignored: Region__c": 1}
    assert manifest(con)[0][1] == "loaded"
    notes = con.execute("select notes from audit.ingested_files").fetchall()
    assert notes == [("extra column ignored: Region__c",)]


@pytest.mark.parametrize("e", ENTITIES, ids=lambda e: e.key)
def test_absent_source_reports_zeros_and_creates_the_raw_table(con, landing, e):
    report = ingest_entity(con, landing / "missing", e, "run-1")
    assert (report.files_seen, report.rows_loaded, report.rows_quarantined) == (0, 0, 0)
    assert table_exists(con, "raw", e.raw_table)
    columns = [
        c
        for (c,) in rows(
            con,
            """select column_name from information_schema.columns
               where table_schema = 'raw' and table_name = ? order by ordinal_position""",
            [e.raw_table],
        )
    ]
    assert columns == [
        *native_format(e).columns,
        "_source_file",
        "_line_number",
        "_file_sha256",
        "_delivery_seq",
        "_loaded_at",
        "_run_id",
    ]
    for table in ("audit.ingested_files", "quarantine.rejected_rows", "quarantine.rejected_files"):
        assert table_exists(con, *table.split("."))


class _CrashBeforeManifest:
    """A connection that fails when the manifest row of a file is written."""

    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args, **kwargs):
        if "insert into audit.ingested_files" in sql:
            raise RuntimeError("simulated crash")
        return self._con.execute(sql, *args, **kwargs)


def test_a_crash_while_writing_leaves_nothing_of_the_file(con, landing):
    deliver_fixture(landing, "crm/contacts_0001.csv", "crm_contacts_bad.csv")
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest_entity(_CrashBeforeManifest(con), landing, CRM, "run-1")
    assert rows(con, "select count(*) from raw.crm_contacts") == [(0,)]
    assert rows(con, "select count(*) from quarantine.rejected_rows") == [(0,)]
    assert rows(con, "select count(*) from audit.ingested_files") == [(0,)]
    report = ingest_entity(con, landing, CRM, "run-2")  # the next run picks the file up
    assert (report.rows_loaded, report.rows_quarantined) == (4, 7)


def test_huge_field_is_ingested(con, landing):
    header = ",".join(native_format(CRM).columns)
    row = (DATA / "crm_contacts.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    big = "z" * 1_000_000
    deliver(landing, "crm/contacts_0001.csv", f"{header}\n{row.replace('1 Market St', big)}\n")
    report = ingest_entity(con, landing, CRM, "run-1")
    assert report.rows_loaded == 1
    assert rows(con, "select length(MailingStreet) from raw.crm_contacts") == [(1_000_000,)]
