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

import csv
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
    # the name of a range under `plausibility` in thresholds.yml, applied as min/max_value
    bounds: str | None = None

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

    def build(self, thresholds: Thresholds, source_system: str | None = None) -> Expectation:
        """The Great Expectations expectation, with the dimension's threshold (the source's
        own when thresholds.yml sets one) as ``mostly`` and a plausibility range as bounds."""
        from great_expectations.expectations.registry import get_expectation_impl

        kwargs = dict(self.kwargs)
        if self.dimension is not None:
            kwargs["mostly"] = thresholds.for_dimension(self.dimension, source_system)
        if self.bounds is not None:
            low, high = thresholds.plausible_range(self.bounds)
            kwargs["min_value"], kwargs["max_value"] = low, high
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
    # the source system a suite measures (results are kept per source), and the filter
    # that selects its rows when the table holds every source
    source_system: str | None = None
    where: str | None = None

    @property
    def table_columns(self) -> tuple[str, ...]:
        """The table columns to load: the keys, then every column an expectation reads."""
        wanted = [*self.key_columns, *(c for e in self.expectations for c in e.columns)]
        return tuple(dict.fromkeys(c for c in wanted if c not in self.derived))

    def query(self) -> str:
        """The SQL that loads the batch: only the needed columns, plus the helper columns."""
        selected = [_quote(column) for column in self.table_columns]
        selected += [f"({sql}) as {_quote(name)}" for name, sql in self.derived.items()]
        where = f" where {self.where}" if self.where else ""
        return f"select {', '.join(selected)} from {self.table}{where}"

    def build(self, thresholds: Thresholds) -> ExpectationSuite:
        """The Great Expectations suite, with thresholds applied."""
        from great_expectations import ExpectationSuite

        return ExpectationSuite(
            name=self.name,
            expectations=[spec.build(thresholds, self.source_system) for spec in self.expectations],
            meta={"layer": self.layer, "table": self.table, "source_system": self.source_system},
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


def plausible(column: str, bounds: str, dimension: str = "accuracy") -> ExpectationSpec:
    """Non-null values of ``column`` lie in the ``plausibility`` range ``bounds`` of
    thresholds.yml, for at least the dimension's share of them."""
    return ExpectationSpec(
        "expect_column_values_to_be_between", {"column": column}, dimension, bounds=bounds
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
# The core fields differ by what a source's contract carries: CRM, ERP and shop records
# are contact records (a name and an email or phone); a social profile's email is "usually
# null" and its phone "rarely present" (SOURCES.md), so its core field is the display name.
CONTACT_SOURCES = ("crm", "erp", "ecommerce")
COMPLETE = {
    **dict.fromkeys(CONTACT_SOURCES, HAS_NAME_AND_CONTACT),
    "social": f"coalesce({HAS_NAME}, false)",
}

# Postal codes by country (ISO alpha-2 after standardisation, upper case); a country not
# listed needs 2-10 letters, digits, spaces or hyphens.
POSTAL_CODE_PATTERNS = {
    "CN": r"\d{6}",
    "US": r"\d{5}(-\d{4})?",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "JP": r"\d{3}-?\d{4}",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "AU": r"\d{4}",
    "SG": r"\d{6}",
}
OTHER_POSTAL_CODE = r"[A-Z0-9][A-Z0-9 -]{1,9}"
POSTAL_CODE_VALID = (
    "case when postal_code is null then null "
    + " ".join(
        f"when country = '{country}' then regexp_full_match(postal_code, '{pattern}')"
        for country, pattern in POSTAL_CODE_PATTERNS.items()
    )
    + f" else regexp_full_match(postal_code, '{OTHER_POSTAL_CODE}') end"
)

# How each source's raw table names a record (SQL over the raw row ``r``; the rule of
# SOURCES.md that dbt staging applies too), and the fields a record never changes: every
# delivery of one native id must carry the same values there. Reconciliation reads the ids.
RAW_IDENTITY = {
    "crm": ("raw.crm_contacts", 'r."Id"', ('"CreatedDate"',)),
    "erp": ("raw.erp_customers", 'r."KUNNR"', ('"ERDAT"',)),
    "ecommerce": ("raw.ecommerce_customers", "cast(r.id as varchar)", ("created_at",)),
    "social": (
        "raw.social_profiles",
        "lower(trim(r.platform)) || ':' || r.user_id",
        ("created_at",),
    ),
    "ecommerce_orders": (
        "raw.ecommerce_orders",
        "cast(r.id as varchar)",
        ("customer_id", "created_at"),
    ),
    "erp_invoices": ("raw.erp_invoices", 'r."VBELN"', ('"KUNNR"', '"FKDAT"')),
}


def agrees_across_deliveries(key: str, id_column: str) -> str:
    """SQL: the record's immutable fields hold one value over all its deliveries in raw."""
    table, raw_id, fields = RAW_IDENTITY[key]
    values = ", ".join(f"cast(r.{field} as varchar)" for field in fields)
    return (
        f"coalesce((select count(distinct [{values}]) from {table} as r "
        f"where {raw_id} = {id_column}) <= 1, true)"
    )


GOLDEN_ID_RESOLVES = (
    "coalesce(golden_id in (select golden_id from mdm_build.golden_customer), false)"
)
# A golden record stands for at least one record that is not deleted in its source.
HAS_LIVE_SOURCE_RECORD = """coalesce(golden_id in (
    select xref.golden_id
    from mdm_build.customer_xref as xref
    inner join staging.int_party_records as party
        on party.source_system = xref.source_system
        and party.source_record_id = xref.source_record_id
    where not coalesce(party.is_deleted, false) and not coalesce(xref.is_deleted, false)
), false)"""


def linked_to_golden_record(source: str, record_id_column: str) -> str:
    """SQL: the row's customer record of ``source`` has a golden id in this run's xref."""
    return (
        f"coalesce({record_id_column} in (select source_record_id from mdm_build.customer_xref "
        f"where source_system = '{source}'), false)"
    )


def _known_currencies_and_rates() -> dict[str, str]:
    """The reporting currency rates of the dbt seed (``seeds/currency_rates.csv``), by code.

    The gates read the file itself: on a first run the seed is built only after them.
    """
    from warehouse.config import DBT_PROJECT_DIR

    with (DBT_PROJECT_DIR / "seeds" / "currency_rates.csv").open(encoding="utf-8") as rates:
        return {row["currency"]: row["cny_per_unit"] for row in csv.DictReader(rates)}


CURRENCY_RATES = _known_currencies_and_rates()


def in_cny(amount: str) -> str:
    """SQL: ``amount`` (of the row's ``currency``) in CNY; null for an unknown currency."""
    cases = " ".join(f"when '{code}' then {rate}" for code, rate in CURRENCY_RATES.items())
    # as double: Great Expectations compares with the float bounds of thresholds.yml
    return f"cast({amount} * case currency {cases} end as double)"


def staged_source_suite(source: str) -> SuiteSpec:
    """One source's standardised records: formats (accuracy), core fields (completeness),
    the same record agreeing with itself across deliveries (consistency)."""
    agrees = agrees_across_deliveries(source, "source_record_id")
    has_address = source != "social"
    return SuiteSpec(
        name=f"staged_{source}",
        layer="staged",
        table="staging.int_party_records",
        key_columns=("record_key",),
        expectations=(
            not_null("source_record_id"),
            matches("email", EMAIL_PATTERN, "accuracy"),
            matches("phone", E164_PATTERN, "accuracy"),
            matches("country", COUNTRY_PATTERN, "accuracy"),
            *((holds("postal_code_valid", "accuracy"),) if has_address else ()),
            holds("complete", "completeness"),
            holds("agrees_across_deliveries", "consistency"),
        ),
        derived={
            **({"postal_code_valid": POSTAL_CODE_VALID} if has_address else {}),
            "complete": COMPLETE[source],
            "agrees_across_deliveries": agrees,
        },
        source_system=source,
        where=f"source_system = '{source}'",
    )


_ALL_SUITES = (
    raw_suite("raw_crm_contacts", "raw.crm_contacts", ("Id",)),
    raw_suite("raw_erp_customers", "raw.erp_customers", ("KUNNR",)),
    raw_suite("raw_erp_invoices", "raw.erp_invoices", ("VBELN",)),
    raw_suite("raw_ecommerce_customers", "raw.ecommerce_customers", ("id",)),
    raw_suite("raw_ecommerce_orders", "raw.ecommerce_orders", ("id",)),
    raw_suite("raw_social_profiles", "raw.social_profiles", ("platform", "user_id")),
    raw_suite("raw_social_engagement", "raw.social_engagement", ("platform", "event_id")),
    # Keys over every source; each source's values in its own suite below.
    SuiteSpec(
        name="staged_party_records",
        layer="staged",
        table="staging.int_party_records",
        key_columns=("record_key",),
        expectations=(
            not_null("record_key"),
            unique("record_key"),
            in_set("source_system", SOURCE_SYSTEMS),
        ),
    ),
    *(staged_source_suite(source) for source in SOURCE_SYSTEMS),
    SuiteSpec(
        name="staged_ecommerce_orders",
        layer="staged",
        table="staging.stg_ecommerce__orders",
        key_columns=("order_id",),
        expectations=(
            not_null("order_id"),
            unique("order_id"),
            in_set("currency", CURRENCY_RATES, "accuracy"),
            plausible("amount_cny", "order_amount_cny"),
            holds("customer_delivered", "consistency"),
            holds("agrees_across_deliveries", "consistency"),
        ),
        derived={
            "amount_cny": in_cny("total_price"),
            # a guest checkout (no customer id) refers to nobody
            "customer_delivered": "case when customer_id is not null then customer_id in "
            "(select customer_id from staging.stg_ecommerce__customers) end",
            "agrees_across_deliveries": agrees_across_deliveries("ecommerce_orders", "order_id"),
        },
        source_system="ecommerce",
    ),
    SuiteSpec(
        name="staged_erp_invoices",
        layer="staged",
        table="staging.stg_erp__invoices",
        key_columns=("billing_document_id",),
        expectations=(
            not_null("billing_document_id"),
            unique("billing_document_id"),
            not_null("customer_number"),
            in_set("currency", CURRENCY_RATES, "accuracy"),
            plausible("amount_cny", "invoice_amount_cny"),
            # the contract allows an invoice for a customer not delivered yet: a share
            holds("customer_delivered", "consistency"),
            holds("agrees_across_deliveries", "consistency"),
        ),
        derived={
            "amount_cny": in_cny("net_amount"),
            "customer_delivered": "customer_number in "
            "(select customer_number from staging.stg_erp__customers)",
            "agrees_across_deliveries": agrees_across_deliveries(
                "erp_invoices", "billing_document_id"
            ),
        },
        source_system="erp",
    ),
    SuiteSpec(
        name="staged_social_engagement",
        layer="staged",
        table="staging.stg_social__engagement",
        key_columns=("engagement_id",),
        expectations=(
            not_null("engagement_id"),
            unique("engagement_id"),
            holds("profile_delivered", "consistency"),
        ),
        derived={
            "profile_delivered": "profile_id in "
            "(select profile_id from staging.stg_social__profiles)"
        },
        source_system="social",
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
            holds("has_live_source_record", "consistency"),
        ),
        derived={"has_live_source_record": HAS_LIVE_SOURCE_RECORD},
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
    SuiteSpec(
        name="golden_orders_linked",
        layer="golden",
        table="staging.stg_ecommerce__orders",
        key_columns=("order_id", "customer_id"),
        expectations=(holds("linked_to_golden_record", "consistency"),),
        derived={"linked_to_golden_record": linked_to_golden_record("ecommerce", "customer_id")},
        source_system="ecommerce",
        where="customer_id is not null",
    ),
    SuiteSpec(
        name="golden_invoices_linked",
        layer="golden",
        table="staging.stg_erp__invoices",
        key_columns=("billing_document_id", "customer_number"),
        expectations=(holds("linked_to_golden_record", "consistency"),),
        derived={"linked_to_golden_record": linked_to_golden_record("erp", "customer_number")},
        source_system="erp",
    ),
)

SUITES: dict[str, SuiteSpec] = {suite.name: suite for suite in _ALL_SUITES}


def suites_for_layer(layer: Layer) -> list[SuiteSpec]:
    """The suites that guard one layer, in declaration order."""
    return [suite for suite in SUITES.values() if suite.layer == layer]
