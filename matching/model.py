"""Build, train and predict with Splink on the warehouse's own DuckDB connection, then
cluster the scored pairs (``matching.clustering``).

Everything goes through Splink's database API (``splink.DuckDBAPI`` wrapping the
caller's connection), so the same model runs on Spark by swapping the API object.
Splink creates its working tables in the connection's default schema; every one of
them, and the feature table, is dropped by ``MatchSession.close``.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker
from splink.internals.exceptions import SplinkException
from splink.internals.splink_dataframe import SplinkDataFrame

from matching import settings
from matching.clustering import build_clusters
from matching.model_store import ModelStructureChanged, SavedModel, structure_hash
from matching.overrides import load_decisions

logger = logging.getLogger(__name__)

FEATURES_SQL = Path(__file__).with_name("features.sql")
FEATURES_TABLE = f"{settings.WORK_TABLE_PREFIX}features"
NAME_TF_TABLE = f"{settings.WORK_TABLE_PREFIX}name_frequencies"
CLUSTERS_TABLE = f"{settings.WORK_TABLE_PREFIX}clusters"
EDGES_TABLE = f"{settings.WORK_TABLE_PREFIX}edges"


def features_sql(input_table: str = settings.INPUT_TABLE, has_handle: bool = True) -> str:
    """The SELECT that turns party records into the model's feature columns.

    ``has_handle``: whether ``input_table`` has the (optional) ``handle`` column; without
    it handles are null and only e-mail local parts are compared.
    """
    template = Template(FEATURES_SQL.read_text(encoding="utf-8"))
    return template.substitute(
        input_table=input_table,
        max_key_frequency=settings.MAX_KEY_FREQUENCY,
        min_alias_digits=settings.MIN_ALIAS_DIGITS,
        handle=settings.OPTIONAL_HANDLE_COLUMN if has_handle else "null::varchar",
        nicknames=_values_sql(nicknames()),
        min_spelled_letters=settings.MIN_SPELLED_LETTERS,
        non_places="[" + ", ".join(_quote(p.lower()) for p in settings.NON_PLACES) + "]",
    )


def nicknames() -> list[tuple[str, str]]:
    """(nickname, given name) pairs of ``settings.NICKNAMES_FILE``, lower-case."""
    with settings.NICKNAMES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [(r["nickname"].strip().lower(), r["given_name"].strip().lower()) for r in rows]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _values_sql(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "select null::varchar, null::varchar where false"
    return "values " + ", ".join(f"({_quote(a)}, {_quote(b)})" for a, b in rows)


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether ``table`` (``schema.name`` or ``name``) has ``column``."""
    names = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    return column in names


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
    clusters: str | None = None
    structure: str = ""
    _db_api: DuckDBAPI | None = field(default=None, init=False, repr=False)
    _linker: Linker | None = field(default=None, init=False, repr=False)
    _features: SplinkDataFrame | None = field(default=None, init=False, repr=False)
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
        has_handle = has_column(self.con, self.input_table, settings.OPTIONAL_HANDLE_COLUMN)
        sql = features_sql(self.input_table, has_handle)
        self.con.execute(f"create or replace table {FEATURES_TABLE} as {sql}")
        self.records = count_rows(self.con, FEATURES_TABLE)
        self._db_api = DuckDBAPI(connection=self.con)
        self._features = self._db_api.register(FEATURES_TABLE, dataset_display_name="party_records")
        self._linker = Linker(self._features, settings.settings_creator(), log_level=None)
        self.structure = structure_hash(self.model_json(), sql)
        self._set_identifier_u()
        self._build_name_frequencies()
        self._register_name_frequencies()
        self.timings.features = time.perf_counter() - started

    def use_saved(self, saved: SavedModel) -> None:
        """Score with a saved model instead of training: its m and u, and its prior
        rescaled to this input's size (``SavedModel.prior_for``). The u of identifier
        levels and the name frequencies come from this input, as in training.

        Raises:
            ModelStructureChanged: the saved model was built for other comparisons,
                blocking rules or features than this code's.
        """
        self._require_linker()
        if saved.structure_hash != self.structure:
            raise ModelStructureChanged(
                f"saved match model v{saved.model_version} (trained {saved.trained_at:%Y-%m-%d}"
                f" on {saved.records:,} records) was built for other comparisons, blocking "
                f"rules or features than this version of matching/ (structure "
                f"{saved.structure_hash}, code {self.structure}); retrain it with "
                "`mdm run --retrain`, or activate a matching version with "
                "`mdm models --activate VERSION`"
            )
        started = time.perf_counter()
        assert self._features is not None
        model = dict(saved.model_json)
        model["probability_two_random_records_match"] = saved.prior_for(self.records)
        self._linker = Linker(self._features, model, log_level=None)
        self._set_identifier_u()
        self._register_name_frequencies()
        self.trained = False
        self.timings.train = time.perf_counter() - started

    def train(self) -> None:
        """Estimate the prior, then u by random sampling and m by EM on the rules of
        ``settings.em_training_rules`` (none by default; all deterministic).

        Below ``settings.MIN_RECORDS_FOR_TRAINING`` records only the prior is estimated:
        random pairs of a small input are too often true matches for u, and EM on a
        handful of pairs is noise, so the declared starting m and u are used. The u of
        identifier levels is never estimated (``settings.IDENTIFIER_COLLISIONS``).
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

    def predict(self, threshold: float = 0.0) -> SplinkDataFrame:
        """Score every candidate pair; keep those with ``match_probability >= threshold``
        (all of them by default: clustering also needs the pairs that contradict)."""
        linker = self._require_linker()
        started = time.perf_counter()
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        self.pairs_scored = count_rows(self.con, blocked.physical_name)
        self.predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        self.timings.predict = time.perf_counter() - started
        return self.predictions

    def cluster(
        self,
        threshold: float = settings.MATCH_THRESHOLD,
        attach_threshold: float = settings.ATTACH_THRESHOLD,
    ) -> str:
        """Clusters (``matching.clustering``), as the name of a table ``record_key,
        cluster_id``; the pairs they were built from are in ``EDGES_TABLE``.

        Pairs at or above ``threshold`` link; a record left alone may join one cluster
        by pairs at or above ``attach_threshold``; records whose birth dates contradict
        each other never share a cluster.
        """
        if self.predictions is None:
            raise RuntimeError("predict() must run before cluster()")
        started = time.perf_counter()
        predictions = self.predictions.physical_name
        pairs = self.con.sql(
            f"""
            select record_key_l, record_key_r, cast(match_probability as double)
                as match_probability
            from {predictions}
            where match_probability >= {min(attach_threshold, threshold)}
            """
        ).pl()
        cannot_link = self.con.sql(
            f"""
            select p.record_key_l, p.record_key_r
            from {predictions} as p
            join {FEATURES_TABLE} as l on l.record_key = p.record_key_l
            join {FEATURES_TABLE} as r on r.record_key = p.record_key_r
            where {settings.CANNOT_LINK}
            """
        ).pl()
        records = self.con.sql(f"select record_key from {FEATURES_TABLE}").pl()
        strong = pairs.filter(pl.col("match_probability") >= threshold)
        weak = pairs.filter(pl.col("match_probability") < threshold)
        steward_must, steward_cannot = load_decisions(self.con)
        clusters, used = build_clusters(
            records["record_key"],
            strong,
            weak,
            cannot_link,
            settings.ATTACH_MARGIN,
            steward_must_link=steward_must,
            steward_cannot_link=steward_cannot,
        )
        self.con.register("__mdm_match_clusters_frame", clusters)
        self.con.register("__mdm_match_used_frame", used)
        try:
            self.con.execute(
                f"create or replace table {CLUSTERS_TABLE} as"
                f" select * from __mdm_match_clusters_frame"
            )
            self.con.execute(
                f"""
                create or replace table {EDGES_TABLE} as
                -- a steward's must-link is certain, whatever the model scored
                select
                    u.record_key_l,
                    u.record_key_r,
                    case
                        when u.by_steward then 1.0
                        else cast(p.match_probability as double)
                    end as match_probability,
                    case when not u.by_steward then cast(p.match_weight as double) end
                        as match_weight
                from __mdm_match_used_frame as u
                -- model pairs keep the orientation of the predictions they came from
                left join {predictions} as p
                    on p.record_key_l = u.record_key_l and p.record_key_r = u.record_key_r
                """
            )
        finally:
            self.con.unregister("__mdm_match_clusters_frame")
            self.con.unregister("__mdm_match_used_frame")
        self.clusters = CLUSTERS_TABLE
        self.timings.cluster = time.perf_counter() - started
        return CLUSTERS_TABLE

    def explain_pairs(self, pairs_table: str) -> str:
        """Score the pairs of ``pairs_table`` (``record_key_l, record_key_r``) again with
        every term of their match weight kept: what Splink's waterfall chart shows.

        Returns the name of a table with ``record_key_l, record_key_r, match_weight,
        match_probability`` and ``explanation``: a list of ``(comparison, level,
        match_weight, tf_adjustment)``, first the prior, then one entry per comparison;
        the entries' weights and adjustments add up to the pair's ``match_weight``.
        Only those pairs are scored (they are registered as Splink's blocked pairs),
        so this is cheap for a review queue's few thousand pairs.
        """
        linker = self._require_linker()
        assert self._db_api is not None and self._features is not None
        model = self.model_json()
        model["retain_intermediate_calculation_columns"] = True
        model["retain_matching_columns"] = True
        explainer = Linker(self._features, model, log_level=None)
        self._register_name_frequencies(explainer)
        blocked = f"{settings.WORK_TABLE_PREFIX}explain_pairs"
        self.con.execute(
            f"""
            create or replace table {blocked} as
            select '0' as match_key, record_key_l as join_key_l, record_key_r as join_key_r
            from {pairs_table}
            """
        )
        explainer.table_management.register_blocked_pairs_for_predict(
            self._db_api.register(blocked)
        )
        scored = explainer.inference.predict(warning_mode="never").physical_name

        prior = float(linker._settings_obj._probability_two_random_records_match)
        entries = [
            "{'comparison': 'prior', 'level': 'two random records match with probability "
            f"{prior:.3g}', 'match_weight': log2({prior!r} / (1 - {prior!r})), "
            "'tf_adjustment': 0.0}"
        ]
        for comparison in explainer._settings_obj.comparisons:
            labels = " ".join(
                f"when {level.comparison_vector_value} then {_quote(level.label_for_charts)}"
                for level in comparison.comparison_levels
            )
            tf = (
                f"coalesce({comparison._mw_tf_adj_column_name}, 0.0)"
                if comparison._has_tf_adjustments
                else "0.0"
            )
            entries.append(
                f"{{'comparison': {_quote(comparison.output_column_name)}, "
                f"'level': case {comparison._gamma_column_name} {labels} end, "
                f"'match_weight': cast({comparison._mw_column_name} as double), "
                f"'tf_adjustment': cast({tf} as double)}}"
            )
        explained = f"{settings.WORK_TABLE_PREFIX}explained_pairs"
        self.con.execute(
            f"""
            create or replace table {explained} as
            select
                record_key_l,
                record_key_r,
                cast(match_weight as double) as match_weight,
                cast(match_probability as double) as match_probability,
                [{", ".join(entries)}] as explanation
            from {scored}
            """
        )
        return explained

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

    _NAME_TF_COLUMNS = ("name_tokens", "name_letters", "spelled_key")

    def _build_name_frequencies(self) -> None:
        """Term frequencies of names (and of what handles spell) that leave out a
        customer's own records (see settings.NAME_TF_OWN_RECORDS), in place of the ones
        Splink would count: one table per column, built once per session."""
        for column in self._NAME_TF_COLUMNS:
            self.con.execute(
                f"""
                create or replace table {NAME_TF_TABLE}_{column} as
                select
                    {column},
                    greatest(count(*) - {settings.NAME_TF_OWN_RECORDS},
                             {settings.NAME_TF_MIN_OTHERS})
                        / (select count({column}) from {FEATURES_TABLE}) as tf_{column}
                from {FEATURES_TABLE}
                where {column} is not null
                group by {column}
                """
            )

    def _register_name_frequencies(self, linker: Linker | None = None) -> None:
        """Register the tables of ``_build_name_frequencies`` as the term-frequency
        lookups of ``linker`` (default: the session's)."""
        linker = linker or self._linker
        assert self._db_api is not None and linker is not None
        for column in self._NAME_TF_COLUMNS:
            table = self._db_api.register(f"{NAME_TF_TABLE}_{column}")
            linker.table_management.register_term_frequency_lookup(table, column)

    def _set_identifier_u(self) -> None:
        """u of the identifier levels: settings.IDENTIFIER_COLLISIONS / records."""
        linker = self._require_linker()
        records = max(self.records, 2)
        for comparison in linker._settings_obj.comparisons:
            collisions = settings.IDENTIFIER_COLLISIONS.get(comparison.output_column_name, {})
            levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
            for index, per_record in collisions.items():
                levels[index].u_probability = min(per_record / records, 0.5)

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
