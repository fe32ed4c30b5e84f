"""The steward console (warehouse.console) and its decisions (warehouse.stewardship): sign-in,
the queue by impact, the pair side by side, confirm / reject / split / merge / pin with a
reason, pending until a run imports them and a publication holds them."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from matching.overrides import load_decisions
from tests.test_service_api import build_warehouse
from warehouse import access, stewardship
from warehouse.api import create_app
from warehouse.pins import active_pins
from warehouse.serving import export_snapshot

EXPLANATION = [
    {"comparison": "prior", "level": "two random records match", "match_weight": -11.3,
     "tf_adjustment": 0.0},
    {"comparison": "name", "level": "Exact match on full name", "match_weight": 9.1,
     "tf_adjustment": 0.4},
    {"comparison": "birth_date", "level": "All other comparisons", "match_weight": -2.5,
     "tf_adjustment": 0.0},
]  # fmt: skip


def build_console_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """The API's hand-made publication plus a review queue and the party records."""
    con = build_warehouse(path)
    con.execute("create schema if not exists staging")
    con.execute(
        """
        create or replace table staging.int_party_records as
        select * from (values
            ('crm', '003A000001ANNAAAA4', 'Ann Lee', 'ann.lee@example.com', '+8613800138000',
                date '1990-02-03', 'Berlin', 'crm/contacts_0001.csv', 2),
            ('social', 'weibo:1650342011', 'Ann Li', null, null, date '1991-02-03', 'Berlin',
                'social/profiles_0001.jsonl', 7),
            ('crm', '003A000001JOHNAAA1', 'John Smith', 'john@example.com', '+14155550132',
                date '1980-05-17', 'Austin', 'crm/contacts_0001.csv', 3)
        ) t(source_system, source_record_id, full_name, email, phone, birth_date, city,
            _source_file, _line_number)
        """
    )
    for column in ("party_type", "first_name", "last_name", "phone_2", "street", "region",
                   "postal_code", "country", "company", "handle"):  # fmt: skip
        con.execute(f"alter table staging.int_party_records add column {column} varchar")
    con.execute("alter table staging.int_party_records add column email_opt_in boolean")
    con.execute("alter table staging.int_party_records add column source_updated_at timestamp")
    con.execute("alter table staging.int_party_records add column is_deleted boolean")
    con.execute(
        """
        create or replace table mdm.review_queue as
        select * from (values
            ('R-SPLIT', 'possible_split', 'crm', '003A000001ANNAAAA4', 'social',
                'weibo:1650342011', 'G-ANN', 'G-ANN', 0.55, -0.7, 2, 1.98),
            ('R-MERGE', 'possible_merge', 'crm', '003A000001ANNAAAA4', 'crm',
                '003A000001JOHNAAA1', 'G-ANN', 'G-JOHN', 0.2, -4.7, 3, 1.92)
        ) t(review_id, kind, source_system_l, source_record_id_l, source_system_r,
            source_record_id_r, golden_id_l, golden_id_r, match_probability, match_weight,
            records_affected, priority)
        """
    )
    con.execute(
        "alter table mdm.review_queue add column explanation "
        "struct(comparison varchar, level varchar, match_weight double, tf_adjustment double)[]"
    )
    con.execute("update mdm.review_queue set explanation = ?", [EXPLANATION])
    for column, kind in (("queued_at", "timestamp"), ("run_id", "varchar"),
                         ("model_version", "integer")):  # fmt: skip
        con.execute(f"alter table mdm.review_queue add column {column} {kind}")
    con.execute("update mdm.review_queue set run_id = 'run-2', model_version = 1")
    return con


@pytest.fixture
def console(tmp_path: Path):
    serving, store, warehouse = (
        tmp_path / "serving",
        tmp_path / "service.sqlite",
        tmp_path / "w.duckdb",
    )
    with build_console_warehouse(warehouse) as con:
        export_snapshot(con, "run-2", serving)
    keys = {}
    with access.service_db(store) as db:
        for role in access.ROLES:
            keys[role] = access.create_key(db, f"{role.title()} Tester", role, "tester")[1]
    client = TestClient(create_app(serving, store))
    client.keys, client.store, client.serving, client.warehouse = keys, store, serving, warehouse  # type: ignore[attr-defined]
    return client


def sign_in(client: TestClient, role: str = "steward"):
    return client.post(
        "/steward/login",
        data={"api_key": client.keys[role], "next": "/steward"},
        follow_redirects=False,
    )


def alert(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.text)


def stored(client: TestClient) -> list[stewardship.StewardDecision]:
    with access.service_db(client.store) as db:
        return stewardship.list_decisions(db)


def run_imports(client: TestClient, run_id: str) -> stewardship.ImportReport:
    """What the next pipeline run does first: import, then (after its gates) publish."""
    with duckdb.connect(str(client.warehouse)) as con:
        report = stewardship.import_decisions(con, client.store, run_id)
        export_snapshot(con, run_id, client.serving)
    return report


# ---------------------------------------------------------------------------------------
# sign-in
# ---------------------------------------------------------------------------------------


def test_the_console_sends_a_stranger_to_sign_in_and_back(console):
    response = console.get("/steward/review/R-SPLIT", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/steward/login?next=/steward/review/R-SPLIT"
    form = console.get(response.headers["location"])
    assert 'value="/steward/review/R-SPLIT"' in form.text
    signed_in = console.post(
        "/steward/login",
        data={"api_key": console.keys["steward"], "next": "/steward/review/R-SPLIT"},
        follow_redirects=False,
    )
    assert signed_in.headers["location"] == "/steward/review/R-SPLIT"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


@pytest.mark.parametrize(("role", "status"), [("app", 403), ("analyst", 403), ("admin", 303)])
def test_only_stewards_and_admins_may_use_the_console(console, role, status):
    response = sign_in(console, role)
    assert response.status_code == status
    if status == 403:
        assert alert(response) == [
            f"a key of role &#39;{role}&#39; cannot use the console (steward or admin)"
        ]


def test_a_wrong_key_is_refused_with_the_reason(console):
    response = console.post("/steward/login", data={"api_key": "mdm_000000000000_nope"})
    assert response.status_code == 401
    assert alert(response) == ["unknown API key"]


def test_a_revoked_key_is_signed_out_on_its_next_page(console):
    sign_in(console)
    assert console.get("/steward").status_code == 200
    with access.service_db(console.store) as db:
        access.revoke_key(db, console.keys["steward"].split("_")[1], "tester")
    response = console.get("/steward", follow_redirects=False)
    assert response.headers["location"].startswith("/steward/login")


def test_sign_in_never_redirects_outside_the_console(console):
    response = console.post(
        "/steward/login",
        data={"api_key": console.keys["steward"], "next": "https://evil.example/steward"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/steward"


def test_the_console_is_not_part_of_the_api_document(console):
    paths = console.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/steward")]


# ---------------------------------------------------------------------------------------
# queue and pair
# ---------------------------------------------------------------------------------------


def test_the_queue_lists_the_most_consequential_pair_first(console):
    sign_in(console)
    page = console.get("/steward").text
    assert page.index("/steward/review/R-SPLIT") < page.index("/steward/review/R-MERGE")
    assert "2 pairs the model is unsure of" in page
    merges = console.get("/steward", params={"kind": "possible_merge"}).text
    assert "R-MERGE" in merges and "R-SPLIT" not in merges


def test_a_pair_is_shown_side_by_side_with_the_weights_that_explain_its_score(console):
    sign_in(console)
    page = console.get("/steward/review/R-SPLIT").text
    row = re.search(r'<tr class="(\w+)"><th>birth_date</th><td class="v">([^<]*)</td>'
                    r'<td class="v">([^<]*)</td>', page)  # fmt: skip
    assert row.groups() == ("different", "1990-02-03", "1991-02-03")
    assert re.search(r'<tr class="same"><th>city</th>', page)
    assert "Exact match on full name" in page and "+9.10" in page and "-2.50" in page
    assert "crm/contacts_0001.csv" in page  # where the record came from


def test_an_unknown_review_item_gets_a_page_that_says_so(console):
    sign_in(console)
    response = console.get("/steward/review/NOPE")
    assert response.status_code == 404
    assert "no review item NOPE in the current publication" in response.text


# ---------------------------------------------------------------------------------------
# decisions
# ---------------------------------------------------------------------------------------


def test_rejecting_a_match_needs_a_reason(console):
    sign_in(console)
    response = console.post("/steward/review/R-SPLIT/decide", data={"action": "reject"})
    assert response.status_code == 400
    assert alert(response) == ["every decision needs a reason"]
    assert stored(console) == []


def test_a_rejected_match_is_pending_until_a_publication_holds_it(console):
    sign_in(console)
    response = console.post(
        "/steward/review/R-SPLIT/decide",
        data={"action": "reject", "reason": "born a year apart"},
    )
    assert response.status_code == 200
    assert "takes effect at the next pipeline run" in response.text
    assert "pending</span> (waits for the next run)" in response.text
    [decision] = stored(console)
    assert (decision.action, decision.decided_by, decision.reason) == (
        "reject", "Steward Tester", "born a year apart",
    )  # fmt: skip
    assert decision.links == [
        stewardship.Link(
            "cannot_link", ("crm", "003A000001ANNAAAA4"), ("social", "weibo:1650342011")
        )
    ]
    assert "reject</span> by Steward Tester" in console.get("/steward").text

    report = run_imports(console, "run-3")
    assert (report.decisions, report.match_decisions) == (1, 1)
    page = console.get("/steward/decisions").text
    assert '<span class="applied">applied</span>' in page and 'class="pending"' not in page
    with duckdb.connect(str(console.warehouse), read_only=True) as con:
        _, cannot = load_decisions(con)
    assert cannot.rows() == [("crm|003A000001ANNAAAA4", "social|weibo:1650342011")]


def test_a_confirmed_match_becomes_a_must_link(console):
    sign_in(console)
    console.post("/steward/review/R-MERGE/decide", data={"action": "confirm", "reason": "same"})
    run_imports(console, "run-3")
    with duckdb.connect(str(console.warehouse), read_only=True) as con:
        must, _ = load_decisions(con)
    assert must.rows() == [("crm|003A000001ANNAAAA4", "crm|003A000001JOHNAAA1")]


def test_splitting_a_record_out_keeps_it_apart_from_every_other_record(console):
    sign_in(console)
    response = console.post(
        "/steward/customers/G-ANN/split",
        data={"record": "social|weibo:1650342011", "reason": "another Ann"},
    )
    assert response.status_code == 200
    [decision] = stored(console)
    assert decision.links == [
        stewardship.Link(
            "cannot_link", ("social", "weibo:1650342011"), ("crm", "003A000001ANNAAAA4")
        )
    ]
    refused = console.post(
        "/steward/customers/G-JOHN/split",
        data={"record": "crm|003A000001JOHNAAA1", "reason": "x"},
    )
    assert refused.status_code == 400
    assert "only record of its golden record" in alert(refused)[0]


def test_merging_two_golden_records_links_a_record_of_each(console):
    sign_in(console)
    console.post(
        "/steward/customers/G-ANN/merge", data={"other_golden_id": "G-JOHN", "reason": "same"}
    )
    [decision] = stored(console)
    assert decision.value == "G-JOHN"
    assert decision.links == [
        stewardship.Link("must_link", ("crm", "003A000001ANNAAAA4"), ("crm", "003A000001JOHNAAA1"))
    ]
    for other, message in (
        ("G-ANN", "another golden record"),
        ("G-NONE", "no golden record G-NONE"),
    ):
        refused = console.post(
            "/steward/customers/G-ANN/merge", data={"other_golden_id": other, "reason": "x"}
        )
        assert refused.status_code == 400 and message in alert(refused)[0]


def test_a_pinned_value_is_normalised_checked_and_imported_as_a_pin(console):
    sign_in(console)
    refused = console.post(
        "/steward/customers/G-ANN/pin",
        data={"attribute": "phone", "value": "12", "reason": "called"},
    )
    assert refused.status_code == 400 and "is not a valid phone number" in alert(refused)[0]
    console.post(
        "/steward/customers/G-ANN/pin",
        data={"attribute": "phone", "value": "+86 139 0013 9000", "reason": "customer called"},
    )
    assert "phone = +8613900139000" in console.get("/steward/customers/G-ANN").text
    run_imports(console, "run-3")
    with duckdb.connect(str(console.warehouse), read_only=True) as con:
        [pin] = active_pins(con, "G-ANN")
    assert (pin.attribute, pin.value, pin.decided_by) == (
        "phone",
        "+8613900139000",
        "Steward Tester",
    )
    assert 'class="applied"' in console.get("/steward/customers/G-ANN").text


def test_every_steward_action_and_page_view_is_audited(console):
    sign_in(console)
    console.get("/steward/review/R-SPLIT")
    console.post("/steward/review/R-SPLIT/decide", data={"action": "reject", "reason": "no"})
    console.app.state.audit.flush()
    with sqlite3.connect(console.store) as db:
        log = db.execute(
            "select role, action, resource, detail from audit_log "
            "where action not like 'key_%' order by at"
        ).fetchall()
    assert ("steward", "steward_reject", "review:R-SPLIT", "no") in log
    assert ("steward", "console_review", "review:R-SPLIT", None) in log
    assert ("steward", "console_login", "console", None) in log


# ---------------------------------------------------------------------------------------
# the store and the import
# ---------------------------------------------------------------------------------------

STEWARD = access.Caller(key_id="k1", name="Sam", role="steward")
PAIR = (("crm", "A"), ("shop", "B"))


def test_only_steward_roles_may_decide(tmp_path):
    with access.service_db(tmp_path / "s.sqlite") as db, pytest.raises(stewardship.DecisionError):
        stewardship.record_decision(
            db, access.Caller("k2", "App", "app"), "reject", "why",
            links=stewardship.links_for("reject", pair=PAIR),
        )  # fmt: skip


def test_importing_twice_adds_nothing_and_later_decisions_wait_for_the_next_run(tmp_path):
    store = tmp_path / "s.sqlite"
    with access.service_db(store) as db:
        stewardship.record_decision(
            db, STEWARD, "reject", "why", links=stewardship.links_for("reject", pair=PAIR)
        )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        first = stewardship.import_decisions(con, store, "run-1")
        # a decision made while run-1 is still going (the warehouse held open) lands in the store
        with access.service_db(store) as db:
            late = stewardship.record_decision(
                db, STEWARD, "confirm", "why", links=stewardship.links_for("confirm", pair=PAIR)
            )
        # a run that died after writing the warehouse but before marking the store
        with access.service_db(store) as db:
            db.execute("update steward_decisions set imported_at = null")
        second = stewardship.import_decisions(con, store, "run-2")
        rows = con.execute("select count(*) from mdm.match_decisions").fetchone()[0]
        must, cannot = load_decisions(con)
    assert (first.decisions, first.match_decisions) == (1, 1)
    assert (second.decisions, second.match_decisions) == (2, 1)  # only the late one is new
    assert rows == 2
    assert must.height == 1 and cannot.height == 0  # the later confirm wins for the pair
    with access.service_db(store) as db:
        assert {d.decision_id: d.imported_run_id for d in stewardship.list_decisions(db)}[
            late.decision_id
        ] == "run-2"


def test_without_a_service_store_there_is_nothing_to_import(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        report = stewardship.import_decisions(con, tmp_path / "absent.sqlite", "run-1")
    assert report.decisions == 0
    assert not (tmp_path / "absent.sqlite").exists()


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("confirm", {"pair": (("crm", "A"), ("crm", "A"))}, "two different records"),
        ("split", {"record": ("crm", "A"), "cluster": [("crm", "A")]}, "only record"),
        ("merge", {"cluster": [("crm", "A")], "other_cluster": []}, "two golden records"),
        ("delete", {}, "action must be one of"),
    ],
)
def test_an_incomplete_action_is_refused_with_the_reason(action, kwargs, message):
    with pytest.raises(stewardship.DecisionError, match=message):
        stewardship.links_for(action, **kwargs)


def test_the_service_audit_log_is_copied_into_the_warehouse_once(tmp_path):
    from warehouse.audit_trail import copy_service_log

    store = tmp_path / "s.sqlite"
    with access.service_db(store) as db:
        db.execute(
            "insert into audit_log values ('2020-01-01T00:00:00', 'old', 'app', 'read', 'x', null)"
        )
        stewardship.record_decision(
            db, STEWARD, "reject", "why", links=stewardship.links_for("reject", pair=PAIR)
        )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert copy_service_log(con, store) == 1  # the 2020 entry is past retention
        with access.service_db(store) as db:
            access.audit(db, STEWARD, "steward_pin", "customer:G1", "called")
        assert copy_service_log(con, store) == 1
        assert copy_service_log(con, store) == 0
        log = con.execute(
            'select role, action, resource from audit.service_log order by "at"'
        ).fetchall()
    assert log == [
        ("steward", "steward_reject", "record:crm/A"),
        ("steward", "steward_pin", "customer:G1"),
    ]
