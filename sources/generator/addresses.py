"""Home and company addresses (with the landline that goes with them) per country.

Every address carries a Latin form (``street``, plus ``street_alt`` as another system
would abbreviate or translate it) and, in China, the form in characters (``street_hz``,
``city_hz``), so sources can disagree in the ways real ones do.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sources.generator import places
from sources.generator.phones import landline_numbers
from sources.generator.settings import LANDLINE_SHARE
from sources.generator.variants import pick, pick_random

ADDRESS_COLUMNS = (
    "country",
    "city",
    "city_hz",
    "city_alt",
    "region_code",
    "region",
    "region_hz",
    "postal",
    "street",
    "street_alt",
    "street_hz",
    "line2",
    "line2_hz",
    "area_code",
    "landline_cc",
    "landline_trunk",
    "landline_a",
    "landline_b",
    "landline_c",
)

_S = pl.String


def _str(values: np.ndarray) -> pl.Series:
    return pl.Series(values).cast(pl.String)


def _log_uniform(rng: np.random.Generator, n: int, high: int) -> np.ndarray:
    """House numbers: small ones are far more common than large ones."""
    return np.exp(rng.random(n) * np.log(high)).astype(np.int64) + 1


def _cities(rng: np.random.Generator, table: pl.DataFrame, n: int) -> pl.DataFrame:
    w = table["weight"].to_numpy()
    picked = table[rng.choice(len(table), size=n, p=w / w.sum())].with_columns(
        _u_postal=pl.Series(rng.random(n)), _u_area=pl.Series(rng.random(n))
    )
    return picked.with_columns(
        postal_prefix=pl.col("postal_prefixes").list.get(
            (pl.col("_u_postal") * pl.col("postal_prefixes").list.len()).cast(pl.Int64)
        ),
        area_code=pl.col("area_codes").list.get(
            (pl.col("_u_area") * pl.col("area_codes").list.len()).cast(pl.Int64)
        ),
    )


def _china(rng: np.random.Generator, n: int) -> pl.DataFrame:
    city = _cities(rng, places.CN_CITIES, n)
    street = places.CN_STREETS[rng.integers(0, len(places.CN_STREETS), n)]
    k = (pl.col("_u_district") * pl.col("districts").list.len()).cast(pl.Int64)
    has_room = rng.random(n) < 0.9
    room = _str(rng.integers(1, 33, n) * 100 + rng.integers(1, 7, n))
    building = _str(rng.integers(1, 31, n))
    frame = pl.concat([city, street], how="horizontal").with_columns(
        _u_district=pl.Series(rng.random(n))
    )
    frame = frame.with_columns(
        district=pl.col("districts").list.get(k),
        district_hz=pl.col("districts_hz").list.get(k),
        num=_str(_log_uniform(rng, n, 800)),
        room=room,
        building=building,
        has_room=pl.Series(has_room),
        postal_tail=_str(rng.integers(0, 1000, n)).str.zfill(3),
    )
    return frame.select(
        country=pl.lit("CN"),
        city="city",
        city_hz="city_hz",
        city_alt=pl.lit(None, _S),
        region_code="region_code",
        region="region",
        region_hz="region_hz",
        postal=pl.concat_str(["postal_prefix", "postal_tail"]),
        street=pl.concat_str(
            [pl.lit("No. "), "num", pl.lit(" "), "street_py", pl.lit(", "), "district"]
            + [pl.lit(" District")]
        ),
        street_alt=pl.concat_str(["num", pl.lit(" "), "street_en", pl.lit(", "), "district"]),
        street_hz=pl.concat_str(["district_hz", "street_hz", "num", pl.lit("号")]),
        line2=pl.when("has_room").then(
            pl.concat_str([pl.lit("Room "), "room", pl.lit(", Building "), "building"])
        ),
        line2_hz=pl.when("has_room").then(
            pl.concat_str(["building", pl.lit("栋"), "room", pl.lit("室")])
        ),
        area_code="area_code",
    )


def _united_states(rng: np.random.Generator, n: int) -> pl.DataFrame:
    city = _cities(rng, places.US_CITIES, n)
    kinds = rng.integers(0, len(places.US_STREET_TYPES), n)
    short = pick([t[0] for t in places.US_STREET_TYPES], kinds)
    full = pick([t[1] for t in places.US_STREET_TYPES], kinds)
    name = pick_random(rng, places.US_STREETS, n)
    unit = pick_random(rng, places.US_UNITS, n)
    unit_no = _str(rng.integers(1, 41, n)) + pl.Series(
        np.where(rng.random(n) < 0.2, np.asarray(list("ABCD"))[rng.integers(0, 4, n)], "")
    )
    frame = city.with_columns(
        num=_str(_log_uniform(rng, n, 9000)),
        name=name,
        short=short,
        full=full,
        unit=unit,
        unit_no=unit_no,
        has_unit=pl.Series(rng.random(n) < 0.35),
        postal_tail=_str(rng.integers(0, 100, n)).str.zfill(2),
    )
    unit_text = (
        pl.when(pl.col("unit") == "#")
        .then(pl.concat_str(["unit", "unit_no"]))
        .otherwise(pl.concat_str(["unit", pl.lit(" "), "unit_no"]))
    )
    return frame.select(
        country=pl.lit("US"),
        city="city",
        city_hz=pl.lit(None, _S),
        city_alt=pl.lit(None, _S),
        region_code="region_code",
        region="region",
        region_hz=pl.lit(None, _S),
        postal=pl.concat_str(["postal_prefix", "postal_tail"]),
        street=pl.concat_str(["num", pl.lit(" "), "name", pl.lit(" "), "short"]),
        street_alt=pl.concat_str(["num", pl.lit(" "), "name", pl.lit(" "), "full"]),
        street_hz=pl.lit(None, _S),
        line2=pl.when("has_unit").then(unit_text),
        line2_hz=pl.lit(None, _S),
        area_code="area_code",
    )


def _united_kingdom(rng: np.random.Generator, n: int) -> pl.DataFrame:
    city = _cities(rng, places.GB_CITIES, n)
    street = places.GB_STREETS[rng.integers(0, len(places.GB_STREETS), n)]
    letters = list(places.GB_POSTCODE_LETTERS)
    inward = (
        _str(rng.integers(1, 10, n)) + pick_random(rng, letters, n) + pick_random(rng, letters, n)
    )
    frame = pl.concat([city, street], how="horizontal").with_columns(
        num=_str(_log_uniform(rng, n, 200)),
        district=_str(rng.integers(1, 21, n)),
        inward=inward,
        flat=_str(rng.integers(1, 31, n)),
        has_flat=pl.Series(rng.random(n) < 0.25),
    )
    return frame.select(
        country=pl.lit("GB"),
        city="city",
        city_hz=pl.lit(None, _S),
        city_alt=pl.lit(None, _S),
        region_code="region_code",
        region="region",
        region_hz=pl.lit(None, _S),
        postal=pl.concat_str(["postal_prefix", "district", pl.lit(" "), "inward"]),
        street=pl.concat_str(["num", pl.lit(" "), "full"]),
        street_alt=pl.concat_str(["num", pl.lit(" "), "short"]),
        street_hz=pl.lit(None, _S),
        line2=pl.when("has_flat").then(pl.concat_str([pl.lit("Flat "), "flat"])),
        line2_hz=pl.lit(None, _S),
        area_code="area_code",
    )


def _germany(rng: np.random.Generator, n: int) -> pl.DataFrame:
    city = _cities(rng, places.DE_CITIES, n)
    name = pick_random(rng, places.DE_STREETS, n)
    suffix = np.where(rng.random(n) < 0.1, np.asarray(["a", "b"])[rng.integers(0, 2, n)], "")
    unit = pick_random(rng, places.DE_UNITS, n)
    frame = city.with_columns(
        name=name,
        num=_str(_log_uniform(rng, n, 150)) + pl.Series(suffix),
        unit=unit,
        unit_no=_str(rng.integers(1, 25, n)),
        has_unit=pl.Series(rng.random(n) < 0.15),
        postal_tail=_str(rng.integers(0, 1000, n)).str.zfill(3),
    )
    unit_text = (
        pl.when(pl.col("unit").str.ends_with(" "))
        .then(pl.concat_str(["unit", "unit_no"]))
        .otherwise("unit")
    )
    return frame.select(
        country=pl.lit("DE"),
        city="city",
        city_hz=pl.lit(None, _S),
        city_alt="city_alt",
        region_code="region_code",
        region="region",
        region_hz=pl.lit(None, _S),
        postal=pl.concat_str(["postal_prefix", "postal_tail"]),
        street=pl.concat_str(["name", pl.lit(" "), "num"]),
        street_alt=pl.concat_str(
            [pl.col("name").str.replace("straße$", "str."), pl.lit(" "), "num"]
        ),
        street_hz=pl.lit(None, _S),
        line2=pl.when("has_unit").then(unit_text),
        line2_hz=pl.lit(None, _S),
        area_code="area_code",
    )


_BUILDERS = {"CN": _china, "US": _united_states, "GB": _united_kingdom, "DE": _germany}


def make_addresses(rng: np.random.Generator, countries: np.ndarray) -> pl.DataFrame:
    """One address per entry of ``countries`` (ISO codes), in the same order."""
    parts = []
    for code, build in _BUILDERS.items():
        rows = np.flatnonzero(countries == code)
        if len(rows) or (code == "US" and not len(countries)):  # the US one gives the schema
            parts.append(build(rng, len(rows)).with_columns(_row=pl.Series(rows, dtype=pl.Int64)))
    frame = pl.concat(parts).sort("_row").drop("_row")
    landline = landline_numbers(rng, frame["country"], frame["area_code"])
    has_landline = pl.Series(rng.random(len(frame)) < LANDLINE_SHARE)
    return frame.with_columns(
        pl.when(has_landline).then(landline[part]).alias(f"landline_{part}")
        for part in landline.columns
    )
