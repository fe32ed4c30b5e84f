"""Every rate the generator uses, in one place.

The rates decide how hard matching is: how often a person appears in several sources,
how often the copies disagree, and how many look-alikes (shared names, shared
households) there are. They are tuned so that roughly 2.2 party records exist per true
customer, which puts one million party records at about 450 000 customers.

The constants and the ``CRM``, ``ERP``, ``SHOP`` and ``SOCIAL`` rates are the *standard*
difficulty. ``DIFFICULTIES`` (at the end) names the groups of rates that the *easy* and
*hard* levels scale, and by how much; ``sources.generator.difficulty`` applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SOURCES = ("crm", "erp", "ecommerce", "social")

# --- the true population -------------------------------------------------------------
ORGANIZATION_SHARE = 0.02  # of all customers; they are ERP company accounts
CHINESE_SHARE = 0.35  # of persons
CHINESE_ABROAD_SHARE = 0.10  # Chinese persons living in the US, GB or DE
WESTERN_COUNTRY_WEIGHTS = {"US": 0.55, "GB": 0.25, "DE": 0.20}
GERMAN_NAMES_IN_DE = 0.80  # German residents with German (not English) names
# Chinese names repeat more than Western ones, but most given names are composed:
COMMON_CHINESE_GIVEN_SHARE = 0.25  # given names from the frequent list (王芳, 张伟 ...)
TWO_CHAR_GIVEN_SHARE = 0.80  # of composed Chinese given names (two characters is the norm)
ENGLISH_NAME_SHARE_CN = 0.15  # Chinese persons who also use an English first name
NICKNAME_SHARE = 0.85  # Western persons whose first name has a usable nickname
# Western persons whose surname is not among the ~200 most common ones (names.py adds
# a tail of ~4 000 composed surnames): in the US the hundred most common surnames cover
# under a quarter of people. Without the tail, half of the Western customers of a base
# of 100 000 shared their full name with another customer (hundreds of Mary Johnsons);
# with it about one in eight does at 20 000 customers and one in three at 100 000
# (Chinese: one in four and one in two, their names repeat more).
WESTERN_SURNAME_TAIL_SHARE = 0.75
ALT_ROMANISATION_ABROAD = 0.30  # 李 written Lee, 陈 Chan ... by Chinese living abroad
CHINESE_ABROAD_KEEP_CN_MOBILE = 0.50
SECOND_MOBILE_SHARE = 0.20
LANDLINE_SHARE = 0.35
EMPLOYED_SHARE = 0.40
WORK_EMAIL_SHARE = 0.50  # of employed persons: their second address is at work
# E-mail local-part patterns (emails.py): Western f.s, fs, f0.s, f0s, f_s, f.s+nn, s.f,
# f+yy, f+s0+nnn, nick+nnnn, f.s+yyyy; Chinese sf, f.s, sf+nn, s_f, s0f0+nnnn, QQ
# number, nick.s, fs+yy, s.f+nnn. Free-mail providers have hundreds of millions of
# users, so the bare name is often taken: a fair share of addresses carry a number
# (the birth year most often).
EMAIL_PATTERNS_WESTERN = (16, 8, 8, 8, 5, 12, 4, 10, 8, 6, 15)
EMAIL_PATTERNS_CHINESE = (12, 10, 15, 5, 8, 15, 5, 10, 10)
HOUSEHOLD_MEMBER_SHARE = 0.12  # persons who live with another generated person
HOUSEHOLD_SHARES_SURNAME = 0.75
BIRTH_YEARS = (1945, 2006)

# --- who appears where -----------------------------------------------------------------
SOURCE_COUNT_WEIGHTS = (0.38, 0.32, 0.19, 0.11)  # P(a person is in 1, 2, 3, 4 sources)
SOURCE_AFFINITY = {"crm": 1.0, "erp": 0.7, "ecommerce": 1.1, "social": 0.8}
DUPLICATE_RATE = {"crm": 0.05, "erp": 0.02, "ecommerce": 0.03}
ORGANIZATION_DUPLICATE_RATE = 0.03
EXTRA_PLATFORM_WEIGHTS = (0.62, 0.30, 0.08)  # P(1, 2, 3 social platforms)
PLATFORM_WEIGHTS_CN = {"wechat": 0.55, "weibo": 0.35, "linkedin": 0.07, "x": 0.03}
PLATFORM_WEIGHTS_WEST = {"wechat": 0.03, "weibo": 0.01, "linkedin": 0.46, "x": 0.50}

# Records that carry the person's previous address / previous mobile instead of the
# current one, because the source was never told about the move.
STALE_ADDRESS = {"crm": 0.15, "erp": 0.20, "ecommerce": 0.08, "social": 0.10}
STALE_MOBILE = {"crm": 0.08, "erp": 0.10, "ecommerce": 0.05, "social": 0.05}
DUPLICATE_STALE = 0.50  # a duplicate account is usually an old one

# --- deliveries ------------------------------------------------------------------------
FIRST_DELIVERY_SHARE = 0.60  # of records that arrive in the initial full load
UPDATE_SHARE = 0.20  # of records delivered before the last delivery that change later
UPDATE_KINDS = {"move": 0.35, "phone": 0.20, "email": 0.20, "name": 0.15, "delete": 0.10}


@dataclass(frozen=True)
class NameNoise:
    """How one source renders a person's name."""

    hanzi: float  # Chinese persons stored in characters
    nickname: float
    typo: float
    swapped: float  # first and last exchanged (Western names)
    swapped_cn: float  # surname given as first name (Chinese names in Latin script)
    upper: float
    lower: float
    ascii_fold: float  # Müller -> Mueller
    first_missing: float


@dataclass(frozen=True)
class CrmRates:
    names: NameNoise = NameNoise(
        hanzi=0.45,
        nickname=0.10,
        typo=0.04,
        swapped=0.02,
        swapped_cn=0.10,
        upper=0.03,
        lower=0.02,
        ascii_fold=0.30,
        first_missing=0.02,
    )
    full_name_in_last: float = 0.10  # of hanzi names: 张伟 all in LastName
    address_hanzi_follows_name: float = 0.80
    email_missing: float = 0.08
    email_second: float = 0.10
    email_upper: float = 0.04
    email_capitalised: float = 0.04
    email_domain_typo: float = 0.02
    email_malformed: float = 0.01
    phone_landline: float = 0.60  # of persons with a landline
    phone_second_mobile: float = 0.30  # of persons with a second mobile
    mobile_missing: float = 0.12
    address_missing: float = 0.12
    street_newline: float = 0.04
    street_quoted: float = 0.01
    street_alt: float = 0.30  # "Street" for "St", "Road" for "Lu" ...
    street_unit_dropped: float = 0.10
    city_alt: float = 0.25  # Munich for München, where there is one
    country_without_address: float = 0.30
    country_iso: float = 0.40
    region_code: float = 0.50
    birthdate: float = 0.40
    account_name: float = 0.60  # of employed persons
    opted_out: float = 0.20
    deleted: float = 0.02


@dataclass(frozen=True)
class ErpRates:
    names: NameNoise = NameNoise(
        hanzi=0.45,
        nickname=0.02,
        typo=0.03,
        swapped=0.0,
        swapped_cn=0.0,
        upper=0.0,
        lower=0.0,
        ascii_fold=0.35,
        first_missing=0.0,
    )
    name_last_first_caps: float = 0.65
    name_last_comma_first: float = 0.10
    name_salutation: float = 0.05
    name2_care_of: float = 0.03
    name2_employer: float = 0.10
    city_upper: float = 0.30
    street_alt: float = 0.30
    phone_missing: float = 0.20
    phone_landline: float = 0.50
    email_missing: float = 0.40
    email_work: float = 0.30
    email_upper: float = 0.10
    street_unit: float = 0.30
    company_hanzi: float = 0.50  # Chinese companies keyed in characters
    company_upper: float = 0.20
    company_attention: float = 0.30  # NAME2 "Attn: Accounts Payable"
    company_email_missing: float = 0.10
    invoices_before_customer: float = 0.03
    changed_date_missing: float = 0.30
    deleted: float = 0.02
    org_name_variant: float = 0.50  # of duplicate company accounts
    dangling_invoices: float = 0.005


@dataclass(frozen=True)
class ShopRates:
    names: NameNoise = NameNoise(
        hanzi=0.20,
        nickname=0.15,
        typo=0.03,
        swapped=0.02,
        swapped_cn=0.15,
        upper=0.02,
        lower=0.12,
        ascii_fold=0.40,
        first_missing=0.0,
    )
    english_name: float = 0.50  # of Chinese persons who have one
    whole_name_in_first: float = 0.03
    email_second: float = 0.15
    duplicate_email_second: float = 0.70  # a second account needs another address
    email_plus_tag: float = 0.05
    email_domain_typo: float = 0.01
    phone_present: float = 0.45
    address_missing: float = 0.15
    address_hanzi: float = 0.30  # of Chinese addresses
    street_alt: float = 0.40
    city_alt: float = 0.50
    accepts_marketing: float = 0.40
    state_weights: tuple[float, float, float] = (0.85, 0.05, 0.10)  # enabled/disabled/invited
    orders_mean: float = 2.0
    guest_order_share: float = 0.08


@dataclass(frozen=True)
class SocialRates:
    # Display names are chosen by the person, so no characters-for-pinyin switch here
    # (display styles in social.py decide the script); typos are rarer than where a
    # clerk keys the name.
    names: NameNoise = NameNoise(
        hanzi=0.0,
        nickname=0.0,
        typo=0.02,
        swapped=0.0,
        swapped_cn=0.10,
        upper=0.02,
        lower=0.08,
        ascii_fold=0.3,
        first_missing=0.0,
    )
    # E-mail is private on most platforms; LinkedIn shows it to connections and puts it
    # in exports more often.
    email_present: float = 0.06
    email_present_linkedin: float = 0.20
    phone_present: float = 0.03
    # WeChat accounts are bound to a mobile number, and a brand's WeChat integration
    # (official account, mini program) receives it once the user authorises it, which
    # most followers who buy do.
    phone_present_wechat: float = 0.60
    # Location: optional free text on X; WeChat and Weibo have a region field that
    # sign-up fills in; LinkedIn asks for a location at sign-up and shows it.
    location_missing: float = 0.30
    location_missing_wechat_weibo: float = 0.10
    location_missing_linkedin: float = 0.03
    # LinkedIn headlines default to "<title> at <current employer>"; people keep them.
    linkedin_employer_in_bio: float = 0.85  # of LinkedIn members with an employer
    # Members employed elsewhere (not by a customer company) name that employer too.
    linkedin_other_employer: float = 0.60
    # On a profile the employer goes by its short name ("Stark Foods", no "Inc.").
    employer_short_name: float = 0.60
    # Handles: people pick one and reuse it. The first profile of a person carries their
    # usual handle; each further profile reuses it this often (username-reuse studies
    # find about half to two thirds of people doing so). LinkedIn less: its vanity URL
    # defaults to first-last.
    handle_reused: float = 0.60
    handle_reused_linkedin: float = 0.35
    # A usual handle is the e-mail local part this often (x, weibo and wechat ask for
    # an e-mail or phone at sign-up and people type what they know), else name-based.
    handle_from_email: float = 0.45
    # Name-based handle styles: f+s, f_s, f.s, s+f+n, f+yy, nick_s_n, f_s+yyyy,
    # f+s+nnnn, initial+s+yy. A handle is unique among all of a platform's users, not
    # just our customers, so the bare name is usually taken and most carry a number.
    handle_styles: tuple[float, ...] = (0.08, 0.07, 0.05, 0.15, 0.12, 0.10, 0.15, 0.13, 0.15)
    verified: float = 0.02
    engagement_mean: float = 2.5


CRM = CrmRates()
ERP = ErpRates()
SHOP = ShopRates()
SOCIAL = SocialRates()


# --- difficulty levels -----------------------------------------------------------------
#
# ``generate(..., difficulty=LEVEL)`` draws from one of three sets of rates, so that one
# benchmark (bench/accuracy.py) shows how matching holds up as the sources get worse,
# instead of the matcher being tuned to a single level of noise. "standard" is exactly the
# rates above (same seed, same bytes as before levels existed).
#
# A level scales five named groups of rates. Each factor multiplies the *odds* p / (1 - p)
# of every rate in its group, so a rate stays a probability whatever the factor: at factor
# 0.4 a rate of 8 % becomes 3 % and one of 40 % becomes 21 %; at 1.8 they become 14 % and
# 55 %. For a rate stated as a presence (a shop phone, a social e-mail) the odds of the
# field being *absent* are scaled. The groups (sources/generator/difficulty.py lists every
# rate in each):
#
# * typos: name typos of every source, mistyped e-mail domains, malformed e-mails.
# * missing: empty e-mail, phone, mobile, address, first name, birth date and social
#   location fields, per source.
# * cross_script: the share of Chinese customers, of their records keyed in characters
#   rather than pinyin (names, shop addresses, ERP company names), and of Chinese living
#   abroad who write their surname in another romanisation (Lee for Li).
# * look_alikes: persons sharing a household (address, landline, mostly a surname), and
#   namesakes: Chinese given names from the frequent list, Western surnames from the
#   common ones rather than the long tail.
# * stale: records holding the previous address or mobile (the source was never told),
#   and how often a duplicate account is an old one.


@dataclass(frozen=True)
class PopulationRates:
    """The rates of the true population that a difficulty level changes."""

    chinese_share: float = CHINESE_SHARE
    alt_romanisation_abroad: float = ALT_ROMANISATION_ABROAD
    common_chinese_given_share: float = COMMON_CHINESE_GIVEN_SHARE
    western_surname_tail_share: float = WESTERN_SURNAME_TAIL_SHARE
    household_member_share: float = HOUSEHOLD_MEMBER_SHARE


@dataclass(frozen=True)
class StaleRates:
    """Per source, the share of records with the previous address / mobile; and the
    share of duplicate accounts that are old ones (previous address and mobile)."""

    address: Mapping[str, float] = field(default_factory=lambda: dict(STALE_ADDRESS))
    mobile: Mapping[str, float] = field(default_factory=lambda: dict(STALE_MOBILE))
    duplicate: float = DUPLICATE_STALE


@dataclass(frozen=True)
class GeneratorRates:
    """Every rate a difficulty level can change, handed down to the source builders.

    The rates no level changes (source presence, duplicates, e-mail patterns ...) stay
    module constants.
    """

    population: PopulationRates = PopulationRates()
    stale: StaleRates = field(default_factory=StaleRates)
    crm: CrmRates = CRM
    erp: ErpRates = ERP
    shop: ShopRates = SHOP
    social: SocialRates = SOCIAL


STANDARD_RATES = GeneratorRates()


@dataclass(frozen=True)
class Difficulty:
    """Odds factors per group of rates (see above): 1.0 keeps the standard rates,
    below 1 makes matching easier, above 1 harder."""

    typos: float = 1.0
    missing: float = 1.0
    cross_script: float = 1.0
    look_alikes: float = 1.0
    stale: float = 1.0


DIFFICULTIES: dict[str, Difficulty] = {
    # Sources kept by careful people: a CRM with mandatory contact fields, few typos, most
    # Chinese customers entered in pinyin, few households or namesakes to tell apart.
    # A sanity level: a matcher that misses here is broken, not challenged.
    "easy": Difficulty(typos=0.3, missing=0.4, cross_script=0.4, look_alikes=0.4, stale=0.4),
    # The rates above: what the sources of a mid-sized retailer look like.
    "standard": Difficulty(),
    # Sources after years without data care or after a merger of customer bases: more
    # than twice the typos, optional fields left empty far more often (ERP without
    # e-mails, shop accounts without phones, fewer birth dates), more Chinese customers
    # and more of them keyed in characters, nearly twice the shared households and common
    # names, more addresses and mobiles out of date. Still records a careful person could
    # link by hand, which is what the matcher is held to.
    "hard": Difficulty(typos=2.5, missing=1.8, cross_script=1.6, look_alikes=2.0, stale=1.6),
}
DEFAULT_DIFFICULTY = "standard"
