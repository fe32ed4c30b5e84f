"""E-mail addresses people really have: name-based local parts on the free-mail domains
of their country (qq.com and 163.com in China, gmx.de in Germany ...), QQ numbers,
birth-year suffixes, work addresses at the employer's domain. Every address belongs to
exactly one person.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sources.generator.settings import (
    EMAIL_PATTERNS_CHINESE,
    EMAIL_PATTERNS_WESTERN,
    WORK_EMAIL_SHARE,
)
from sources.generator.variants import categorical, choose, draw, typo

FREE_MAIL = {
    "CN": {"qq.com": 35, "163.com": 25, "126.com": 10, "sina.com": 5, "gmail.com": 8}
    | {"outlook.com": 5, "foxmail.com": 5, "hotmail.com": 3, "139.com": 4},
    "US": {"gmail.com": 45, "yahoo.com": 15, "hotmail.com": 10, "outlook.com": 10}
    | {"aol.com": 4, "icloud.com": 10, "comcast.net": 3, "proton.me": 3},
    "GB": {"gmail.com": 35, "hotmail.co.uk": 15, "yahoo.co.uk": 10, "outlook.com": 10}
    | {"btinternet.com": 8, "icloud.com": 7, "sky.com": 5, "live.co.uk": 5},
    "DE": {"gmx.de": 25, "web.de": 25, "gmail.com": 25, "t-online.de": 10}
    | {"outlook.de": 5, "yahoo.de": 5, "posteo.de": 3, "freenet.de": 2},
}

# local-part patterns, with their weights (settings), for Western and Chinese names
_WESTERN_PATTERNS = EMAIL_PATTERNS_WESTERN
_CHINESE_PATTERNS = EMAIL_PATTERNS_CHINESE
_QQ_PATTERN = 5


def _two_digits(u: pl.Expr) -> pl.Expr:
    return (u * 100).floor().cast(pl.Int64).cast(pl.String).str.zfill(2)


def _digits(u: pl.Expr, width: int) -> pl.Expr:
    return (u * 10**width).floor().cast(pl.Int64).cast(pl.String).str.zfill(width)


def _local_part(pattern: str, number: str) -> pl.Expr:
    """Local part from the lower-case ASCII name columns, in pattern ``pattern``, with
    digits taken from the draw ``number``."""
    f, s = pl.col("first_token"), pl.col("last_token")
    p = pl.col(pattern)
    yy = (pl.col("birth_year") % 100).cast(pl.String).str.zfill(2)
    nn = _two_digits(draw(number))
    nnn = _digits(draw(number), 3)
    nick = pl.coalesce(pl.col("nick_token"), f)
    western = (
        pl.when(p == 0)
        .then(pl.concat_str([f, pl.lit("."), s]))
        .when(p == 1)
        .then(pl.concat_str([f, s]))
        .when(p == 2)
        .then(pl.concat_str([f.str.slice(0, 1), pl.lit("."), s]))
        .when(p == 3)
        .then(pl.concat_str([f.str.slice(0, 1), s]))
        .when(p == 4)
        .then(pl.concat_str([f, pl.lit("_"), s]))
        .when(p == 5)
        .then(pl.concat_str([f, pl.lit("."), s, nn]))
        .when(p == 6)
        .then(pl.concat_str([s, pl.lit("."), f]))
        .when(p == 7)
        .then(pl.concat_str([f, yy]))
        .when(p == 8)
        .then(pl.concat_str([f, s.str.slice(0, 1), nnn]))
        .when(p == 9)
        .then(pl.concat_str([nick, _digits(draw(number), 4)]))
        .otherwise(pl.concat_str([f, pl.lit("."), s, pl.col("birth_year").cast(pl.String)]))
    )
    # Chinese: surname first is the norm (zhangwei88); QQ numbers are all digits
    chinese = (
        pl.when(p == 0)
        .then(pl.concat_str([s, f]))
        .when(p == 1)
        .then(pl.concat_str([f, pl.lit("."), s]))
        .when(p == 2)
        .then(pl.concat_str([s, f, nn]))
        .when(p == 3)
        .then(pl.concat_str([s, pl.lit("_"), f]))
        .when(p == 4)
        .then(pl.concat_str([s.str.slice(0, 1), f.str.slice(0, 1), _digits(draw(number), 4)]))
        .when(p == _QQ_PATTERN)
        .then((draw(number) * 9e9 + 1e5).floor().cast(pl.Int64).cast(pl.String))
        .when(p == 6)
        .then(pl.concat_str([nick, pl.lit("."), s]))
        .when(p == 7)
        .then(pl.concat_str([f, s, yy]))
        .otherwise(pl.concat_str([s, pl.lit("."), f, nnn]))
    )
    return pl.when(pl.col("is_cn")).then(chinese).otherwise(western)


def _free_domain(rng: np.random.Generator, regions: np.ndarray) -> np.ndarray:
    out = np.empty(len(regions), dtype=object)
    for region, domains in FREE_MAIL.items():
        rows = np.flatnonzero(regions == region)
        names = np.asarray(list(domains), dtype=object)
        out[rows] = names[categorical(rng, len(rows), list(domains.values()))]
    return out


def _patterns(rng: np.random.Generator, is_cn: np.ndarray) -> np.ndarray:
    western = categorical(rng, len(is_cn), _WESTERN_PATTERNS)
    chinese = categorical(rng, len(is_cn), _CHINESE_PATTERNS)
    return np.where(is_cn, chinese, western)


def make_emails(rng: np.random.Generator, people: pl.DataFrame) -> pl.DataFrame:
    """``email1`` (main, free mail) and ``email2`` (work or another free-mail address).

    ``people`` needs ``is_cn``, ``country``, ``birth_year``, ``first_token``,
    ``last_token``, ``nick_token`` (lower-case ASCII) and ``employer_domain``.
    """
    n = people.height
    is_cn = people["is_cn"].to_numpy()
    regions = np.where(is_cn & (people["country"].to_numpy() == "CN"), "CN", people["country"])
    work = people["employer_domain"].is_not_null().to_numpy() & (rng.random(n) < WORK_EMAIL_SHARE)
    frame = people.with_columns(
        p1=pl.Series(_patterns(rng, is_cn)),
        p2=pl.Series(_patterns(rng, is_cn)),
        d1=pl.Series(_free_domain(rng, regions), dtype=pl.String),
        d2=pl.Series(_free_domain(rng, regions), dtype=pl.String),
        work=pl.Series(work),
        u_n1=pl.Series(rng.random(n)),
        u_n2=pl.Series(rng.random(n)),
        u_work=pl.Series(rng.random(n)),
    )
    qq = pl.col("is_cn") & (pl.col("p1") == _QQ_PATTERN)
    work_local = choose(
        draw("work"),
        [
            (0.6, pl.concat_str(["first_token", pl.lit("."), "last_token"])),
            (0.3, pl.concat_str([pl.col("first_token").str.slice(0, 1), "last_token"])),
            (0.1, pl.col("first_token")),
        ],
    )
    emails = frame.select(
        email1=pl.concat_str(
            [_local_part("p1", "n1"), pl.lit("@")]
            + [pl.when(qq).then(pl.lit("qq.com")).otherwise("d1")]
        ),
        email2=pl.when("work")
        .then(pl.concat_str([work_local, pl.lit("@"), "employer_domain"]))
        .otherwise(pl.concat_str([_local_part("p2", "n2"), pl.lit("@"), "d2"])),
    )
    return _make_unique(rng, emails)


def _make_unique(rng: np.random.Generator, emails: pl.DataFrame) -> pl.DataFrame:
    """Append digits to the local part of addresses already taken by someone else."""
    n = emails.height
    stacked = pl.concat([emails["email1"], emails["email2"]])
    while True:
        clash = ~stacked.is_first_distinct()
        if not clash.any():
            break
        suffix = pl.Series(rng.integers(1, 10_000, len(stacked))).cast(pl.String)
        fixed = pl.DataFrame({"e": stacked, "s": suffix, "c": clash}).select(
            pl.when("c")
            .then(pl.col("e").str.replace("@", pl.concat_str([pl.col("s"), pl.lit("@")])))
            .otherwise("e")
        )
        stacked = fixed.to_series()
    return pl.DataFrame({"email1": stacked[:n], "email2": stacked[n:]})


def email_variant(column: str, u: pl.Expr, options: dict[str, float]) -> pl.Expr:
    """The address in ``column`` altered as a person or a clerk would, with weights per
    kind.

    Kinds: ``upper`` (JOHN.SMITH@GMAIL.COM), ``capitalised`` (John.Smith@gmail.com),
    ``domain_typo`` (gmial.com), ``plus_tag`` (john+shop@...), ``malformed`` (no @ or no
    top-level domain). Whatever weight is left to 1.0 keeps the address as it is.
    """
    email = pl.col(column)
    local = email.str.split_exact("@", 1).struct.field("field_0")
    domain = email.str.split_exact("@", 1).struct.field("field_1")
    sub_u = (u * 7919) % 1.0  # a second, independent-enough draw for the typo itself
    variants = {
        "upper": email.str.to_uppercase(),
        "capitalised": pl.concat_str([local.str.to_titlecase(), pl.lit("@"), domain]),
        "domain_typo": pl.concat_str([local, pl.lit("@"), typo(domain, sub_u)]),
        "plus_tag": pl.concat_str([local, pl.lit("+shop@"), domain]),
        "malformed": pl.when(sub_u < 0.5)
        .then(pl.concat_str([local, pl.lit(" "), domain]))
        .otherwise(pl.concat_str([local, pl.lit("@"), domain.str.replace(r"\.[a-z.]+$", "")])),
    }
    chain = None
    edge = 0.0
    for kind, weight in options.items():
        edge += weight
        value = variants[kind]
        chain = pl.when(u < edge).then(value) if chain is None else chain.when(u < edge).then(value)
    assert chain is not None
    return chain.otherwise(email)
