"""Clusters from scored pairs: strong pairs link freely, weaker ones only attach a lone
record, and records that contradict each other never share a cluster.

1. Pairs at or above the match threshold are taken strongest first (ties by record key)
   and join their two clusters, unless the merged cluster would hold two records that
   must not link (``cannot_link``: e.g. both have a birth date and they differ).
2. A record still alone then joins the cluster its weaker pairs point to, when that
   cluster is the clear best: its best pair beats the best pair into any other cluster
   by ``margin`` (and no cannot-link pair forbids it). Records go strongest pair first.
   A weaker pair never merges two clusters of several records: one doubtful pair must
   not merge two customers wholesale.

Steward decisions (``matching.overrides``) come first: their cannot-links hold against
everything, their must-links are merged before any model pair, and a model cannot-link
(such as differing birth dates) does not undo a steward's must-link.

Cluster ids are the smallest record key of each cluster (golden ids are assigned
elsewhere and do not depend on them).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

PAIR_COLUMNS = ("record_key_l", "record_key_r", "match_probability")


class _Clusters:
    """Union-find over record keys with, per cluster, its members and the records it
    must not hold."""

    def __init__(self, records: Iterable[str], cannot_link: Iterable[tuple[str, str]]) -> None:
        self.parent: dict[str, str] = {r: r for r in records}
        self.members: dict[str, set[str]] = {r: {r} for r in self.parent}
        self.forbidden: dict[str, set[str]] = {}
        for left, right in cannot_link:
            self.forbidden.setdefault(left, set()).add(right)
            self.forbidden.setdefault(right, set()).add(left)

    def find(self, record: str) -> str:
        root = record
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[record] != root:
            self.parent[record], record = root, self.parent[record]
        return root

    def size(self, record: str) -> int:
        return len(self.members[self.find(record)])

    def can_merge(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        forbidden_a = self.forbidden.get(ra)
        forbidden_b = self.forbidden.get(rb)
        if forbidden_a and not forbidden_a.isdisjoint(self.members[rb]):
            return False
        return not (forbidden_b and not forbidden_b.isdisjoint(self.members[ra]))

    def forbid(self, a: str, b: str) -> None:
        """Keep ``a`` and ``b`` apart from now on (no effect when already together)."""
        if a not in self.parent or b not in self.parent:
            return
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.forbidden.setdefault(ra, set()).add(b)
            self.forbidden.setdefault(rb, set()).add(a)

    def merge(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        moved = self.forbidden.pop(rb, None)
        if moved:
            self.forbidden.setdefault(ra, set()).update(moved)


def _sorted_pairs(pairs: pl.DataFrame) -> list[tuple[str, str, float]]:
    ordered = pairs.select(PAIR_COLUMNS).sort(
        ["match_probability", "record_key_l", "record_key_r"],
        descending=[True, False, False],
    )
    return list(ordered.iter_rows())


def build_clusters(
    records: Iterable[str],
    strong: pl.DataFrame,
    weak: pl.DataFrame,
    cannot_link: pl.DataFrame,
    margin: float,
    steward_must_link: pl.DataFrame | None = None,
    steward_cannot_link: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clusters of ``records``.

    Args:
        records: every record key.
        strong: ``record_key_l, record_key_r, match_probability`` at or above the match
            threshold.
        weak: the same for the pairs below it that may attach a lone record.
        cannot_link: ``record_key_l, record_key_r`` that must not share a cluster.
        margin: how much the best cluster's pair must beat the second best's.
        steward_must_link: ``record_key_l, record_key_r`` a steward joined.
        steward_cannot_link: ``record_key_l, record_key_r`` a steward kept apart.

    Returns:
        ``record_key, cluster_id`` for every record, and the pairs the clusters were built
        from (``record_key_l, record_key_r`` as given, and ``by_steward``).
    """
    records = list(records)
    known = set(records)
    stewards_apart = _known_pairs(steward_cannot_link, known)
    clusters = _Clusters(records, stewards_apart)
    used: list[tuple[str, str, bool]] = []
    for left, right in sorted(_known_pairs(steward_must_link, known)):
        if clusters.can_merge(left, right):
            clusters.merge(left, right)
            used.append((left, right, True))
    for left, right in cannot_link.select("record_key_l", "record_key_r").iter_rows():
        clusters.forbid(left, right)
    for left, right, _ in _sorted_pairs(strong):
        if clusters.can_merge(left, right):
            clusters.merge(left, right)
            used.append((left, right, False))

    # lone records: their best weaker pair into each other record, strongest first
    options: dict[str, list[tuple[float, str, str, str]]] = {}
    for left, right, probability in _sorted_pairs(weak):
        for lone, other in ((left, right), (right, left)):
            if clusters.size(lone) == 1:
                options.setdefault(lone, []).append((probability, other, left, right))
    order = sorted(options, key=lambda r: (-options[r][0][0], r))
    for lone in order:
        if clusters.size(lone) != 1:
            continue  # another record has joined it
        best_per_cluster: dict[str, tuple[float, str, str, str]] = {}
        for option in options[lone]:
            target = clusters.find(option[1])
            if target != clusters.find(lone) and target not in best_per_cluster:
                best_per_cluster[target] = option  # options are strongest first
        if not best_per_cluster:
            continue
        ranked = sorted(best_per_cluster.values(), key=lambda o: (-o[0], o[1]))
        best = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0.0
        if best[0] - second < margin or not clusters.can_merge(lone, best[1]):
            continue
        clusters.merge(lone, best[1])
        used.append((best[2], best[3], False))

    cluster_ids = {root: min(members) for root, members in clusters.members.items()}
    keys = list(clusters.parent)
    result = pl.DataFrame(
        {"record_key": keys, "cluster_id": [cluster_ids[clusters.find(k)] for k in keys]},
        schema={"record_key": pl.String, "cluster_id": pl.String},
    )
    edges = pl.DataFrame(
        used,
        schema={"record_key_l": pl.String, "record_key_r": pl.String, "by_steward": pl.Boolean},
        orient="row",
    )
    return result, edges


def _known_pairs(pairs: pl.DataFrame | None, known: set[str]) -> list[tuple[str, str]]:
    """Decision pairs whose records are both among this run's records."""
    if pairs is None:
        return []
    return [
        (left, right)
        for left, right in pairs.select("record_key_l", "record_key_r").iter_rows()
        if left in known and right in known
    ]
