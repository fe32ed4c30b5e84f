"""How a person's true values are written into one record: names, streets, countries,
phone formats and timestamps. Shared by the source builders.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sources.generator.places import COUNTRY_NAMES, HOUSE_NAMES
from sources.generator.settings import NameNoise
from sources.generator.variants import choose, draw, fold_ascii, null_str, typo

# draws every name rendering uses
NAME_DRAWS = ("nick", "split", "typo", "typo_field", "typo_pos", "fold", "swap", "case")
GIVEN_SPLIT_SHARE = 0.05  # two-syllable given names written as two words: "Xiu Ying"
UTC_OFFSETS = {"CN": "+08:00", "US": "-05:00", "GB": "+00:00", "DE": "+01:00"}


def with_latin_name(v: pl.DataFrame, noise: NameNoise) -> pl.DataFrame:
    """``v`` with the first and last name in Latin script, this source's noise applied,
    in columns ``_first`` and ``_last``.

    Built step by step on materialised columns: nesting the steps as one expression
    would repeat every sub-expression many times over.
    """
    first, last = pl.col("_first"), pl.col("_last")
    typo_on = (draw("typo") < noise.typo) | pl.col("force_typo")
    on_first = draw("typo_field") < 0.5
    swap_rate = pl.when("is_cn").then(noise.swapped_cn).otherwise(noise.swapped)
    swapped = draw("swap") < swap_rate
    folded = draw("fold") < noise.ascii_fold
    upper = draw("case") < noise.upper
    lower = (draw("case") >= noise.upper) & (draw("case") < noise.upper + noise.lower)
    return (
        v.with_columns(
            _first=pl.when((draw("nick") < noise.nickname) & pl.col("nick").is_not_null())
            .then("nick")
            .when((draw("split") < GIVEN_SPLIT_SHARE) & pl.col("given_split").is_not_null())
            .then("given_split")
            .otherwise("first"),
            _last=pl.col("last"),
        )
        .with_columns(
            _first=pl.when(typo_on & on_first).then(typo(first, draw("typo_pos"))).otherwise(first),
            _last=pl.when(typo_on & ~on_first).then(typo(last, draw("typo_pos"))).otherwise(last),
        )
        .with_columns(
            _first=pl.when(folded).then(fold_ascii(first)).otherwise(first),
            _last=pl.when(folded).then(fold_ascii(last)).otherwise(last),
        )
        .with_columns(
            _first=pl.when(swapped).then(last).otherwise(first),
            _last=pl.when(swapped).then(first).otherwise(last),
        )
        .with_columns(
            _first=pl.when(upper)
            .then(first.str.to_uppercase())
            .when(lower)
            .then(first.str.to_lowercase())
            .otherwise(first),
            _last=pl.when(upper)
            .then(last.str.to_uppercase())
            .when(lower)
            .then(last.str.to_lowercase())
            .otherwise(last),
        )
    )


def hanzi_full_name() -> pl.Expr:
    """张伟: surname then given name, no space."""
    return pl.concat_str(["surname_hz", "given_hz"])


def style_index(u: pl.Expr, weights: Sequence[float]) -> pl.Expr:
    """An integer style (0 .. len(weights) - 1) picked by the draw ``u``."""
    return choose(u, [(w, pl.lit(i)) for i, w in enumerate(weights)])


def street_with_unit(street: pl.Expr, line2: pl.Expr, newline: pl.Expr, drop: pl.Expr) -> pl.Expr:
    """Street plus flat/apartment on the same line (after a comma) or the next line."""
    return (
        pl.when(line2.is_null() | drop)
        .then(street)
        .when(newline)
        .then(pl.concat_str([street, pl.lit("\n"), line2]))
        .otherwise(pl.concat_str([street, pl.lit(", "), line2]))
    )


def house_name(u: pl.Expr) -> pl.Expr:
    """A quoted house name (``"Rose Cottage", ``) to put in front of a street."""
    return choose(u, [(1.0, pl.lit(f'"{h}", ')) for h in HOUSE_NAMES])


def country_name() -> pl.Expr:
    """``China``, ``United States`` ... for the ISO code in ``country``."""
    return pl.col("country").replace_strict(COUNTRY_NAMES, default=null_str())


def utc_timestamp(seconds: str, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> pl.Expr:
    """Epoch seconds in column ``seconds`` written as UTC text."""
    return pl.from_epoch(pl.col(seconds), time_unit="s").dt.strftime(fmt)


def local_timestamp(seconds: str) -> pl.Expr:
    """Epoch seconds as local time of the record's country with its offset,
    ``2024-03-01T16:15:00+08:00``."""
    offset = pl.col("country").replace_strict(UTC_OFFSETS, default="+00:00")
    shift = offset.str.slice(0, 1).replace_strict({"+": 1, "-": -1}, return_dtype=pl.Int64) * (
        offset.str.slice(1, 2).cast(pl.Int64) * 3600 + offset.str.slice(4, 2).cast(pl.Int64) * 60
    )
    local = pl.from_epoch(pl.col(seconds) + shift, time_unit="s")
    return pl.concat_str([local.dt.strftime("%Y-%m-%dT%H:%M:%S"), offset])


def yyyymmdd(seconds: str) -> pl.Expr:
    """Epoch seconds as an SAP date, ``20250301``."""
    return pl.from_epoch(pl.col(seconds), time_unit="s").dt.strftime("%Y%m%d")
