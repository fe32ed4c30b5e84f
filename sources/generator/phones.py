"""Phone numbers: generating plausible mobile and landline numbers per country, and
writing them in the free formats real systems hold.

A number is kept as five columns ``<name>_cc`` (country calling code), ``<name>_trunk``
(national prefix such as ``0``), ``<name>_a``, ``<name>_b``, ``<name>_c`` (digit groups as
people write them; ``c`` may be null), so every format is a concatenation.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sources.generator.variants import pick_random

PARTS = ("cc", "trunk", "a", "b", "c")

# Formats, by index: +8613800138000 | +86 138 0013 8000 | (415) 555-0132 or 0151 2345 678 |
# 138-0013-8000 | 0086 13800138000 | 13800138000 | 415.555.0132
E164, INTERNATIONAL, NATIONAL, DASHED, DOUBLE_ZERO, COMPACT, DOTTED = range(7)

CALLING_CODES = {"CN": "86", "US": "1", "GB": "44", "DE": "49"}
_TRUNK = {"CN": "0", "US": "", "GB": "0", "DE": "0"}
_MOBILE_TRUNK = _TRUNK | {"CN": ""}  # Chinese mobiles are dialled without the 0
_CN_MOBILE_PREFIXES = [
    str(p)
    for p in [*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166]
    + [173, 175, 176, 177, 178, *range(180, 190), 198, 199]
]
_DE_MOBILE_PREFIXES = ["151", "152", "157", "160", "162", "170", "171", "172", "173"]
_DE_MOBILE_PREFIXES += ["174", "175", "176", "177", "178", "179"]


def digits(rng: np.random.Generator, n: int, width: int, low: int = 0) -> pl.Series:
    """``n`` random zero-padded digit strings of ``width`` digits, each >= ``low``."""
    return pl.Series(rng.integers(low, 10**width, n)).cast(pl.String).str.zfill(width)


def mobile_numbers(
    rng: np.random.Generator, countries: np.ndarray, us_area_codes: pl.Series
) -> pl.DataFrame:
    """One mobile number per country code in ``countries``.

    ``us_area_codes`` gives the area code to use where the country is US (people keep
    the area code of where they got the phone).
    """
    n = len(countries)
    country = pl.Series(countries)
    frame = pl.DataFrame(
        {
            "country": country,
            "cn_a": pick_random(rng, _CN_MOBILE_PREFIXES, n),
            "cn_b": digits(rng, n, 4),
            "cn_c": digits(rng, n, 4),
            "us_a": us_area_codes,
            "us_b": pl.Series(rng.integers(200, 1000, n)).cast(pl.String),
            "us_c": digits(rng, n, 4),
            "gb_a": pl.Series(rng.integers(7400, 8000, n)).cast(pl.String),
            "gb_b": digits(rng, n, 6),
            "de_a": pick_random(rng, _DE_MOBILE_PREFIXES, n),
            "de_b": digits(rng, n, 4),
            "de_c4": digits(rng, n, 4),
        }
    )
    by_country = pl.col("country")
    return frame.select(
        cc=by_country.replace_strict(CALLING_CODES),
        trunk=by_country.replace_strict(_MOBILE_TRUNK),
        a=pl.when(by_country == "CN")
        .then("cn_a")
        .when(by_country == "US")
        .then("us_a")
        .when(by_country == "GB")
        .then("gb_a")
        .otherwise("de_a"),
        b=pl.when(by_country == "CN")
        .then("cn_b")
        .when(by_country == "US")
        .then("us_b")
        .when(by_country == "GB")
        .then("gb_b")
        .otherwise("de_b"),
        c=pl.when(by_country == "CN")
        .then("cn_c")
        .when(by_country == "US")
        .then("us_c")
        .when(by_country == "GB")
        .then(pl.lit(None, pl.String))
        # 015x numbers have eight digits after the prefix, 016x/017x seven
        .when(pl.col("de_a").str.starts_with("15"))
        .then("de_c4")
        .otherwise(pl.col("de_c4").str.slice(0, 3)),
    )


def landline_numbers(
    rng: np.random.Generator, countries: pl.Series, area_codes: pl.Series
) -> pl.DataFrame:
    """One landline per row, in the given area code (without its trunk prefix)."""
    n = len(countries)
    frame = pl.DataFrame(
        {
            "country": countries,
            "area": area_codes,
            "b3": pl.Series(rng.integers(200, 1000, n)).cast(pl.String),
            "b4": pl.Series(rng.integers(2000, 9000, n)).cast(pl.String),
            "b6": pl.Series(rng.integers(200000, 1000000, n)).cast(pl.String),
            "c4": digits(rng, n, 4),
        }
    )
    country = pl.col("country")
    area_len = pl.col("area").str.len_chars()
    gb_short = (country == "GB") & (area_len == 3)
    return frame.select(
        cc=country.replace_strict(CALLING_CODES),
        trunk=country.replace_strict(_TRUNK),
        a=pl.col("area"),
        b=pl.when((country == "US") | gb_short)
        .then("b3")
        .when((country == "GB") & (area_len == 4))
        .then("b6")
        .otherwise("b4"),
        c=pl.when((country == "GB") & (area_len == 4))
        .then(pl.lit(None, pl.String))
        .when((country == "DE") & (area_len > 2))
        .then(pl.col("c4").str.slice(0, 3))
        .otherwise("c4"),
    )


def e164(prefix: str) -> pl.Expr:
    """The number as E.164 (``+8613800138000``), null when there is no number."""
    return phone_text(prefix, pl.lit(E164))


def phone_text(prefix: str, style: pl.Expr) -> pl.Expr:
    """The number in column group ``prefix`` written in format ``style`` (an index)."""
    cc, trunk, a, b, c = (pl.col(f"{prefix}_{part}") for part in PARTS)
    groups = [a, b, c]
    compact = pl.concat_str(groups, ignore_nulls=True)
    spaced = pl.concat_str(groups, separator=" ", ignore_nulls=True)
    national = (
        pl.when(cc == "1")
        .then(pl.concat_str([pl.lit("("), a, pl.lit(") "), b, pl.lit("-"), c]))
        .otherwise(pl.concat_str([trunk, spaced]))
    )
    text = (
        pl.when(style == E164)
        .then(pl.concat_str([pl.lit("+"), cc, compact]))
        .when(style == INTERNATIONAL)
        .then(pl.concat_str([pl.lit("+"), cc, pl.lit(" "), spaced]))
        .when(style == NATIONAL)
        .then(national)
        .when(style == DASHED)
        .then(pl.concat_str([trunk, pl.concat_str(groups, separator="-", ignore_nulls=True)]))
        .when(style == DOUBLE_ZERO)
        .then(pl.concat_str([pl.lit("00"), cc, pl.lit(" "), compact]))
        .when(style == COMPACT)
        .then(pl.concat_str([trunk, compact]))
        .otherwise(pl.concat_str(groups, separator=".", ignore_nulls=True))
    )
    return pl.when(a.is_null()).then(pl.lit(None, pl.String)).otherwise(text)


def choose_phone(options: list[tuple[pl.Expr, str]], out: str) -> list[pl.Expr]:
    """Columns ``<out>_*`` holding, per row, the first number whose condition holds."""
    exprs = []
    for part in PARTS:
        chain = None
        for condition, prefix in options:
            source = pl.col(f"{prefix}_{part}")
            chain = (
                pl.when(condition).then(source)
                if chain is None
                else chain.when(condition).then(source)
            )
        assert chain is not None
        exprs.append(chain.otherwise(pl.lit(None, pl.String)).alias(f"{out}_{part}"))
    return exprs
