"""Steward decisions outrank the model, in every later run."""

from __future__ import annotations

from datetime import datetime

import pytest

from matching.overrides import load_decisions, record_decision
from matching.pipeline import match_parties
from tests.test_matching_pipeline import NOW, golden_of, publish

ANNA_CRM = ("crm", "0035g00000AAAAAAA1")
ANNA_SHOP = ("ecommerce", "7000000001")
NAMESAKE_CRM = ("crm", "0035g00000AAAAAAA4")
NAMESAKE_SHOP = ("ecommerce", "7000000004")


def key(record: tuple[str, str]) -> str:
    return "|".join(record)


@pytest.fixture
def con(people_warehouse):
    return people_warehouse


def test_model_alone_joins_the_first_pair_and_keeps_the_namesakes_apart(con):
    match_parties(con, "run-0", now=NOW)
    golden = golden_of(con)
    assert golden[key(ANNA_CRM)] == golden[key(ANNA_SHOP)]
    assert golden[key(NAMESAKE_CRM)] != golden[key(NAMESAKE_SHOP)]


def test_cannot_link_splits_what_the_model_joins_and_holds_in_later_runs(con):
    record_decision(con, "cannot_link", ANNA_CRM, ANNA_SHOP, "steward.li", "two customers")
    for run in ("run-1", "run-2"):
        match_parties(con, run, now=NOW)
        golden = golden_of(con)
        assert golden[key(ANNA_CRM)] != golden[key(ANNA_SHOP)], run
        publish(con)


def test_must_link_joins_what_the_model_keeps_apart_and_holds_in_later_runs(con):
    record_decision(con, "must_link", NAMESAKE_CRM, NAMESAKE_SHOP, "steward.li", "same card")
    for run in ("run-1", "run-2"):
        match_parties(con, run, now=NOW)
        golden = golden_of(con)
        assert golden[key(NAMESAKE_CRM)] == golden[key(NAMESAKE_SHOP)], run
        publish(con)
    probability = con.execute(
        "select match_probability from mdm_build.customer_xref "
        "where source_system = ? and source_record_id = ?",
        list(NAMESAKE_SHOP),
    ).fetchall()[0][0]
    assert probability == 1.0


def test_decisions_hold_when_the_model_is_retrained(con, monkeypatch):
    from matching import settings

    record_decision(con, "cannot_link", ANNA_CRM, ANNA_SHOP, "steward.li", "two customers")
    record_decision(con, "must_link", NAMESAKE_CRM, NAMESAKE_SHOP, "steward.li", "same card")
    first = match_parties(con, "run-1", now=NOW)
    publish(con)
    # Below this size the starting model is used; lowering it makes the retraining
    # estimate u from the data.
    monkeypatch.setattr(settings, "MIN_RECORDS_FOR_TRAINING", 1)
    second = match_parties(con, "run-2", now=NOW, retrain=True, requested_by="engineer.wu")
    assert (first.model_version, second.model_version, second.model_trained) == (1, 2, True)
    golden = golden_of(con)
    assert golden[key(ANNA_CRM)] != golden[key(ANNA_SHOP)]
    assert golden[key(NAMESAKE_CRM)] == golden[key(NAMESAKE_SHOP)]


def test_the_latest_decision_on_a_pair_wins(con):
    record_decision(
        con, "must_link", NAMESAKE_CRM, NAMESAKE_SHOP, "a", "looked alike", datetime(2025, 1, 1)
    )
    record_decision(
        con, "cannot_link", NAMESAKE_SHOP, NAMESAKE_CRM, "b", "checked: two people",
        datetime(2025, 2, 1),
    )  # fmt: skip
    must, cannot = load_decisions(con)
    assert must.height == 0
    assert cannot.rows() == [(key(NAMESAKE_CRM), key(NAMESAKE_SHOP))]
    match_parties(con, "run-1", now=NOW)
    golden = golden_of(con)
    assert golden[key(NAMESAKE_CRM)] != golden[key(NAMESAKE_SHOP)]


@pytest.mark.parametrize(
    "decision, left, right, who, why, message",
    [
        ("merge", ANNA_CRM, ANNA_SHOP, "s", "r", "decision must be one of"),
        ("must_link", ANNA_CRM, ANNA_CRM, "s", "r", "two different records"),
        ("cannot_link", ANNA_CRM, ANNA_SHOP, " ", "r", "who made it"),
        ("cannot_link", ANNA_CRM, ANNA_SHOP, "s", "", "who made it"),
    ],
)
def test_a_decision_needs_a_kind_two_records_a_steward_and_a_reason(
    con, decision, left, right, who, why, message
):
    with pytest.raises(ValueError, match=message):
        record_decision(con, decision, left, right, who, why)
