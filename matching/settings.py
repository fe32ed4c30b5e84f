"""The matching model as data: comparisons, blocking rules, training choices, threshold.

Every tunable of the matcher lives here. ``matching.model`` reads it; nothing else in the
package holds a number that changes match results.

The model compares the feature columns built by ``features.sql`` (one row per record of
``staging.int_party_records``): romanised, lower-case names; email and its local part;
phones in E.164 with their last 8 digits; birth date; postal code and city; street;
company.
"""

from __future__ import annotations

import logging
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

# --- Input and output --------------------------------------------------------------

INPUT_TABLE = "staging.int_party_records"
PUBLISHED_XREF = ("mdm", "customer_xref")
OUTPUT_SCHEMA = "mdm_build"

UNIQUE_ID_COLUMN = "record_key"
# Prefix of the tables matching creates in the connection's default schema while it
# runs; every one of them is dropped before match_parties returns.
WORK_TABLE_PREFIX = "__mdm_match_"

# Splink's own log level while matching runs (its per-level training warnings are noise).
SPLINK_LOG_LEVEL = logging.ERROR

# --- Decision ------------------------------------------------------------------------

# Two records are the same customer when Splink's match probability is at least this.
# Clusters are the connected components of these pairs.
MATCH_THRESHOLD = 0.9

# --- Features ------------------------------------------------------------------------

# An email, email local part or phone shared by more records than this is treated as
# missing (placeholders, "info@", switchboards): it carries no identity and would blow
# up blocking.
MAX_KEY_FREQUENCY = 20

# --- Training ------------------------------------------------------------------------

SEED = 20240601

# Below this many records only the prior is estimated and the starting m/u below are
# used: in a small input, random pairs are too often true matches to estimate u, and EM
# on a few pairs is noise.
MIN_RECORDS_FOR_TRAINING = 5_000

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
    """Blocking rules whose pairs train the m probabilities."""
    return [
        block_on("email"),
        block_on("name_letters", "birth_date"),
        block_on("phone"),
    ]


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


PRIOR_RECALL = 0.6
# Used when the deterministic rules find nothing (tiny inputs); one in ten thousand.
DEFAULT_PRIOR = 1e-4

# --- Blocking (candidate pairs to score) ---------------------------------------------


def prediction_blocking_rules() -> list[Any]:
    """Candidate pairs: any one rule proposing a pair is enough for it to be scored."""
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
    ]


# --- Comparisons ---------------------------------------------------------------------

# Starting m and u per non-null level, in level order. Training replaces every value it
# can estimate; the rest (levels a small input never shows) keep these.
STARTING_M_U: dict[str, tuple[list[float], list[float]]] = {
    "name": (
        [0.75, 0.05, 0.08, 0.05, 0.03, 0.02, 0.02],
        [0.0008, 0.0002, 0.001, 0.005, 0.02, 0.2, 0.773],
    ),
    "email": ([0.8, 0.08, 0.05, 0.07], [1e-5, 1e-4, 2e-4, 0.99969]),
    "phone": ([0.7, 0.1, 0.05, 0.15], [1e-5, 1e-5, 2e-5, 0.99996]),
    "birth_date": ([0.8, 0.08, 0.04, 0.04, 0.04], [3e-5, 3e-4, 3e-3, 0.03, 0.96667]),
    "location": ([0.7, 0.1, 0.1, 0.1], [0.002, 0.01, 0.05, 0.938]),
    "street_norm": ([0.6, 0.1, 0.3], [0.0005, 0.002, 0.9975]),
    "company_norm": ([0.5, 0.1, 0.4], [0.005, 0.01, 0.985]),
}


def _with_starting_values(comparison: Any, name: str) -> Any:
    m, u = STARTING_M_U[name]
    return comparison.configure(m_probabilities=m, u_probabilities=u)


def name_comparison() -> Any:
    """First/last name in any order, romanised (``*_norm``); Jaro-Winkler for variants."""
    levels = [
        cll.NullLevel("name_tokens"),
        # Sorted tokens: equal when first and last are swapped, or when one source
        # only has the full name. Term frequencies make "wang wei" weaker evidence
        # than a rare name.
        cll.ExactMatchLevel("name_tokens", term_frequency_adjustments=True).configure(
            label_for_charts="Same name in any order"
        ),
        cll.ExactMatchLevel("name_letters").configure(
            label_for_charts="Same letters (romanised syllables spaced or ordered differently)"
        ),
        cll.And(
            cll.JaroWinklerLevel("first_name_norm", 0.92),
            cll.JaroWinklerLevel("last_name_norm", 0.92),
        ),
        cll.JaroWinklerLevel("name_tokens", 0.88),
        cll.ExactMatchLevel("last_name_norm"),
        cll.JaroWinklerLevel("name_tokens", 0.7),
        cll.ElseLevel(),
    ]
    return _with_starting_values(cl.CustomComparison(levels, output_column_name="name"), "name")


def email_comparison() -> Any:
    """Exact email, then the same local part (before the @), then one typo in it."""
    levels = [
        cll.NullLevel("email"),
        # No term frequencies: an email is near-unique by nature, shared ones are already
        # capped (MAX_KEY_FREQUENCY), and a person's own records repeat it.
        cll.ExactMatchLevel("email"),
        cll.ExactMatchLevel("email_local"),
        # One edit or swap, not Jaro-Winkler: local parts are mostly built from the
        # name, and "thomas.taylor87" / "thomas.taylor54" are two people.
        cll.DamerauLevenshteinLevel("email_local", 1),
        cll.ElseLevel(),
    ]
    return _with_starting_values(cl.CustomComparison(levels, output_column_name="email"), "email")


def phone_comparison() -> Any:
    """Same E.164 phone, same number in the other phone field, same last 8 digits."""
    levels = [
        cll.CustomLevel(
            "(phone_l is null and phone_2_l is null) or (phone_r is null and phone_2_r is null)",
            label_for_charts="No phone on one side",
        ).configure(is_null_level=True),
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
    return _with_starting_values(cl.CustomComparison(levels, output_column_name="phone"), "phone")


def birth_date_comparison() -> Any:
    """Exact date, one typo, within a month, within a year."""
    comparison = cl.DateOfBirthComparison(
        "birth_date",
        input_is_string=False,
        datetime_thresholds=[1, 1],
        datetime_metrics=["month", "year"],
    )
    return _with_starting_values(comparison, "birth_date")


def location_comparison() -> Any:
    """Postal code, then its first three characters, then the city."""
    levels = [
        cll.CustomLevel(
            "(postal_code_l is null and city_norm_l is null)"
            " or (postal_code_r is null and city_norm_r is null)",
            label_for_charts="No postal code or city on one side",
        ).configure(is_null_level=True),
        cll.ExactMatchLevel("postal_code"),
        cll.CustomLevel(
            "substr(postal_code_l, 1, 3) = substr(postal_code_r, 1, 3)",
            label_for_charts="Same postal code prefix",
        ),
        cll.ExactMatchLevel("city_norm"),
        cll.ElseLevel(),
    ]
    return _with_starting_values(
        cl.CustomComparison(levels, output_column_name="location"), "location"
    )


def street_comparison() -> Any:
    """Street and house number, with Jaro-Winkler for spelling variants."""
    return _with_starting_values(cl.JaroWinklerAtThresholds("street_norm", [0.9]), "street_norm")


def company_comparison() -> Any:
    """Employer or company name."""
    return _with_starting_values(cl.JaroWinklerAtThresholds("company_norm", [0.9]), "company_norm")


def comparisons() -> list[Any]:
    """Every comparison of the model, in the order they appear in match weights."""
    return [
        name_comparison(),
        email_comparison(),
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
