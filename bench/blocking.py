"""Blocking analysis: how many true pairs the prediction blocking rules compare, at what cost.

    python bench/blocking.py --customers 20000 --seed 42
    python bench/blocking.py --customers 20000 --candidates   # also try CANDIDATE_RULES

Generates a landing folder for ``--customers`` true customers, ingests it and builds
``staging.int_party_records`` with dbt exactly as ``bench/match_quality.py`` does, builds
the matching feature table (``matching.model.MatchSession.prepare``) and prints, for every
rule of ``settings.prediction_blocking_rules()`` in order:

* the comparisons it adds (Splink's ``count_comparisons_from_blocking_rules``, exact: a
  pair proposed by an earlier rule is counted there only),
* the true pairs it newly covers (the pairs Splink blocks for prediction, joined to the
  ground truth ``_truth/records.csv``),
* the cumulative share of all true pairs compared.

A true pair is a pair of records of one person; the target is that at least
``TARGET_COMPARED`` of them are compared. Pairwise recall can also reach a pair that is
never compared, through other records of the person, so the share of true pairs whose
records are *connected* by compared true pairs (the recall ceiling of clustering) is
printed too.

The true pairs no rule compares are then described: per source pair, which evidence the
two records share (a candidate rule's key, only a weak attribute such as the city or a
given name, or nothing at all: the hard ceiling of any blocking), and examples with their
feature values side by side. ``--candidates`` appends ``CANDIDATE_RULES`` after the
current rules and prints what each would add in comparisons and true pairs.

``--keep DIR`` keeps the landing folder and warehouse; ``--keep DIR --reuse`` analyses the
kept warehouse again without generating or building (handy while editing the rules).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
from splink import DuckDBAPI, Linker  # noqa: E402
from splink.blocking_analysis import count_comparisons_from_blocking_rules  # noqa: E402
from splink.blocking_rule_library import CustomRule  # noqa: E402
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator  # noqa: E402

from bench.match_quality import build_warehouse  # noqa: E402
from matching import settings  # noqa: E402
from matching.evaluation import read_truth  # noqa: E402
from matching.model import FEATURES_TABLE, MatchSession  # noqa: E402
from sources.generator import generate  # noqa: E402

TRUTH = "_truth/records.csv"
TARGET_COMPARED = 0.99
# Work tables carry the matching prefix, so MatchSession.close drops them with its own.
TRUE_PAIRS_TABLE = f"{settings.WORK_TABLE_PREFIX}bench_true_pairs"
COVERED_TABLE = f"{settings.WORK_TABLE_PREFIX}bench_covered"


# --- keys that may link a missed pair ---------------------------------------------------


def _letters(side: str, column: str) -> str:
    return f"replace({side}.{column}, ' ', '')"


def _given(side: str) -> str:
    # the given name, or a display name of one word ("Graham")
    return f"coalesce({side}.first_name_norm, {side}.name_single)"


def _both_ways(sql: str) -> tuple[str, str]:
    """``sql`` on the pair (l, r) and with l and r swapped: Splink proposes a pair only in
    the orientation ``l.record_key < r.record_key``, so a rule that is not symmetric
    needs its mirror image."""
    mirrored = sql.replace("l.", "\0").replace("r.", "l.").replace("\0", "r.")
    return sql, mirrored


def _candidate_rules() -> dict[str, str]:
    """Rules ``--candidates`` tries after the current ones, by name.

    What the missed pairs still share, from cheap to dear: a profile's handle spelling
    the name of another profile, a handle or e-mail local part that is the other's given
    name (in the same city), the given name or surname in the same city or at the same
    employer, the street; and the handle-against-e-mail letters rule that was dropped
    from ``settings.prediction_blocking_rules`` for its cost, to keep it measured.
    """
    one_way = {
        "e-mail letters = the other's handle letters": "l.email_alpha = r.handle_alpha",
        "handle letters = given name, same city": (
            f"l.handle_alpha = {_given('r')} and l.city_norm = r.city_norm"
        ),
        "e-mail letters = given name, same city": (
            f"l.email_alpha = {_given('r')} and l.city_norm = r.city_norm"
        ),
    }
    # symmetric, or (the first) the mirror image of a rule already in the settings
    as_is = {
        "handle letters = the other's name letters": (
            "l.spelled_key = r.name_letters and l.handle is not null"
        ),
        "surname, same postal code": (
            "l.last_name_norm = r.last_name_norm and l.postal_code = r.postal_code"
        ),
        "street and postal code": "l.street_norm = r.street_norm and l.postal_code = r.postal_code",
        "given name, same employer": (
            f"{_given('l')} = {_given('r')} and l.company_norm = r.company_norm"
        ),
        "surname, same employer": (
            "l.last_name_norm = r.last_name_norm and l.company_norm = r.company_norm"
        ),
        "given name, same city": f"{_given('l')} = {_given('r')} and l.city_norm = r.city_norm",
        "surname, same city": "l.last_name_norm = r.last_name_norm and l.city_norm = r.city_norm",
        "street": "l.street_norm = r.street_norm",
    }
    rules: dict[str, str] = {}
    for name, sql in one_way.items():
        rules[name], rules[f"{name} (mirrored)"] = _both_ways(sql)
    return rules | as_is


CANDIDATE_RULES = _candidate_rules()

# Evidence a missed pair may still share, weakest last: no affordable rule can use these
# alone (a city, a given name or a surname pairs a record with thousands at a million).
WEAK_EVIDENCE: dict[str, str] = {
    "same surname": "l.last_name_norm = r.last_name_norm",
    "a given name in common (nicknames too)": "list_has_any(l.given_keys, r.given_keys)",
    "a name word in common": (
        "list_has_any(string_split(l.name_tokens, ' '), string_split(r.name_tokens, ' '))"
    ),
    "surname inside the other's handle or e-mail": " or ".join(
        f"(len({a}.last_name_norm) >= 3 and contains({b}.{col}, {_letters(a, 'last_name_norm')}))"
        for a, b in (("l", "r"), ("r", "l"))
        for col in ("handle_alpha", "email_alpha")
    ),
    "given name inside the other's handle or e-mail": " or ".join(
        f"(len({_given(a)}) >= 3 and contains({b}.{col}, {_given(a)}))"
        for a, b in (("l", "r"), ("r", "l"))
        for col in ("handle_alpha", "email_alpha")
    ),
    "same birth date": "l.birth_date = r.birth_date",
    "same postal code": "l.postal_code = r.postal_code",
    "same street": "l.street_norm = r.street_norm",
    "same city": "l.city_norm = r.city_norm",
    "same employer": "l.company_norm = r.company_norm",
}


# --- analysis -------------------------------------------------------------------------


@dataclass
class RuleRow:
    """One blocking rule's cost and yield, in rule order."""

    rule: str
    comparisons: int
    cumulative_comparisons: int
    true_pairs: int
    cumulative_true_pairs: int


def rule_sql(rule: Any) -> str:
    """The SQL of a blocking rule as Splink writes it (``l.x = r.x``)."""
    return to_blocking_rule_creator(rule).get_blocking_rule("duckdb").blocking_rule_sql


def build_true_pairs(con: duckdb.DuckDBPyConnection, truth_path: Path) -> int:
    """Write every pair of records of one person (oriented ``l < r`` as Splink does) to
    ``TRUE_PAIRS_TABLE``; return how many there are."""
    truth = read_truth(truth_path)
    con.register("__bench_truth", truth)
    try:
        con.execute(
            f"""
            create or replace table {TRUE_PAIRS_TABLE} as
            with t as (
                select t.record_key, t.person_id
                from __bench_truth as t
                join {FEATURES_TABLE} as f using (record_key)
            )
            select a.record_key as key_l, b.record_key as key_r, a.person_id
            from t as a join t as b
                on a.person_id = b.person_id and a.record_key < b.record_key
            """
        )
    finally:
        con.unregister("__bench_truth")
    return int(con.execute(f"select count(*) from {TRUE_PAIRS_TABLE}").fetchall()[0][0])


def analyse_rules(
    con: duckdb.DuckDBPyConnection, rules: list[Any], total_true: int
) -> tuple[list[RuleRow], float]:
    """Cost and yield per rule; leaves ``COVERED_TABLE`` (each true pair with the first
    rule that compares it, null when none does). Returns the rows and blocking seconds."""
    db_api = DuckDBAPI(connection=con)
    features = db_api.register(FEATURES_TABLE)
    counts = count_comparisons_from_blocking_rules(
        features,
        blocking_rules=rules,
        link_type="dedupe_only",
        unique_id_column_name=settings.UNIQUE_ID_COLUMN,
        record_sample_proportion=1.0,
    )

    creator = settings.settings_creator()
    creator.blocking_rules_to_generate_predictions = rules
    linker = Linker(features, creator, log_level=None)
    started = time.perf_counter()
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    seconds = time.perf_counter() - started
    con.execute(
        f"""
        create or replace table {COVERED_TABLE} as
        select t.*, cast(b.match_key as integer) as rule_index
        from {TRUE_PAIRS_TABLE} as t
        left join {blocked.physical_name} as b
            on b.join_key_l = t.key_l and b.join_key_r = t.key_r
        """
    )
    per_rule = dict(
        con.execute(
            f"select rule_index, count(*) from {COVERED_TABLE}"
            " where rule_index is not null group by 1"
        ).fetchall()
    )
    blocked_total = int(
        con.execute(f"select count(*) from {blocked.physical_name}").fetchall()[0][0]
    )
    blocked.drop_table_from_database_and_remove_from_cache()

    rows: list[RuleRow] = []
    cumulative = 0
    for index, record in enumerate(counts):
        cumulative += per_rule.get(index, 0)
        rows.append(
            RuleRow(
                rule=rule_sql(rules[index]),
                comparisons=int(record["marginal_comparison_count"]),
                cumulative_comparisons=int(record["cumulative_comparison_count"]),
                true_pairs=per_rule.get(index, 0),
                cumulative_true_pairs=cumulative,
            )
        )
    if rows and rows[-1].cumulative_comparisons != blocked_total:
        print(
            f"note: blocking analysis counts {rows[-1].cumulative_comparisons:,} comparisons,"
            f" prediction blocking {blocked_total:,}"
        )
    return rows, seconds


def connected_share(con: duckdb.DuckDBPyConnection, total_true: int) -> float:
    """Share of true pairs whose two records are connected through compared true pairs
    of the same person (what clustering could reach at best)."""
    edges = con.sql(
        f"select key_l, key_r from {COVERED_TABLE} where rule_index is not null"
    ).fetchall()
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:
            parent[node], node = root, parent[node]
        return root

    for left, right in edges:
        a, b = find(left), find(right)
        if a != b:
            parent[a] = b
    groups = (
        con.sql(f"select key_l, key_r from {TRUE_PAIRS_TABLE}")
        .pl()
        .select(
            pl.col("key_l").map_elements(find, return_dtype=pl.String).alias("a"),
            pl.col("key_r").map_elements(find, return_dtype=pl.String).alias("b"),
        )
    )
    reachable = groups.filter(pl.col("a") == pl.col("b")).height
    return reachable / total_true if total_true else 1.0


def _missed_pairs_sql(select: str) -> str:
    return f"""
        select {select}
        from {COVERED_TABLE} as c
        join {FEATURES_TABLE} as l on l.record_key = c.key_l
        join {FEATURES_TABLE} as r on r.record_key = c.key_r
        where c.rule_index is null
    """


def missed_evidence(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per missed true pair: its source pair and, per candidate rule and weak
    evidence, whether the pair shares it."""
    flags = [f'coalesce(({sql}), false) as "cand:{name}"' for name, sql in CANDIDATE_RULES.items()]
    flags += [f'coalesce(({sql}), false) as "weak:{name}"' for name, sql in WEAK_EVIDENCE.items()]
    return con.sql(
        _missed_pairs_sql(
            "least(l.source_system, r.source_system) || '-' ||"
            " greatest(l.source_system, r.source_system) as source_pair, " + ", ".join(flags)
        )
    ).pl()


def print_examples(con: duckdb.DuckDBPyConnection, count: int, seed: int) -> None:
    """``count`` missed pairs, their non-null feature values side by side."""
    columns = [c for c in con.sql(f"select * from {FEATURES_TABLE} limit 0").columns]
    select = ", ".join(
        [f'l."{c}" as "l:{c}"' for c in columns] + [f'r."{c}" as "r:{c}"' for c in columns]
    )
    missed = con.sql(_missed_pairs_sql(select)).pl()
    if missed.height == 0:
        return
    for row in missed.sample(min(count, missed.height), seed=seed).iter_rows(named=True):
        print("  " + "-" * 98)
        for column in columns:
            left, right = row[f"l:{column}"], row[f"r:{column}"]
            if left is None and right is None:
                continue
            print(f"  {column:<16} {_shown(left):<41} {_shown(right)}")


def _shown(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def print_rules(rows: list[RuleRow], total_true: int, first_index: int = 0) -> None:
    print(
        f"{'#':>3}  {'rule':<58}{'comparisons':>12}{'cumulative':>12}"
        f"{'true pairs':>11}{'compared':>10}"
    )
    for index, row in enumerate(rows[first_index:], start=first_index):
        rule = row.rule if len(row.rule) <= 57 else row.rule[:56] + "…"
        print(
            f"{index:>3}  {rule:<58}{row.comparisons:>12,}{row.cumulative_comparisons:>12,}"
            f"{row.true_pairs:>11,}{row.cumulative_true_pairs / total_true:>10.2%}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="folder to keep landing data and warehouse in")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: analyse the kept warehouse again"
    )
    parser.add_argument("--examples", type=int, default=12, help="missed pairs to show")
    parser.add_argument(
        "--candidates", action="store_true", help="also try CANDIDATE_RULES after the current"
    )
    args = parser.parse_args(argv)
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep")

    with tempfile.TemporaryDirectory(prefix="mdm-blocking-") as tmp:
        scratch = Path(tmp)
        root = args.keep or scratch
        root.mkdir(parents=True, exist_ok=True)
        landing, warehouse = root / "landing", root / "warehouse.duckdb"
        if not (args.reuse and warehouse.is_file()):
            warehouse.unlink(missing_ok=True)
            summary = generate(landing, args.customers, seed=args.seed)
            print(f"generated {summary.people:,} customers, {summary.party_records:,} records")
            build_warehouse(landing, warehouse, scratch)

        with duckdb.connect(str(warehouse)) as con, MatchSession(con) as session:
            session.prepare()
            report(con, session.records, landing / TRUTH, args)


def report(
    con: duckdb.DuckDBPyConnection, records: int, truth_path: Path, args: argparse.Namespace
) -> None:
    """Print the per-rule table, the coverage, the missed pairs and (optionally) the
    candidates."""
    total_true = build_true_pairs(con, truth_path)
    rules = settings.prediction_blocking_rules()
    rows, seconds = analyse_rules(con, rules, total_true)
    compared = rows[-1].cumulative_true_pairs if rows else 0
    share = compared / total_true if total_true else 1.0
    print(
        f"\ncustomers {args.customers:,}  seed {args.seed}  records {records:,}"
        f"  true pairs {total_true:,}  all pairs {records * (records - 1) // 2:,}"
    )
    print(f"\nprediction blocking rules (settings.prediction_blocking_rules), {seconds:.1f} s:")
    print_rules(rows, total_true)
    connected = connected_share(con, total_true)
    print(
        f"\ntrue pairs compared: {compared:,} of {total_true:,} = {share:.2%}"
        f"  (target {TARGET_COMPARED:.0%}: {'met' if share >= TARGET_COMPARED else 'MISSED'})"
        f"\ntrue pairs connected through compared true pairs (clustering's ceiling): "
        f"{connected:.2%}"
        f"\ncomparisons: {rows[-1].cumulative_comparisons if rows else 0:,}"
    )

    missed = missed_evidence(con)
    cand = [c for c in missed.columns if c.startswith("cand:")]
    weak = [c for c in missed.columns if c.startswith("weak:")]
    has_cand = pl.any_horizontal(cand) if cand else pl.lit(False)
    has_weak = pl.any_horizontal(weak) if weak else pl.lit(False)
    classes = missed.select(
        pl.col("source_pair"),
        pl.when(has_cand)
        .then(pl.lit("a candidate rule's key"))
        .when(has_weak)
        .then(pl.lit("only weak evidence"))
        .otherwise(pl.lit("no shared evidence"))
        .alias("evidence"),
    )
    print(f"\ntrue pairs not compared: {missed.height:,} ({missed.height / total_true:.2%})")
    print("  by what the two records share:")
    for evidence in ("a candidate rule's key", "only weak evidence", "no shared evidence"):
        n = classes.filter(pl.col("evidence") == evidence).height
        print(f"    {evidence:<28}{n:>8,}  {n / total_true:>7.2%} of all true pairs")
    none_share = classes.filter(pl.col("evidence") == "no shared evidence").height / total_true
    print(
        f"  ceiling of any blocking rule (an equi-join needs one shared value): "
        f"{1 - none_share:.2%}; only a Cartesian product would compare the rest"
    )
    print("  by source pair:")
    table = (
        classes.group_by("source_pair", "evidence")
        .len()
        .pivot("evidence", index="source_pair", values="len")
        .fill_null(0)
    )
    table = table.with_columns(total=pl.sum_horizontal(pl.exclude("source_pair"))).sort(
        "total", descending=True
    )
    for row in table.iter_rows(named=True):
        detail = ", ".join(
            f"{k} {v:,}" for k, v in row.items() if k not in ("source_pair", "total")
        )
        print(f"    {row['source_pair']:<22}{row['total']:>7,}  ({detail})")
    print("  shared evidence (a pair may share several):")
    for column in cand + weak:
        n = int(missed[column].sum())
        if n:
            print(f"    {column.split(':', 1)[1]:<58}{n:>7,}")

    if args.examples:
        print(f"\nexamples of true pairs not compared ({args.examples}):")
        print_examples(con, args.examples, args.seed)

    if args.candidates:
        extended = rules + [CustomRule(sql) for sql in CANDIDATE_RULES.values()]
        rows, seconds = analyse_rules(con, extended, total_true)
        names = list(CANDIDATE_RULES)
        for row, name in zip(rows[len(rules) :], names, strict=True):
            row.rule = name
        print(f"\ncandidate rules after the current ones ({seconds:.1f} s blocking):")
        print_rules(rows, total_true, first_index=len(rules))
        print(
            f"  with all candidates: {rows[-1].cumulative_true_pairs / total_true:.2%} compared,"
            f" {connected_share(con, total_true):.2%} connected,"
            f" {rows[-1].cumulative_comparisons:,} comparisons"
        )


if __name__ == "__main__":
    main()
