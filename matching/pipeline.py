"""Entry point of matching: party records in, cross-reference and identity events out.

``match_parties`` reads ``staging.int_party_records``, links and dedupes every source
together with Splink on the same DuckDB connection, keeps golden ids stable against the
published ``mdm.customer_xref``, and replaces:

* ``mdm_build.customer_xref`` -- ``source_system, source_record_id, golden_id,
  match_probability, assigned_at, is_deleted``, one row per input record.
  ``match_probability`` is the highest probability among the record's pairs inside its
  cluster, 1.0 for a record alone in its cluster.
* ``mdm_build.identity_events`` -- this run's ``created``, ``merged`` and ``split``
  events (``related_golden_ids`` is a ``VARCHAR[]``; empty for ``created``).
* ``mdm_build.match_pairs`` -- ``record_key_l, record_key_r, match_probability,
  match_weight`` for the pairs the clusters were built from: every pair at or above
  ``settings.MATCH_THRESHOLD``, and the weaker pairs (at least
  ``settings.ATTACH_THRESHOLD``) by which a lone record joined a cluster.
* ``mdm_build.review_queue`` -- the doubtful pairs for data stewards, with the
  waterfall of their match weights (``matching.review``).

The four tables are written in one transaction; Splink's working tables are dropped
whatever happens.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from matching import settings
from matching.evaluation import pairwise_metrics, read_truth
from matching.golden_ids import EVENTS_SCHEMA, GoldenIdAssignment, assign_golden_ids
from matching.model import EDGES_TABLE, FEATURES_TABLE, MatchSession, count_rows
from matching.model_store import SavedModel, active_model, save_model
from matching.overrides import load_decisions
from matching.review import build_review_queue, empty_queue_sql
from warehouse import layout
from warehouse.layout import transaction

logger = logging.getLogger(__name__)

PAIRS_SCHEMA = {
    "record_key_l": pl.String,
    "record_key_r": pl.String,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
}


@dataclass
class MatchReport:
    """What one matching run did.

    ``golden_created``: clusters with no previously known record (new customers).
    ``golden_merged``: previous golden ids absorbed into an older one.
    ``golden_split``: new ids given to parts split off a previous golden id.
    ``golden_kept``: clusters that kept a previous golden id.
    ``seconds_train`` includes building the feature table; ``seconds_predict`` includes
    blocking.
    ``metrics``: pairwise ``precision, recall, f1`` and the pair counts, when a truth
    file was given.
    ``model_version``: the saved model (``mdm.match_models``) that scored the pairs;
    ``model_trained``: whether this run trained it.
    """

    records: int
    pairs_scored: int
    pairs_above_threshold: int
    clusters: int
    golden_created: int
    golden_merged: int
    golden_split: int
    golden_kept: int
    seconds_train: float
    seconds_predict: float
    seconds_cluster: float
    metrics: dict[str, float] | None
    model_version: int | None = None
    model_trained: bool = False
    review_queue: int = 0
    seconds_review: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """Plain dict, e.g. for Dagster metadata."""
        return asdict(self)


def match_parties(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    truth_path: Path | None = None,
    now: datetime | None = None,
    retrain: bool = False,
    requested_by: str = "pipeline",
    review_band: tuple[float, float] = settings.REVIEW_BAND,
) -> MatchReport:
    """Match every party record and write ``mdm_build.customer_xref``,
    ``mdm_build.identity_events`` and ``mdm_build.match_pairs``.

    Args:
        con: open read-write connection to the warehouse.
        run_id: the orchestrator's run id; goes into new golden ids and events.
        truth_path: optional CSV ``source_system, source_record_id, person_id``; when
            given and present, the report carries pairwise precision, recall and F1
            (a missing file is logged and skipped).
        now: assignment and event time (default: the current UTC time); aware
            datetimes are converted to naive UTC.
        retrain: train a new model version even though one is saved. Without it the
            active version of ``mdm.match_models`` scores the pairs, and a model is only
            trained (and saved as version 1) when none is saved yet.
        requested_by: who asked for the retraining (kept with the model version).
        review_band: ``(lower, upper)`` match probabilities of the pairs queued for
            review (``matching.review``).

    Raises:
        matching.model_store.ModelStructureChanged: the active saved model does not fit
            this code's comparisons or features, and ``retrain`` was not given.
    """
    schema, table = settings.INPUT_TABLE.split(".")
    if not layout.table_exists(con, schema, table):
        raise LookupError(f"{settings.INPUT_TABLE} does not exist; run the dbt staging first")
    layout.ensure_schemas(con)
    now = _naive_utc(now)

    with MatchSession(con) as session:
        session.prepare()
        model = None
        if session.records >= 2:
            model, trained = _train_or_load(session, con, retrain, run_id, requested_by, now)
            session.predict()
            clusters_table = session.cluster()
            clusters = con.sql(f"select record_key, cluster_id from {clusters_table}").pl()
            pairs_sql = f"select * from {EDGES_TABLE}"
        else:
            # Nothing to compare; Splink cannot train on fewer than two records.
            clusters = con.sql(
                f"select record_key, record_key as cluster_id from {FEATURES_TABLE}"
            ).pl()
            pairs_sql = None
            trained = False

        assignment = assign_golden_ids(clusters, load_previous_xref(con), run_id, now)
        started = time.perf_counter()
        if session.predictions is not None:
            must, cannot = load_decisions(con)
            queue = build_review_queue(
                session,
                session.predictions.physical_name,
                assignment.records,
                pl.concat([must, cannot]),
                band=review_band,
                run_id=run_id,
                model_version=model.model_version if model else None,
                now=now,
            )
            queue_sql = f"select * from {queue}"
        else:
            queue_sql = empty_queue_sql()
        seconds_review = time.perf_counter() - started
        pairs_above = _write_outputs(con, assignment, pairs_sql, queue_sql)
        queued = count_rows(con, f"{settings.OUTPUT_SCHEMA}.review_queue")

        report = MatchReport(
            records=session.records,
            pairs_scored=session.pairs_scored,
            pairs_above_threshold=pairs_above,
            clusters=int(clusters["cluster_id"].n_unique()),
            golden_created=assignment.created,
            golden_merged=assignment.merged,
            golden_split=assignment.split,
            golden_kept=assignment.kept,
            seconds_train=round(session.timings.features + session.timings.train, 3),
            seconds_predict=round(session.timings.predict, 3),
            seconds_cluster=round(session.timings.cluster, 3),
            metrics=None,
            model_version=model.model_version if model else None,
            model_trained=trained,
            review_queue=queued,
            seconds_review=round(seconds_review, 3),
        )

    if truth_path is not None and not Path(truth_path).is_file():
        logger.warning("no ground truth at %s; metrics skipped", truth_path)
    elif truth_path is not None:
        report.metrics = pairwise_metrics(
            assignment.records.select("record_key", pl.col("golden_id").alias("cluster_id")),
            read_truth(truth_path),
        )
    logger.info("matching run %s: %s", run_id, report)
    return report


def _train_or_load(
    session: MatchSession,
    con: duckdb.DuckDBPyConnection,
    retrain: bool,
    run_id: str,
    requested_by: str,
    now: datetime,
) -> tuple[SavedModel, bool]:
    """Load the active saved model into ``session``, or train and save a new version
    when none is saved or ``retrain`` is asked for. Returns the model and whether it was
    trained now."""
    saved = active_model(con)
    if saved is not None and not retrain:
        session.use_saved(saved)
        logger.info(
            "scoring with saved match model v%s (trained %s on %s records by %s)",
            saved.model_version,
            f"{saved.trained_at:%Y-%m-%d %H:%M}",
            f"{saved.records:,}",
            saved.trained_by,
        )
        if session.records > settings.RETRAIN_HINT_GROWTH * saved.records:
            logger.warning(
                "the input has grown from %s to %s records since match model v%s was "
                "trained; consider retraining (`mdm run --retrain`)",
                f"{saved.records:,}",
                f"{session.records:,}",
                saved.model_version,
            )
        return saved, False
    if saved is None:
        reason = "first run: no saved model"
    else:
        reason = f"retraining asked for (replaces v{saved.model_version})"
    session.train()
    model = save_model(
        con,
        session.model_json(),
        records=session.records,
        u_estimated=session.trained,
        structure=session.structure,
        run_id=run_id,
        trained_by=requested_by,
        reason=reason,
        trained_at=now,
    )
    logger.info(
        "trained match model v%s on %s records (%s)",
        model.model_version,
        f"{session.records:,}",
        reason,
    )
    return model, True


def load_previous_xref(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """``record_key, golden_id, assigned_at`` of the published cross-reference, if any."""
    schema, table = settings.PUBLISHED_XREF
    if not layout.table_exists(con, schema, table):
        return None
    return con.sql(
        f"""
        select
            source_system || '|' || source_record_id as record_key,
            golden_id,
            cast(assigned_at as timestamp) as assigned_at
        from {schema}.{table}
        """
    ).pl()


def _write_outputs(
    con: duckdb.DuckDBPyConnection,
    assignment: GoldenIdAssignment,
    pairs_sql: str | None,
    queue_sql: str,
) -> int:
    """Replace the four ``mdm_build`` tables in one transaction; return the pair count."""
    out = settings.OUTPUT_SCHEMA
    assigned = assignment.records
    events = assignment.events
    if events.height == 0:
        events = pl.DataFrame(schema=EVENTS_SCHEMA)
    empty_pairs = pl.DataFrame(schema=PAIRS_SCHEMA)
    con.register("__mdm_match_assigned", assigned)
    con.register("__mdm_match_events", events)
    con.register("__mdm_match_empty_pairs", empty_pairs)
    try:
        with transaction(con):
            con.execute(
                f"create or replace table {out}.match_pairs as "
                f"{pairs_sql or 'select * from __mdm_match_empty_pairs'}"
            )
            con.execute(f"create or replace table {out}.review_queue as {queue_sql}")
            con.execute(
                f"""
                create or replace table {out}.customer_xref as
                with edges as (
                    select record_key_l as record_key, match_probability
                    from {out}.match_pairs
                    union all
                    select record_key_r, match_probability from {out}.match_pairs
                ),
                confidence as (
                    select record_key, max(match_probability) as match_probability
                    from edges group by record_key
                )
                select
                    p.source_system,
                    p.source_record_id,
                    a.golden_id,
                    coalesce(c.match_probability, 1.0) as match_probability,
                    a.assigned_at,
                    coalesce(p.is_deleted, false) as is_deleted
                from {settings.INPUT_TABLE} as p
                join __mdm_match_assigned as a on a.record_key = p.record_key
                left join confidence as c on c.record_key = p.record_key
                order by p.source_system, p.source_record_id
                """
            )
            con.execute(
                f"""
                create or replace table {out}.identity_events as
                select
                    event_id,
                    occurred_at,
                    event_type,
                    golden_id,
                    cast(related_golden_ids as varchar[]) as related_golden_ids,
                    run_id,
                    actor
                from __mdm_match_events
                """
            )
    finally:
        for name in ("__mdm_match_assigned", "__mdm_match_events", "__mdm_match_empty_pairs"):
            con.unregister(name)
    return count_rows(con, f"{out}.match_pairs")


def _naive_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(UTC).replace(tzinfo=None)
    return now
