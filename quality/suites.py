"""The expectation suites of the quality gates, one or more per layer, declared as data.

A suite names the table it validates, the key columns that identify a failing row, and its
Great Expectations expectations. Expectations that measure a quality dimension (accuracy,
completeness, consistency) take their ``mostly`` from ``quality/thresholds.yml`` when the
suite is built, so this module holds no numbers. Checks that Great Expectations cannot state
on one table (a name *and* a contact; a reference into another table) are computed in SQL as
boolean helper columns (``derived``) and validated like any other column.

Great Expectations is imported only when a suite is built: importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation

    from quality.thresholds import Thresholds

Layer = Literal["raw", "staged", "golden"]

# Loose on purpose: staging already nulls malformed emails, so this catches what slipped
# through (no "@", spaces, no dot in the domain), not every corner of RFC 5322.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
E164_PATTERN = r"^\+[1-9]\d{6,14}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
SOURCE_SYSTEMS = ("crm", "erp", "ecommerce", "social")
RAW_METADATA_COLUMNS = ("_source_file", "_line_number", "_file_sha256", "_delivery_seq")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite: a Great Expectations type and its arguments.

    ``dimension`` names the threshold in ``thresholds.yml`` applied as ``mostly``; without
    one, every checked value must pass.
    """

    type: str
    kwargs: Mapping[str, Any]
    dimension: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the expectation reads."""
        if "column" in self.kwargs:
            return (self.kwargs["column"],)
        if "column_list" in self.kwargs:
            return tuple(self.kwargs["column_list"])
        return tuple(self.kwargs[key] for key in ("column_A", "column_B") if key in self.kwargs)

    @property
    def label(self) -> str:
        """How results name the expectation, e.g. ``expect_column_values_to_not_be_null(Id)``."""
        return f"{self.type}({', '.join(self.columns)})"

    def build(self, thresholds: Thresholds) -> Expectation:
        """The Great Expectations expectation, with the dimension's threshold as ``mostly``."""
        from great_expectations.expectations.registry import get_expectation_impl

        kwargs = dict(self.kwargs)
        if self.dimension is not None:
            kwargs["mostly"] = thresholds.for_dimension(self.dimension)
        meta = {"label": self.label, "dimension": self.dimension}
        return get_expectation_impl(self.type)(**kwargs, meta=meta)


@dataclass(frozen=True)
class SuiteSpec:
    """A suite: the table it validates and what it expects of it.

    ``derived`` maps helper column names to SQL expressions over the table, computed when the
    batch is loaded. An ``optional`` table may be absent (a source that never delivered) and is
    then validated as empty, which passes.
    """

    name: str
    layer: Layer
    table: str
    key_columns: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    derived: Mapping[str, str] = field(default_factory=dict)
    optional: bool = False

    @property
    def table_columns(self) -> tuple[str, ...]:
        """The table columns to load: the keys, then every column an expectation reads."""
        wanted = [*self.key_columns, *(c for e in self.expectations for c in e.columns)]
        return tuple(dict.fromkeys(c for c in wanted if c not in self.derived))

    def query(self) -> str:
        """The SQL that loads the batch: only the needed columns, plus the helper columns."""
        selected = [_quote(column) for column in self.table_columns]
        selected += [f"({sql}) as {_quote(name)}" for name, sql in self.derived.items()]
        return f"select {', '.join(selected)} from {self.table}"

    def build(self, thresholds: Thresholds) -> ExpectationSuite:
        """The Great Expectations suite, with thresholds applied."""
        from great_expectations import ExpectationSuite

        return ExpectationSuite(
            name=self.name,
            expectations=[spec.build(thresholds) for spec in self.expectations],
            meta={"layer": self.layer, "table": self.table},
        )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def not_null(column: str) -> ExpectationSpec:
    return ExpectationSpec("expect_column_values_to_not_be_null", {"column": column})


def unique(column: str) -> ExpectationSpec:
    return ExpectationSpec("expect_column_values_to_be_unique", {"column": column})


def unique_together(*columns: str) -> ExpectationSpec:
    return ExpectationSpec("expect_compound_columns_to_be_unique", {"column_list": list(columns)})


def in_set(column: str, values: Iterable[Any], dimension: str | None = None) -> ExpectationSpec:
    return ExpectationSpec(
        "expect_column_values_to_be_in_set",
        {"column": column, "value_set": list(values)},
        dimension,
    )


def at_least(column: str, minimum: int) -> ExpectationSpec:
    return ExpectationSpec(
        "expect_column_values_to_be_between", {"column": column, "min_value": minimum}
    )


def matches(column: str, pattern: str, dimension: str) -> ExpectationSpec:
    """Non-null values of ``column`` match ``pattern`` (nulls are not counted)."""
    return ExpectationSpec(
        "expect_column_values_to_match_regex", {"column": column, "regex": pattern}, dimension
    )


def holds(helper_column: str, dimension: str) -> ExpectationSpec:
    """The boolean helper column is true for at least the dimension's share of rows."""
    return in_set(helper_column, [True], dimension)


def raw_suite(name: str, table: str, ids: tuple[str, ...]) -> SuiteSpec:
    """A raw table: native ids and load metadata present, no id twice in one delivered file."""
    return SuiteSpec(
        name=name,
        layer="raw",
        table=table,
        key_columns=(*ids, "_source_file", "_line_number"),
        expectations=(
            *(not_null(column) for column in (*ids, *RAW_METADATA_COLUMNS)),
            at_least("_line_number", 1),
            # A file re-delivered under the same name repeats its ids, hence the checksum.
            unique_together(*ids, "_source_file", "_file_sha256"),
        ),
        optional=True,
    )


def _nonblank(column: str) -> str:
    return f"nullif(trim({column}), '') is not null"


HAS_NAME = (
    f"({_nonblank('full_name')} or {_nonblank('first_name')} or {_nonblank('last_name')}"
    f" or (party_type = 'organization' and {_nonblank('company')}))"
)
HAS_NAME_AND_CONTACT = (
    f"coalesce({HAS_NAME} and ({_nonblank('email')} or {_nonblank('phone')}), false)"
)
# Completeness is measured per source. The core fields differ by what a source's contract
# carries: CRM, ERP and shop records are contact records (a name and an email or phone);
# a social profile's email is "usually null" and its phone "rarely present" (SOURCES.md),
# so its core field is the display name. Rows of other sources are null in each helper
# column, which Great Expectations leaves out of the share.
CONTACT_SOURCES = ("crm", "erp", "ecommerce")
COMPLETENESS_BY_SOURCE = {
    **{
        f"complete_{source}": (
            f"case when source_system = '{source}' then {HAS_NAME_AND_CONTACT} end"
        )
        for source in CONTACT_SOURCES
    },
    "complete_social": f"case when source_system = 'social' then coalesce({HAS_NAME}, false) end",
}
GOLDEN_ID_RESOLVES = (
    "coalesce(golden_id in (select golden_id from mdm_build.golden_customer), false)"
)

_ALL_SUITES = (
    raw_suite("raw_crm_contacts", "raw.crm_contacts", ("Id",)),
    raw_suite("raw_erp_customers", "raw.erp_customers", ("KUNNR",)),
    raw_suite("raw_erp_invoices", "raw.erp_invoices", ("VBELN",)),
    raw_suite("raw_ecommerce_customers", "raw.ecommerce_customers", ("id",)),
    raw_suite("raw_ecommerce_orders", "raw.ecommerce_orders", ("id",)),
    raw_suite("raw_social_profiles", "raw.social_profiles", ("platform", "user_id")),
    raw_suite("raw_social_engagement", "raw.social_engagement", ("platform", "event_id")),
    SuiteSpec(
        name="staged_party_records",
        layer="staged",
        table="staging.int_party_records",
        key_columns=("record_key",),
        expectations=(
            not_null("record_key"),
            unique("record_key"),
            not_null("source_record_id"),
            in_set("source_system", SOURCE_SYSTEMS),
            matches("email", EMAIL_PATTERN, "accuracy"),
            matches("phone", E164_PATTERN, "accuracy"),
            matches("country", COUNTRY_PATTERN, "accuracy"),
            *(holds(column, "completeness") for column in COMPLETENESS_BY_SOURCE),
        ),
        derived=COMPLETENESS_BY_SOURCE,
    ),
    SuiteSpec(
        name="golden_customer",
        layer="golden",
        table="mdm_build.golden_customer",
        key_columns=("golden_id",),
        expectations=(
            not_null("golden_id"),
            unique("golden_id"),
            matches("email", EMAIL_PATTERN, "accuracy"),
            matches("phone", E164_PATTERN, "accuracy"),
            matches("country", COUNTRY_PATTERN, "accuracy"),
        ),
    ),
    SuiteSpec(
        name="golden_xref",
        layer="golden",
        table="mdm_build.customer_xref",
        key_columns=("source_system", "source_record_id", "golden_id"),
        expectations=(
            not_null("source_system"),
            not_null("source_record_id"),
            not_null("golden_id"),
            in_set("source_system", SOURCE_SYSTEMS),
            unique_together("source_system", "source_record_id"),
            holds("golden_id_has_golden_record", "consistency"),
        ),
        derived={"golden_id_has_golden_record": GOLDEN_ID_RESOLVES},
    ),
)

SUITES: dict[str, SuiteSpec] = {suite.name: suite for suite in _ALL_SUITES}


def suites_for_layer(layer: Layer) -> list[SuiteSpec]:
    """The suites that guard one layer, in declaration order."""
    return [suite for suite in SUITES.values() if suite.layer == layer]
