"""`mdm run`: materialize the whole asset graph once, in-process, and summarise it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.events import DagsterEventType

from warehouse import config
from warehouse.layout import connect, table_exists

DAGSTER_YAML = """\
# Written by `mdm run`: the in-process Dagster instance keeps runs here, so `dagster dev`
# with the same DAGSTER_HOME shows them.
telemetry:
  enabled: false
"""

LAYER_TABLES = (
    (
        "raw",
        (
            "crm_contacts",
            "erp_customers",
            "erp_invoices",
            "ecommerce_customers",
            "ecommerce_orders",
            "social_profiles",
            "social_engagement",
        ),
    ),
    ("staging", ("int_party_records",)),
    ("mdm_build", ("customer_xref", "golden_customer")),
    (
        "mdm",
        (
            "customer_xref",
            "golden_customer",
            "golden_attribute_lineage",
            "golden_customer_history",
            "identity_events",
        ),
    ),
    ("marts", ("customer_360",)),
)


@dataclass
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    description: str | None


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    step_seconds: dict[str, float] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    metadata: dict[str, dict] = field(default_factory=dict)
    summary: str = ""


def ensure_dagster_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text(DAGSTER_YAML)


def run_pipeline(retrain: bool = False, requested_by: str = "pipeline") -> RunOutcome:
    """Execute the full job with the paths in the environment; never raises on a failed step.

    ``retrain``: the matching step trains a new model version instead of scoring with the
    saved one (``mdm.match_models``); ``requested_by`` is kept with that version.
    """
    ensure_dagster_home(config.dagster_home())
    from pipelines.definitions import MDM_JOB_NAME, defs

    job = defs.resolve_job_def(MDM_JOB_NAME)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"mdm_progress": {}},
                "ops": {
                    "matched_parties": {
                        "config": {"retrain": retrain, "requested_by": requested_by}
                    }
                },
                # Paths are read now, not when the definitions were imported.
                "resources": {
                    "warehouse": {
                        "config": {
                            "warehouse_path": str(config.warehouse_path()),
                            "landing_dir": str(config.landing_dir()),
                        }
                    }
                },
            },
        )
        outcome = _outcome_from_events(result)
        for stats in instance.get_run_step_stats(result.run_id):
            outcome.step_seconds[stats.step_key] = (stats.end_time or 0) - (stats.start_time or 0)
    try:
        outcome.summary = render_summary(outcome)
    except duckdb.IOException as error:
        # A failed dbt step can leave its process holding the file for a moment; the run's
        # outcome stands, only the warehouse figures of the summary are missing.
        outcome.summary = (
            f"\n== mdm run {outcome.run_id}: {'SUCCESS' if outcome.success else 'FAILED'} ==\n"
            f"failed steps: {', '.join(outcome.failed_steps) or 'none'}\n"
            f"(no warehouse figures: {error})"
        )
    return outcome


def _outcome_from_events(result: dg.ExecuteInProcessResult) -> RunOutcome:
    outcome = RunOutcome(run_id=result.run_id, success=result.success)
    for event in result.all_events:
        kind = event.event_type
        step = event.step_key or ""
        if kind == DagsterEventType.STEP_SKIPPED:
            outcome.skipped_steps.append(step)
        elif kind == DagsterEventType.STEP_FAILURE:
            outcome.failed_steps.append(step)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            outcome.checks.append(
                CheckOutcome(
                    asset=data.asset_key.to_user_string(),
                    check=data.check_name,
                    passed=data.passed,
                    description=data.description,
                )
            )
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            outcome.metadata[mat.asset_key.to_user_string()] = {
                k: v.value for k, v in mat.metadata.items()
            }
    if any(not c.passed for c in outcome.checks):
        outcome.success = False
    return outcome


def _layer_counts() -> list[tuple[str, int | None]]:
    counts: list[tuple[str, int | None]] = []
    with connect(config.warehouse_path(), read_only=True) as con:
        for schema, tables in LAYER_TABLES:
            for table in tables:
                name = f"{schema}.{table}"
                if table_exists(con, schema, table):
                    counts.append((name, con.execute(f"select count(*) from {name}").fetchone()[0]))
                else:
                    counts.append((name, None))
    return counts


# Numbers that vary per row (lines, offsets, ids), not those that name a standard.
_VARYING_NUMBER = re.compile(r"(?<![\w-])(?<!UTF-)(?<!ISO )\d+(?![\w-])")
_QUOTED_VALUE = re.compile(r"'[^']*'")
SUMMARY_ROW_KINDS = 30


def reason_kind(reason: str) -> str:
    """A quarantine reason with what varies per row (quoted values, line numbers, offsets,
    ids) masked, so that the summary counts kinds: "missing id (Id)", "not UTF-8 (byte
    0xe9 at offset N)"."""
    return _VARYING_NUMBER.sub("N", _QUOTED_VALUE.sub("…", reason))


def _quarantine(run_id: str) -> list[tuple[str, str, int]]:
    """This run's quarantine as (``rejected_files`` / ``rejected_rows``, kind, count): every
    file first, then the row kinds, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    with connect(config.warehouse_path(), read_only=True) as con:
        for table in ("rejected_files", "rejected_rows"):
            if table_exists(con, "quarantine", table):
                for scope, reason, count in con.execute(
                    f"""
                    select source_system || '/' || entity, reason, count(*)
                    from quarantine.{table} where run_id = ?
                    group by all
                    """,
                    [run_id],
                ).fetchall():
                    counts[(table, f"{scope}: {reason_kind(reason)}")] += count
    order = {"rejected_files": 0, "rejected_rows": 1}
    return sorted(
        ((table, kind, count) for (table, kind), count in counts.items()),
        key=lambda item: (order[item[0]], -item[2], item[1]),
    )


def _golden_summary(run_id: str) -> list[str]:
    """What the published golden records and customer 360 look like after this run."""
    with connect(config.warehouse_path(), read_only=True) as con:
        if not table_exists(con, "marts", "customer_360"):
            return []
        events = dict(
            con.execute(
                "select event_type, count(*) from mdm.identity_events where run_id = ? group by 1",
                [run_id],
            ).fetchall()
        )
        pinned = con.execute(
            "select count(*) from mdm.golden_attribute_lineage where rule = 'steward_pin'"
        ).fetchone()[0]
        segments = {
            column: con.execute(
                f"select {column}, count(*) from marts.customer_360 group by 1 order by 1"
            ).fetchall()
            for column in ("value_tier", "behaviour", "lifecycle_stage")
        }
        as_of, churn_risk = con.execute(
            "select max(as_of_date), count(*) filter (where churn_risk) from marts.customer_360"
        ).fetchone()
    lines = ["\ngolden records:"]
    for event_type in ("created", "updated", "merged", "split"):
        lines.append(f"  {event_type + ' this run':<22} {events.get(event_type, 0):>8,}")
    lines.append(f"  {'values pinned':<22} {pinned:>8,}")
    lines.append(f"\ncustomer 360 as of {as_of}:")
    for column, counts in segments.items():
        shown = ", ".join(f"{value or 'none'} {count:,}" for value, count in counts)
        lines.append(f"  {column:<16} {shown}")
    lines.append(f"  {'churn_risk':<16} {churn_risk:,}")
    return lines


def render_summary(outcome: RunOutcome) -> str:
    lines = ["", f"== mdm run {outcome.run_id}: {'SUCCESS' if outcome.success else 'FAILED'} =="]

    lines.append("\nrows per layer:")
    for name, count in _layer_counts():
        lines.append(f"  {name:<34} {'—' if count is None else f'{count:>12,}'}")

    quarantined = _quarantine(outcome.run_id)
    lines.append(f"\nquarantined this run: {sum(c for *_, c in quarantined):,}")
    by_kind: dict[str, list[str]] = defaultdict(list)
    for table, reason, count in quarantined:
        by_kind[table].append(f"    {count:>8,}  {reason}")
    for table, entries in by_kind.items():
        lines.append(f"  {'rows' if table == 'rejected_rows' else 'files'}:")
        # every quarantined file; the most frequent kinds of rows
        shown = entries if table == "rejected_files" else entries[:SUMMARY_ROW_KINDS]
        lines.extend(shown)
        if len(shown) < len(entries):
            lines.append(
                f"    … {len(entries) - len(shown)} more kinds: "
                f"select * from quarantine.{table} where run_id = '{outcome.run_id}'"
            )

    passed = [c for c in outcome.checks if c.passed]
    failed = [c for c in outcome.checks if not c.passed]
    lines.append(f"\nquality gates: {len(passed)} passed, {len(failed)} failed")
    for check in failed:
        lines.append(f"  FAILED {check.check} on {check.asset}")
        if check.description:
            lines.extend(f"    {line}" for line in check.description.splitlines()[:12])
    if failed:
        stopped_by = ", ".join(check.check for check in failed)
        lines.append(
            f"  publication stopped by {stopped_by}: the published tables (mdm.*, marts.*) "
            "are as the last successful run left them"
        )

    xref_meta = outcome.metadata.get("mdm_build/customer_xref", {})
    if xref_meta:
        lines.append("\nmatching:")
        if xref_meta.get("model_version") is not None:
            how = "trained by this run" if xref_meta.get("model_trained") else "saved"
            lines.append(f"  {'model':<16} v{xref_meta['model_version']} ({how})")
        for key in (
            "clusters",
            "pairs_scored",
            "golden_created",
            "golden_kept",
            "golden_merged",
            "golden_split",
            "review_queue",
            "truth_precision",
            "truth_recall",
            "truth_f1",
        ):
            if key in xref_meta:
                value = xref_meta[key]
                shown = f"{value:.4f}" if isinstance(value, float) else f"{value:,}"
                lines.append(f"  {key:<16} {shown}")

    decisions_meta = outcome.metadata.get("stewardship/match_decisions", {})
    pins_meta = outcome.metadata.get("stewardship/attribute_pins", {})
    if decisions_meta or pins_meta:
        lines.append(
            "\nsteward decisions imported from the console: "
            f"{decisions_meta.get('imported_this_run', 0):,} match decisions, "
            f"{pins_meta.get('imported_this_run', 0):,} pins"
        )

    if outcome.success:
        lines.extend(_golden_summary(outcome.run_id))

    lines.append("\nseconds per stage:")
    width = max((len(step) for step in outcome.step_seconds), default=5)
    for step, seconds in outcome.step_seconds.items():
        lines.append(f"  {step:<{width}} {seconds:8.1f}")
    lines.append(f"  {'total':<{width}} {sum(outcome.step_seconds.values()):8.1f}")
    for step in outcome.failed_steps:
        lines.append(f"  FAILED step: {step}")
    for step in outcome.skipped_steps:
        lines.append(f"  skipped (upstream gate or failure): {step}")
    return "\n".join(lines)
