"""The true persons behind the source records.

One row per person with everything any source could know about them: the name in
Latin script (and in characters for Chinese persons), a nickname or English name,
birth date, current and previous address, mobiles, a landline shared with the
household, e-mail addresses and sometimes an employer. Sources render these values
with their own noise (``variants``); the truth file links the records back here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from sources.generator import names, settings
from sources.generator.addresses import ADDRESS_COLUMNS, make_addresses
from sources.generator.emails import make_emails
from sources.generator.phones import PARTS, mobile_numbers
from sources.generator.variants import ascii_token, categorical

PHONE_GROUPS = ("mobile", "mobile2", "prev_mobile")
_EPOCH = dt.date(1970, 1, 1)


def _gendered(
    rng: np.random.Generator,
    vocab: names.Vocabulary,
    female: np.ndarray,
    pool: np.ndarray | None = None,
) -> np.ndarray:
    """Vocabulary indices matching each row's gender (and name pool, if given)."""
    out = np.zeros(len(female), dtype=np.int64)
    gender = vocab.extra["gender"]
    pools = (None,) if pool is None else ("a", "d")
    for is_female, g in ((True, "f"), (False, "m")):
        for p in pools:
            rows = female == is_female
            allowed = (gender == g) | (gender == "u")
            if p is not None:
                rows &= pool == p
                allowed &= (vocab.extra["pool"] == p) | (vocab.extra["pool"] == "b")
            rows = np.flatnonzero(rows)
            if len(rows):
                idx, w = names.subset(vocab, allowed)
                out[rows] = idx[rng.choice(len(idx), size=len(rows), p=w)]
    return out


def _pooled(rng: np.random.Generator, vocab: names.Vocabulary, pool: np.ndarray) -> np.ndarray:
    out = np.zeros(len(pool), dtype=np.int64)
    for p in ("a", "d"):
        rows = np.flatnonzero(pool == p)
        allowed = (vocab.extra["pool"] == p) | (vocab.extra["pool"] == "b")
        idx, w = names.subset(vocab, allowed)
        out[rows] = idx[rng.choice(len(idx), size=len(rows), p=w)]
    return out


def _nicknames(rng: np.random.Generator, first_idx: np.ndarray) -> pl.Series:
    """One of the first name's nicknames, or null when it has none or is not used."""
    lists = [s.split(",") if s else [] for s in names.WESTERN_FIRST.extra["nicknames"]]
    counts = np.asarray([len(x) for x in lists])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = pl.Series([nick for x in lists for nick in x] + [None], dtype=pl.String)
    k = (rng.random(len(first_idx)) * counts[first_idx]).astype(np.int64)
    used = (counts[first_idx] > 0) & (rng.random(len(first_idx)) < settings.NICKNAME_SHARE)
    return flat.gather(np.where(used, offsets[first_idx] + k, len(flat) - 1))


def _chinese_names(
    rng: np.random.Generator, female: np.ndarray, rates: settings.PopulationRates
) -> pl.DataFrame:
    n = len(female)
    surname = names.CN_SURNAMES.sample(rng, n)
    common = _gendered(rng, names.CN_COMMON_GIVEN, female)
    c1 = _gendered(rng, names.CN_GIVEN_CHARS, female)
    c2 = _gendered(rng, names.CN_GIVEN_CHARS, female)
    english = _gendered(rng, names.CN_ENGLISH_NAMES, female)
    frame = pl.DataFrame(
        {
            "surname_hz": names.CN_SURNAMES.take(surname),
            "surname_py": names.CN_SURNAMES.take(surname, "pinyin"),
            "surname_abroad": names.CN_SURNAMES.take(surname, "abroad"),
            "common_hz": names.CN_COMMON_GIVEN.take(common),
            "common_py": names.CN_COMMON_GIVEN.take(common, "pinyin"),
            "c1_hz": names.CN_GIVEN_CHARS.take(c1),
            "c1_py": names.CN_GIVEN_CHARS.take(c1, "pinyin"),
            "c2_hz": names.CN_GIVEN_CHARS.take(c2),
            "c2_py": names.CN_GIVEN_CHARS.take(c2, "pinyin"),
            "english": names.CN_ENGLISH_NAMES.take(english),
            "use_common": rng.random(n) < rates.common_chinese_given_share,
            "two_chars": rng.random(n) < settings.TWO_CHAR_GIVEN_SHARE,
            "has_english": rng.random(n) < settings.ENGLISH_NAME_SHARE_CN,
        }
    )
    syllables = (
        pl.when("use_common")
        .then("common_py")
        .when("two_chars")
        .then(pl.concat_str(["c1_py", pl.lit("-"), "c2_py"]))
        .otherwise("c1_py")
    )
    return frame.select(
        "surname_hz",
        "surname_py",
        "surname_abroad",
        given_hz=pl.when("use_common")
        .then("common_hz")
        .when("two_chars")
        .then(pl.concat_str(["c1_hz", "c2_hz"]))
        .otherwise("c1_hz"),
        given_py=syllables.str.replace("-", "").str.to_titlecase(),
        given_split=pl.when(syllables.str.contains("-")).then(
            syllables.str.replace("-", " ").str.to_titlecase()
        ),
        english=pl.when("has_english").then("english"),
    )


def _western_names(
    rng: np.random.Generator,
    female: np.ndarray,
    country: np.ndarray,
    rates: settings.PopulationRates,
) -> pl.DataFrame:
    n = len(female)
    german = (country == "DE") & (rng.random(n) < settings.GERMAN_NAMES_IN_DE)
    pool = np.where(german, "d", "a")
    first = _gendered(rng, names.WESTERN_FIRST, female, pool)
    last = _pooled(rng, names.WESTERN_LAST, pool)
    tail = _pooled(rng, names.WESTERN_LAST_TAIL, pool)
    in_tail = pl.Series(rng.random(n) < rates.western_surname_tail_share)
    return pl.DataFrame(
        {
            "w_first": names.WESTERN_FIRST.take(first),
            "w_last": names.WESTERN_LAST.take(last).zip_with(
                ~in_tail, names.WESTERN_LAST_TAIL.take(tail)
            ),
            "w_nick": _nicknames(rng, first),
        }
    )


def _countries(rng: np.random.Generator, is_cn: np.ndarray) -> np.ndarray:
    n = len(is_cn)
    codes = np.asarray(list(settings.WESTERN_COUNTRY_WEIGHTS))
    western = codes[categorical(rng, n, list(settings.WESTERN_COUNTRY_WEIGHTS.values()))]
    abroad = rng.random(n) < settings.CHINESE_ABROAD_SHARE
    return np.where(is_cn & ~abroad, "CN", western)


def _households(
    rng: np.random.Generator, is_cn: np.ndarray, country: np.ndarray, member_share: float
) -> np.ndarray:
    """For each person, the person whose home they share (themselves if living apart)."""
    n = len(is_cn)
    source = np.arange(n)
    member = rng.random(n) < member_share
    group = np.char.add(np.where(is_cn, "cn-", "w-"), country.astype(str))
    for key in np.unique(group):
        in_group = group == key
        members = np.flatnonzero(in_group & member)
        heads = np.flatnonzero(in_group & ~member)
        if len(members) and len(heads):
            source[members] = heads[rng.integers(0, len(heads), len(members))]
    return source


def _unique_mobiles(
    rng: np.random.Generator, countries: np.ndarray, areas: pl.Series
) -> pl.DataFrame:
    """Mobile numbers, no two alike."""
    numbers = mobile_numbers(rng, countries, areas)
    key = pl.concat_str(list(PARTS), separator="|", ignore_nulls=True)
    for _ in range(50):
        clash = ~numbers.select(key).to_series().is_first_distinct()
        rows = np.flatnonzero(clash.to_numpy())
        if not len(rows):
            break
        fresh = mobile_numbers(rng, countries[rows], areas.gather(rows))
        numbers = pl.DataFrame([numbers[c].scatter(rows, fresh[c]) for c in numbers.columns])
    return numbers


def _employers(
    rng: np.random.Generator, country: np.ndarray, organizations: pl.DataFrame
) -> pl.DataFrame:
    n = len(country)
    pick = np.full(n, -1, dtype=np.int64)
    employed = rng.random(n) < settings.EMPLOYED_SHARE
    if organizations.height:
        org_country = organizations["country"].to_numpy()
        weight = organizations["weight"].to_numpy()
        for code in np.unique(country):
            rows = np.flatnonzero(employed & (country == code))
            pool = np.flatnonzero(org_country == code)
            if not len(pool):
                pool = np.arange(organizations.height)
            w = weight[pool] / weight[pool].sum()
            pick[rows] = pool[rng.choice(len(pool), size=len(rows), p=w)]
    columns = ("employer_id", "employer", "employer_hz", "employer_domain")
    if not organizations.height:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String)).clear(n)
    has = pl.Series(pick >= 0)
    taken = organizations[np.where(pick >= 0, pick, 0)]
    return taken.select(
        employer_id=pl.when(has).then("person_id"),
        employer=pl.when(has).then("name"),
        employer_hz=pl.when(has).then("name_hz"),
        employer_domain=pl.when(has).then("domain"),
    )


def build_people(
    rng: np.random.Generator,
    n: int,
    organizations: pl.DataFrame,
    rates: settings.PopulationRates = settings.STANDARD_RATES.population,
) -> pl.DataFrame:
    """``n`` true persons (see the module docstring for what they carry), drawn with the
    population ``rates`` of a difficulty level (standard by default)."""
    is_cn = rng.random(n) < rates.chinese_share
    female = rng.random(n) < 0.5
    country = _countries(rng, is_cn)
    chinese = _chinese_names(rng, female, rates)
    western = _western_names(rng, female, country, rates)
    alt_roman = rng.random(n) < rates.alt_romanisation_abroad
    start = (dt.date(settings.BIRTH_YEARS[0], 1, 1) - _EPOCH).days
    end = (dt.date(settings.BIRTH_YEARS[1], 12, 31) - _EPOCH).days
    base = pl.concat([chinese, western], how="horizontal").with_columns(
        is_cn=pl.Series(is_cn),
        female=pl.Series(female),
        alt_roman=pl.Series(alt_roman & is_cn & (country != "CN")),
        birth=pl.Series(rng.integers(start, end + 1, n)).cast(pl.Date),
    )
    people = base.select(
        "is_cn",
        "female",
        "birth",
        first=pl.when("is_cn").then("given_py").otherwise("w_first"),
        last=pl.when("is_cn")
        .then(pl.when("alt_roman").then("surname_abroad").otherwise("surname_py"))
        .otherwise("w_last"),
        given_hz=pl.when("is_cn").then("given_hz"),
        surname_hz=pl.when("is_cn").then("surname_hz"),
        given_split=pl.when("is_cn").then("given_split"),
        nick=pl.when("is_cn").then("english").otherwise("w_nick"),
    )

    current = make_addresses(rng, country)
    previous = make_addresses(rng, country)
    home = _households(rng, is_cn, country, rates.household_member_share)
    shares_name = (home != np.arange(n)) & (rng.random(n) < settings.HOUSEHOLD_SHARES_SURNAME)
    surname_from = pl.Series(np.where(shares_name, home, np.arange(n)))
    home_s = pl.Series(home)
    people = people.with_columns(
        last=people["last"].gather(surname_from),
        surname_hz=people["surname_hz"].gather(surname_from),
    )
    current = current[home_s]
    previous = previous[home_s].rename({c: f"prev_{c}" for c in ADDRESS_COLUMNS})

    # Chinese living abroad often keep their Chinese mobile
    keep_cn = is_cn & (country != "CN") & (rng.random(n) < settings.CHINESE_ABROAD_KEEP_CN_MOBILE)
    mobile_country = np.where(keep_cn, "CN", country)
    areas = pl.concat([current["area_code"], current["area_code"], previous["prev_area_code"]])
    mobiles = _unique_mobiles(rng, np.concatenate([mobile_country, country, mobile_country]), areas)
    has_second = pl.Series(rng.random(n) < settings.SECOND_MOBILE_SHARE)
    phone_cols = []
    for k, group in enumerate(PHONE_GROUPS):
        part = mobiles.slice(k * n, n)
        for p in PARTS:
            col = part[p]
            if group == "mobile2":
                col = pl.select(pl.when(has_second).then(col)).to_series()
            phone_cols.append(col.alias(f"{group}_{p}"))

    employers = _employers(rng, country, organizations)
    people = pl.concat([people, current, previous, employers], how="horizontal").with_columns(
        phone_cols
    )
    tokens = people.select(
        "is_cn",
        "country",
        "employer_domain",
        birth_year=pl.col("birth").dt.year(),
        first_token=ascii_token(pl.col("first")),
        last_token=ascii_token(pl.col("last")),
        nick_token=ascii_token(pl.col("nick")),
    )
    emails = make_emails(rng, tokens)
    return people.with_columns(
        emails,
        person_id=pl.concat_str([pl.lit("P"), pl.int_range(1, n + 1).cast(pl.String).str.zfill(8)]),
    )
