"""Each gate passes on good hand-made data and fails on bad data, saying what and where."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pytest

from quality.gates import SUITES, GateResult, run_gate
from quality.suites import ExpectationSpec, SuiteSpec
from quality.thresholds import THRESHOLDS_FILE

RAW_METADATA = {
    "_source_file": "varchar",
    "_line_number": "bigint",
    "_file_sha256": "varchar",
    "_delivery_seq": "bigint",
    "_loaded_at": "timestamp",
    "_run_id": "varchar",
}
# Native id columns of each raw table (the rest of the native columns do not matter here).
RAW_IDS = {
    "raw_crm_contacts": ("raw.crm_contacts", ("Id",)),
    "raw_erp_customers": ("raw.erp_customers", ("KUNNR",)),
    "raw_erp_invoices": ("raw.erp_invoices", ("VBELN",)),
    "raw_ecommerce_customers": ("raw.ecommerce_customers", ("id",)),
    "raw_ecommerce_orders": ("raw.ecommerce_orders", ("id",)),
    "raw_social_profiles": ("raw.social_profiles", ("platform", "user_id")),
    "raw_social_engagement": ("raw.social_engagement", ("platform", "event_id")),
}
PARTY_COLUMNS = {
    "source_system": "varchar",
    "source_record_id": "varchar",
    "record_key": "varchar",
    "party_type": "varchar",
    "first_name": "varchar",
    "last_name": "varchar",
    "full_name": "varchar",
    "email": "varchar",
    "phone": "varchar",
    "phone_2": "varchar",
    "country": "varchar",
    "postal_code": "varchar",
    "company": "varchar",
    "is_deleted": "boolean",
}
# Raw tables the staged suites compare a record's deliveries in: native id, creation time.
RAW_IDENTITY_COLUMNS = {
    "raw.crm_contacts": {"Id": "varchar", "CreatedDate": "varchar"},
    "raw.erp_customers": {"KUNNR": "varchar", "ERDAT": "varchar"},
    "raw.ecommerce_customers": {"id": "bigint", "created_at": "varchar"},
    "raw.social_profiles": {"platform": "varchar", "user_id": "varchar", "created_at": "varchar"},
}


@pytest.fixture
def con():
    connection = duckdb.connect()
    for schema in ("raw", "staging", "mdm_build"):
        connection.execute(f"create schema {schema}")
    yield connection
    connection.close()


def create_table(con, table: str, columns: dict[str, str], rows: Iterable[dict]) -> None:
    con.execute(f"create table {table} ({', '.join(f'{n} {t}' for n, t in columns.items())})")
    rows = [[row.get(name) for name in columns] for row in rows]
    if rows:
        con.executemany(f"insert into {table} values ({', '.join('?' for _ in columns)})", rows)


def failure(result: GateResult, expectation: str):
    failed = {outcome.expectation: outcome for outcome in result.failures()}
    assert expectation in failed, result.describe()
    return failed[expectation]


# raw -------------------------------------------------------------------------------------


def raw_rows(ids: tuple[str, ...], count: int, file: str = "f_0001.csv", sha: str = "a1"):
    return [
        {
            **{column: f"{column}-{n}" for column in ids},
            "_source_file": file,
            "_line_number": n + 2,
            "_file_sha256": sha,
            "_delivery_seq": 1,
            "_run_id": "r1",
        }
        for n in range(count)
    ]


def create_raw(con, suite: str, rows: list[dict]) -> tuple[str, ...]:
    table, ids = RAW_IDS[suite]
    create_table(con, table, {**{c: "varchar" for c in ids}, **RAW_METADATA}, rows)
    return ids


@pytest.mark.parametrize("suite", sorted(RAW_IDS))
def test_raw_gate_passes_on_good_rows(con, suite):
    ids = RAW_IDS[suite][1]
    create_raw(con, suite, raw_rows(ids, 3))

    result = run_gate(con, suite, "run-1")

    assert result.passed, result.describe()
    assert result.row_count == 3
    assert [o.expectation for o in result.outcomes] == [e.label for e in SUITES[suite].expectations]


@pytest.mark.parametrize("suite", sorted(RAW_IDS))
def test_raw_gate_fails_on_a_missing_id(con, suite):
    ids = RAW_IDS[suite][1]
    rows = raw_rows(ids, 4)
    rows[2][ids[-1]] = None
    create_raw(con, suite, rows)

    result = run_gate(con, suite, "run-1")

    assert not result.passed
    missing = failure(result, f"expect_column_values_to_not_be_null({ids[-1]})")
    assert missing.unexpected_count == 1
    assert missing.observed == 0.75
    assert missing.threshold == 1.0
    assert missing.sample_rows == [
        {**{c: rows[2][c] for c in ids}, "_source_file": "f_0001.csv", "_line_number": 4}
    ]


def test_raw_gate_passes_on_an_empty_table_and_on_an_absent_one(con):
    create_raw(con, "raw_crm_contacts", [])

    assert run_gate(con, "raw_crm_contacts", "run-1").passed
    assert run_gate(con, "raw_erp_customers", "run-1").passed  # never delivered: no table


def test_raw_gate_fails_on_metadata_without_file_or_line(con):
    rows = raw_rows(("Id",), 2)
    rows[0]["_source_file"] = None
    rows[1]["_line_number"] = 0
    create_raw(con, "raw_crm_contacts", rows)

    result = run_gate(con, "raw_crm_contacts", "run-1")

    failure(result, "expect_column_values_to_not_be_null(_source_file)")
    too_low = failure(result, "expect_column_values_to_be_between(_line_number)")
    assert too_low.sample_rows == [{"Id": "Id-1", "_source_file": "f_0001.csv", "_line_number": 0}]


def test_raw_gate_fails_when_one_file_holds_an_id_twice(con):
    rows = raw_rows(("Id",), 3)
    rows[2]["Id"] = rows[0]["Id"]
    create_raw(con, "raw_crm_contacts", rows)

    result = run_gate(con, "raw_crm_contacts", "run-1")

    twice = failure(result, "expect_compound_columns_to_be_unique(Id, _source_file, _file_sha256)")
    assert twice.unexpected_count == 2
    assert [row["_line_number"] for row in twice.sample_rows] == [2, 4]


def test_raw_gate_accepts_an_id_again_in_a_later_file_or_a_redelivery(con):
    rows = (
        raw_rows(("Id",), 2)
        + raw_rows(("Id",), 2, file="f_0002.csv")
        + raw_rows(("Id",), 2, sha="b2")  # same name, new content: a re-delivery
    )
    create_raw(con, "raw_crm_contacts", rows)

    assert run_gate(con, "raw_crm_contacts", "run-1").passed


# staged ----------------------------------------------------------------------------------


def party(n: int, source: str | None = None, **values) -> dict:
    source = source or ("crm", "erp", "ecommerce", "social")[n % 4]
    row = {
        "source_system": source,
        "source_record_id": f"id{n}",
        "record_key": f"{source}|id{n}",
        "party_type": "person",
        "first_name": "Wei",
        "last_name": "Zhang",
        "full_name": "Wei Zhang",
        "email": f"wei{n}@example.cn",
        "phone": "+8613800138000",
        "country": "CN",
        "postal_code": "200000",
        "is_deleted": False,
    }
    row.update(values)
    return row


def create_parties(con, rows: list[dict]) -> None:
    create_table(con, "staging.int_party_records", PARTY_COLUMNS, rows)
    for table, columns in RAW_IDENTITY_COLUMNS.items():
        if not con.execute(
            "select count(*) from duckdb_tables() where schema_name || '.' || table_name = ?",
            [table],
        ).fetchone()[0]:
            create_table(con, table, columns, [])


def run_staged(con, run_id: str = "run-1") -> dict[str, GateResult]:
    """Every staged suite over the party records, by suite name."""
    return {
        name: run_gate(con, name, run_id)
        for name in ("staged_party_records", "staged_crm", "staged_erp", "staged_ecommerce")
        + ("staged_social",)
    }


def test_staged_gate_passes_on_good_records(con):
    create_parties(
        con,
        [
            party(0),
            party(1, email=None),  # a phone is enough
            party(2, phone=None, country=None),  # an email is enough
            party(
                3,
                first_name=None,
                last_name=None,
                full_name=None,
                party_type="organization",
                company="Acme GmbH",
                email="info@acme.de",
                country="DE",
            ),
        ],
    )

    results = run_staged(con)

    for result in results.values():
        assert result.passed, result.describe()


def incomplete(count: int, total: int = 100) -> list[dict]:
    """``total`` CRM records of which ``count`` lack a name or any contact."""
    rows = [party(n, "crm") for n in range(total)]
    for n in range(count):
        if n % 2:
            rows[n].update(first_name=None, last_name=None, full_name="  ")
        else:
            rows[n].update(email=None, phone=None)
    return rows


@pytest.mark.parametrize(
    "missing, passes", [(11, False), (10, True), (9, True)], ids=["0.89", "0.90", "0.91"]
)
def test_staged_gate_completeness_is_held_to_its_threshold(con, missing, passes):
    create_parties(con, incomplete(missing))

    result = run_gate(con, "staged_crm", "run-1")

    outcome = next(o for o in result.outcomes if o.column == "complete")
    assert outcome.observed == pytest.approx((100 - missing) / 100)
    assert outcome.threshold == 0.90
    assert outcome.success is passes
    assert result.passed is passes


def test_staged_gate_names_what_failed_with_measured_value_and_rows(con):
    create_parties(con, incomplete(11))

    result = run_gate(con, "staged_crm", "run-1")

    outcome = failure(result, "expect_column_values_to_be_in_set(complete)")
    assert outcome.unexpected_count == 11
    assert len(outcome.sample_rows) == 5
    assert outcome.sample_rows[0] == {"record_key": "crm|id0", "complete": False}
    text = result.describe()
    assert "FAILED" in text and "source crm" in text
    assert "expect_column_values_to_be_in_set(complete) [completeness]" in text
    assert "measured 0.8900, threshold 0.9000, 11 unexpected" in text
    assert '{"record_key": "crm|id0", "complete": false}' in text


def test_staged_gate_measures_completeness_per_source(con):
    # 100 complete shop records must not hide 3 incomplete of 20 CRM records (0.85).
    rows = [party(n, "ecommerce") for n in range(100)]
    rows += [party(100 + n, "crm") for n in range(20)]
    for row in rows[100:103]:
        row.update(email=None, phone=None)
    create_parties(con, rows)

    results = run_staged(con)

    assert not results["staged_crm"].passed
    outcome = failure(results["staged_crm"], "expect_column_values_to_be_in_set(complete)")
    assert outcome.observed == pytest.approx(17 / 20)
    ecommerce = next(o for o in results["staged_ecommerce"].outcomes if o.column == "complete")
    assert ecommerce.success and ecommerce.observed == 1.0


def test_social_profiles_need_a_name_but_no_contact(con):
    rows = [party(n, "social", email=None, phone=None) for n in range(20)]
    create_parties(con, rows)
    assert run_gate(con, "staged_social", "run-1").passed

    rows[0].update(first_name=None, last_name=None, full_name=None)
    rows[1].update(first_name=None, last_name=None, full_name=None)
    rows[2].update(first_name=None, last_name=None, full_name=None)
    con.execute("drop table staging.int_party_records")
    create_parties(con, rows)
    result = run_gate(con, "staged_social", "run-2")
    assert not result.passed
    assert failure(result, "expect_column_values_to_be_in_set(complete)").observed == 0.85


@pytest.mark.parametrize(
    "column, bad_value",
    [
        ("email", "wei.example.cn"),
        ("phone", "138-0013-8000"),
        ("phone", "+0123456789"),
        ("country", "China"),
        ("country", "cn"),
    ],
)
@pytest.mark.parametrize("bad, passes", [(6, False), (4, True)], ids=["0.94", "0.96"])
def test_staged_gate_accuracy_is_held_to_its_threshold(con, column, bad_value, bad, passes):
    rows = [party(n, "crm") for n in range(100)]
    for n in range(bad):
        rows[n][column] = bad_value
    create_parties(con, rows)

    result = run_gate(con, "staged_crm", "run-1")

    outcome = next(o for o in result.outcomes if o.column == column)
    assert outcome.dimension == "accuracy"
    assert outcome.threshold == 0.95
    assert outcome.observed == pytest.approx((100 - bad) / 100)
    assert outcome.success is passes
    assert result.passed is passes
    if not passes:
        assert outcome.sample_rows[0] == {"record_key": "crm|id0", column: bad_value}


def test_staged_gate_counts_accuracy_over_present_values_only(con):
    # 60 records without email, 40 with; 2 malformed of 40 is 0.95, which passes.
    rows = [party(n, "crm", email=None if n >= 40 else f"p{n}@example.com") for n in range(100)]
    rows[0]["email"] = rows[1]["email"] = "broken"
    create_parties(con, rows)

    result = run_gate(con, "staged_crm", "run-1")

    outcome = next(o for o in result.outcomes if o.column == "email")
    assert outcome.observed == pytest.approx(38 / 40)
    assert outcome.success


def test_staged_gate_fails_on_a_duplicate_record_key_or_an_unknown_source(con):
    rows = [party(n) for n in range(4)]
    rows[1]["record_key"] = rows[0]["record_key"]
    rows[3]["source_system"] = "fax"
    create_parties(con, rows)

    result = run_gate(con, "staged_party_records", "run-1")

    assert failure(result, "expect_column_values_to_be_unique(record_key)").sample_rows == [
        {"record_key": "crm|id0"},
        {"record_key": "crm|id0"},
    ]
    unknown = failure(result, "expect_column_values_to_be_in_set(source_system)")
    assert unknown.sample_rows == [{"record_key": "social|id3", "source_system": "fax"}]


# golden ----------------------------------------------------------------------------------

GOLDEN_COLUMNS = {
    "golden_id": "varchar",
    "full_name": "varchar",
    "email": "varchar",
    "phone": "varchar",
    "country": "varchar",
}
XREF_COLUMNS = {
    "source_system": "varchar",
    "source_record_id": "varchar",
    "golden_id": "varchar",
    "match_probability": "double",
    "assigned_at": "timestamp",
    "is_deleted": "boolean",
}


def golden(n: int, **values) -> dict:
    return {
        "golden_id": f"G{n:04d}",
        "full_name": "Wei Zhang",
        "email": f"w{n}@example.cn",
        "phone": "+8613800138000",
        "country": "CN",
        **values,
    }


def xref(n: int, golden_id: str) -> dict:
    return {
        "source_system": ("crm", "erp", "ecommerce", "social")[n % 4],
        "source_record_id": f"id{n}",
        "golden_id": golden_id,
        "match_probability": 1.0,
        "is_deleted": False,
    }


def create_golden(con, rows: list[dict], deleted: int = 0) -> None:
    """Golden records, each with one CRM source record; the first ``deleted`` of them have
    only a record deleted in its source."""
    create_table(con, "mdm_build.golden_customer", GOLDEN_COLUMNS, rows)
    ids = [row["golden_id"] for row in rows if row["golden_id"]]
    create_table(
        con, "mdm_build.customer_xref", XREF_COLUMNS, [xref(4 * n, g) for n, g in enumerate(ids)]
    )
    create_parties(con, [party(4 * n, "crm", is_deleted=n < deleted) for n in range(len(ids))])


def test_golden_customer_gate_passes_on_unique_ids(con):
    create_golden(con, [golden(n) for n in range(5)])

    result = run_gate(con, "golden_customer", "run-1")

    assert result.passed, result.describe()


def test_golden_customer_gate_fails_on_a_duplicate_or_missing_golden_id(con):
    rows = [golden(0), golden(0, full_name="Twin"), golden(2, golden_id=None)]
    create_golden(con, rows)

    result = run_gate(con, "golden_customer", "run-1")

    assert not result.passed
    assert failure(result, "expect_column_values_to_be_unique(golden_id)").sample_rows == [
        {"golden_id": "G0000"},
        {"golden_id": "G0000"},
    ]
    assert failure(result, "expect_column_values_to_not_be_null(golden_id)").unexpected_count == 1


def create_xref(con, orphans: int, total: int = 100) -> None:
    """``total`` xref rows over 10 golden records; ``orphans`` of them point at no record."""
    create_table(con, "mdm_build.golden_customer", GOLDEN_COLUMNS, [golden(n) for n in range(10)])
    rows = [xref(n, f"G{n % 10:04d}") for n in range(total)]
    for n in range(orphans):
        rows[n]["golden_id"] = f"GONE{n}"
    create_table(con, "mdm_build.customer_xref", XREF_COLUMNS, rows)


@pytest.mark.parametrize(
    "orphans, passes", [(3, False), (2, True), (1, True)], ids=["0.97", "0.98", "0.99"]
)
def test_xref_gate_consistency_is_held_to_its_threshold(con, orphans, passes):
    create_xref(con, orphans)

    result = run_gate(con, "golden_xref", "run-1")

    outcome = next(o for o in result.outcomes if o.dimension == "consistency")
    assert outcome.expectation == "expect_column_values_to_be_in_set(golden_id_has_golden_record)"
    assert outcome.observed == pytest.approx((100 - orphans) / 100)
    assert outcome.threshold == 0.98
    assert outcome.success is passes
    assert result.passed is passes
    if not passes:
        assert outcome.sample_rows[0] == {
            "source_system": "crm",
            "source_record_id": "id0",
            "golden_id": "GONE0",
            "golden_id_has_golden_record": False,
        }


def test_xref_gate_fails_when_a_source_record_is_linked_twice(con):
    create_xref(con, orphans=0, total=8)
    con.execute(
        "insert into mdm_build.customer_xref (source_system, source_record_id, golden_id)"
        " values ('crm', 'id0', 'G0005')"
    )

    result = run_gate(con, "golden_xref", "run-1")

    twice = failure(result, "expect_compound_columns_to_be_unique(source_system, source_record_id)")
    assert twice.unexpected_count == 2
    assert {row["golden_id"] for row in twice.sample_rows} == {"G0000", "G0005"}


def test_xref_gate_fails_on_a_record_without_golden_id(con):
    create_xref(con, orphans=0, total=8)
    con.execute(
        "update mdm_build.customer_xref set golden_id = null where source_record_id = 'id3'"
    )

    result = run_gate(con, "golden_xref", "run-1")

    missing = failure(result, "expect_column_values_to_not_be_null(golden_id)")
    assert missing.sample_rows == [
        {"source_system": "social", "source_record_id": "id3", "golden_id": None}
    ]


# the runner ------------------------------------------------------------------------------


def test_every_layer_has_a_suite():
    assert {spec.layer for spec in SUITES.values()} == {"raw", "staged", "golden"}


def test_unknown_suite_is_refused(con):
    with pytest.raises(KeyError, match="unknown suite 'nope'"):
        run_gate(con, "nope", "run-1")


def test_a_missing_required_table_is_an_error_not_a_pass(con):
    with pytest.raises(LookupError, match="staging.int_party_records does not exist"):
        run_gate(con, "staged_crm", "run-1")


def test_thresholds_come_from_the_file_in_force(con, tmp_path, monkeypatch):
    create_parties(con, incomplete(15))
    assert not run_gate(con, "staged_crm", "run-1").passed

    lenient = tmp_path / "thresholds.yml"
    lenient.write_text(
        "dimensions: {accuracy: 0.95, completeness: 0.80, consistency: 0.98}\n"
        "failing_rows_per_expectation: 5\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MDM_QUALITY_THRESHOLDS", str(lenient))

    result = run_gate(con, "staged_crm", "run-2")

    assert result.passed, result.describe()
    assert next(o for o in result.outcomes if o.dimension == "completeness").threshold == 0.80


def test_an_expectation_that_cannot_be_evaluated_fails_the_gate_with_its_error(con, monkeypatch):
    create_table(
        con, "mdm_build.scores", {"k": "varchar", "score": "varchar"}, [{"k": "a", "score": "x"}]
    )
    broken = ExpectationSpec(
        "expect_column_values_to_be_between", {"column": "score", "min_value": 1}
    )
    monkeypatch.setitem(
        SUITES,
        "scores",
        SuiteSpec("scores", "golden", "mdm_build.scores", ("k",), (broken,)),
    )

    result = run_gate(con, "scores", "run-1")

    assert not result.passed
    (outcome,) = result.failures()
    assert outcome.expectation == "expect_column_values_to_be_between(score)"
    assert str(outcome.observed).startswith("error: ")
    assert outcome.observed in result.describe()


# staged: one source's formats and deliveries ---------------------------------------------


def outcome_of(result: GateResult, column: str):
    return next(o for o in result.outcomes if o.column == column)


@pytest.mark.parametrize(
    "country, postal_code",
    [("CN", "2000"), ("US", "9410"), ("DE", "1011"), ("GB", "SW1A1A"), ("FR", "ABCDE")],
)
@pytest.mark.parametrize("bad, passes", [(6, False), (5, True)], ids=["0.94", "0.95"])
def test_postal_codes_must_fit_their_country(con, country, postal_code, bad, passes):
    good = {"CN": "200000", "US": "94105", "DE": "10115", "GB": "SW1A 1AA", "FR": "75001"}
    rows = [party(n, "crm", country=country, postal_code=good[country]) for n in range(100)]
    for n in range(bad):
        rows[n]["postal_code"] = postal_code
    create_parties(con, rows)

    result = run_gate(con, "staged_crm", "run-1")

    outcome = outcome_of(result, "postal_code_valid")
    assert (outcome.dimension, outcome.threshold) == ("accuracy", 0.95)
    assert outcome.observed == pytest.approx((100 - bad) / 100)
    assert result.passed is passes


def test_a_source_may_have_its_own_threshold(con, tmp_path, monkeypatch):
    create_parties(con, incomplete(15))  # CRM completeness 0.85
    own = tmp_path / "thresholds.yml"
    own.write_text(
        (THRESHOLDS_FILE.read_text(encoding="utf-8")).replace(
            "sources: {}", "sources: {crm: {completeness: 0.85}, erp: {completeness: 0.99}}"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("MDM_QUALITY_THRESHOLDS", str(own))

    result = run_gate(con, "staged_crm", "run-1")

    assert result.passed, result.describe()
    assert outcome_of(result, "complete").threshold == 0.85


@pytest.mark.parametrize("disagreeing, passes", [(3, False), (2, True)], ids=["0.97", "0.98"])
def test_a_record_must_agree_with_itself_across_deliveries(con, disagreeing, passes):
    create_parties(con, [party(n, "crm") for n in range(100)])
    deliveries = [{"Id": f"id{n}", "CreatedDate": "2025-01-01T00:00:00.000Z"} for n in range(100)]
    # a later delivery of the same contact with another creation time
    deliveries += [
        {"Id": f"id{n}", "CreatedDate": "2025-02-02T00:00:00.000Z"} for n in range(disagreeing)
    ]
    con.executemany(
        "insert into raw.crm_contacts values (?, ?)",
        [[row["Id"], row["CreatedDate"]] for row in deliveries],
    )

    result = run_gate(con, "staged_crm", "run-1")

    outcome = outcome_of(result, "agrees_across_deliveries")
    assert (outcome.dimension, outcome.threshold) == ("consistency", 0.98)
    assert outcome.observed == pytest.approx((100 - disagreeing) / 100)
    assert result.passed is passes
    if not passes:
        assert outcome.sample_rows[0] == {
            "record_key": "crm|id0",
            "agrees_across_deliveries": False,
        }


# staged: orders, invoices, engagement ----------------------------------------------------

ORDER_COLUMNS = {
    "order_id": "varchar",
    "customer_id": "varchar",
    "total_price": "decimal(18, 2)",
    "currency": "varchar",
}
INVOICE_COLUMNS = {
    "billing_document_id": "varchar",
    "customer_number": "varchar",
    "net_amount": "decimal(18, 2)",
    "currency": "varchar",
}


def create_orders(con, rows: list[dict], customers: Iterable[str] = ()) -> None:
    create_table(con, "staging.stg_ecommerce__orders", ORDER_COLUMNS, rows)
    create_table(
        con,
        "staging.stg_ecommerce__customers",
        {"customer_id": "varchar"},
        [{"customer_id": c} for c in customers],
    )
    create_table(
        con,
        "raw.ecommerce_orders",
        {"id": "bigint", "customer_id": "bigint", "created_at": "varchar"},
        [],
    )


def order(n: int, **values) -> dict:
    return {
        "order_id": str(n),
        "customer_id": str(1000 + n),
        "total_price": 10,
        "currency": "USD",
        **values,
    }


@pytest.mark.parametrize("bad, passes", [(6, False), (5, True)], ids=["0.94", "0.95"])
@pytest.mark.parametrize(
    "change",
    [
        {"total_price": 0},  # nothing paid
        {"total_price": 30000, "currency": "USD"},  # 219,000 CNY: above 200,000
        {"currency": "XYZ"},  # no rate for it
    ],
    ids=["zero", "too-large", "unknown-currency"],
)
def test_order_amounts_must_be_plausible_and_currencies_known(con, change, bad, passes):
    rows = [order(n) for n in range(100)]
    for n in range(bad):
        rows[n].update(change)
    create_orders(con, rows, customers=[str(1000 + n) for n in range(100)])

    result = run_gate(con, "staged_ecommerce_orders", "run-1")

    assert result.passed is passes, result.describe()
    assert result.source_system == "ecommerce"
    if not passes:
        (failed,) = result.failures()
        assert failed.dimension == "accuracy"
        assert failed.observed == pytest.approx(0.94)


def test_order_amount_at_the_plausible_bounds_passes(con):
    rows = [
        order(0, total_price=0.01, currency="CNY"),
        order(1, total_price=200000, currency="CNY"),
    ]
    create_orders(con, rows, customers=["1000", "1001"])
    assert run_gate(con, "staged_ecommerce_orders", "run-1").passed


@pytest.mark.parametrize("undelivered, passes", [(3, False), (2, True)], ids=["0.97", "0.98"])
def test_orders_must_refer_to_delivered_shop_customers(con, undelivered, passes):
    rows = [order(n) for n in range(100)] + [order(100 + n, customer_id=None) for n in range(50)]
    create_orders(con, rows, customers=[str(1000 + n) for n in range(undelivered, 100)])

    result = run_gate(con, "staged_ecommerce_orders", "run-1")

    outcome = outcome_of(result, "customer_delivered")
    assert outcome.observed == pytest.approx((100 - undelivered) / 100)  # guests not counted
    assert result.passed is passes


def test_invoices_are_checked_like_orders(con):
    rows = [
        {"billing_document_id": f"90{n}", "customer_number": f"00{n % 10}", "net_amount": 100,
         "currency": "EUR"}
        for n in range(100)
    ]  # fmt: skip
    rows[0]["net_amount"] = 2_000_000  # 15.1 million CNY
    rows[1]["customer_number"] = "0099"  # not delivered yet: allowed, within consistency
    create_table(con, "staging.stg_erp__invoices", INVOICE_COLUMNS, rows)
    create_table(
        con,
        "staging.stg_erp__customers",
        {"customer_number": "varchar"},
        [{"customer_number": f"00{n}"} for n in range(10)],
    )
    create_table(
        con, "raw.erp_invoices", {"VBELN": "varchar", "KUNNR": "varchar", "FKDAT": "varchar"}, []
    )

    result = run_gate(con, "staged_erp_invoices", "run-1")

    assert result.passed, result.describe()
    assert outcome_of(result, "amount_cny").observed == pytest.approx(0.99)
    assert outcome_of(result, "customer_delivered").observed == pytest.approx(0.99)


def test_engagement_must_belong_to_a_delivered_profile(con):
    events = [
        {"engagement_id": f"x:e{n}", "profile_id": "x:1" if n < 97 else "x:404"} for n in range(100)
    ]
    create_table(
        con,
        "staging.stg_social__engagement",
        {"engagement_id": "varchar", "profile_id": "varchar"},
        events,
    )
    create_table(
        con, "staging.stg_social__profiles", {"profile_id": "varchar"}, [{"profile_id": "x:1"}]
    )

    result = run_gate(con, "staged_social_engagement", "run-1")

    assert not result.passed
    assert outcome_of(result, "profile_delivered").observed == pytest.approx(0.97)


# golden: live sources, linked purchases --------------------------------------------------


@pytest.mark.parametrize("deleted, passes", [(3, False), (2, True)], ids=["0.97", "0.98"])
def test_golden_records_need_a_live_source_record(con, deleted, passes):
    create_golden(con, [golden(n) for n in range(100)], deleted=deleted)

    result = run_gate(con, "golden_customer", "run-1")

    outcome = outcome_of(result, "has_live_source_record")
    assert outcome.observed == pytest.approx((100 - deleted) / 100)
    assert result.passed is passes


@pytest.mark.parametrize("unlinked, passes", [(3, False), (2, True)], ids=["0.97", "0.98"])
def test_orders_and_invoices_must_reach_a_golden_record(con, unlinked, passes):
    create_orders(con, [order(n) for n in range(100)] + [order(200, customer_id=None)])
    rows = [{"source_system": "ecommerce", "source_record_id": str(1000 + n), "golden_id": "G1"}
            for n in range(unlinked, 100)]  # fmt: skip
    create_table(con, "mdm_build.customer_xref", XREF_COLUMNS, rows)

    result = run_gate(con, "golden_orders_linked", "run-1")

    outcome = outcome_of(result, "linked_to_golden_record")
    assert result.row_count == 100  # a guest checkout has no customer to link
    assert outcome.observed == pytest.approx((100 - unlinked) / 100)
    assert result.passed is passes
