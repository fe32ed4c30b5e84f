"""Build, train, predict and cluster with Splink on the warehouse's own DuckDB connection.

Everything goes through Splink's database API (``splink.DuckDBAPI`` wrapping the
caller's connection), so the same model runs on Spark by swapping the API object.
Splink creates its working tables in the connection's default schema; every one of
them, and the feature table, is dropped by ``MatchSession.close``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker
from splink.internals.exceptions import SplinkException
from splink.internals.splink_dataframe import SplinkDataFrame

from matching import settings

logger = logging.getLogger(__name__)

FEATURES_SQL = Path(__file__).with_name("features.sql")
FEATURES_TABLE = f"{settings.WORK_TABLE_PREFIX}features"


def features_sql(input_table: str = settings.INPUT_TABLE) -> str:
    """The SELECT that turns party records into the model's feature columns."""
    template = Template(FEATURES_SQL.read_text(encoding="utf-8"))
    return template.substitute(
        input_table=input_table, max_key_frequency=settings.MAX_KEY_FREQUENCY
    )


@dataclass
class Timings:
    """Wall-clock seconds per stage."""

    features: float = 0.0
    train: float = 0.0
    predict: float = 0.0
    cluster: float = 0.0


@dataclass
class MatchSession:
    """One matching run: the feature table, the Splink linker, and what it produced.

    Use as a context manager so Splink's tables are dropped whatever happens.
    """

    con: duckdb.DuckDBPyConnection
    input_table: str = settings.INPUT_TABLE
    timings: Timings = field(default_factory=Timings)
    records: int = 0
    pairs_scored: int = 0
    trained: bool = False
    predictions: SplinkDataFrame | None = None
    clusters: SplinkDataFrame | None = None
    _db_api: DuckDBAPI | None = field(default=None, init=False, repr=False)
    _linker: Linker | None = field(default=None, init=False, repr=False)
    _tables_before: set[tuple[str, str, str, str]] = field(
        default_factory=set, init=False, repr=False
    )
    _splink_log_level: int = field(default=logging.NOTSET, init=False, repr=False)

    def __enter__(self) -> MatchSession:
        self._tables_before = _work_tables(self.con)
        # Splink warns once per comparison level a training pass did not see; that is
        # expected here and drowns the run's own log.
        splink_logger = logging.getLogger("splink")
        self._splink_log_level = splink_logger.level
        splink_logger.setLevel(settings.SPLINK_LOG_LEVEL)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close()
        finally:
            logging.getLogger("splink").setLevel(self._splink_log_level)

    # --- stages ----------------------------------------------------------------------

    def prepare(self) -> None:
        """Build the feature table and the (untrained) linker."""
        started = time.perf_counter()
        self.con.execute(
            f"create or replace table {FEATURES_TABLE} as {features_sql(self.input_table)}"
        )
        self.records = count_rows(self.con, FEATURES_TABLE)
        self._db_api = DuckDBAPI(connection=self.con)
        features = self._db_api.register(FEATURES_TABLE, dataset_display_name="party_records")
        self._linker = Linker(features, settings.settings_creator(), log_level=None)
        self.timings.features = time.perf_counter() - started

    def train(self) -> None:
        """Estimate the prior, then u by random sampling and m by EM (all deterministic).

        Below ``settings.MIN_RECORDS_FOR_TRAINING`` records only the prior is estimated:
        random pairs of a small input are too often true matches for u, and EM on a
        handful of pairs is noise, so the declared starting m and u are used.
        """
        linker = self._require_linker()
        started = time.perf_counter()
        self._estimate_prior(linker)
        self.trained = self.records >= settings.MIN_RECORDS_FOR_TRAINING
        if self.trained:
            linker.training.estimate_u_using_random_sampling(
                max_pairs=settings.U_MAX_PAIRS,
                seed=settings.SEED,
                min_count_per_level=settings.MIN_U_COUNT_PER_LEVEL,
            )
            for rule in settings.em_training_rules():
                self._estimate_m(linker, rule)
        else:
            logger.info(
                "%s records (< %s): using the starting m and u of matching.settings",
                self.records,
                settings.MIN_RECORDS_FOR_TRAINING,
            )
        self.timings.train = time.perf_counter() - started

    def predict(self, threshold: float = settings.MATCH_THRESHOLD) -> SplinkDataFrame:
        """Score every candidate pair; keep those with ``match_probability >= threshold``."""
        linker = self._require_linker()
        started = time.perf_counter()
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        self.pairs_scored = count_rows(self.con, blocked.physical_name)
        self.predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        self.timings.predict = time.perf_counter() - started
        return self.predictions

    def cluster(self, threshold: float = settings.MATCH_THRESHOLD) -> SplinkDataFrame:
        """Connected components of the pairs at or above ``threshold``."""
        linker = self._require_linker()
        if self.predictions is None:
            raise RuntimeError("predict() must run before cluster()")
        started = time.perf_counter()
        self.clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            self.predictions, threshold_match_probability=threshold
        )
        self.timings.cluster = time.perf_counter() - started
        return self.clusters

    def model_json(self) -> dict[str, Any]:
        """The trained model (settings with m, u and prior) as a JSON-ready dict."""
        return self._require_linker().misc.save_model_to_json()

    def close(self) -> None:
        """Drop every table Splink or this session created; leave the caller's alone."""
        # A failed statement may leave a half-read result that blocks the drops below.
        self.con.abort()
        if self._db_api is not None:
            self._db_api.delete_tables_created_by_splink_from_db()
        # Leftovers of an earlier crashed run go too; views registered by the caller
        # under Splink's names before this session started are left alone.
        for table in sorted(_work_tables(self.con)):
            if table[0] == "temp" and table in self._tables_before:
                continue
            _drop(self.con, table)
        self._linker = None
        self._db_api = None

    # --- helpers ---------------------------------------------------------------------

    def _require_linker(self) -> Linker:
        if self._linker is None:
            raise RuntimeError("prepare() must run first")
        return self._linker

    def _estimate_m(self, linker: Linker, rule: Any) -> None:
        # A failing EM session leaves the linker's comparisons filtered and its prior
        # blocking-adjusted (Splink mutates them in place), so restore them.
        snapshot = linker._settings_obj.core_model_settings.copy()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule,
                estimate_without_term_frequencies=True,
                max_pairs=settings.EM_MAX_PAIRS,
            )
        except (SplinkException, ValueError, ZeroDivisionError) as error:
            linker._settings_obj.core_model_settings = snapshot
            logger.warning("EM training skipped for one rule: %s", str(error).splitlines()[0])

    def _estimate_prior(self, linker: Linker) -> None:
        try:
            linker.training.estimate_probability_two_random_records_match(
                settings.prior_deterministic_rules(), recall=settings.PRIOR_RECALL
            )
        except ValueError as error:
            logger.warning("Prior kept at its default: %s", error)
            return
        prior = linker._settings_obj._probability_two_random_records_match
        if not 0 < prior < 1:
            # No deterministic matches at all (tiny input): Splink would use 0.
            linker._settings_obj._probability_two_random_records_match = settings.DEFAULT_PRIOR


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Row count of ``table``."""
    # fetchall, not fetchone: DuckDB 2 refuses further work on a half-read result.
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


# Views Splink's blocking analysis registers on the connection under fixed names.
_SPLINK_REGISTERED_VIEWS = ("result_df", "__splink__cumulative_blocking_rule_counts")


def _work_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str, str]]:
    """(catalog, schema, name, type) of the tables and views Splink or this module own:
    ``__splink__*`` and ``__mdm_match_*`` in the default schema, where both create them,
    and the views Splink registers on the connection."""
    rows = con.execute(
        """
        select table_catalog, table_schema, table_name, table_type
        from information_schema.tables
        where (
                table_catalog = current_database() and table_schema = current_schema()
                and (starts_with(table_name, '__splink__') or starts_with(table_name, ?))
            )
            or (table_catalog = 'temp' and list_contains(?, table_name))
        """,
        [settings.WORK_TABLE_PREFIX, list(_SPLINK_REGISTERED_VIEWS)],
    ).fetchall()
    return {(r[0], r[1], r[2], r[3]) for r in rows}


def _drop(con: duckdb.DuckDBPyConnection, table: tuple[str, str, str, str]) -> None:
    catalog, schema, name, table_type = table
    if catalog == "temp" and name in _SPLINK_REGISTERED_VIEWS:
        con.unregister(name)
    elif table_type == "VIEW":
        con.execute(f'drop view if exists "{catalog}"."{schema}"."{name}"')
    else:
        con.execute(f'drop table if exists "{catalog}"."{schema}"."{name}"')
