"""Measure the whole pipeline at scale: seconds and peak memory per stage, against plain Splink.

    python bench/scale.py --customers 20000
    python bench/scale.py --customers 440000 --keep /tmp/mdm-scale   # ~1,000,000 party records

Generates a landing folder for ``--customers`` true customers (what ``mdm generate`` writes;
each person has one to four source records, so 440,000 customers give about a million
party records), then runs the pipeline exactly as ``mdm run`` does
(``pipelines.run.run_pipeline`` with ``MDM_LANDING_DIR``, ``MDM_WAREHOUSE``,
``DAGSTER_HOME`` and ``MDM_DATA_DOCS_DIR`` pointed into a scratch folder, so a first run on
a fresh warehouse: the match model is trained). A background thread samples the resident
memory (RSS) of this process and every process below it (dbt runs as a subprocess of
dagster-dbt) every ``--interval`` seconds; each sample is attributed to the Dagster step
running at that moment (step start and end times from the run's Dagster storage), so each
stage gets its wall-clock seconds and its peak RSS.

Then, in a child process of its own, a plain Splink 5 script runs on the same standardised
records: the matching features of ``staging.int_party_records`` (``matching.features.sql``)
in a scratch DuckDB file, a ``Linker`` with ``matching.settings.settings_creator()``, u by
random sampling, prediction with the same blocking rules, and Splink's connected-components
clustering at ``settings.MATCH_THRESHOLD``. The matching stage is compared with it.

Generation runs in a child process too, so that the memory measured for ``mdm run`` is that
of a process which, like ``mdm run``, did nothing before. ``--keep DIR`` keeps the landing
folder, warehouse and Dagster storage in ``DIR``; a later ``--keep DIR`` run with the same
``--customers`` and ``--seed`` reuses the landing folder and rebuilds everything else.

Targets (issue 4), printed with met / missed: at one million party records the whole
``mdm run`` within 120 s and 4 GiB peak RSS, and the matching stage within 1.2 x the plain
Splink script.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warehouse.config import DBT_PROJECT_DIR  # noqa: E402

TRUTH = "_truth/records.csv"
# Targets of issue 4, at TARGET_RECORDS party records.
TARGET_RECORDS = 1_000_000
TARGET_RUN_SECONDS = 120.0
TARGET_PEAK_BYTES = 4 * 1024**3  # 4 GiB
TARGET_MATCHING_RATIO = 1.2
STAGES = ("ingest", "dbt standardized", "matching", "dbt mastered", "gates", "publish")
OTHER = "dagster/other"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024**2
GIB = 1024**3


# --- memory sampling ----------------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    """Every process's children, from /proc (no psutil in the lock file)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name is in parentheses and may itself hold spaces
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, CPU seconds of this process and its
    finished children) since boot / start: their difference over a run is the CPU that
    other processes took, which would distort the timings."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    busy = sum(fields[:3]) + sum(fields[5:8])
    own = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return busy / os.sysconf("SC_CLK_TCK"), sum(r.ru_utime + r.ru_stime for r in own)


def process_tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (shared pages counted per process)."""
    children = _children_by_parent()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_bytes(pid)
        todo.extend(children.get(pid, ()))
    return total


class RssSampler(threading.Thread):
    """Samples ``(epoch seconds, tree RSS bytes)`` of a process tree until stopped."""

    def __init__(self, root: int, interval: float) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.root = root
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append((time.time(), process_tree_rss(self.root)))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.samples.append((time.time(), process_tree_rss(self.root)))

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        """Highest sample taken between ``start`` and ``end`` (epoch seconds), 0 if none."""
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)


# --- generation -----------------------------------------------------------------------


def _generate(landing: str, customers: int, seed: int) -> dict[str, float]:
    """Write the landing folder (run in a child process by ``generate_landing``)."""
    from sources.generator import generate

    started = time.perf_counter()
    summary = generate(Path(landing), customers, seed=seed)
    return {
        "people": summary.people,
        "party_records": summary.party_records,
        "seconds": time.perf_counter() - started,
    }


def generate_landing(root: Path, customers: int, seed: int) -> dict[str, float]:
    """Write the landing folder in a child process, or reuse the one ``root`` kept."""
    landing, marker = root / "landing", root / "generated.json"
    wanted = {"customers": customers, "seed": seed}
    if marker.is_file() and (landing / TRUTH).is_file():
        kept = json.loads(marker.read_text())
        if {k: kept.get(k) for k in wanted} == wanted:
            return kept | {"seconds": 0.0, "reused": True}
    shutil.rmtree(landing, ignore_errors=True)
    result = _run_child(["--generate-only", str(landing), str(customers), str(seed)])
    marker.write_text(json.dumps(wanted | result))
    return result


def _run_child(args: list[str]) -> dict[str, float]:
    """This script in a fresh interpreter with ``args``; its last stdout line is JSON."""
    completed = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_rss_of_self() -> int:
    """This process's high-water RSS (VmHWM). Unlike ``ru_maxrss``, it starts afresh at
    exec: a forked child's ``ru_maxrss`` includes its parent's peak."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


# --- the pipeline ---------------------------------------------------------------------


@dataclass
class StepTiming:
    """One Dagster step: its key, stage, wall-clock window and peak RSS."""

    step_key: str
    stage: str
    start: float
    end: float
    peak_rss: int = 0

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class PipelineMeasurement:
    """What one ``run_pipeline`` call took."""

    success: bool
    run_id: str
    seconds: float
    peak_rss: int
    rss_before: int
    hwm_self: int
    steps: list[StepTiming] = field(default_factory=list)
    other_peak_rss: int = 0
    matching_metadata: dict[str, object] = field(default_factory=dict)
    summary: str = ""


def stage_of(step_key: str) -> str:
    """The stage of a step of the ``mdm`` job (step keys as in ``pipelines/defs``)."""
    if step_key.startswith("raw__") or step_key.startswith("raw_"):
        return "ingest"
    if step_key == "standardized_models":
        return "dbt standardized"
    if step_key == "matched_parties":
        return "matching"
    if step_key == "mastered_models":
        return "dbt mastered"
    if step_key == "published_tables":
        return "publish"
    if "gx_" in step_key:
        return "gates"
    return OTHER


def point_environment(root: Path) -> None:
    """The variables ``mdm run`` reads (``warehouse.config``), all inside ``root``."""
    dagster_home = root / "dagster_home"
    (dagster_home / "logs").mkdir(parents=True, exist_ok=True)
    os.environ["MDM_LANDING_DIR"] = str(root / "landing")
    os.environ["MDM_WAREHOUSE"] = str(root / "warehouse.duckdb")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ["MDM_DATA_DOCS_DIR"] = str(root / "data_docs")
    # as `mdm run` does: dbt's console output to a log file, no analytics calls
    os.environ["MDM_DBT_LOG"] = str(dagster_home / "logs" / "dbt_console.log")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def run_mdm(root: Path, interval: float, fresh: bool = True) -> PipelineMeasurement:
    """``run_pipeline()`` in ``root``, measured: on a fresh warehouse and Dagster storage,
    or (``fresh=False``) again on what the previous run left, as a daily run with no new
    files: nothing to ingest, every model rebuilt, the saved match model scoring."""
    if fresh:
        for stale in ("warehouse.duckdb", "warehouse.duckdb.wal", "dagster_home", "data_docs"):
            path = root / stale
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    point_environment(root)

    rss_before = process_tree_rss(os.getpid())
    sampler = RssSampler(os.getpid(), interval)
    sampler.start()
    started = time.perf_counter()
    try:
        # imported here, after the environment is set, as `mdm run` imports it
        from pipelines.run import run_pipeline

        outcome = run_pipeline()
    finally:
        seconds = time.perf_counter() - started
        sampler.stop()

    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        stats = instance.get_run_step_stats(outcome.run_id)
    steps = [
        StepTiming(s.step_key, stage_of(s.step_key), s.start_time or 0.0, s.end_time or 0.0)
        for s in stats
        if s.start_time
    ]
    steps.sort(key=lambda s: s.start)
    for step in steps:
        step.peak_rss = sampler.peak(step.start, step.end)
    inside = [(s.start, s.end) for s in steps]
    other = [rss for t, rss in sampler.samples if not any(a <= t <= b for a, b in inside)]
    return PipelineMeasurement(
        success=outcome.success,
        run_id=outcome.run_id,
        seconds=seconds,
        peak_rss=sampler.peak(),
        rss_before=rss_before,
        hwm_self=peak_rss_of_self(),
        steps=steps,
        other_peak_rss=max(other, default=0),
        matching_metadata=outcome.metadata.get("mdm_build/customer_xref", {}),
        summary=outcome.summary,
    )


def dbt_model_seconds(run_id: str) -> list[tuple[str, str, float]]:
    """(dbt step, node, seconds) of this run's dbt invocations, slowest first.

    dagster-dbt gives every invocation its own target folder,
    ``target/<op>-<run id[:7]>-<uuid>``, with dbt's ``run_results.json``.
    """
    rows: list[tuple[str, str, float]] = []
    for path in (DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"):
        step = path.parent.name.split(f"-{run_id[:7]}-")[0]
        for result in json.loads(path.read_text()).get("results", []):
            rows.append((step, result["unique_id"], float(result.get("execution_time") or 0.0)))
    return sorted(rows, key=lambda r: -r[2])


def count_party_records(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return int(con.execute("select count(*) from staging.int_party_records").fetchall()[0][0])


# --- plain Splink ---------------------------------------------------------------------


def plain_splink(warehouse: str, scratch: str, interval: float) -> dict[str, float]:
    """The plain Splink 5 script (run in a child process by ``main``); seconds and peak
    RSS per step, as a dict."""
    import duckdb
    from splink import DuckDBAPI, Linker

    from matching import settings
    from matching.model import features_sql, has_column

    sampler = RssSampler(os.getpid(), interval)
    sampler.start()
    marks: list[tuple[str, float, float]] = []

    def step(name: str, started: float) -> float:
        now = time.time()
        marks.append((name, started, now))
        return now

    t = time.time()
    con = duckdb.connect(scratch)
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    source = "wh." + settings.INPUT_TABLE
    has_handle = has_column(con, source, settings.OPTIONAL_HANDLE_COLUMN)
    con.execute(f"create table party_features as {features_sql(source, has_handle)}")
    con.execute("detach wh")
    t = step("features", t)

    db_api = DuckDBAPI(connection=con)
    records = db_api.register("party_features")
    linker = Linker(records, settings.settings_creator())
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.U_MAX_PAIRS,
        seed=settings.SEED,
        min_count_per_level=settings.MIN_U_COUNT_PER_LEVEL,
    )
    t = step("estimate u", t)
    predictions = linker.inference.predict()
    pairs = int(con.execute(f"select count(*) from {predictions.physical_name}").fetchall()[0][0])
    t = step("predict", t)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=settings.MATCH_THRESHOLD
    )
    n_clusters = int(
        con.execute(f"select count(distinct cluster_id) from {clusters.physical_name}").fetchall()[
            0
        ][0]
    )
    step("cluster", t)
    con.close()
    sampler.stop()
    result: dict[str, float] = {"pairs": pairs, "clusters": n_clusters}
    for name, start, end in marks:
        result[f"{name}_seconds"] = end - start
        result[f"{name}_peak_rss"] = sampler.peak(start, end)
    result["seconds"] = marks[-1][2] - marks[0][1]
    result["seconds_without_features"] = marks[-1][2] - marks[1][1]
    result["peak_rss"] = max(sampler.peak(), peak_rss_of_self())
    return result


def run_plain_splink(root: Path, interval: float) -> dict[str, float]:
    """``plain_splink`` in a child process of its own, reading the warehouse ``root`` holds."""
    scratch = root / "plain_splink.duckdb"
    scratch.unlink(missing_ok=True)
    try:
        return _run_child(
            [
                "--plain-splink",
                str(root / "warehouse.duckdb"),
                str(scratch),
                "--interval",
                str(interval),
            ]
        )
    finally:
        scratch.unlink(missing_ok=True)


# --- report ---------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(
    customers: int,
    generated: dict[str, float],
    party_records: int,
    run: PipelineMeasurement,
    dbt_models: list[tuple[str, str, float]],
    plain: dict[str, float],
) -> str:
    header = [
        f"customers {customers:,}  party records (staging.int_party_records) {party_records:,}"
        f"  generated {generated.get('party_records', 0):,.0f} in "
        f"{generated.get('seconds', 0.0):.1f} s{' (reused)' if generated.get('reused') else ''}",
        f"mdm run: {'SUCCESS' if run.success else 'FAILED'}  run id {run.run_id}",
        "",
    ]
    lines = header + stage_lines(run)
    lines.append(
        f"  (RSS before the run {run.rss_before / MIB:,.0f} MiB; high-water RSS of this"
        " process alone (VmHWM, catches what sampling misses, without dbt's process)"
        f" {run.hwm_self / MIB:,.0f} MiB)"
    )
    return _report_body(run, dbt_models, plain, party_records, lines)


def stage_lines(run: PipelineMeasurement) -> list[str]:
    """Seconds and peak RSS per stage of one run, and of the whole run."""
    lines = [f"{'stage':<18}{'seconds':>9}{'peak RSS MiB':>15}"]
    for stage in (*STAGES, OTHER):
        steps = [s for s in run.steps if s.stage == stage]
        if stage == OTHER:
            busy = sum(s.seconds for s in run.steps)
            seconds, peak = run.seconds - busy, run.other_peak_rss
        else:
            seconds, peak = (
                sum(s.seconds for s in steps),
                max((s.peak_rss for s in steps), default=0),
            )
        lines.append(f"{stage:<18}{seconds:>9.1f}{peak / MIB:>15,.0f}")
    lines.append(f"{'whole mdm run':<18}{run.seconds:>9.1f}{run.peak_rss / MIB:>15,.0f}")
    return lines


def _report_body(
    run: PipelineMeasurement,
    dbt_models: list[tuple[str, str, float]],
    plain: dict[str, float],
    party_records: int,
    lines: list[str],
) -> str:
    lines += ["", "steps (slowest first):"]
    for s in sorted(run.steps, key=lambda s: -s.seconds)[:12]:
        lines.append(f"  {s.step_key:<44}{s.seconds:>8.1f} s{s.peak_rss / MIB:>9,.0f} MiB")
    meta = run.matching_metadata
    if meta:
        lines.append(
            "matching inside: "
            + "  ".join(
                f"{k} {meta[k]:.1f}"
                for k in ("seconds_train", "seconds_predict", "seconds_cluster")
                if k in meta
            )
            + f"  (pairs scored {meta.get('pairs_scored', 0):,},"
            f" clusters {meta.get('clusters', 0):,})"
        )
        if "truth_f1" in meta:
            lines.append(
                f"  against truth: precision {meta['truth_precision']:.4f}"
                f"  recall {meta['truth_recall']:.4f}  F1 {meta['truth_f1']:.4f}"
            )
    if dbt_models:
        lines += ["", "dbt nodes (slowest first):"]
        for step, node, seconds in dbt_models[:10]:
            lines.append(f"  {step:<22}{node:<60}{seconds:>8.1f} s")

    lines += [
        "",
        f"plain Splink 5 script: {plain['seconds']:.1f} s, peak {plain['peak_rss'] / MIB:,.0f} MiB"
        f"  ({plain['pairs']:,.0f} pairs, {plain['clusters']:,.0f} clusters)",
    ]
    for name in ("features", "estimate u", "predict", "cluster"):
        lines.append(
            f"  {name:<16}{plain[f'{name}_seconds']:>8.1f} s"
            f"{plain[f'{name}_peak_rss'] / MIB:>9,.0f} MiB"
        )
    matching = sum(s.seconds for s in run.steps if s.stage == "matching")
    ratio = matching / plain["seconds"] if plain["seconds"] else float("inf")
    ratio_splink = (
        matching / plain["seconds_without_features"]
        if plain["seconds_without_features"]
        else float("inf")
    )
    lines.append(
        f"matching stage / plain Splink: {ratio:.2f}x"
        f"  (against plain Splink without its feature table: {ratio_splink:.2f}x)"
    )

    scale_note = (
        ""
        if abs(party_records - TARGET_RECORDS) <= 0.1 * TARGET_RECORDS
        else f"  [targets are set at {TARGET_RECORDS:,} party records; this run has"
        f" {party_records:,}]"
    )
    lines += [
        "",
        "targets:" + scale_note,
        f"  whole mdm run <= {TARGET_RUN_SECONDS:.0f} s: {run.seconds:.1f} s"
        f"  {_verdict(run.seconds <= TARGET_RUN_SECONDS)}",
        f"  peak RSS <= {TARGET_PEAK_BYTES / GIB:.0f} GiB: {run.peak_rss / GIB:.2f} GiB"
        f"  {_verdict(run.peak_rss <= TARGET_PEAK_BYTES)}",
        f"  matching <= {TARGET_MATCHING_RATIO}x plain Splink: {ratio:.2f}x"
        f"  {_verdict(ratio <= TARGET_MATCHING_RATIO)}",
    ]
    return "\n".join(lines)


def report_second_run(run: PipelineMeasurement, plain: dict[str, float]) -> str:
    """The figures of a second run on the same landing folder (``--second-run``)."""
    matching = sum(s.seconds for s in run.steps if s.stage == "matching")
    ratio = matching / plain["seconds"]
    meta = run.matching_metadata
    lines = [
        "",
        "second mdm run, no new files (the daily run: nothing ingested, every model"
        " rebuilt, the saved match model scoring):"
        f" {'SUCCESS' if run.success else 'FAILED'}, match model v{meta.get('model_version')}"
        f" {'trained' if meta.get('model_trained') else 'loaded'}",
        *stage_lines(run),
        f"matching stage / plain Splink: {ratio:.2f}x"
        f"  (targets: whole run <= {TARGET_RUN_SECONDS:.0f} s"
        f" {_verdict(run.seconds <= TARGET_RUN_SECONDS)}, peak <= 4 GiB"
        f" {_verdict(run.peak_rss <= TARGET_PEAK_BYTES)}, matching <="
        f" {TARGET_MATCHING_RATIO}x {_verdict(ratio <= TARGET_MATCHING_RATIO)})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="folder to keep landing data and warehouse in")
    parser.add_argument(
        "--interval", type=float, default=0.1, help="seconds between memory samples"
    )
    parser.add_argument(
        "--show-summary", action="store_true", help="also print the summary `mdm run` prints"
    )
    parser.add_argument(
        "--second-run",
        action="store_true",
        help="then run `mdm run` again on the same files and report it too (the daily run)",
    )
    # internal: the child processes
    parser.add_argument("--plain-splink", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate-only", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.plain_splink:
        print(json.dumps(plain_splink(*args.plain_splink, interval=args.interval)))
        return
    if args.generate_only:
        landing, customers, seed = args.generate_only
        print(json.dumps(_generate(landing, int(customers), int(seed))))
        return

    with tempfile.TemporaryDirectory(prefix="mdm-scale-") as tmp:
        root = (args.keep or Path(tmp)).resolve()
        root.mkdir(parents=True, exist_ok=True)
        generated = generate_landing(root, args.customers, args.seed)
        print(
            f"landing: {generated['party_records']:,.0f} party records of"
            f" {generated['people']:,.0f} customers ({generated['seconds']:.1f} s)",
            flush=True,
        )
        busy_before, own_before = cpu_seconds()
        started = time.perf_counter()
        run = run_mdm(root, args.interval)
        party_records = count_party_records(root / "warehouse.duckdb")
        dbt_models = dbt_model_seconds(run.run_id)
        plain = run_plain_splink(root, args.interval)
        second = run_mdm(root, args.interval, fresh=False) if args.second_run else None
        wall = time.perf_counter() - started
        busy_after, own_after = cpu_seconds()
    if args.show_summary:
        print(run.summary)
    print()
    print(report(args.customers, generated, party_records, run, dbt_models, plain))
    if second is not None:
        print(report_second_run(second, plain))
    # Timings are only comparable on an otherwise idle machine.
    others = (busy_after - busy_before) - (own_after - own_before)
    print(
        f"CPU taken by other processes meanwhile: {max(others, 0.0):.1f} s"
        f" (of {wall * (os.cpu_count() or 1):.0f} CPU-seconds on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
    # As `mdm` does (pipelines.cli.entry_point): skip the interpreter teardown, where
    # DuckDB's binding reports spurious "nanobind: leaked instances" after Arrow round trips.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
