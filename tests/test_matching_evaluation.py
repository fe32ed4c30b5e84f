"""Pairwise precision, recall and F1 against ground truth, on hand-computed examples."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.evaluation import pairwise_metrics, read_truth


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
