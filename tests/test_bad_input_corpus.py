"""The bad input corpus (``tests/data/bad``): every defect of SOURCES.md "Bad input".

Each corpus file is ``<case>/<landing path>``: copied to ``<landing>/<landing path>`` it is
one delivery of one entity. ``EXPECTED`` says exactly what ingesting it must give: the
manifest status, the ids that land in ``raw``, the rows in ``quarantine.rejected_rows``
(line, field, reason) or the reason in ``quarantine.rejected_files``, and the notes (extra
columns). The per-file tests ingest one file into a fresh warehouse; the end-to-end test
adds the whole corpus to a generated delivery and runs the pipeline once.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb
import pytest

from pipelines.run import reason_kind
from sources.ingest import ingest_entity
from sources.registry import ENTITIES, Entity
from warehouse.layout import connect

CORPUS = Path(__file__).parent / "data" / "bad"
README = CORPUS / "README.md"

HUGE_FIELD_CHARS = 200_000
MAX_CORPUS_FILE_BYTES = 300 * 1024


@dataclass(frozen=True)
class Expected:
    """What ingesting one corpus file gives.

    ``loaded``: the native ids of the rows in ``raw``, in line order (``platform:user_id``
    for social). ``rejected``: ``(line, field, reason)`` per quarantined row, in line order.
    ``file_reason``: the reason in ``quarantine.rejected_files`` when the file cannot be read.
    ``notes``: what the ingest report counts besides quarantine (extra columns ignored).
    """

    status: str
    loaded: tuple[str, ...] = ()
    rejected: tuple[tuple[int, str | None, str], ...] = ()
    file_reason: str | None = None
    notes: tuple[str, ...] = ()
    # the ``raw`` column holding a huge value and its length
    huge: tuple[str, int] | None = None


def _crm(case: int, row: int) -> str:
    return f"003Dn00000Q{case:02d}{row:02d}AAQ"


def _kunnr(case: int, row: int) -> str:
    return f"00009{case:02d}{row:03d}"


def _vbeln(case: int, row: int) -> str:
    return f"0098{case:02d}{row:04d}"


def _shop(case: int, row: int) -> str:
    return f"99{case:02d}00000000{row:03d}"


def _order(case: int, row: int) -> str:
    return f"88{case:02d}00000000{row:03d}"


def _crm_ids(case: int, *rows: int) -> tuple[str, ...]:
    return tuple(_crm(case, row) for row in rows)


_NEVER_CLOSED = "broken quoting: a quote opened on this line is never closed"

EXPECTED: dict[str, Expected] = {
    # --- broken CSV quoting: the one record is quarantined, reading resumes on the next line
    "broken_quoting/crm/contacts_0001.csv": Expected(
        "partially_quarantined",
        loaded=_crm_ids(1, 1, 2, 4, 5, 6),  # 2 and 6 hold a quoted street over two lines
        rejected=(
            (
                5,
                None,
                "broken quoting: a quote opened on this line would swallow line 6, "
                "which is a complete record",
            ),
        ),
    ),
    "broken_quoting/erp/customers_0001.csv": Expected(
        "partially_quarantined",
        loaded=(_kunnr(1, 1), _kunnr(1, 3)),
        rejected=((3, None, _NEVER_CLOSED),),
    ),
    # --- wrong delimiter: the header does not split into the contract's columns
    "wrong_delimiter/erp/invoices_0001.csv": Expected(
        "quarantined",
        file_reason="wrong delimiter: expected ';' but the header is separated by ','",
    ),
    "wrong_delimiter/crm/contacts_0001.csv": Expected(
        "quarantined",
        file_reason="wrong delimiter: expected ',' but the header is separated by ';'",
    ),
    # --- UTF-8 byte-order mark: allowed by the contract, every row lands
    "bom/crm/contacts_0001.csv": Expected("loaded", loaded=_crm_ids(3, 1, 2, 3)),
    "bom/erp/customers_0001.csv": Expected("loaded", loaded=(_kunnr(3, 1), _kunnr(3, 2))),
    "bom/social/profiles_0001.jsonl": Expected(
        "loaded",
        loaded=("weibo:6503000001", "x:6503000002", "linkedin:ACoAAB03xQ0003"),
    ),
    # --- not UTF-8: the file is quarantined whole, naming the first bad byte
    "not_utf8/crm/contacts_0001.csv": Expected(  # Windows-1252: "José" on line 3
        "quarantined", file_reason="not UTF-8 (byte 0xe9 at offset 408)"
    ),
    "not_utf8/erp/customers_0001.csv": Expected(  # GBK: "孙丽" on line 3
        "quarantined", file_reason="not UTF-8 (byte 0xcb at offset 199)"
    ),
    "not_utf8/social/profiles_0001.jsonl": Expected(  # "Unicode text" from a spreadsheet
        "quarantined",
        file_reason=(
            "not UTF-8 (byte 0xff at offset 0): the file starts with a UTF-16LE byte-order mark"
        ),
    ),
    # --- invalid JSON lines: each one is quarantined, the others land
    "invalid_json/ecommerce/customers_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=(_shop(5, 1), _shop(5, 2), _shop(5, 5)),
        rejected=(
            (3, None, "invalid JSON: unexpected end of data at column 98"),  # cut short
            (4, None, "invalid JSON: unexpected character, expected a string key at column 2"),
            (6, None, "invalid JSON: trailing comma is not allowed at column 403"),
        ),
    ),
    "invalid_json/social/profiles_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=("weibo:6505000001", "linkedin:ACoAAB05xQ0003", "x:6505000006"),
        rejected=(
            (2, None, "invalid JSON: unexpected character, expected ',' or '}' at column 61"),
            # an unescaped newline in the bio splits one object over lines 4 and 5
            (4, None, "invalid JSON: unexpected end of data at column 134"),
            (5, None, "invalid JSON: unexpected character, expected a JSON value at column 1"),
            (7, None, "invalid JSON: unexpected character, expected a JSON value at column 152"),
        ),
    ),
    # --- missing ids
    "missing_id/crm/contacts_0001.csv": Expected(
        "partially_quarantined",
        loaded=_crm_ids(6, 1, 3),
        rejected=((3, "Id", "missing id (Id)"),),
    ),
    "missing_id/ecommerce/customers_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=(_shop(6, 1), _shop(6, 4)),
        rejected=((2, "id", "missing id (id)"), (3, "id", "missing id (id)")),  # absent, null
    ),
    "missing_id/social/profiles_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=("linkedin:ACoAAB06xQ0001", "weibo:6506000003"),
        rejected=((2, "user_id", "missing id (user_id)"), (4, "platform", "missing id (platform)")),
    ),
    # --- duplicate ids within one file: the first occurrence lands
    "duplicate_id/erp/customers_0001.csv": Expected(
        "partially_quarantined",
        loaded=(_kunnr(7, 1), _kunnr(7, 2), _kunnr(7, 3)),
        rejected=((5, "KUNNR", "duplicate id 0000907001 in file (first at line 2)"),),
    ),
    "duplicate_id/ecommerce/orders_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=(_order(7, 1), _order(7, 2), _order(7, 3)),
        rejected=((3, "id", "duplicate id 880700000000001 in file (first at line 1)"),),
    ),
    "duplicate_id/social/profiles_0001.jsonl": Expected(
        "partially_quarantined",
        # the same number on another platform is another profile
        loaded=("weibo:6507000001", "wechat:6507000001", "x:6507000003"),
        rejected=(
            (4, "platform,user_id", "duplicate id weibo:6507000001 in file (first at line 1)"),
        ),
    ),
    # --- wrong types and values outside the contract's formats
    "wrong_types/ecommerce/customers_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=(_shop(8, 1), _shop(8, 7)),
        rejected=(
            (2, "id", "id: wrong type, expected integer, got string"),
            (
                3,
                "accepts_marketing",
                "accepts_marketing: wrong type, expected boolean or null, got string",
            ),
            (4, "created_at", "created_at: not an ISO 8601 timestamp ('03/15/2024 10:22')"),
            (
                5,
                "default_address",
                "default_address: wrong type, expected object or null, got string",
            ),
            (6, "id", "id: wrong type, expected integer, got number"),  # 9908000000006.0
        ),
    ),
    "wrong_types/ecommerce/orders_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=(_order(8, 1), _order(8, 6)),
        rejected=(
            (2, "total_price", "total_price: wrong type, expected string or null, got number"),
            (3, "total_price", "total_price: not a decimal number ('12,50')"),
            (4, "customer_id", "customer_id: wrong type, expected integer or null, got string"),
            (5, "line_items", "line_items: wrong type, expected array or null, got string"),
        ),
    ),
    "wrong_types/erp/invoices_0001.csv": Expected(
        "partially_quarantined",
        loaded=(_vbeln(8, 1), _vbeln(8, 6)),
        rejected=(
            (3, "NETWR", "NETWR: not a decimal number ('12,50')"),
            (4, "NETWR", "NETWR: not a decimal number ('abc')"),
            (5, "FKDAT", "FKDAT: not a date (YYYYMMDD) ('2024-03-09')"),
            (6, "KUNNR", "KUNNR: not a 10-digit customer number ('12345')"),
        ),
    ),
    "wrong_types/crm/contacts_0001.csv": Expected(
        "partially_quarantined",
        loaded=_crm_ids(8, 1, 5),
        rejected=(
            (3, "Birthdate", "Birthdate: not a date (YYYY-MM-DD) ('23/11/1988')"),
            (
                4,
                "HasOptedOutOfEmail",
                "HasOptedOutOfEmail: not a boolean (true/false) ('yes')",
            ),
            (
                5,
                "CreatedDate",
                "CreatedDate: not an ISO 8601 timestamp ('01.03.2025 08:15'); "
                "IsDeleted: not a boolean (true/false) ('0')",
            ),
        ),
    ),
    "wrong_types/social/profiles_0001.jsonl": Expected(
        "partially_quarantined",
        loaded=("linkedin:ACoAAB08xQ0001", "x:6508000005"),  # a numeric user_id is allowed
        rejected=(
            (2, "followers", "followers: wrong type, expected integer or null, got string"),
            (3, "verified", "verified: wrong type, expected boolean or null, got string"),
            (4, "user_id", "user_id: wrong type, expected integer or string, got number"),
        ),
    ),
    # --- empty (0 bytes) and header-only files: recorded, nothing to load
    "empty/crm/contacts_0001.csv": Expected("empty"),
    "empty/ecommerce/orders_0001.jsonl": Expected("empty"),
    "header_only/erp/invoices_0001.csv": Expected("empty"),
    "header_only/crm/contacts_0001.csv": Expected("empty"),  # with BOM and CRLF
    # --- a value of 200,000 characters lands whole
    "huge_field/crm/contacts_0001.csv": Expected(
        "loaded",
        loaded=_crm_ids(11, 1, 2, 3),
        huge=("MailingStreet", HUGE_FIELD_CHARS),
    ),
    "huge_field/social/engagement_0001.jsonl": Expected(
        "loaded",
        loaded=("weibo:wb-1100000001", "weibo:wb-1100000002", "x:x-1100000003"),
        huge=("text", HUGE_FIELD_CHARS),
    ),
    # --- unknown extra columns: the rows land, the columns are noted
    "extra_column/crm/contacts_0001.csv": Expected(
        "loaded", loaded=_crm_ids(12, 1, 2), notes=("extra column ignored: Region__c",)
    ),
    "extra_column/erp/customers_0001.csv": Expected(
        "loaded",
        loaded=(_kunnr(12, 1), _kunnr(12, 2)),
        notes=("extra column ignored: STCEG",),
    ),
    "extra_column/ecommerce/customers_0001.jsonl": Expected(
        "loaded",
        loaded=(_shop(12, 3), _shop(12, 4)),
        notes=(
            "extra column ignored: default_address.company",
            "extra column ignored: default_address.name",
            "extra column ignored: orders_count",
            "extra column ignored: total_spent",
            "extra column ignored: verified_email",
        ),
    ),
    # --- a required column is missing: the file is quarantined whole
    "missing_column/crm/contacts_0001.csv": Expected(
        "quarantined", file_reason="missing required columns: Email"
    ),
    "missing_column/erp/invoices_0001.csv": Expected(
        "quarantined", file_reason="missing required columns: WAERK"
    ),
}


def corpus_files() -> list[str]:
    """Every corpus file as ``<case>/<landing path>``, README aside."""
    return sorted(
        path.relative_to(CORPUS).as_posix()
        for path in CORPUS.rglob("*")
        if path.is_file() and path != README
    )


def landing_path(corpus_file: str) -> str:
    """Where the file goes in a landing folder: the corpus path without its case folder."""
    return corpus_file.split("/", 1)[1]


def entity_of(relative: str) -> Entity:
    [found] = [e for e in ENTITIES if PurePosixPath(relative).match(e.pattern)]
    return found


def physical_lines(data: bytes) -> list[str]:
    """The file's lines as the readers number them: ``\\n`` ends a line, ``\\r`` dropped."""
    text = data.decode("utf-8-sig")
    return [line.removesuffix("\r") for line in text.split("\n")]


def id_expression(e: Entity) -> str:
    return " || ':' || ".join(f'"{column}"' for column in e.id_columns)


def summary_form(source_system: str, entity: str, reason: str) -> str:
    """A reason as the run summary groups it (pipelines/run.py ``_quarantine``)."""
    return f"{source_system}/{entity}: {reason_kind(reason)}"


# --- the corpus itself ----------------------------------------------------------------


def test_every_corpus_file_has_an_expectation():
    files = corpus_files()
    assert files, f"no corpus files under {CORPUS}"
    assert [f for f in files if f not in EXPECTED] == [], "corpus files without expectation"
    assert [f for f in EXPECTED if f not in files] == [], "expectations without a corpus file"


def test_every_corpus_file_is_in_the_readme_and_lands_where_the_contract_expects():
    readme = README.read_text(encoding="utf-8")
    for corpus_file in corpus_files():
        assert f"`{corpus_file}`" in readme, f"{corpus_file} is not in {README.name}"
        entity_of(landing_path(corpus_file))  # exactly one entity takes it
        assert (CORPUS / corpus_file).stat().st_size < MAX_CORPUS_FILE_BYTES


# --- one file at a time ---------------------------------------------------------------


@pytest.fixture
def warehouse(tmp_path: Path):
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


@pytest.mark.parametrize("corpus_file", sorted(EXPECTED))
def test_corpus_file_is_ingested_as_the_contract_says(corpus_file, tmp_path, warehouse):
    expected = EXPECTED[corpus_file]
    relative = landing_path(corpus_file)
    e = entity_of(relative)
    landing = tmp_path / "landing"
    (landing / relative).parent.mkdir(parents=True)
    shutil.copy(CORPUS / corpus_file, landing / relative)

    report = ingest_entity(warehouse, landing, e, "run-bad")

    assert_ingested(warehouse, e, relative, (CORPUS / corpus_file).read_bytes(), expected)
    assert sorted(r for r in report.reasons if r.startswith("extra column")) == sorted(
        expected.notes
    )
    assert report.files_quarantined == (expected.file_reason is not None)
    assert report.file_errors == (
        [f"{relative}: {expected.file_reason}"] if expected.file_reason else []
    )
    assert (report.rows_loaded, report.rows_quarantined) == (
        len(expected.loaded),
        len(expected.rejected),
    )


def assert_ingested(
    con: duckdb.DuckDBPyConnection, e: Entity, relative: str, data: bytes, expected: Expected
) -> None:
    """The manifest, raw rows and quarantine of one ingested file are exactly ``expected``."""
    [(status, total, loaded, quarantined, sha256)] = con.execute(
        """select status, rows_total, rows_loaded, rows_quarantined, sha256
           from audit.ingested_files where file_path = ?""",
        [relative],
    ).fetchall()
    assert status == expected.status
    assert total == loaded + quarantined
    assert (loaded, quarantined) == (len(expected.loaded), len(expected.rejected))

    landed = con.execute(
        f"""select {id_expression(e)} from raw.{e.raw_table}
            where _source_file = ? order by _line_number""",
        [relative],
    ).fetchall()
    assert [row[0] for row in landed] == list(expected.loaded)

    rejected = con.execute(
        """select line_number, field, reason, raw_text, source_system, entity
           from quarantine.rejected_rows where file_path = ? order by line_number""",
        [relative],
    ).fetchall()
    assert [r[:3] for r in rejected] == list(expected.rejected)
    lines = physical_lines(data) if rejected else []
    for line_number, _field, _reason, raw_text, source_system, entity in rejected:
        assert raw_text == lines[line_number - 1]  # the delivered text, nothing lost
        assert (source_system, entity) == (e.source_system, e.name)

    files = con.execute(
        """select reason, sha256, source_system, entity
           from quarantine.rejected_files where file_path = ?""",
        [relative],
    ).fetchall()
    if expected.file_reason is None:
        assert files == []
    else:
        assert files == [(expected.file_reason, sha256, e.source_system, e.name)]
        assert total == 0

    if expected.huge is not None:
        column, length = expected.huge
        [(longest,)] = con.execute(
            f'select max(length("{column}")) from raw.{e.raw_table} where _source_file = ?',
            [relative],
        ).fetchall()
        assert longest == length


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path, warehouse):
    corpus_file = "bom/erp/customers_0001.csv"
    assert (CORPUS / corpus_file).read_bytes().startswith(b"\xef\xbb\xbf")
    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)
    shutil.copy(CORPUS / corpus_file, landing / landing_path(corpus_file))
    ingest_entity(warehouse, landing, entity_of(landing_path(corpus_file)), "run-bad")
    assert warehouse.execute("select NAME1, KTOKD from raw.erp_customers").fetchall() == [
        ("王芳", "ZPRI"),  # no \r left on the last column either (CRLF)
        ("NORTHWIND MEDICAL GMBH", "ZORG"),
    ]


def test_huge_values_land_exactly_as_delivered(tmp_path, warehouse):
    landing = tmp_path / "landing"
    for corpus_file in (
        "huge_field/crm/contacts_0001.csv",
        "huge_field/social/engagement_0001.jsonl",
    ):
        relative = landing_path(corpus_file)
        (landing / relative).parent.mkdir(parents=True)
        shutil.copy(CORPUS / corpus_file, landing / relative)
        ingest_entity(warehouse, landing, entity_of(relative), "run-bad")
    text = (CORPUS / "huge_field/crm/contacts_0001.csv").read_text(encoding="utf-8")
    [street] = [row[6] for row in csv.reader(io.StringIO(text, newline="")) if len(row[6]) > 1000]
    [(stored,)] = warehouse.execute(
        "select MailingStreet from raw.crm_contacts where length(MailingStreet) > 1000"
    ).fetchall()
    assert stored == street and '"fragile"' in stored  # doubled quotes read back as one
    [(post,)] = warehouse.execute(
        "select text from raw.social_engagement where event_id = 'wb-1100000002'"
    ).fetchall()
    assert len(post) == HUGE_FIELD_CHARS and post.startswith("新茶到了")


# --- the whole pipeline ---------------------------------------------------------------


def e2e_name(corpus_file: str) -> str:
    """The landing path of a corpus file beside a generated delivery: the case joins the
    file name (``crm/contacts_0001_broken_quoting.csv``), so names never collide."""
    case, relative = corpus_file.split("/", 1)
    path = PurePosixPath(relative)
    return str(path.with_name(f"{path.stem}_{case}{path.suffix}"))


def count_records(path: Path) -> int:
    """Records in a generated file, counted without the project's readers."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".csv":
        return sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1
    return sum(1 for line in text.splitlines() if line.strip())


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory):
    from pipelines.run import run_pipeline
    from sources.generator import generate

    root = tmp_path_factory.mktemp("bad_corpus_e2e")
    landing = root / "landing"
    generate(landing, customers=300, seed=11)
    generated = {
        path.relative_to(landing).as_posix(): count_records(path)
        for e in ENTITIES
        for path in sorted(landing.glob(e.pattern))
    }
    for corpus_file in corpus_files():
        target = landing / e2e_name(corpus_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        assert not target.exists()
        shutil.copy(CORPUS / corpus_file, target)

    mp = pytest.MonkeyPatch()
    mp.setenv("MDM_LANDING_DIR", str(landing))
    mp.setenv("MDM_WAREHOUSE", str(root / "warehouse.duckdb"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv("MDM_DATA_DOCS_DIR", str(root / "data_docs"))
    try:
        outcome = run_pipeline()
    finally:
        mp.undo()
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        yield {"outcome": outcome, "con": con, "generated": generated}


@pytest.mark.e2e
def test_the_pipeline_runs_through_the_whole_corpus(corpus_run):
    outcome = corpus_run["outcome"]
    assert outcome.success, outcome.summary
    assert outcome.failed_steps == [] and outcome.skipped_steps == [], outcome.summary
    assert outcome.checks and all(c.passed for c in outcome.checks), outcome.summary


@pytest.mark.e2e
def test_every_generated_row_lands_beside_the_corpus(corpus_run):
    con = corpus_run["con"]
    generated = corpus_run["generated"]
    assert {path.split("/")[0] for path in generated} == {"crm", "erp", "ecommerce", "social"}
    for relative, records in generated.items():
        e = entity_of(relative)
        manifest = con.execute(
            """select status, rows_total, rows_loaded, rows_quarantined
               from audit.ingested_files where file_path = ?""",
            [relative],
        ).fetchall()
        assert manifest == [("loaded", records, records, 0)], relative
        [(landed,)] = con.execute(
            f"select count(*) from raw.{e.raw_table} where _source_file = ?", [relative]
        ).fetchall()
        assert landed == records > 0, relative


@pytest.mark.e2e
def test_every_corpus_defect_is_in_quarantine_with_its_reason(corpus_run):
    con = corpus_run["con"]
    for corpus_file, expected in EXPECTED.items():
        relative = e2e_name(corpus_file)
        data = (CORPUS / corpus_file).read_bytes()
        assert_ingested(con, entity_of(relative), relative, data, expected)


def _summary_section(summary: str) -> str:
    return summary.split("quarantined this run:", 1)[1].split("quality gates:", 1)[0]


def _corpus_kinds() -> set[str]:
    """Every quarantined row and file reason of the corpus as the summary groups it."""
    kinds = set()
    for corpus_file, expected in EXPECTED.items():
        e = entity_of(landing_path(corpus_file))
        reasons = [reason for _, _, reason in expected.rejected]
        reasons += [expected.file_reason] if expected.file_reason else []
        kinds.update(summary_form(e.source_system, e.name, reason) for reason in reasons)
    return kinds


@pytest.mark.e2e
def test_the_run_summary_counts_every_quarantined_row_and_file(corpus_run):
    summary = corpus_run["outcome"].summary
    assert summary.count("quarantined this run:") == 1
    section = _summary_section(summary)
    rows = sum(len(x.rejected) for x in EXPECTED.values())
    files = sum(x.file_reason is not None for x in EXPECTED.values())
    assert section.split("\n", 1)[0].strip() == f"{rows + files:,}", section
    listed = re.findall(r"^\s+\d+  (.+)$", section, flags=re.MULTILINE)
    assert listed, section
    kinds = _corpus_kinds()
    assert [kind for kind in listed if kind not in kinds] == [], section  # nothing else


@pytest.mark.e2e
def test_the_run_summary_lists_every_quarantined_file_and_counts_the_other_kinds(corpus_run):
    from pipelines.run import SUMMARY_ROW_KINDS

    section = _summary_section(corpus_run["outcome"].summary)
    kinds = _corpus_kinds()
    missing = sorted(kind for kind in kinds if kind not in section)
    # every whole-file quarantine is listed; row kinds beyond the most frequent are counted
    assert not any(kind for kind in missing if "missing required" in kind or "UTF-8" in kind)
    assert len(kinds) - len(missing) == 7 + SUMMARY_ROW_KINDS
    assert f"… {len(missing)} more kinds: select * from quarantine.rejected_rows" in section


@pytest.mark.e2e
def test_extra_columns_are_noted_in_the_raw_assets_metadata(corpus_run):
    metadata = corpus_run["outcome"].metadata
    for corpus_file, expected in EXPECTED.items():
        e = entity_of(landing_path(corpus_file))
        reasons = metadata[f"raw/{e.raw_table}"]["quarantine_reasons"]
        for note in expected.notes:
            assert reasons.get(note) == 1, (corpus_file, note, reasons)
