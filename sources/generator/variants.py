"""Per-record corruption as Polars expressions: typos, transliteration, casing and
weighted choices between renderings.

Every random decision of a record is a uniform draw stored in a column ``u_<name>``
(see :func:`add_draws`). Builders turn draws into renderings with these helpers, so a
record re-rendered from changed person data (an earlier delivery) keeps its style.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import polars as pl

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_FOLD_FROM = ["ä", "ö", "ü", "Ä", "Ö", "Ü", "ß", "é", "è", "ë", "ï", "ç"]
_FOLD_TO = ["ae", "oe", "ue", "Ae", "Oe", "Ue", "ss", "e", "e", "e", "i", "c"]


def add_draws(frame: pl.DataFrame, rng: np.random.Generator, names: Iterable[str]) -> pl.DataFrame:
    """``frame`` with one uniform [0, 1) column ``u_<name>`` per name."""
    n = frame.height
    return frame.with_columns(pl.Series(f"u_{name}", rng.random(n)) for name in names)


def draw(name: str) -> pl.Expr:
    """The uniform draw column ``u_<name>``."""
    return pl.col(f"u_{name}")


def fold_ascii(text: pl.Expr) -> pl.Expr:
    """German and French letters spelt in ASCII, as systems without umlauts store them."""
    return text.str.replace_many(_FOLD_FROM, _FOLD_TO)


def ascii_token(text: pl.Expr) -> pl.Expr:
    """Lower-case ASCII letters and digits only: ``O'Brien`` -> ``obrien``."""
    return fold_ascii(text).str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")


def typo(text: pl.Expr, u: pl.Expr) -> pl.Expr:
    """One slip of the keyboard in ``text``, placed and chosen by the draw ``u``.

    Drops, doubles, swaps or replaces one letter after the first (people rarely get
    the first letter wrong). Strings shorter than three characters are left alone.
    """
    n = text.str.len_chars()
    op = (u * 4).floor()
    rest = u * 4 - op
    pos = (rest * (n - 1)).floor().cast(pl.Int64) + 1
    letter_at = ((rest * (n - 1) - (rest * (n - 1)).floor()) * 26).floor().cast(pl.Int64)
    letter = pl.lit(_ALPHABET).str.slice(letter_at, 1)
    head = text.str.slice(0, pos)
    tail = text.str.slice(pos + 1)
    edited = (
        pl.when(op == 0)
        .then(pl.concat_str([head, tail]))  # drop
        .when(op == 1)
        .then(pl.concat_str([text.str.slice(0, pos + 1), text.str.slice(pos)]))  # double
        .when(op == 2)
        .then(  # swap with the previous letter
            pl.concat_str(
                [text.str.slice(0, pos - 1), text.str.slice(pos, 1), text.str.slice(pos - 1, 1)]
                + [tail]
            )
        )
        .otherwise(pl.concat_str([head, letter, tail]))  # replace
    )
    return pl.when(n >= 3).then(edited).otherwise(text)


def choose(u: pl.Expr, options: Sequence[tuple[float, pl.Expr]]) -> pl.Expr:
    """One of ``options`` (weight, value) per row, picked by the uniform draw ``u``."""
    total = sum(w for w, _ in options)
    chain = None
    edge = 0.0
    for weight, value in options[:-1]:
        edge += weight / total
        chain = pl.when(u < edge).then(value) if chain is None else chain.when(u < edge).then(value)
    last = options[-1][1]
    return last if chain is None else chain.otherwise(last)


def categorical(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """``n`` indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=n, p=w / w.sum()).astype(np.int8)


def maybe(condition: pl.Expr, value: pl.Expr | str, otherwise: pl.Expr | str) -> pl.Expr:
    """``value`` where ``condition`` holds, else ``otherwise`` (column names allowed)."""
    return pl.when(condition).then(value).otherwise(otherwise)


def pick(values: Sequence[str], idx: np.ndarray) -> pl.Series:
    """The strings at positions ``idx`` of ``values``, as a String Series."""
    return pl.Series(list(values), dtype=pl.String).gather(idx)


def pick_random(rng: np.random.Generator, values: Sequence[str], n: int) -> pl.Series:
    """``n`` strings drawn uniformly from ``values``."""
    return pick(values, rng.integers(0, len(values), n))


def null_str() -> pl.Expr:
    """A typed null string literal."""
    return pl.lit(None, pl.String)
