"""Serving snapshots: the published tables in a DuckDB file of their own, for readers.

DuckDB lets one process write a database file, or several processes read it, not both. A
service that kept the warehouse open would stop the pipeline from publishing, and the
pipeline would lock the service out while it runs. So after every publication the tables
readers need are copied into a new snapshot file under ``MDM_SERVING_DIR`` (default
``serving/`` beside the warehouse), and the file ``CURRENT`` is switched to name it with an
atomic rename. A reader opens the snapshot ``CURRENT`` names, read-only: it sees one whole
publication, the previous one until the new one is complete, and never blocks the pipeline.

Older snapshots are deleted, keeping the newest ``KEEP_SNAPSHOTS``; a reader that still has
one open keeps reading it (the file is only unlinked).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.config import serving_dir
from warehouse.layout import table_exists

SERVED_TABLES: tuple[str, ...] = (
    "mdm.golden_customer",
    "mdm.customer_xref",
    "mdm.golden_attribute_lineage",
    "mdm.golden_customer_history",
    "mdm.identity_events",
    "marts.customer_360",
)
SNAPSHOT_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mdm.golden_customer", ("golden_id",)),
    ("mdm.golden_customer", ("phone",)),
    ("mdm.golden_customer", ("email",)),
    ("mdm.customer_xref", ("source_system", "source_record_id")),
    ("mdm.customer_xref", ("golden_id",)),
    ("mdm.golden_attribute_lineage", ("golden_id",)),
    ("mdm.golden_customer_history", ("golden_id",)),
)
# For the steward console, copied when the warehouse has them: the review queue, the
# overrides in force (a console decision is pending until a snapshot holds it) and the
# current source records with their golden id, for side-by-side comparison.
STEWARD_TABLES: dict[str, tuple[str, str]] = {
    # snapshot table: (table it needs, query)
    "mdm.review_queue": ("mdm.review_queue", "from mdm.review_queue"),
    "mdm.match_decisions": ("mdm.match_decisions", "from mdm.match_decisions"),
    "mdm.attribute_pins": ("mdm.attribute_pins", "from mdm.attribute_pins"),
    "mdm.source_records": (
        "staging.int_party_records",
        """
        select x.golden_id, x.match_probability, p.source_system, p.source_record_id,
            p.party_type, p.first_name, p.last_name, p.full_name, p.email, p.phone,
            p.phone_2, p.street, p.city, p.region, p.postal_code, p.country, p.birth_date,
            p.company, p.email_opt_in, p.handle, p.source_updated_at, p.is_deleted,
            p._source_file as source_file, p._line_number as source_line
        from staging.int_party_records as p
        join mdm.customer_xref as x using (source_system, source_record_id)
        """,
    ),
}
STEWARD_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mdm.review_queue", ("review_id",)),
    ("mdm.source_records", ("source_system", "source_record_id")),
    ("mdm.source_records", ("golden_id",)),
)
POINTER = "CURRENT"
KEEP_SNAPSHOTS = 3
_SNAPSHOT_NAME = re.compile(r"^snapshot-\d{8}T\d{6}\d{6}Z-[\w-]+\.duckdb$")


class NoSnapshot(LookupError):
    """Nothing has been published for readers yet."""


def export_snapshot(
    con: duckdb.DuckDBPyConnection, run_id: str, directory: Path | None = None
) -> Path:
    """Copy the published tables into a new snapshot file and make it the current one."""
    folder = directory or serving_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    safe_run = re.sub(r"[^\w-]", "_", run_id)[:64]
    target = folder / f"snapshot-{stamp}-{safe_run}.duckdb"
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    con.execute(f"attach '{building}' as snapshot")
    try:
        for table in SERVED_TABLES:
            schema, name = table.split(".")
            con.execute(f"create schema if not exists snapshot.{schema}")
            con.execute(f"create table snapshot.{schema}.{name} as from {table}")
        copied = set(SERVED_TABLES)
        for table, (needs, query) in STEWARD_TABLES.items():
            if table_exists(con, *needs.split(".")):
                schema, name = table.split(".")
                con.execute(f"create table snapshot.{schema}.{name} as {query}")
                copied.add(table)
        # point lookups by the service: ART indexes instead of scans
        for table, columns in SNAPSHOT_INDEXES + STEWARD_INDEXES:
            if table not in copied:
                continue
            schema, name = table.split(".")
            index = f"{name}_{'_'.join(columns)}"
            con.execute(f"create index {index} on snapshot.{schema}.{name} ({', '.join(columns)})")
        con.execute(
            "create table snapshot.main.snapshot_info as "
            "select ?::varchar as run_id, ?::timestamp as published_at",
            [run_id, datetime.now(UTC).replace(tzinfo=None)],
        )
    finally:
        con.execute("detach snapshot")
    os.replace(building, target)
    pointer_tmp = folder / f"{POINTER}.tmp"
    pointer_tmp.write_text(target.name + "\n", encoding="utf-8")
    os.replace(pointer_tmp, folder / POINTER)
    _prune(folder, keep=target.name)
    return target


def current_snapshot(directory: Path | None = None) -> Path:
    """The snapshot file readers should open now, or :class:`NoSnapshot`."""
    folder = directory or serving_dir()
    pointer = folder / POINTER
    if not pointer.is_file():
        raise NoSnapshot(
            f"no serving snapshot in {folder}: run the pipeline (`mdm run`) to publish one"
        )
    path = folder / pointer.read_text(encoding="utf-8").strip()
    if not path.is_file():
        raise NoSnapshot(f"{pointer} names {path.name}, which does not exist")
    return path


def _prune(folder: Path, keep: str) -> None:
    snapshots = sorted(p.name for p in folder.iterdir() if _SNAPSHOT_NAME.match(p.name))
    for name in snapshots[:-KEEP_SNAPSHOTS]:
        if name != keep:
            (folder / name).unlink(missing_ok=True)
