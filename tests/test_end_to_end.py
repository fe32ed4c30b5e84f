"""End to end: generated landing data through the whole Dagster graph, twice."""

from __future__ import annotations

import json
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.run import RunOutcome, run_pipeline
from sources.generator import generate
from tests.test_dbt_models import missing_lineage_sql
from warehouse.config import DBT_PROJECT_DIR

pytestmark = pytest.mark.e2e

PEOPLE = 2000
BROKEN_CSV_ROW = '003BROKENQUOTE0001,"Unclosed,Quote,broken@example.com\n'
BROKEN_JSON_LINE = '{"id": 99999999, "email": "half@example.com", "first_name": \n'


def _append(path: Path, text: str) -> int:
    """Append text as the file's new last line; return that line's number."""
    content = path.read_bytes()
    if not content.endswith(b"\n"):
        content += b"\n"
    line_number = content.count(b"\n") + 1
    path.write_bytes(content + text.encode())
    return line_number


class StewardDuringRun:
    """A steward confirming queued pairs and an app reading golden records through the
    service while a pipeline run goes on and publishes."""

    def __init__(self, root: Path) -> None:
        from fastapi.testclient import TestClient

        from warehouse import access
        from warehouse.api import create_app

        self.serving, self.store = root / "serving", root / "service.sqlite"  # the defaults
        with access.service_db(self.store) as db:
            self.steward_key = access.create_key(db, "Sam Steward", "steward", "e2e")[1]
            self.app_key = access.create_key(db, "CRM module", "app", "e2e")[1]
        self.client = TestClient(create_app(self.serving, self.store))
        self.client.post("/steward/login", data={"api_key": self.steward_key})
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            # pairs already in one golden record: confirming them changes no golden id
            self.pairs = con.execute(
                "select review_id from mdm.review_queue where kind = 'possible_split' "
                "order by priority desc limit 3"
            ).fetchall()
            self.golden_ids = [
                row[0]
                for row in con.execute(
                    "select golden_id from mdm.golden_customer limit 50"
                ).fetchall()
            ]
        self.decided: list[str] = []
        self.statuses: list[int] = []
        self.snapshots_seen: set[str] = set()

    def decide(self, n: int) -> None:
        review_id = self.pairs[n][0]
        response = self.client.post(
            f"/steward/review/{review_id}/decide",
            data={"action": "confirm", "reason": "same person, checked by phone"},
        )
        self.statuses.append(response.status_code)
        self.decided.append(review_id)

    def while_running(self, run):
        import threading

        from warehouse.serving import current_snapshot

        outcome = {}
        thread = threading.Thread(target=lambda: outcome.setdefault("run", run()))
        thread.start()
        self.decide(1)  # while the run goes on
        i = 0
        while thread.is_alive():
            self.snapshots_seen.add(current_snapshot(self.serving).name)
            golden_id = self.golden_ids[i % len(self.golden_ids)]
            response = self.client.get(
                f"/api/v1/customers/{golden_id}", headers={"X-API-Key": self.app_key}
            )
            self.statuses.append(response.status_code)
            self.statuses.append(self.client.get("/steward").status_code)
            i += 1
            time.sleep(0.05)
        thread.join()
        self.snapshots_seen.add(current_snapshot(self.serving).name)
        self.decide(2)  # after the run: waits for the next one
        return outcome["run"]


@pytest.fixture(scope="module")
def pipeline_runs(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("e2e")
    landing = root / "landing"
    generate(landing, customers=PEOPLE, seed=7)
    csv_line = _append(landing / "crm" / "contacts_0001.csv", BROKEN_CSV_ROW)
    json_line = _append(landing / "ecommerce" / "customers_0001.jsonl", BROKEN_JSON_LINE)

    mp = pytest.MonkeyPatch()
    mp.setenv("MDM_LANDING_DIR", str(landing))
    mp.setenv("MDM_WAREHOUSE", str(root / "warehouse.duckdb"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv("MDM_DATA_DOCS_DIR", str(root / "data_docs"))
    try:
        first = run_pipeline()
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            xref_after_first = con.execute(
                "select source_system, source_record_id, golden_id from mdm.customer_xref"
            ).fetchall()
        # the second run goes on while a steward works in the console and apps read the API
        steward = StewardDuringRun(root)
        steward.decide(0)  # before the run: the run imports it
        second = steward.while_running(run_pipeline)
    finally:
        mp.undo()
    yield {
        "root": root,
        "landing": landing,
        "first": first,
        "second": second,
        "xref_after_first": xref_after_first,
        "csv_line": csv_line,
        "json_line": json_line,
        "steward": steward,
    }


@pytest.fixture
def con(pipeline_runs):
    with duckdb.connect(str(pipeline_runs["root"] / "warehouse.duckdb"), read_only=True) as c:
        yield c


def test_both_runs_succeed_and_pass_every_gate(pipeline_runs):
    for key in ("first", "second"):
        outcome: RunOutcome = pipeline_runs[key]
        assert outcome.success, outcome.summary
        assert outcome.checks, "no quality gate ran"
        assert all(c.passed for c in outcome.checks), outcome.summary


def test_every_current_source_record_has_exactly_one_xref_row(con):
    raw_ids = con.execute(
        """
        select 'crm', "Id" from raw.crm_contacts
        union select 'erp', "KUNNR" from raw.erp_customers
        union select 'ecommerce', id from raw.ecommerce_customers
        union select 'social', platform || ':' || user_id from raw.social_profiles
        """
    ).fetchall()
    xref = con.execute("select source_system, source_record_id from mdm.customer_xref").fetchall()
    assert len(xref) == len(set(xref)), "a source record has more than one xref row"
    assert set(xref) == set(raw_ids)
    orphans = con.execute(
        """
        select count(*) from mdm.customer_xref x
        left join mdm.golden_customer g using (golden_id) where g.golden_id is null
        """
    ).fetchone()[0]
    assert orphans == 0


def test_matching_f1_against_ground_truth_is_above_0_9(pipeline_runs):
    meta = pipeline_runs["first"].metadata["mdm_build/customer_xref"]
    assert meta["truth_f1"] > 0.9, meta


def test_second_run_ingests_nothing_and_keeps_every_golden_id(pipeline_runs, con):
    second_run = pipeline_runs["second"].run_id
    ingested = con.execute(
        "select count(*) from audit.ingested_files where run_id = ?", [second_run]
    ).fetchone()[0]
    assert ingested == 0
    xref_now = set(
        con.execute(
            "select source_system, source_record_id, golden_id from mdm.customer_xref"
        ).fetchall()
    )
    assert xref_now == set(pipeline_runs["xref_after_first"])
    events = con.execute(
        "select count(*) from mdm.identity_events where run_id = ? and event_type <> 'updated'",
        [second_run],
    ).fetchone()[0]
    assert events == 0


def test_malformed_csv_row_is_quarantined_with_its_line_and_the_rest_lands(pipeline_runs, con):
    line = pipeline_runs["csv_line"]
    rows = con.execute(
        """
        select line_number, reason, raw_text from quarantine.rejected_rows
        where file_path = 'crm/contacts_0001.csv'
        """
    ).fetchall()
    assert [r[0] for r in rows] == [line], rows
    assert "Unclosed" in rows[0][2]
    manifest = con.execute(
        """
        select rows_total, rows_loaded, rows_quarantined from audit.ingested_files
        where file_path = 'crm/contacts_0001.csv'
        """
    ).fetchone()
    assert manifest[2] == 1 and manifest[1] == manifest[0] - 1
    loaded = con.execute(
        "select count(*) from raw.crm_contacts where _source_file = 'crm/contacts_0001.csv'"
    ).fetchone()[0]
    assert loaded == manifest[1] > 0


def test_malformed_json_line_is_quarantined_with_its_line_and_the_rest_lands(pipeline_runs, con):
    line = pipeline_runs["json_line"]
    path = pipeline_runs["landing"] / "ecommerce" / "customers_0001.jsonl"
    rows = con.execute(
        """
        select line_number, reason from quarantine.rejected_rows
        where file_path = 'ecommerce/customers_0001.jsonl'
        """
    ).fetchall()
    assert [r[0] for r in rows] == [line], rows
    good_lines = sum(1 for text in path.read_text().splitlines() if _is_json(text))
    loaded = con.execute("select count(*) from raw.ecommerce_customers").fetchone()[0]
    assert loaded == good_lines


def test_contract_tables_are_filled(con):
    for table in (
        "mdm.customer_xref",
        "mdm.golden_customer",
        "mdm.golden_attribute_lineage",
        "mdm.identity_events",
        "marts.customer_360",
    ):
        assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'mdm' and table_name = 'golden_customer'"
        ).fetchall()
    }
    contract = {
        "golden_id", "first_name", "last_name", "full_name", "email", "phone", "street",
        "city", "region", "postal_code", "country", "birth_date", "company", "email_opt_in",
        "source_count", "first_seen_at", "updated_at", "version",
    }  # fmt: skip
    assert contract <= columns, contract - columns


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_the_first_run_trains_the_match_model_and_the_second_reuses_it(pipeline_runs, con):
    first = pipeline_runs["first"].metadata["mdm_build/customer_xref"]
    second = pipeline_runs["second"].metadata["mdm_build/customer_xref"]
    assert (first["model_version"], first["model_trained"]) == (1, True)
    assert (second["model_version"], second["model_trained"]) == (1, False)
    assert "model            v1 (saved)" in pipeline_runs["second"].summary
    saved = con.execute(
        "select model_version, run_id, trained_by, is_active from mdm.match_models"
    ).fetchall()
    assert saved == [(1, pipeline_runs["first"].run_id, "pipeline", True)]


def test_the_review_queue_is_published_with_explanations(pipeline_runs, con):
    # the published queue is the second run's (the pairs a steward decided are not in it)
    meta = pipeline_runs["second"].metadata["mdm_build/customer_xref"]
    rows = con.execute(
        "select count(*), count(distinct review_id), min(len(explanation)) from mdm.review_queue"
    ).fetchall()[0]
    assert rows[0] == rows[1] == meta["review_queue"] > 0
    assert rows[2] >= 2
    # every queued golden id is a published golden record
    dangling = con.execute(
        """
        select count(*) from mdm.review_queue q
        left join mdm.golden_customer g on g.golden_id = q.golden_id_l
        where g.golden_id is null
        """
    ).fetchall()[0][0]
    assert dangling == 0


def test_rerun_without_changes_keeps_one_open_version_per_golden_record(pipeline_runs, con):
    counts = con.execute(
        """
        select
            (select count(*) from mdm.golden_customer),
            (select count(*) from mdm.golden_customer_history where valid_to is null),
            (select count(*) from mdm.golden_customer_history),
            (select count(*) from mdm.identity_events where event_type = 'updated')
        """
    ).fetchone()
    golden, open_versions, versions, updated = counts
    assert open_versions == golden
    # Merges in the first run close the absorbed ids' rows; the second run changes nothing.
    assert versions == golden and updated == 0
    mismatched = con.execute(
        """
        select count(*)
        from mdm.golden_customer as golden
        anti join mdm.golden_customer_history as history
            on history.golden_id = golden.golden_id
            and history.version = golden.version
            and history.valid_to is null
            and history.email is not distinct from golden.email
            and history.street is not distinct from golden.street
        """
    ).fetchone()[0]
    assert mismatched == 0
    first_run_id = pipeline_runs["first"].run_id
    run_ids = con.execute("select distinct run_id from mdm.golden_customer_history").fetchall()
    assert run_ids == [(first_run_id,)]


def test_published_lineage_covers_every_golden_value(con):
    missing = con.execute(f"select count(*) from ({missing_lineage_sql('mdm')})").fetchone()[0]
    assert missing == 0
    unsourced = con.execute(
        "select count(*) from mdm.golden_attribute_lineage "
        "where source_file is null or source_line is null"
    ).fetchone()[0]
    assert unsourced == 0  # no pins in this run: every value comes from a delivered line


def test_orders_and_invoices_of_a_cluster_add_up_on_its_golden_record(con):
    # Independent of the dbt models: raw rows, the published xref and the rates seed file.
    rates = {
        line.split(",")[0]: Decimal(line.split(",")[1])
        for line in (DBT_PROJECT_DIR / "seeds" / "currency_rates.csv").read_text().splitlines()[1:]
    }
    rows = con.execute(
        """
        with orders as (
            select 'ecommerce' as source_system, customer_id as record_id,
                total_price as amount, currency
            from raw.ecommerce_orders
            where customer_id is not null and financial_status = 'paid'
            qualify row_number() over (partition by id order by _delivery_seq desc) = 1
        ),
        invoices as (
            select 'erp', KUNNR, NETWR, WAERK from raw.erp_invoices
            qualify row_number() over (partition by VBELN order by _delivery_seq desc) = 1
        ),
        purchases as (select * from orders union all select * from invoices)
        select xref.golden_id, purchases.amount::varchar, purchases.currency,
            count(distinct xref.source_system || xref.source_record_id)
                over (partition by xref.golden_id) as purchasing_records
        from purchases
        inner join mdm.customer_xref as xref
            on xref.source_system = purchases.source_system
            and xref.source_record_id = purchases.record_id::varchar
        """
    ).fetchall()
    expected: dict[str, Decimal] = {}
    for golden_id, amount, currency, purchasing_records in rows:
        if purchasing_records >= 2:
            value = (Decimal(amount) * rates[currency]).quantize(Decimal("0.01"), ROUND_HALF_UP)
            expected[golden_id] = expected.get(golden_id, Decimal(0)) + value
    assert len(expected) >= 10  # clusters whose purchases come from several records
    actual = dict(
        con.execute(
            "select golden_id, total_spend_cny from marts.customer_360 where golden_id in "
            "(select unnest(?::varchar[]))",
            [list(expected)],
        ).fetchall()
    )
    assert actual == expected


def test_each_publication_is_served_from_its_own_snapshot(pipeline_runs, con, tmp_path):
    from fastapi.testclient import TestClient

    from warehouse import access
    from warehouse.api import create_app
    from warehouse.serving import current_snapshot

    serving = pipeline_runs["root"] / "serving"
    snapshots = sorted(p.name for p in serving.glob("snapshot-*.duckdb"))
    assert len(snapshots) == 2  # one per run
    assert current_snapshot(serving).name == snapshots[-1]
    assert pipeline_runs["second"].run_id in snapshots[-1]
    golden_id, email = con.execute(
        "select golden_id, email from mdm.golden_customer where email is not null limit 1"
    ).fetchone()
    with access.service_db(tmp_path / "service.sqlite") as db:
        key = access.create_key(db, "e2e", "steward", "tester")[1]
    client = TestClient(create_app(serving, tmp_path / "service.sqlite"))
    record = client.get(f"/api/v1/customers/{golden_id}", headers={"X-API-Key": key}).json()
    assert record["email"] == email


def test_requests_while_a_run_publishes_never_fail(pipeline_runs):
    steward = pipeline_runs["steward"]
    assert len(steward.statuses) > 20
    assert set(steward.statuses) == {200}
    # requests were answered before and after the run switched the served snapshot
    assert len(steward.snapshots_seen) == 2


def test_steward_decisions_made_during_a_run_are_never_lost(pipeline_runs, con):
    from warehouse import access, stewardship

    steward = pipeline_runs["steward"]
    second = pipeline_runs["second"].run_id
    with access.service_db(steward.store) as db:
        decisions = {d.review_id: d for d in stewardship.list_decisions(db)}
    before, during, after = (decisions[review_id] for review_id in steward.decided)
    assert before.imported_run_id == second
    assert during.imported_run_id in (second, None)  # imported by this run, or the next
    assert after.imported_run_id is None
    in_warehouse = {
        row[0] for row in con.execute("select decision_id from mdm.match_decisions").fetchall()
    }
    for decision in (before, during, after):
        imported = decision.imported_run_id is not None
        assert all(link in in_warehouse for link in stewardship.link_ids(decision)) == imported
    # an applied decision takes its pair out of the queue, and the console says so
    queued = {row[0] for row in con.execute("select review_id from mdm.review_queue").fetchall()}
    assert before.review_id not in queued
    # the steward's actions reached the warehouse's audit schema with the run
    audited = con.execute(
        "select count(*) from audit.service_log where action = 'steward_confirm'"
    ).fetchone()[0]
    assert audited >= 1
    imported = 2 if during.imported_run_id else 1
    assert (
        f"steward decisions imported from the console: {imported} match decisions, 0 pins"
        in pipeline_runs["second"].summary
    )
    page = steward.client.get("/steward/decisions").text
    assert page.count('class="applied"') == (2 if during.imported_run_id else 1)
