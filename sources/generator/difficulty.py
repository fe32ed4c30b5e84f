"""Difficulty levels: the rates one level of ``generate`` draws from.

``rates_for(level)`` returns ``settings.STANDARD_RATES`` for "standard" (the very same
object, so standard output stays byte-identical) and, for the other levels, those rates
with every rate of a ``settings.Difficulty`` group scaled by the group's odds factor. The
result is a new frozen ``GeneratorRates``: nothing global changes, so levels never leak
into each other, whatever order they are generated in.

Which rates belong to which group is listed here, function by function; why each level
scales them as it does is in ``settings.py``.
"""

from __future__ import annotations

from dataclasses import replace

from sources.generator.settings import (
    DIFFICULTIES,
    STANDARD_RATES,
    CrmRates,
    Difficulty,
    ErpRates,
    GeneratorRates,
    NameNoise,
    PopulationRates,
    ShopRates,
    SocialRates,
    StaleRates,
)

LEVELS = tuple(DIFFICULTIES)


def scale_odds(rate: float, factor: float) -> float:
    """``rate`` with its odds ``rate / (1 - rate)`` multiplied by ``factor``.

    0 and 1 stay as they are, and so does every rate at factor 1.0 (exactly, not up to
    rounding).
    """
    if factor < 0:
        raise ValueError(f"odds factor must not be negative, got {factor}")
    if factor == 1.0 or rate in (0.0, 1.0):
        return rate
    return factor * rate / (1.0 - rate + factor * rate)


def scale_presence(rate: float, factor: float) -> float:
    """A presence rate whose *absence* odds are multiplied by ``factor``."""
    if factor == 1.0:
        return rate
    return 1.0 - scale_odds(1.0 - rate, factor)


def rates_for(level: str) -> GeneratorRates:
    """The rates of difficulty ``level`` (one of ``LEVELS``).

    Raises:
        ValueError: ``level`` is not a known level.
    """
    try:
        difficulty = DIFFICULTIES[level]
    except KeyError:
        raise ValueError(
            f"unknown difficulty {level!r}; choose one of {', '.join(LEVELS)}"
        ) from None
    if difficulty == Difficulty():
        return STANDARD_RATES
    return apply_difficulty(STANDARD_RATES, difficulty)


def apply_difficulty(rates: GeneratorRates, d: Difficulty) -> GeneratorRates:
    """``rates`` with every group of ``d`` scaled."""
    return GeneratorRates(
        population=_population(rates.population, d),
        stale=_stale(rates.stale, d),
        crm=_crm(rates.crm, d),
        erp=_erp(rates.erp, d),
        shop=_shop(rates.shop, d),
        social=_social(rates.social, d),
    )


def _names(noise: NameNoise, d: Difficulty) -> NameNoise:
    return replace(
        noise,
        typo=scale_odds(noise.typo, d.typos),
        hanzi=scale_odds(noise.hanzi, d.cross_script),
        first_missing=scale_odds(noise.first_missing, d.missing),
    )


def _population(r: PopulationRates, d: Difficulty) -> PopulationRates:
    return replace(
        r,
        chinese_share=scale_odds(r.chinese_share, d.cross_script),
        alt_romanisation_abroad=scale_odds(r.alt_romanisation_abroad, d.cross_script),
        common_chinese_given_share=scale_odds(r.common_chinese_given_share, d.look_alikes),
        # namesakes come from the common surnames, i.e. from *not* being in the tail
        western_surname_tail_share=scale_presence(r.western_surname_tail_share, d.look_alikes),
        household_member_share=scale_odds(r.household_member_share, d.look_alikes),
    )


def _stale(r: StaleRates, d: Difficulty) -> StaleRates:
    return StaleRates(
        address={s: scale_odds(v, d.stale) for s, v in r.address.items()},
        mobile={s: scale_odds(v, d.stale) for s, v in r.mobile.items()},
        duplicate=scale_odds(r.duplicate, d.stale),
    )


def _crm(r: CrmRates, d: Difficulty) -> CrmRates:
    return replace(
        r,
        names=_names(r.names, d),
        email_domain_typo=scale_odds(r.email_domain_typo, d.typos),
        email_malformed=scale_odds(r.email_malformed, d.typos),
        email_missing=scale_odds(r.email_missing, d.missing),
        mobile_missing=scale_odds(r.mobile_missing, d.missing),
        address_missing=scale_odds(r.address_missing, d.missing),
        birthdate=scale_presence(r.birthdate, d.missing),
    )


def _erp(r: ErpRates, d: Difficulty) -> ErpRates:
    return replace(
        r,
        names=_names(r.names, d),
        phone_missing=scale_odds(r.phone_missing, d.missing),
        email_missing=scale_odds(r.email_missing, d.missing),
        company_email_missing=scale_odds(r.company_email_missing, d.missing),
        company_hanzi=scale_odds(r.company_hanzi, d.cross_script),
    )


def _shop(r: ShopRates, d: Difficulty) -> ShopRates:
    return replace(
        r,
        names=_names(r.names, d),
        email_domain_typo=scale_odds(r.email_domain_typo, d.typos),
        phone_present=scale_presence(r.phone_present, d.missing),
        address_missing=scale_odds(r.address_missing, d.missing),
        address_hanzi=scale_odds(r.address_hanzi, d.cross_script),
    )


def _social(r: SocialRates, d: Difficulty) -> SocialRates:
    return replace(
        r,
        names=_names(r.names, d),
        email_present=scale_presence(r.email_present, d.missing),
        email_present_linkedin=scale_presence(r.email_present_linkedin, d.missing),
        phone_present=scale_presence(r.phone_present, d.missing),
        phone_present_wechat=scale_presence(r.phone_present_wechat, d.missing),
        location_missing=scale_odds(r.location_missing, d.missing),
        location_missing_wechat_weibo=scale_odds(r.location_missing_wechat_weibo, d.missing),
        location_missing_linkedin=scale_odds(r.location_missing_linkedin, d.missing),
    )
