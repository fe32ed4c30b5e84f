"""Atomic publication of build tables into the contract schemas."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.layout import ensure_schemas
from warehouse.publish import PublishError, publish


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schemas(c)
    yield c
    c.close()


def _build(con, golden_ids: list[str], event_run: str = "r1") -> None:
    values = ", ".join(f"('{g}')" for g in golden_ids)
    con.execute(
        "create or replace table mdm_build.golden_customer as "
        f"select * from (values {values}) t(golden_id)"
    )
    con.execute(
        f"create or replace table mdm_build.customer_xref as "
        f"select 'crm' as source_system, golden_id as source_record_id, golden_id "
        f"from (values {values}) t(golden_id)"
    )
    con.execute(
        "create or replace table mdm_build.golden_attribute_lineage as "
        "select golden_id, 'email' as attribute from mdm_build.golden_customer"
    )
    con.execute(
        "create or replace table marts_build.customer_360 as "
        "select golden_id from mdm_build.golden_customer"
    )
    con.execute(
        "create or replace table mdm_build.review_queue as "
        "select golden_id as golden_id_l from mdm_build.golden_customer"
    )
    con.execute(
        "create or replace table mdm_build.golden_customer_history as "
        "select golden_id, 1 as version, timestamp '2026-01-01' as valid_from, "
        "null::timestamp as valid_to from mdm_build.golden_customer"
    )
    con.execute(
        f"create or replace table mdm_build.identity_events as "
        f"select 'e-' || golden_id || '-{event_run}' as event_id, golden_id, "
        f"'{event_run}' as run_id from mdm_build.golden_customer"
    )
    con.execute(
        f"create or replace table mdm_build.golden_update_events as "
        f"select 'u-' || golden_id || '-{event_run}' as event_id, golden_id, "
        f"'{event_run}' as run_id from mdm_build.golden_customer where golden_id = 'G1'"
    )


def test_publish_replaces_tables_and_appends_events(con):
    _build(con, ["G1", "G2"])
    report = publish(con, "r1")
    assert report.row_counts["mdm.golden_customer"] == 2
    _build(con, ["G1"], event_run="r2")
    publish(con, "r2")
    assert con.execute("select count(*) from mdm.golden_customer").fetchone()[0] == 1
    # r1: two matching events and G1's update; r2: one of each
    assert con.execute("select count(*) from mdm.identity_events").fetchone()[0] == 5
    assert report.row_counts["mdm.identity_events"] == 3
    assert con.execute(
        "select golden_id from mdm.golden_customer_as_of(timestamp '2026-06-01')"
    ).fetchall() == [("G1",)]
    assert con.execute("select count(*) from audit.publications").fetchone()[0] == 2


def test_missing_build_table_publishes_nothing(con):
    _build(con, ["G1", "G2"])
    publish(con, "r1")
    con.execute("drop table marts_build.customer_360")
    with pytest.raises(PublishError, match="marts_build.customer_360"):
        publish(con, "r2")
    assert con.execute("select count(*) from mdm.golden_customer").fetchone()[0] == 2


def test_failure_halfway_rolls_back_every_table(con):
    _build(con, ["G1", "G2"])
    publish(con, "r1")
    _build(con, ["G9"], event_run="r2")
    # An events table whose columns cannot be appended makes the last step fail.
    con.execute("create or replace table mdm_build.identity_events as select 'x' as no_such_column")
    with pytest.raises(duckdb.Error):
        publish(con, "r2")
    assert sorted(
        r[0] for r in con.execute("select golden_id from mdm.golden_customer").fetchall()
    ) == [
        "G1",
        "G2",
    ]
    assert con.execute("select count(*) from audit.publications").fetchone()[0] == 1
