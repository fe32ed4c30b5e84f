"""Reconciliation: every delivered row is in raw or quarantine exactly once, every current
source record has one xref row, and a failure names the file, the counts and the lines."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import duckdb
import pytest

from quality.reconciliation import reconcile, recount_file
from sources import ingest
from sources.ingest import ingest_entity
from sources.readers import read_file
from sources.registry import ENTITIES, entity, native_format
from tests.test_ingest import DATA, FIXTURES, deliver, deliver_fixture
from warehouse.layout import connect

CRM = entity("crm", "contacts")
CRM_FILE = "crm/contacts_0001.csv"  # records on lines 2, 3 (to 4) and 5


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


def ingest_all(con, landing: Path, run_id: str) -> None:
    for e in ENTITIES:
        ingest_entity(con, landing, e, run_id)


def stored(con, run_id: str) -> dict[tuple[str, str], tuple]:
    """``quality.reconciliation`` of a run by (file, first 8 characters of the sha)."""
    return {
        (path, sha[:8] if sha else None): tuple(rest)
        for path, sha, *rest in con.execute(
            """select file_path, file_sha256, rows_delivered, rows_recounted, rows_in_raw,
                      rows_in_quarantine, status, detail
               from quality.reconciliation where run_id = ?""",
            [run_id],
        ).fetchall()
    }


@pytest.fixture
def delivered(con, landing):
    """Every fixture, the bad CRM file, a file quarantined whole and a re-delivery of the
    CRM file under the same name, ingested over two runs."""
    for relative, fixture in FIXTURES.items():
        deliver_fixture(landing, relative, fixture)
    deliver_fixture(landing, "crm/contacts_0002.csv", "crm_contacts_bad.csv")
    deliver(landing, "crm/contacts_0003.csv", ";".join(native_format(CRM).columns) + "\n1;2\n")
    ingest_all(con, landing, "run-1")
    path = landing / CRM_FILE
    path.write_bytes(path.read_bytes().replace(b"anna@example.com", b"anna@new.example.com"))
    ingest_all(con, landing, "run-2")
    return landing


def test_a_clean_ingest_reconciles_and_is_stored_per_file(con, delivered):
    result = reconcile(con, "check-1", delivered, xref=False)
    assert result.passed, result.describe()
    assert result.describe().startswith("Reconciliation passed: 10 file versions, 44 rows")
    rows = stored(con, "check-1")
    assert len(rows) == 10
    assert {r[4] for r in rows.values()} == {"ok"}
    by_file: dict[str, list[tuple]] = {}
    for (path, _sha), row in rows.items():
        by_file.setdefault(path, []).append(row)
    # the first version of the re-delivered file is no longer in the landing folder
    new, old = sorted(by_file[CRM_FILE], key=lambda r: r[1] is None)
    assert new[:4] == (3, 3, 3, 0) and new[5] is None
    assert old[:4] == (3, None, 3, 0) and "now holds another version" in old[5]
    # broken quoting: counted by the reader, not recounted independently, said so
    [bad] = by_file["crm/contacts_0002.csv"]
    assert bad[:4] == (11, None, 4, 7)
    assert bad[5].startswith("not recounted: quoting can be read two ways at line 8")
    [whole] = by_file["crm/contacts_0003.csv"]
    assert whole[:4] == (0, None, 0, 0)
    assert whole[5].startswith("quarantined whole: wrong delimiter")
    # JSON Lines with a blank line and bad rows: recounted, split between raw and quarantine
    assert by_file["ecommerce/customers_0001.jsonl"] == [(8, 8, 3, 5, "ok", None)]
    assert by_file["erp/customers_0001.csv"] == [(5, 5, 2, 3, "ok", None)]


def test_a_retried_check_replaces_its_rows(con, delivered):
    reconcile(con, "check-1", delivered, xref=False)
    reconcile(con, "check-1", delivered, xref=False)
    reconcile(con, "check-2", None, xref=False)
    counts = con.execute(
        "select run_id, count(*), count(rows_recounted) from quality.reconciliation group by 1"
        " order by 1"
    ).fetchall()
    assert counts == [("check-1", 10, 7), ("check-2", 10, 0)]


def test_a_removed_raw_row_fails_naming_file_counts_and_line(con, landing):
    deliver_fixture(landing, CRM_FILE, "crm_contacts.csv")
    ingest_entity(con, landing, CRM, "run-1")
    con.execute("delete from raw.crm_contacts where _line_number = 5")

    result = reconcile(con, "check-1", landing, xref=False)
    assert not result.passed
    text = result.describe()
    assert text.startswith("Reconciliation FAILED: 1 of 1 file versions do not reconcile")
    assert "- crm/contacts_0001.csv (sha256 " in text
    assert "3 row(s) delivered but 2 in raw + 0 in quarantine = 2" in text
    assert "line(s) 5 in neither raw nor quarantine" in text
    [row] = stored(con, "check-1").values()
    assert row[:5] == (3, 3, 2, 0, "mismatch")

    # without the landing file the counts still fail, the line cannot be named
    (landing / CRM_FILE).unlink()
    result = reconcile(con, "check-2", landing, xref=False)
    [check] = result.files
    assert check.problems == ["3 row(s) delivered but 2 in raw + 0 in quarantine = 2"]
    assert "the missing lines cannot be named without the landing file" in check.notes


def test_a_row_both_in_raw_and_in_quarantine_fails(con, landing):
    deliver_fixture(landing, "crm/contacts_0002.csv", "crm_contacts_bad.csv")
    ingest_entity(con, landing, CRM, "run-1")
    con.execute(
        """insert into quarantine.rejected_rows
           select * replace (9 as line_number) from quarantine.rejected_rows
           where line_number = 3"""
    )
    [check] = reconcile(con, "check-1", landing, xref=False).files
    assert check.problems == [
        "11 row(s) delivered but 4 in raw + 8 in quarantine = 12",
        "line(s) 9 both in raw and in quarantine",
    ]


def test_a_row_twice_in_raw_fails(con, landing):
    deliver_fixture(landing, CRM_FILE, "crm_contacts.csv")
    ingest_entity(con, landing, CRM, "run-1")
    con.execute(
        "insert into raw.crm_contacts select * from raw.crm_contacts where _line_number = 3"
    )
    [check] = reconcile(con, "check-1", landing, xref=False).files
    assert check.problems == [
        "3 row(s) delivered but 4 in raw + 0 in quarantine = 4",
        "line(s) 3 more than once in raw",
    ]


def test_a_file_quarantined_whole_is_in_rejected_files_and_nowhere_else(con, landing):
    deliver(landing, "crm/contacts_0003.csv", ";".join(native_format(CRM).columns) + "\n1;2\n")
    ingest_entity(con, landing, CRM, "run-1")
    assert reconcile(con, "check-1", landing, xref=False).passed
    con.execute("delete from quarantine.rejected_files")
    con.execute(
        """insert into quarantine.rejected_rows (run_id, source_system, entity, file_path,
               line_number, reason, quarantined_at, file_sha256)
           select run_id, source_system, entity, file_path, 2, 'x', now(), sha256
           from audit.ingested_files"""
    )
    [check] = reconcile(con, "check-2", landing, xref=False).files
    assert check.problems == [
        "0 row(s) delivered but 0 in raw + 1 in quarantine = 1",
        "quarantined whole but missing from quarantine.rejected_files",
    ]


def test_rows_of_a_file_version_not_in_the_manifest_fail(con, landing):
    deliver_fixture(landing, CRM_FILE, "crm_contacts.csv")
    ingest_entity(con, landing, CRM, "run-1")
    con.execute(
        """insert into raw.crm_contacts select * replace ('crm/contacts_0009.csv' as _source_file)
           from raw.crm_contacts where _line_number = 2"""
    )
    result = reconcile(con, "check-1", landing, xref=False)
    orphan = result.file_failures()[0]
    assert orphan.file_path == "crm/contacts_0009.csv"
    assert orphan.problems == [
        "1 raw row(s) and 0 quarantine row(s) of a file version that is not in the manifest"
    ]


def test_a_landing_file_with_more_records_than_the_manifest_fails(con, landing, monkeypatch):
    deliver_fixture(landing, CRM_FILE, "crm_contacts.csv")

    def losing_reader(data, fmt):  # a reader that loses the last record without a word
        parsed = read_file(data, fmt)
        parsed.frame = parsed.frame.head(parsed.frame.height - 1)
        return parsed

    monkeypatch.setattr(ingest, "read_file", losing_reader)
    ingest_entity(con, landing, CRM, "run-1")
    assert con.execute("select rows_total from audit.ingested_files").fetchall() == [(2,)]

    [check] = reconcile(con, "check-1", landing, xref=False).files
    assert (check.rows_delivered, check.rows_recounted, check.rows_in_raw) == (2, 3, 2)
    assert check.problems == [
        "the landing file holds 3 record(s), the manifest says 2",
        "line(s) 5 in neither raw nor quarantine",
    ]


def test_quarantine_rows_without_sha_are_matched_by_file_name_and_run(con, landing):
    deliver_fixture(landing, "crm/contacts_0002.csv", "crm_contacts_bad.csv")
    ingest_entity(con, landing, CRM, "run-1")
    path = landing / "crm/contacts_0002.csv"
    path.write_bytes(path.read_bytes().replace(b"Annie", b"Anny"))  # a re-delivery
    ingest_entity(con, landing, CRM, "run-2")
    con.execute("update quarantine.rejected_rows set file_sha256 = null")  # as written before
    result = reconcile(con, "check-1", landing, xref=False)
    assert result.passed, result.describe()
    assert [(f.rows_in_raw, f.rows_in_quarantine) for f in result.files] == [(4, 7), (4, 7)]

    # the run cannot tell them apart either: the rows are named, not guessed
    con.execute("update quarantine.rejected_rows set run_id = 'run-0'")
    result = reconcile(con, "check-2", landing, xref=False)
    assert not result.passed
    assert "cannot be told apart between the versions" in result.describe()


def test_an_old_quarantine_table_gets_the_sha_column(con, landing):
    con.execute(
        """create table quarantine.rejected_rows (run_id varchar, source_system varchar not null,
           entity varchar not null, file_path varchar not null, line_number bigint,
           field varchar, reason varchar not null, raw_text varchar,
           quarantined_at timestamp not null)"""
    )
    con.execute(
        """insert into quarantine.rejected_rows values ('run-0', 'crm', 'contacts',
           'crm/contacts_0000.csv', 2, null, 'old', 'x', now())"""
    )
    deliver_fixture(landing, "crm/contacts_0002.csv", "crm_contacts_bad.csv")
    ingest_entity(con, landing, CRM, "run-1")
    shas = con.execute(
        "select file_path, count(*), count(file_sha256) from quarantine.rejected_rows"
        " group by 1 order by 1"
    ).fetchall()
    assert shas == [("crm/contacts_0000.csv", 1, 0), ("crm/contacts_0002.csv", 7, 7)]


# --- the independent recount --------------------------------------------------------------


def _reader_starts(data: bytes, fmt) -> list[int]:
    parsed = read_file(data, fmt)
    return sorted(parsed.frame["_line_number"].to_list() + [r.line_number for r in parsed.rejected])


def _crm_row(k: int, first: str = "Anna", street: str = "1 Market St") -> str:
    ts = "2025-03-01T08:15:00.000Z"
    return (
        f"0031U{k:013d},{first},Smith,a@b.c,,,{street},Berlin,,10115,DE,,,Web,false,{ts},{ts},false"
    )


CRM_HEADER = ",".join(native_format(CRM).columns)

RECOUNTABLE = {
    "multi-line quoted field, BOM, CRLF": (DATA / "crm_contacts.csv").read_bytes(),
    "semicolons, bad rows": (DATA / "erp_customers.csv").read_bytes(),
    "quotes inside unquoted fields": (
        "\n".join(
            [
                CRM_HEADER,
                _crm_row(1, first='Robert "Bob"'),
                _crm_row(2, street='"Flat 2\nHigh St"'),
                _crm_row(3, first='"Ann"e'),
                "",
                _crm_row(4),
            ]
        )
        + "\n"
    ).encode(),
    "header only, CRLF": (CRM_HEADER + "\r\n").encode(),
    "empty": b"",
}

AMBIGUOUS = {
    "broken quoting fixture": (DATA / "crm_contacts_bad.csv").read_bytes(),
    "unclosed quote": "\n".join(
        [CRM_HEADER, _crm_row(1), _crm_row(2, first='"Unclosed'), _crm_row(3)]
    ).encode(),
    "bare carriage return": "\n".join([CRM_HEADER, _crm_row(1) + "\r" + _crm_row(2)]).encode(),
}


@pytest.mark.parametrize("name", RECOUNTABLE)
def test_the_recount_agrees_with_the_reader(tmp_path, name):
    path = tmp_path / "contacts.csv"
    path.write_bytes(RECOUNTABLE[name])
    fmt = native_format(entity("erp", "customers") if "semicolons" in name else CRM)
    recount = recount_file(path, fmt)
    assert recount.start_lines == _reader_starts(RECOUNTABLE[name], fmt)
    assert recount.records == len(recount.start_lines)


@pytest.mark.parametrize("name", AMBIGUOUS)
def test_ambiguous_quoting_is_not_recounted_and_says_why(tmp_path, name):
    path = tmp_path / "contacts.csv"
    path.write_bytes(AMBIGUOUS[name])
    recount = recount_file(path, native_format(CRM))
    assert (recount.records, recount.start_lines) == (None, None)
    assert recount.note.startswith("not recounted: ")


@pytest.mark.parametrize("fixture", [f for f in FIXTURES.values() if f.endswith(".jsonl")])
def test_json_lines_recount_agrees_with_the_reader(tmp_path, fixture):
    e = next(e for e in ENTITIES if e.raw_table == Path(fixture).stem)
    data = b"\xef\xbb\xbf" + (DATA / fixture).read_bytes().replace(b"\n", b"\r\n") + b" \t\r\n"
    path = tmp_path / fixture
    path.write_bytes(data)
    assert recount_file(path, native_format(e)).start_lines == _reader_starts(
        data, native_format(e)
    )


def test_random_rfc4180_file_is_recounted_like_the_reader(tmp_path):
    rnd = random.Random(4180)
    pieces = ["a", "王", ",", '"', "\n", "\r\n", " ", ""]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(native_format(CRM).columns)
    for k in range(300):
        values = ["".join(rnd.choices(pieces, k=rnd.randint(0, 3))) for _ in range(18)]
        values[0] = f"0031U{k:013d}"
        writer.writerow(values)
    data = buffer.getvalue().encode()
    path = tmp_path / "contacts.csv"
    path.write_bytes(data)
    recount = recount_file(path, native_format(CRM))
    assert recount.records == 300
    assert recount.start_lines == _reader_starts(data, native_format(CRM))


# --- cross-reference ----------------------------------------------------------------------


@pytest.fixture
def matched(con, landing):
    """Fixtures ingested, with hand-made current records (the latest id per source) and one
    xref row for each."""
    for relative, fixture in FIXTURES.items():
        deliver_fixture(landing, relative, fixture)
    ingest_all(con, landing, "run-1")
    con.execute(
        """create table staging.int_party_records as
           select distinct 'crm' as source_system, Id as source_record_id from raw.crm_contacts
           union all select distinct 'erp', KUNNR from raw.erp_customers
           union all select distinct 'ecommerce', id from raw.ecommerce_customers
           union all select distinct 'social', platform || ':' || user_id
               from raw.social_profiles"""
    )
    con.execute(
        """create table mdm_build.customer_xref as
           select source_system, source_record_id, 'g-' || source_record_id as golden_id
           from staging.int_party_records"""
    )
    return con


def test_every_current_record_with_one_xref_row_passes(matched):
    result = reconcile(matched, "check-1", None)
    assert result.passed, result.describe()
    stored_xref = matched.execute(
        """select source_system, raw_native_ids, current_records, xref_rows, status
           from quality.reconciliation_xref order by 1"""
    ).fetchall()
    assert stored_xref == [
        ("crm", 3, 3, 3, "ok"),
        ("ecommerce", 3, 3, 3, "ok"),
        ("erp", 2, 2, 2, "ok"),
        ("social", 3, 3, 3, "ok"),
    ]


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        (
            "delete from mdm_build.customer_xref where source_record_id = '1001'",
            "xref ecommerce: 1 current record(s) without an xref row: ecommerce|1001",
        ),
        (
            "insert into mdm_build.customer_xref values ('erp', '0000012345', 'g-2')",
            "xref erp: 1 current record(s) with more than one xref row: erp|0000012345",
        ),
        (
            "insert into mdm_build.customer_xref values ('crm', 'gone', 'g-3')",
            "xref crm: 1 xref row(s) without a current record: crm|gone",
        ),
        (
            """delete from staging.int_party_records where source_record_id = 'x:42';
               delete from mdm_build.customer_xref where source_record_id = 'x:42'""",
            "xref social: 1 native id(s) in raw without a current record: social|x:42",
        ),
    ],
    ids=["no xref row", "two xref rows", "xref without record", "raw id without record"],
)
def test_xref_mismatches_fail_and_name_the_record(matched, change, finding):
    matched.execute(change)
    result = reconcile(matched, "check-1", None)
    assert not result.passed
    text = result.describe()
    assert text.startswith("Reconciliation FAILED: 1 of 4 source systems do not reconcile")
    assert f"- {finding}" in text.splitlines()
    [status] = matched.execute(
        "select count(*) from quality.reconciliation_xref where status = 'mismatch'"
    ).fetchone()
    assert status == 1


def test_missing_xref_tables_fail(con, landing):
    deliver_fixture(landing, CRM_FILE, "crm_contacts.csv")
    ingest_entity(con, landing, CRM, "run-1")
    result = reconcile(con, "check-1", landing)
    assert not result.passed
    assert "cannot check: staging.int_party_records, mdm_build.customer_xref" in result.describe()


# --- the pipeline -------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_lost_raw_row_blocks_publication(tmp_path, monkeypatch):
    from pipelines.run import run_pipeline
    from sources.generator import generate

    landing = tmp_path / "landing"
    generate(landing, customers=150, seed=3)
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("MDM_LANDING_DIR", str(landing))
    monkeypatch.setenv("MDM_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("MDM_DATA_DOCS_DIR", str(tmp_path / "docs"))

    first = run_pipeline()
    assert first.success, first.summary
    assert [c.passed for c in first.checks if c.check == "reconciliation"] == [True]
    with duckdb.connect(str(warehouse)) as con:
        published = con.execute("select * from mdm.golden_customer order by golden_id").fetchall()
        xref = con.execute("select * from mdm.customer_xref order by all").fetchall()
        [(line,)] = con.execute(
            "select max(_line_number) from raw.crm_contacts where _source_file = ?", [CRM_FILE]
        ).fetchall()
        con.execute(
            "delete from raw.crm_contacts where _source_file = ? and _line_number = ?",
            [CRM_FILE, line],
        )

    second = run_pipeline()

    assert not second.success
    failed = [c for c in second.checks if not c.passed]
    assert [(c.asset, c.check) for c in failed] == [("mdm_build/customer_xref", "reconciliation")]
    assert f"- {CRM_FILE} (sha256 " in failed[0].description
    assert f"line(s) {line} in neither raw nor quarantine" in failed[0].description
    assert "published_tables" not in second.step_seconds
    assert "FAILED reconciliation on mdm_build/customer_xref" in second.summary
    assert f"line(s) {line} in neither raw nor quarantine" in second.summary
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select * from mdm.golden_customer order by golden_id").fetchall() == (
            published
        )
        assert con.execute("select * from mdm.customer_xref order by all").fetchall() == xref
        assert con.execute("select count(*) from audit.publications").fetchone()[0] == 1
        mismatched = con.execute(
            """select file_path, rows_delivered - rows_in_raw - rows_in_quarantine
               from quality.reconciliation where run_id = ? and status = 'mismatch'""",
            [second.run_id],
        ).fetchall()
    assert mismatched == [(CRM_FILE, 1)]
