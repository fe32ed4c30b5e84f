"""Who may read what: API keys with roles, masking of personal data, and the audit log.

The service keeps its own small store, an SQLite file at ``MDM_SERVICE_DB`` (default
``service.sqlite`` beside the warehouse), apart from the warehouse: the ``mdm keys`` command
and the running service write it at the same time, which SQLite's locking allows and
DuckDB's does not.

* **Keys** are shown once when created (``mdm_<key id>_<secret>``) and stored as a SHA-256
  hash of the secret; a revoked key stops working at once.
* **Roles**: ``app`` and ``analyst`` see personal data masked as the design papers ask (a
  phone shows its first three and last four digits, an e-mail its first letter and domain,
  a birth date its year); ``steward`` and ``admin`` see it in full.
* **Audit**: every read of personal data and every key change is logged (who, what, when)
  and kept ``AUDIT_RETENTION_DAYS`` days.
"""

from __future__ import annotations

import hashlib
import hmac
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from warehouse.config import service_db_path

ROLES: tuple[str, ...] = ("app", "analyst", "steward", "admin")
FULL_VIEW_ROLES: frozenset[str] = frozenset({"steward", "admin"})
AUDIT_RETENTION_DAYS = 180
KEY_PREFIX = "mdm"
INSERT_AUDIT = "insert into audit_log values (?, ?, ?, ?, ?, ?)"

_SCHEMA = """
create table if not exists api_keys (
    key_id text primary key,
    name text not null,
    role text not null,
    secret_sha256 text not null,
    created_at text not null,
    created_by text not null,
    revoked_at text
);
create table if not exists audit_log (
    at text not null,
    key_id text,
    role text,
    action text not null,
    resource text not null,
    detail text
);
create index if not exists audit_log_at on audit_log (at);
"""


class AccessDenied(PermissionError):
    """No key, an unknown or revoked key, or a role without the right."""


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    role: str

    @property
    def full_view(self) -> bool:
        return self.role in FULL_VIEW_ROLES


@contextmanager
def service_db(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """The service store, created on first use; committed when the block ends."""
    con = _open(path or service_db_path())
    try:
        yield con
        con.commit()
    finally:
        con.close()


def _open(target: Path) -> sqlite3.Connection:
    target.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread off: FastAPI may close a request's connection on another thread
    con = sqlite3.connect(target, timeout=30, check_same_thread=False)
    # WAL: key lookups read while the audit writer writes
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=normal")
    con.executescript(_SCHEMA)
    return con


class KeyStore:
    """Key lookups for the service: one open read connection per worker thread, so a
    request costs one indexed read (a revoked key fails on its next request)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or service_db_path()
        _open(self.path).close()  # create the store before the first request
        self._local = threading.local()

    def authenticate(self, key: str | None) -> Caller:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._local.con = con
        return authenticate(con, key)


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(con: sqlite3.Connection, name: str, role: str, created_by: str) -> tuple[str, str]:
    """A new key for ``role``; returns ``(key_id, key)``. The key is not stored, only its hash."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name.strip():
        raise ValueError("a key needs a name saying who or what uses it")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    con.execute(
        "insert into api_keys values (?, ?, ?, ?, ?, ?, null)",
        [key_id, name, role, _hash(secret), _now(), created_by],
    )
    audit(con, None, "key_created", f"key:{key_id}", f"role={role} name={name} by={created_by}")
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}"


def revoke_key(con: sqlite3.Connection, key_id: str, revoked_by: str) -> None:
    updated = con.execute(
        "update api_keys set revoked_at = ? where key_id = ? and revoked_at is null",
        [_now(), key_id],
    ).rowcount
    if not updated:
        raise LookupError(f"no active key {key_id}")
    audit(con, None, "key_revoked", f"key:{key_id}", f"by={revoked_by}")


def list_keys(con: sqlite3.Connection) -> list[tuple[str, str, str, str, str | None]]:
    """``(key_id, name, role, created_at, revoked_at)`` of every key, oldest first."""
    return con.execute(
        "select key_id, name, role, created_at, revoked_at from api_keys order by created_at"
    ).fetchall()


def authenticate(con: sqlite3.Connection, key: str | None) -> Caller:
    """The caller a presented key belongs to, or :class:`AccessDenied` saying why."""
    if not key:
        raise AccessDenied("an API key is required (header X-API-Key or Authorization: Bearer)")
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise AccessDenied("malformed API key")
    _, key_id, secret = parts
    row = con.execute(
        "select name, role, secret_sha256, revoked_at from api_keys where key_id = ?", [key_id]
    ).fetchone()
    if row is None or not hmac.compare_digest(row[2], _hash(secret)):
        raise AccessDenied("unknown API key")
    if row[3] is not None:
        raise AccessDenied("revoked API key")
    return Caller(key_id=key_id, name=row[0], role=row[1])


def audit(
    con: sqlite3.Connection,
    caller: Caller | None,
    action: str,
    resource: str,
    detail: str | None = None,
) -> None:
    """Log one action now (key changes; requests go through :class:`AuditWriter`)."""
    con.execute(INSERT_AUDIT, _entry(caller, action, resource, detail))
    purge_audit(con)


def purge_audit(con: sqlite3.Connection) -> int:
    """Delete audit entries older than the retention period; returns how many."""
    cutoff = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=AUDIT_RETENTION_DAYS)
    return con.execute("delete from audit_log where at < ?", [cutoff.isoformat()]).rowcount


def _entry(caller: Caller | None, action: str, resource: str, detail: str | None) -> list:
    return [
        _now(),
        caller.key_id if caller else None,
        caller.role if caller else None,
        action,
        resource,
        detail,
    ]


class AuditWriter:
    """Request audit entries, written by one background thread in batches.

    Fifty clients writing one row each would queue on SQLite's single writer; one writer
    committing every ``interval`` seconds does not. An entry is in the log within
    ``interval`` seconds of the request; :meth:`flush` writes what is queued at once (the
    service calls it when it stops). Old entries are purged at start and then hourly.
    """

    def __init__(self, path: Path | None = None, interval: float = 0.2) -> None:
        self.path = path
        self.interval = interval
        self._queue: queue.SimpleQueue[list] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._purged_at = 0.0
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def log(
        self, caller: Caller | None, action: str, resource: str, detail: str | None = None
    ) -> None:
        self._queue.put(_entry(caller, action, resource, detail))

    def flush(self) -> None:
        entries = []
        while True:
            try:
                entries.append(self._queue.get_nowait())
            except queue.Empty:
                break
        purge_due = time.monotonic() - self._purged_at > 3600
        if not entries and not purge_due:
            return  # nothing to do: do not open the store every interval
        with self._lock, service_db(self.path) as con:
            if entries:
                con.executemany(INSERT_AUDIT, entries)
            if purge_due:
                purge_audit(con)
                self._purged_at = time.monotonic()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()


# --------------------------------------------------------------------------------------
# masking
# --------------------------------------------------------------------------------------


def mask_phone(phone: str | None) -> str | None:
    """``+8613800138000`` -> ``+86*******8000``: the first three and last four characters."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str | None) -> str | None:
    """``ann.lee@example.com`` -> ``a***@example.com``."""
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_birth_date(value: date | str | None) -> str | None:
    """Only the year: ``1990``."""
    if value is None:
        return None
    return str(value)[:4]


MASKS = {
    "phone": mask_phone,
    "email": mask_email,
    "birth_date": mask_birth_date,
}


def masked(record: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
    """The record as ``caller`` may see it."""
    if caller.full_view:
        return dict(record)
    return {key: MASKS[key](value) if key in MASKS else value for key, value in record.items()}


def masked_lineage(rows: Iterable[Mapping[str, Any]], caller: Caller) -> list[dict[str, Any]]:
    """Lineage rows with the value of a personal attribute masked for ``caller``."""
    out = []
    for row in rows:
        row = dict(row)
        if not caller.full_view and row.get("attribute") in MASKS:
            row["value"] = MASKS[row["attribute"]](row["value"])
        out.append(row)
    return out
