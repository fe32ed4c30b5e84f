"""Social: profiles on WeChat, Weibo, X and LinkedIn, and what they post
(``social/*.jsonl``).

Display names are whatever people chose: the real name, a nickname, characters,
emoji around a first name, something handle-like. E-mail is rarely visible; WeChat
accounts are bound to a phone, which a brand's WeChat integration usually receives;
the location is free text. LinkedIn profiles carry the real name, a location and a
headline naming the employer. Handles come from the name or the e-mail local part,
and people reuse one handle across platforms.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import polars as pl

from sources.generator import companies
from sources.generator.deliveries import DELIVERY, delivered_versions, plan_deliveries
from sources.generator.ecommerce import CATALOG
from sources.generator.ids import base36_ids, base62_ids, sequence
from sources.generator.phones import phone_text
from sources.generator.presence import LAST_CHANGE_TS, PLATFORMS, record_view
from sources.generator.renderings import (
    NAME_DRAWS,
    country_name,
    hanzi_full_name,
    style_index,
    utc_timestamp,
    with_latin_name,
)
from sources.generator.settings import GeneratorRates, SocialRates
from sources.generator.variants import (
    add_draws,
    ascii_token,
    categorical,
    choose,
    draw,
    null_str,
)

PROFILE_FIELDS = (
    "platform",
    "user_id",
    "handle",
    "display_name",
    "email",
    "phone",
    "location",
    "bio",
    "followers",
    "following",
    "verified",
    "created_at",
    "profile_url",
)
ENGAGEMENT_FIELDS = ("platform", "user_id", "event_id", "event_type", "occurred_at", "text")
EMOJI = ("✨", "🌸", "🌟", "😊", "🔥", "🌈", "💫", "🍀", "🐼", "☕", "🎵", "🌙", "⭐", "🦋")
EVENT_PREFIX = {"wechat": "wc", "weibo": "wb", "x": "x", "linkedin": "li"}
EVENT_TYPES = {"like": 0.35, "comment": 0.25, "post": 0.20, "share": 0.12, "mention": 0.08}
JOBS = ("Engineer", "Designer", "Product Manager", "Consultant", "Teacher", "Nurse", "Analyst")
TITLES = (
    "Sales Manager",
    "Software Engineer",
    "Accountant",
    "Marketing Director",
    "Project Manager",
    "Operations Lead",
    "Account Executive",
    "HR Business Partner",
    "Financial Analyst",
    "Purchasing Manager",
    "Head of Logistics",
    "Customer Success Manager",
)
# Legal forms people leave out when they name their employer on a profile.
LEGAL_FORM = r",? (Co\., Ltd\.|Inc\.|LLC|Corp\.|Ltd\.?|Limited|PLC|GmbH( & Co\. KG)?|AG|KG)$"

# Display-name styles, and their weights per platform for Chinese / Western persons.
# 0 full name | 1 nickname + surname | 2 first name + initial | 3 emoji + first name
# 4 first name only | 5 handle-like | 6 characters | 7 小/阿 + last character
# 8 characters + emoji | 9 English name + surname (Chinese) | 10 name with credential
DISPLAY_WEIGHTS = {
    ("wechat", True): (0.08, 0.0, 0.0, 0.06, 0.04, 0.08, 0.30, 0.16, 0.14, 0.14, 0.0),
    ("weibo", True): (0.10, 0.0, 0.0, 0.05, 0.03, 0.20, 0.30, 0.10, 0.12, 0.10, 0.0),
    ("x", True): (0.40, 0.0, 0.05, 0.05, 0.05, 0.15, 0.10, 0.0, 0.0, 0.20, 0.0),
    ("linkedin", True): (0.55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.0, 0.0, 0.32, 0.08),
    ("wechat", False): (0.40, 0.15, 0.05, 0.15, 0.15, 0.10, 0.0, 0.0, 0.0, 0.0, 0.0),
    ("weibo", False): (0.40, 0.15, 0.05, 0.15, 0.15, 0.10, 0.0, 0.0, 0.0, 0.0, 0.0),
    ("x", False): (0.40, 0.12, 0.10, 0.13, 0.10, 0.15, 0.0, 0.0, 0.0, 0.0, 0.0),
    ("linkedin", False): (0.80, 0.08, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.12),
}
_DRAWS = (
    *NAME_DRAWS,
    *"emoji emoji_side handle_style handle_n handle_reuse email phone phone_style "
    "location_style bio bio_job headline headline_title employer_form other_brand other_sector "
    "followers following verified".split(),
)
# draws made once per person: the handle they use wherever they can
_PERSON_DRAWS = ("usual_source", "usual_style", "usual_n")
_PHONE_STYLE_WEIGHTS = (0.25, 0.30, 0.20, 0.10, 0.05, 0.10, 0.0)


def _display_styles(
    rng: np.random.Generator, platform: np.ndarray, is_cn: np.ndarray
) -> np.ndarray:
    style = np.zeros(len(platform), dtype=np.int8)
    for (name, cn), weights in DISPLAY_WEIGHTS.items():
        rows = np.flatnonzero((platform == name) & (is_cn == cn))
        style[rows] = categorical(rng, len(rows), weights)
    return style


def _display_name(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    s = pl.col("display_style")
    nick = pl.coalesce("nick", first)
    emoji = choose(draw("emoji"), [(1.0, pl.lit(e)) for e in EMOJI])
    decorated = (
        pl.when(draw("emoji_side") < 0.5)
        .then(pl.concat_str([nick, pl.lit(" "), emoji]))
        .otherwise(pl.concat_str([emoji, pl.lit(" "), nick, pl.lit(" "), emoji]))
    )
    full = pl.concat_str([first, pl.lit(" "), last])
    return (
        pl.when(s == 0)
        .then(full)
        .when(s == 1)
        .then(pl.concat_str([nick, pl.lit(" "), last]))
        .when(s == 2)
        .then(pl.concat_str([nick, pl.lit(" "), last.str.slice(0, 1), pl.lit(".")]))
        .when(s == 3)
        .then(decorated)
        .when(s == 4)
        .then(nick)
        .when(s == 5)
        .then(pl.col("handle_base"))
        .when(s == 6)
        .then(hanzi_full_name())
        .when(s == 7)
        .then(
            pl.concat_str(
                [
                    pl.when(draw("emoji_side") < 0.6).then(pl.lit("小")).otherwise(pl.lit("阿")),
                    pl.col("given_hz").str.slice(-1),
                ]
            )
        )
        .when(s == 8)
        .then(pl.concat_str([hanzi_full_name(), emoji]))
        .when(s == 9)
        .then(pl.concat_str([pl.coalesce("nick", first), pl.lit(" "), last]))
        .otherwise(
            pl.concat_str(
                [
                    full,
                    choose(
                        draw("bio_job"), [(1.0, pl.lit(c)) for c in (", MBA", ", PhD", ", CPA")]
                    ),
                ]
            )
        )
    )


def _name_handle(style: pl.Expr, number: pl.Expr, r: SocialRates) -> pl.Expr:
    """A handle made from the name, in a style and with digits picked by two draws."""
    f = ascii_token(pl.col("first"))
    s = ascii_token(pl.col("last"))
    nick = pl.coalesce(ascii_token(pl.col("nick")), f)
    n = (number * 1000).floor().cast(pl.Int64).cast(pl.String)
    nnnn = (number * 10_000).floor().cast(pl.Int64).cast(pl.String).str.zfill(4)
    birth_year = pl.col("birth").dt.year().cast(pl.String)
    year = birth_year.str.slice(2, 2)
    styles = [
        pl.concat_str([f, s]),
        pl.concat_str([f, pl.lit("_"), s]),
        pl.concat_str([f, pl.lit("."), s]),
        pl.concat_str([s, f, n]),
        pl.concat_str([f, year]),
        pl.concat_str([nick, pl.lit("_"), s, n]),
        pl.concat_str([f, pl.lit("_"), s, birth_year]),
        pl.concat_str([f, s, nnnn]),
        pl.concat_str([f.str.slice(0, 1), s, year]),
    ]
    return choose(style, list(zip(r.handle_styles, styles, strict=True)))


def _usual_handle(r: SocialRates) -> pl.Expr:
    """The handle a person uses wherever it is free: their e-mail local part (dots and
    dashes made underscores, as handles allow) or one made from their name."""
    local = pl.col("email1").str.split("@").list.first().str.replace_all(r"[^A-Za-z0-9_]", "_")
    return (
        pl.when(draw("usual_source") < r.handle_from_email)
        .then(local)
        .otherwise(_name_handle(draw("usual_style"), draw("usual_n"), r))
    )


def _handle_base(r: SocialRates) -> pl.Expr:
    """The handle a profile asks for (before the platform makes it unique): the usual
    one on the person's first profile and often on the others, else one of its own
    (LinkedIn's default vanity name is first-last)."""
    first_profile = pl.int_range(pl.len()).over("pid") == 0
    reuse = (
        pl.when(pl.col("platform") == "linkedin")
        .then(r.handle_reused_linkedin)
        .otherwise(r.handle_reused)
    )
    linkedin = pl.concat_str(
        [ascii_token(pl.col("first")), pl.lit("-"), ascii_token(pl.col("last"))]
    )
    own = (
        pl.when(pl.col("platform") == "linkedin")
        .then(linkedin)
        .otherwise(_name_handle(draw("handle_style"), draw("handle_n"), r))
    )
    return (
        pl.when(first_profile | (draw("handle_reuse") < reuse))
        .then(_usual_handle(r))
        .otherwise(own)
    )


def _location(r: SocialRates) -> pl.Expr:
    return (
        pl.when(pl.col("platform") == "linkedin")
        .then(_location_text(r.location_missing_linkedin, earth=0.0))
        .when(pl.col("platform").is_in(["wechat", "weibo"]))
        .then(_location_text(r.location_missing_wechat_weibo, earth=0.05))
        .otherwise(_location_text(r.location_missing, earth=0.05))
    )


def _location_text(missing: float, earth: float) -> pl.Expr:
    city = (
        pl.when(pl.col("city_alt").is_not_null() & (draw("location_style") < 0.1))
        .then("city_alt")
        .otherwise("city")
    )
    hz = pl.col("city_hz").is_not_null()
    return choose(
        draw("location_style"),
        [
            (missing, null_str()),
            (0.30, pl.concat_str([city, pl.lit(", "), country_name()])),
            (
                0.15,
                pl.when(hz)
                .then("city_hz")
                .otherwise(pl.concat_str([city, pl.lit(", "), "region_code"])),
            ),
            (0.12, city),
            (0.08, country_name()),
            (
                0.05,
                pl.when(hz)
                .then(pl.concat_str(["city_hz", pl.lit(" · "), "region_hz"]))
                .otherwise(city),
            ),
            (earth, pl.lit("🌏 Earth")),
        ],
    )


def _bio() -> pl.Expr:
    job = choose(draw("bio_job"), [(1.0, pl.lit(j)) for j in JOBS])
    return choose(
        draw("bio"),
        [
            (0.25, null_str()),
            (
                0.20,
                pl.when(pl.col("employer").is_not_null())
                .then(pl.concat_str([job, pl.lit(" @ "), "employer"]))
                .otherwise(job),
            ),
            (0.15, pl.concat_str([pl.lit("Living in "), "city"])),
            (
                0.15,
                pl.when("is_cn")
                .then(pl.lit("热爱生活 | 分享日常"))
                .otherwise(pl.lit("Coffee ☕ & books")),
            ),
            (
                0.10,
                pl.when("is_cn")
                .then(pl.lit("工作使我快乐"))
                .otherwise(pl.lit("Views are my own.")),
            ),
            (0.15, pl.lit("")),
        ],
    )


def _headline(r: SocialRates) -> pl.Expr:
    """A LinkedIn headline: "<title> at <employer>" for most members with an employer,
    the employer often without its legal form; otherwise an ordinary bio."""
    title = choose(draw("headline_title"), [(1.0, pl.lit(t)) for t in TITLES])
    employer = (
        pl.when(draw("employer_form") < r.employer_short_name)
        .then(pl.col("employer").str.replace(LEGAL_FORM, ""))
        .otherwise("employer")
    )
    return (
        pl.when(pl.col("employer").is_not_null() & (draw("headline") < r.linkedin_employer_in_bio))
        .then(pl.concat_str([title, pl.lit(" at "), employer]))
        .when(draw("headline") < r.linkedin_other_employer)
        .then(pl.concat_str([title, pl.lit(" at "), _other_employer()]))
        .otherwise(_bio())
    )


def _other_employer() -> pl.Expr:
    """An employer that is not one of the customers: a brand and a sector."""
    brand = choose(draw("other_brand"), [(1.0, pl.lit(b)) for b in companies.WESTERN_BRANDS])
    sector = choose(draw("other_sector"), [(1.0, pl.lit(s)) for s in companies.SECTORS_EN])
    return pl.concat_str([brand, pl.lit(" "), sector])


def _profiles(v: pl.DataFrame, r: SocialRates) -> pl.DataFrame:
    v = with_latin_name(v, r.names)
    first, last = pl.col("_first"), pl.col("_last")
    platform = pl.col("platform")
    email_rate = (
        pl.when(platform == "linkedin").then(r.email_present_linkedin).otherwise(r.email_present)
    )
    phone_rate = (
        pl.when(platform == "wechat").then(r.phone_present_wechat).otherwise(r.phone_present)
    )
    # followers grow with the profile's age, so a later version shows more
    age_years = (pl.col("modified_ts") - pl.col("created_ts")) / (365 * 86400)
    followers = ((-draw("followers")).log1p().neg() * 400 * (1 + age_years)).cast(pl.Int64)
    following = ((-draw("following")).log1p().neg() * 150 + age_years * 20).cast(pl.Int64)
    verified = draw("verified") < r.verified
    return v.select(
        "platform",
        "user_id",
        "handle",
        display_name=_display_name(first, last),
        email=pl.when(draw("email") < email_rate).then("email1"),
        phone=pl.when(draw("phone") < phone_rate).then(
            phone_text("mobile", style_index(draw("phone_style"), _PHONE_STYLE_WEIGHTS))
        ),
        location=_location(r),
        bio=pl.when(platform == "linkedin").then(_headline(r)).otherwise(_bio()),
        followers=pl.when(verified).then(followers * 100).otherwise(followers),
        following=following,
        verified=verified,
        created_at=utc_timestamp("created_ts"),
        profile_url=pl.when(platform == "weibo")
        .then(pl.concat_str([pl.lit("https://weibo.com/u/"), "user_id"]))
        .when(platform == "x")
        .then(pl.concat_str([pl.lit("https://x.com/"), "handle"]))
        .when(platform == "linkedin")
        .then(pl.concat_str([pl.lit("https://www.linkedin.com/in/"), "handle"]))
        .otherwise(null_str()),
        _person_id="person_id",
    )


def _user_ids(rng: np.random.Generator, platform: pl.Series) -> pl.Series:
    out = pl.Series("user_id", [None] * len(platform), dtype=pl.String)
    values = platform.to_numpy()
    for name in PLATFORMS:
        rows = np.flatnonzero(values == name)
        n = len(rows)
        if name == "wechat":
            ids = base36_ids(rng, n, "wxid_", 12)
        elif name == "weibo":
            ids = pl.Series(sequence(rng, n, 1_000_000_000, 20_000)).cast(pl.String)
        elif name == "x":
            ids = pl.Series(sequence(rng, n, 1_100_000_000_000_000_000, 10**12)).cast(pl.String)
        else:
            ids = base62_ids(rng, n, "ACoAA", 10)
        if n:
            out = out.scatter(rows, ids)
    return out


def social_tables(
    rng: np.random.Generator,
    people: pl.DataFrame,
    records: pl.DataFrame,
    deliveries: int,
    rates: GeneratorRates,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All delivered versions of social profiles, and the engagement events."""
    r = rates.social
    plan = plan_deliveries(rng, records.height, deliveries)
    view = record_view(
        rng, people, records, "social", plan.changes("move"), plan.changes("phone"), rates.stale
    )
    view = add_draws(view, rng, _DRAWS)
    pids = records["pid"].to_numpy()
    view = view.with_columns(
        pl.Series(f"u_{name}", rng.random(people.height)[pids]) for name in _PERSON_DRAWS
    )
    styles = _display_styles(rng, view["platform"].to_numpy(), view["is_cn"].to_numpy())
    view = view.with_columns(
        user_id=_user_ids(rng, view["platform"]),
        display_style=pl.Series(styles),
        handle_base=_handle_base(r),
    )
    # handles are unique per platform: later claimants get a number appended
    taken = pl.int_range(pl.len()).over("platform", "handle_base")
    view = view.with_columns(
        handle=pl.when(taken == 0)
        .then("handle_base")
        .otherwise(pl.concat_str(["handle_base", taken.cast(pl.String)]))
    )
    profiles = delivered_versions(view, plan, partial(_profiles, r=r)).with_columns(
        _record_id=pl.concat_str(["platform", pl.lit(":"), "user_id"])
    )
    owners = view.select("platform", "user_id", "is_cn", "created_ts", first=pl.Series(plan.first))
    return profiles, _engagement(rng, owners, deliveries, r)


def _engagement(
    rng: np.random.Generator, owners: pl.DataFrame, deliveries: int, r: SocialRates
) -> pl.DataFrame:
    count = np.minimum(rng.geometric(1 / (1 + r.engagement_mean), owners.height) - 1, 60)
    rows = np.repeat(np.arange(owners.height), count)
    n = len(rows)
    events = owners[rows]
    created = events["created_ts"].to_numpy()
    occurred = created + (rng.random(n) * (LAST_CHANGE_TS - created)).astype(np.int64)
    first = events["first"].to_numpy()
    delivery = first + (rng.random(n) * (deliveries - first + 1)).astype(np.int64)
    kinds = np.asarray(list(EVENT_TYPES))[categorical(rng, n, list(EVENT_TYPES.values()))]
    product = pl.Series([c[1] for c in CATALOG]).gather(rng.integers(0, len(CATALOG), n))
    counter = sequence(rng, n, 10**11, 1000)
    frame = events.with_columns(
        event_id=pl.Series(counter).cast(pl.String),
        event_type=pl.Series(kinds),
        occurred_ts=pl.Series(occurred),
        product=product,
        u_text=pl.Series(rng.random(n)),
        **{DELIVERY: pl.Series(delivery)},
    )
    english = choose(
        pl.col("u_text"),
        [
            (1.0, pl.concat_str([pl.lit("Loving my new "), "product", pl.lit("!")])),
            (1.0, pl.concat_str([pl.lit("Anyone tried the "), "product", pl.lit("?")])),
            (1.0, pl.lit("Great service, thanks for the quick reply 👍")),
            (1.0, pl.lit("Order arrived late again 😤")),
            (1.0, pl.lit("Check this out")),
        ],
    )
    chinese = choose(
        pl.col("u_text"),
        [
            (1.0, pl.concat_str([pl.lit("刚买的"), "product", pl.lit("很好用！")])),
            (1.0, pl.lit("客服回复很快，点赞👍")),
            (1.0, pl.lit("物流太慢了😤")),
            (1.0, pl.concat_str([pl.lit("有没有人用过"), "product", pl.lit("？")])),
            (1.0, pl.lit("推荐给大家")),
        ],
    )
    return frame.select(
        "platform",
        "user_id",
        pl.concat_str(
            [pl.col("platform").replace_strict(EVENT_PREFIX), pl.lit("-"), "event_id"]
        ).alias("event_id"),
        "event_type",
        occurred_at=utc_timestamp("occurred_ts"),
        text=pl.when(pl.col("event_type") == "like")
        .then(null_str())
        .when("is_cn")
        .then(chinese)
        .otherwise(english),
        **{DELIVERY: pl.col(DELIVERY)},
    )
