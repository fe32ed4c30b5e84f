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
        # point lookups by the service: ART indexes instead of scans
        for table, columns in SNAPSHOT_INDEXES:
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
