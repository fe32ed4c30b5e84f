"""A failed quality gate stops publication and leaves the published data untouched."""

import csv

import duckdb
import pytest

from pipelines.run import run_pipeline
from sources.generator import generate

pytestmark = pytest.mark.e2e


def _contacts_without_contact_data(path, count: int) -> None:
    """A CRM delivery of ``count`` new contacts that have a name but no email or phone."""
    header = (
        "Id,FirstName,LastName,Email,Phone,MobilePhone,MailingStreet,MailingCity,MailingState,"
        "MailingPostalCode,MailingCountry,Birthdate,AccountName,LeadSource,HasOptedOutOfEmail,"
        "CreatedDate,LastModifiedDate,IsDeleted"
    ).split(",")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(count):
            row = dict.fromkeys(header, "")
            row.update(
                Id=f"003GATE{n:011d}",
                FirstName="Ann",
                LastName=f"Nocontact{n}",
                HasOptedOutOfEmail="false",
                CreatedDate="2025-03-01T08:15:00.000Z",
                LastModifiedDate="2025-03-01T08:15:00.000Z",
                IsDeleted="false",
            )
            writer.writerow([row[c] for c in header])


PUBLISHED = (
    "golden_customer",
    "customer_xref",
    "golden_attribute_lineage",
    "golden_customer_history",
    "identity_events",
)


def test_failed_gate_blocks_publish_and_names_the_expectation(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    generate(landing, customers=150, seed=3)
    monkeypatch.setenv("MDM_LANDING_DIR", str(landing))
    monkeypatch.setenv("MDM_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("MDM_DATA_DOCS_DIR", str(tmp_path / "docs"))

    first = run_pipeline()
    assert first.success, first.summary
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        published = {
            table: con.execute(f"select * from mdm.{table} order by all").fetchall()
            for table in PUBLISHED
        }

    # Enough incomplete CRM contacts to sink CRM completeness below 90 %.
    _contacts_without_contact_data(landing / "crm" / "contacts_0002.csv", 200)
    second = run_pipeline()

    assert not second.success
    failed = [c for c in second.checks if not c.passed]
    assert [(c.asset, c.check) for c in failed] == [("staging/int_party_records", "gx_staged_crm")]
    assert "expect_column_values_to_be_in_set(complete) [completeness]" in failed[0].description
    assert "source crm" in failed[0].description
    assert "crm|003GATE" in failed[0].description  # sample failing rows are named
    assert "published_tables" not in second.step_seconds
    assert "FAILED gx_staged_crm on staging/int_party_records" in second.summary
    assert "publication stopped by gx_staged_crm" in second.summary
    # The other sources were ingested and passed their own gates in the same run.
    passed = {c.check for c in second.checks if c.passed}
    assert {"gx_staged_erp", "gx_staged_ecommerce", "gx_staged_social"} <= passed
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        after = {
            table: con.execute(f"select * from mdm.{table} order by all").fetchall()
            for table in PUBLISHED
        }
        runs = con.execute("select count(*) from audit.publications").fetchone()[0]
        stored = con.execute(
            "select suite, source_system, dimension, observed_value from quality.gate_results "
            "where run_id = ? and not success",
            [second.run_id],
        ).fetchall()
    assert after == published  # every published table untouched
    assert runs == 1
    assert stored == [("staged_crm", "crm", "completeness", pytest.approx(stored[0][3]))]
    assert stored[0][3] < 0.90
