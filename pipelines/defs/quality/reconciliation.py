"""Reconciliation as a blocking Dagster asset check: nothing delivered is lost.

Runs once matching has built ``mdm_build/customer_xref``: every row of every delivered file is
in raw or in quarantine exactly once, the landing files still hold as many records as the
manifest says, and every current source record has one xref row (``quality/reconciliation.py``).
A failure has severity ERROR and is blocking, so the golden records and publication do not
run, and the published data stays as it was.
"""

import dagster as dg

from pipelines.defs.matching.assets import CUSTOMER_XREF_BUILD
from pipelines.resources import WarehouseResource
from quality.reconciliation import reconcile


@dg.asset_check(
    asset=CUSTOMER_XREF_BUILD,
    name="reconciliation",
    blocking=True,
    description=(
        "Nothing is lost: every delivered row is in raw or quarantine exactly once (manifest, "
        "landing recount, line numbers) and every current source record has one xref row "
        "(see quality/reconciliation.py; results in quality.reconciliation*)."
    ),
)
def reconciliation_check(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.connection() as con:
        result = reconcile(con, context.run.run_id, landing_dir=warehouse.landing)
    report = result.describe()
    if result.passed:
        context.log.info(report)
    else:
        context.log.error(report)
    totals = result.totals()
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if result.passed else report[:4000],
        metadata={
            **totals,
            "mismatches": dg.MetadataValue.json(
                [
                    {
                        "file_path": f.file_path,
                        "file_sha256": f.file_sha256,
                        "rows_delivered": f.rows_delivered,
                        "rows_recounted": f.rows_recounted,
                        "rows_in_raw": f.rows_in_raw,
                        "rows_in_quarantine": f.rows_in_quarantine,
                        "detail": f.detail,
                    }
                    for f in result.file_failures()[:50]
                ]
            ),
            "xref": dg.MetadataValue.json(
                [
                    {
                        "source_system": x.source_system,
                        "raw_native_ids": x.raw_native_ids,
                        "current_records": x.current_records,
                        "xref_rows": x.xref_rows,
                        "status": x.status,
                        "detail": x.detail,
                    }
                    for x in result.xref
                ]
            ),
        },
    )


reconciliation_checks = [reconciliation_check]
