"""Saved model versions: trained once, reused by later runs, retrained only when asked."""

from __future__ import annotations

import json

import duckdb
import pytest

from matching import settings
from matching.model_store import (
    ModelStructureChanged,
    SavedModel,
    activate_model,
    active_model,
    list_models,
)
from matching.pipeline import match_parties
from tests.test_matching_pipeline import NOW, golden_of, people, publish


@pytest.fixture
def con(people_warehouse):
    return people_warehouse


def cluster_count(con: duckdb.DuckDBPyConnection) -> int:
    sql = "select count(distinct golden_id) from mdm_build.customer_xref"
    return con.execute(sql).fetchall()[0][0]


def test_first_run_trains_and_saves_version_one(con):
    report = match_parties(con, "run-1", now=NOW, requested_by="ignored: not a retraining")
    assert (report.model_version, report.model_trained) == (1, True)
    saved = active_model(con)
    assert saved is not None
    assert saved.model_version == 1 and saved.is_active
    assert saved.run_id == "run-1" and saved.trained_at == NOW
    assert saved.reason == "first run: no saved model"
    assert saved.records == report.records
    # Splink can load the stored JSON: it is its own settings format.
    assert [c["output_column_name"] for c in saved.model_json["comparisons"]][:2] == [
        "name",
        "email",
    ]


def test_later_runs_score_with_the_saved_model_without_training(con):
    first = match_parties(con, "run-1", now=NOW)
    publish(con)
    golden = golden_of(con)
    second = match_parties(con, "run-2", now=NOW)
    assert (second.model_version, second.model_trained) == (first.model_version, False)
    assert len(list_models(con)) == 1
    assert golden_of(con) == golden


def test_the_saved_parameters_are_the_ones_used(con):
    match_parties(con, "run-1", now=NOW)
    clusters = cluster_count(con)
    # A saved model that believes almost no two records match: hardly anything links.
    con.execute("update mdm.match_models set matches_per_record = 1e-12")
    match_parties(con, "run-2", now=NOW)
    assert cluster_count(con) > clusters + (len(people()) - clusters) // 2


def test_retraining_saves_a_new_active_version_and_keeps_the_old(con):
    match_parties(con, "run-1", now=NOW)
    report = match_parties(con, "run-2", now=NOW, retrain=True, requested_by="engineer.wu")
    assert (report.model_version, report.model_trained) == (2, True)
    models = list_models(con)
    assert [(m.model_version, m.is_active) for m in models] == [(2, True), (1, False)]
    assert models[0].trained_by == "engineer.wu"
    assert models[0].reason == "retraining asked for (replaces v1)"


def test_an_earlier_version_can_be_activated_again(con):
    match_parties(con, "run-1", now=NOW)
    match_parties(con, "run-2", now=NOW, retrain=True)
    assert activate_model(con, 1).is_active
    assert match_parties(con, "run-3", now=NOW).model_version == 1
    with pytest.raises(LookupError, match=r"no saved model version 7 \(saved versions: 2, 1\)"):
        activate_model(con, 7)


def test_a_saved_model_for_other_comparisons_is_refused_until_retrained(con, monkeypatch):
    match_parties(con, "run-1", now=NOW)
    rules = settings.prediction_blocking_rules()
    monkeypatch.setattr(settings, "prediction_blocking_rules", lambda: rules[:-1])
    with pytest.raises(ModelStructureChanged, match=r"v1 .*`mdm run --retrain`"):
        match_parties(con, "run-2", now=NOW)
    report = match_parties(con, "run-3", now=NOW, retrain=True)
    assert (report.model_version, report.model_trained) == (2, True)


def test_training_does_not_change_the_structure_fingerprint(con, monkeypatch):
    # u estimated from the data (not the starting values) must still load as the same
    # model structure in the next run.
    monkeypatch.setattr(settings, "MIN_RECORDS_FOR_TRAINING", 1)
    match_parties(con, "run-1", now=NOW)
    assert active_model(con).u_estimated
    assert match_parties(con, "run-2", now=NOW).model_trained is False


def test_prior_is_rescaled_to_the_input_size():
    model = SavedModel(
        model_version=1,
        trained_at=NOW,
        run_id="r",
        trained_by="pipeline",
        reason="test",
        records=1001,
        u_estimated=True,
        matches_per_record=0.5,
        structure_hash="x",
        splink_version="5",
        model_json={},
        is_active=True,
    )
    assert model.prior_for(1001) == pytest.approx(0.5 / 1000)
    assert model.prior_for(100_001) == pytest.approx(0.5 / 100_000)
    assert model.prior_for(1) == 0.5


def test_model_json_column_is_valid_json(con):
    match_parties(con, "run-1", now=NOW)
    text = con.execute("select model_json::varchar from mdm.match_models").fetchall()[0][0]
    assert "probability_two_random_records_match" in json.loads(text)
