"""The gate runner: validate one suite's table with Great Expectations and record the outcome.

``run_gate`` loads only the columns a suite needs from DuckDB (through Arrow into pandas),
validates them with the suite's expectations in an ephemeral Great Expectations context,
stores one row per expectation in ``quality.gate_results`` and the sampled failing rows in
``quality.failing_rows``, and returns a ``GateResult`` whose ``passed`` decides whether the
gate blocks. It never changes the data it checks.

Great Expectations runs offline: analytics are switched off before it is imported and in the
context's configuration. Data Docs pages link their stylesheets from public CDNs; only a
browser that opens them fetches those.
"""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from quality.results import write_gate_result
from quality.suites import SUITES, ExpectationSpec, SuiteSpec
from quality.thresholds import Thresholds, load_thresholds
from warehouse.layout import table_exists

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.data_context.types.base import DataContextConfig

__all__ = ["SUITES", "ExpectationOutcome", "GateResult", "load_batch", "run_gate"]

DATA_DOCS_SITE = "mdm_quality"
# Suites and validation results are kept beside the pages so that every gate run adds to one
# site whose index lists all of them.
DATA_DOCS_STORE_FOLDER = "_gx_store"

# Great Expectations keeps the current context in a process-wide singleton, so validations
# that overlap in threads would cross their stores; one at a time is cheap enough.
_GX_LOCK = threading.Lock()


@dataclass
class ExpectationOutcome:
    """What one expectation found.

    ``observed`` is the share of checked values that passed (nulls are not checked except by
    not-null expectations), or the measured value of an aggregate expectation, or the error
    text when the expectation could not be evaluated. ``threshold`` is the ``mostly`` applied
    (1.0 when every value must pass) or the bound of an aggregate expectation.
    """

    expectation: str
    column: str | None
    success: bool
    observed: float | int | str | None
    threshold: float | None
    unexpected_count: int
    sample_rows: list[dict] = field(default_factory=list)
    dimension: str | None = None


@dataclass
class GateResult:
    """The outcome of one suite on one table; ``passed`` is false when any expectation failed."""

    suite: str
    table: str
    passed: bool
    outcomes: list[ExpectationOutcome]
    row_count: int = 0
    source_system: str | None = None

    def failures(self) -> list[ExpectationOutcome]:
        """The expectations that failed, in suite order."""
        return [outcome for outcome in self.outcomes if not outcome.success]

    def describe(self) -> str:
        """A readable report: each failed expectation with threshold, measured value, rows."""
        failures = self.failures()
        verdict = (
            f"FAILED, {len(failures)} of {len(self.outcomes)} expectations failed"
            if failures
            else f"passed, {len(self.outcomes)} expectations"
        )
        scope = f", source {self.source_system}" if self.source_system else ""
        lines = [f"Gate {self.suite} on {self.table}{scope} ({self.row_count} rows): {verdict}"]
        for outcome in failures:
            dimension = f" [{outcome.dimension}]" if outcome.dimension else ""
            lines.append(
                f"- {outcome.expectation}{dimension}: measured {_show(outcome.observed)},"
                f" threshold {_show(outcome.threshold)}, {outcome.unexpected_count} unexpected"
            )
            lines += [
                "    " + json.dumps(row, default=str, ensure_ascii=False)
                for row in outcome.sample_rows
            ]
        return "\n".join(lines)


def run_gate(
    con: duckdb.DuckDBPyConnection,
    suite: str,
    run_id: str,
    data_docs_dir: Path | None = None,
) -> GateResult:
    """Validate the table of ``suite`` and store the outcome under ``run_id``.

    Thresholds come from the thresholds file in force (``quality/thresholds.yml``). With
    ``data_docs_dir``, Great Expectations Data Docs are built (or extended) there. Raises
    ``KeyError`` for an unknown suite and ``LookupError`` when a required table is missing.
    """
    try:
        spec = SUITES[suite]
    except KeyError:
        raise KeyError(f"unknown suite {suite!r}; known: {', '.join(SUITES)}") from None
    thresholds = load_thresholds()
    checked_at = datetime.now(UTC)
    frame = load_batch(con, spec)
    with _GX_LOCK:
        validation = _validate(spec, frame, thresholds, run_id, checked_at, data_docs_dir)
    result = _gate_result(spec, validation, len(frame))
    write_gate_result(con, run_id, result, checked_at)
    return result


def load_batch(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> pd.DataFrame:
    """The columns ``spec`` validates, with its helper columns, as a pandas DataFrame.

    An absent optional table gives an empty frame with those columns.
    """
    if not table_exists(con, *spec.table.split(".")):
        if not spec.optional:
            raise LookupError(f"suite {spec.name}: table {spec.table} does not exist")
        columns = [*spec.table_columns, *spec.derived]
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    # Through Arrow: an order of magnitude faster than fetching into pandas directly.
    return con.sql(spec.query()).to_arrow_table().to_pandas()


def _validate(
    spec: SuiteSpec,
    frame: pd.DataFrame,
    thresholds: Thresholds,
    run_id: str,
    checked_at: datetime,
    data_docs_dir: Path | None,
) -> ExpectationSuiteValidationResult:
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    context = gx.get_context(mode="ephemeral", project_config=_context_config(data_docs_dir))
    batch_definition = (
        context.data_sources.add_pandas(name="warehouse")
        .add_dataframe_asset(name=spec.table)
        .add_batch_definition_whole_dataframe(name="whole_table")
    )
    suite = context.suites.add_or_update(spec.build(thresholds))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
    )
    sample_size = thresholds.failing_rows_per_expectation
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=spec.name,
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="update_data_docs")] if data_docs_dir else [],
            # BASIC with the failing rows: counts and a few rows, without the per-row index
            # lists that SUMMARY builds in Python (slow when a million rows fail).
            result_format={
                "result_format": "BASIC",
                "partial_unexpected_count": sample_size,
                "include_unexpected_rows": sample_size > 0,
            },
        )
    )
    run = checkpoint.run(
        batch_parameters={"dataframe": frame},
        run_id=gx.RunIdentifier(run_name=run_id, run_time=checked_at),
    )
    (validation,) = run.run_results.values()
    return validation


def _context_config(data_docs_dir: Path | None) -> DataContextConfig:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults()
    stores = defaults.stores
    sites: dict[str, Any] = {}
    if data_docs_dir is not None:
        site_root = Path(data_docs_dir).resolve()
        for store, folder in (
            (defaults.expectations_store_name, "expectations"),
            (defaults.validation_results_store_name, "validations"),
        ):
            stores[store]["store_backend"] = {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_root / DATA_DOCS_STORE_FOLDER / folder),
            }
        sites[DATA_DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_root),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    return DataContextConfig(
        stores=stores,
        expectations_store_name=defaults.expectations_store_name,
        validation_results_store_name=defaults.validation_results_store_name,
        checkpoint_store_name=defaults.checkpoint_store_name,
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )


def _gate_result(
    spec: SuiteSpec, validation: ExpectationSuiteValidationResult, row_count: int
) -> GateResult:
    by_label = {evr.expectation_config.meta["label"]: evr for evr in validation.results}
    outcomes = [
        _outcome(spec, expectation, by_label[expectation.label])
        for expectation in spec.expectations
    ]
    return GateResult(
        suite=spec.name,
        table=spec.table,
        passed=bool(validation.success),
        outcomes=outcomes,
        row_count=row_count,
        source_system=spec.source_system,
    )


def _outcome(
    spec: SuiteSpec, expectation: ExpectationSpec, evr: ExpectationValidationResult
) -> ExpectationOutcome:
    kwargs = evr.expectation_config.kwargs
    result = evr.result or {}
    base = {
        "expectation": expectation.label,
        "column": ", ".join(expectation.columns) or None,
        "dimension": expectation.dimension,
    }
    error = _error_message(evr.exception_info)
    if error is not None:
        return ExpectationOutcome(
            **base,
            success=False,
            observed=f"error: {error}",
            threshold=kwargs.get("mostly"),
            unexpected_count=0,
        )

    if "unexpected_count" in result:
        # A map expectation: measure the share of checked values that passed, the same
        # fraction Great Expectations compares with `mostly`.
        checked = int(result.get("element_count") or 0) - int(result.get("missing_count") or 0)
        unexpected = int(result.get("unexpected_count") or 0)
        observed: float | int | str | None = (checked - unexpected) / checked if checked else None
        threshold = float(kwargs.get("mostly", 1.0))
    else:
        observed = _plain(result.get("observed_value"))
        threshold = kwargs.get("min_value", kwargs.get("value"))
        unexpected = 0 if evr.success else 1

    sample_columns = list(dict.fromkeys([*spec.key_columns, *expectation.columns]))
    return ExpectationOutcome(
        **base,
        success=bool(evr.success),
        observed=observed,
        threshold=threshold,
        unexpected_count=unexpected,
        sample_rows=[] if evr.success else _sample_rows(result, sample_columns),
    )


def _sample_rows(result: dict, columns: list[str]) -> list[dict]:
    rows = result.get("unexpected_rows")
    if isinstance(rows, pd.DataFrame):
        rows = rows[[column for column in columns if column in rows.columns]].to_dict("records")
    if not rows:
        return []
    return [{key: _plain(value) for key, value in row.items() if key in columns} for row in rows]


def _error_message(exception_info: dict | None) -> str | None:
    # Either one ExceptionInfo as a dict, or a dict of them keyed by the metric that failed.
    if not exception_info:
        return None
    if exception_info.get("raised_exception"):
        return str(exception_info.get("exception_message"))
    for info in exception_info.values():
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
        if getattr(info, "raised_exception", False):
            return str(info.exception_message)
    return None


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: numpy scalars unwrapped, missing values as None."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    return value


def _show(value: float | int | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
