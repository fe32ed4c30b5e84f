"""Pairwise precision, recall and F1 of clusters against ground truth.

A pair of records is *predicted* when both sit in the same cluster and *true* when both
belong to the same real person. Pairs are counted from group sizes (``n * (n - 1) / 2``
per group, and per cluster-and-person intersection for true positives), never listed,
so this costs one group-by however large the clusters.

Only records present in both the clusters and the truth are evaluated. With no
predicted pairs precision is 1.0 (nothing claimed, nothing wrong); with no true pairs
recall is 1.0 (nothing to find).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

TRUTH_COLUMNS = ("source_system", "source_record_id", "person_id")


def read_truth(path: Path) -> pl.DataFrame:
    """The truth CSV (``source_system, source_record_id, person_id``) with ``record_key``.

    Every column is read as text so that ids keep their leading zeros.
    """
    truth = pl.read_csv(path, infer_schema=False)
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise ValueError(f"{path}: truth file lacks columns {missing}")
    return truth.select(
        (pl.col("source_system") + "|" + pl.col("source_record_id")).alias("record_key"),
        pl.col("person_id"),
    )


def _pairs(sizes: pl.Expr) -> pl.Expr:
    return (sizes * (sizes - 1) // 2).sum()


def pairwise_metrics(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Precision, recall, F1 and the pair counts behind them.

    Args:
        clusters: ``record_key, cluster_id`` (the golden id serves as well).
        truth: ``record_key, person_id``.

    Returns:
        ``precision, recall, f1, true_positive_pairs, predicted_pairs, true_pairs,
        records_evaluated``.
    """
    joined = clusters.select("record_key", "cluster_id").join(
        truth.select("record_key", "person_id"), on="record_key", how="inner"
    )
    predicted = joined.group_by("cluster_id").len().select(_pairs(pl.col("len"))).item()
    true = joined.group_by("person_id").len().select(_pairs(pl.col("len"))).item()
    both = joined.group_by(["cluster_id", "person_id"]).len().select(_pairs(pl.col("len"))).item()
    predicted, true, both = int(predicted or 0), int(true or 0), int(both or 0)
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positive_pairs": float(both),
        "predicted_pairs": float(predicted),
        "true_pairs": float(true),
        "records_evaluated": float(joined.height),
    }
