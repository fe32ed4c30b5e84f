"""Steward decisions from the console: kept in the service store until a run applies them.

The steward console (``warehouse.console``) runs beside the pipeline, and a run holds the
warehouse file for as long as it lasts, so a decision cannot go straight into
``mdm.match_decisions`` or ``mdm.attribute_pins``. It is written to the service store (the
SQLite file of ``warehouse.access``), which takes writes at any time, and the next run
imports every decision not imported yet before matching (:func:`import_decisions`). A
decision made while a run is in progress is therefore never lost: it waits for the run
after.

Every console action becomes override rows the pipeline already understands:

* ``confirm`` a queued pair: a must-link between its two records;
* ``reject`` a queued pair: a cannot-link between them;
* ``split`` a record out of its golden record: a cannot-link between that record and each
  other record of the golden record;
* ``merge`` two golden records: a must-link between a record of each;
* ``pin`` an attribute value: a pin (``warehouse.pins``).

Imported rows carry ids derived from the decision id, so importing twice (a run that died
between writing the warehouse and marking the store) adds nothing. A decision is *pending*
until a published snapshot holds it: the console compares with the snapshot's copy of
``mdm.match_decisions`` and ``mdm.attribute_pins``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from matching.overrides import DECISIONS_TABLE, ensure_decisions_table
from matching.overrides import record_decision as record_match_decision
from warehouse.access import Caller, audit, service_db
from warehouse.layout import transaction
from warehouse.pins import (
    PINS_TABLE,
    PinError,
    ensure_pins_table,
    normalize_pin_value,
    pin_attribute,
)

ACTIONS: tuple[str, ...] = ("confirm", "reject", "split", "merge", "pin")
STEWARD_ROLES: frozenset[str] = frozenset({"steward", "admin"})

_SCHEMA = """
create table if not exists steward_decisions (
    decision_id text primary key,
    action text not null,
    review_id text,
    golden_id text,
    attribute text,
    value text,
    links text not null,
    decided_by text not null,
    key_id text,
    reason text not null,
    decided_at text not null,
    imported_at text,
    imported_run_id text
);
create index if not exists steward_decisions_pending on steward_decisions (imported_at);
"""

Record = tuple[str, str]  # (source_system, source_record_id)


class DecisionError(ValueError):
    """A decision that cannot be taken as given; the message says what to change."""


@dataclass(frozen=True)
class Link:
    """One must-link or cannot-link between two source records."""

    decision: str
    left: Record
    right: Record


@dataclass
class StewardDecision:
    decision_id: str
    action: str
    decided_by: str
    reason: str
    decided_at: datetime
    review_id: str | None = None
    golden_id: str | None = None
    attribute: str | None = None
    value: str | None = None
    links: list[Link] = field(default_factory=list)
    imported_at: datetime | None = None
    imported_run_id: str | None = None


def ensure_store(con: sqlite3.Connection) -> None:
    con.executescript(_SCHEMA)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def links_for(
    action: str,
    *,
    pair: tuple[Record, Record] | None = None,
    record: Record | None = None,
    cluster: Sequence[Record] = (),
    other_cluster: Sequence[Record] = (),
) -> list[Link]:
    """The override rows one console action stands for.

    ``pair`` is the queued pair (confirm, reject); ``record`` and ``cluster`` the record to
    split out and every record of its golden record (split); ``cluster`` and
    ``other_cluster`` the records of the two golden records to merge (merge; the decision's
    ``value`` names the other golden id).
    """
    if action in ("confirm", "reject"):
        if pair is None or pair[0] == pair[1]:
            raise DecisionError(f"{action} needs a pair of two different records")
        return [Link("must_link" if action == "confirm" else "cannot_link", pair[0], pair[1])]
    if action == "split":
        if record is None:
            raise DecisionError("split needs the record to take out of its golden record")
        others = sorted({r for r in cluster if r != record})
        if not others:
            raise DecisionError(
                f"{record[0]}/{record[1]} is the only record of its golden record: "
                "there is nothing to split it from"
            )
        return [Link("cannot_link", record, other) for other in others]
    if action == "merge":
        if not cluster or not other_cluster:
            raise DecisionError("merge needs two golden records that have source records")
        if set(cluster) & set(other_cluster):
            raise DecisionError("these golden records share source records; nothing to merge")
        # one must-link joins the two clusters; the smallest keys keep it reproducible
        return [Link("must_link", min(cluster), min(other_cluster))]
    raise DecisionError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")


def record_decision(
    con: sqlite3.Connection,
    caller: Caller,
    action: str,
    reason: str,
    *,
    links: Sequence[Link] = (),
    review_id: str | None = None,
    golden_id: str | None = None,
    attribute: str | None = None,
    value: str | None = None,
    decided_at: datetime | None = None,
) -> StewardDecision:
    """Store a steward's decision as pending and audit it; returns it.

    Raises :class:`DecisionError` (or :class:`warehouse.pins.PinError` for a pin value) with
    the reason when the decision is incomplete or the caller may not decide.
    """
    if caller.role not in STEWARD_ROLES:
        raise DecisionError(f"role {caller.role!r} may not make steward decisions")
    if action not in ACTIONS:
        raise DecisionError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not reason.strip():
        raise DecisionError("every decision needs a reason")
    if action == "pin":
        if not golden_id or not attribute:
            raise DecisionError("a pin needs a golden id and an attribute")
        value = normalize_pin_value(attribute, value or "")
    elif not links:
        raise DecisionError(f"{action} needs the records it links or keeps apart")
    ensure_store(con)
    decision = StewardDecision(
        decision_id=str(uuid.uuid4()),
        action=action,
        decided_by=caller.name,
        reason=reason.strip(),
        decided_at=decided_at or _now(),
        review_id=review_id,
        golden_id=golden_id,
        attribute=attribute,
        value=value,
        links=list(links),
    )
    con.execute(
        "insert into steward_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)",
        [
            decision.decision_id,
            action,
            review_id,
            golden_id,
            attribute,
            value,
            json.dumps([[link.decision, *link.left, *link.right] for link in decision.links]),
            caller.name,
            caller.key_id,
            decision.reason,
            decision.decided_at.isoformat(timespec="microseconds"),
        ],
    )
    audit(con, caller, f"steward_{action}", _resource(decision), decision.reason)
    return decision


def _resource(decision: StewardDecision) -> str:
    if decision.review_id:
        return f"review:{decision.review_id}"
    if decision.golden_id:
        return f"customer:{decision.golden_id}"
    first = decision.links[0]
    return f"record:{first.left[0]}/{first.left[1]}"


def _from_row(row: sqlite3.Row | tuple) -> StewardDecision:
    (
        decision_id,
        action,
        review_id,
        golden_id,
        attribute,
        value,
        links,
        decided_by,
        _key_id,
        reason,
        decided_at,
        imported_at,
        imported_run_id,
    ) = row
    return StewardDecision(
        decision_id=decision_id,
        action=action,
        decided_by=decided_by,
        reason=reason,
        decided_at=datetime.fromisoformat(decided_at),
        review_id=review_id,
        golden_id=golden_id,
        attribute=attribute,
        value=value,
        links=[Link(d, (ls, lr), (rs, rr)) for d, ls, lr, rs, rr in json.loads(links)],
        imported_at=datetime.fromisoformat(imported_at) if imported_at else None,
        imported_run_id=imported_run_id,
    )


def list_decisions(
    con: sqlite3.Connection, *, pending_only: bool = False, limit: int | None = 200
) -> list[StewardDecision]:
    """The latest decisions first (all of them with ``limit=None``); ``pending_only``:
    those no run has imported yet."""
    ensure_store(con)
    where = "where imported_at is null" if pending_only else ""
    rows = con.execute(
        f"select * from steward_decisions {where} order by decided_at desc limit ?",
        [-1 if limit is None else limit],  # SQLite: a negative limit is no limit
    ).fetchall()
    return [_from_row(row) for row in rows]


def pending_count(con: sqlite3.Connection) -> int:
    """How many decisions no run has imported yet."""
    ensure_store(con)
    query = "select count(*) from steward_decisions where imported_at is null"
    return con.execute(query).fetchone()[0]


def decisions_for_review(con: sqlite3.Connection, review_id: str) -> list[StewardDecision]:
    """Confirms and rejects of one review queue pair, latest first."""
    return _decisions_where(con, "review_id", review_id)


def decisions_for_customer(con: sqlite3.Connection, golden_id: str) -> list[StewardDecision]:
    """Splits, merges and pins decided on a golden record's page, latest first."""
    return _decisions_where(con, "golden_id", golden_id)


def _decisions_where(con: sqlite3.Connection, column: str, value: str) -> list[StewardDecision]:
    ensure_store(con)
    rows = con.execute(
        f"select * from steward_decisions where {column} = ? order by decided_at desc", [value]
    ).fetchall()
    return [_from_row(row) for row in rows]


def link_ids(decision: StewardDecision) -> list[str]:
    """The ids the decision's rows get in ``mdm.match_decisions``."""
    return [f"{decision.decision_id}:{n}" for n in range(len(decision.links))]


@dataclass
class ImportReport:
    decisions: int = 0
    match_decisions: int = 0
    pins: int = 0
    by_action: dict[str, int] = field(default_factory=dict)


def import_decisions(
    con: duckdb.DuckDBPyConnection, store: Path | None, run_id: str
) -> ImportReport:
    """Move every decision not imported yet from the service store into the warehouse's
    override tables (``mdm.match_decisions``, ``mdm.attribute_pins``), then mark them
    imported by ``run_id``. Safe to repeat: rows already in the warehouse are skipped."""
    report = ImportReport()
    path = Path(store) if store else None
    if path is not None and not path.exists():
        return report  # no service has run: no console decisions
    with service_db(path) as db:
        pending = list_decisions(db, pending_only=True, limit=None)
    if not pending:
        return report
    ensure_decisions_table(con)
    ensure_pins_table(con)
    known_links = {
        row[0] for row in con.execute(f"select decision_id from {DECISIONS_TABLE}").fetchall()
    }
    known_pins = {row[0] for row in con.execute(f"select pin_id from {PINS_TABLE}").fetchall()}
    with transaction(con):
        for decision in sorted(pending, key=lambda d: d.decided_at):
            # the writers `mdm pin` and the overrides use, with ids derived from the decision
            reason = f"{decision.reason} (console {decision.action})"
            who, when = decision.decided_by, decision.decided_at
            if decision.action == "pin" and decision.decision_id not in known_pins:
                pin_attribute(
                    con, decision.golden_id, decision.attribute, decision.value, who, reason,
                    when, pin_id=decision.decision_id,
                )  # fmt: skip
                report.pins += 1
            for link_id, link in zip(link_ids(decision), decision.links, strict=True):
                if link_id not in known_links:
                    record_match_decision(
                        con, link.decision, link.left, link.right, who, reason, when,
                        decision_id=link_id,
                    )  # fmt: skip
                    report.match_decisions += 1
            report.by_action[decision.action] = report.by_action.get(decision.action, 0) + 1
    imported_at = _now().isoformat(timespec="microseconds")
    with service_db(path) as db:
        db.executemany(
            "update steward_decisions set imported_at = ?, imported_run_id = ? "
            "where decision_id = ?",
            [(imported_at, run_id, d.decision_id) for d in pending],
        )
    report.decisions = len(pending)
    return report


__all__ = [
    "ACTIONS",
    "DecisionError",
    "ImportReport",
    "Link",
    "PinError",
    "StewardDecision",
    "decisions_for_customer",
    "decisions_for_review",
    "import_decisions",
    "link_ids",
    "links_for",
    "list_decisions",
    "pending_count",
    "record_decision",
]
