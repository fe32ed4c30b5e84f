"""Native landing formats: the building blocks each source module declares its files with.

A CSV entity is a delimiter, the contract's columns and a Pandera schema over the text
values. A JSON Lines entity is a list of fields (nested objects flattened with ``_``),
each with the JSON types it accepts and how ``raw`` stores it, plus a Pandera schema
over the decoded values. The schemas reject a row only for what makes it unusable or of
the wrong type (a missing id, a date that is not a date); free text such as emails and
phones is never rejected here, standardisation handles it later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandera.polars as pa
import polars as pl

JsonType = Literal["string", "integer", "number", "boolean", "object", "array", "null"]
Storage = Literal["text", "bigint", "boolean", "json"]

# Suffix of the column that holds a JSON field's type while a file is validated.
JSON_TYPE_SUFFIX = "__json"

# --- reusable checks ------------------------------------------------------------------

_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12]\d|3[01])"
_TIME = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
_OFFSET = r"(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)"
ISO_TIMESTAMP_PATTERN = rf"^\d{{4}}-{_MONTH}-{_DAY}([T ]{_TIME}{_OFFSET}?)?$"


def _null_or(test: Callable[[pl.Expr], pl.Expr], error: str) -> pa.Check:
    """A custom check that passes nulls (Pandera's polars backend does not skip them)."""

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        column = pl.col(data.key)
        return data.lazyframe.select(column.is_null() | test(column))

    return pa.Check(check, error=error)


def iso_date() -> pa.Check:
    """``YYYY-MM-DD`` and a real calendar date."""
    return _null_or(
        lambda c: (
            c.str.contains(rf"^\d{{4}}-{_MONTH}-{_DAY}$")
            & c.str.to_date("%Y-%m-%d", strict=False).is_not_null()
        ),
        "not a date (YYYY-MM-DD)",
    )


def sap_date() -> pa.Check:
    """``YYYYMMDD`` and a real calendar date; SAP's ``00000000`` (no date) is accepted."""
    return _null_or(
        lambda c: (
            (c == "00000000")
            | (
                c.str.contains(rf"^\d{{4}}{_MONTH}{_DAY}$")
                & c.str.to_date("%Y%m%d", strict=False).is_not_null()
            )
        ),
        "not a date (YYYYMMDD)",
    )


def iso_timestamp() -> pa.Check:
    """ISO 8601 date-time (``T`` or space, optional fraction and offset) or a bare date.

    An empty string passes: like null, it says "no value" and is not a wrong type.
    """
    return pa.Check.str_matches(f"^$|{ISO_TIMESTAMP_PATTERN}", error="not an ISO 8601 timestamp")


def text_boolean() -> pa.Check:
    """``true`` / ``false`` in any letter case."""
    return pa.Check.str_matches(r"(?i)^(true|false)$", error="not a boolean (true/false)")


def decimal_text() -> pa.Check:
    """A decimal number with a dot and an optional sign, e.g. ``-1234.50``.

    Surrounding blanks (fixed-width exports pad amounts) are tolerated: a cast trims them.
    """
    return pa.Check.str_matches(r"^\s*[+-]?\d+(\.\d+)?\s*$", error="not a decimal number")


def matches(pattern: str, error: str) -> pa.Check:
    """The value matches ``pattern`` (a regular expression anchored by the caller)."""
    return pa.Check.str_matches(pattern, error=error)


# --- formats --------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvFormat:
    """A delimited text file with a header row; every value is kept as text.

    Every column of the contract must be in the header (a file without them is
    quarantined whole); further columns are ignored and reported. ``required`` columns
    must hold a value in every row; ``checks`` are applied to the non-empty values.
    """

    delimiter: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    checks: Mapping[str, Sequence[pa.Check]] = field(default_factory=dict)

    kind: Literal["csv"] = "csv"

    def schema(self) -> pa.DataFrameSchema:
        """The Pandera schema of one file's rows (all ``String`` columns)."""
        return pa.DataFrameSchema(
            {
                name: pa.Column(
                    pl.String,
                    nullable=name not in self.required,
                    checks=list(self.checks.get(name, ())),
                )
                for name in self.columns
            },
            strict=False,
        )


@dataclass(frozen=True)
class JsonField:
    """One field of a JSON object.

    ``path`` is the key path in the object (``("default_address", "city")``); ``name`` is
    the ``raw`` column (path joined with ``_``). ``types`` are the JSON types accepted;
    a field absent from the object counts as ``null``. ``storage`` says how ``raw``
    keeps the value; ``None`` means the field is only type-checked (a nested object
    whose members are stored as their own fields).
    """

    path: tuple[str, ...]
    types: frozenset[str]
    storage: Storage | None = "text"

    @property
    def name(self) -> str:
        return "_".join(self.path)

    @property
    def type_column(self) -> str:
        return self.name + JSON_TYPE_SUFFIX

    @property
    def required(self) -> bool:
        return "null" not in self.types


def text(*path: str, types: Sequence[JsonType] = ("string", "null")) -> JsonField:
    """A string field (stored as text)."""
    return JsonField(tuple(path), frozenset(types), "text")


def integer_id(*path: str, nullable: bool = False) -> JsonField:
    """An integer id, stored as its decimal string so it survives any consumer."""
    types = {"integer", "null"} if nullable else {"integer"}
    return JsonField(tuple(path), frozenset(types), "text")


def bigint(*path: str) -> JsonField:
    """An optional integer stored as ``BIGINT``."""
    return JsonField(tuple(path), frozenset({"integer", "null"}), "bigint")


def boolean(*path: str) -> JsonField:
    """An optional boolean stored as ``BOOLEAN``."""
    return JsonField(tuple(path), frozenset({"boolean", "null"}), "boolean")


def json_list(*path: str) -> JsonField:
    """An optional list kept as JSON text."""
    return JsonField(tuple(path), frozenset({"array", "null"}), "json")


def container(*path: str) -> JsonField:
    """An optional nested object whose members are declared as fields of their own."""
    return JsonField(tuple(path), frozenset({"object", "null"}), None)


_POLARS_STORAGE: dict[str, pl.DataType] = {
    "text": pl.String(),
    "json": pl.String(),
    "bigint": pl.Int64(),
    "boolean": pl.Boolean(),
}


@dataclass(frozen=True)
class JsonlFormat:
    """One JSON object per line; ``fields`` in ``raw`` column order (containers aside)."""

    fields: tuple[JsonField, ...]
    checks: Mapping[str, Sequence[pa.Check]] = field(default_factory=dict)

    kind: Literal["jsonl"] = "jsonl"

    @property
    def stored_fields(self) -> tuple[JsonField, ...]:
        return tuple(f for f in self.fields if f.storage is not None)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.stored_fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def polars_dtype(self, column: str) -> pl.DataType:
        storage = next(f.storage for f in self.stored_fields if f.name == column)
        return _POLARS_STORAGE[storage or "text"]

    def schema(self) -> pa.DataFrameSchema:
        """The Pandera schema: allowed JSON type per field, then the checks on values."""
        columns: dict[str, pa.Column] = {}
        for f in self.fields:
            # "string or null" reads better than alphabetical "null or string".
            allowed = sorted(f.types, key=lambda t: (t == "null", t))
            columns[f.type_column] = pa.Column(
                pl.String,
                nullable=not f.required,
                checks=[pa.Check.isin(allowed, error=f"expected {' or '.join(allowed)}")],
            )
        for f in self.stored_fields:
            columns[f.name] = pa.Column(
                _POLARS_STORAGE[f.storage or "text"],
                nullable=True,
                checks=list(self.checks.get(f.name, ())),
            )
        return pa.DataFrameSchema(columns, strict=False)


NativeFormat = CsvFormat | JsonlFormat
