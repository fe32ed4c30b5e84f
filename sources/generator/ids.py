"""Native record ids in each system's own shape.

Ids are handed out in increasing order with random gaps, the way sequences leave
them; records are shuffled before they get ids, so an id says nothing about who is
behind it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_BASE36 = _BASE62[:36].copy()
_BASE36[10:] += 32  # lower-case letters
_SF_CHECKSUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)
MAX_SAFE_INTEGER = 2**53 - 1


def sequence(rng: np.random.Generator, n: int, start: int, max_gap: int) -> np.ndarray:
    """``n`` increasing integers from about ``start`` with gaps of 1..``max_gap``."""
    return start + np.cumsum(rng.integers(1, max_gap + 1, n, dtype=np.int64))


def _encode(values: np.ndarray, alphabet: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width digits of ``values`` in the given alphabet, as a (n, width) byte array."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64).copy()
    base = len(alphabet)
    for i in range(width - 1, -1, -1):
        out[:, i] = alphabet[rest % base]
        rest //= base
    return out


def _strings(chars: np.ndarray) -> pl.Series:
    width = chars.shape[1]
    raw = np.ascontiguousarray(chars).view(f"S{width}").ravel()
    return pl.Series(raw).cast(pl.String)


def salesforce_ids(rng: np.random.Generator, n: int, key_prefix: str = "003") -> pl.Series:
    """18-character Salesforce ids (``0035g00000AbC12XYZ``): key prefix, pod, a base-62
    counter and the case-checksum suffix Salesforce appends to its 15-character ids."""
    counter = sequence(rng, n, 40_000_000, 60)
    head = np.frombuffer((key_prefix + "5g0000").encode(), np.uint8)
    body = np.hstack([np.broadcast_to(head, (n, len(head))), _encode(counter, _BASE62, 6)])
    upper = (body >= ord("A")) & (body <= ord("Z"))
    suffix = np.empty((n, 3), dtype=np.uint8)
    for chunk in range(3):
        bits = upper[:, chunk * 5 : chunk * 5 + 5].astype(np.int64)
        suffix[:, chunk] = _SF_CHECKSUM[(bits << np.arange(5)).sum(axis=1)]
    return _strings(np.hstack([body, suffix]))


def sap_numbers(values: np.ndarray) -> pl.Series:
    """SAP document / customer numbers: 10 digits, zero-padded."""
    return pl.Series(values).cast(pl.String).str.zfill(10)


def big_integer_ids(rng: np.random.Generator, n: int, start: int) -> np.ndarray:
    """Increasing integer ids from ``start`` that spread up to (never past) 2**53 - 1,
    like Shopify's, so readers must not squeeze them into 32 bits or doubles."""
    max_gap = max(1, (MAX_SAFE_INTEGER - start) // (n + 1))
    return sequence(rng, n, start, max_gap)


def base36_ids(rng: np.random.Generator, n: int, prefix: str, width: int) -> pl.Series:
    """``prefix`` + ``width`` (at most 12) lower-case base-36 characters (``wxid_...``)."""
    counter = sequence(rng, n, int(rng.integers(36 ** (width - 1), 36**width // 4)), 10**6)
    encoded = _strings(_encode(counter, _BASE36, width))
    return pl.select(pl.concat_str([pl.lit(prefix), pl.lit(encoded)])).to_series()


def base62_ids(rng: np.random.Generator, n: int, prefix: str, width: int) -> pl.Series:
    """``prefix`` + ``width`` (at most 10) base-62 characters (LinkedIn-style ids)."""
    counter = sequence(rng, n, int(rng.integers(62 ** (width - 1), 62**width // 4)), 10**9)
    encoded = _strings(_encode(counter, _BASE62, width))
    return pl.select(pl.concat_str([pl.lit(prefix), pl.lit(encoded)])).to_series()
