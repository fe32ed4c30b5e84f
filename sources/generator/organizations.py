"""The true companies: ERP company accounts, and the employers of persons."""

from __future__ import annotations

import numpy as np
import polars as pl

from sources.generator import companies, names
from sources.generator.addresses import make_addresses
from sources.generator.phones import PARTS, landline_numbers
from sources.generator.variants import categorical

MOBILES = ("mobile", "mobile2", "prev_mobile")  # companies have none, but share the layout
_SLUG = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "'": None})
_COMPANY_SURNAMES = [str(v) for v in names.WESTERN_LAST.values if "-" not in str(v)]


def _western_names(rng: np.random.Generator, country: str, k: int) -> tuple[list[str], list[str]]:
    brands = companies.WESTERN_BRANDS + _COMPANY_SURNAMES
    sectors = companies.SECTORS_DE if country == "DE" else companies.SECTORS_EN
    forms = companies.LEGAL_FORMS[country]
    codes = _distinct_codes(rng, len(brands) * len(sectors) * len(forms), k)
    b, rest = np.divmod(codes, len(sectors) * len(forms))
    s, f = np.divmod(rest, len(forms))
    out, slugs = [], []
    for bi, si, fi in zip(b, s, f, strict=True):
        legal = forms[fi]
        sep = "" if legal.startswith(",") else " "
        out.append(f"{brands[bi]} {sectors[si]}{sep}{legal}")
        slugs.append(f"{brands[bi]}-{sectors[si]}".lower().translate(_SLUG))
    return out, slugs


def _chinese_names(
    rng: np.random.Generator, cities: list[str], cities_hz: list[str]
) -> tuple[list[str], list[str], list[str]]:
    k = len(cities)
    space = len(companies.CHINESE_BRANDS) * len(companies.SECTORS_CN)
    codes = _distinct_codes(rng, space, k)
    b, s = np.divmod(codes, len(companies.SECTORS_CN))
    out, out_hz, slugs = [], [], []
    for i in range(k):
        b_hz, b_py = companies.CHINESE_BRANDS[b[i]]
        s_hz, s_en = companies.SECTORS_CN[s[i]]
        out.append(f"{cities[i]} {b_py} {s_en} Co., Ltd.")
        out_hz.append(f"{cities_hz[i]}{b_hz}{s_hz}有限公司")
        slugs.append(f"{b_py}{s_en.split()[0]}".lower())
    return out, out_hz, slugs


def _distinct_codes(rng: np.random.Generator, space: int, k: int) -> np.ndarray:
    """``k`` combination codes, distinct while the space allows it."""
    if k <= space:
        return rng.choice(space, size=k, replace=False)
    return rng.integers(0, space, k)


def _numbered(values: list[str], extra: list[list[str | None]]) -> None:
    """Number repeated names in place (``Acme Trading Inc. 2``), in every script."""
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        count = seen.get(value, 0) + 1
        seen[value] = count
        if count > 1:
            values[i] = f"{value} {count}"
            for column in extra:
                if column[i] is not None:
                    column[i] = f"{column[i]}{count}"


def build_organizations(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """``n`` companies with a unique name, a domain, a mailbox and an office address.

    Columns: ``person_id`` (``ORG`` + number), ``name`` (Latin), ``name_hz`` (Chinese
    companies), ``domain``, ``email1`` and ``email2`` (two mailboxes), ``weight`` (how
    likely the company is someone's employer), the address columns of ``addresses``
    for the current and (``prev_``) the previous office, and empty mobile columns so
    that company records go through the same record views as persons.
    """
    codes = list(companies.ORGANIZATION_COUNTRY_WEIGHTS)
    weights = list(companies.ORGANIZATION_COUNTRY_WEIGHTS.values())
    country = np.asarray(codes)[categorical(rng, n, weights)]
    address = make_addresses(rng, country)
    # an office always has a switchboard number
    office = landline_numbers(rng, address["country"], address["area_code"])
    address = address.with_columns(office[p].alias(f"landline_{p}") for p in office.columns)

    name: list[str] = [""] * n
    name_hz: list[str | None] = [None] * n
    slug: list[str] = [""] * n
    cities, cities_hz = address["city"].to_list(), address["city_hz"].to_list()
    for code in codes:
        rows = np.flatnonzero(country == code)
        if code == "CN":
            got, got_hz, got_slug = _chinese_names(
                rng, [cities[i] for i in rows], [cities_hz[i] for i in rows]
            )
            for j, i in enumerate(rows):
                name_hz[i] = got_hz[j]
        else:
            got, got_slug = _western_names(rng, code, len(rows))
        for j, i in enumerate(rows):
            name[i], slug[i] = got[j], got_slug[j]
    _numbered(name, [name_hz])
    _numbered(slug, [])
    slug = [s.replace(" ", "") for s in slug]

    tld = [companies.TOP_LEVEL_DOMAINS[c] for c in country]
    domain = [s + t for s, t in zip(slug, tld, strict=True)]
    box_u = rng.random(n)
    mailbox = [
        companies.COMPANY_MAILBOXES[c][int(u * len(companies.COMPANY_MAILBOXES[c]))]
        for c, u in zip(country, box_u, strict=True)
    ]
    second_box = [
        "info" if m != "info" else companies.COMPANY_MAILBOXES[c][-1]
        for m, c in zip(mailbox, country, strict=True)
    ]
    weight = 1.0 / np.power(np.arange(1, n + 1), 0.8)
    rng.shuffle(weight)
    # the office the company had before it moved, if it did
    previous = make_addresses(rng, country)
    office = landline_numbers(rng, previous["country"], previous["area_code"])
    previous = previous.with_columns(office[p].alias(f"landline_{p}") for p in office.columns)
    no_mobile = [pl.lit(None, pl.String).alias(f"{g}_{p}") for g in MOBILES for p in PARTS]
    return (
        pl.DataFrame(
            {
                "person_id": [f"ORG{i:07d}" for i in range(1, n + 1)],
                "name": name,
                "name_hz": pl.Series(name_hz, dtype=pl.String),
                "domain": domain,
                "email1": [f"{m}@{d}" for m, d in zip(mailbox, domain, strict=True)],
                "email2": [f"{m}@{d}" for m, d in zip(second_box, domain, strict=True)],
                "weight": weight,
            },
            schema_overrides={"weight": pl.Float64}
            | {
                c: pl.String for c in ("person_id", "name", "name_hz", "domain", "email1", "email2")
            },
        )
        .hstack(address)
        .hstack(previous.rename({c: f"prev_{c}" for c in previous.columns}))
        .with_columns(no_mobile)
    )
