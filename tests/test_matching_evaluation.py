"""Pairwise and B-cubed precision, recall and F1 against ground truth, overall and per
source pair, on hand-computed examples."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.evaluation import (
    bcubed_metrics,
    pairwise_metrics,
    read_truth,
    source_pair_metrics,
)


def frame(rows: list[tuple[str, str]], second: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["record_key", second], orient="row")


def test_pairwise_metrics_hand_computed():
    # Truth: P1 = a1 a2 a3, P2 = b1 b2, P3 = c1  -> true pairs 3 + 1 + 0 = 4
    truth = frame(
        [("a1", "P1"), ("a2", "P1"), ("a3", "P1"), ("b1", "P2"), ("b2", "P2"), ("c1", "P3")],
        "person_id",
    )
    # Clusters: K1 = a1 a2 a3 b1, K2 = b2, K3 = c1  -> predicted pairs 6 + 0 + 0 = 6
    # True positives: a1-a2, a1-a3, a2-a3 = 3
    clusters = frame(
        [("a1", "K1"), ("a2", "K1"), ("a3", "K1"), ("b1", "K1"), ("b2", "K2"), ("c1", "K3")],
        "cluster_id",
    )
    metrics = pairwise_metrics(clusters, truth)
    assert metrics["predicted_pairs"] == 6
    assert metrics["true_pairs"] == 4
    assert metrics["true_positive_pairs"] == 3
    assert metrics["precision"] == pytest.approx(0.5)
    assert metrics["recall"] == pytest.approx(0.75)
    assert metrics["f1"] == pytest.approx(0.6)
    assert metrics["records_evaluated"] == 6


def test_records_missing_from_either_side_are_ignored():
    truth = frame([("a1", "P1"), ("a2", "P1"), ("z9", "P9")], "person_id")
    clusters = frame([("a1", "K1"), ("a2", "K1"), ("x1", "K1")], "cluster_id")
    metrics = pairwise_metrics(clusters, truth)
    assert (metrics["precision"], metrics["recall"], metrics["f1"]) == (1.0, 1.0, 1.0)
    assert metrics["records_evaluated"] == 2


def test_all_singletons_against_true_pairs_give_zero_recall():
    truth = frame([("a1", "P1"), ("a2", "P1")], "person_id")
    clusters = frame([("a1", "K1"), ("a2", "K2")], "cluster_id")
    metrics = pairwise_metrics(clusters, truth)
    assert metrics["precision"] == 1.0  # nothing claimed
    assert metrics["recall"] == 0.0
    assert metrics["f1"] == 0.0


def test_read_truth_keeps_leading_zeros(tmp_path: Path):
    path = tmp_path / "records.csv"
    path.write_text(
        "source_system,source_record_id,person_id\nerp,0000012345,P1\necommerce,7001,P1\n",
        encoding="utf-8",
    )
    truth = read_truth(path)
    assert truth["record_key"].to_list() == ["erp|0000012345", "ecommerce|7001"]
    assert truth["person_id"].to_list() == ["P1", "P1"]


def test_read_truth_rejects_wrong_columns(tmp_path: Path):
    path = tmp_path / "records.csv"
    path.write_text("system,id,person\nerp,1,P1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        read_truth(path)


# --- B-cubed -----------------------------------------------------------------------------


def test_bcubed_metrics_hand_computed():
    # Truth: P1 = a1 a2 a3, P2 = b1 b2, P3 = c1; clusters K1 = a1 a2 a3 b1, K2 = b2, K3 = c1
    truth = frame(
        [("a1", "P1"), ("a2", "P1"), ("a3", "P1"), ("b1", "P2"), ("b2", "P2"), ("c1", "P3")],
        "person_id",
    )
    clusters = frame(
        [("a1", "K1"), ("a2", "K1"), ("a3", "K1"), ("b1", "K1"), ("b2", "K2"), ("c1", "K3")],
        "cluster_id",
    )
    metrics = bcubed_metrics(clusters, truth)
    # precision per record: a1..a3 3/4, b1 1/4, b2 1, c1 1 -> 4.5 / 6
    assert metrics["precision"] == pytest.approx(0.75)
    # recall per record: a1..a3 1, b1 1/2, b2 1/2, c1 1 -> 5 / 6
    assert metrics["recall"] == pytest.approx(5 / 6)
    assert metrics["f1"] == pytest.approx(15 / 19)  # 2 * 3/4 * 5/6 / (3/4 + 5/6)
    assert metrics["records_evaluated"] == 6


def test_bcubed_singletons_and_one_big_cluster():
    truth = frame([("a1", "P1"), ("a2", "P1"), ("b1", "P2")], "person_id")
    alone = frame([("a1", "K1"), ("a2", "K2"), ("b1", "K3")], "cluster_id")
    metrics = bcubed_metrics(alone, truth)
    assert metrics["precision"] == 1.0
    assert metrics["recall"] == pytest.approx((1 / 2 + 1 / 2 + 1) / 3)
    together = frame([("a1", "K"), ("a2", "K"), ("b1", "K")], "cluster_id")
    metrics = bcubed_metrics(together, truth)
    assert metrics["precision"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert metrics["recall"] == 1.0


def test_bcubed_perfect_clustering_ignoring_records_missing_from_either_side():
    truth = frame([("a1", "P1"), ("a2", "P1"), ("b1", "P2"), ("z9", "P9")], "person_id")
    clusters = frame([("a1", "K1"), ("a2", "K1"), ("b1", "K2"), ("x1", "K1")], "cluster_id")
    metrics = bcubed_metrics(clusters, truth)
    assert (metrics["precision"], metrics["recall"], metrics["f1"]) == (1.0, 1.0, 1.0)
    assert metrics["records_evaluated"] == 3


# --- per source pair ---------------------------------------------------------------------


def test_source_pair_metrics_hand_computed():
    # P1 is in crm, the shop and on WeChat; P2 has a duplicate CRM contact; P3 is on X.
    truth = frame(
        [
            ("crm|1", "P1"),
            ("ecommerce|1", "P1"),
            ("social|wechat:1", "P1"),
            ("crm|2", "P2"),
            ("crm|3", "P2"),
            ("social|x:9", "P3"),
        ],
        "person_id",
    )
    # The WeChat profile is missed; P3's profile is merged into P2's cluster.
    clusters = frame(
        [
            ("crm|1", "K1"),
            ("ecommerce|1", "K1"),
            ("social|wechat:1", "K2"),
            ("crm|2", "K3"),
            ("crm|3", "K3"),
            ("social|x:9", "K3"),
        ],
        "cluster_id",
    )
    table = source_pair_metrics(clusters, truth)
    rows = {(r["source_l"], r["source_r"]): r for r in table.iter_rows(named=True)}
    assert list(rows) == [
        ("crm", "crm"),
        ("crm", "ecommerce"),
        ("crm", "social"),
        ("ecommerce", "social"),
    ]
    counts = {
        k: (r["true_pairs"], r["predicted_pairs"], r["true_positive_pairs"])
        for k, r in rows.items()
    }
    assert counts == {
        ("crm", "crm"): (1, 1, 1),  # the duplicate contact, found
        ("crm", "ecommerce"): (1, 1, 1),
        ("crm", "social"): (1, 2, 0),  # crm|1-wechat missed; crm|2, crm|3 - x:9 wrong
        ("ecommerce", "social"): (1, 0, 0),  # missed, nothing claimed
    }
    assert (rows[("crm", "crm")]["precision"], rows[("crm", "crm")]["f1"]) == (1.0, 1.0)
    assert (rows[("crm", "social")]["precision"], rows[("crm", "social")]["recall"]) == (0.0, 0.0)
    missed = rows[("ecommerce", "social")]
    assert (missed["precision"], missed["recall"], missed["f1"]) == (1.0, 0.0, 0.0)
    # the rows add up to the overall pairwise counts
    overall = pairwise_metrics(clusters, truth)
    assert table["true_pairs"].sum() == overall["true_pairs"] == 4
    assert table["predicted_pairs"].sum() == overall["predicted_pairs"] == 4
    assert table["true_positive_pairs"].sum() == overall["true_positive_pairs"] == 2
