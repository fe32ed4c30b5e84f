"""Precision, recall and F1 of clusters against ground truth, pairwise and B-cubed.

*Pairwise*: a pair of records is *predicted* when both sit in the same cluster and
*true* when both belong to the same real person. Pairs are counted from group sizes
(``n * (n - 1) / 2`` per group, and per cluster-and-person intersection for true
positives), never listed, so this costs one group-by however large the clusters.
``source_pair_metrics`` splits the same counts by the source systems of the two records
(crm-ecommerce, social-social ...), to show which links a matcher misses or invents.

*B-cubed* (Bagga and Baldwin): per record, the share of its cluster that is the same
person (precision) and the share of its person that is in its cluster (recall),
averaged over records. Pairwise figures are dominated by large clusters (a cluster of
n records holds n^2/2 pairs); B-cubed weighs every record the same, so a wrongly merged
or split small customer counts as much as a large one.

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


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


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
    f1 = _f1(precision, recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positive_pairs": float(both),
        "predicted_pairs": float(predicted),
        "true_pairs": float(true),
        "records_evaluated": float(joined.height),
    }


def bcubed_metrics(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """B-cubed precision, recall and F1.

    For a record r in cluster C(r) of true person T(r): precision(r) = |C ∩ T| / |C|,
    recall(r) = |C ∩ T| / |T|; both are averaged over the evaluated records, and F1 is
    the harmonic mean of the two averages. Summed over the n_ct records of one
    cluster-and-person intersection these are n_ct^2 / n_c and n_ct^2 / n_t, so three
    group-bys compute them.

    Args:
        clusters: ``record_key, cluster_id``.
        truth: ``record_key, person_id``.

    Returns:
        ``precision, recall, f1, records_evaluated`` (all 1.0 and 0 records when no
        record is in both inputs).
    """
    joined = clusters.select("record_key", "cluster_id").join(
        truth.select("record_key", "person_id"), on="record_key", how="inner"
    )
    n = joined.height
    if n == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0, "records_evaluated": 0.0}
    sums = (
        joined.group_by("cluster_id", "person_id")
        .agg(n_ct=pl.len())
        .with_columns(
            n_c=pl.col("n_ct").sum().over("cluster_id"),
            n_t=pl.col("n_ct").sum().over("person_id"),
        )
        .select(
            precision=(pl.col("n_ct") ** 2 / pl.col("n_c")).sum() / n,
            recall=(pl.col("n_ct") ** 2 / pl.col("n_t")).sum() / n,
        )
        .row(0, named=True)
    )
    precision, recall = float(sums["precision"]), float(sums["recall"])
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "records_evaluated": float(n),
    }


def source_of(record_key: pl.Expr) -> pl.Expr:
    """The source system of a ``record_key`` (``source_system|source_record_id``)."""
    return record_key.str.split_exact("|", 1).struct.field("field_0")


def _pairs_by_source(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Pairs of records sharing ``keys``, per source pair ``source_l <= source_r``."""
    per = frame.group_by([*keys, "source"]).len()
    joined = per.join(per, on=keys, suffix="_r").filter(pl.col("source") <= pl.col("source_r"))
    return (
        joined.with_columns(
            pairs=pl.when(pl.col("source") == pl.col("source_r"))
            .then(pl.col("len") * (pl.col("len") - 1) // 2)
            .otherwise(pl.col("len") * pl.col("len_r"))
        )
        .group_by(pl.col("source").alias("source_l"), pl.col("source_r"))
        .agg(pl.col("pairs").sum())
    )


def source_pair_metrics(clusters: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Pairwise precision, recall and F1 per pair of source systems.

    A pair of records counts for (source_l, source_r), the two sources in alphabetical
    order; a duplicate inside one source counts for (s, s). Counted from group sizes like
    ``pairwise_metrics``, whose totals these rows add up to.

    Args:
        clusters: ``record_key, cluster_id``, with ``record_key`` =
            ``source_system|source_record_id``.
        truth: ``record_key, person_id``.

    Returns:
        One row per source pair with any true or predicted pair: ``source_l, source_r,
        true_pairs, predicted_pairs, true_positive_pairs, precision, recall, f1``, most
        true pairs first.
    """
    frame = (
        clusters.select("record_key", "cluster_id")
        .join(truth.select("record_key", "person_id"), on="record_key", how="inner")
        .with_columns(source=source_of(pl.col("record_key")))
    )
    keys = ["source_l", "source_r"]
    true = _pairs_by_source(frame, ["person_id"]).rename({"pairs": "true_pairs"})
    predicted = _pairs_by_source(frame, ["cluster_id"]).rename({"pairs": "predicted_pairs"})
    both = _pairs_by_source(frame, ["cluster_id", "person_id"]).rename(
        {"pairs": "true_positive_pairs"}
    )
    table = (
        true.join(predicted, on=keys, how="full", coalesce=True)
        .join(both, on=keys, how="full", coalesce=True)
        .with_columns(pl.col("true_pairs", "predicted_pairs", "true_positive_pairs").fill_null(0))
        .filter((pl.col("true_pairs") > 0) | (pl.col("predicted_pairs") > 0))
    )
    precision = (
        pl.when(pl.col("predicted_pairs") > 0)
        .then(pl.col("true_positive_pairs") / pl.col("predicted_pairs"))
        .otherwise(1.0)
    )
    recall = (
        pl.when(pl.col("true_pairs") > 0)
        .then(pl.col("true_positive_pairs") / pl.col("true_pairs"))
        .otherwise(1.0)
    )
    return (
        table.with_columns(precision=precision, recall=recall)
        .with_columns(
            f1=pl.when(pl.col("precision") + pl.col("recall") > 0)
            .then(
                2
                * pl.col("precision")
                * pl.col("recall")
                / (pl.col("precision") + pl.col("recall"))
            )
            .otherwise(0.0)
        )
        .sort(["true_pairs", "source_l", "source_r"], descending=[True, False, False])
        .select(
            "source_l",
            "source_r",
            "true_pairs",
            "predicted_pairs",
            "true_positive_pairs",
            "precision",
            "recall",
            "f1",
        )
    )
