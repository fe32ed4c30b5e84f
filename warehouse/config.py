"""Paths and run-wide settings, read from the environment with defaults inside the repo.

The names and defaults follow the output contract (OUTPUTS.md): ``MDM_LANDING_DIR``,
``MDM_WAREHOUSE`` and ``DAGSTER_HOME``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def landing_dir() -> Path:
    """The landing folder that holds ``crm/``, ``erp/``, ``ecommerce/`` and ``social/``."""
    return _path_from_env("MDM_LANDING_DIR", REPO_ROOT / "data" / "landing")


def warehouse_path() -> Path:
    """The DuckDB file that is the warehouse."""
    return _path_from_env("MDM_WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb")


def dagster_home() -> Path:
    """Where the in-process Dagster instance keeps its storage."""
    return _path_from_env("DAGSTER_HOME", REPO_ROOT / "data" / "dagster_home")


def truth_dir() -> Path:
    """Ground truth written by ``mdm generate`` beside the landing data, if any."""
    return landing_dir() / "_truth"


def data_docs_dir() -> Path:
    """Where the Great Expectations Data Docs of the last gates are built."""
    return _path_from_env("MDM_DATA_DOCS_DIR", REPO_ROOT / "data" / "data_docs")


def serving_dir() -> Path:
    """Where publications are copied for readers (``warehouse.serving``): ``MDM_SERVING_DIR``,
    default ``serving/`` beside the warehouse file."""
    return _path_from_env("MDM_SERVING_DIR", warehouse_path().parent / "serving")


def service_db_path(warehouse: Path | None = None) -> Path:
    """The service's API keys, audit log and pending steward decisions (``warehouse.access``,
    ``warehouse.stewardship``): ``MDM_SERVICE_DB``, default ``service.sqlite`` beside the
    warehouse file (``warehouse``, default ``MDM_WAREHOUSE``)."""
    beside = (warehouse or warehouse_path()).parent
    return _path_from_env("MDM_SERVICE_DB", beside / "service.sqlite")


def duckdb_memory_limit() -> str:
    """The most memory DuckDB may hold on the pipeline's own connections before it
    spills to disk: ``MDM_DUCKDB_MEMORY_LIMIT`` (a DuckDB size such as ``4GB``), default
    ``DEFAULT_DUCKDB_MEMORY_LIMIT``.

    DuckDB's own default is 80 % of RAM, which it then keeps: at a million records
    matching peaked at 4.3 to 4.6 GiB. With 2 GB it spills the blocked pairs and
    predictions instead and peaked at 3.4 GiB, with the same results and no slower
    (``bench/scale.py``).
    """
    return os.environ.get("MDM_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT


DEFAULT_RUN_NICE = 10


def run_nice() -> int:
    """The scheduling priority (Unix nice, 0 to 19) ``mdm run`` lowers itself to:
    ``MDM_RUN_NICE``, default ``DEFAULT_RUN_NICE``.

    A run is batch work; the service (``mdm serve``) answers applications while it runs. On
    a machine that hosts both, the run yields the cores to requests instead of competing
    with them at the same priority (measured in ``bench/api_load.py``): it is slower only
    while requests are waiting. ``MDM_RUN_NICE=0`` keeps the run at normal priority.
    """
    value = os.environ.get("MDM_RUN_NICE", "").strip()
    if not value:
        return DEFAULT_RUN_NICE
    try:
        nice = int(value)
    except ValueError:
        raise ValueError(
            f"MDM_RUN_NICE must be a whole number from 0 to 19, not {value!r}"
        ) from None
    if not 0 <= nice <= 19:
        raise ValueError(f"MDM_RUN_NICE must be from 0 to 19, not {nice}")
    return nice
