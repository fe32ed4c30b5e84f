"""Reading golden records as they were: the published type-2 history.

``mdm.golden_customer_history`` (dbt model ``golden_customer_history``) holds every
version of every golden record with the time it was valid in the hub, ``[valid_from,
valid_to)``. Publication also defines the table macro ``mdm.golden_customer_as_of(T)``,
so SQL users read the golden records as of a time with
``select * from mdm.golden_customer_as_of(timestamp '2026-01-01')``.

Times are the hub's: a version is valid from the start of the run that published it. A
time before a golden id's first publication finds nothing for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from warehouse.layout import table_exists

HISTORY_TABLE = "mdm.golden_customer_history"

AS_OF_MACRO_SQL = f"""
create or replace macro mdm.golden_customer_as_of(as_of) as table
    select * from {HISTORY_TABLE}
    where valid_from <= as_of and (valid_to is null or valid_to > as_of)
"""


class HistoryNotPublished(LookupError):
    """The warehouse has no published history yet (no run has published since history
    exists)."""


def define_as_of_macro(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)define ``mdm.golden_customer_as_of`` over the published history."""
    con.execute(AS_OF_MACRO_SQL)


def as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of an executed query as dicts by column name."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _require_history(con: duckdb.DuckDBPyConnection) -> None:
    if not table_exists(con, "mdm", "golden_customer_history"):
        raise HistoryNotPublished(
            f"{HISTORY_TABLE} does not exist: run the pipeline (`mdm run`) to publish it"
        )


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """A time as the warehouse stores it: UTC without a zone (a naive time is taken as UTC)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def customer_as_of(
    con: duckdb.DuckDBPyConnection, golden_id: str, as_of: dt.datetime | dt.date
) -> dict[str, Any] | None:
    """The golden record ``golden_id`` as the hub published it at ``as_of`` (a date means
    its end: the state after that day's runs), or ``None`` when it did not exist then."""
    _require_history(con)
    if isinstance(as_of, dt.datetime):
        moment = naive_utc(as_of)
    else:
        next_day = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
        moment = next_day - dt.timedelta(microseconds=1)
    rows = as_dicts(
        con.execute(
            f"""
            select * from {HISTORY_TABLE}
            where golden_id = ? and valid_from <= ? and (valid_to is null or valid_to > ?)
            """,
            [golden_id, moment, moment],
        )
    )
    return rows[0] if rows else None


def customer_versions(con: duckdb.DuckDBPyConnection, golden_id: str) -> list[dict[str, Any]]:
    """Every published version of ``golden_id``, oldest first."""
    _require_history(con)
    return as_dicts(
        con.execute(
            f"select * from {HISTORY_TABLE} where golden_id = ? order by version", [golden_id]
        )
    )
