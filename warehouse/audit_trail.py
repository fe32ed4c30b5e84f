"""The service's audit log, carried into the warehouse's ``audit`` schema.

The service writes who read or changed what to its own store (``warehouse.access``), which
takes writes while a run holds the warehouse. Every run copies the entries it has not
copied yet into ``audit.service_log`` (same columns), so the warehouse's ``audit.*`` holds
who did what and when beside the publications and the ingest manifest. Both places keep
entries ``AUDIT_RETENTION_DAYS`` days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.access import AUDIT_RETENTION_DAYS, service_db

SERVICE_LOG = "audit.service_log"

_DDL = f"""
create table if not exists {SERVICE_LOG} (
    "at" timestamp not null,
    key_id varchar,
    role varchar,
    action varchar not null,
    resource varchar not null,
    detail varchar,
    service_rowid bigint
)
"""


def copy_service_log(con: duckdb.DuckDBPyConnection, store: Path | None) -> int:
    """Append the service's audit entries newer than the last copied one; purge entries
    past retention. Returns how many were copied."""
    con.execute("create schema if not exists audit")
    con.execute(_DDL)
    cutoff = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=AUDIT_RETENTION_DAYS)
    con.execute(f'delete from {SERVICE_LOG} where "at" < ?', [cutoff])
    if store is not None and not Path(store).exists():
        return 0
    # the store's rowids only grow (its purge removes the oldest entries), so they mark
    # what was copied even when two entries share a timestamp
    last = con.execute(f"select max(service_rowid) from {SERVICE_LOG}").fetchone()[0] or 0
    with service_db(store) as db:
        if (db.execute("select max(rowid) from audit_log").fetchone()[0] or 0) < last:
            last = 0  # a new service store: copy it from its start
        rows = db.execute(
            "select at, key_id, role, action, resource, detail, rowid from audit_log "
            "where rowid > ? and at >= ? order by rowid",
            [last, cutoff.isoformat(timespec="microseconds")],
        ).fetchall()
    if rows:
        con.executemany(f"insert into {SERVICE_LOG} values (?::timestamp, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
