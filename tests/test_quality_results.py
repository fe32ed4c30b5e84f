"""Gate outcomes land in quality.* and in Data Docs."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from quality.gates import run_gate


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("create schema mdm_build")
    connection.execute(
        "create table mdm_build.golden_customer (golden_id varchar,"
        " email varchar, phone varchar, country varchar)"
    )
    # the source records behind the golden records (the gate checks one is live)
    connection.execute("create schema staging")
    connection.execute(
        "create table mdm_build.customer_xref (source_system varchar, source_record_id varchar,"
        " golden_id varchar, is_deleted boolean)"
    )
    connection.execute(
        "create table staging.int_party_records (source_system varchar,"
        " source_record_id varchar, is_deleted boolean)"
    )
    yield connection
    connection.close()


def add_golden(con, *golden_ids: str | None) -> None:
    con.executemany(
        "insert into mdm_build.golden_customer values (?, 'a@b.cn', '+8613800138000', 'CN')",
        [[golden_id] for golden_id in golden_ids],
    )
    for golden_id in dict.fromkeys(g for g in golden_ids if g):
        con.execute(
            "insert into mdm_build.customer_xref values ('crm', ?, ?, false)", [golden_id] * 2
        )
        con.execute("insert into staging.int_party_records values ('crm', ?, false)", [golden_id])


def test_results_land_in_gate_results_one_row_per_expectation(con):
    add_golden(con, "G1", "G2", "G2", None)

    result = run_gate(con, "golden_customer", "run-7")

    rows = con.sql(
        "select suite, table_name, expectation, column_name, success, observed_value, threshold,"
        " unexpected_count, checked_at is not null from quality.gate_results"
        " where run_id = 'run-7' order by expectation"
    ).fetchall()
    assert len(rows) == len(result.outcomes) == 6
    by_expectation = {row[2]: row for row in rows}
    assert by_expectation["expect_column_values_to_be_unique(golden_id)"] == (
        "golden_customer",
        "mdm_build.golden_customer",
        "expect_column_values_to_be_unique(golden_id)",
        "golden_id",
        False,
        pytest.approx(1 / 3),
        1.0,
        2,
        True,
    )
    assert by_expectation["expect_column_values_to_not_be_null(golden_id)"][4:8] == (
        False,
        0.75,
        1.0,
        1,
    )
    assert by_expectation["expect_column_values_to_match_regex(phone)"][4:8] == (
        True,
        1.0,
        0.95,
        0,
    )
    dimensions = con.sql(
        "select expectation, dimension from quality.gate_results where run_id = 'run-7'"
    ).fetchall()
    assert dict(dimensions)["expect_column_values_to_be_in_set(has_live_source_record)"] == (
        "consistency"
    )


def test_failing_rows_land_as_json_with_their_keys(con):
    add_golden(con, "G1", "G2", "G2", None)

    run_gate(con, "golden_customer", "run-7")

    rows = con.sql(
        "select expectation, row_json from quality.failing_rows where run_id = 'run-7'"
        " and suite = 'golden_customer' order by expectation, row_json"
    ).fetchall()
    assert [(e, json.loads(j)) for e, j in rows] == [
        (
            "expect_column_values_to_be_in_set(has_live_source_record)",
            {"golden_id": None, "has_live_source_record": False},
        ),
        ("expect_column_values_to_be_unique(golden_id)", {"golden_id": "G2"}),
        ("expect_column_values_to_be_unique(golden_id)", {"golden_id": "G2"}),
        ("expect_column_values_to_not_be_null(golden_id)", {"golden_id": None}),
    ]


def test_failing_rows_are_capped_per_expectation(con):
    add_golden(con, *([None] * 20))

    result = run_gate(con, "golden_customer", "run-7")

    (outcome,) = [
        o for o in result.failures() if o.expectation.startswith("expect_column_values_to_not")
    ]
    assert outcome.unexpected_count == 20
    assert len(outcome.sample_rows) == 5
    stored = con.sql(
        "select count(*) from quality.failing_rows where run_id = 'run-7'"
        " and expectation = 'expect_column_values_to_not_be_null(golden_id)'"
    ).fetchall()
    assert stored == [(5,)]


def test_rerunning_a_gate_in_the_same_run_replaces_its_rows(con):
    add_golden(con, "G1", "G1")
    run_gate(con, "golden_customer", "run-7")
    run_gate(con, "golden_customer", "run-8")
    con.execute("delete from mdm_build.golden_customer where golden_id = 'G1'")
    add_golden(con, "G1")

    run_gate(con, "golden_customer", "run-7")

    assert con.sql(
        "select run_id, count(*), bool_and(success) from quality.gate_results"
        " group by run_id order by run_id"
    ).fetchall() == [("run-7", 6, True), ("run-8", 6, False)]
    assert con.sql("select distinct run_id from quality.failing_rows").fetchall() == [("run-8",)]


def test_result_tables_are_created_when_missing_and_kept_when_present(con):
    add_golden(con, "G1")
    assert con.sql(
        "select count(*) from information_schema.tables where table_schema = 'quality'"
    ).fetchall() == [(0,)]

    run_gate(con, "golden_customer", "run-1")
    run_gate(con, "golden_customer", "run-2")

    tables = con.sql(
        "select table_name from information_schema.tables where table_schema = 'quality'"
        " order by table_name"
    ).fetchall()
    assert tables == [("failing_rows",), ("gate_results",)]
    assert con.sql("select count(distinct run_id) from quality.gate_results").fetchall() == [(2,)]


def test_connection_stays_usable_for_relational_queries_after_a_gate(con):
    add_golden(con, "G1")

    run_gate(con, "golden_customer", "run-1")

    assert con.sql("select count(*) from mdm_build.golden_customer").fetchall() == [(1,)]


def test_data_docs_list_every_suite_validated_into_the_same_folder(con, tmp_path):
    add_golden(con, "G1", "G1")
    con.execute("create schema raw")
    docs = tmp_path / "docs"

    run_gate(con, "golden_customer", "run-1", data_docs_dir=docs)
    run_gate(con, "raw_crm_contacts", "run-1", data_docs_dir=docs)

    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "golden_customer" in index and "raw_crm_contacts" in index
    (page,) = (docs / "validations" / "golden_customer" / "run-1").rglob("*.html")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")).split())
    assert "Unsuccessful Expectations 1" in text
    assert "values must be unique. 2 unexpected values found." in text


def test_no_data_docs_are_written_without_a_folder(con, tmp_path, monkeypatch):
    add_golden(con, "G1")
    monkeypatch.chdir(tmp_path)

    run_gate(con, "golden_customer", "run-1")

    assert list(tmp_path.iterdir()) == []
