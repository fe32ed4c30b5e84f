"""Golden ids stay a promise across runs: keep, join, merge, split, create."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from matching.golden_ids import (
    EVENTS_SCHEMA,
    assign_golden_ids,
    event_id_for,
    golden_id_for,
)

T0 = datetime(2025, 1, 1, 8, 0)
T1 = datetime(2025, 2, 1, 8, 0)
T2 = datetime(2025, 3, 1, 8, 0)
NOW = datetime(2025, 6, 1, 12, 0)


def clusters(mapping: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(key, cluster) for cluster, keys in mapping.items() for key in keys]
    return pl.DataFrame(rows, schema=["record_key", "cluster_id"], orient="row")


def previous(rows: list[tuple[str, str, datetime]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"record_key": pl.String, "golden_id": pl.String, "assigned_at": pl.Datetime("us")},
        orient="row",
    )


def ids_by_record(result) -> dict[str, str]:
    return dict(result.records.select("record_key", "golden_id").iter_rows())


def events(result) -> list[tuple[str, str, list[str]]]:
    return [
        (row["event_type"], row["golden_id"], row["related_golden_ids"])
        for row in result.events.iter_rows(named=True)
    ]


def as_previous(result) -> pl.DataFrame:
    return result.records.select("record_key", "golden_id", "assigned_at")


def test_first_run_creates_one_id_per_cluster():
    result = assign_golden_ids(
        clusters({"c1": ["crm|1", "erp|1"], "c2": ["crm|2"]}), None, "run-1", NOW
    )
    ids = ids_by_record(result)
    assert ids["crm|1"] == ids["erp|1"] != ids["crm|2"]
    assert ids["crm|1"] == golden_id_for("crm|1", "run-1")
    assert sorted(e[0] for e in events(result)) == ["created", "created"]
    assert all(related == [] for _, _, related in events(result))
    assert (result.created, result.kept, result.merged, result.split) == (2, 0, 0, 0)
    assert result.records["assigned_at"].to_list() == [NOW, NOW, NOW]


def test_same_input_keeps_every_id_and_emits_no_events():
    run = clusters({"c1": ["crm|1", "erp|1"], "c2": ["crm|2"], "c3": ["social|x:1"]})
    first = assign_golden_ids(run, None, "run-1", T0)
    # Splink's cluster ids differ between runs; golden ids must not.
    renamed = run.with_columns(pl.col("cluster_id").replace({"c1": "z9", "c2": "a0"}))
    second = assign_golden_ids(renamed, as_previous(first), "run-2", NOW)

    assert ids_by_record(second) == ids_by_record(first)
    assert second.events.height == 0
    assert second.events.schema == pl.Schema(EVENTS_SCHEMA)
    assert second.records["assigned_at"].to_list() == [T0] * 4
    assert (second.created, second.kept, second.merged, second.split) == (0, 3, 0, 0)


def test_new_record_joins_existing_id():
    prev = previous([("crm|1", "GOLD1", T0), ("erp|1", "GOLD1", T0)])
    result = assign_golden_ids(
        clusters({"c": ["crm|1", "erp|1", "ecommerce|7"]}), prev, "run-2", NOW
    )
    assert set(ids_by_record(result).values()) == {"GOLD1"}
    assert result.events.height == 0
    assigned = dict(result.records.select("record_key", "assigned_at").iter_rows())
    assert assigned == {"crm|1": T0, "erp|1": T0, "ecommerce|7": NOW}


def test_merge_keeps_oldest_id_and_emits_merged():
    prev = previous(
        [
            ("crm|1", "GNEWER", T1),
            ("crm|2", "GNEWER", T1),
            ("crm|3", "GNEWER", T2),
            ("erp|1", "GOLDEST", T0),
            ("ecommerce|1", "GMIDDLE", T1.replace(day=2)),
        ]
    )
    result = assign_golden_ids(
        clusters({"c": ["crm|1", "crm|2", "crm|3", "erp|1", "ecommerce|1"]}),
        prev,
        "run-2",
        NOW,
    )
    # The oldest id wins even though GNEWER holds most of the records.
    assert set(ids_by_record(result).values()) == {"GOLDEST"}
    assert events(result) == [("merged", "GOLDEST", ["GMIDDLE", "GNEWER"])]
    assert (result.kept, result.merged, result.created, result.split) == (1, 2, 0, 0)
    assigned = dict(result.records.select("record_key", "assigned_at").iter_rows())
    assert assigned["erp|1"] == T0
    assert assigned["crm|1"] == NOW


def test_split_keeps_id_on_larger_part_and_emits_split():
    prev = previous([(key, "GOLD1", T0) for key in ["crm|1", "crm|2", "erp|1", "erp|2", "erp|3"]])
    result = assign_golden_ids(
        clusters({"small": ["crm|1", "crm|2"], "large": ["erp|1", "erp|2", "erp|3"]}),
        prev,
        "run-2",
        NOW,
    )
    ids = ids_by_record(result)
    assert ids["erp|1"] == ids["erp|2"] == ids["erp|3"] == "GOLD1"
    new_id = ids["crm|1"]
    assert ids["crm|2"] == new_id != "GOLD1"
    assert new_id == golden_id_for("crm|1", "run-2")
    assert events(result) == [("split", new_id, ["GOLD1"])]
    assert (result.kept, result.split, result.created, result.merged) == (1, 1, 0, 0)


def test_split_tie_goes_to_part_with_smallest_record_key():
    prev = previous([(key, "GOLD1", T0) for key in ["crm|1", "crm|2", "erp|1", "erp|2"]])
    result = assign_golden_ids(
        clusters({"b": ["erp|1", "erp|2"], "a": ["crm|2", "crm|1"]}), prev, "run-2", NOW
    )
    assert ids_by_record(result)["crm|1"] == "GOLD1"
    assert ids_by_record(result)["erp|1"] != "GOLD1"


def test_split_and_merge_in_one_run():
    # A (old, 2 records) and B (newer, 5 records). New: {A's 2 + 3 of B}, {2 of B}.
    prev = previous(
        [("a|1", "GA", T0), ("a|2", "GA", T0)] + [(f"b|{i}", "GB", T1) for i in range(1, 6)]
    )
    result = assign_golden_ids(
        clusters({"x": ["a|1", "a|2", "b|1", "b|2", "b|3"], "y": ["b|4", "b|5"]}),
        prev,
        "run-2",
        NOW,
    )
    ids = ids_by_record(result)
    assert ids["a|1"] == ids["b|1"] == "GA"
    assert ids["b|4"] not in {"GA", "GB"}
    assert sorted(events(result)) == [("merged", "GA", ["GB"]), ("split", ids["b|4"], ["GB"])]


def test_minority_moving_to_another_surviving_id_emits_nothing():
    prev = previous([("a|1", "GA", T0), ("a|2", "GA", T0), ("a|3", "GA", T0), ("b|1", "GB", T1)])
    result = assign_golden_ids(
        clusters({"x": ["a|1", "a|2"], "y": ["a|3", "b|1"]}), prev, "run-2", NOW
    )
    ids = ids_by_record(result)
    assert ids == {"a|1": "GA", "a|2": "GA", "a|3": "GB", "b|1": "GB"}
    assert result.events.height == 0
    assigned = dict(result.records.select("record_key", "assigned_at").iter_rows())
    assert assigned == {"a|1": T0, "a|2": T0, "a|3": NOW, "b|1": T1}


def test_records_that_disappear_do_not_block_reuse():
    prev = previous([("crm|1", "GOLD1", T0), ("crm|gone", "GOLD1", T0)])
    result = assign_golden_ids(clusters({"c": ["crm|1"]}), prev, "run-2", NOW)
    assert ids_by_record(result) == {"crm|1": "GOLD1"}
    assert result.events.height == 0


def test_new_id_never_reuses_an_existing_id():
    taken = golden_id_for("crm|9", "run-2")
    prev = previous([("erp|1", taken, T0)])
    result = assign_golden_ids(clusters({"a": ["erp|1"], "b": ["crm|9"]}), prev, "run-2", NOW)
    ids = ids_by_record(result)
    assert ids["erp|1"] == taken
    assert ids["crm|9"] != taken
    assert ids["crm|9"].startswith("G") and len(ids["crm|9"]) == 17


def test_event_ids_are_deterministic_and_distinct():
    assert event_id_for("r1", "created", "G1") == event_id_for("r1", "created", "G1")
    assert event_id_for("r1", "created", "G1") != event_id_for("r2", "created", "G1")
    result = assign_golden_ids(clusters({"a": ["crm|1"], "b": ["crm|2"]}), None, "run-1", NOW)
    assert result.events["event_id"].n_unique() == 2
    assert set(result.events["actor"]) == {"pipeline"}
    assert set(result.events["run_id"]) == {"run-1"}


def test_duplicate_record_keys_are_rejected():
    with pytest.raises(ValueError):
        assign_golden_ids(clusters({"a": ["crm|1"], "b": ["crm|1"]}), None, "run-1", NOW)
