"""Great Expectations suites as blocking Dagster asset checks, one per suite.

A failed check has severity ERROR and is blocking, so nothing downstream of its asset runs
in that run, and publication never sees the bad data.
"""

import dagster as dg

from pipelines.resources import WarehouseResource
from quality.gates import SUITES, run_gate
from warehouse import config

# A suite that validates a table against another one runs on the asset built last: the
# xref suite checks that every golden id resolves, and the linked suites that every order
# and invoice reaches a golden record, so they need the golden records.
CHECKED_ASSET = {
    "golden_xref": "mdm_build.golden_customer",
    "golden_orders_linked": "mdm_build.golden_customer",
    "golden_invoices_linked": "mdm_build.golden_customer",
}


def _build_check(suite: str, table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(CHECKED_ASSET.get(suite, table).split(".")),
        name=f"gx_{suite}",
        blocking=True,
        description=f"Great Expectations suite `{suite}` on `{table}`"
        + (f", source {SUITES[suite].source_system}" if SUITES[suite].source_system else "")
        + " (see quality/suites.py).",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        docs_dir = config.data_docs_dir()
        with warehouse.connection() as con:
            result = run_gate(con, suite, context.run.run_id, data_docs_dir=docs_dir)
        failures = result.failures()
        if failures:
            context.log.error(result.describe())
        return dg.AssetCheckResult(
            passed=result.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=None if result.passed else result.describe()[:4000],
            metadata={
                "expectations": len(result.outcomes),
                "failed": len(failures),
                "outcomes": dg.MetadataValue.json(
                    [
                        {
                            "expectation": o.expectation,
                            "success": o.success,
                            "observed": o.observed,
                            "threshold": o.threshold,
                            "unexpected_count": o.unexpected_count,
                        }
                        for o in result.outcomes
                    ]
                ),
            },
        )

    return _check


gate_checks = [_build_check(name, spec.table) for name, spec in SUITES.items()]
