"""Standardisation functions that need Python libraries: phones, pinyin, countries, name case.

Each function exists twice:

- a plain typed function on one value (``normalize_phone``, ``romanize``, ``country_iso2``,
  ``proper_case``), for Python callers such as the HTTP API;
- a vectorised Arrow variant (``*_arrow``) that DuckDB calls with a batch of values,
  registered on a connection by :func:`register_udfs` under the plain function's name.

The Arrow variants give the same answer as the plain functions (the tests hold them to
it) but are built for volume: results are cached across batches, low-cardinality values
are computed once per batch, work that Arrow can do in C++ (ASCII keys, title case) never
reaches Python, and common phone shapes skip libphonenumber's full parser (about 5 µs a
number instead of 25-40 µs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import NumberParseException, PhoneNumberFormat
from phonenumbers.geodata.locale import LOCALE_DATA
from pypinyin import Style, lazy_pinyin

# Bounded so that a few million distinct phone numbers cannot exhaust memory; large enough
# that the names, cities and countries of a full load stay cached.
_CACHE_SIZE = 1 << 18

# --------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------

# ISO 3166-1 alpha-3 -> alpha-2 (including a few withdrawn codes still seen in exports,
# e.g. DDR, BUR), as `XXXYY` pairs: generated once from the CLDR territory aliases.
_ISO3_PAIRS = """
ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG
AUSAU AUTAT AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL
BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB BRNBN BTNBT BURMM BVTBV BWABW CAFCF CANCA CCKCC
CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW
CXRCX CYMKY CYPCY CZECZ DDRDE DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER
ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM FXXFR GABGA GBRGB GEOGE
GGYGG GHAGH GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU
GUYGY HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ
ISLIS ISRIL ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH KIRKI KNAKN KORKR
KWTKW LAOLA LBNLB LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF
MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP
MOZMZ MRTMR MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI
NIUNU NLDNL NORNO NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG
POLPL PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA SDNSD
SENSN SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST
SURSR SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK
TKMTM TLSTL TMPTL TONTO TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY
USAUS UZBUZ VATVA VCTVC VENVE VGBVG VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE YMDYE ZAFZA
ZARCD ZMBZM ZWEZW
"""

# Country names are taken from the libphonenumber territory names in these languages;
# on a clash the earlier language wins.
_NAME_LANGUAGES = ("en", "zh", "de", "fr", "es", "it", "nl", "pt", "ja", "ko", "ru")

# Spellings found in real exports that are neither ISO codes nor the library's names.
_COUNTRY_ALIASES = {
    "america": "US",
    "unitedstatesofamerica": "US",
    "uk": "GB",
    "greatbritain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northernireland": "GB",
    "britain": "GB",
    "prc": "CN",
    "peoplesrepublicofchina": "CN",
    "mainlandchina": "CN",
    "chinamainland": "CN",
    "中华人民共和国": "CN",
    "中國": "CN",
    "中国大陆": "CN",
    "hongkongsar": "HK",
    "hongkongsarchina": "HK",
    "香港特别行政区": "HK",
    "macau": "MO",
    "macaosar": "MO",
    "澳门": "MO",
    "台湾": "TW",
    "korea": "KR",
    "republicofkorea": "KR",
    "russianfederation": "RU",
    "vietnam": "VN",
    "czechia": "CZ",
    "holland": "NL",
    "thenetherlands": "NL",
    "uae": "AE",
}


def _country_key(text: str) -> str:
    """Compare country spellings without case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in stripped.casefold() if ch.isalnum())


def _territory_name(region: str, language: str) -> str | None:
    names = LOCALE_DATA[region]
    name = names.get(language)
    # Entries like "*aa" point at another language's entry of the same territory (the
    # data holds one self-reference, hence the bound).
    for _ in range(3):
        if name is None or not name.startswith("*"):
            return name
        name = names.get(name[1:])
    return None


@lru_cache(maxsize=1)
def _country_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for language in reversed(_NAME_LANGUAGES):
        for region in LOCALE_DATA:
            name = _territory_name(region, language)
            if name:
                lookup[_country_key(name)] = region
    for pair in _ISO3_PAIRS.split():
        lookup[pair[:3].lower()] = pair[3:]
    lookup.update(_COUNTRY_ALIASES)
    # ISO alpha-2 codes last: a two-letter code is always read as a code.
    lookup.update({region.lower(): region for region in LOCALE_DATA if region != "AN"})
    return lookup


@lru_cache(maxsize=_CACHE_SIZE)
def country_iso2(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name or code; ``None`` when unknown.

    Accepts alpha-2 and alpha-3 codes in any case (``cn``, ``CHN``), English and common
    native or translated names (``United States``, ``Deutschland``, ``中国``) and a few
    colloquial spellings (``USA``, ``UK``, ``PRC``). Case, accents and punctuation do not
    matter.
    """
    if text is None:
        return None
    key = _country_key(text)
    return _country_lookup().get(key) if key else None


# --------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------

# Separators people type inside phone numbers; anything else sends the number to the
# full libphonenumber parser.
_PHONE_SEPARATORS = re.compile(r"[\s\-().\/\u00a0]+")
# A mainland Chinese mobile (11 digits starting 13-19), optionally with the country code.
_LOOKS_CHINESE = re.compile(r"^(?:\+?86|0086)?1[3-9]\d{9}$")


@lru_cache(maxsize=512)
def _national_prefix_pattern(region: str) -> re.Pattern[str] | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    pattern = metadata.national_prefix_for_parsing or metadata.national_prefix
    return re.compile(f"(?:{pattern})") if pattern else None


# A number description of the metadata, compiled: national number pattern, lengths.
_Desc = tuple[re.Pattern[str], frozenset[int]]


def _compiled(desc: phonenumbers.PhoneNumberDesc | None) -> _Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ())


@lru_cache(maxsize=512)
def _region_rules(region: str) -> tuple[_Desc | None, tuple[_Desc, ...], re.Pattern[str] | None]:
    """The parts of a region's metadata that decide validity, compiled once.

    Mirrors libphonenumber's number-type check: a number is valid when it matches the
    general description and the description of at least one number type.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None, (), None
    kinds = [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
    ]
    if not metadata.same_mobile_and_fixed_line_pattern:
        kinds.append(metadata.mobile)
    leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
    compiled = (_compiled(kind) for kind in kinds)
    return _compiled(metadata.general_desc), tuple(c for c in compiled if c), leading


def _matches(desc: _Desc | None, national: str) -> bool:
    if desc is None:
        return False
    pattern, lengths = desc
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


def _valid_in_region(national: str, region: str) -> bool:
    """``phonenumbers.is_valid_number_for_region`` for a national number without prefix."""
    general, kinds, _ = _region_rules(region)
    return _matches(general, national) and any(_matches(kind, national) for kind in kinds)


def _valid_number(regions: tuple[str, ...], national: str) -> bool:
    """``phonenumbers.is_valid_number`` for the geographic regions of one country code."""
    if len(regions) == 1:
        return _valid_in_region(national, regions[0])
    # Several regions share the code (+1): the first whose leading digits match decides,
    # or, for a region without leading digits, the first the number is valid in.
    for region in regions:
        _, _, leading = _region_rules(region)
        if leading is not None:
            if leading.match(national):
                return _valid_in_region(national, region)
        elif _valid_in_region(national, region):
            return True
    return False


# What _fast_phone answers when the full parser would certainly find no valid number.
_INVALID = ""


def _fast_phone(compact: str, region: str | None) -> str | None:
    """E.164 for the common shapes without the full parser; ``None`` to fall back to it.

    Only decides when the digits, read as they stand, are the national number the full
    parser would read: no national or carrier prefix to strip, no country code to take off
    the front. Then the number is valid (its E.164 form) or not (``_INVALID``) exactly as
    ``phonenumbers.parse`` and ``is_valid_number`` would find, at a fraction of the cost.
    """
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits.isdigit():
            return None
        for length in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:length]))
            if regions:
                break
        else:
            return None
        national = digits[length:]
        if "001" in regions or not national or national[0] == "0":
            return None
        prefix = _national_prefix_pattern(regions[0])
        if prefix and prefix.match(national):
            return None
        return compact if _valid_number(regions, national) else _INVALID
    if region is None or not compact.isdigit() or compact[0] == "0":
        return None
    country_code = str(phonenumbers.country_code_for_region(region))
    prefix = _national_prefix_pattern(region)
    if (
        country_code == "0"
        or compact.startswith(country_code)
        or (prefix and prefix.match(compact))
    ):
        return None
    # Valid in the region itself first (cheap); a number of another region sharing the
    # country code (a Canadian number in a US record) is as valid for the full parser.
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[int(country_code)]
    if _valid_in_region(compact, region) or _valid_number(regions, compact):
        return f"+{country_code}{compact}"
    return _INVALID


def _parsed_phone(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@lru_cache(maxsize=_CACHE_SIZE)
def normalize_phone(raw: str | None, default_region: str | None = None) -> str | None:
    """E.164 form of a free-format phone number, or ``None`` when it is not a valid number.

    ``default_region`` (ISO alpha-2, or anything :func:`country_iso2` understands) reads
    numbers written without a country code, e.g. ``(415) 555-0132`` with ``US``. A
    leading ``00`` is read as ``+`` (``0086 13800138000``). A number that is not valid in
    the default region, or has no region, but looks like a mainland Chinese mobile
    (``138-0013-8000``) is read as Chinese.
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    region = country_iso2(default_region) if default_region else None
    compact = _PHONE_SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
        text = compact
    result = _fast_phone(compact, region)
    if result is None and (region or compact.startswith("+")):
        result = _parsed_phone(text, region)
    if not result and region != "CN" and _LOOKS_CHINESE.match(compact):
        result = _fast_phone(compact, "CN")
        if result is None:
            result = _parsed_phone(text, "CN")
    return result or None


@lru_cache(maxsize=_CACHE_SIZE)
def phone_type(e164: str | None) -> str | None:
    """The kind of line an E.164 number is, in lower case: ``mobile``, ``fixed_line``,
    ``fixed_line_or_mobile`` (numbering plans that do not tell them apart, such as the
    North American one), ``voip``, ``toll_free``, ... or ``unknown``; ``None`` for no
    number or one that does not parse."""
    if not e164:
        return None
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    kind = phonenumbers.number_type(number)
    return _PHONE_TYPE_NAMES.get(kind, "unknown")


_PHONE_TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


# --------------------------------------------------------------------------------------
# Romanisation (matching keys)
# --------------------------------------------------------------------------------------

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`\u00b4]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)


def _han_to_pinyin(match: re.Match[str]) -> str:
    # A run of characters is one word, as in pinyin orthography: 上海 -> shanghai,
    # 小明 -> xiaoming. Converting the run at once lets pypinyin use its phrase list for
    # characters with several readings (重庆 -> chongqing).
    return " " + "".join(lazy_pinyin(match.group(), style=Style.NORMAL)) + " "


@lru_cache(maxsize=_CACHE_SIZE)
def _romanize_word(word: str) -> str:
    value = unicodedata.normalize("NFKC", word)
    value = _HAN_RUN.sub(_han_to_pinyin, value)
    value = unicodedata.normalize("NFKD", value.casefold().translate(_UNDECOMPOSABLE))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = _APOSTROPHES.sub("", value)
    return _NOT_ALNUM.sub(" ", value).strip()


def romanize(text: str | None) -> str | None:
    """Lower-case ASCII matching key: pinyin without tones, no accents, single spaces.

    Each run of Chinese characters becomes one pinyin word (``张伟`` -> ``zhangwei``,
    ``上海`` -> ``shanghai``), so romanise a surname and a given name separately when
    they should stay apart. Accents are dropped (``José Müller`` -> ``jose muller``),
    apostrophes are removed (``O'Brien`` -> ``obrien``), every other character that is
    not a letter or digit separates words, and emoji disappear. ``None`` when nothing is
    left.
    """
    if text is None:
        return None
    # Every step works within a whitespace-separated word, and words repeat far more than
    # whole values do (names, street names), so the cache is per word.
    words = [_romanize_word(word) for word in text.split()]
    return " ".join(word for word in words if word) or None


# --------------------------------------------------------------------------------------
# Display case for names
# --------------------------------------------------------------------------------------


def proper_case(text: str | None) -> str | None:
    """Title-case a name typed all upper or all lower case; keep deliberate mixed case.

    ``JOHN O'BRIEN`` -> ``John O'Brien``, ``jean-luc`` -> ``Jean-Luc``; ``McDonald``
    and ``van der Berg`` stay as typed. Scripts without case (Chinese) are unchanged.
    """
    if text is None:
        return None
    if text != text.upper() and text != text.lower():
        return text
    return text.title()


# --------------------------------------------------------------------------------------
# Arrow (vectorised) variants for DuckDB
# --------------------------------------------------------------------------------------


def _as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def _map_distinct(
    values: pa.Array | pa.ChunkedArray, function: Callable[[str | None], str | None]
) -> pa.Array:
    """Apply ``function`` once per distinct value of the batch and spread the results."""
    encoded = _as_array(values).dictionary_encode()
    mapped = pa.array([function(value) for value in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def country_iso2_arrow(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised :func:`country_iso2`."""
    return _map_distinct(text, country_iso2)


def romanize_arrow(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised :func:`romanize`: pure-ASCII values are handled in Arrow, not Python."""
    values = _as_array(text).cast(pa.string())
    is_ascii = pc.fill_null(pc.string_is_ascii(values), True)
    ascii_key = pc.replace_substring_regex(pc.ascii_lower(values), r"['`]", "")
    ascii_key = pc.utf8_trim_whitespace(pc.replace_substring_regex(ascii_key, r"[^a-z0-9]+", " "))
    ascii_key = pc.if_else(pc.equal(ascii_key, ""), pa.scalar(None, pa.string()), ascii_key)
    if pc.all(is_ascii).as_py():
        return ascii_key
    other = _map_distinct(pc.if_else(is_ascii, pa.scalar(None, pa.string()), values), romanize)
    return pc.if_else(is_ascii, ascii_key, other)


def phone_type_arrow(e164: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised :func:`phone_type`."""
    return _map_distinct(e164, phone_type)


def proper_case_arrow(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised :func:`proper_case`."""
    values = _as_array(text).cast(pa.string())
    single_case = pc.or_(
        pc.equal(values, pc.utf8_upper(values)), pc.equal(values, pc.utf8_lower(values))
    )
    return pc.if_else(single_case, pc.utf8_title(values), values)


def normalize_phone_arrow(
    raw: pa.Array | pa.ChunkedArray, default_region: pa.Array | pa.ChunkedArray
) -> pa.Array:
    """Vectorised :func:`normalize_phone`."""
    phones = _as_array(raw).to_pylist()
    regions = _as_array(default_region).to_pylist()
    return pa.array(
        [
            normalize_phone(phone, region) if phone else None
            for phone, region in zip(phones, regions, strict=True)
        ],
        pa.string(),
    )


# name, vectorised function, parameter types: every function returns VARCHAR.
SQL_FUNCTIONS: tuple[tuple[str, Callable[..., pa.Array], tuple[str, ...]], ...] = (
    ("normalize_phone", normalize_phone_arrow, ("VARCHAR", "VARCHAR")),
    ("romanize", romanize_arrow, ("VARCHAR",)),
    ("country_iso2", country_iso2_arrow, ("VARCHAR",)),
    ("proper_case", proper_case_arrow, ("VARCHAR",)),
    ("phone_type", phone_type_arrow, ("VARCHAR",)),
)


def register_udfs(con: duckdb.DuckDBPyConnection) -> None:
    """Make the standardisation functions callable from SQL on ``con``.

    The functions see NULL inputs themselves (``normalize_phone`` must work without a
    region) and are deterministic, so DuckDB may cache and reorder them.
    """
    for name, function, parameters in SQL_FUNCTIONS:
        con.create_function(
            name,
            function,
            list(parameters),
            "VARCHAR",
            type="arrow",
            null_handling="special",
        )
