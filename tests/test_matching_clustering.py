"""matching.clustering: strong pairs link, weaker ones only attach a lone record, and
records that must not link never share a cluster."""

from __future__ import annotations

import polars as pl

from matching.clustering import build_clusters

NO_PAIRS = pl.DataFrame(
    schema={"record_key_l": pl.String, "record_key_r": pl.String, "match_probability": pl.Float64}
)
NO_CANNOT = pl.DataFrame(schema={"record_key_l": pl.String, "record_key_r": pl.String})


def pairs(*rows: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=NO_PAIRS.schema, orient="row")


def groups(clusters: pl.DataFrame) -> set[frozenset[str]]:
    grouped = clusters.group_by("cluster_id").agg(pl.col("record_key"))
    return {frozenset(keys) for keys in grouped["record_key"]}


def test_strong_pairs_link_transitively_and_weak_ones_attach_a_lone_record():
    clusters, used = build_clusters(
        ["a", "b", "c", "d", "e"],
        pairs(("a", "b", 0.99), ("b", "c", 0.95)),
        pairs(("d", "a", 0.6)),
        NO_CANNOT,
        margin=0.3,
    )
    assert groups(clusters) == {frozenset("abcd"), frozenset("e")}
    assert set(used.select("record_key_l", "record_key_r").rows()) == {
        ("a", "b"),
        ("b", "c"),
        ("d", "a"),
    }
    # cluster ids are the smallest record key of the cluster
    assert dict(clusters.rows())["d"] == "a"


def test_weak_pair_never_merges_two_clusters_of_several_records():
    clusters, _ = build_clusters(
        ["a", "b", "c", "d"],
        pairs(("a", "b", 0.99), ("c", "d", 0.99)),
        pairs(("b", "c", 0.8)),
        NO_CANNOT,
        margin=0.0,
    )
    assert groups(clusters) == {frozenset("ab"), frozenset("cd")}


def test_lone_record_between_two_clusters_stays_alone_without_a_clear_best():
    strong = pairs(("a", "b", 0.99), ("c", "d", 0.99))
    close = pairs(("e", "a", 0.6), ("e", "c", 0.5))
    clear = pairs(("e", "a", 0.8), ("e", "c", 0.35))
    alone, _ = build_clusters(list("abcde"), strong, close, NO_CANNOT, margin=0.3)
    joined, _ = build_clusters(list("abcde"), strong, clear, NO_CANNOT, margin=0.3)
    assert frozenset("e") in groups(alone)
    assert frozenset("abe") in groups(joined)


def test_cannot_link_records_never_share_a_cluster_even_through_others():
    cannot = pl.DataFrame({"record_key_l": ["a"], "record_key_r": ["c"]})
    clusters, used = build_clusters(
        ["a", "b", "c"],
        pairs(("a", "b", 0.99), ("b", "c", 0.97)),
        NO_PAIRS,
        cannot,
        margin=0.3,
    )
    assert groups(clusters) == {frozenset("ab"), frozenset("c")}
    assert used.select("record_key_l", "record_key_r").rows() == [("a", "b")]


def test_result_does_not_depend_on_row_order():
    strong = pairs(("a", "b", 0.95), ("c", "d", 0.95), ("b", "c", 0.91))
    weak = pairs(("e", "a", 0.5), ("f", "e", 0.45), ("f", "d", 0.4))
    first, _ = build_clusters(list("abcdef"), strong, weak, NO_CANNOT, margin=0.0)
    second, _ = build_clusters(
        list("fedcba"), strong.reverse(), weak.reverse(), NO_CANNOT, margin=0.0
    )
    assert first.sort("record_key").equals(second.sort("record_key"))
