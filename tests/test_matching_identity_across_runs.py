"""Golden ids across runs, through matching and publication, on small hand-made data:
same input, a new customer, a merge that keeps the oldest id, a split that keeps the id
on the larger part, each with its identity event in ``mdm.identity_events``."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from matching.pipeline import match_parties
from tests.test_matching_pipeline import golden_of, load_party_records, party, people
from warehouse.layout import ensure_schemas

RUN_TIMES = [datetime(2025, 6, d, 12, 0) for d in range(1, 8)]

# Robert Fischer: a CRM contact with his e-mail, and a shop account in another city
# under "Bob" with only his mobile. Nothing links the two until a second CRM record
# holds both.
ROBERT_CRM = party(
    "crm",
    "0035g00000RRRRRRR1",
    "robert",
    first="Robert",
    last="Fischer",
    email="r.fischer@example.de",
    city="Hamburg",
    postal_code="20095",
    country="DE",
)
ROBERT_SHOP = party(
    "ecommerce",
    "7000000501",
    "robert",
    first="Bob",
    last="Fischer",
    phone="+4915112345678",
    city="München",
    postal_code="80331",
    country="DE",
)
ROBERT_BRIDGE = party(
    "crm",
    "0035g00000RRRRRRR2",
    "robert",
    first="Robert",
    last="Fischer",
    email="r.fischer@example.de",
    phone="+4915112345678",
    city="München",
    postal_code="80331",
    country="DE",
)
# Chen Jing: CRM and shop records sharing e-mail and phone, and a second shop account
# linked to the first by the phone.
CHEN = [
    party(
        "crm",
        "0035g00000CCCCCCC1",
        "chen",
        first="Jing",
        last="Chen",
        email="chen.jing@example.cn",
        phone="+8613912345678",
        city="Shanghai",
        postal_code="200000",
        country="CN",
    ),
    party(
        "ecommerce",
        "7000000601",
        "chen",
        first="Jing",
        last="Chen",
        email="chen.jing@example.cn",
        phone="+8613912345678",
        city="Shanghai",
        postal_code="200000",
        country="CN",
    ),
    party(
        "ecommerce",
        "7000000602",
        "chen",
        first="Jing",
        last="Chen",
        email="jing1988@example.cn",
        phone="+8613912345678",
        city="Shanghai",
        postal_code="200000",
        country="CN",
    ),
]
NEWCOMER = party(
    "crm",
    "0035g00000NNNNNNN1",
    "newcomer",
    first="Ingrid",
    last="Halvorsen",
    email="ingrid.halvorsen@example.no",
    phone="+4791234567",
    city="Oslo",
    country="NO",
)


def key(row: dict) -> str:
    return row["record_key"]


class Runs:
    """Runs matching and publication the way the pipeline does, one run per call."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.count = 0
        ensure_schemas(con)

    def run(self, rows: list[dict]) -> tuple[dict[str, str], list[tuple]]:
        """Match ``rows``, publish; return the golden ids and this run's events."""
        self.count += 1
        run_id = f"run-{self.count}"
        load_party_records(self.con, rows)
        match_parties(self.con, run_id, now=RUN_TIMES[self.count - 1])
        golden = golden_of(self.con)
        # Publication of the matching outputs (the rest of warehouse.publish needs the
        # dbt models, which these tests do not build).
        self.con.execute(
            "create or replace table mdm.customer_xref as select * from mdm_build.customer_xref"
        )
        self.con.execute(
            "create table if not exists mdm.identity_events as "
            "from mdm_build.identity_events limit 0"
        )
        self.con.execute("insert into mdm.identity_events by name from mdm_build.identity_events")
        events = self.con.execute(
            "select event_type, golden_id, related_golden_ids, actor from mdm.identity_events "
            "where run_id = ? order by event_type, golden_id",
            [run_id],
        ).fetchall()
        return golden, events


@pytest.fixture
def runs(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield Runs(con)
    con.close()


def test_same_input_keeps_every_id_and_emits_nothing(runs):
    base = people() + CHEN
    first, created = runs.run(base)
    assert {e[0] for e in created} == {"created"}
    assert len(created) == len(set(first.values()))
    second, events = runs.run(base)
    assert second == first
    assert events == []


def test_a_new_customer_gets_a_new_id_and_a_created_event(runs):
    base = people() + CHEN
    first, _ = runs.run(base)
    second, events = runs.run(base + [NEWCOMER])
    assert {k: v for k, v in second.items() if k != key(NEWCOMER)} == first
    assert second[key(NEWCOMER)] not in set(first.values())
    assert events == [("created", second[key(NEWCOMER)], [], "pipeline")]


def test_a_bridging_record_merges_two_ids_into_the_oldest(runs):
    base = people() + CHEN
    runs.run(base + [ROBERT_CRM])
    second, _ = runs.run(base + [ROBERT_CRM, ROBERT_SHOP])
    older, younger = second[key(ROBERT_CRM)], second[key(ROBERT_SHOP)]
    assert older != younger, "precondition: nothing links the two accounts yet"

    third, events = runs.run(base + [ROBERT_CRM, ROBERT_SHOP, ROBERT_BRIDGE])
    robert = {third[key(r)] for r in (ROBERT_CRM, ROBERT_SHOP, ROBERT_BRIDGE)}
    assert robert == {older}, "the merge keeps the id given first"
    assert events == [("merged", older, [younger], "pipeline")]
    assert younger not in set(third.values())


def test_a_changed_record_splits_off_and_the_larger_part_keeps_the_id(runs):
    base = people() + [ROBERT_CRM]
    first, _ = runs.run(base + CHEN)
    chen_id = first[key(CHEN[0])]
    assert {first[key(r)] for r in CHEN} == {chen_id}, "precondition: one customer"

    # The CRM record is corrected: it was somebody else's contact all along.
    corrected = party(
        "crm",
        "0035g00000CCCCCCC1",
        "other",
        first="Wei",
        last="Zhou",
        email="zhou.wei@example.cn",
        phone="+8613700000000",
        city="Beijing",
        postal_code="100000",
        country="CN",
    )
    second, events = runs.run(base + [corrected, *CHEN[1:]])
    assert second[key(CHEN[1])] == second[key(CHEN[2])] == chen_id
    split_off = second[key(corrected)]
    assert split_off != chen_id
    assert events == [("split", split_off, [chen_id], "pipeline")]
