"""The review queue: the pairs a data steward should look at first, and why they scored
as they did.

A pair goes to the queue when its match probability falls in the grey band
``settings.REVIEW_BAND`` (neither clearly the same customer nor clearly not) and no
steward has decided it yet. Each entry says what deciding it would change:

* ``possible_merge`` -- the records sit in different golden records; a must-link would
  merge the two (``records_affected`` = the records of both);
* ``possible_split`` -- the records share a golden record although the pair is
  doubtful; a cannot-link would split it (``records_affected`` = the records of that
  golden record). A cluster held together by a weak link shows up this way.

The queue is ordered by ``priority`` = ``records_affected * 4 p (1 - p)``: the records a
decision touches, times how undecided the model is (1 at p = 0.5, falling to 0 at 0 and
1). ``explanation`` holds the waterfall of the pair's match weight: the prior, then per
comparison the level the pair reached, its weight and its term-frequency adjustment.
``review_id`` is a hash of the two records, so an entry keeps its id across runs.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from matching import settings
from matching.model import MatchSession

REVIEW_PAIRS_TABLE = f"{settings.WORK_TABLE_PREFIX}review_pairs"


def build_review_queue(
    session: MatchSession,
    predictions: str,
    golden_ids: pl.DataFrame,
    steward_decided: pl.DataFrame,
    *,
    band: tuple[float, float],
    run_id: str,
    model_version: int | None,
    now: datetime,
) -> str:
    """Create the queue as a work table and return its name.

    Args:
        session: the session that scored ``predictions`` (its model explains the pairs).
        predictions: Splink's predictions table (``record_key_l, record_key_r,
            match_probability``).
        golden_ids: ``record_key, golden_id`` of every record after this run.
        steward_decided: ``record_key_l, record_key_r`` of pairs a steward decided (either
            orientation); they are not queued again.
        band: ``(lower, upper)``; pairs with ``lower <= p < upper`` are queued.
    """
    lower, upper = band
    if not 0.0 <= lower < upper <= 1.0:
        raise ValueError(f"review band must satisfy 0 <= lower < upper <= 1, got {band}")
    con = session.con
    con.register("__mdm_match_review_golden", golden_ids.select("record_key", "golden_id"))
    con.register(
        "__mdm_match_review_decided", steward_decided.select("record_key_l", "record_key_r")
    )
    try:
        con.execute(
            f"""
            create or replace table {REVIEW_PAIRS_TABLE} as
            select p.record_key_l, p.record_key_r
            from {predictions} as p
            anti join __mdm_match_review_decided as d
                on (d.record_key_l = p.record_key_l and d.record_key_r = p.record_key_r)
                or (d.record_key_l = p.record_key_r and d.record_key_r = p.record_key_l)
            where p.match_probability >= {lower} and p.match_probability < {upper}
            """
        )
        explained = session.explain_pairs(REVIEW_PAIRS_TABLE)
        queue = f"{settings.WORK_TABLE_PREFIX}review_queue"
        con.execute(
            f"""
            create or replace table {queue} as
            with sizes as (
                select golden_id, count(*) as records
                from __mdm_match_review_golden group by golden_id
            ),
            entries as (
                select
                    e.*,
                    gl.golden_id as golden_id_l,
                    gr.golden_id as golden_id_r,
                    case when gl.golden_id = gr.golden_id
                        then 'possible_split' else 'possible_merge' end as kind,
                    case when gl.golden_id = gr.golden_id then sl.records
                        else sl.records + sr.records end as records_affected
                from {explained} as e
                join __mdm_match_review_golden as gl on gl.record_key = e.record_key_l
                join __mdm_match_review_golden as gr on gr.record_key = e.record_key_r
                join sizes as sl on sl.golden_id = gl.golden_id
                join sizes as sr on sr.golden_id = gr.golden_id
            )
            select
                md5(record_key_l || chr(0) || record_key_r) as review_id,
                kind,
                split_part(record_key_l, '|', 1) as source_system_l,
                substr(record_key_l, strpos(record_key_l, '|') + 1) as source_record_id_l,
                split_part(record_key_r, '|', 1) as source_system_r,
                substr(record_key_r, strpos(record_key_r, '|') + 1) as source_record_id_r,
                golden_id_l,
                golden_id_r,
                match_probability,
                match_weight,
                records_affected,
                records_affected * 4 * match_probability * (1 - match_probability)
                    as priority,
                explanation,
                ?::timestamp as queued_at,
                ?::varchar as run_id,
                ?::integer as model_version
            from entries
            order by priority desc, abs(match_probability - 0.5), review_id
            """,
            [now, run_id, model_version],
        )
    finally:
        con.unregister("__mdm_match_review_golden")
        con.unregister("__mdm_match_review_decided")
    return queue


def empty_queue_sql() -> str:
    """A SELECT of no rows with the queue's columns (for runs with nothing to score)."""
    return """
        select
            null::varchar as review_id,
            null::varchar as kind,
            null::varchar as source_system_l,
            null::varchar as source_record_id_l,
            null::varchar as source_system_r,
            null::varchar as source_record_id_r,
            null::varchar as golden_id_l,
            null::varchar as golden_id_r,
            null::double as match_probability,
            null::double as match_weight,
            null::bigint as records_affected,
            null::double as priority,
            null::struct(
                comparison varchar, level varchar, match_weight double,
                tf_adjustment double
            )[] as explanation,
            null::timestamp as queued_at,
            null::varchar as run_id,
            null::integer as model_version
        where false
    """
