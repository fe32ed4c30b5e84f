"""Matching: Splink links the party records; stable golden ids are assigned to the clusters."""

import dagster as dg

from matching import settings
from matching.pipeline import match_parties
from pipelines.resources import WarehouseResource

PARTY_RECORDS = dg.AssetKey(["staging", "int_party_records"])
CUSTOMER_XREF_BUILD = dg.AssetKey(["mdm_build", "customer_xref"])
IDENTITY_EVENTS_BUILD = dg.AssetKey(["mdm_build", "identity_events"])
MATCH_PAIRS_BUILD = dg.AssetKey(["mdm_build", "match_pairs"])
REVIEW_QUEUE_BUILD = dg.AssetKey(["mdm_build", "review_queue"])
# steward decisions (pipelines.defs.stewardship) apply from clustering on
MATCH_DECISIONS = dg.AssetKey(["stewardship", "match_decisions"])


class MatchingConfig(dg.Config):
    """Run configuration of the matching step."""

    retrain: bool = False
    """Train a new model version instead of scoring with the saved one
    (``mdm.match_models``); a model is always trained when none is saved."""
    requested_by: str = "pipeline"
    """Who asked for the retraining, kept with the new model version."""
    review_lower: float = settings.REVIEW_BAND[0]
    """Pairs with a match probability from here ..."""
    review_upper: float = settings.REVIEW_BAND[1]
    """... up to (not including) here go to the review queue."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CUSTOMER_XREF_BUILD,
            deps=[PARTY_RECORDS, MATCH_DECISIONS],
            description="Every current source record with the golden id of its cluster.",
            kinds={"splink", "duckdb"},
        ),
        dg.AssetSpec(
            IDENTITY_EVENTS_BUILD,
            deps=[PARTY_RECORDS, MATCH_DECISIONS],
            description="Golden ids created, merged or split by this run.",
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            MATCH_PAIRS_BUILD,
            deps=[PARTY_RECORDS, MATCH_DECISIONS],
            description="The scored record pairs the clusters were built from.",
            kinds={"splink", "duckdb"},
        ),
        dg.AssetSpec(
            REVIEW_QUEUE_BUILD,
            deps=[PARTY_RECORDS, MATCH_DECISIONS],
            description=(
                "Doubtful pairs for data stewards, most consequential first, with the "
                "waterfall of match weights that explains each score."
            ),
            kinds={"splink", "duckdb"},
        ),
    ],
    group_name="matching",
)
def matched_parties(
    context: dg.AssetExecutionContext, config: MatchingConfig, warehouse: WarehouseResource
):
    with warehouse.connection() as con:
        report = match_parties(
            con,
            context.run.run_id,
            truth_path=warehouse.truth_path,
            retrain=config.retrain,
            requested_by=config.requested_by,
            review_band=(config.review_lower, config.review_upper),
        )
        event_count = con.execute("select count(*) from mdm_build.identity_events").fetchone()[0]
    context.log.info(
        f"match model v{report.model_version} "
        + ("trained by this run" if report.model_trained else "loaded from mdm.match_models")
    )
    context.log.info(
        f"matched {report.records} records into {report.clusters} clusters "
        f"({report.pairs_scored} pairs scored, {report.pairs_above_threshold} above threshold); "
        f"golden ids: {report.golden_created} created, {report.golden_kept} kept, "
        f"{report.golden_merged} merged, {report.golden_split} split"
    )
    if report.metrics:
        context.log.info(
            "against ground truth: "
            + ", ".join(f"{k}={report.metrics[k]:.4f}" for k in ("precision", "recall", "f1"))
        )
    timing = {
        "seconds_train": report.seconds_train,
        "seconds_predict": report.seconds_predict,
        "seconds_cluster": report.seconds_cluster,
    }
    metrics = {f"truth_{k}": v for k, v in (report.metrics or {}).items()}
    yield dg.MaterializeResult(
        asset_key=CUSTOMER_XREF_BUILD,
        metadata={
            "dagster/row_count": report.records,
            "clusters": report.clusters,
            "pairs_scored": report.pairs_scored,
            "golden_created": report.golden_created,
            "golden_kept": report.golden_kept,
            "golden_merged": report.golden_merged,
            "golden_split": report.golden_split,
            "review_queue": report.review_queue,
            "model_version": report.model_version,
            "model_trained": report.model_trained,
            **timing,
            **metrics,
        },
    )
    yield dg.MaterializeResult(
        asset_key=IDENTITY_EVENTS_BUILD,
        metadata={"dagster/row_count": event_count},
    )
    yield dg.MaterializeResult(
        asset_key=MATCH_PAIRS_BUILD,
        metadata={"dagster/row_count": report.pairs_above_threshold},
    )
    yield dg.MaterializeResult(
        asset_key=REVIEW_QUEUE_BUILD,
        metadata={
            "dagster/row_count": report.review_queue,
            "review_band": f"[{config.review_lower}, {config.review_upper})",
            "seconds_review": report.seconds_review,
        },
    )
