"""CRM: a Salesforce-style contact export (``crm/contacts_*.csv``).

Contacts are typed in by sales reps: Chinese names in characters or pinyin, nicknames,
the odd typo, phones in whatever format the rep used, addresses with the flat on a
second line, country as a name or an ISO code.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import polars as pl

from sources.crm import CONTACTS
from sources.generator import phones
from sources.generator.deliveries import delivered_versions, plan_deliveries
from sources.generator.emails import email_variant
from sources.generator.ids import salesforce_ids
from sources.generator.presence import record_view
from sources.generator.renderings import (
    NAME_DRAWS,
    country_name,
    hanzi_full_name,
    house_name,
    street_with_unit,
    style_index,
    utc_timestamp,
    with_latin_name,
)
from sources.generator.settings import CrmRates, GeneratorRates
from sources.generator.variants import add_draws, choose, draw, null_str

# The generator writes exactly the columns the ingest reads (the native format).
CONTACT_COLUMNS = CONTACTS.columns
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Trade Show", "Social Media", "Other")
# E.164, +86 138 ..., national, dashed, 0086 ..., compact, dotted
PHONE_STYLE_WEIGHTS = (0.05, 0.22, 0.30, 0.15, 0.08, 0.15, 0.05)
_DRAWS = (
    *NAME_DRAWS,
    *(
        "script full_last first_missing email_pick email_variant phone_pick phone_pick2 "
        "phone_style mobile_style mobile_missing address_script address_missing street_form "
        "street_drop street_newline street_quoted house city_form region_form country_form "
        "birth account lead optout deleted"
    ).split(),
)
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.000Z"


def _bool_text(condition: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(pl.lit("true")).otherwise(pl.lit("false"))


def _contacts(v: pl.DataFrame, r: CrmRates) -> pl.DataFrame:
    hz = pl.col("is_cn") & (draw("script") < r.names.hanzi)
    v = with_latin_name(v, r.names)
    first, last = pl.col("_first"), pl.col("_last")
    full_in_last = hz & (draw("full_last") < r.full_name_in_last)

    use_landline = pl.col("landline_a").is_not_null() & (draw("phone_pick") < r.phone_landline)
    use_second = pl.col("mobile2_a").is_not_null() & (draw("phone_pick2") < r.phone_second_mobile)
    v = v.with_columns(
        phones.choose_phone([(use_landline, "landline"), (use_second, "mobile2")], "phone")
    )

    no_address = draw("address_missing") < r.address_missing
    address_hz = pl.col("street_hz").is_not_null() & pl.when(
        draw("address_script") < r.address_hanzi_follows_name
    ).then(hz).otherwise(~hz)
    latin_street = (
        pl.when(draw("street_form") < r.street_alt).then("street_alt").otherwise("street")
    )
    latin_street = (
        pl.when(draw("street_quoted") < r.street_quoted)
        .then(pl.concat_str([house_name(draw("house")), latin_street]))
        .otherwise(latin_street)
    )
    street = street_with_unit(
        latin_street,
        pl.col("line2"),
        newline=draw("street_newline") < r.street_newline,
        drop=draw("street_drop") < r.street_unit_dropped,
    )
    v = v.with_columns(
        _email=choose(
            draw("email_pick"),
            [
                (r.email_missing, null_str()),
                (r.email_second, pl.col("email2")),
                (1.0 - r.email_missing - r.email_second, pl.col("email1")),
            ],
        )
    )
    return v.select(
        "Id",
        FirstName=pl.when(full_in_last)
        .then(null_str())
        .when(hz)
        .then("given_hz")
        .when(draw("first_missing") < r.names.first_missing)
        .then(null_str())
        .otherwise(first),
        LastName=pl.when(full_in_last)
        .then(hanzi_full_name())
        .when(hz)
        .then("surname_hz")
        .otherwise(last),
        Email=email_variant(
            "_email",
            draw("email_variant"),
            {
                "upper": r.email_upper,
                "capitalised": r.email_capitalised,
                "domain_typo": r.email_domain_typo,
                "malformed": r.email_malformed,
            },
        ),
        Phone=phones.phone_text("phone", style_index(draw("phone_style"), PHONE_STYLE_WEIGHTS)),
        MobilePhone=pl.when(draw("mobile_missing") < r.mobile_missing)
        .then(null_str())
        .otherwise(
            phones.phone_text("mobile", style_index(draw("mobile_style"), PHONE_STYLE_WEIGHTS))
        ),
        MailingStreet=pl.when(no_address)
        .then(null_str())
        .when(address_hz)
        .then(pl.concat_str(["street_hz", "line2_hz"], ignore_nulls=True))
        .otherwise(street),
        MailingCity=pl.when(no_address)
        .then(null_str())
        .when(address_hz)
        .then("city_hz")
        .when(pl.col("city_alt").is_not_null() & (draw("city_form") < r.city_alt))
        .then("city_alt")
        .otherwise("city"),
        MailingState=pl.when(no_address)
        .then(null_str())
        .when(address_hz)
        .then("region_hz")
        .when(draw("region_form") < r.region_code)
        .then("region_code")
        .otherwise("region"),
        MailingPostalCode=pl.when(no_address).then(null_str()).otherwise("postal"),
        MailingCountry=pl.when(no_address & (draw("country_form") >= r.country_without_address))
        .then(null_str())
        .when(draw("country_form") < r.country_iso)
        .then("country")
        .otherwise(country_name()),
        Birthdate=pl.when(draw("birth") < r.birthdate).then(
            pl.col("birth").dt.strftime("%Y-%m-%d")
        ),
        AccountName=pl.when(
            pl.col("employer").is_not_null() & (draw("account") < r.account_name)
        ).then(pl.when(hz).then(pl.coalesce("employer_hz", "employer")).otherwise("employer")),
        LeadSource=choose(
            draw("lead"), [(0.15, null_str())] + [(0.85 / 6, pl.lit(s)) for s in LEAD_SOURCES]
        ),
        HasOptedOutOfEmail=_bool_text(draw("optout") < r.opted_out),
        CreatedDate=utc_timestamp("created_ts", _TIMESTAMP),
        LastModifiedDate=utc_timestamp("modified_ts", _TIMESTAMP),
        IsDeleted=_bool_text((draw("deleted") < r.deleted) | pl.col("force_delete")),
        _person_id="person_id",
    )


def crm_contacts(
    rng: np.random.Generator,
    people: pl.DataFrame,
    records: pl.DataFrame,
    deliveries: int,
    rates: GeneratorRates,
) -> pl.DataFrame:
    """All delivered versions of the CRM contacts, with ``_delivery`` and ``_person_id``."""
    plan = plan_deliveries(rng, records.height, deliveries)
    view = record_view(
        rng, people, records, "crm", plan.changes("move"), plan.changes("phone"), rates.stale
    )
    view = add_draws(view, rng, _DRAWS).with_columns(Id=salesforce_ids(rng, records.height))
    render = partial(_contacts, r=rates.crm)
    return delivered_versions(view, plan, render).with_columns(_record_id=pl.col("Id"))
