"""Reconciliation: every delivered row is in exactly one place, every current record in the xref.

The architecture promises that nothing is lost: every row of every delivered file ends in
``raw`` (the current version of a source record, or history) or in quarantine with a reason,
and every current source record has one row in the cross-reference. ``reconcile`` proves it
for one run, without changing any data, in three parts:

Files. For every file version in the manifest (``audit.ingested_files``: one row per file
path and SHA-256), the rows the manifest says it had (``rows_total``) are exactly its rows in
``raw.<table>`` (``_source_file``, ``_file_sha256``) plus its rows in
``quarantine.rejected_rows`` (``file_path``, ``file_sha256``); no line of the version is in
raw twice, in quarantine twice or in both; a version quarantined whole is in
``quarantine.rejected_files`` and has no rows anywhere; and no raw or quarantine row belongs
to a version the manifest does not know. Quarantine rows written before ``file_sha256``
existed (null there) are matched to the version the same run ingested under that path, or
else to the only version of that path.

Landing recount. When the landing file is still there with the manifest's SHA-256, its
records are counted again in plain Python, independently of ``sources.readers``: JSON Lines,
the lines that hold more than white space; CSV, the records Python's ``csv`` module reads
with the format's delimiter, minus the header. The count must equal ``rows_total``; when the
counts disagree, the first lines of the file's records name the lines that are missing from
the warehouse (or that the warehouse holds but the file has not). A CSV file whose quoting
can be read two ways (an unclosed or stray quote, a quoted record with the wrong number of
fields, a quoted field running over a whole record's line) is not recounted: the result says
so rather than guessing, because the reader quarantines such a line and resumes after it
where RFC 4180 would swallow the following lines.

Cross-reference. Every current source record (``staging.int_party_records``) has exactly
one row in ``mdm_build.customer_xref``, every xref row is a current source record, and
every native id of the party entities in ``raw`` has a current source record (older
versions of it are history).

Results go to ``quality.reconciliation`` (one row per run and file version) and
``quality.reconciliation_xref`` (one row per run and source system); a retried check
replaces what the same run wrote before.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from quality.suites import RAW_IDENTITY, SOURCE_SYSTEMS
from sources.formats import CsvFormat, NativeFormat
from sources.readers import MAX_LINES_PER_RECORD
from sources.registry import ENTITIES, entity, native_format
from warehouse.layout import table_exists, transaction

__all__ = [
    "FileCheck",
    "ReconciliationResult",
    "Recount",
    "XrefCheck",
    "reconcile",
    "recount_file",
]

UTF8_BOM = b"\xef\xbb\xbf"

# A JSON Lines line is blank when it holds only these (the white space of the reader's
# DuckDB regular expressions; JSON's own white space plus form feed).
JSON_BLANK = b" \t\r\n\f"

# Python's csv module refuses fields above 128 KiB by default; a landing field may be larger.
CSV_FIELD_SIZE_LIMIT = 1 << 30

SAMPLE_SIZE = 5  # line numbers or record keys named per finding
DESCRIBED_FINDINGS = 10  # files and source systems named in the description

# The party entities' native ids in raw, keyed as SOURCES.md does downstream.
# source system -> (raw table, native id as SQL over its row ``r``): the gates' rule.
PARTY_IDS = {system: RAW_IDENTITY[system][:2] for system in SOURCE_SYSTEMS}

RECONCILIATION_DDL = """
create table if not exists quality.reconciliation (
    run_id varchar not null,
    checked_at timestamp not null,
    source_system varchar,
    entity varchar,
    file_path varchar not null,
    file_sha256 varchar,
    delivery_seq bigint,
    manifest_status varchar,
    rows_delivered bigint,
    rows_recounted bigint,
    rows_in_raw bigint not null,
    rows_in_quarantine bigint not null,
    status varchar not null,
    detail varchar
)
"""

RECONCILIATION_XREF_DDL = """
create table if not exists quality.reconciliation_xref (
    run_id varchar not null,
    checked_at timestamp not null,
    source_system varchar not null,
    raw_native_ids bigint not null,
    current_records bigint not null,
    xref_rows bigint not null,
    records_without_xref bigint not null,
    records_with_several_xref bigint not null,
    xref_without_record bigint not null,
    raw_ids_without_record bigint not null,
    status varchar not null,
    detail varchar
)
"""


# --- results ------------------------------------------------------------------------------


@dataclass
class FileCheck:
    """One file version: what the manifest says, what the warehouse and the file hold."""

    file_path: str
    file_sha256: str | None
    source_system: str | None = None
    entity: str | None = None
    delivery_seq: int | None = None
    manifest_status: str | None = None
    rows_delivered: int | None = None  # the manifest's rows_total
    rows_recounted: int | None = None  # None: not recounted (see notes)
    rows_in_raw: int = 0
    rows_in_quarantine: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "mismatch" if self.problems else "ok"

    @property
    def detail(self) -> str | None:
        return "; ".join(self.problems + self.notes) or None

    def describe(self) -> str:
        version = f"sha256 {self.file_sha256[:12]}" if self.file_sha256 else "no sha256"
        if self.delivery_seq is not None:
            version += f", delivery {self.delivery_seq}"
        return f"{self.file_path} ({version}): {self.detail}"


@dataclass
class XrefCheck:
    """One source system: its current records against the xref and the native ids in raw."""

    source_system: str
    raw_native_ids: int = 0
    current_records: int = 0
    xref_rows: int = 0
    records_without_xref: int = 0
    records_with_several_xref: int = 0
    xref_without_record: int = 0
    raw_ids_without_record: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "mismatch" if self.problems else "ok"

    @property
    def detail(self) -> str | None:
        return "; ".join(self.problems) or None

    def describe(self) -> str:
        return f"xref {self.source_system}: {self.detail}"


@dataclass
class ReconciliationResult:
    """The outcome of one reconciliation; ``passed`` is false when anything does not add up."""

    run_id: str
    checked_at: datetime
    files: list[FileCheck]
    xref: list[XrefCheck]
    xref_checked: bool = True

    @property
    def passed(self) -> bool:
        return not self.file_failures() and not self.xref_failures()

    def file_failures(self) -> list[FileCheck]:
        return [f for f in self.files if f.problems]

    def xref_failures(self) -> list[XrefCheck]:
        return [x for x in self.xref if x.problems]

    def totals(self) -> dict[str, int]:
        """Figures over every file version and source system."""
        return {
            "file_versions": len(self.files),
            "files_mismatched": len(self.file_failures()),
            "rows_delivered": sum(f.rows_delivered or 0 for f in self.files),
            "rows_in_raw": sum(f.rows_in_raw for f in self.files),
            "rows_in_quarantine": sum(f.rows_in_quarantine for f in self.files),
            "files_recounted": sum(f.rows_recounted is not None for f in self.files),
            "rows_recounted": sum(f.rows_recounted or 0 for f in self.files),
            "current_records": sum(x.current_records for x in self.xref),
            "xref_rows": sum(x.xref_rows for x in self.xref),
            "source_systems_mismatched": len(self.xref_failures()),
        }

    def describe(self) -> str:
        """A readable report: the verdict first, then each finding with its counts and lines."""
        t = self.totals()
        if self.passed:
            xref = (
                f"; {len(self.xref)} source systems: {t['current_records']:,} current records, "
                f"{t['xref_rows']:,} xref rows"
                if self.xref_checked
                else ""
            )
            return (
                f"Reconciliation passed: {t['file_versions']} file versions, "
                f"{t['rows_delivered']:,} rows delivered = {t['rows_in_raw']:,} in raw + "
                f"{t['rows_in_quarantine']:,} in quarantine ({t['files_recounted']} files "
                f"recounted from the landing folder){xref}"
            )
        parts = []
        if t["files_mismatched"]:
            parts.append(f"{t['files_mismatched']} of {t['file_versions']} file versions")
        if t["source_systems_mismatched"]:
            parts.append(f"{t['source_systems_mismatched']} of {len(self.xref)} source systems")
        lines = [f"Reconciliation FAILED: {' and '.join(parts)} do not reconcile"]
        findings = [f.describe() for f in self.file_failures()]
        findings += [x.describe() for x in self.xref_failures()]
        lines += [f"- {finding}" for finding in findings[:DESCRIBED_FINDINGS]]
        if len(findings) > DESCRIBED_FINDINGS:
            lines.append(
                f"- ... and {len(findings) - DESCRIBED_FINDINGS} more "
                f"(quality.reconciliation, run {self.run_id})"
            )
        return "\n".join(lines)


# --- landing recount ----------------------------------------------------------------------


@dataclass
class Recount:
    """An independent count of a landing file's records: ``records`` and the first line of
    each (1-based physical lines, as ``_line_number``), or None with ``note`` saying why."""

    records: int | None
    start_lines: list[int] | None
    note: str | None = None


class _NotRecountable(Exception):
    pass


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def recount_file(path: Path, fmt: NativeFormat) -> Recount:
    """Count the records of one landing file in plain Python (not with ``sources.readers``).

    JSON Lines: every line holding more than white space is one record. CSV: the records of
    Python's ``csv`` module with the format's delimiter, the first one being the header. A
    CSV file whose quoting can be read two ways is not counted (``records`` is None).
    """
    with path.open("rb") as handle:
        lines = _without_bom(handle)
        try:
            if isinstance(fmt, CsvFormat):
                starts = _csv_record_starts(lines, fmt.delimiter)
            else:
                starts = [n for n, line in enumerate(lines, 1) if line.strip(JSON_BLANK)]
        except _NotRecountable as why:
            return Recount(None, None, f"not recounted: {why}")
    return Recount(len(starts), starts)


def _without_bom(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Physical lines (``\\n`` ends one), the first without a UTF-8 byte-order mark."""
    first = True
    for line in lines:
        if first and line.startswith(UTF8_BOM):
            line = line[len(UTF8_BOM) :]
        first = False
        yield line


def _csv_record_starts(lines: Iterator[bytes], delimiter: str) -> list[int]:
    """The first line of every CSV record after the header; ``_NotRecountable`` when the
    quoting is ambiguous."""
    if csv.field_size_limit() < CSV_FIELD_SIZE_LIMIT:
        csv.field_size_limit(CSV_FIELD_SIZE_LIMIT)
    separator = delimiter.encode()
    # The csv module reads no further than the end of each record, so the lines of the
    # record just read are the last ones here (a longer record is ambiguous anyway).
    recent: deque[bytes] = deque(maxlen=MAX_LINES_PER_RECORD + 1)

    def text_lines() -> Iterator[str]:
        for number, line in enumerate(lines, 1):
            if b"\r" in _content(line):
                # The reader ends lines at \n only; Python's csv module ends a record at a
                # lone \r too (or refuses it): the two would count differently.
                raise _NotRecountable(
                    f"line {number} holds a carriage return that is not a line break"
                )
            recent.append(line)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                raise _NotRecountable(f"line {number} is not UTF-8") from None

    reader = csv.reader(text_lines(), delimiter=delimiter)
    n_fields: int | None = None
    starts: list[int] = []
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise _NotRecountable(f"line {reader.line_num}: {error}") from None
        first, last = previous + 1, reader.line_num
        previous = last
        if not row:  # a blank line
            continue
        if n_fields is None:
            if last > first or recent[-1].count(b'"') % 2:
                raise _NotRecountable(f"the header on line {first} has an unbalanced quote")
            n_fields = len(row)
            continue
        problem = _ambiguity(first, last, len(row), n_fields, recent, separator)
        if problem:
            raise _NotRecountable(f"quoting can be read two ways at line {first} ({problem})")
        starts.append(first)
    return starts


def _content(line: bytes) -> bytes:
    """A physical line without its line break (``\n`` or ``\r\n``)."""
    return line.removesuffix(b"\n").removesuffix(b"\r")


def _fields_alone(line: bytes, separator: bytes) -> int:
    """The fields of ``line`` read as a record by itself: separators outside quotes + 1."""
    return 1 + sum(part.count(separator) for part in line.split(b'"')[::2])


def _ambiguity(
    first: int,
    last: int,
    fields: int,
    n_fields: int,
    recent: deque[bytes],
    separator: bytes,
) -> str | None:
    """Why the record on lines ``first..last`` could also be read otherwise, or None.

    Under RFC 4180 a record runs over several lines only inside quotes: its first and last
    lines then hold an odd number of quotes and the lines between an even one. Anything
    else, or a quoted record that does not have the header's fields, that runs longer than
    a record may, or that holds a line which is a whole record by itself, is an unclosed
    or stray quote, which the reader quarantines alone and reads on after.
    """
    span = last - first + 1
    if span == 1:
        return "an unbalanced quote on the line" if recent[-1].count(b'"') % 2 else None
    if fields != n_fields:
        return f"the quoted record on lines {first}-{last} has {fields} fields, expected {n_fields}"
    if span > MAX_LINES_PER_RECORD:
        return f"a quoted record runs for {span} lines"
    record = list(recent)[-span:]
    odd = [line.count(b'"') % 2 for line in record]
    if not odd[0] or not odd[-1] or any(odd[1:-1]):
        return f"the quotes of lines {first}-{last} do not pair"
    for k, line in enumerate(record[1:-1], first + 1):
        content = _content(line)
        if content and _fields_alone(content, separator) == n_fields:
            return f"line {k}, inside a quoted record, is a whole record by itself"
    return None


# --- files --------------------------------------------------------------------------------


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }


def _placed_sql(con: duckdb.DuckDBPyConnection, has_manifest: bool) -> str:
    """SQL of every row in raw and in quarantine with its file version and line:
    ``file_path, sha256, line_number, place`` (``raw`` / ``quarantine``)."""
    parts = [
        f"""select _source_file as file_path, _file_sha256 as sha256, _line_number as line_number,
            'raw' as place from raw.{e.raw_table}"""
        for e in ENTITIES
        if table_exists(con, "raw", e.raw_table)
    ]
    if table_exists(con, "quarantine", "rejected_rows"):
        has_sha = "file_sha256" in _columns(con, "quarantine", "rejected_rows")
        own = "q.file_sha256" if has_sha else "null::varchar"
        if has_manifest:
            parts.append(
                f"""
                select q.file_path, coalesce({own}, by_run.sha256, only_version.sha256),
                    q.line_number, 'quarantine'
                from quarantine.rejected_rows as q
                left join (
                    select file_path, run_id, min(sha256) as sha256 from audit.ingested_files
                    group by all having count(*) = 1
                ) as by_run
                    on {own} is null and by_run.file_path = q.file_path
                    and by_run.run_id = q.run_id
                left join (
                    select file_path, min(sha256) as sha256 from audit.ingested_files
                    group by all having count(*) = 1
                ) as only_version
                    on {own} is null and only_version.file_path = q.file_path
                """
            )
        else:
            parts.append(
                f"select q.file_path, {own}, q.line_number, 'quarantine'"
                " from quarantine.rejected_rows as q"
            )
    if not parts:
        return (
            "select null::varchar as file_path, null::varchar as sha256,"
            " null::bigint as line_number, null::varchar as place where false"
        )
    return "\nunion all\n".join(parts)


def _lines(values: list[int] | None) -> str:
    return ", ".join(str(v) for v in (values or []))


def _line_finding(count: int, sample: list[int], where: str) -> str:
    more = "" if count <= len(sample) else f" (first {len(sample)} of {count:,})"
    return f"line(s) {_lines(sample)}{more} {where}"


def reconcile_files(
    con: duckdb.DuckDBPyConnection, landing_dir: Path | str | None = None
) -> list[FileCheck]:
    """Check every file version of the manifest against raw, quarantine and the landing file."""
    has_manifest = table_exists(con, "audit", "ingested_files")
    placed = _placed_sql(con, has_manifest)
    manifest = (
        con.execute(
            """select file_path, sha256, source_system, entity, delivery_seq, status,
                      rows_total, rows_loaded, rows_quarantined
               from audit.ingested_files order by delivery_seq, file_path"""
        ).fetchall()
        if has_manifest
        else []
    )
    counts = {
        (path, sha): (raw, quarantined)
        for path, sha, raw, quarantined in con.execute(
            f"""with placed as ({placed})
                select file_path, sha256, count(*) filter (where place = 'raw'),
                    count(*) filter (where place = 'quarantine')
                from placed group by all"""
        ).fetchall()
    }
    anomalies = {
        (row[0], row[1]): row[2:]
        for row in con.execute(
            f"""with placed as ({placed}),
                per_line as (
                    select file_path, sha256, line_number,
                        count(*) filter (where place = 'raw') as n_raw,
                        count(*) filter (where place = 'quarantine') as n_quarantine
                    from placed where line_number is not null group by all
                )
                select file_path, sha256,
                    count(*) filter (where n_raw > 1),
                    list_slice(list(line_number order by line_number)
                        filter (where n_raw > 1), 1, {SAMPLE_SIZE}),
                    count(*) filter (where n_quarantine > 1),
                    list_slice(list(line_number order by line_number)
                        filter (where n_quarantine > 1), 1, {SAMPLE_SIZE}),
                    count(*) filter (where n_raw > 0 and n_quarantine > 0),
                    list_slice(list(line_number order by line_number)
                        filter (where n_raw > 0 and n_quarantine > 0), 1, {SAMPLE_SIZE})
                from per_line
                group by all
                having count(*) filter (
                    where n_raw > 1 or n_quarantine > 1 or (n_raw > 0 and n_quarantine > 0)
                ) > 0"""
        ).fetchall()
    }
    rejected_files = (
        {
            (path, sha): (n, reason)
            for path, sha, n, reason in con.execute(
                """select file_path, sha256, count(*), min(reason)
                   from quarantine.rejected_files group by all"""
            ).fetchall()
        }
        if table_exists(con, "quarantine", "rejected_files")
        else {}
    )
    landing = Path(landing_dir) if landing_dir is not None else None
    landing_sha: dict[str, str | None] = {}
    listed = Counter((path, sha) for path, sha, *_ in manifest)

    checks: list[FileCheck] = []
    for path, sha, system, name, seq, status, total, loaded, quarantined in manifest:
        key = (path, sha)
        if key not in listed:
            continue  # a version listed twice is reported once
        check = FileCheck(
            file_path=path,
            file_sha256=sha,
            source_system=system,
            entity=name,
            delivery_seq=seq,
            manifest_status=status,
            rows_delivered=total,
        )
        checks.append(check)
        if listed.pop(key) > 1:
            check.problems.append("the manifest lists this file version more than once")
        raw, in_quarantine = counts.pop(key, (0, 0))
        check.rows_in_raw, check.rows_in_quarantine = raw, in_quarantine
        found = raw + in_quarantine
        if total != loaded + quarantined:
            check.problems.append(
                f"the manifest's rows_total {total:,} is not rows_loaded {loaded:,} + "
                f"rows_quarantined {quarantined:,}"
            )
        if found != total:
            check.problems.append(
                f"{total:,} row(s) delivered but {raw:,} in raw + {in_quarantine:,} in quarantine "
                f"= {found:,}"
            )
        elif (raw, in_quarantine) != (loaded, quarantined):
            check.problems.append(
                f"the manifest says {loaded:,} loaded and {quarantined:,} quarantined, but {raw:,} "
                f"are in raw and {in_quarantine:,} in quarantine"
            )
        if key in anomalies:
            doubled_raw, sample_raw, doubled_q, sample_q, both, sample_both = anomalies.pop(key)
            if doubled_raw:
                check.problems.append(
                    _line_finding(doubled_raw, sample_raw, "more than once in raw")
                )
            if doubled_q:
                check.problems.append(
                    _line_finding(doubled_q, sample_q, "more than once in quarantine")
                )
            if both:
                check.problems.append(
                    _line_finding(both, sample_both, "both in raw and in quarantine")
                )

        whole = rejected_files.pop(key, None)
        if status == "quarantined":
            if whole is None:
                check.problems.append(
                    "quarantined whole but missing from quarantine.rejected_files"
                )
            else:
                check.notes.append(f"quarantined whole: {whole[1]}")
            if total:
                check.problems.append(f"quarantined whole but the manifest counts {total:,} rows")
            continue  # an unreadable file has no records to count
        if whole is not None:
            check.problems.append(
                f"in quarantine.rejected_files although the manifest status is {status!r}"
            )

        recount = _recount(check, landing, landing_sha)
        counts_differ = found != total
        if recount is not None and recount.records is not None:
            check.rows_recounted = recount.records
            if recount.records != total:
                check.problems.append(
                    f"the landing file holds {recount.records:,} record(s), the manifest says "
                    f"{total:,}"
                )
                counts_differ = True
            if counts_differ or found != recount.records:
                _name_lines(con, placed, check, recount.start_lines or [])
        elif counts_differ and found < total:
            check.notes.append("the missing lines cannot be named without the landing file")

    for (path, sha), (raw, in_quarantine) in counts.items():
        orphan = FileCheck(
            file_path=path or "(no file)",
            file_sha256=sha,
            rows_in_raw=raw,
            rows_in_quarantine=in_quarantine,
        )
        if sha is None and in_quarantine and has_manifest:
            orphan.problems.append(
                f"{in_quarantine:,} quarantine row(s) without file_sha256 that cannot be told "
                "apart between the versions of this file"
            )
            if raw:
                orphan.problems.append(f"{raw:,} raw row(s) without _file_sha256")
        else:
            orphan.problems.append(
                f"{raw:,} raw row(s) and {in_quarantine:,} quarantine row(s) of a file version "
                "that is not in the manifest"
            )
        checks.append(orphan)
    for (path, sha), (n, reason) in rejected_files.items():
        checks.append(
            FileCheck(
                file_path=path,
                file_sha256=sha,
                problems=[f"in quarantine.rejected_files ({n}x, {reason}) but not in the manifest"],
            )
        )
    return checks


def _recount(
    check: FileCheck, landing: Path | None, landing_sha: dict[str, str | None]
) -> Recount | None:
    """Recount the landing file of ``check`` when it still holds the same version; else a
    note on ``check`` and None."""
    if landing is None:
        check.notes.append("not recounted: no landing folder given")
        return None
    path = landing / check.file_path
    if check.file_path not in landing_sha:
        landing_sha[check.file_path] = file_sha256(path) if path.is_file() else None
    current = landing_sha[check.file_path]
    if current is None:
        check.notes.append("not recounted: the landing file is gone")
        return None
    if current != check.file_sha256:
        check.notes.append("not recounted: the landing file now holds another version")
        return None
    try:
        fmt = native_format(entity(check.source_system or "", check.entity or ""))
    except KeyError:
        check.notes.append(f"not recounted: unknown entity {check.source_system}/{check.entity}")
        return None
    recount = recount_file(path, fmt)
    if recount.note:
        check.notes.append(recount.note)
    return recount


def _name_lines(
    con: duckdb.DuckDBPyConnection, placed: str, check: FileCheck, starts: list[int]
) -> None:
    """Name the records of the file that are in neither raw nor quarantine, and the lines the
    warehouse holds that start no record of the file."""
    held = {
        line
        for (line,) in con.execute(
            f"""with placed as ({placed})
                select distinct line_number from placed
                where file_path = ? and sha256 = ? and line_number is not null""",
            [check.file_path, check.file_sha256],
        ).fetchall()
    }
    expected = set(starts)
    missing = sorted(expected - held)
    unknown = sorted(held - expected)
    if missing:
        check.problems.append(
            _line_finding(len(missing), missing[:SAMPLE_SIZE], "in neither raw nor quarantine")
        )
    if unknown:
        check.problems.append(
            _line_finding(
                len(unknown), unknown[:SAMPLE_SIZE], "in the warehouse but no record starts there"
            )
        )


# --- cross-reference ----------------------------------------------------------------------


def reconcile_xref(con: duckdb.DuckDBPyConnection) -> list[XrefCheck]:
    """Check the current source records against ``mdm_build.customer_xref`` and raw."""
    checks = {system: XrefCheck(system) for system in PARTY_IDS}
    missing = [
        table
        for table in ("staging.int_party_records", "mdm_build.customer_xref")
        if not table_exists(con, *table.split("."))
    ]
    if missing:
        for check in checks.values():
            check.problems.append(f"cannot check: {', '.join(missing)} does not exist")
        return list(checks.values())
    raw_ids = [
        f"select distinct '{system}' as source_system, {id_sql} as source_record_id"
        f" from {table} as r"
        for system, (table, id_sql) in PARTY_IDS.items()
        if table_exists(con, *table.split("."))
    ] or ["select null::varchar as source_system, null::varchar as source_record_id where false"]
    sample = f"1, {SAMPLE_SIZE}"
    rows = con.execute(
        f"""
        with current_records as (
            select source_system, source_record_id, count(*) as n_current
            from staging.int_party_records group by all
        ),
        xref as (
            select source_system, source_record_id, count(*) as n_xref
            from mdm_build.customer_xref group by all
        ),
        raw_ids as (
            select *, true as in_raw from ({" union all ".join(raw_ids)})
        ),
        keys as (
            select source_system, source_record_id, n_current, n_xref,
                coalesce(in_raw, false) as in_raw,
                source_system || '|' || source_record_id as record_key
            from current_records
            full join xref using (source_system, source_record_id)
            full join raw_ids using (source_system, source_record_id)
        )
        select source_system,
            count(*) filter (where in_raw),
            coalesce(sum(n_current), 0),
            coalesce(sum(n_xref), 0),
            count(*) filter (where n_current is not null and n_xref is null),
            list_slice(list(record_key order by record_key)
                filter (where n_current is not null and n_xref is null), {sample}),
            count(*) filter (where n_xref > 1),
            list_slice(list(record_key order by record_key) filter (where n_xref > 1), {sample}),
            count(*) filter (where n_xref is not null and n_current is null),
            list_slice(list(record_key order by record_key)
                filter (where n_xref is not null and n_current is null), {sample}),
            count(*) filter (where in_raw and n_current is null),
            list_slice(list(record_key order by record_key)
                filter (where in_raw and n_current is null), {sample}),
            count(*) filter (where n_current > 1),
            list_slice(list(record_key order by record_key) filter (where n_current > 1), {sample})
        from keys
        group by source_system
        order by source_system
        """
    ).fetchall()
    for (
        system,
        raw_count,
        current,
        xref_rows,
        without,
        without_keys,
        several,
        several_keys,
        orphans,
        orphan_keys,
        raw_only,
        raw_only_keys,
        doubled,
        doubled_keys,
    ) in rows:
        check = checks.setdefault(system, XrefCheck(system or "(none)"))
        check.raw_native_ids = raw_count
        check.current_records = current
        check.xref_rows = xref_rows
        check.records_without_xref = without
        check.records_with_several_xref = several
        check.xref_without_record = orphans
        check.raw_ids_without_record = raw_only
        for count, keys, what in (
            (without, without_keys, "current record(s) without an xref row"),
            (several, several_keys, "current record(s) with more than one xref row"),
            (orphans, orphan_keys, "xref row(s) without a current record"),
            (raw_only, raw_only_keys, "native id(s) in raw without a current record"),
            (doubled, doubled_keys, "record(s) more than once in staging.int_party_records"),
        ):
            if count:
                check.problems.append(f"{count:,} {what}: {', '.join(keys)}")
        if not check.problems and xref_rows != current:  # cannot happen; said if it does
            check.problems.append(f"{current} current records but {xref_rows} xref rows")
    return list(checks.values())


# --- the whole check ----------------------------------------------------------------------


def reconcile(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    landing_dir: Path | str | None = None,
    xref: bool = True,
) -> ReconciliationResult:
    """Reconcile the warehouse for ``run_id`` and store the outcome in ``quality.*``.

    ``landing_dir``: recount the landing files that still hold the manifest's version
    (without it nothing is recounted). ``xref=False`` leaves out the cross-reference part
    (for a warehouse that has not been matched).
    """
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    result = ReconciliationResult(
        run_id=run_id,
        checked_at=checked_at,
        files=reconcile_files(con, landing_dir),
        xref=reconcile_xref(con) if xref else [],
        xref_checked=xref,
    )
    write_reconciliation(con, result)
    return result


def write_reconciliation(con: duckdb.DuckDBPyConnection, result: ReconciliationResult) -> None:
    """Store ``result`` under its run id, replacing what that run stored before."""
    con.execute("create schema if not exists quality")
    con.execute(RECONCILIATION_DDL)
    con.execute(RECONCILIATION_XREF_DDL)
    with transaction(con):
        for table in ("reconciliation", "reconciliation_xref"):
            con.execute(f"delete from quality.{table} where run_id = ?", [result.run_id])
        if result.files:
            con.executemany(
                """insert into quality.reconciliation (run_id, checked_at, source_system,
                       entity, file_path, file_sha256, delivery_seq, manifest_status,
                       rows_delivered, rows_recounted, rows_in_raw, rows_in_quarantine,
                       status, detail)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (
                        result.run_id,
                        result.checked_at,
                        f.source_system,
                        f.entity,
                        f.file_path,
                        f.file_sha256,
                        f.delivery_seq,
                        f.manifest_status,
                        f.rows_delivered,
                        f.rows_recounted,
                        f.rows_in_raw,
                        f.rows_in_quarantine,
                        f.status,
                        f.detail,
                    )
                    for f in result.files
                ],
            )
        if result.xref:
            con.executemany(
                """insert into quality.reconciliation_xref (run_id, checked_at, source_system,
                       raw_native_ids, current_records, xref_rows, records_without_xref,
                       records_with_several_xref, xref_without_record, raw_ids_without_record,
                       status, detail)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (
                        result.run_id,
                        result.checked_at,
                        x.source_system,
                        x.raw_native_ids,
                        x.current_records,
                        x.xref_rows,
                        x.records_without_xref,
                        x.records_with_several_xref,
                        x.xref_without_record,
                        x.raw_ids_without_record,
                        x.status,
                        x.detail,
                    )
                    for x in result.xref
                ],
            )
