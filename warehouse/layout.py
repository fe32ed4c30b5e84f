"""The DuckDB layout: schemas, connections and the tables every layer shares.

Schemas
-------
``raw``         source rows as delivered (append-only; every version of a record).
``staging``     dbt ``stg_*`` models and ``int_party_records``.
``mdm_build``   this run's match results and golden records, not yet published.
``marts_build`` this run's marts, not yet published.
``mdm``         published golden records (the output contract).
``marts``       published marts (the output contract).
``quality``     gate results per run.
``quarantine``  rejected rows and files, with reasons.
``audit``       the ingest manifest and run log.

Readers only ever see ``mdm`` and ``marts``; ``warehouse.publish`` replaces them in one
transaction after every blocking gate has passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.config import duckdb_memory_limit, warehouse_path

SCHEMAS = (
    "raw",
    "staging",
    "mdm_build",
    "marts_build",
    "mdm",
    "marts",
    "quality",
    "quarantine",
    "audit",
)


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema of the layout that does not exist yet."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")


@contextmanager
def connect(
    path: Path | str | None = None, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, make sure its schemas exist, and close it afterwards.

    Connections are short-lived on purpose: dbt runs in its own process and needs the
    file free while it works.
    """
    target = Path(path) if path is not None else warehouse_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(target), read_only=read_only, config={"memory_limit": duckdb_memory_limit()}
    )
    try:
        if not read_only:
            ensure_schemas(con)
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one DuckDB transaction: committed when it ends, rolled back
    (and the error raised again) when anything escapes it, interrupts included."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True when ``schema.table`` exists (table or view)."""
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result pending on the connection.
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows[0][0])
