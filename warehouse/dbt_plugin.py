"""dbt-duckdb plugin: the standardisation functions of :mod:`warehouse.udfs` in dbt's SQL.

Referenced from ``dbt_project/profiles.yml`` as ``plugins: [{module: warehouse.dbt_plugin}]``;
dbt-duckdb imports this module and calls :meth:`Plugin.configure_connection` on the
connection every dbt thread's cursor is taken from.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from warehouse.udfs import register_udfs


class Plugin(BasePlugin):
    """Registers ``normalize_phone``, ``romanize``, ``country_iso2``, ``proper_case`` and
    ``phone_type``."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_udfs(conn)
