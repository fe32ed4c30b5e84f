"""Schemathesis against the golden record API's OpenAPI document (warehouse.api): requests
generated from the document, valid and invalid, never get a 5xx and what comes back
conforms to the document; without a key every operation answers 401.

The app runs in-process (ASGI, no server) over the hand-made publication of
``tests.test_service_api``. Hypothesis is derandomized, so CI sends the same requests on
every run.
"""

import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.test_service_api import build_warehouse
from warehouse import access
from warehouse.api import API_PREFIX, create_app
from warehouse.serving import export_snapshot

FUZZ = hypothesis.settings(
    max_examples=80,  # per operation and role; the module takes about 20 s on 2 cores
    deadline=None,
    derandomize=True,
    database=None,
)
# Not checked: status_code_conformance. FastAPI documents only 200 and 422, while the API
# answers 400, 401 and 404 on purpose (bad search, no key, unknown id).
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

# Explicit examples added to the document, which the examples phase sends before fuzzing:
# ids of the hand-made records (random ids only ever find nothing), and for every date-time
# parameter the ends of the range with an offset that takes them past it in UTC, which
# random dates practically never hit. Only `name` of the search parameters: examples are
# combined, and the search takes exactly one of email, phone and name.
KNOWN_VALUES = {
    "golden_id": ["G-ANN", "G-JOHN", "G-JOAN"],
    "source_system": ["social", "crm"],
    "source_record_id": ["weibo:1650342011", "003A000001JOHNAAA1"],
    "name": ["Ann Lee", "jon smith"],
    "after": ["2026-01-01T02:01:00|e001"],
}
DATE_TIME_EDGES = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999Z",
    "2026-02-01T00:00:00Z",
]


def openapi_document() -> dict[str, Any]:
    """The app's document, with the examples above. Schemathesis needs the operations when
    pytest collects, before any fixture, and the document does not depend on the data.
    (`schemathesis.pytest.from_fixture` would wait for the fixture, but 4.32.5's lazy
    schemas fail on pytest 9.2: they set `Function._nodeid`, which pytest 9.2 dropped.)"""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp) / "serving", Path(tmp) / "service.sqlite")
        try:
            document = app.openapi()
        finally:
            app.state.audit.close()
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                definition = parameter["schema"]
                formats = {b.get("format") for b in definition.get("anyOf", [definition])}
                values = KNOWN_VALUES.get(parameter["name"]) or (
                    DATE_TIME_EDGES if "date-time" in formats else []
                )
                if values:
                    parameter["examples"] = {f"e{i}": {"value": v} for i, v in enumerate(values)}
    return document


# the JSON API only: the steward console's HTML pages are not part of this contract
schema = schemathesis.openapi.from_dict(openapi_document()).include(path_regex=f"^{API_PREFIX}/")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("openapi")
    serving, store = tmp / "serving", tmp / "service.sqlite"
    with build_warehouse(tmp / "w.duckdb") as con:
        export_snapshot(con, "run-2", serving)
    with access.service_db(store) as db:
        keys = {
            role: access.create_key(db, f"{role} schemathesis", role, "tester")[1]
            for role in access.ROLES
        }
    app = create_app(serving, store)
    yield SimpleNamespace(app=app, keys=keys)
    app.state.audit.close()


@FUZZ
@schema.parametrize()
@pytest.mark.parametrize("role", ["admin", "app"])  # full view, and masked
def test_no_request_with_a_valid_key_gets_a_server_error(case, service, role):
    response = case.call(app=service.app, headers={"X-API-Key": service.keys[role]})
    assert response.status_code != 401, "the key did not reach the app"
    case.validate_response(response, checks=CHECKS)


@FUZZ
@schema.parametrize()
def test_no_request_without_a_key_gets_past_the_door(case, service):
    for header in ("x-api-key", "authorization"):
        (case.headers or {}).pop(header, None)
    response = case.call(app=service.app)
    case.validate_response(response, checks=[not_a_server_error])
    if case.method.upper() == case.operation.method.upper():  # not a probe with another method
        assert response.status_code == 401
