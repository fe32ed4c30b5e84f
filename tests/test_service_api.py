"""The golden record API (warehouse.api) over a hand-made serving snapshot: every endpoint,
the roles and their masking, the audit, and the errors a caller can act on."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from warehouse import access
from warehouse.api import create_app
from warehouse.serving import current_snapshot, export_snapshot

T1 = dt.datetime(2026, 1, 1, 2, 0)
T2 = dt.datetime(2026, 3, 1, 2, 0)

GOLDEN = [
    # golden_id, first, last, full, email, phone, city, birth_date, version, updated_at
    ("G-ANN", "Ann", "Lee", "Ann Lee", "ann.lee@example.com", "+8613800138000", "Berlin",
     dt.date(1990, 2, 3), 2, T2),
    ("G-JOHN", "John", "Smith", "John Smith", "john@example.com", "+14155550132", "Austin",
     dt.date(1980, 5, 17), 1, T1),
    ("G-JOAN", "Joan", "Smyth", "Joan Smyth", None, None, "Leeds", None, 1, T1),
]  # fmt: skip


def build_warehouse(path: Path, ann_city: str = "Berlin") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for schema in ("mdm", "marts"):
        con.execute(f"create schema if not exists {schema}")
    con.execute(
        """
        create or replace table mdm.golden_customer (golden_id varchar, first_name varchar,
            last_name varchar, full_name varchar, email varchar, phone varchar, city varchar,
            birth_date date, version integer, updated_at timestamp)
        """
    )
    rows = [list(row) for row in GOLDEN]
    rows[0][6] = ann_city
    con.executemany("insert into mdm.golden_customer values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        """
        create or replace table mdm.golden_customer_history as
        select golden_id, version, updated_at as valid_from, null::timestamp as valid_to,
            true as is_current, first_name, last_name, full_name, email, phone, city,
            birth_date, 'run-2' as run_id
        from mdm.golden_customer
        union all
        select 'G-ANN', 1, ?::timestamp, ?::timestamp, false, 'Ann', 'Lee', 'Ann Lee',
            'ann.lee@example.com', '+8613800138000', 'München', date '1990-02-03', 'run-1'
        """,
        [T1, T2],
    )
    con.execute(
        """
        create or replace table mdm.customer_xref as
        select source_system, source_record_id, golden_id, p::double as match_probability
        from (values
            ('crm', '003A000001ANNAAAA4', 'G-ANN', 1.0),
            ('social', 'weibo:1650342011', 'G-ANN', 0.93),
            ('crm', '003A000001JOHNAAA1', 'G-JOHN', 1.0)
        ) t(source_system, source_record_id, golden_id, p)
        """
    )
    con.execute(
        """
        create or replace table mdm.golden_attribute_lineage as
        select * from (values
            ('G-ANN', 'phone', '+8613800138000', 'crm', '003A000001ANNAAAA4', 'most_recent'),
            ('G-ANN', 'city', 'Berlin', 'crm', '003A000001ANNAAAA4', 'most_recent')
        ) t(golden_id, attribute, value, source_system, source_record_id, rule)
        """
    )
    con.execute(
        """
        create or replace table mdm.identity_events as
        select 'e' || lpad(i::varchar, 3, '0') as event_id,
            ?::timestamp + to_minutes(i) as occurred_at,
            case when i = 0 then 'updated' else 'created' end as event_type,
            'G' || i as golden_id, []::varchar[] as related_golden_ids, 'run-1' as run_id,
            'pipeline' as actor
        from range(5) t(i)
        """,
        [T1],
    )
    con.execute(
        "create or replace table marts.customer_360 as select golden_id from mdm.golden_customer"
    )
    return con


@pytest.fixture
def service(tmp_path: Path):
    serving, store = tmp_path / "serving", tmp_path / "service.sqlite"
    with build_warehouse(tmp_path / "w.duckdb") as con:
        export_snapshot(con, "run-2", serving)
    keys = {}
    with access.service_db(store) as db:
        for role in access.ROLES:
            keys[role] = access.create_key(db, f"{role} test", role, "tester")[1]
    client = TestClient(create_app(serving, store))
    client.keys = keys  # type: ignore[attr-defined]
    client.store = store  # type: ignore[attr-defined]
    client.serving = serving  # type: ignore[attr-defined]
    client.tmp = tmp_path  # type: ignore[attr-defined]
    return client


def get(client: TestClient, path: str, role: str = "app", **params):
    return client.get(path, params=params, headers={"X-API-Key": client.keys[role]})


# ---------------------------------------------------------------------------------------
# access
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "an API key is required"),
        ({"X-API-Key": "letmein"}, "malformed API key"),
        ({"X-API-Key": "mdm_000000000000_nope"}, "unknown API key"),
        ({"Authorization": "Bearer mdm_000000000000_nope"}, "unknown API key"),
    ],
)
def test_a_request_without_a_valid_key_is_refused(service, headers, detail):
    response = service.get("/api/v1/customers/G-ANN", headers=headers)
    assert response.status_code == 401
    assert detail in response.json()["detail"]


def test_a_revoked_key_stops_working_at_once(service):
    assert get(service, "/api/v1/customers/G-ANN").status_code == 200
    key_id = service.keys["app"].split("_")[1]
    with access.service_db(service.store) as db:
        access.revoke_key(db, key_id, "tester")
    response = get(service, "/api/v1/customers/G-ANN")
    assert (response.status_code, response.json()["detail"]) == (401, "revoked API key")


def test_bearer_authorization_works_like_the_key_header(service):
    response = service.get(
        "/api/v1/customers/G-ANN", headers={"Authorization": f"Bearer {service.keys['admin']}"}
    )
    assert response.status_code == 200


def test_keys_are_stored_hashed(service):
    with sqlite3.connect(service.store) as db:
        stored = " ".join(str(v) for row in db.execute("select * from api_keys") for v in row)
    for key in service.keys.values():
        assert key.split("_", 2)[2] not in stored


@pytest.mark.parametrize(
    ("role", "phone", "email", "birth_date"),
    [
        ("app", "+86*******8000", "a***@example.com", "1990"),
        ("analyst", "+86*******8000", "a***@example.com", "1990"),
        ("steward", "+8613800138000", "ann.lee@example.com", "1990-02-03"),
        ("admin", "+8613800138000", "ann.lee@example.com", "1990-02-03"),
    ],
)
def test_personal_data_is_masked_unless_the_role_has_the_full_view(
    service, role, phone, email, birth_date
):
    record = get(service, "/api/v1/customers/G-ANN", role).json()
    assert (record["phone"], record["email"], record["birth_date"]) == (phone, email, birth_date)
    assert record["full_name"] == "Ann Lee"
    lineage = get(service, "/api/v1/customers/G-ANN/lineage", role).json()["lineage"]
    assert {row["attribute"]: row["value"] for row in lineage}["phone"] == phone


def test_every_read_of_personal_data_is_audited_and_old_entries_expire(service):
    with access.service_db(service.store) as db:
        db.execute(
            "insert into audit_log values ('2020-01-01T00:00:00', 'old', 'app', 'read', 'x', null)"
        )
    service.app.state.audit._purged_at = -1e9  # the hourly purge is due
    get(service, "/api/v1/customers/G-ANN", "analyst")
    get(service, "/api/v1/customers", "app", email="john@example.com")
    get(service, "/api/v1/customers/G-ANN/lineage", "steward")
    service.app.state.audit.flush()
    with sqlite3.connect(service.store) as db:
        log = db.execute(
            "select role, action, resource, detail from audit_log "
            "where action not like 'key_%' order by at"
        ).fetchall()
    assert log == [
        ("analyst", "read_customer", "customer:G-ANN", None),
        ("app", "search_customers", "search:email", "G-JOHN"),
        ("steward", "read_lineage", "customer:G-ANN", None),
    ]


# ---------------------------------------------------------------------------------------
# customers
# ---------------------------------------------------------------------------------------


def test_customer_by_id_and_unknown_id(service):
    assert get(service, "/api/v1/customers/G-JOHN").json()["city"] == "Austin"
    response = get(service, "/api/v1/customers/G-NOPE")
    assert (response.status_code, response.json()["detail"]) == (404, "no golden record G-NOPE")


def test_customer_as_of_reads_the_version_valid_then(service):
    before = get(service, "/api/v1/customers/G-ANN", as_of="2026-02-01T00:00:00").json()
    assert (before["version"], before["city"]) == (1, "München")
    after = get(service, "/api/v1/customers/G-ANN", as_of="2026-03-01T02:00:00+00:00").json()
    assert (after["version"], after["city"]) == (2, "Berlin")
    response = get(service, "/api/v1/customers/G-ANN", as_of="2025-01-01T00:00:00")
    assert response.status_code == 404 and "as of 2025-01-01" in response.json()["detail"]
    assert get(service, "/api/v1/customers/G-ANN", as_of="yesterday").status_code == 422


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"email": " John@Example.COM "}, ["G-JOHN"]),
        ({"phone": "+86 138 0013 8000"}, ["G-ANN"]),
        ({"phone": "0086 13800138000"}, ["G-ANN"]),
        ({"phone": "138-0013-8000", "country": "CN"}, ["G-ANN"]),
        ({"phone": "(415) 555-0132", "country": "US"}, ["G-JOHN"]),
        ({"email": "nobody@example.com"}, []),
    ],
)
def test_search_by_email_or_phone_in_any_format(service, params, found):
    results = get(service, "/api/v1/customers", **params).json()["results"]
    assert [row["golden_id"] for row in results] == found


def test_search_by_name_is_fuzzy_and_ranked(service):
    results = get(service, "/api/v1/customers", name="Jon Smith").json()["results"]
    assert [row["golden_id"] for row in results][:2] == ["G-JOHN", "G-JOAN"]
    assert results[0]["score"] > results[1]["score"]
    assert (
        get(service, "/api/v1/customers", name="Smith John").json()["results"][0]["golden_id"]
        == "G-JOHN"
    )


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({}, 400, "give exactly one of email, phone or name"),
        ({"email": "a@b.cn", "name": "Ann"}, 400, "give exactly one"),
        ({"phone": "12"}, 400, "not a valid phone number"),
        ({"name": "A"}, 422, None),
        ({"email": "a@b.cn", "limit": 0}, 422, None),
    ],
)
def test_bad_search_parameters_get_a_4xx_with_the_reason(service, params, status, detail):
    response = get(service, "/api/v1/customers", **params)
    assert response.status_code == status
    if detail:
        assert detail in response.json()["detail"]


def test_xref_sources_and_lineage(service):
    xref = get(service, "/api/v1/xref/social/weibo:1650342011").json()
    assert (xref["golden_id"], xref["match_probability"]) == ("G-ANN", 0.93)
    assert get(service, "/api/v1/xref/crm/unknown").status_code == 404
    sources = get(service, "/api/v1/customers/G-ANN/sources").json()["sources"]
    assert [(s["source_system"], s["source_record_id"]) for s in sources] == [
        ("crm", "003A000001ANNAAAA4"),
        ("social", "weibo:1650342011"),
    ]
    assert get(service, "/api/v1/customers/G-NOPE/sources").status_code == 404
    lineage = get(service, "/api/v1/customers/G-ANN/lineage", "steward").json()["lineage"]
    assert {row["attribute"]: row["rule"] for row in lineage} == {
        "city": "most_recent",
        "phone": "most_recent",
    }


# ---------------------------------------------------------------------------------------
# events
# ---------------------------------------------------------------------------------------


def test_events_are_paged_oldest_first_with_a_cursor(service):
    first = get(service, "/api/v1/events", limit=2).json()
    assert [e["event_id"] for e in first["events"]] == ["e000", "e001"]
    second = get(service, "/api/v1/events", limit=2, after=first["next"]).json()
    assert [e["event_id"] for e in second["events"]] == ["e002", "e003"]
    last = get(service, "/api/v1/events", limit=2, after=second["next"]).json()
    assert ([e["event_id"] for e in last["events"]], last["next"]) == (["e004"], None)
    since = get(service, "/api/v1/events", since="2026-01-01T02:03:00").json()
    assert [e["event_id"] for e in since["events"]] == ["e003", "e004"]
    # a time with an offset means the same instant in UTC, as for as_of
    shanghai = get(service, "/api/v1/events", since="2026-01-01T10:03:00+08:00").json()
    assert [e["event_id"] for e in shanghai["events"]] == ["e003", "e004"]
    assert get(service, "/api/v1/events", after="garbage").status_code == 400
    assert get(service, "/api/v1/events", limit=10_000).status_code == 422


# ---------------------------------------------------------------------------------------
# snapshots
# ---------------------------------------------------------------------------------------


def test_a_new_publication_is_served_without_a_restart(service):
    assert get(service, "/api/v1/customers/G-ANN").json()["city"] == "Berlin"
    with build_warehouse(service.tmp / "w.duckdb", ann_city="Hamburg") as con:
        export_snapshot(con, "run-3", service.serving)
    assert get(service, "/api/v1/customers/G-ANN").json()["city"] == "Hamburg"
    assert current_snapshot(service.serving).name.endswith("-run-3.duckdb")


def test_the_warehouse_stays_writable_while_the_service_reads(service):
    assert get(service, "/api/v1/customers/G-ANN").status_code == 200
    # the pipeline's writer connection to the warehouse is not blocked by the service
    with duckdb.connect(str(service.tmp / "w.duckdb")) as con:
        con.execute("update mdm.golden_customer set city = 'Paris' where golden_id = 'G-ANN'")


def test_without_a_snapshot_the_service_says_so(tmp_path):
    client = TestClient(create_app(tmp_path / "serving", tmp_path / "service.sqlite"))
    with access.service_db(tmp_path / "service.sqlite") as db:
        key = access.create_key(db, "t", "app", "tester")[1]
    response = client.get("/api/v1/customers/G-ANN", headers={"X-API-Key": key})
    assert response.status_code == 503
    assert "run the pipeline" in response.json()["detail"]


def test_openapi_document_lists_every_endpoint(service):
    paths = set(service.get("/openapi.json").json()["paths"])
    assert paths == {
        "/api/v1/customers/{golden_id}",
        "/api/v1/customers",
        "/api/v1/xref/{source_system}/{source_record_id}",
        "/api/v1/customers/{golden_id}/sources",
        "/api/v1/customers/{golden_id}/lineage",
        "/api/v1/events",
    }


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/customers/G-ANN", "as_of"), ("/api/v1/events", "since")],
)
def test_a_time_beyond_the_calendar_in_utc_is_a_422_not_a_crash(service, path, parameter):
    # found by Schemathesis: year 1 at +01:00 is year 0 in UTC
    response = get(service, path, **{parameter: "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", parameter]
