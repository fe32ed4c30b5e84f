"""ERP: an SAP-style customer master and its billing documents (``erp/*.csv``).

Billing clerks key customers formally: persons as ``LASTNAME FIRSTNAME`` in capitals,
umlauts often spelt out, cities in capitals, dates as ``YYYYMMDD``. Companies are
customers too, with their own account group. Invoices point at customer numbers, a
few at numbers the customer file does not (yet) hold.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import polars as pl

from sources.erp import CUSTOMERS, INVOICES
from sources.generator import phones
from sources.generator.deliveries import DELIVERY, delivered_versions, plan_deliveries
from sources.generator.ids import sap_numbers, sequence
from sources.generator.presence import LAST_CHANGE_TS, record_view
from sources.generator.renderings import (
    NAME_DRAWS,
    hanzi_full_name,
    style_index,
    with_latin_name,
    yyyymmdd,
)
from sources.generator.settings import ORGANIZATION_DUPLICATE_RATE, ErpRates, GeneratorRates
from sources.generator.variants import add_draws, choose, draw, fold_ascii, null_str

# The generator writes exactly the columns the ingest reads (the native format).
CUSTOMER_COLUMNS = CUSTOMERS.columns
INVOICE_COLUMNS = INVOICES.columns
ACCOUNT_GROUP_PERSON = "ZPRI"  # private customers
ACCOUNT_GROUP_COMPANY = "0001"  # sold-to parties (companies)
CURRENCY = {"CN": "CNY", "US": "USD", "GB": "EUR", "DE": "EUR"}
TO_CURRENCY = {"CNY": 7.1, "USD": 1.0, "EUR": 0.92}
INVOICES_PER_PERSON = 2.0
INVOICES_PER_COMPANY = 12.0
PHONE_STYLE_WEIGHTS = (0.0, 0.15, 0.35, 0.20, 0.10, 0.20, 0.0)
_DRAWS = (
    *NAME_DRAWS,
    *"script name1 name2 street_alt street_unit city_upper phone_missing "
    "phone_pick phone_style email_missing email_pick email_upper changed deleted "
    "org_hz org_variant org_upper org_attn".split(),
)


def _address_columns(hz: pl.Expr, folded: pl.Expr, r: ErpRates) -> dict[str, pl.Expr]:
    street = pl.when(draw("street_alt") < r.street_alt).then("street_alt").otherwise("street")
    street = (
        pl.when(pl.col("line2").is_not_null() & (draw("street_unit") < r.street_unit))
        .then(pl.concat_str([street, pl.lit(", "), "line2"]))
        .otherwise(street)
    )
    city = pl.when(folded).then(fold_ascii(pl.col("city"))).otherwise("city")
    city = pl.when(draw("city_upper") < r.city_upper).then(city.str.to_uppercase()).otherwise(city)
    return {
        "STRAS": pl.when(hz).then("street_hz").otherwise(street),
        "ORT01": pl.when(hz).then("city_hz").otherwise(city),
        "PSTLZ": pl.col("postal"),
        "REGIO": pl.col("region_code"),
        "LAND1": pl.col("country"),
    }


def _common_columns(r: ErpRates) -> dict[str, pl.Expr]:
    return {
        "ERDAT": yyyymmdd("created_ts"),
        "AEDAT": pl.when(draw("changed") < r.changed_date_missing)
        .then(null_str())
        .otherwise(yyyymmdd("modified_ts")),
        "LOEVM": pl.when((draw("deleted") < r.deleted) | pl.col("force_delete")).then(pl.lit("X")),
        "_person_id": pl.col("person_id"),
    }


def _persons(v: pl.DataFrame, r: ErpRates) -> pl.DataFrame:
    hz = pl.col("is_cn") & (draw("script") < r.names.hanzi)
    v = with_latin_name(v, r.names)
    first, last = pl.col("_first"), pl.col("_last")
    salutation = (
        pl.when(pl.col("country") == "DE")
        .then(pl.when("female").then(pl.lit("Frau")).otherwise(pl.lit("Herr")))
        .otherwise(pl.when("female").then(pl.lit("Ms.")).otherwise(pl.lit("Mr.")))
    )
    name1 = choose(
        draw("name1"),
        [
            (r.name_last_first_caps, pl.concat_str([last, pl.lit(" "), first]).str.to_uppercase()),
            (r.name_last_comma_first, pl.concat_str([last, pl.lit(", "), first])),
            (r.name_salutation, pl.concat_str([salutation, pl.lit(" "), first, pl.lit(" "), last])),
            (
                1.0 - r.name_last_first_caps - r.name_last_comma_first - r.name_salutation,
                pl.concat_str([first, pl.lit(" "), last]),
            ),
        ],
    )
    use_landline = pl.col("landline_a").is_not_null() & (draw("phone_pick") < r.phone_landline)
    v = v.with_columns(
        phones.choose_phone([(use_landline, "landline"), (pl.lit(True), "mobile")], "phone")
    )
    email = (
        pl.when(pl.col("employer").is_not_null() & (draw("email_pick") < r.email_work))
        .then("email2")
        .otherwise("email1")
    )
    return v.select(
        "KUNNR",
        NAME1=pl.when(hz).then(hanzi_full_name()).otherwise(name1),
        NAME2=pl.when(draw("name2") < r.name2_care_of)
        .then(pl.concat_str([pl.lit("c/o "), "last"]))
        .when(
            pl.col("employer").is_not_null() & (draw("name2") < r.name2_care_of + r.name2_employer)
        )
        .then(pl.when(hz).then(pl.coalesce("employer_hz", "employer")).otherwise("employer")),
        **_address_columns(hz, draw("fold") < r.names.ascii_fold, r),
        TELF1=pl.when(draw("phone_missing") < r.phone_missing)
        .then(null_str())
        .otherwise(
            phones.phone_text("phone", style_index(draw("phone_style"), PHONE_STYLE_WEIGHTS))
        ),
        SMTP_ADDR=pl.when(draw("email_missing") < r.email_missing)
        .then(null_str())
        .when(draw("email_upper") < r.email_upper)
        .then(email.str.to_uppercase())
        .otherwise(email),
        **_common_columns(r),
        KTOKD=pl.lit(ACCOUNT_GROUP_PERSON),
    ).select(*CUSTOMER_COLUMNS, "_person_id")


def _company_name_variant(name: pl.Expr) -> pl.Expr:
    """How a second clerk keys the same company: no legal form, other punctuation."""
    return choose(
        draw("org_variant"),
        [
            (
                0.4,
                name.str.replace(
                    r",? (Inc\.|LLC|Corp\.|Ltd\.?|Limited|PLC|GmbH( & Co\. KG)?|AG|KG)$", ""
                ),
            ),
            (
                0.3,
                name.str.replace("Co., Ltd.", "Co. Ltd", literal=True).str.replace(
                    "GmbH", "G.m.b.H."
                ),
            ),
            (0.3, name.str.to_uppercase()),
        ],
    )


def _companies(v: pl.DataFrame, r: ErpRates) -> pl.DataFrame:
    hz = pl.col("name_hz").is_not_null() & (draw("org_hz") < r.company_hanzi)
    name = pl.when(hz).then("name_hz").otherwise("name")
    name = (
        pl.when(pl.col("duplicate") & (draw("org_variant") < r.org_name_variant))
        .then(_company_name_variant(pl.col("name")))
        .when(draw("org_upper") < r.company_upper)
        .then(name.str.to_uppercase())
        .otherwise(name)
    )
    attention = (
        pl.when(pl.col("country") == "DE")
        .then(pl.lit("Buchhaltung"))
        .when(pl.col("country") == "CN")
        .then(pl.lit("财务部"))
        .otherwise(pl.lit("Attn: Accounts Payable"))
    )
    street_hz = hz & pl.col("street_hz").is_not_null()
    return v.select(
        "KUNNR",
        NAME1=name,
        NAME2=pl.when(draw("org_attn") < r.company_attention).then(attention),
        **_address_columns(street_hz, pl.lit(False), r),
        TELF1=phones.phone_text("landline", style_index(draw("phone_style"), PHONE_STYLE_WEIGHTS)),
        SMTP_ADDR=pl.when(draw("email_missing") < r.company_email_missing)
        .then(null_str())
        .otherwise("email1"),
        **_common_columns(r),
        KTOKD=pl.lit(ACCOUNT_GROUP_COMPANY),
    ).select(*CUSTOMER_COLUMNS, "_person_id")


def _company_records(rng: np.random.Generator, n: int) -> pl.DataFrame:
    pids = np.arange(n)
    dup = pids[rng.random(n) < ORGANIZATION_DUPLICATE_RATE]
    return pl.DataFrame(
        {
            "pid": np.concatenate([pids, dup]),
            "duplicate": np.concatenate([np.zeros(n, bool), np.ones(len(dup), bool)]),
        }
    )


def erp_tables(
    rng: np.random.Generator,
    people: pl.DataFrame,
    organizations: pl.DataFrame,
    records: pl.DataFrame,
    deliveries: int,
    rates: GeneratorRates,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All delivered versions of ERP customers (persons and companies) and the invoices."""
    companies = _company_records(rng, organizations.height)
    n_person, n_company = records.height, companies.height
    numbers = sequence(rng, n_person + n_company, 100_000, 3)
    kunnr = sap_numbers(numbers[rng.permutation(len(numbers))])

    parts, owners = [], []
    for entities, recs, render, ids, is_company in (
        (people, records, _persons, kunnr[:n_person], False),
        (organizations, companies, _companies, kunnr[n_person:], True),
    ):
        plan = plan_deliveries(rng, recs.height, deliveries)
        view = record_view(
            rng, entities, recs, "erp", plan.changes("move"), plan.changes("phone"), rates.stale
        )
        view = add_draws(view, rng, _DRAWS).with_columns(KUNNR=ids)
        parts.append(delivered_versions(view, plan, partial(render, r=rates.erp)))
        owners.append(
            view.select(
                "KUNNR",
                "country",
                "created_ts",
                first=pl.Series(plan.first),
                company=pl.lit(is_company),
            )
        )
    customers = pl.concat(parts).with_columns(_record_id=pl.col("KUNNR"))
    invoices = _invoices(rng, pl.concat(owners), int(numbers.max(initial=0)), deliveries, rates.erp)
    return customers, invoices


def _invoices(
    rng: np.random.Generator,
    owners: pl.DataFrame,
    last_number: int,
    deliveries: int,
    r: ErpRates,
) -> pl.DataFrame:
    mean = np.where(owners["company"].to_numpy(), INVOICES_PER_COMPANY, INVOICES_PER_PERSON)
    count = rng.poisson(mean)
    rows = np.repeat(np.arange(owners.height), count)
    n = len(rows)
    inv = owners[rows]
    dangling = rng.random(n) < r.dangling_invoices
    unknown = sap_numbers(last_number + rng.integers(1_000, 900_000, n))
    end = LAST_CHANGE_TS
    created = inv["created_ts"].to_numpy()
    billed = created + (rng.random(n) * (end - created)).astype(np.int64)
    scale = np.where(inv["company"].to_numpy(), 5000.0, 150.0)
    usd_cents = (rng.lognormal(0.0, 1.0, n) * scale * 100).astype(np.int64) + 100
    first = inv["first"].to_numpy()
    # invoices arrive with or after their customer; a few before (contract allows it)
    delivery = first + (rng.random(n) * (deliveries - first + 1)).astype(np.int64)
    early = rng.random(n) < r.invoices_before_customer
    delivery = np.where(early, rng.integers(1, deliveries + 1, n), delivery)
    frame = inv.with_columns(
        VBELN=sap_numbers(sequence(rng, n, 90_000_000, 2)),
        KUNNR=pl.when(pl.Series(dangling)).then(unknown).otherwise("KUNNR"),
        billed_ts=pl.Series(billed),
        usd_cents=pl.Series(usd_cents),
        **{DELIVERY: pl.Series(delivery)},
    ).with_columns(WAERK=pl.col("country").replace_strict(CURRENCY))
    cents = (
        pl.col("usd_cents") * pl.col("WAERK").replace_strict(TO_CURRENCY, return_dtype=pl.Float64)
    ).cast(pl.Int64)
    return frame.select(
        "VBELN",
        "KUNNR",
        FKDAT=yyyymmdd("billed_ts"),
        NETWR=pl.concat_str(
            [
                (cents // 100).cast(pl.String),
                pl.lit("."),
                (cents % 100).cast(pl.String).str.zfill(2),
            ]
        ),
        WAERK="WAERK",
        **{DELIVERY: pl.col(DELIVERY)},
    )
