"""The matching model as data: comparisons, blocking rules, training choices, threshold.

Every tunable of the matcher lives here. ``matching.model`` reads it; nothing else in the
package holds a number that changes match results.

The model compares the feature columns built by ``features.sql`` (one row per record of
``staging.int_party_records``): romanised, lower-case names; email and its local part;
social handles, also against e-mail local parts; phones in E.164 with their last 8
digits; birth date; postal code and city; street; company.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

# --- Input and output --------------------------------------------------------------

INPUT_TABLE = "staging.int_party_records"
# Social handle, when the input has it (not part of every int_party_records version);
# without it only e-mail local parts stand in for handles.
OPTIONAL_HANDLE_COLUMN = "handle"
PUBLISHED_XREF = ("mdm", "customer_xref")
OUTPUT_SCHEMA = "mdm_build"

UNIQUE_ID_COLUMN = "record_key"
# Prefix of the tables matching creates in the connection's default schema while it
# runs; every one of them is dropped before match_parties returns.
WORK_TABLE_PREFIX = "__mdm_match_"

# Splink's own log level while matching runs (its per-level training warnings are noise).
SPLINK_LOG_LEVEL = logging.ERROR

# --- Decision ------------------------------------------------------------------------

# Clusters (matching.clustering): two records are the same customer when Splink's match
# probability is at least MATCH_THRESHOLD; clusters grow along these pairs, strongest
# first. A record that no such pair joins to anyone may still join one cluster by a
# weaker pair (at least ATTACH_THRESHOLD), if that cluster is the clear best: its best
# pair beats the best pair into any other cluster by ATTACH_MARGIN. Weaker pairs never
# merge two clusters of several records, so one doubtful pair cannot merge two
# customers. Tuned on generated data (bench/match_quality.py) for precision >= 0.95 at
# 2 000 to 100 000 customers; a lower margin gains recall at 2 000 and loses precision
# at 100 000.
MATCH_THRESHOLD = 0.9
ATTACH_THRESHOLD = 0.3
ATTACH_MARGIN = 0.4

# Review queue (matching.review): pairs whose match probability is in [lower, upper) are
# doubtful and go to the data stewards, most consequential first. The band spans the
# pairs that can move a record (ATTACH_THRESHOLD and up) to just above the match
# threshold, where a wrong link is still plausible.
REVIEW_BAND = (ATTACH_THRESHOLD, 0.97)

# Two scored records that must never share a cluster, whatever links them through
# others: both have a birth date and the two are more than a year and more than one
# typo apart (a father and son of one name, two namesakes). SQL on the feature rows
# ``l`` and ``r`` of a pair.
CANNOT_LINK = """
    l.birth_date is not null and r.birth_date is not null
    and abs(date_diff('day', l.birth_date, r.birth_date)) > 366
    and levenshtein(strftime(l.birth_date, '%Y%m%d'), strftime(r.birth_date, '%Y%m%d')) > 1
"""

# --- Features ------------------------------------------------------------------------

# An email, email local part or phone shared by more records than this is treated as
# missing (placeholders, "info@", switchboards): it carries no identity and would blow
# up blocking.
MAX_KEY_FREQUENCY = 20

# A handle or e-mail local part says more than the name (it is an identifier) when it
# holds at least MIN_ALIAS_DIGITS digits ("laura_moore238", "john051", a QQ number);
# "maryturner", "mary73", "jturner" are the name in some spelling, and namesakes pick
# those too. (Requiring more letters next to the digits, so that "john051" counts as a
# name, was measured: fewer false merges, more missed links, lower F1 at every size.)
MIN_ALIAS_DIGITS = 3

# Social locations that name no place: treated as no city.
NON_PLACES = (
    "earth",
    "planet earth",
    "world",
    "worldwide",
    "everywhere",
    "somewhere",
    "internet",
    "online",
    "global",
    "home",
)

# A handle spells a name ("sarah_parker781" spells Sarah Parker) when its letters are
# those of the name; fewer letters than this spell nothing in particular.
MIN_SPELLED_LETTERS = 5

# Term frequencies of names (how much a shared name says) leave out the customer's own
# records: a name on 3 records that all belong to one customer is not shared by 3. The
# frequency of a name held by n records is max(n - NAME_TF_OWN_RECORDS,
# NAME_TF_MIN_OTHERS) / records. Measured on 20 000 generated customers, two records
# sharing a full name held by 2, 3, 4, 5, 6, 7-10 records are the same customer 96, 95,
# 92, 79, 61, 30 % of the time; plain frequencies (n / records) put a name-only pair
# near 40, 30, 25, 20, 15, 10 %, these near 85, 85, 85, 58, 41, 25 % (on purpose a
# little low: at 100 000 customers a name held by few records is more often two people).
NAME_TF_OWN_RECORDS = 4.0
NAME_TF_MIN_OTHERS = 0.25

# Nicknames and the given names they stand for (nickname,given_name): "Jim" and "James"
# are one given name.
NICKNAMES_FILE = Path(__file__).with_name("nicknames.csv")

# --- Training ------------------------------------------------------------------------

SEED = 20240601

# Below this many records only the prior is estimated and the starting m/u below are
# used: in a small input, random pairs are too often true matches to estimate u, and EM
# on a few pairs is noise.
MIN_RECORDS_FOR_TRAINING = 5_000

# Saved models (matching.model_store): a run scores with the active saved version and
# only trains when none is saved or retraining is asked for. When the input has grown
# beyond this factor of what the saved model was trained on, the run warns that a
# retraining is due (u estimated on a small input, or from the starting values below
# MIN_RECORDS_FOR_TRAINING, is rough).
RETRAIN_HINT_GROWTH = 5.0

# u probabilities: records sampled deterministically (hash of record_key and SEED) so
# that about this many random pairs are compared. Early stop once every level has been
# seen MIN_U_COUNT_PER_LEVEL times.
U_MAX_PAIRS = 5e6
MIN_U_COUNT_PER_LEVEL = 100

# m probabilities: expectation maximisation on the pairs of each of these rules, each
# capped at EM_MAX_PAIRS pairs (deterministic hash sample). A comparison whose columns a
# rule uses is not estimated from that rule, so together they must cover every
# comparison.
EM_MAX_PAIRS = 1e6
EM_MAX_ITERATIONS = 25
EM_CONVERGENCE = 1e-4


def em_training_rules() -> list[Any]:
    """Blocking rules whose pairs train the m probabilities: none by default.

    EM needs blocking rules that find matches without using the comparison it trains;
    for social profiles (six in ten true pairs) none does: an e-mail or phone rarely
    sits next to a handle or a display name, so EM learns the m of the handle, city and
    partial-name levels from a handful of atypical pairs. Measured on 20 000 generated
    customers, EM on e-mail / name + birth date / phone lowered F1 from 0.905 to 0.887.
    The starting m (measured on labelled generated data) are used; u are still
    estimated from the input. Add rules here to train m on data unlike the generator's,
    e.g. ``block_on("email")``, ``block_on("name_letters", "birth_date")``,
    ``block_on("phone")``.
    """
    return []


# Prior (probability that two random records match): counted from rules that admit
# almost no false positives, divided by the share of true matches they are believed to
# find.
def prior_deterministic_rules() -> list[Any]:
    """Near-certain match rules used to set ``probability_two_random_records_match``."""
    return [
        block_on("email", "name_letters"),
        block_on("phone", "name_letters"),
        block_on("name_tokens", "birth_date", "postal_code"),
    ]


# Measured: on 20 000 generated customers these rules find 28 % of the true pairs
# (social profiles rarely carry an e-mail or phone together with the name; most CRM
# records no birth date).
PRIOR_RECALL = 0.3
# Used when the deterministic rules find nothing (tiny inputs); one in ten thousand.
DEFAULT_PRIOR = 1e-4

# --- Blocking (candidate pairs to score) ---------------------------------------------

# Measured with bench/blocking.py (which true pairs each rule compares, at what cost) and
# bench/match_quality.py (docs/benchmarks-scale.md): at 20 000 generated customers these
# rules compare 95.5 % of the true pairs, and 98.0 % are connected through compared pairs
# of the same person. Of the rest, 0.3 % share no value at all (a profile showing an emoji
# and a handle made of other words) and 2.5 % share only a city, a given name or a
# surname, which no rule can block on without thousands of pairs per record at a million
# records: 99 % compared is out of reach at an affordable cost. Where a key is a name,
# comparisons grow with the square of the input (88 612 at 20 000 customers, 21 million
# at 440 000): measure a new rule at both sizes.


def prediction_blocking_rules() -> list[Any]:
    """Candidate pairs: any one rule proposing a pair is enough for it to be scored.

    Splink proposes a pair of a dedupe only as ``l.record_key < r.record_key``, so a rule
    comparing two different columns needs its mirror image.
    """
    return [
        block_on("email"),
        block_on("phone_last8"),
        CustomRule("l.phone_last8 = r.phone_2_last8"),
        CustomRule("l.phone_2_last8 = r.phone_last8"),
        CustomRule("l.phone_2_last8 = r.phone_2_last8"),
        block_on("name_letters", "birth_date"),
        block_on("name_letters", "postal_code"),
        block_on("birth_date", "postal_code"),
        block_on("email_local"),
        # Social profiles: the handle on two platforms, or a handle that is someone's
        # e-mail local part; the name with the city or the employer (LinkedIn).
        block_on("handle"),
        CustomRule("l.handle = r.email_handle"),
        CustomRule("l.email_handle = r.handle"),
        # Not on the letters of handles and local parts alone ("dgoldham00" /
        # "dgoldham73"): "maryturner" is the handle and address of every Mary Turner, the
        # handle level says nothing for such pairs (no evidence either way), and at a
        # million records those three rules proposed 11 of 30 million pairs. Without
        # them F1 stayed the same at 20 000 and 100 000 customers: the pairs that matter
        # spell the initial and surname or the full name (below).
        # A handle / local part that is initial and surname ("jsutcroft79")
        CustomRule("l.handle_alpha = r.initial_surname"),
        CustomRule("l.initial_surname = r.handle_alpha"),
        CustomRule("l.email_alpha = r.initial_surname"),
        CustomRule("l.initial_surname = r.email_alpha"),
        block_on("name_letters", "city_norm"),
        block_on("name_letters", "company_norm"),
        # The same full name alone (two words or more: "mary" alone would pair every
        # Mary): a rare name is evidence enough; common ones are scored and stay apart.
        CustomRule("l.name_tokens = r.name_tokens and contains(l.name_tokens, ' ')"),
        # A handle that spells the other's full name ("sarah_parker781" / Sarah Parker)
        CustomRule("l.spelled_key = r.spelled_key and (l.handle is null) <> (r.handle is null)"),
        # ... also when both are profiles with handles (LinkedIn's "franziskagruendorf"
        # and the X profile "Franziska Gründorf" whose handle is "franziska71")
        CustomRule("l.name_letters = r.spelled_key and r.handle is not null"),
        # An e-mail local part that spells the other's full name, either order
        # ("dorothy.weswood" / Dorothy Weswood, "zhangwei88" / Wei Zhang). With these five
        # rules (and without the three letters-only ones) F1 rose from 0.9150 to 0.9164
        # at 20 000 customers and from 0.8835 to 0.8852 at 100 000; they compare 2.1 %
        # more of the true pairs for 4 % more comparisons.
        CustomRule("l.email_alpha = replace(r.first_name_norm || r.last_name_norm, ' ', '')"),
        CustomRule("replace(l.first_name_norm || l.last_name_norm, ' ', '') = r.email_alpha"),
        CustomRule("l.email_alpha = replace(r.last_name_norm || r.first_name_norm, ' ', '')"),
        CustomRule("replace(l.last_name_norm || l.first_name_norm, ' ', '') = r.email_alpha"),
    ]


# --- Comparisons ---------------------------------------------------------------------

# Starting m and u per non-null level, in level order. Training replaces every value it
# can estimate except the levels marked fixed below; the rest (levels a small input
# never shows) keep these. Below MIN_RECORDS_FOR_TRAINING they are the model. Measured
# on 20 000 generated customers (`bench/match_quality.py`): m from the true pairs, u by
# random sampling, rounded.
STARTING_M_U: dict[str, tuple[list[float], list[float]]] = {
    "name": (
        [0.713, 0.0235, 0.095, 0.068, 0.0244, 0.036, 0.028, 0.0565, 0.0087, 0.0057, 0.0092],
        [4.6e-5, 4.2e-6, 6.6e-6, 2.1e-5, 1.1e-5, 1.9e-6, 8e-4, 7e-4, 3.5e-3, 1.04e-2, 0.984],
    ),
    # u of the identifier levels: see IDENTIFIER_COLLISIONS
    "email": ([0.735, 0.0155, 0.04, 0.21], [1e-6, 1e-6, 0.014, 0.986]),
    # the fixed "spells the name" level: likelihood ratio 5 measured among pairs with
    # the same full name (0.32 of true pairs, 0.063 of namesake pairs share the handle)
    "handle": ([0.048, 0.104, 0.36, 0.49], [1e-6, 1e-6, 0.072, 0.93]),
    "phone": ([0.01, 0.72, 0.022, 0.003, 0.245], [0.01, 1e-6, 1e-6, 1e-6, 1.0]),
    # generated data has no typo in birth dates; real data does
    "birth_date": ([0.9, 0.04, 0.02, 0.02, 0.02], [1.7e-5, 1.3e-3, 2.4e-3, 0.03, 0.966]),
    "location": (
        [0.01, 0.33, 0.007, 0.007, 0.42, 0.23],
        [0.01, 1.6e-5, 2.1e-3, 4.6e-4, 3.7e-3, 0.97],
    ),
    "street": ([0.01, 0.29, 0.26, 0.44], [0.01, 1.6e-5, 1.9e-5, 0.998]),
    "company": ([0.9, 0.01, 0.09], [0.0076, 7.4e-4, 0.99]),
}

# Levels whose m and u are not trained (fixed at their starting values), by comparison
# and position among the non-null levels: evidence whose meaning training cannot see
# (see the levels).
FIXED_LEVELS: dict[str, tuple[int, ...]] = {
    "handle": (2,),
    "email": (2,),
    "phone": (0,),
    "location": (0,),
    "street": (0,),
}

# Identifiers (e-mail, phone, a handle that is more than the name): their u is not
# estimated but set to this / number of records, the expected number of *other people's*
# records sharing one value (a family e-mail, a reassigned number), so that their weight
# grows with the input as the prior shrinks. Random sampling cannot estimate them: the
# few random pairs that share an identifier are mostly true matches.
IDENTIFIER_COLLISIONS: dict[str, dict[int, float]] = {
    "email": {0: 0.01, 1: 0.02},
    "handle": {0: 0.02, 1: 0.02},
    "phone": {1: 0.01, 2: 0.01, 3: 0.05},
}

# Both records have a given name and the two are plainly different: not equal, not
# similar, not one a prefix or a listed nickname of the other, not swapped with the
# surname. Household members (a spouse, a child) look like this; shared household
# evidence (landline, address) says nothing about identity then.
GIVEN_NAMES_CONFLICT = """(
    first_name_norm_l is not null and first_name_norm_r is not null
    and not list_has_any(given_keys_l, given_keys_r)
    and jaro_winkler_similarity(first_name_norm_l, first_name_norm_r) < 0.8
    and not starts_with(first_name_norm_l, first_name_norm_r)
    and not starts_with(first_name_norm_r, first_name_norm_l)
    and replace(first_name_norm_l, ' ', '') <> replace(first_name_norm_r, ' ', '')
    and first_name_norm_l is distinct from last_name_norm_r
    and last_name_norm_l is distinct from first_name_norm_r
)"""


HANDLE_SPELLS_INITIAL_SURNAME = """
    handle_alpha_l = initial_surname_r or email_alpha_l = initial_surname_r
    or handle_alpha_r = initial_surname_l or email_alpha_r = initial_surname_l
"""
HANDLE_HOLDS_SURNAME = """
    list_has_any(given_keys_l, given_keys_r) and (
        (len(surname_letters_r) >= 4 and contains(handle_alpha_l, surname_letters_r))
        or (len(surname_letters_l) >= 4 and contains(handle_alpha_r, surname_letters_l))
    )
"""


def _with_starting_values(name: str, levels: list[Any], output_column_name: str) -> Any:
    """A comparison of ``levels`` with the starting m and u of ``STARTING_M_U[name]`` for
    its non-null levels; the levels of ``FIXED_LEVELS[name]`` are not trained."""
    m, u = STARTING_M_U[name]
    fixed = FIXED_LEVELS.get(name, ())
    identifiers = IDENTIFIER_COLLISIONS.get(name, {})
    scored = [level for level in levels if not level.is_null_level]
    for i, (level, m_i, u_i) in enumerate(zip(scored, m, u, strict=True)):
        level.configure(
            m_probability=m_i,
            u_probability=u_i,
            fix_m_probability=i in fixed,
            fix_u_probability=i in fixed or i in identifiers,
        )
    return cl.CustomComparison(levels, output_column_name=output_column_name)


def name_comparison() -> Any:
    """First/last name in any order, romanised (``*_norm``); Jaro-Winkler for variants,
    nicknames, and a display name that is only a given name."""
    levels = [
        # A profile showing no name (emoji, a handle) may still spell one in its handle.
        cll.CustomLevel(
            "(name_tokens_l is null and spelled_key_l is null)"
            " or (name_tokens_r is null and spelled_key_r is null)",
            label_for_charts="No name on one side",
        ).configure(is_null_level=True),
        # Sorted tokens: equal when first and last are swapped, or when one source
        # only has the full name. Term frequencies (of customers, see NAME_TF_*) make
        # "wang wei" weaker evidence than a rare name. A single word ("Edward", "Liang")
        # is not a full name: it falls to the given-name level below.
        cll.CustomLevel(
            "name_tokens_l = name_tokens_r and contains(name_tokens_l, ' ')",
            label_for_charts="Same name in any order",
        ).configure(
            tf_adjustment_column="name_tokens",
            tf_adjustment_weight=1.0,
            disable_tf_exact_match_detection=True,
        ),
        cll.CustomLevel(
            "name_letters_l = name_letters_r and (name_single_l is null or name_single_r is null)",
            label_for_charts="Same letters (romanised syllables spaced or ordered differently)",
        ).configure(
            tf_adjustment_column="name_letters",
            tf_adjustment_weight=1.0,
            disable_tf_exact_match_detection=True,
        ),
        # A social profile showing "Sarah P." or an emoji whose handle spells the other
        # record's name; term frequencies of what is spelled.
        cll.CustomLevel(
            "spelled_key_l = spelled_key_r and (handle_l is null) <> (handle_r is null)",
            label_for_charts="The profile's handle spells the other's name",
        ).configure(
            tf_adjustment_column="spelled_key",
            tf_adjustment_weight=1.0,
            disable_tf_exact_match_detection=True,
        ),
        # A handle or e-mail local part that spells the other's initial and surname
        # ("jsutcroft79" / James Sutcroft), or holds the other's surname when the given
        # names agree ("James S.", "dorothyweswood" ...): profiles often show no more.
        cll.CustomLevel(
            f"({HANDLE_SPELLS_INITIAL_SURNAME}) or ({HANDLE_HOLDS_SURNAME})",
            label_for_charts="Handle or e-mail spells the other's initial and surname",
        ),
        # Below, both sides need a name of their own.
        cll.CustomLevel(
            "name_tokens_l is null or name_tokens_r is null",
            label_for_charts="Only a handle on one side, spelling another name",
        ).configure(is_null_level=True),
        cll.And(
            cll.JaroWinklerLevel("first_name_norm", 0.92),
            cll.JaroWinklerLevel("last_name_norm", 0.92),
        ),
        cll.CustomLevel(
            "last_name_norm_l = last_name_norm_r and list_has_any(given_keys_l, given_keys_r)",
            label_for_charts="Same surname, nickname of the given name (Jim / James)",
        ),
        cll.JaroWinklerLevel("name_tokens", 0.88),
        cll.CustomLevel(
            "(name_single_l is not null or name_single_r is not null)"
            " and (list_has_any(given_keys_l, given_keys_r)"
            " or ends_with(first_name_norm_r, nickname_core_l)"
            " or ends_with(first_name_norm_l, nickname_core_r))",
            label_for_charts="One side only a given name (or 小/阿 nickname) that agrees",
        ),
        cll.ExactMatchLevel("last_name_norm"),
        cll.JaroWinklerLevel("name_tokens", 0.7),
        cll.ElseLevel(),
    ]
    return _with_starting_values("name", levels, "name")


def email_comparison() -> Any:
    """Exact email, then the same local part (before the @) at another domain; a local
    part that only spells the name says little more than the name. No fuzzy level:
    local parts are mostly built from the name, and "thomas.taylor1987" /
    "thomas.taylor1957" are two people."""
    levels = [
        cll.NullLevel("email"),
        # No term frequencies: an email is near-unique by nature, shared ones are already
        # capped (MAX_KEY_FREQUENCY), and a person's own records repeat it.
        cll.ExactMatchLevel("email"),
        cll.CustomLevel(
            "email_local_l = email_local_r and email_specific_l and email_specific_r",
            label_for_charts="Same local part, more than the name (thomas.taylor87)",
        ),
        # Fixed: "mary.wright@gmail.com" and "mary.wright@yahoo.co.uk" are as often two
        # Mary Wrights as one; random pairs (what training sees) almost never share it.
        cll.ExactMatchLevel("email_local").configure(
            label_for_charts="Same local part that only spells the name"
        ),
        cll.ElseLevel(),
    ]
    return _with_starting_values("email", levels, "email")


def handle_comparison() -> Any:
    """Same social handle on two platforms, or a handle equal to an e-mail local part.

    Both are bare lower-case tokens (``features.sql``): ``mary_turner`` on X,
    ``maryturner`` on Weibo and ``mary.turner@gmail.com`` in the shop all agree. Only
    compared when one side has a handle and the other a handle or an e-mail address. A
    handle that only spells the name ("maryturner", "mary73") is claimed by namesakes
    on every platform: that level is fixed at a small weight.
    """
    levels = [
        cll.CustomLevel(
            "(handle_l is null and handle_r is null)"
            " or (handle_l is null and email_handle_l is null)"
            " or (handle_r is null and email_handle_r is null)",
            label_for_charts="No handle to compare",
        ).configure(is_null_level=True),
        cll.CustomLevel(
            "handle_l = handle_r and handle_specific_l and handle_specific_r",
            label_for_charts="Same handle, more than the name",
        ),
        cll.CustomLevel(
            "(handle_l = email_handle_r and handle_specific_l and email_specific_r)"
            " or (email_handle_l = handle_r and email_specific_l and handle_specific_r)",
            label_for_charts="Handle is the other's e-mail local part, more than the name",
        ),
        cll.CustomLevel(
            "handle_l = handle_r or handle_l = email_handle_r or email_handle_l = handle_r",
            label_for_charts="Same handle that only spells the name",
        ),
        # The same letters with other digits ("dgoldham00" / dgoldham@icloud.com): among
        # namesakes as common as for one person (measured), so no evidence either way;
        # only the pair is compared (blocking), by its other columns.
        cll.CustomLevel(
            "handle_alpha_l = handle_alpha_r or handle_alpha_l = email_alpha_r"
            " or email_alpha_l = handle_alpha_r",
            label_for_charts="Same letters, other digits",
        ).configure(is_null_level=True),
        cll.ElseLevel(),
    ]
    return _with_starting_values("handle", levels, "handle")


def _any_phone_equal() -> str:
    return (
        "(phone_l = phone_r or phone_l = phone_2_r or phone_2_l = phone_r or phone_2_l = phone_2_r)"
    )


def phone_comparison() -> Any:
    """Same E.164 phone, same number in the other phone field, same last 8 digits; a
    number shared by two different given names is a household line (fixed, ~no weight)."""
    levels = [
        cll.CustomLevel(
            "(phone_l is null and phone_2_l is null) or (phone_r is null and phone_2_r is null)",
            label_for_charts="No phone on one side",
        ).configure(is_null_level=True),
        cll.CustomLevel(
            f"{_any_phone_equal()} and {GIVEN_NAMES_CONFLICT}",
            label_for_charts="Same number, other given name (household line)",
        ),
        cll.ExactMatchLevel("phone"),
        cll.CustomLevel(
            "phone_l = phone_2_r or phone_2_l = phone_r or phone_2_l = phone_2_r",
            label_for_charts="Same number in the other phone field",
        ),
        cll.CustomLevel(
            "phone_last8_l = phone_last8_r or phone_last8_l = phone_2_last8_r"
            " or phone_2_last8_l = phone_last8_r or phone_2_last8_l = phone_2_last8_r",
            label_for_charts="Same last 8 digits",
        ),
        cll.ElseLevel(),
    ]
    return _with_starting_values("phone", levels, "phone")


def birth_date_comparison() -> Any:
    """Exact date, one typo, within a month, within a year."""
    comparison = cl.DateOfBirthComparison(
        "birth_date",
        input_is_string=False,
        datetime_thresholds=[1, 1],
        datetime_metrics=["month", "year"],
    )
    m, u = STARTING_M_U["birth_date"]
    return comparison.configure(m_probabilities=m, u_probabilities=u)


def location_comparison() -> Any:
    """Postal code, then its first three characters, then the city: the city alone
    counts for more where one side has no postal code (social profiles) than where
    both have one and they differ."""
    levels = [
        cll.CustomLevel(
            "(postal_code_l is null and city_norm_l is null)"
            " or (postal_code_r is null and city_norm_r is null)",
            label_for_charts="No postal code or city on one side",
        ).configure(is_null_level=True),
        cll.CustomLevel(
            f"(postal_code_l = postal_code_r or city_norm_l = city_norm_r)"
            f" and {GIVEN_NAMES_CONFLICT}",
            label_for_charts="Same place, other given name (household)",
        ),
        # Term frequencies: a postal code shared by many records (a big block, a
        # household with several accounts) says less.
        cll.ExactMatchLevel("postal_code", term_frequency_adjustments=True),
        cll.CustomLevel(
            "substr(postal_code_l, 1, 3) = substr(postal_code_r, 1, 3)",
            label_for_charts="Same postal code prefix",
        ),
        cll.CustomLevel(
            "city_norm_l = city_norm_r and postal_code_l is not null and postal_code_r is not null",
            label_for_charts="Same city, other postal code",
        ),
        # Term frequencies: New York says less than Oxford.
        cll.ExactMatchLevel("city_norm").configure(
            label_for_charts="Same city, no postal code on one side",
            tf_adjustment_column="city_norm",
            tf_adjustment_weight=1.0,
            disable_tf_exact_match_detection=True,
        ),
        cll.ElseLevel(),
    ]
    return _with_starting_values("location", levels, "location")


def street_comparison() -> Any:
    """Street and house number, with Jaro-Winkler for spelling variants of the same
    house number."""
    levels = [
        cll.NullLevel("street_norm"),
        cll.And(
            cll.JaroWinklerLevel("street_norm", 0.9), cll.CustomLevel(GIVEN_NAMES_CONFLICT)
        ).configure(label_for_charts="Same street, other given name (household)"),
        cll.ExactMatchLevel("street_norm"),
        # Spelling variants of one address ("Str." / "Straße", flat dropped) keep the
        # house number; "12 Oak St" and "21 Oak St" are neighbours.
        cll.CustomLevel(
            "jaro_winkler_similarity(street_norm_l, street_norm_r) >= 0.9"
            " and (starts_with(street_numbers_l, street_numbers_r)"
            " or starts_with(street_numbers_r, street_numbers_l))",
            label_for_charts="Same street and house number, spelt differently",
        ),
        cll.ElseLevel(),
    ]
    return _with_starting_values("street", levels, "street")


def company_comparison() -> Any:
    """Employer or company name, without legal form; a big employer is weak evidence."""
    levels = [
        cll.NullLevel("company_norm"),
        cll.ExactMatchLevel("company_norm", term_frequency_adjustments=True),
        cll.JaroWinklerLevel("company_norm", 0.9),
        cll.ElseLevel(),
    ]
    return _with_starting_values("company", levels, "company")


def comparisons() -> list[Any]:
    """Every comparison of the model, in the order they appear in match weights."""
    return [
        name_comparison(),
        email_comparison(),
        handle_comparison(),
        phone_comparison(),
        birth_date_comparison(),
        location_comparison(),
        street_comparison(),
        company_comparison(),
    ]


def settings_creator() -> SettingsCreator:
    """The untrained model: link type, columns, comparisons and blocking rules."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID_COLUMN,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        probability_two_random_records_match=DEFAULT_PRIOR,
        em_convergence=EM_CONVERGENCE,
        max_iterations=EM_MAX_ITERATIONS,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["source_system"],
    )
