"""The Dagster definitions load, and their gates are blocking checks on the right assets."""

import dagster as dg

from pipelines.definitions import MDM_JOB_NAME, defs
from quality.gates import SUITES


def test_definitions_are_loadable():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def(MDM_JOB_NAME) is not None


def test_every_quality_suite_is_a_blocking_check():
    specs = list(defs.resolve_asset_graph().asset_check_keys)
    gx = {key.name for key in specs if key.name.startswith("gx_")}
    assert gx == {f"gx_{name}" for name in SUITES}
    for checks_def in defs.asset_checks or []:
        for spec in checks_def.check_specs:
            assert spec.blocking, spec.key


def test_published_tables_come_after_matching_and_golden_records():
    graph = defs.resolve_asset_graph()
    published = dg.AssetKey(["mdm", "golden_customer"])
    upstream = graph.get(published).parent_keys
    assert dg.AssetKey(["mdm_build", "golden_customer"]) in upstream
    assert dg.AssetKey(["mdm_build", "customer_xref"]) in upstream
    contract = {("mdm", "customer_xref"), ("mdm", "golden_customer"), ("mdm", "identity_events"),
                ("mdm", "golden_attribute_lineage"), ("marts", "customer_360")}  # fmt: skip
    assert contract <= {tuple(k.path) for k in graph.get_all_asset_keys()}


def test_checks_sit_on_the_assets_they_guard():
    keys = {
        (key.name, "/".join(key.asset_key.path))
        for key in defs.resolve_asset_graph().asset_check_keys
    }
    assert ("reconciliation", "mdm_build/customer_xref") in keys
    assert ("gx_staged_crm", "staging/int_party_records") in keys
    assert ("gx_staged_ecommerce_orders", "staging/stg_ecommerce__orders") in keys
    assert ("gx_golden_orders_linked", "mdm_build/golden_customer") in keys
    assert ("golden_values_have_lineage", "mdm_build/golden_attribute_lineage") in keys
    assert (
        "golden_history_has_the_current_version_open",
        "mdm_build/golden_customer_history",
    ) in keys
