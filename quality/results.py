"""Gate results in the warehouse: ``quality.gate_results`` and ``quality.failing_rows``.

One row per expectation per gate run goes to ``quality.gate_results`` (with the source system
the suite measures and the expectation's dimension, so trends per source and dimension can
be queried); the sampled failing
rows of every failed expectation go to ``quality.failing_rows`` as JSON. Writing a gate's
results again for the same run (a retried check) replaces what that run wrote before.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from quality.gates import GateResult

GATE_RESULTS_DDL = """
create table if not exists quality.gate_results (
    run_id varchar not null,
    suite varchar not null,
    table_name varchar not null,
    expectation varchar not null,
    column_name varchar,
    success boolean not null,
    observed_value double,
    threshold double,
    unexpected_count bigint,
    checked_at timestamp not null,
    source_system varchar,
    dimension varchar
)
"""

FAILING_ROWS_DDL = """
create table if not exists quality.failing_rows (
    run_id varchar not null,
    suite varchar not null,
    expectation varchar not null,
    row_json varchar not null
)
"""


def ensure_result_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``quality`` schema and its result tables if they do not exist."""
    con.execute("create schema if not exists quality")
    con.execute(GATE_RESULTS_DDL)
    # warehouses made before results were kept per source and dimension
    con.execute("alter table quality.gate_results add column if not exists source_system varchar")
    con.execute("alter table quality.gate_results add column if not exists dimension varchar")
    con.execute(FAILING_ROWS_DDL)


def write_gate_result(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    result: GateResult,
    checked_at: datetime | None = None,
) -> None:
    """Store one gate's outcomes and failing rows under ``run_id``.

    ``checked_at`` is stored in UTC without a zone (default: now).
    """
    ensure_result_tables(con)
    checked = (checked_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    outcome_rows = [
        (
            run_id,
            result.suite,
            result.table,
            outcome.expectation,
            outcome.column,
            outcome.success,
            _as_number(outcome.observed),
            outcome.threshold,
            outcome.unexpected_count,
            checked,
            result.source_system,
            outcome.dimension,
        )
        for outcome in result.outcomes
    ]
    failing_rows = [
        (
            run_id,
            result.suite,
            outcome.expectation,
            json.dumps(row, default=str, ensure_ascii=False),
        )
        for outcome in result.outcomes
        for row in outcome.sample_rows
    ]
    for table in ("gate_results", "failing_rows"):
        con.execute(
            f"delete from quality.{table} where run_id = ? and suite = ?", [run_id, result.suite]
        )
    if outcome_rows:
        con.executemany(
            "insert into quality.gate_results (run_id, suite, table_name, expectation, column_name,"
            " success, observed_value, threshold, unexpected_count, checked_at, source_system,"
            " dimension) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            outcome_rows,
        )
    if failing_rows:
        con.executemany(
            "insert into quality.failing_rows (run_id, suite, expectation, row_json)"
            " values (?, ?, ?, ?)",
            failing_rows,
        )


def _as_number(value: float | int | str | None) -> float | None:
    # The column is numeric so that measured values can be compared with thresholds in SQL;
    # a textual observation (rare: e.g. an error) stays in the gate result's description.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
