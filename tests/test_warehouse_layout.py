"""Warehouse connections: the DuckDB memory limit the pipeline runs under."""

from __future__ import annotations

from warehouse.config import DEFAULT_DUCKDB_MEMORY_LIMIT
from warehouse.layout import connect


def _limit(path) -> str:
    with connect(path) as con:
        return con.execute("select current_setting('memory_limit')").fetchall()[0][0]


def test_connections_get_the_default_memory_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("MDM_DUCKDB_MEMORY_LIMIT", raising=False)
    assert DEFAULT_DUCKDB_MEMORY_LIMIT == "2GB"
    # DuckDB reports the limit in its own units (1.8 GiB for 2 GB)
    assert _limit(tmp_path / "w.duckdb") == "1.8 GiB"


def test_the_memory_limit_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MDM_DUCKDB_MEMORY_LIMIT", "512MB")
    assert _limit(tmp_path / "w.duckdb") == "488.2 MiB"
