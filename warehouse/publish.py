"""Atomic publication of a run's golden records and marts.

Readers only see ``mdm.*`` and ``marts.*``. A run builds into ``mdm_build.*`` and
``marts_build.*``; once every blocking gate has passed, :func:`publish` swaps the
published tables in one DuckDB transaction, so a reader sees either the previous snapshot
or the new one, never a mix, and a failed run leaves the published data untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from warehouse.history import define_as_of_macro
from warehouse.layout import table_exists, transaction

# (build table, published table): replaced whole on every publish.
REPLACED_TABLES: tuple[tuple[str, str], ...] = (
    ("mdm_build.customer_xref", "mdm.customer_xref"),
    ("mdm_build.golden_customer", "mdm.golden_customer"),
    ("mdm_build.golden_attribute_lineage", "mdm.golden_attribute_lineage"),
    ("mdm_build.golden_customer_history", "mdm.golden_customer_history"),
    ("marts_build.customer_360", "marts.customer_360"),
    ("mdm_build.review_queue", "mdm.review_queue"),
)
# (build table, published table): the build table holds this run's rows, appended.
# Matching's created / merged / split events and survivorship's updated events share one feed.
APPENDED_TABLES: tuple[tuple[str, str], ...] = (
    ("mdm_build.identity_events", "mdm.identity_events"),
    ("mdm_build.golden_update_events", "mdm.identity_events"),
)
PUBLISHED_TABLES: tuple[str, ...] = tuple(
    dict.fromkeys(published for _, published in REPLACED_TABLES + APPENDED_TABLES)
)


class PublishError(RuntimeError):
    """A build table that publication needs is missing; nothing was published."""


@dataclass
class PublishReport:
    run_id: str
    published_at: datetime
    row_counts: dict[str, int] = field(default_factory=dict)


def _split(name: str) -> tuple[str, str]:
    schema, table = name.split(".")
    return schema, table


def publish(con: duckdb.DuckDBPyConnection, run_id: str) -> PublishReport:
    """Replace the published tables with this run's build tables, all or nothing."""
    missing = [
        build
        for build, _ in REPLACED_TABLES + APPENDED_TABLES
        if not table_exists(con, *_split(build))
    ]
    if missing:
        raise PublishError(
            f"cannot publish run {run_id}: build tables missing: {', '.join(missing)}"
        )

    report = PublishReport(run_id=run_id, published_at=datetime.now(UTC).replace(tzinfo=None))
    with transaction(con):
        for build, published in REPLACED_TABLES:
            con.execute(f"create or replace table {published} as select * from {build}")
        for build, published in APPENDED_TABLES:
            if table_exists(con, *_split(published)):
                con.execute(f"insert into {published} by name select * from {build}")
            else:
                con.execute(f"create table {published} as select * from {build}")
        define_as_of_macro(con)
        for published in PUBLISHED_TABLES:
            report.row_counts[published] = con.execute(
                f"select count(*) from {published}"
            ).fetchone()[0]
        con.execute(
            """
            create table if not exists audit.publications (
                run_id varchar, published_at timestamp, row_counts json
            )
            """
        )
        con.execute(
            "insert into audit.publications values (?, ?, ?)",
            [run_id, report.published_at, json.dumps(report.row_counts, sort_keys=True)],
        )
    return report
