"""The quality dashboard in text: each source's dimensions over the last runs.

Reads what the gates stored (``quality.gate_results``): for every run, source system and
dimension the lowest measured share among that dimension's expectations (the one that
decides whether the gate holds), against the threshold it was held to. ``mdm quality``
prints it; the same query serves any BI tool pointed at the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse.layout import table_exists


@dataclass(frozen=True)
class DimensionScore:
    run_id: str
    checked_at: datetime
    source_system: str
    dimension: str
    measured: float | None
    threshold: float
    passed: bool
    worst_expectation: str


@dataclass(frozen=True)
class GateFailure:
    run_id: str
    suite: str
    expectation: str
    measured: float | None
    threshold: float | None


def dimension_scores(con: duckdb.DuckDBPyConnection, runs: int = 5) -> list[DimensionScore]:
    """Per run (the ``runs`` latest), source system and dimension: the lowest measured share
    and its threshold. Suites of no single source (golden records, xref) count as ``all``."""
    if not table_exists(con, "quality", "gate_results"):
        return []
    rows = con.execute(
        """
        with latest_runs as (
            select run_id, max(checked_at) as checked_at
            from quality.gate_results
            group by run_id
            order by checked_at desc
            limit ?
        ),
        measured as (
            select
                results.run_id,
                latest_runs.checked_at,
                coalesce(results.source_system, 'all') as source_system,
                results.dimension,
                results.observed_value,
                results.threshold,
                results.success,
                results.suite || ': ' || results.expectation as expectation
            from quality.gate_results as results
            inner join latest_runs using (run_id)
            where results.dimension is not null
        )
        select
            run_id,
            any_value(checked_at),
            source_system,
            dimension,
            min(observed_value),
            arg_min(threshold, coalesce(observed_value, -1)),
            bool_and(success),
            arg_min(expectation, coalesce(observed_value, -1))
        from measured
        group by run_id, source_system, dimension
        order by any_value(checked_at), source_system, dimension
        """,
        [runs],
    ).fetchall()
    return [DimensionScore(*row) for row in rows]


def gate_failures(con: duckdb.DuckDBPyConnection, run_id: str) -> list[GateFailure]:
    """The failed expectations of one run."""
    if not table_exists(con, "quality", "gate_results"):
        return []
    rows = con.execute(
        """
        select run_id, suite, expectation, observed_value, threshold
        from quality.gate_results
        where run_id = ? and not success
        order by suite, expectation
        """,
        [run_id],
    ).fetchall()
    return [GateFailure(*row) for row in rows]


def render_dashboard(scores: list[DimensionScore]) -> str:
    """One line per source and dimension, one column per run (oldest first)."""
    if not scores:
        return "no gate results yet: run the pipeline (`mdm run`) first"
    runs = list(dict.fromkeys((s.run_id, s.checked_at) for s in scores))
    cells = {(s.run_id, s.source_system, s.dimension): s for s in scores}
    keys = sorted({(s.source_system, s.dimension) for s in scores})
    header = f"{'source':<10} {'dimension':<13} {'threshold':>9} " + " ".join(
        f"{checked_at:%m-%d %H:%M}".rjust(12) for _, checked_at in runs
    )
    lines = [header, "-" * len(header)]
    for source, dimension in keys:
        threshold = next(
            cells[(run_id, source, dimension)].threshold
            for run_id, _ in reversed(runs)
            if (run_id, source, dimension) in cells
        )
        values = []
        for run_id, _ in runs:
            score = cells.get((run_id, source, dimension))
            if score is None or score.measured is None:
                values.append("—".rjust(12))
            else:
                mark = "" if score.passed else " ✗"
                values.append(f"{score.measured * 100:.2f} %{mark}".rjust(12))
        lines.append(f"{source:<10} {dimension:<13} {threshold * 100:>7.1f} % " + " ".join(values))
    latest = runs[-1][0]
    failing = [s for s in scores if s.run_id == latest and not s.passed]
    lines.append("")
    verdict = (
        f"{len(failing)} below threshold (the gate blocks publication)"
        if failing
        else "every dimension holds"
    )
    lines.append(f"latest run {latest}: {verdict}")
    for score in failing:
        lines.append(
            f"  {score.source_system} {score.dimension}: {score.worst_expectation} measured "
            f"{score.measured:.4f} < {score.threshold:.2f}"
        )
    return "\n".join(lines)
