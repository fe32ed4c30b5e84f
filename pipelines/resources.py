"""Dagster resources: configuration for the warehouse and the landing folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from warehouse import config
from warehouse.layout import connect


class WarehouseResource(dg.ConfigurableResource):
    """Where the pipeline reads landing files and keeps the DuckDB warehouse.

    Defaults come from ``MDM_LANDING_DIR`` and ``MDM_WAREHOUSE`` (see OUTPUTS.md).
    Connections are opened per use and closed afterwards, because dbt needs the file
    free while it runs in its own process.
    """

    warehouse_path: str
    landing_dir: str

    @classmethod
    def from_env(cls) -> WarehouseResource:
        """The resource for the paths in the environment, with the repo defaults."""
        return cls(
            warehouse_path=str(config.warehouse_path()), landing_dir=str(config.landing_dir())
        )

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.warehouse_path) as con:
            yield con

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def service_db(self) -> Path:
        """The service store (API keys, audit, the console's pending steward decisions)."""
        return config.service_db_path(Path(self.warehouse_path))

    @property
    def truth_path(self) -> Path | None:
        path = self.landing / "_truth" / "records.csv"
        return path if path.exists() else None
