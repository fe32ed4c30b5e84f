"""One raw asset per source file type: new landing files in, ``raw.*`` rows out."""

import dagster as dg

from pipelines.resources import WarehouseResource
from sources.ingest import ingest_entity
from sources.registry import ENTITIES, Entity


def raw_asset_key(entity: Entity) -> dg.AssetKey:
    return dg.AssetKey(["raw", entity.raw_table])


def _build_raw_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(entity),
        group_name="raw",
        kinds={"duckdb", "polars"},
        description=(
            f"{entity.source_system} {entity.name} as delivered in `{entity.pattern}`: every "
            "version of every valid row, with file, line and load time. Bad rows and "
            "unreadable files go to quarantine with the reason."
        ),
    )
    def _raw(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        with warehouse.connection() as con:
            report = ingest_entity(con, warehouse.landing, entity, context.run.run_id)
            total_rows = con.execute(f"select count(*) from raw.{entity.raw_table}").fetchone()[0]
        context.log.info(
            f"{entity.raw_table}: {report.files_ingested} new file(s), "
            f"{report.files_skipped} already ingested, {report.rows_loaded} rows loaded, "
            f"{report.rows_quarantined} rows quarantined"
        )
        for line in report.file_errors:
            context.log.warning(f"file quarantined: {line}")
        return dg.MaterializeResult(
            metadata={
                "files_seen": report.files_seen,
                "files_ingested": report.files_ingested,
                "files_skipped": report.files_skipped,
                "files_quarantined": report.files_quarantined,
                "rows_loaded": report.rows_loaded,
                "rows_quarantined": report.rows_quarantined,
                "quarantine_reasons": dg.MetadataValue.json(report.reasons),
                "file_errors": dg.MetadataValue.json(report.file_errors),
                "dagster/row_count": total_rows,
            }
        )

    return _raw


raw_assets = [_build_raw_asset(e) for e in ENTITIES]
