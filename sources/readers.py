"""Readers for landing files that keep each record's physical line number.

``read_file`` turns the bytes of one landing file into a Polars frame of records (one
column per native field; for JSON Lines also ``<field>__json``, the JSON type of each
value; plus ``_line_number`` and ``_end_line``) and a list of records that could not be
read, each with its line, reason and original text. A file that cannot be read at all
raises ``FileRejected``.

CSV. Line numbers must be physical lines even when quoted fields hold newlines, and one
unclosed quote must not swallow the rest of the file, so the structure of the file is
worked out first, with numpy, from the positions of quotes, newlines and delimiters:
under RFC 4180 a line with an odd number of quotes opens (or closes) a multi-line
record, so records are found by pairing those lines. A pair that spans too many lines,
has the wrong number of fields, or would swallow a line that is itself a complete
record is broken quoting: its first line is quarantined and reading resumes on the next
line. Polars then parses the good records in one pass. Should it refuse them (a quote
inside an unquoted field, ``Robert "Bob" Smith``: not RFC 4180, but exports do it),
the records with such quotes are read one by one with Python's ``csv`` module, which
takes those quotes as text, and the rest again in bulk. A million-row CRM file takes a
few seconds.

JSON Lines. DuckDB's JSON functions decode every line in bulk and report the JSON type
of each field, so wrong types are seen exactly (``1.5`` is not an integer, ``"1"`` is not
a number). Lines DuckDB accepts but strict JSON does not (trailing commas, ``NaN``) are
re-checked with ``orjson``. Keys the format does not declare (a Shopify export's
``orders_count``, ``default_address.company``) are not stored; like extra CSV columns,
they are noted (``extra column ignored: orders_count``).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import numpy as np
import orjson
import polars as pl
import pyarrow as pa

from sources.formats import CsvFormat, JsonField, JsonlFormat, NativeFormat

UTF8_BOM = b"\xef\xbb\xbf"
# Byte-order marks of other Unicode encodings, longest first (UTF-32LE starts like UTF-16LE).
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)

# A quoted field may hold newlines (a street over two lines); a record reaching further
# than this is taken for an unclosed quote.
MAX_LINES_PER_RECORD = 20

# When Polars cannot parse the good records even without those with irregular quotes,
# they are retried in chunks of this many records, and only failing chunks are parsed
# record by record in Python.
FALLBACK_CHUNK_RECORDS = 20_000

# Python's csv module refuses fields above 128 KiB by default; a landing file may hold
# a much larger free-text field, which is data, not an error.
CSV_FIELD_SIZE_LIMIT = 1 << 30

# Delimiters tried when a header does not split into the contract's columns.
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")

# Reason shown when a value is quoted in a message, so a 1 MB field stays readable.
_SHOWN_VALUE_CHARS = 60

_NEWLINE, _CARRIAGE_RETURN, _QUOTE = 0x0A, 0x0D, 0x22


class FileRejected(Exception):
    """The file cannot be read at all; ``reason`` says why, ``category`` groups it."""

    def __init__(self, category: str, reason: str) -> None:
        super().__init__(reason)
        self.category = category
        self.reason = reason


@dataclass
class Rejection:
    """A record that does not land in ``raw``, with where it was and why."""

    line_number: int
    field: str | None
    reason: str  # specific: "duplicate id 0000012345 in file (first at line 17)"
    category: str  # groups reasons for counting: "duplicate id in file"
    raw_text: str


@dataclass
class ParsedFile:
    """The records of one file: readable ones in ``frame``, the others in ``rejected``."""

    frame: pl.DataFrame
    rejected: list[Rejection]
    lines: LineIndex
    notes: Counter[str] = field(default_factory=Counter)

    @property
    def records(self) -> int:
        return self.frame.height + len(self.rejected)


def shown(value: object) -> str:
    """A value for a message: quoted, and cut short when long."""
    text = str(value)
    if len(text) > _SHOWN_VALUE_CHARS:
        text = text[:_SHOWN_VALUE_CHARS] + f"... ({len(text)} chars)"
    return repr(text)


class LineIndex:
    """Physical lines of a file body (``\\n`` ends a line, a trailing ``\\r`` is dropped)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.array = np.frombuffer(body, dtype=np.uint8)
        newlines = np.flatnonzero(self.array == _NEWLINE)
        starts = np.concatenate((np.zeros(1, dtype=np.int64), newlines + 1))
        ends = np.concatenate((newlines, np.array([len(body)], dtype=np.int64)))
        if len(starts) > 1 and starts[-1] == len(body):  # the file ends with a newline
            starts, ends = starts[:-1], ends[:-1]
        self.starts: np.ndarray = starts
        self.ends: np.ndarray = ends  # position of the line's newline (or end of file)
        has_cr = np.zeros(len(starts), dtype=bool)
        nonempty = ends > starts
        has_cr[nonempty] = self.array[ends[nonempty] - 1] == _CARRIAGE_RETURN
        self.content_ends: np.ndarray = ends - has_cr
        self.blank: np.ndarray = self.content_ends == starts

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, first: int, last: int | None = None) -> str:
        """The text of lines ``first`` to ``last`` (1-based, inclusive), without the final
        line break."""
        last = first if last is None else last
        chunk = self.body[self.starts[first - 1] : self.content_ends[last - 1]]
        return chunk.decode("utf-8", errors="replace")

    def span_bytes(self, first_index: int, last_index: int) -> tuple[int, int]:
        """Byte range of lines ``first_index..last_index`` (0-based) with the line break."""
        end = self.starts[last_index + 1] if last_index + 1 < len(self.starts) else len(self.body)
        return int(self.starts[first_index]), int(end)


def check_utf8(data: bytes) -> None:
    """Raise ``FileRejected`` naming the first bad byte unless ``data`` is valid UTF-8.

    A file that starts with a UTF-16 or UTF-32 byte-order mark (what spreadsheet programs
    call "Unicode text") is named as such, so whoever re-exports it knows what to change.
    """
    try:  # Arrow validates UTF-8 much faster than decoding to a Python str
        pa.array([data], pa.large_binary()).cast(pa.large_string())
        return
    except pa.ArrowException:
        pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        reason = f"not UTF-8 (byte 0x{byte:02x} at offset {error.start})"
        encoding = next((name for bom, name in _OTHER_BOMS if data.startswith(bom)), None)
        if encoding is not None:
            reason += f": the file starts with a {encoding} byte-order mark"
        raise FileRejected("not UTF-8", reason) from None


def read_file(data: bytes, fmt: NativeFormat) -> ParsedFile:
    """Read one landing file (UTF-8, with or without byte-order mark)."""
    check_utf8(data)
    body = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data
    if isinstance(fmt, CsvFormat):
        return read_csv(body, fmt)
    return read_jsonl(body, fmt)


# --- CSV ------------------------------------------------------------------------------


def _split_csv(text: str, delimiter: str) -> list[list[str]]:
    if csv.field_size_limit() < CSV_FIELD_SIZE_LIMIT:
        csv.field_size_limit(CSV_FIELD_SIZE_LIMIT)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _header(lines: LineIndex, index: int, fmt: CsvFormat) -> tuple[list[str], Counter[str]]:
    """The header's column names; ``FileRejected`` when the contract's columns are not
    all there."""
    text = lines.text(index + 1)
    rows = _split_csv(text, fmt.delimiter)
    if len(rows) > 1:
        raise FileRejected(
            "unsupported line breaks",
            "the header line holds several records (lines end with a bare \\r?)",
        )
    names = [name.strip() for name in rows[0]] if rows else []
    missing = [column for column in fmt.columns if column not in names]
    if missing:
        for candidate in CANDIDATE_DELIMITERS:
            if candidate == fmt.delimiter:
                continue
            split = [name.strip() for name in (_split_csv(text, candidate) or [[]])[0]]
            if all(column in split for column in fmt.required) and len(split) > len(names):
                raise FileRejected(
                    "wrong delimiter",
                    f"wrong delimiter: expected {fmt.delimiter!r} but the header is "
                    f"separated by {candidate!r}",
                )
        raise FileRejected(
            "missing required columns", f"missing required columns: {', '.join(missing)}"
        )
    duplicated = sorted({n for n in names if names.count(n) > 1 and n in fmt.columns})
    if duplicated:
        raise FileRejected("duplicate columns", f"duplicate columns: {', '.join(duplicated)}")
    notes: Counter[str] = Counter()
    for name in names:
        if name not in fmt.columns:
            notes[f"extra column ignored: {name or '(unnamed)'}"] += 1
    return names, notes


@dataclass
class _CsvStructure:
    record_first: np.ndarray  # 0-based index of each good record's first line
    record_last: np.ndarray  # and of its last line
    rejected: list[tuple[int, int, str, str]]  # (first index, last index, reason, category)


def _fields_per_line(lines: LineIndex, delimiter: str, quotes: np.ndarray) -> np.ndarray:
    """Fields on each line if it were a record on its own: delimiters outside quotes + 1."""
    delimiters = np.flatnonzero(lines.array == ord(delimiter))
    low = np.searchsorted(delimiters, lines.starts)
    high = np.searchsorted(delimiters, lines.ends)
    if len(quotes) == 0:
        return high - low + 1
    # A delimiter is outside quotes when the quotes between the line start and it are
    # even, i.e. when its quote count has the same parity as the line start's.
    even_before = np.searchsorted(quotes, delimiters) % 2 == 0
    cumulative = np.concatenate(([0], np.cumsum(even_before)))
    even = cumulative[high] - cumulative[low]
    start_parity = np.searchsorted(quotes, lines.starts) % 2
    outside = np.where(start_parity == 0, even, (high - low) - even)
    return outside + 1


def _structure(lines: LineIndex, first_data: int, n_fields: int, delimiter: str) -> _CsvStructure:
    n_lines = len(lines)
    quotes = np.flatnonzero(lines.array == _QUOTE)
    if len(quotes):
        per_line = np.searchsorted(quotes, lines.ends) - np.searchsorted(quotes, lines.starts)
    else:
        per_line = np.zeros(n_lines, dtype=np.int64)
    fields = _fields_per_line(lines, delimiter, quotes)
    is_data = np.arange(n_lines) >= first_data
    odd = np.flatnonzero((per_line % 2 == 1) & is_data)

    covered = ~is_data | lines.blank
    multi: list[tuple[int, int]] = []
    rejected: list[tuple[int, int, str, str]] = []
    i = 0
    while i < len(odd):
        first = int(odd[i])
        problem = _multi_line_problem(lines, odd, i, fields, n_fields, delimiter)
        if problem:
            rejected.append((first, first, problem, "broken quoting"))
            covered[first] = True
            i += 1  # resume on the next line
        else:
            last = int(odd[i + 1])
            multi.append((first, last))
            covered[first : last + 1] = True
            i += 2

    single = np.flatnonzero(~covered)
    wrong = fields[single] != n_fields
    for index in single[wrong]:
        rejected.append(
            (
                int(index),
                int(index),
                f"expected {n_fields} fields, found {int(fields[index])}",
                "wrong number of fields",
            )
        )
    good = single[~wrong]
    if multi:
        multi_first = np.array([m[0] for m in multi], dtype=np.int64)
        multi_last = np.array([m[1] for m in multi], dtype=np.int64)
        record_first = np.concatenate((good, multi_first))
        record_last = np.concatenate((good, multi_last))
        order = np.argsort(record_first, kind="stable")
        record_first, record_last = record_first[order], record_last[order]
    else:
        record_first, record_last = good, good.copy()
    rejected.sort()
    return _CsvStructure(record_first, record_last, rejected)


def _multi_line_problem(
    lines: LineIndex,
    odd: np.ndarray,
    i: int,
    fields: np.ndarray,
    n_fields: int,
    delimiter: str,
) -> str | None:
    """Why the record opened by odd-quoted line ``odd[i]`` is broken quoting, or None."""
    first = int(odd[i])
    if i + 1 >= len(odd):
        return "broken quoting: a quote opened on this line is never closed"
    last = int(odd[i + 1])
    span = last - first + 1
    if span > MAX_LINES_PER_RECORD:
        return (
            f"broken quoting: a quote opened on this line would run for {span} lines "
            f"(limit {MAX_LINES_PER_RECORD})"
        )
    for inner in range(first + 1, last):
        if not lines.blank[inner] and fields[inner] == n_fields:
            return (
                f"broken quoting: a quote opened on this line would swallow line {inner + 1}, "
                "which is a complete record"
            )
    try:
        records = _split_csv(lines.text(first + 1, last + 1), delimiter)
    except csv.Error as error:
        return f"broken quoting: {error}"
    if len(records) != 1 or len(records[0]) != n_fields:
        found = ", ".join(str(len(r)) for r in records)
        return (
            f"broken quoting: the quoted record on lines {first + 1}-{last + 1} splits into "
            f"{found} fields, expected {n_fields}"
        )
    return None


def _records_buffer(lines: LineIndex, first: np.ndarray, last: np.ndarray) -> bytes:
    """The bytes of the given records, joined where they are not adjacent."""
    if len(first) == 0:
        return b""
    breaks = np.flatnonzero(first[1:] != last[:-1] + 1) + 1
    run_starts = np.concatenate(([0], breaks))
    run_ends = np.concatenate((breaks, [len(first)])) - 1
    pieces = []
    for run_start, run_end in zip(run_starts, run_ends, strict=True):
        begin, end = lines.span_bytes(int(first[run_start]), int(last[run_end]))
        piece = lines.body[begin:end]
        if not piece.endswith(b"\n"):
            piece += b"\n"
        pieces.append(piece)
    return b"".join(pieces)


def _polars_parse(buffer: bytes, n_fields: int, delimiter: str) -> pl.DataFrame:
    return pl.read_csv(
        buffer,
        has_header=False,
        separator=delimiter,
        quote_char='"',
        schema={f"column_{k}": pl.String for k in range(n_fields)},
        raise_if_empty=False,
        truncate_ragged_lines=False,
    )


def _polars_records(
    lines: LineIndex, first: np.ndarray, last: np.ndarray, n_fields: int, delimiter: str
) -> pl.DataFrame | None:
    """The records parsed by Polars in one pass, or None when Polars refuses them or
    finds a different number of records than the structure says."""
    try:
        frame = _polars_parse(_records_buffer(lines, first, last), n_fields, delimiter)
    except pl.exceptions.PolarsError:
        return None
    if frame.height != len(first):
        return None
    return frame.with_columns(
        pl.Series("_first", first, dtype=pl.Int64), pl.Series("_last", last, dtype=pl.Int64)
    )


def _python_records(
    lines: LineIndex, first: np.ndarray, last: np.ndarray, n_fields: int, delimiter: str
) -> tuple[pl.DataFrame, list[tuple[int, int, str, str]]]:
    """Record-by-record parsing with Python's csv module, which reads a quote inside an
    unquoted field as text; a record that still does not split into the header's
    fields is rejected."""
    values: list[list[str]] = []
    kept_first: list[int] = []
    kept_last: list[int] = []
    rejected: list[tuple[int, int, str, str]] = []
    for a, b in zip(first.tolist(), last.tolist(), strict=True):
        try:
            records = _split_csv(lines.text(a + 1, b + 1), delimiter)
        except csv.Error as error:
            rejected.append((a, a, f"broken quoting: {error}", "broken quoting"))
            continue
        if len(records) == 1 and len(records[0]) == n_fields:
            values.append(records[0])
            kept_first.append(a)
            kept_last.append(b)
        else:
            found = ", ".join(str(len(r)) for r in records)
            reason = (
                f"broken quoting: stray quote, the record splits into {found} fields, "
                f"expected {n_fields}"
            )
            rejected.append((a, a, reason, "broken quoting"))
    columns = {
        f"column_{k}": pl.Series([row[k] for row in values], dtype=pl.String)
        for k in range(n_fields)
    }
    columns["_first"] = pl.Series(kept_first, dtype=pl.Int64)
    columns["_last"] = pl.Series(kept_last, dtype=pl.Int64)
    return pl.DataFrame(columns), rejected


def _irregular_quotes(
    lines: LineIndex, first: np.ndarray, last: np.ndarray, delimiter: str
) -> np.ndarray:
    """Which records hold a quote where RFC 4180 allows none: an opening quote that is
    not at the start of a field, or text right after a closing quote (``Bob "B" Smith``,
    ``"a"b``). Polars refuses such records; Python's csv module reads them leniently."""
    a = lines.array
    quotes = np.flatnonzero(a == _QUOTE)
    irregular = np.zeros(len(first), dtype=bool)
    if len(quotes) == 0 or len(first) == 0:
        return irregular
    record_starts = lines.starts[first]
    record = np.searchsorted(record_starts, quotes, side="right") - 1
    keep = record >= 0
    keep[keep] &= quotes[keep] < lines.ends[last[record[keep]]]
    quotes, record = quotes[keep], record[keep]
    # Quote parity counted from the record's start: even opens a field, odd closes it
    # (or starts an escaped pair).
    parity = (np.arange(len(quotes)) - np.searchsorted(quotes, record_starts)[record]) % 2
    before = np.where(quotes > 0, a[np.maximum(quotes - 1, 0)], _NEWLINE)
    after = np.where(quotes + 1 < len(a), a[np.minimum(quotes + 1, len(a) - 1)], _NEWLINE)
    separator = ord(delimiter)
    opens_field = (parity == 0) & (
        (before == separator) | (before == _NEWLINE) | (before == _QUOTE)
    )
    closes_field = (parity == 1) & (
        (after == separator) | (after == _NEWLINE) | (after == _CARRIAGE_RETURN) | (after == _QUOTE)
    )
    irregular[record[~(opens_field | closes_field)]] = True
    return irregular


def _parse_records(
    lines: LineIndex, structure: _CsvStructure, n_fields: int, delimiter: str
) -> pl.DataFrame:
    """Parse the good records into ``column_<k>`` plus ``_first``/``_last`` (0-based line
    indexes), in file order; records that turn out unreadable join the rejections."""
    first, last = structure.record_first, structure.record_last
    frame = _polars_records(lines, first, last, n_fields, delimiter)
    if frame is not None:
        return frame
    # Polars refuses the file: read the records with irregular quotes in Python and the
    # rest in bulk; should Polars still disagree, go chunk by chunk.
    irregular = _irregular_quotes(lines, first, last, delimiter)
    python_first, python_last = first[irregular], last[irregular]
    regular_first, regular_last = first[~irregular], last[~irregular]
    frames: list[pl.DataFrame] = []
    frame = _polars_records(lines, regular_first, regular_last, n_fields, delimiter)
    if frame is not None:
        frames.append(frame)
    else:
        for begin in range(0, len(regular_first), FALLBACK_CHUNK_RECORDS):
            chunk = slice(begin, begin + FALLBACK_CHUNK_RECORDS)
            frame = _polars_records(
                lines, regular_first[chunk], regular_last[chunk], n_fields, delimiter
            )
            if frame is not None:
                frames.append(frame)
            else:
                python_first = np.concatenate((python_first, regular_first[chunk]))
                python_last = np.concatenate((python_last, regular_last[chunk]))
    frame, rejected = _python_records(lines, python_first, python_last, n_fields, delimiter)
    frames.append(frame)
    structure.rejected.extend(rejected)
    structure.rejected.sort()
    return pl.concat(frames, how="vertical").sort("_first")


def read_csv(body: bytes, fmt: CsvFormat) -> ParsedFile:
    """Read a CSV body (no byte-order mark) of the given format."""
    lines = LineIndex(body)
    content = np.flatnonzero(~lines.blank)
    if len(content) == 0:
        return ParsedFile(_empty_frame(fmt), [], lines)
    header_index = int(content[0])
    names, notes = _header(lines, header_index, fmt)
    n_fields = len(names)
    structure = _structure(lines, header_index + 1, n_fields, fmt.delimiter)
    parsed = _parse_records(lines, structure, n_fields, fmt.delimiter)

    position = {name: k for k, name in enumerate(names)}
    frame = parsed.select(
        # CSV cannot tell an empty value from a missing one: both are stored as null.
        *(pl.col(f"column_{position[name]}").replace("", None).alias(name) for name in fmt.columns),
        (pl.col("_first") + 1).alias("_line_number"),
        (pl.col("_last") + 1).alias("_end_line"),
    )
    rejected = [
        Rejection(a + 1, None, reason, category, lines.text(a + 1, b + 1))
        for a, b, reason, category in structure.rejected
    ]
    return ParsedFile(frame, rejected, lines, notes)


def _empty_frame(fmt: NativeFormat) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {}
    if isinstance(fmt, JsonlFormat):
        for f in fmt.fields:
            schema[f.type_column] = pl.String()
        for name in fmt.columns:
            schema[name] = fmt.polars_dtype(name)
    else:
        schema = {name: pl.String() for name in fmt.columns}
    schema["_line_number"] = pl.Int64()
    schema["_end_line"] = pl.Int64()
    return pl.DataFrame(schema=schema)


# --- JSON Lines -----------------------------------------------------------------------

_JSON_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "UBIGINT": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "number",
    "BOOLEAN": "boolean",
    "NULL": "null",
    "OBJECT": "object",
    "ARRAY": "array",
}

# Lines that may use what DuckDB's JSON parser accepts and strict JSON (RFC 8259) does
# not: trailing commas, NaN and Infinity. Plain substring tests are much cheaper than
# one regular expression over every line.
_LENIENT_JSON_SQL = (
    "contains(line, 'NaN') or contains(line, 'Infinity') or regexp_matches(line, ',\\s*[\\]}]')"
)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _struct_spec(keys: list[str]) -> str:
    return _sql_string(orjson.dumps(dict.fromkeys(keys, "JSON")).decode())


def _jsonl_query(fmt: JsonlFormat) -> str:
    """SQL over ``lines(_line_number, line)`` returning, per object line, each field's
    DuckDB JSON type (``t_<k>``) and its text (``v_<k>``)."""
    top = list(dict.fromkeys(f.path[0] for f in fmt.fields))
    parents = sorted({f.path[0] for f in fmt.fields if len(f.path) == 2})
    if any(len(f.path) > 2 for f in fmt.fields):
        raise NotImplementedError("JSON fields nest at most one level deep")
    nested = [
        f"case when json_type(j.{_sql_identifier(p)}) = 'OBJECT' then from_json("
        f"j.{_sql_identifier(p)}, "
        f"{_struct_spec([f.path[1] for f in fmt.fields if len(f.path) == 2 and f.path[0] == p])}"
        f") end as {_sql_identifier('n_' + p)}"
        for p in parents
    ]
    selected = []
    for k, f in enumerate(fmt.fields):
        if len(f.path) == 1:
            ref = f"j.{_sql_identifier(f.path[0])}"
        else:
            ref = f"{_sql_identifier('n_' + f.path[0])}.{_sql_identifier(f.path[1])}"
        selected.append(f"json_type({ref}) as t_{k}")
        if f.storage is not None:
            selected.append(f"{ref} ->> '$' as v_{k}")
    return f"""
        with content as (
            select _line_number, line, json_valid(line) as _valid,
                ({_LENIENT_JSON_SQL}) as _lenient
            from lines
            where regexp_matches(line, '\\S')
        ),
        documents as (
            select _line_number, _valid, _lenient,
                case when _valid then json_type(line) end as _document_type,
                case when _valid and json_type(line) = 'OBJECT'
                    then from_json(line, {_struct_spec(top)}) end as j
            from content
        ),
        objects as (
            select *{"".join(", " + n for n in nested)} from documents
        )
        select _line_number, _valid, _lenient, _document_type, {", ".join(selected)}
        from objects
        order by _line_number
    """


# orjson ends its messages with the position in the text it was given: one line here, so
# "line 1" would contradict the line number the rejection carries.
_ORJSON_POSITION = re.compile(r": line \d+ column (\d+) \(char \d+\)$")


def _json_error(line: str) -> str | None:
    """Why strict JSON refuses ``line`` ("unexpected end of data at column 98"), or None."""
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return _ORJSON_POSITION.sub(r" at column \1", str(error))
    return None


def _extra_keys(con: duckdb.DuckDBPyConnection, fmt: JsonlFormat) -> list[str]:
    """Keys of the file's objects that the format does not declare, sorted: top-level keys
    and the members of declared nested objects (``default_address.company``). Their values
    are not stored; the reader notes them, as it notes extra CSV columns."""
    top = sorted({f.path[0] for f in fmt.fields})
    members: dict[str, list[str]] = {}
    for f in fmt.fields:
        if len(f.path) == 2:
            members.setdefault(f.path[0], []).append(f.path[1])
    lists = [f"list_filter(json_keys(line), lambda k: not list_contains({_sql_list(top)}, k))"]
    for parent, known in sorted(members.items()):
        path = _sql_string("$." + _sql_identifier(parent))
        lists.append(
            f"list_transform(list_filter(coalesce(json_keys(line, {path}), []), "
            f"lambda k: not list_contains({_sql_list(known)}, k)), "
            f"lambda k: {_sql_string(parent + '.')} || k)"
        )
    query = f"""
        with objects as (
            select line from lines
            where regexp_matches(line, '\\S') and json_valid(line)
                and json_type(line) = 'OBJECT'
        ),
        extra as (select list_concat({", ".join(lists)}) as keys from objects)
        select distinct unnest(keys) as key from extra where len(keys) > 0 order by key
    """
    return [key for (key,) in con.sql(query).fetchall()]


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(_sql_string(v) for v in values) + "]::varchar[]"


def _typed_value(f: JsonField, k: int) -> list[pl.Expr]:
    value, kind = pl.col(f"v_{k}"), pl.col(f.type_column)
    if f.storage == "bigint":
        number = value.cast(pl.Int64, strict=False)
        return [
            pl.when((kind == "integer") & number.is_null())
            .then(pl.lit("integer out of range"))
            .otherwise(kind)
            .alias(f.type_column),
            pl.when(kind == "integer").then(number).alias(f.name),
        ]
    if f.storage == "boolean":
        return [pl.when(kind == "boolean").then(value == "true").alias(f.name)]
    return [value.alias(f.name)]


def read_jsonl(body: bytes, fmt: JsonlFormat) -> ParsedFile:
    """Read a JSON Lines body (no byte-order mark) of the given format."""
    lines = LineIndex(body)
    if lines.blank.all():
        return ParsedFile(_empty_frame(fmt), [], lines)
    offsets = np.concatenate((lines.starts, [len(body)])).astype(np.int64)
    table = pa.table(
        {
            "_line_number": pa.array(np.arange(1, len(lines) + 1, dtype=np.int64)),
            "line": pa.LargeStringArray.from_buffers(
                len(lines), pa.py_buffer(offsets), pa.py_buffer(body)
            ),
        }
    )
    with duckdb.connect() as con:
        con.register("lines", table)
        decoded = pl.DataFrame(con.sql(_jsonl_query(fmt)).to_arrow_table())
        notes = Counter(f"extra column ignored: {key}" for key in _extra_keys(con, fmt))

    rejected: list[Rejection] = []
    suspicious = decoded.filter(pl.col("_valid") & pl.col("_lenient"))["_line_number"]
    strictly_invalid = {}
    for line_number in suspicious.to_list():
        error = _json_error(lines.text(line_number))
        if error:
            strictly_invalid[line_number] = error
    invalid = decoded.filter(
        ~pl.col("_valid") | pl.col("_line_number").is_in(list(strictly_invalid))
    )["_line_number"]
    for line_number in invalid.to_list():
        raw = lines.text(line_number)
        detail = strictly_invalid.get(line_number) or _json_error(raw) or "malformed"
        rejected.append(
            Rejection(line_number, None, f"invalid JSON: {detail}", "invalid JSON", raw)
        )
    not_object = decoded.filter(
        pl.col("_valid")
        & (pl.col("_document_type") != "OBJECT")
        & ~pl.col("_line_number").is_in(list(strictly_invalid))
    )
    for line_number, kind in not_object.select("_line_number", "_document_type").iter_rows():
        rejected.append(
            Rejection(
                line_number,
                None,
                f"not a JSON object (found {_JSON_TYPES.get(kind, kind.lower())})",
                "not a JSON object",
                lines.text(line_number),
            )
        )
    rejected.sort(key=lambda r: r.line_number)

    objects = decoded.filter(
        pl.col("_valid")
        & (pl.col("_document_type") == "OBJECT")
        & ~pl.col("_line_number").is_in(list(strictly_invalid))
    )
    typed = objects.with_columns(
        pl.col(f"t_{k}")
        .replace_strict(_JSON_TYPES, default=pl.col(f"t_{k}").str.to_lowercase())
        .alias(f.type_column)
        for k, f in enumerate(fmt.fields)
    )
    typed = typed.with_columns(
        expr
        for k, f in enumerate(fmt.fields)
        if f.storage is not None
        for expr in _typed_value(f, k)
    )
    frame = typed.select(
        *(f.type_column for f in fmt.fields),
        *fmt.columns,
        "_line_number",
        pl.col("_line_number").alias("_end_line"),
    )
    return ParsedFile(frame, rejected, lines, notes)
