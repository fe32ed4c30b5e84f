"""Steward decisions: must-link and cannot-link between two source records.

Stewards outrank the model (ARCHITECTURE.md). A decision is kept in
``mdm.match_decisions`` (who, when, why) and applied in every later run after prediction and
before clustering, whatever the model scores and however often it is retrained:

* a **cannot-link** keeps the two records in different clusters, even when the model would
  join them through other records;
* a **must-link** puts the two records in one cluster, even when the model never scored
  the pair, unless that would put two records a steward has kept apart together.

For one pair of records the latest decision counts, so a steward can change their mind.
The table lives in ``mdm`` beside the published tables, but publication never replaces it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

import duckdb
import polars as pl

from warehouse.layout import table_exists

DECISIONS_TABLE = "mdm.match_decisions"
Decision = Literal["must_link", "cannot_link"]
DECISIONS: tuple[str, ...] = ("must_link", "cannot_link")

_DDL = f"""
create table if not exists {DECISIONS_TABLE} (
    decision_id varchar primary key,
    decision varchar not null,
    source_system_l varchar not null,
    source_record_id_l varchar not null,
    source_system_r varchar not null,
    source_record_id_r varchar not null,
    decided_by varchar not null,
    decided_at timestamp not null,
    reason varchar not null
)
"""


def ensure_decisions_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mdm.match_decisions`` when it does not exist."""
    con.execute("create schema if not exists mdm")
    con.execute(_DDL)


def record_decision(
    con: duckdb.DuckDBPyConnection,
    decision: Decision,
    left: tuple[str, str],
    right: tuple[str, str],
    decided_by: str,
    reason: str,
    decided_at: datetime | None = None,
    decision_id: str | None = None,
) -> str:
    """Store a steward's decision about two source records; returns its id.

    ``left`` and ``right`` are ``(source_system, source_record_id)``. It takes effect at the
    next matching run. ``decision_id`` is given by a caller that must be able to tell it
    stored the decision already (the console's import, ``warehouse.stewardship``).
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if tuple(left) == tuple(right):
        raise ValueError(f"a decision needs two different records, got {left} twice")
    if not decided_by.strip() or not reason.strip():
        raise ValueError("a decision needs who made it (decided_by) and why (reason)")
    ensure_decisions_table(con)
    decision_id = decision_id or str(uuid.uuid4())
    when = decided_at or datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        f"insert into {DECISIONS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [decision_id, decision, *left, *right, decided_by, when, reason],
    )
    return decision_id


def load_decisions(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The decisions in force as ``(must_link, cannot_link)`` frames of
    ``record_key_l, record_key_r`` (record keys as in ``int_party_records``)."""
    empty = pl.DataFrame(schema={"record_key_l": pl.String, "record_key_r": pl.String})
    if not table_exists(con, "mdm", "match_decisions"):
        return empty, empty
    latest = con.sql(
        f"""
        with keyed as (
            select
                decision,
                decided_at,
                decision_id,
                source_system_l || '|' || source_record_id_l as key_l,
                source_system_r || '|' || source_record_id_r as key_r
            from {DECISIONS_TABLE}
        )
        select
            least(key_l, key_r) as record_key_l,
            greatest(key_l, key_r) as record_key_r,
            decision
        from keyed
        qualify row_number() over (
            partition by least(key_l, key_r), greatest(key_l, key_r)
            order by decided_at desc, decision_id desc
        ) = 1
        """
    ).pl()
    pairs = ["record_key_l", "record_key_r"]
    must = latest.filter(pl.col("decision") == "must_link").select(pairs)
    cannot = latest.filter(pl.col("decision") == "cannot_link").select(pairs)
    return must, cannot
