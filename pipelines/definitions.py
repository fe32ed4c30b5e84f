"""The Dagster definitions: what `dagster dev` loads and `mdm run` executes.

Each domain under ``pipelines/defs/`` holds its own assets; this module only merges them,
adds the job, the schedule and the sensor, and the resources.
"""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.ingest.assets import raw_assets
from pipelines.defs.ingest.sensors import build_landing_sensor
from pipelines.defs.matching.assets import matched_parties
from pipelines.defs.publish.assets import published_tables
from pipelines.defs.quality.checks import gate_checks
from pipelines.defs.quality.reconciliation import reconciliation_checks
from pipelines.defs.stewardship.assets import steward_decisions
from pipelines.defs.transform.assets import dbt_project, mastered_models, standardized_models
from pipelines.progress import mdm_progress_logger
from pipelines.resources import WarehouseResource

MDM_JOB_NAME = "mdm_full_pipeline"

mdm_job = dg.define_asset_job(
    MDM_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest, standardize, match, master, check and publish, once.",
)

daily_schedule = dg.ScheduleDefinition(
    name="mdm_daily",
    job=mdm_job,
    cron_schedule="0 2 * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="The full pipeline every night at 02:00.",
)

defs = dg.Definitions(
    assets=[
        *raw_assets,
        steward_decisions,
        standardized_models,
        matched_parties,
        mastered_models,
        published_tables,
    ],
    asset_checks=[*gate_checks, *reconciliation_checks],
    jobs=[mdm_job],
    schedules=[daily_schedule],
    sensors=[build_landing_sensor(mdm_job)],
    resources={
        "warehouse": WarehouseResource.from_env(),
        "dbt": DbtCliResource(project_dir=dbt_project),
    },
    # One DuckDB file is written by one process at a time: steps run one after another.
    loggers={"mdm_progress": mdm_progress_logger},
    executor=dg.in_process_executor,
)
