"""Measure matching quality and speed on generated data.

    python bench/match_quality.py --customers 2000 --seed 7

Generates a landing folder for ``--customers`` true customers into a temporary folder,
ingests every entity of ``sources.registry.ENTITIES`` into a fresh DuckDB warehouse,
builds ``staging.int_party_records`` with dbt (``dbt build --selector standardized``,
as the pipeline does), runs ``matching.pipeline.match_parties`` against the ground
truth and prints pairwise precision, recall and F1, overall and per source pair, plus
the seconds each step took.

``--keep DIR`` keeps the landing folder and warehouse in ``DIR``; a later run with
``--keep DIR --reuse`` skips generation, ingest and dbt and only matches again (handy
while tuning ``matching.settings``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

from matching import settings  # noqa: E402
from matching.evaluation import read_truth, source_pair_metrics  # noqa: E402
from matching.pipeline import match_parties  # noqa: E402
from sources.generator import generate  # noqa: E402
from sources.ingest import ingest_entity  # noqa: E402
from sources.registry import ENTITIES  # noqa: E402
from warehouse.config import DBT_PROJECT_DIR, REPO_ROOT  # noqa: E402

TRUTH = "_truth/records.csv"
RUN_ID = "bench-match-quality"


def build_warehouse(landing: Path, warehouse: Path, scratch: Path) -> dict[str, float]:
    """Ingest ``landing`` into ``warehouse`` and build the standardised dbt models."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        for entity in ENTITIES:
            ingest_entity(con, landing, entity, RUN_ID)
    seconds["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    env = os.environ | {"MDM_WAREHOUSE": str(warehouse), "MDM_REPO_ROOT": str(REPO_ROOT)}
    # dbt's target and log folders go to scratch: the repository's own stay untouched.
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--selector",
            "standardized",
            "--profiles-dir",
            ".",
            "--target-path",
            str(scratch / "dbt_target"),
            "--log-path",
            str(scratch / "dbt_logs"),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds["dbt"] = time.perf_counter() - started
    if result.returncode != 0:
        # dbt tests may warn or fail on odd data; the models matter here.
        with duckdb.connect(str(warehouse), read_only=True) as con:
            built = con.execute(
                "select count(*) from information_schema.tables"
                " where table_schema = 'staging' and table_name = 'int_party_records'"
            ).fetchall()[0][0]
        if not built:
            raise RuntimeError(f"dbt build failed:\n{result.stdout}\n{result.stderr}")
        print(f"note: dbt build exited {result.returncode} (tests), int_party_records exists")
    return seconds


def per_source_pair(con: duckdb.DuckDBPyConnection, truth_path: Path) -> pl.DataFrame:
    """Pairwise figures per source pair (``matching.evaluation.source_pair_metrics``) of
    the clusters in ``mdm_build.customer_xref``."""
    clusters = con.sql(
        "select source_system || '|' || source_record_id as record_key,"
        " golden_id as cluster_id from mdm_build.customer_xref"
    ).pl()
    return source_pair_metrics(clusters, read_truth(truth_path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--deliveries", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="folder to keep landing data and warehouse in")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: match the kept warehouse again"
    )
    args = parser.parse_args(argv)
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep")

    with tempfile.TemporaryDirectory(prefix="mdm-match-quality-") as tmp:
        scratch = Path(tmp)
        root = args.keep or scratch
        root.mkdir(parents=True, exist_ok=True)
        landing, warehouse = root / "landing", root / "warehouse.duckdb"
        seconds: dict[str, float] = {}
        if not (args.reuse and warehouse.is_file()):
            warehouse.unlink(missing_ok=True)
            started = time.perf_counter()
            summary = generate(landing, args.customers, seed=args.seed, deliveries=args.deliveries)
            seconds["generate"] = time.perf_counter() - started
            print(f"generated {summary.people:,} customers, {summary.party_records:,} records")
            seconds |= build_warehouse(landing, warehouse, scratch)

        with duckdb.connect(str(warehouse)) as con:
            started = time.perf_counter()
            report = match_parties(con, RUN_ID, truth_path=landing / TRUTH, retrain=True)
            seconds["match"] = time.perf_counter() - started
            pairs = per_source_pair(con, landing / TRUTH)

    m = report.metrics or {}
    trained = report.records >= settings.MIN_RECORDS_FOR_TRAINING
    print(
        f"customers {args.customers:,}  seed {args.seed}  records {report.records:,}"
        f"  pairs scored {report.pairs_scored:,}  u trained {trained}"
    )
    nan = float("nan")
    print(
        f"precision {m.get('precision', nan):.4f}  recall {m.get('recall', nan):.4f}"
        f"  F1 {m.get('f1', nan):.4f}"
        f"  (true pairs {m.get('true_positive_pairs', 0):,.0f} of {m.get('true_pairs', 0):,.0f},"
        f" predicted {m.get('predicted_pairs', 0):,.0f})"
    )
    print(f"{'source pair':<22}{'true':>9}{'predicted':>11}{'correct':>9}{'prec':>8}{'recall':>8}")
    for row in pairs.iter_rows(named=True):
        print(
            f"{row['source_l'] + '-' + row['source_r']:<22}{row['true_pairs']:>9,}"
            f"{row['predicted_pairs']:>11,}{row['true_positive_pairs']:>9,}"
            f"{row['precision']:>8.3f}{row['recall']:>8.3f}"
        )
    timing = "  ".join(f"{k} {v:.1f}s" for k, v in seconds.items())
    print(
        f"seconds: {timing}  (match: train {report.seconds_train:.1f}"
        f" predict {report.seconds_predict:.1f} cluster {report.seconds_cluster:.1f})"
    )


if __name__ == "__main__":
    main()
