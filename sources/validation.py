"""Validation of one file's records against the Pandera schema of its native format.

Rows that fail a check, and later rows repeating an id already seen in the same file,
become ``Rejection``s with a specific reason; the rest are returned ready for ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from sources.formats import JSON_TYPE_SUFFIX, NativeFormat
from sources.readers import ParsedFile, Rejection, shown

_ROW = "_row"


@dataclass
class ValidatedFile:
    """Rows for ``raw`` (native columns and ``_line_number``) and every rejected record."""

    rows: pl.DataFrame
    rejected: list[Rejection]


def _describe(
    column: str, check: str, case: object, id_columns: tuple[str, ...]
) -> tuple[str, str, str]:
    """(field, reason, category) for one Pandera failure."""
    is_type = column.endswith(JSON_TYPE_SUFFIX)
    name = column.removesuffix(JSON_TYPE_SUFFIX) if is_type else column
    if check == "not_nullable" or (is_type and case == "null"):
        if name in id_columns:
            return name, f"missing id ({name})", "missing id"
        return name, f"missing {name}", f"missing {name}"
    if is_type:
        return (
            name,
            f"{name}: wrong type, {check}, got {case}",
            f"{name}: wrong type",
        )
    return name, f"{name}: {check} ({shown(case)})", f"{name}: {check}"


def _schema_failures(
    frame: pl.DataFrame, fmt: NativeFormat, id_columns: tuple[str, ...]
) -> dict[int, list[tuple[str, str, str]]]:
    """Row position -> failures (field, reason, category), in schema column order."""
    schema = fmt.schema()
    try:
        schema.validate(frame, lazy=True)
        return {}
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    if cases["index"].null_count():
        # Only row-level checks are expected: the readers build every column themselves.
        raise RuntimeError(
            f"schema failure not tied to a row:\n{cases.filter(pl.col('index').is_null())}"
        )
    order = {name: k for k, name in enumerate(schema.columns)}
    failures: dict[int, list[tuple[int, tuple[str, str, str]]]] = {}
    for column, check, case, index in cases.select(
        "column", "check", "failure_case", "index"
    ).iter_rows():
        failures.setdefault(index, []).append(
            (order.get(column, len(order)), _describe(column, check, case, id_columns))
        )
    result: dict[int, list[tuple[str, str, str]]] = {}
    for index, found in failures.items():
        # One reason per field: a value of the wrong JSON type fails its format check too.
        by_field: dict[str, tuple[str, str, str]] = {}
        for _, described in sorted(found, key=lambda item: item[0]):
            by_field.setdefault(described[0], described)
        result[index] = list(by_field.values())
    return result


def validate(parsed: ParsedFile, fmt: NativeFormat, id_columns: tuple[str, ...]) -> ValidatedFile:
    """Check a parsed file against its schema and for ids repeated within the file.

    The first occurrence of an id that passes the schema is kept; later ones are
    rejected naming the line of the first.
    """
    frame = parsed.frame.with_row_index(_ROW)
    rejected = list(parsed.rejected)

    failures = _schema_failures(parsed.frame, fmt, id_columns)
    if failures:
        bad = frame.filter(pl.col(_ROW).is_in(list(failures)))
        for row, first, last in bad.select(_ROW, "_line_number", "_end_line").iter_rows():
            found = failures[row]
            rejected.append(
                Rejection(
                    first,
                    found[0][0],
                    "; ".join(reason for _, reason, _ in found),
                    found[0][2],
                    parsed.lines.text(first, last),
                )
            )
        frame = frame.filter(~pl.col(_ROW).is_in(list(failures)))

    frame = frame.with_columns(pl.col("_line_number").min().over(id_columns).alias("_first_line"))
    duplicates = frame.filter(pl.col("_line_number") != pl.col("_first_line"))
    frame = frame.filter(pl.col("_line_number") == pl.col("_first_line"))
    for *ids, first, last, original in duplicates.select(
        *id_columns, "_line_number", "_end_line", "_first_line"
    ).iter_rows():
        shown_id = ":".join(str(value) for value in ids)
        rejected.append(
            Rejection(
                first,
                ",".join(id_columns),
                f"duplicate id {shown_id} in file (first at line {original})",
                "duplicate id in file",
                parsed.lines.text(first, last),
            )
        )

    rejected.sort(key=lambda r: r.line_number)
    rows = frame.select(*fmt.columns, "_line_number")
    return ValidatedFile(rows, rejected)
