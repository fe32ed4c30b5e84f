"""Ingest landing files into ``raw.*``, with the manifest and quarantine.

``ingest_entity`` looks at every file of one entity (sorted by name) and, for each file
not yet in ``audit.ingested_files`` with the same SHA-256, reads and validates it, then
writes in one DuckDB transaction: its good rows to ``raw.<table>``, its bad rows to
``quarantine.rejected_rows`` (or the whole file to ``quarantine.rejected_files``) and its
manifest row. A crash therefore never leaves half a file, and a file that is not in the
manifest is simply read again on the next run.

Manifest status: ``loaded`` (every record landed), ``partially_quarantined`` (some or all
records are in ``quarantine.rejected_rows``), ``quarantined`` (the file could not be read
and is in ``quarantine.rejected_files``; its row counts are 0), ``empty`` (no records).
``rows_total = rows_loaded + rows_quarantined`` always holds, and matches the rows in
``raw`` and ``quarantine.rejected_rows`` for the file version (its path and SHA-256:
``_source_file, _file_sha256`` in raw, ``file_path, file_sha256`` in quarantine);
``quality.reconciliation`` proves it every run.

Ingest of one warehouse is expected to run one file at a time (DuckDB has one writer);
``delivery_seq`` is the manifest's highest value plus one.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from sources.formats import JsonlFormat, NativeFormat
from sources.readers import FileRejected, read_file
from sources.registry import Entity, native_format
from sources.validation import validate
from warehouse.layout import ensure_schemas

log = logging.getLogger(__name__)

METADATA_COLUMNS = (
    ("_source_file", "VARCHAR"),
    ("_line_number", "BIGINT"),
    ("_file_sha256", "VARCHAR"),
    ("_delivery_seq", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
    ("_run_id", "VARCHAR"),
)

MANIFEST_DDL = """
create table if not exists audit.ingested_files (
    file_path varchar not null,
    source_system varchar not null,
    entity varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    delivery_seq bigint not null,
    status varchar not null,
    rows_total bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    is_redelivery boolean not null,
    ingested_at timestamp not null,
    run_id varchar,
    notes varchar
)
"""
# What the reader noticed without rejecting anything (extra columns it ignored), so that
# it can be queried; warehouses created before get the column added.
MANIFEST_NOTES_DDL = "alter table audit.ingested_files add column if not exists notes varchar"

REJECTED_ROWS_DDL = """
create table if not exists quarantine.rejected_rows (
    run_id varchar,
    source_system varchar not null,
    entity varchar not null,
    file_path varchar not null,
    line_number bigint,
    field varchar,
    reason varchar not null,
    raw_text varchar,
    quarantined_at timestamp not null,
    file_sha256 varchar
)
"""

# ``file_sha256`` tells apart two deliveries under one file name. Warehouses created before
# it existed get it added (their old rows keep null there; reconciliation matches those by
# file name and run).
REJECTED_ROWS_SHA_DDL = (
    "alter table quarantine.rejected_rows add column if not exists file_sha256 varchar"
)

REJECTED_FILES_DDL = """
create table if not exists quarantine.rejected_files (
    run_id varchar,
    source_system varchar not null,
    entity varchar not null,
    file_path varchar not null,
    sha256 varchar not null,
    reason varchar not null,
    quarantined_at timestamp not null
)
"""

_SQL_TYPES = {"text": "VARCHAR", "json": "VARCHAR", "bigint": "BIGINT", "boolean": "BOOLEAN"}


@dataclass
class IngestReport:
    """What one ``ingest_entity`` call did."""

    entity: Entity
    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0  # already in the manifest with the same content
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # reason -> count (rows and files)
    file_errors: list[str] = field(default_factory=list)  # "crm/contacts_0002.csv: not UTF-8 ..."


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def native_columns(fmt: NativeFormat) -> list[tuple[str, str]]:
    """The native ``raw`` columns of a format with their SQL types."""
    if isinstance(fmt, JsonlFormat):
        return [(f.name, _SQL_TYPES[f.storage]) for f in fmt.stored_fields if f.storage]
    return [(name, "VARCHAR") for name in fmt.columns]


def ensure_tables(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """Create the entity's raw table, the manifest and the quarantine tables if missing."""
    ensure_schemas(con)
    columns = native_columns(native_format(entity)) + list(METADATA_COLUMNS)
    body = ",\n    ".join(f"{_quote(name)} {sql_type}" for name, sql_type in columns)
    con.execute(f"create table if not exists raw.{_quote(entity.raw_table)} (\n    {body}\n)")
    con.execute(MANIFEST_DDL)
    con.execute(MANIFEST_NOTES_DDL)
    con.execute(REJECTED_ROWS_DDL)
    con.execute(REJECTED_ROWS_SHA_DDL)
    con.execute(REJECTED_FILES_DDL)


@dataclass
class _FileOutcome:
    status: str
    rows: pl.DataFrame | None = None
    rejected_rows: pl.DataFrame | None = None
    file_reason: str | None = None
    rows_total: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    notes: tuple[str, ...] = ()


def _read(data: bytes, entity: Entity) -> _FileOutcome:
    """Read and validate one file's bytes; no database work."""
    fmt = native_format(entity)
    try:
        parsed = read_file(data, fmt)
    except FileRejected as rejected:
        return _FileOutcome(
            "quarantined", file_reason=rejected.reason, reasons=Counter({rejected.category: 1})
        )
    checked = validate(parsed, fmt, entity.id_columns)
    reasons = Counter(parsed.notes)
    reasons.update(r.category for r in checked.rejected)
    rejected_rows = pl.DataFrame(
        {
            "line_number": [r.line_number for r in checked.rejected],
            "field": [r.field for r in checked.rejected],
            "reason": [r.reason for r in checked.rejected],
            "raw_text": [r.raw_text for r in checked.rejected],
        },
        schema={
            "line_number": pl.Int64,
            "field": pl.String,
            "reason": pl.String,
            "raw_text": pl.String,
        },
    )
    if parsed.records == 0:
        status = "empty"
    elif checked.rejected:
        status = "partially_quarantined"
    else:
        status = "loaded"
    return _FileOutcome(
        status,
        rows=checked.rows,
        rejected_rows=rejected_rows,
        rows_total=parsed.records,
        reasons=reasons,
        notes=tuple(sorted(parsed.notes)),
    )


def _write(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    relative: str,
    sha256: str,
    size: int,
    is_redelivery: bool,
    outcome: _FileOutcome,
    run_id: str,
) -> None:
    """Everything about one file, in one transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    fmt = native_format(entity)
    con.begin()
    try:
        [(seq,)] = con.execute(
            "select coalesce(max(delivery_seq), 0) + 1 from audit.ingested_files"
        ).fetchall()
        if outcome.rows is not None and outcome.rows.height:
            con.register("_ingest_rows", outcome.rows.to_arrow())
            names = ", ".join(_quote(name) for name, _ in native_columns(fmt))
            metadata = ", ".join(_quote(name) for name, _ in METADATA_COLUMNS)
            con.execute(
                f"""
                insert into raw.{_quote(entity.raw_table)} ({names}, {metadata})
                select {names}, ?, _line_number, ?, ?, ?, ? from _ingest_rows
                """,
                [relative, sha256, seq, now, run_id],
            )
            con.unregister("_ingest_rows")
        if outcome.rejected_rows is not None and outcome.rejected_rows.height:
            con.register("_ingest_rejected", outcome.rejected_rows.to_arrow())
            con.execute(
                """
                insert into quarantine.rejected_rows (run_id, source_system, entity,
                    file_path, line_number, field, reason, raw_text, quarantined_at,
                    file_sha256)
                select ?, ?, ?, ?, line_number, field, reason, raw_text, ?, ?
                from _ingest_rejected
                """,
                [run_id, entity.source_system, entity.name, relative, now, sha256],
            )
            con.unregister("_ingest_rejected")
        if outcome.file_reason is not None:
            con.execute(
                "insert into quarantine.rejected_files values (?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    entity.source_system,
                    entity.name,
                    relative,
                    sha256,
                    outcome.file_reason,
                    now,
                ],
            )
        loaded = outcome.rows.height if outcome.rows is not None else 0
        quarantined = outcome.rejected_rows.height if outcome.rejected_rows is not None else 0
        con.execute(
            """
            insert into audit.ingested_files (file_path, source_system, entity, sha256,
                size_bytes, delivery_seq, status, rows_total, rows_loaded, rows_quarantined,
                is_redelivery, ingested_at, run_id, notes)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                relative,
                entity.source_system,
                entity.name,
                sha256,
                size,
                seq,
                outcome.status,
                outcome.rows_total,
                loaded,
                quarantined,
                is_redelivery,
                now,
                run_id,
                "; ".join(outcome.notes) or None,
            ],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def ingest_entity(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, entity: Entity, run_id: str
) -> IngestReport:
    """Ingest every new or re-delivered file of ``entity`` under ``landing_dir``.

    Files already ingested (same path relative to ``landing_dir`` and same SHA-256) are
    skipped; a known path with new content is ingested and flagged ``is_redelivery``.
    Bad rows and unreadable files are quarantined with their reason and never stop the
    other files. The raw table exists afterwards even when there are no files.
    """
    ensure_tables(con, entity)
    report = IngestReport(entity=entity)
    reasons: Counter[str] = Counter()
    landing_dir = Path(landing_dir)
    paths = sorted(p for p in landing_dir.glob(entity.pattern) if p.is_file())
    for path in paths:
        relative = path.relative_to(landing_dir).as_posix()
        report.files_seen += 1
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        known = {
            row[0]
            for row in con.execute(
                "select sha256 from audit.ingested_files where file_path = ?", [relative]
            ).fetchall()
        }
        if sha256 in known:
            report.files_skipped += 1
            continue
        outcome = _read(data, entity)
        _write(con, entity, relative, sha256, len(data), bool(known), outcome, run_id)

        reasons.update(outcome.reasons)
        if outcome.file_reason is not None:
            report.files_quarantined += 1
            report.file_errors.append(f"{relative}: {outcome.file_reason}")
            log.warning("%s quarantined: %s", relative, outcome.file_reason)
        else:
            report.files_ingested += 1
            report.rows_loaded += outcome.rows.height if outcome.rows is not None else 0
            quarantined = outcome.rejected_rows.height if outcome.rejected_rows is not None else 0
            report.rows_quarantined += quarantined
            for note in (r for r in outcome.reasons if r.startswith("extra column")):
                log.warning("%s: %s", relative, note)
            if quarantined:
                log.warning("%s: %d row(s) quarantined", relative, quarantined)
    report.reasons = dict(sorted(reasons.items()))
    return report
