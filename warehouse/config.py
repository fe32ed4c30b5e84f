"""Paths and run-wide settings, read from the environment with defaults inside the repo.

The names and defaults follow the output contract (OUTPUTS.md): ``MDM_LANDING_DIR``,
``MDM_WAREHOUSE`` and ``DAGSTER_HOME``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


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
