"""dbt models as Dagster assets, in two steps around matching.

``standardized_models`` (staging and ``int_party_records``) run before matching;
``mastered_models`` (golden records, lineage, customer 360 and their seeds) run after it,
because they read the ``mdm_build.customer_xref`` that matching writes.
"""

import contextlib
import json
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.defs.transform.project import load_dbt_project
from pipelines.resources import WarehouseResource

dbt_project = load_dbt_project()

STANDARDIZE_SELECT = "path:models/staging path:models/intermediate"
MASTER_SELECT = "path:models/marts resource_type:seed"


class MdmDbtTranslator(DagsterDbtTranslator):
    """Asset keys are ``[schema, name]``, the same keys the Python assets use for their tables."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = dbt_resource_props.get("original_file_path", "")
        if dbt_resource_props["resource_type"] == "seed" or path.startswith("models/marts"):
            return "mastered"
        return "standardized"


def _run_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    os.environ["MDM_WAREHOUSE"] = warehouse.warehouse_path
    # Identity events and history rows carry the Dagster run id (var run_id).
    run_vars = json.dumps({"run_id": context.run.run_id})
    invocation = dbt.cli(["build", "--vars", run_vars], context=context)
    log_path = os.environ.get("MDM_DBT_LOG")
    if not log_path:
        yield from invocation.stream()
        return
    # `mdm run` shows one line per model through Dagster's events; dbt's own console
    # output, which dagster-dbt re-prints on stdout, goes to a log file instead.
    events = iter(invocation.stream())
    with open(log_path, "a", encoding="utf-8") as log_file:
        while True:
            with contextlib.redirect_stdout(log_file):
                event = next(events, None)
            if event is None:
                return
            yield event


def _build_dbt_assets(name: str, select: str) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=select,
        name=name,
        dagster_dbt_translator=MdmDbtTranslator(),
    )
    def _models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ):
        yield from _run_dbt(context, dbt, warehouse)

    return _models


standardized_models = _build_dbt_assets("standardized_models", STANDARDIZE_SELECT)
mastered_models = _build_dbt_assets("mastered_models", MASTER_SELECT)
