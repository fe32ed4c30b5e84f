"""Publication: the contract tables readers use, swapped in atomically after the gates."""

import dagster as dg

from pipelines.resources import WarehouseResource
from warehouse.publish import APPENDED_TABLES, PUBLISHED_TABLES, REPLACED_TABLES, publish
from warehouse.serving import export_snapshot

_BUILD_DEPS = [dg.AssetKey(build.split(".")) for build, _ in REPLACED_TABLES + APPENDED_TABLES]

PUBLISHED_KEYS = [dg.AssetKey(published.split(".")) for published in PUBLISHED_TABLES]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            deps=_BUILD_DEPS,
            description=f"Published `{'.'.join(key.path)}` (output contract).",
            kinds={"duckdb"},
        )
        for key in PUBLISHED_KEYS
    ],
    group_name="published",
)
def published_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Runs only when every blocking check upstream has passed."""
    with warehouse.connection() as con:
        report = publish(con, context.run.run_id)
        # readers (`mdm serve`) open a copy, so they never hold the warehouse file
        snapshot = export_snapshot(con, context.run.run_id)
    context.log.info(f"serving snapshot {snapshot.name}")
    context.log.info(
        "published: " + ", ".join(f"{name}={count}" for name, count in report.row_counts.items())
    )
    for key in PUBLISHED_KEYS:
        name = ".".join(key.path)
        yield dg.MaterializeResult(
            asset_key=key, metadata={"dagster/row_count": report.row_counts[name]}
        )
