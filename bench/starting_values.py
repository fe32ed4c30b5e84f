"""Measure the m and u of every comparison level on labelled generated data.

    python bench/starting_values.py --keep DIR        # DIR from bench/match_quality.py --keep

``matching.settings.STARTING_M_U`` holds starting m and u per level, measured this way:
m is the share of true pairs (records of one person, from ``_truth/``) that reach each
level, u the share of random record pairs. Both are read from Splink's own comparison
vectors: the pairs are registered as Splink's blocked pairs and scored with every
intermediate column kept, so the levels are exactly the model's. Prints one line per
comparison with the two lists, ready to compare with (or paste into) the settings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
from splink import Linker  # noqa: E402

from matching import settings  # noqa: E402
from matching.evaluation import read_truth  # noqa: E402
from matching.model import MatchSession  # noqa: E402

TRUTH = "landing/_truth/records.csv"


def level_shares(session: MatchSession, pairs_sql: str) -> dict[str, dict[int, float]]:
    """Share of the pairs of ``pairs_sql`` (``record_key_l, record_key_r``) per
    comparison and comparison vector value."""
    con = session.con
    con.execute(
        "create or replace table __mdm_match_sv_pairs as select '0' as match_key, "
        f"record_key_l as join_key_l, record_key_r as join_key_r from ({pairs_sql})"
    )
    model = settings.settings_creator().get_settings("duckdb").as_dict()
    model["retain_intermediate_calculation_columns"] = True
    linker = Linker(session._features, model, log_level=None)
    session._register_name_frequencies(linker)
    linker.table_management.register_blocked_pairs_for_predict(
        session._db_api.register("__mdm_match_sv_pairs")
    )
    # gamma columns are only kept in training mode or with the matching columns
    linker._settings_obj._retain_matching_columns = True
    scored = linker.inference.predict(warning_mode="never").physical_name
    shares: dict[str, dict[int, float]] = {}
    for comparison in linker._settings_obj.comparisons:
        gamma = comparison._gamma_column_name
        rows = con.execute(
            # shares among the pairs the comparison can say something about: the null
            # level (-1) is left out, as in Splink's m and u
            f"select {gamma}, count(*) / sum(count(*)) over () from {scored} "
            f"where {gamma} >= 0 group by 1"
        ).fetchall()
        shares[comparison.output_column_name] = {int(g): float(s) for g, s in rows}
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", required=True, type=Path, help="the DIR of bench/match_quality.py --keep DIR"
    )
    parser.add_argument("--random-pairs", type=int, default=2_000_000)
    args = parser.parse_args()
    with duckdb.connect(str(args.keep / "warehouse.duckdb")) as con:
        truth = read_truth(args.keep / TRUTH)
        con.register("__mdm_match_sv_truth", truth)
        with MatchSession(con) as session:
            session.prepare()
            true_pairs = """
                select a.record_key as record_key_l, b.record_key as record_key_r
                from __mdm_match_sv_truth as a
                join __mdm_match_sv_truth as b
                    on a.person_id = b.person_id and a.record_key < b.record_key
                join __mdm_match_features as fa on fa.record_key = a.record_key
                join __mdm_match_features as fb on fb.record_key = b.record_key
            """
            m = level_shares(session, true_pairs)
            random_pairs = f"""
                with keys as (
                    select record_key, row_number() over (order by hash(record_key)) as i,
                        count(*) over () as n
                    from __mdm_match_features
                ),
                draws as (
                    select
                        1 + (hash(g, 1) % n) as a, 1 + (hash(g, 2) % n) as b
                    from range({args.random_pairs}) as t(g), (select max(n) as n from keys)
                )
                select ka.record_key as record_key_l, kb.record_key as record_key_r
                from draws
                join keys as ka on ka.i = draws.a
                join keys as kb on kb.i = draws.b
                where ka.record_key < kb.record_key
            """
            u = level_shares(session, random_pairs)
    for name in m:
        values = sorted(set(m[name]) | set(u[name]), reverse=True)
        print(f"{name}:")
        print("  m", [round(m[name].get(v, 0.0), 4) for v in values])
        print("  u", [float(f"{u[name].get(v, 0.0):.2g}") for v in values])


if __name__ == "__main__":
    main()
