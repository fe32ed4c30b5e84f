"""Standardisation functions (warehouse.udfs): phones, pinyin, countries, name case, and
their vectorised DuckDB registrations."""

from __future__ import annotations

import random
import re

import duckdb
import phonenumbers
import pyarrow as pa
import pytest

from warehouse.udfs import (
    country_iso2,
    country_iso2_arrow,
    normalize_phone,
    normalize_phone_arrow,
    proper_case,
    proper_case_arrow,
    register_udfs,
    romanize,
    romanize_arrow,
)

# ---------------------------------------------------------------------------------------
# normalize_phone
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # the four formats of the source contract
        ("(415) 555-0132", "US", "+14155550132"),
        ("+86 138 0013 8000", None, "+8613800138000"),
        ("138-0013-8000", "CN", "+8613800138000"),
        ("0086 13800138000", "CN", "+8613800138000"),
        # a country code makes the region irrelevant
        ("+86 138 0013 8000", "US", "+8613800138000"),
        ("0086 13800138000", "US", "+8613800138000"),
        ("+1 (415) 555-0132", "CN", "+14155550132"),
        # a Chinese mobile without a region, or in a record of another country
        ("138-0013-8000", None, "+8613800138000"),
        ("138 0013 8000", "US", "+8613800138000"),
        # national and carrier prefixes go
        ("010 6552 9988", "CN", "+861065529988"),
        ("1 415 555 0132", "US", "+14155550132"),
        ("030 1234567", "DE", "+49301234567"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        # another region sharing the country code
        ("(416) 555-0132", "US", "+14165550132"),
        # the region may be given as anything country_iso2 reads
        ("030 1234567", "Deutschland", "+49301234567"),
        ("(415) 555-0132", "United States", "+14155550132"),
    ],
)
def test_normalize_phone_reads_free_format_as_e164(
    raw: str, region: str | None, expected: str
) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        (None, "US"),
        ("", "US"),
        ("   ", None),
        ("12345", "US"),
        ("(415) 555-0132", None),  # no country code and no region
        ("+86 138 0013", None),  # too short
        ("n/a", "CN"),
        ("+999 1234 5678", None),  # no such country code
    ],
)
def test_normalize_phone_is_null_when_not_a_valid_number(
    raw: str | None, region: str | None
) -> None:
    assert normalize_phone(raw, region) is None


_SEPARATORS = re.compile(r"[\s\-().\/\u00a0]+")
_CHINESE_MOBILE = re.compile(r"^(?:\+?86|0086)?1[3-9]\d{9}$")


def reference_phone(raw: str, region: str | None) -> str | None:
    """normalize_phone's contract with libphonenumber's full parser only (no fast path)."""
    text = raw.strip()
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        text = compact = "+" + compact[2:]
    regions = [region]
    if region != "CN" and _CHINESE_MOBILE.match(compact):
        regions.append("CN")
    for candidate in regions:
        try:
            number = phonenumbers.parse(text, candidate)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def phone_samples(seed: int = 7) -> list[tuple[str, str | None]]:
    """Valid and nearly valid numbers of many regions, written the ways people write them."""
    rng = random.Random(seed)
    regions = "US CA CN HK TW DE GB FR IT ES NL CH AT JP KR IN SG AU NZ BR MX AR RU ZA AE".split()
    kinds = [
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
    ]
    formats = [
        phonenumbers.PhoneNumberFormat.NATIONAL,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.E164,
    ]
    samples: list[tuple[str, str | None]] = []
    for region in regions:
        for kind in kinds:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for _ in range(12):
                number = phonenumbers.PhoneNumber(
                    country_code=example.country_code,
                    national_number=example.national_number,
                    italian_leading_zero=example.italian_leading_zero,
                )
                digits = str(number.national_number)
                keep = rng.randint(max(1, len(digits) - 4), len(digits))
                altered = digits[:keep] + "".join(
                    rng.choice("0123456789") for _ in range(len(digits) - keep)
                )
                number.national_number = int(altered)
                text = phonenumbers.format_number(number, rng.choice(formats))
                if rng.random() < 0.2 and text.startswith("+"):
                    text = "00" + text[1:]
                for parse_region in (region, "US", "CN", None):
                    samples.append((text, parse_region))
    for _ in range(600):
        length = rng.randint(6, 14)
        digits = "".join(rng.choice("0123456789") for _ in range(length))
        prefix = rng.choice(["", "", "+", "00", "0", "1"])
        samples.append((prefix + digits, rng.choice(regions + [None])))
    return samples


def test_normalize_phone_agrees_with_the_full_parser() -> None:
    samples = phone_samples()
    disagreements = [
        (raw, region, normalize_phone(raw, region), reference_phone(raw, region))
        for raw, region in samples
        if normalize_phone(raw, region) != reference_phone(raw, region)
    ]
    assert len(samples) > 2000
    assert sum(reference_phone(raw, region) is not None for raw, region in samples) > 500
    assert disagreements == []


# ---------------------------------------------------------------------------------------
# romanize
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张", "zhang"),
        ("伟", "wei"),
        ("小明", "xiaoming"),  # one word per run of characters, as in pinyin orthography
        ("上海", "shanghai"),
        ("重庆", "chongqing"),  # the phrase reading, not chong + qing by character
        ("张伟 Zhang", "zhangwei zhang"),
        ("José  Müller", "jose muller"),
        ("O'Brien", "obrien"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("Straße", "strasse"),
        ("Øre Łódź", "ore lodz"),
        ("✨ Wei 🌸", "wei"),
        ("ＡＢＣ１２３", "abc123"),  # full-width forms
        ("南京西路1266号", "nanjingxilu 1266 hao"),
        ("🌸", None),
        ("", None),
        (None, None),
    ],
)
def test_romanize_gives_lower_case_ascii_pinyin(text: str | None, expected: str | None) -> None:
    assert romanize(text) == expected


def test_romanize_arrow_matches_scalar_for_ascii_and_other_scripts() -> None:
    values = [
        "John SMITH",
        "  o'neil  ",
        "A--B",
        "",
        None,
        "张伟",
        "Müller",
        "Zoë",
        "上海 · 上海市",
        "Back`tick",
        "😊 Ann",
    ]
    vectorised = romanize_arrow(pa.chunked_array([values], pa.string())).to_pylist()
    assert vectorised == [romanize(value) for value in values]


# ---------------------------------------------------------------------------------------
# country_iso2
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("China", "CN"),
        ("china", "CN"),
        ("中国", "CN"),
        ("CN", "CN"),
        ("cn", "CN"),
        ("CHN", "CN"),
        ("PRC", "CN"),
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States of America", "US"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("DEU", "DE"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Côte d'Ivoire", "CI"),
        ("Hong Kong", "HK"),
        ("香港", "HK"),
        ("Narnia", None),
        ("", None),
        (None, None),
    ],
)
def test_country_iso2_reads_names_and_codes(text: str | None, expected: str | None) -> None:
    assert country_iso2(text) == expected


def test_country_iso2_arrow_matches_scalar() -> None:
    values = ["China", None, "USA", "China", "nowhere", "de"]
    vectorised = country_iso2_arrow(pa.chunked_array([values], pa.string())).to_pylist()
    assert vectorised == ["CN", None, "US", "CN", None, "DE"]


# ---------------------------------------------------------------------------------------
# proper_case
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JOHN", "John"),
        ("john o'brien", "John O'Brien"),
        ("MARY-ANN", "Mary-Ann"),
        ("ÉMILE", "Émile"),
        ("McDonald", "McDonald"),  # deliberate mixed case stays
        ("van der Berg", "van der Berg"),
        ("张伟", "张伟"),
        (None, None),
    ],
)
def test_proper_case_title_cases_single_case_names(text: str | None, expected: str | None) -> None:
    assert proper_case(text) == expected


def test_proper_case_arrow_matches_scalar() -> None:
    values = ["JOHN", "mary-ann", "McDonald", None, "ÉMILE", "张伟", "", "o'neil"]
    vectorised = proper_case_arrow(pa.chunked_array([values], pa.string())).to_pylist()
    assert vectorised == [proper_case(value) for value in values]


# ---------------------------------------------------------------------------------------
# DuckDB registration
# ---------------------------------------------------------------------------------------


def test_register_udfs_makes_functions_callable_from_sql() -> None:
    with duckdb.connect() as con:
        register_udfs(con)
        row = con.execute(
            """
            select
                normalize_phone('(415) 555-0132', 'US'),
                normalize_phone('+86 138 0013 8000', null),
                normalize_phone(null, 'US'),
                romanize('张伟'),
                country_iso2('Deutschland'),
                proper_case('ANNA'),
                phone_type('+8613800138000'),
                phone_type('+862155551234'),
                phone_type('+14155550132'),
                phone_type(null)
            """
        ).fetchone()
    assert row == (
        "+14155550132",
        "+8613800138000",
        None,
        "zhangwei",
        "DE",
        "Anna",
        "mobile",
        "fixed_line",
        "fixed_line_or_mobile",
        None,
    )


def test_registered_functions_give_scalar_results_over_many_batches() -> None:
    # More rows than one DuckDB vector (2048), with repeats, nulls and both scripts.
    with duckdb.connect() as con:
        register_udfs(con)
        rows = con.execute(
            """
            select
                phone, region, name,
                normalize_phone(phone, region) as phone_e164,
                romanize(name) as name_norm
            from (
                select
                    case when i % 11 = 0 then null
                        else '138-' || lpad((i % 10000)::varchar, 4, '0') || '-8000' end as phone,
                    case when i % 3 = 0 then 'CN' when i % 3 = 1 then 'China' end as region,
                    (['张伟', 'Anna MÜLLER', null, 'o''brien'])[1 + i % 4] as name
                from range(5000) as t(i)
            )
            """
        ).fetchall()
    assert len(rows) == 5000
    for phone, region, name, phone_e164, name_norm in rows:
        assert phone_e164 == normalize_phone(phone, region)
        assert name_norm == romanize(name)


def test_normalize_phone_arrow_handles_nulls_in_either_argument() -> None:
    raw = pa.chunked_array([["(415) 555-0132", None, "138-0013-8000", ""]], pa.string())
    regions = pa.chunked_array([["US", "US", None, "CN"]], pa.string())
    assert normalize_phone_arrow(raw, regions).to_pylist() == [
        "+14155550132",
        None,
        "+8613800138000",
        None,
    ]
