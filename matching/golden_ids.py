"""Stable golden ids: map this run's clusters onto the ids customers already have.

Splink's cluster ids change whenever a cluster changes; golden ids are a promise that
they do not. Given this run's clusters (``record_key -> cluster_id``) and the previously
published cross-reference (``record_key -> golden_id, assigned_at``):

* **Largest overlap wins.** Each previous golden id has one *home* among the new
  clusters: the cluster holding most of its records (ties: the cluster holding the
  smallest of its record keys). Only its home may keep it.
* **Split.** The records of a previous id that land outside its home form clusters
  of their own; such a cluster gets a new id and a ``split`` event on that new id
  with ``related_golden_ids`` = the previous id(s) it came from.
* **Merge.** A cluster that is home to several previous ids keeps the *oldest* and
  emits one ``merged`` event on it with ``related_golden_ids`` = the absorbed ids.
  Oldest = earliest ``min(assigned_at)`` over the id's records in the previous
  cross-reference (``assigned_at`` is kept while a record's id does not change, so
  this is when the id was first given); ties go to the smaller id.
* **Create.** A cluster with no previously known record gets a new id and a
  ``created`` event.

A record keeps its previous ``assigned_at`` when its golden id is unchanged; otherwise
it gets ``now``. Re-running on the same clusters keeps every id and emits nothing. A
minority of an id's records that joins a cluster keeping another surviving id simply
moves (new ``golden_id`` and ``assigned_at`` in the cross-reference, no event): both ids
live on, so nothing was created, merged or split at the customer level.

New ids are ``"G"`` + the first 16 hex digits of SHA-256 of ``run_id`` and the
cluster's smallest record key: readable, deterministic for a given run, and checked
against every previous id (a clash, vanishingly rare at 64 bits, re-hashes with a
counter).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

import polars as pl

ACTOR = "pipeline"
GOLDEN_ID_PREFIX = "G"
GOLDEN_ID_HEX_DIGITS = 16
# Fixed namespace so that event ids are the same when a run is replayed.
EVENT_NAMESPACE = uuid.UUID("5b0c9d1e-3f51-4c8e-9a57-6d0f1f0c2a11")

CLUSTERS_SCHEMA = {"record_key": pl.String, "cluster_id": pl.String}
PREVIOUS_SCHEMA = {
    "record_key": pl.String,
    "golden_id": pl.String,
    "assigned_at": pl.Datetime("us"),
}
ASSIGNMENT_SCHEMA = {
    "record_key": pl.String,
    "golden_id": pl.String,
    "assigned_at": pl.Datetime("us"),
}
EVENTS_SCHEMA = {
    "event_id": pl.String,
    "occurred_at": pl.Datetime("us"),
    "event_type": pl.String,
    "golden_id": pl.String,
    "related_golden_ids": pl.List(pl.String),
    "run_id": pl.String,
    "actor": pl.String,
}


@dataclass(frozen=True)
class GoldenIdAssignment:
    """Outcome of one run's id assignment.

    ``records``: one row per clustered record (``record_key, golden_id, assigned_at``).
    ``events``: this run's identity events (``EVENTS_SCHEMA``).
    Counts: ``created`` new customers, ``split`` new ids split off an existing one,
    ``merged`` previous ids absorbed into an older one, ``kept`` clusters that kept an
    existing id.
    """

    records: pl.DataFrame
    events: pl.DataFrame
    created: int
    merged: int
    split: int
    kept: int


def golden_id_for(smallest_record_key: str, run_id: str, attempt: int = 0) -> str:
    """The new golden id of a cluster first seen in ``run_id``."""
    seed = f"{run_id}|{smallest_record_key}" + (f"|{attempt}" if attempt else "")
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return GOLDEN_ID_PREFIX + digest[:GOLDEN_ID_HEX_DIGITS].upper()


def event_id_for(run_id: str, event_type: str, golden_id: str) -> str:
    """A deterministic event id (UUID text, version 5 layout over SHA-256): replaying a
    run produces the same ids."""
    seed = f"{EVENT_NAMESPACE}|{run_id}|{event_type}|{golden_id}".encode()
    digest = bytearray(hashlib.sha256(seed).digest()[:16])
    # uuid.uuid5 would cost ~10x more per call; a million events per first run matter.
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def assign_golden_ids(
    clusters: pl.DataFrame,
    previous: pl.DataFrame | None,
    run_id: str,
    now: datetime,
) -> GoldenIdAssignment:
    """Give every cluster a golden id, reusing previous ids as described in the module.

    Args:
        clusters: ``record_key, cluster_id``, one row per record of this run.
        previous: ``record_key, golden_id, assigned_at`` from the published
            cross-reference, or None on the first run. Records no longer present
            still count for the age of their id.
        run_id: this run, used in new ids and events.
        now: timestamp for new assignments and events (naive UTC).
    """
    current = clusters.select(
        pl.col("record_key").cast(pl.String), pl.col("cluster_id").cast(pl.String)
    )
    if current["record_key"].is_duplicated().any():
        raise ValueError("clusters must hold each record_key once")
    prev = _previous_frame(previous)

    id_age = (
        prev.group_by("golden_id")
        .agg(pl.col("assigned_at").min().alias("first_assigned_at"))
        .sort(["first_assigned_at", "golden_id"], nulls_last=True)
        .with_row_index("age_rank")
    )

    joined = current.join(prev, on="record_key", how="left")
    overlap = (
        joined.filter(pl.col("golden_id").is_not_null())
        .group_by(["cluster_id", "golden_id"])
        .agg(pl.len().alias("overlap"), pl.col("record_key").min().alias("min_key"))
    )
    # The cluster holding most of each previous id's records is the only one that may
    # keep it.
    homes = (
        overlap.sort(["golden_id", "overlap", "min_key"], descending=[False, True, False])
        .group_by("golden_id", maintain_order=True)
        .first()
        .select("golden_id", pl.col("cluster_id").alias("home_cluster"))
        .join(id_age.select("golden_id", "age_rank"), on="golden_id", how="left")
    )
    # Among the ids a cluster is home to, the oldest stays and the rest merge into it.
    per_home = (
        homes.sort("age_rank")
        .group_by("home_cluster", maintain_order=True)
        .agg(
            pl.col("golden_id").first().alias("kept_id"),
            pl.col("golden_id").slice(1).sort().alias("absorbed_ids"),
        )
        .rename({"home_cluster": "cluster_id"})
    )
    sources = overlap.group_by("cluster_id").agg(
        pl.col("golden_id").unique().sort().alias("previous_ids")
    )
    cluster_table = (
        current.group_by("cluster_id")
        .agg(pl.col("record_key").min().alias("min_key"))
        .join(per_home, on="cluster_id", how="left")
        .join(sources, on="cluster_id", how="left")
        .sort("min_key")
    )
    cluster_table = _with_new_ids(cluster_table, set(prev["golden_id"].to_list()), run_id)

    records = (
        current.join(cluster_table.select("cluster_id", "golden_id"), on="cluster_id")
        .join(
            prev.select(
                "record_key",
                pl.col("golden_id").alias("previous_golden_id"),
                pl.col("assigned_at").alias("previous_assigned_at"),
            ),
            on="record_key",
            how="left",
        )
        .select(
            "record_key",
            "golden_id",
            pl.when(pl.col("previous_golden_id") == pl.col("golden_id"))
            .then(pl.col("previous_assigned_at"))
            .otherwise(pl.lit(now, dtype=pl.Datetime("us")))
            .alias("assigned_at"),
        )
        .sort("record_key")
    )

    events = _events(cluster_table, run_id, now)
    kept = cluster_table.filter(pl.col("kept_id").is_not_null())
    fresh = cluster_table.filter(pl.col("kept_id").is_null())
    return GoldenIdAssignment(
        records=records,
        events=events,
        created=fresh.filter(pl.col("previous_ids").is_null()).height,
        split=fresh.filter(pl.col("previous_ids").is_not_null()).height,
        merged=int(kept["absorbed_ids"].list.len().sum() or 0),
        kept=kept.height,
    )


def _previous_frame(previous: pl.DataFrame | None) -> pl.DataFrame:
    if previous is None:
        return pl.DataFrame(schema=PREVIOUS_SCHEMA)
    return previous.select(
        pl.col("record_key").cast(pl.String),
        pl.col("golden_id").cast(pl.String),
        pl.col("assigned_at").cast(pl.Datetime("us")),
    ).filter(pl.col("golden_id").is_not_null())


def _with_new_ids(cluster_table: pl.DataFrame, taken: set[str], run_id: str) -> pl.DataFrame:
    """Fill ``golden_id``: the kept id, or a new one that clashes with no other id."""
    needs_new = cluster_table["kept_id"].is_null().to_list()
    min_keys = cluster_table["min_key"].to_list()
    kept_ids = cluster_table["kept_id"].to_list()
    used = set(taken) | {k for k in kept_ids if k is not None}
    golden_ids: list[str] = []
    for min_key, kept_id, new in zip(min_keys, kept_ids, needs_new, strict=True):
        if not new:
            golden_ids.append(kept_id)
            continue
        attempt = 0
        candidate = golden_id_for(min_key, run_id)
        while candidate in used:
            attempt += 1
            candidate = golden_id_for(min_key, run_id, attempt)
        used.add(candidate)
        golden_ids.append(candidate)
    return cluster_table.with_columns(pl.Series("golden_id", golden_ids, dtype=pl.String))


def _events(cluster_table: pl.DataFrame, run_id: str, now: datetime) -> pl.DataFrame:
    fresh = cluster_table.filter(pl.col("kept_id").is_null())
    merges = cluster_table.filter(
        pl.col("kept_id").is_not_null() & (pl.col("absorbed_ids").list.len() > 0)
    )
    parts = [
        fresh.select(
            pl.when(pl.col("previous_ids").is_null())
            .then(pl.lit("created"))
            .otherwise(pl.lit("split"))
            .alias("event_type"),
            "golden_id",
            pl.col("previous_ids")
            .fill_null(pl.lit([], dtype=pl.List(pl.String)))
            .alias("related_golden_ids"),
        ),
        merges.select(
            pl.lit("merged").alias("event_type"),
            "golden_id",
            pl.col("absorbed_ids").alias("related_golden_ids"),
        ),
    ]
    events = pl.concat(parts).sort(["event_type", "golden_id"])
    event_ids = [
        event_id_for(run_id, event_type, golden_id)
        for event_type, golden_id in zip(
            events["event_type"].to_list(), events["golden_id"].to_list(), strict=True
        )
    ]
    return events.select(
        pl.Series("event_id", event_ids, dtype=pl.String),
        pl.lit(now, dtype=pl.Datetime("us")).alias("occurred_at"),
        "event_type",
        "golden_id",
        pl.col("related_golden_ids").cast(pl.List(pl.String)),
        pl.lit(run_id, dtype=pl.String).alias("run_id"),
        pl.lit(ACTOR, dtype=pl.String).alias("actor"),
    )
