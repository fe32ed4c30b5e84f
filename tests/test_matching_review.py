"""The review queue: doubtful pairs, what deciding them changes, and why they scored so."""

from __future__ import annotations

import duckdb
import pytest

from matching.model import MatchSession
from matching.model_store import active_model
from matching.overrides import record_decision
from matching.pipeline import match_parties
from tests.test_matching_pipeline import NOW

WIDE = (0.01, 0.999)


@pytest.fixture
def con(people_warehouse):
    return people_warehouse


def queue(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = con.execute("select * from mdm_build.review_queue")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scored_pairs_in(con: duckdb.DuckDBPyConnection, band: tuple[float, float]) -> int:
    # Every scored pair, scored again with the saved model, to compare against.
    with MatchSession(con) as session:
        session.prepare()
        session.use_saved(active_model(con))
        predictions = session.predict().physical_name
        return con.execute(
            f"select count(*) from {predictions} where match_probability >= ? "
            "and match_probability < ?",
            list(band),
        ).fetchall()[0][0]


def test_queue_holds_the_pairs_of_the_band_most_consequential_first(con):
    report = match_parties(con, "run-1", now=NOW, review_band=WIDE)
    entries = queue(con)
    assert report.review_queue == len(entries) == scored_pairs_in(con, WIDE) > 0
    assert all(WIDE[0] <= e["match_probability"] < WIDE[1] for e in entries)
    priorities = [e["priority"] for e in entries]
    assert priorities == sorted(priorities, reverse=True)
    kinds = {e["kind"] for e in entries}
    assert kinds == {"possible_merge", "possible_split"}
    for e in entries:
        p = e["match_probability"]
        assert e["priority"] == pytest.approx(e["records_affected"] * 4 * p * (1 - p))
        same = e["golden_id_l"] == e["golden_id_r"]
        assert e["kind"] == ("possible_split" if same else "possible_merge")
        assert e["run_id"] == "run-1" and e["model_version"] == 1


def test_records_affected_counts_the_golden_records_a_decision_touches(con):
    match_parties(con, "run-1", now=NOW, review_band=WIDE)
    sizes = dict(
        con.execute(
            "select golden_id, count(*) from mdm_build.customer_xref group by golden_id"
        ).fetchall()
    )
    for e in queue(con):
        if e["kind"] == "possible_merge":
            assert e["records_affected"] == sizes[e["golden_id_l"]] + sizes[e["golden_id_r"]]
        else:
            assert e["records_affected"] == sizes[e["golden_id_l"]]


def test_explanation_is_the_waterfall_of_the_match_weight(con):
    match_parties(con, "run-1", now=NOW, review_band=WIDE)
    names = [c["output_column_name"] for c in active_model(con).model_json["comparisons"]]
    for e in queue(con):
        steps = e["explanation"]
        assert [s["comparison"] for s in steps] == ["prior", *names]
        total = sum(s["match_weight"] + s["tf_adjustment"] for s in steps)
        assert total == pytest.approx(e["match_weight"], abs=1e-9)
        assert all(s["level"] for s in steps)


def test_a_decided_pair_leaves_the_queue_and_the_ids_stay(con):
    match_parties(con, "run-1", now=NOW, review_band=WIDE)
    before = queue(con)
    first = before[0]
    left = (first["source_system_l"], first["source_record_id_l"])
    right = (first["source_system_r"], first["source_record_id_r"])
    record_decision(con, "cannot_link", right, left, "steward.li", "different customers")
    match_parties(con, "run-2", now=NOW, review_band=WIDE)
    later = {e["review_id"] for e in queue(con)}
    # The decision takes out its own pair only; a cannot-link may split a cluster and so
    # change other entries' kinds, but they stay queued under the same ids.
    assert later == {e["review_id"] for e in before} - {first["review_id"]}


def test_review_ids_are_stable_across_runs(con):
    match_parties(con, "run-1", now=NOW, review_band=WIDE)
    before = {e["review_id"] for e in queue(con)}
    match_parties(con, "run-2", now=NOW, review_band=WIDE)
    assert {e["review_id"] for e in queue(con)} == before


def test_a_narrow_band_queues_fewer_pairs_and_a_bad_band_is_refused(con):
    wide = match_parties(con, "run-1", now=NOW, review_band=WIDE).review_queue
    narrow = match_parties(con, "run-2", now=NOW, review_band=(0.6, 0.7)).review_queue
    assert narrow < wide
    with pytest.raises(ValueError, match="review band"):
        match_parties(con, "run-3", now=NOW, review_band=(0.9, 0.5))
