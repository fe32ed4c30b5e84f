"""Stewardship: the decisions data stewards made in the console, brought into the run."""

import dagster as dg

from matching.overrides import ensure_decisions_table
from pipelines.resources import WarehouseResource
from warehouse.audit_trail import copy_service_log
from warehouse.pins import ensure_pins_table
from warehouse.stewardship import import_decisions

ATTRIBUTE_PINS = dg.AssetKey(["stewardship", "attribute_pins"])
MATCH_DECISIONS = dg.AssetKey(["stewardship", "match_decisions"])
SERVICE_LOG = dg.AssetKey(["audit", "service_log"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            MATCH_DECISIONS,
            description=(
                "Steward must-link / cannot-link decisions (`mdm.match_decisions`), with the "
                "console's pending decisions imported from the service store. Matching "
                "applies them after prediction and before clustering."
            ),
            kinds={"duckdb", "sqlite"},
        ),
        dg.AssetSpec(
            ATTRIBUTE_PINS,
            description=(
                "Attribute values stewards pinned (`mdm.attribute_pins`), with the console's "
                "pending pins imported; survivorship never overrides them."
            ),
            kinds={"duckdb", "sqlite"},
        ),
        dg.AssetSpec(
            SERVICE_LOG,
            description=(
                "The service's audit log (reads of personal data, console views, steward "
                "decisions, key changes) copied into `audit.service_log`; 180 days kept."
            ),
            kinds={"duckdb", "sqlite"},
        ),
    ],
    group_name="stewardship",
)
def steward_decisions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Imports what stewards decided since the last run; decisions made while this run
    goes on stay pending in the service store for the next one."""
    with warehouse.connection() as con:
        ensure_decisions_table(con)
        ensure_pins_table(con)
        report = import_decisions(con, warehouse.service_db, context.run.run_id)
        audited = copy_service_log(con, warehouse.service_db)
        audit_rows = con.execute("select count(*) from audit.service_log").fetchone()[0]
        counts = {
            table: con.execute(f"select count(*) from mdm.{table}").fetchone()[0]
            for table in ("match_decisions", "attribute_pins")
        }
    if report.decisions:
        context.log.info(
            f"imported {report.decisions} steward decisions from the console "
            f"({', '.join(f'{n} {a}' for a, n in sorted(report.by_action.items()))}): "
            f"{report.match_decisions} match decisions, {report.pins} pins"
        )
    else:
        context.log.info("no pending steward decisions in the service store")
    yield dg.MaterializeResult(
        asset_key=MATCH_DECISIONS,
        metadata={
            "dagster/row_count": counts["match_decisions"],
            "imported_this_run": report.match_decisions,
        },
    )
    yield dg.MaterializeResult(
        asset_key=ATTRIBUTE_PINS,
        metadata={"dagster/row_count": counts["attribute_pins"], "imported_this_run": report.pins},
    )
    yield dg.MaterializeResult(
        asset_key=SERVICE_LOG,
        metadata={"dagster/row_count": audit_rows, "copied_this_run": audited},
    )
