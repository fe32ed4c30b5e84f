"""The dbt project as Dagster sees it, with a manifest that is always current."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from warehouse import config

_DBT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = (project_dir / "dbt_project.yml").stat().st_mtime
    for folder in _DBT_INPUTS:
        for path in (project_dir / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_dbt_on_path() -> None:
    """Make the `dbt` installed beside this interpreter callable without an activated venv.

    dagster-dbt runs dbt as a subprocess found on PATH; `.venv/bin/python -m pytest` or
    `.venv/bin/mdm` do not put `.venv/bin` there.
    """
    bin_dir = Path(sys.executable).parent
    if shutil.which("dbt") is None and (bin_dir / "dbt").exists():
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def load_dbt_project() -> DbtProject:
    """Return the dbt project, parsing it first when its manifest is missing or stale.

    ``dbt parse`` runs locally (no packages, no network) and takes a few seconds; it only
    runs again after a model, macro or seed has changed.
    """
    ensure_dbt_on_path()
    os.environ.setdefault("MDM_WAREHOUSE", str(config.warehouse_path()))
    project = DbtProject(project_dir=config.DBT_PROJECT_DIR, profiles_dir=config.DBT_PROJECT_DIR)
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(
        project.project_dir
    ):
        project.preparer.prepare(project)
    return project
