"""Which persons each source knows, and what each source record starts from.

A person appears in one to four sources (most in one or two), sometimes twice in the
same source (a duplicate account), and on one to three social platforms. A *record
view* is the person's row as one source record sees it: the previous address or mobile
where the source was never told about a change, plus the record's own timestamps.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from sources.generator import settings
from sources.generator.addresses import ADDRESS_COLUMNS
from sources.generator.phones import PARTS

PLATFORMS = ("wechat", "weibo", "x", "linkedin")
# Source records are created between these dates and last changed before the end.
RECORD_PERIOD = (dt.datetime(2016, 1, 1), dt.datetime(2025, 6, 30))
LAST_CHANGE = dt.datetime(2025, 10, 31, 23, 59)
LAST_CHANGE_TS = int(LAST_CHANGE.replace(tzinfo=dt.UTC).timestamp())
MEAN_DAYS_TO_CHANGE = 180


def _top_k(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row, a boolean mask of ``k`` columns drawn by weight without replacement."""
    keys = rng.random(weights.shape) ** (1.0 / weights)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return rank < k[:, None]


def _with_duplicates(rng: np.random.Generator, pids: np.ndarray, rate: float) -> pl.DataFrame:
    dup = pids[rng.random(len(pids)) < rate]
    frame = pl.DataFrame(
        {
            "pid": np.concatenate([pids, dup]),
            "duplicate": np.concatenate([np.zeros(len(pids), bool), np.ones(len(dup), bool)]),
        }
    )
    return frame[rng.permutation(frame.height)]


def assign_sources(rng: np.random.Generator, people: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Per source, one row per source record: ``pid`` (row in ``people``), ``duplicate``
    and, for social, ``platform``. Rows are in random order, ready to receive ids."""
    n = people.height
    count = 1 + rng.choice(4, size=n, p=np.asarray(settings.SOURCE_COUNT_WEIGHTS))
    affinity = np.asarray([settings.SOURCE_AFFINITY[s] for s in settings.SOURCES])
    member = _top_k(rng, np.broadcast_to(affinity, (n, 4)), count)
    out: dict[str, pl.DataFrame] = {}
    for j, source in enumerate(settings.SOURCES):
        pids = np.flatnonzero(member[:, j])
        if source == "social":
            out[source] = _platforms(rng, people, pids)
        else:
            out[source] = _with_duplicates(rng, pids, settings.DUPLICATE_RATE[source])
    return out


def _platforms(rng: np.random.Generator, people: pl.DataFrame, pids: np.ndarray) -> pl.DataFrame:
    is_cn = people["is_cn"].to_numpy()[pids]
    cn = np.asarray([settings.PLATFORM_WEIGHTS_CN[p] for p in PLATFORMS])
    west = np.asarray([settings.PLATFORM_WEIGHTS_WEST[p] for p in PLATFORMS])
    weights = np.where(is_cn[:, None], cn, west)
    count = 1 + rng.choice(3, size=len(pids), p=np.asarray(settings.EXTRA_PLATFORM_WEIGHTS))
    on = _top_k(rng, weights, count)
    rows, cols = np.nonzero(on)
    frame = pl.DataFrame(
        {
            "pid": pids[rows],
            "duplicate": np.zeros(len(rows), bool),
            "platform": np.asarray(PLATFORMS)[cols],
        }
    )
    return frame[rng.permutation(frame.height)]


def _timestamps(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = (int(t.replace(tzinfo=dt.UTC).timestamp()) for t in RECORD_PERIOD)
    created = rng.integers(start, end, n)
    modified = created + (rng.exponential(MEAN_DAYS_TO_CHANGE, n) * 86400).astype(np.int64)
    return created, np.minimum(modified, LAST_CHANGE_TS)


def record_view(
    rng: np.random.Generator,
    parties: pl.DataFrame,
    records: pl.DataFrame,
    source: str,
    current_address: np.ndarray,
    current_mobile: np.ndarray,
    stale: settings.StaleRates,
) -> pl.DataFrame:
    """The party (a row of ``parties``: persons or companies) behind each record, as
    that record knows them.

    ``current_address`` / ``current_mobile`` mark records that must hold the current
    values (their earlier version will hold the previous ones). ``stale`` says how often
    the others hold the previous ones anyway.
    """
    n = records.height
    view = parties[records["pid"]].hstack(records)
    dup = records["duplicate"].to_numpy()
    stale_rate = np.where(dup, stale.duplicate, stale.address[source])
    stale_address = (rng.random(n) < stale_rate) & ~current_address
    stale_rate = np.where(dup, stale.duplicate, stale.mobile[source])
    stale_mobile = (rng.random(n) < stale_rate) & ~current_mobile
    stale_mobile &= parties["prev_mobile_a"].is_not_null().to_numpy()[records["pid"].to_numpy()]
    created, modified = _timestamps(rng, n)
    a = pl.Series(stale_address)
    m = pl.Series(stale_mobile)
    return view.with_columns(
        [
            pl.when(a).then(pl.col(f"prev_{c}")).otherwise(pl.col(c)).alias(c)
            for c in ADDRESS_COLUMNS
        ]
        + [
            pl.when(m)
            .then(pl.col(f"prev_mobile_{p}"))
            .otherwise(pl.col(f"mobile_{p}"))
            .alias(f"mobile_{p}")
            for p in PARTS
        ]
        + [
            pl.Series("created_ts", created),
            pl.Series("modified_ts", modified),
            pl.lit(False).alias("force_typo"),
            pl.lit(False).alias("force_delete"),
        ]
    )
