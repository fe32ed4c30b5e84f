"""Saved model versions: the trained Splink model as versioned JSON in the warehouse.

A run trains the model only when there is no saved model or when retraining is asked
for (``mdm run --retrain``); every other run loads the active version from
``mdm.match_models`` and only scores. So match results change when the data changes or
when somebody decides to retrain, never because a random sample came out differently.

``mdm.match_models`` (one row per version, never updated except ``is_active``):

* ``model_version`` -- 1, 2, ... in training order;
* ``trained_at``, ``run_id``, ``trained_by`` (``pipeline`` or the person who asked),
  ``reason`` (why it was trained: first run, retraining asked, ...);
* ``records`` -- how many party records it was trained on; ``u_estimated`` -- whether u
  was estimated from them (``matching.settings.MIN_RECORDS_FOR_TRAINING``);
* ``matches_per_record`` -- the prior as expected true matches of one record
  (``probability_two_random_records_match * (records - 1)``). The prior of a pair
  shrinks as the input grows while a customer's number of duplicates does not, so a
  later run with ``n`` records uses ``matches_per_record / (n - 1)``;
* ``structure_hash`` -- fingerprint of everything but the trained numbers: comparisons,
  levels, blocking rules and the feature SQL. A saved model whose fingerprint differs
  from the code's was trained for another model and is refused (retrain);
* ``splink_version``, ``model_json`` (Splink's ``save_model_to_json``), ``is_active``
  (exactly one active version once any exists).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version as package_version
from typing import Any

import duckdb

from warehouse.layout import table_exists, transaction

MODELS_TABLE = "mdm.match_models"

# Keys of Splink's settings dict that are trained (or per linker), not structure.
_TRAINED_SETTINGS_KEYS = ("probability_two_random_records_match", "linker_uid")
_TRAINED_LEVEL_KEYS = ("m_probability", "u_probability")

_DDL = f"""
create table if not exists {MODELS_TABLE} (
    model_version integer primary key,
    trained_at timestamp not null,
    run_id varchar not null,
    trained_by varchar not null,
    reason varchar not null,
    records bigint not null,
    u_estimated boolean not null,
    matches_per_record double not null,
    structure_hash varchar not null,
    splink_version varchar not null,
    model_json json not null,
    is_active boolean not null
)
"""


class ModelStructureChanged(RuntimeError):
    """The active saved model was trained for different comparisons or features."""


@dataclass(frozen=True)
class SavedModel:
    """One row of ``mdm.match_models``."""

    model_version: int
    trained_at: datetime
    run_id: str
    trained_by: str
    reason: str
    records: int
    u_estimated: bool
    matches_per_record: float
    structure_hash: str
    splink_version: str
    model_json: dict[str, Any]
    is_active: bool

    def prior_for(self, records: int) -> float:
        """``probability_two_random_records_match`` for an input of ``records`` records."""
        return min(max(self.matches_per_record / max(records - 1, 1), 1e-12), 0.5)


def structure_hash(model_json: dict[str, Any], features_sql: str) -> str:
    """Fingerprint of a Splink settings dict without its trained numbers, and of the
    feature SQL that gives its columns their meaning."""
    structure = copy.deepcopy(model_json)
    for key in _TRAINED_SETTINGS_KEYS:
        structure.pop(key, None)
    for comparison in structure.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            for key in _TRAINED_LEVEL_KEYS:
                level.pop(key, None)
    digest = hashlib.sha256()
    digest.update(json.dumps(structure, sort_keys=True, default=str).encode("utf-8"))
    digest.update(b"\0")
    digest.update(features_sql.encode("utf-8"))
    return digest.hexdigest()[:16]


def ensure_models_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mdm.match_models`` when it does not exist."""
    con.execute("create schema if not exists mdm")
    con.execute(_DDL)


def save_model(
    con: duckdb.DuckDBPyConnection,
    model_json: dict[str, Any],
    *,
    records: int,
    u_estimated: bool,
    structure: str,
    run_id: str,
    trained_by: str,
    reason: str,
    trained_at: datetime,
) -> SavedModel:
    """Store a new version and make it the active one (in one transaction)."""
    ensure_models_table(con)
    prior = float(model_json["probability_two_random_records_match"])
    row = SavedModel(
        model_version=_next_version(con),
        trained_at=trained_at,
        run_id=run_id,
        trained_by=trained_by,
        reason=reason,
        records=records,
        u_estimated=u_estimated,
        matches_per_record=prior * max(records - 1, 1),
        structure_hash=structure,
        splink_version=package_version("splink"),
        model_json=model_json,
        is_active=True,
    )
    with transaction(con):
        con.execute(f"update {MODELS_TABLE} set is_active = false where is_active")
        con.execute(
            f"insert into {MODELS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
            [
                row.model_version,
                row.trained_at,
                row.run_id,
                row.trained_by,
                row.reason,
                row.records,
                row.u_estimated,
                row.matches_per_record,
                row.structure_hash,
                row.splink_version,
                json.dumps(row.model_json),
            ],
        )
    return row


def active_model(con: duckdb.DuckDBPyConnection) -> SavedModel | None:
    """The active saved version, or None when no model was ever saved."""
    rows = _select(con, "where is_active")
    return rows[0] if rows else None


def list_models(con: duckdb.DuckDBPyConnection) -> list[SavedModel]:
    """Every saved version, newest first."""
    return _select(con, "")


def activate_model(con: duckdb.DuckDBPyConnection, model_version: int) -> SavedModel:
    """Make ``model_version`` the active one (e.g. to go back to an earlier model).

    Raises:
        LookupError: no such version.
    """
    rows = _select(con, "where model_version = ?", [model_version])
    if not rows:
        known = ", ".join(str(m.model_version) for m in list_models(con)) or "none"
        raise LookupError(f"no saved model version {model_version} (saved versions: {known})")
    con.execute(f"update {MODELS_TABLE} set is_active = (model_version = ?)", [model_version])
    return _select(con, "where model_version = ?", [model_version])[0]


def _next_version(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute(f"select coalesce(max(model_version), 0) + 1 from {MODELS_TABLE}")
    return int(rows.fetchall()[0][0])


def _select(
    con: duckdb.DuckDBPyConnection, where: str, params: list[Any] | None = None
) -> list[SavedModel]:
    if not table_exists(con, "mdm", "match_models"):
        return []
    rows = con.execute(
        f"""
        select model_version, trained_at, run_id, trained_by, reason, records, u_estimated,
            matches_per_record, structure_hash, splink_version, model_json::varchar,
            is_active
        from {MODELS_TABLE} {where}
        order by model_version desc
        """,
        params or [],
    ).fetchall()
    return [
        SavedModel(
            model_version=int(r[0]),
            trained_at=r[1],
            run_id=r[2],
            trained_by=r[3],
            reason=r[4],
            records=int(r[5]),
            u_estimated=bool(r[6]),
            matches_per_record=float(r[7]),
            structure_hash=r[8],
            splink_version=r[9],
            model_json=json.loads(r[10]),
            is_active=bool(r[11]),
        )
        for r in rows
    ]
