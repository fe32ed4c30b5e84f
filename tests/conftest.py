"""Shared test configuration."""

import os
import sys

import pytest

_exit_status: int | None = None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without interpreter teardown once pytest has reported.

    DuckDB 2's nanobind binding prints pages of spurious "leaked instance" warnings when the
    interpreter is finalised after Arrow round trips; they would bury pytest's closing line.
    Everything is flushed here and the exit status is pytest's own.
    """
    if _exit_status is None or os.environ.get("MDM_TEST_FULL_TEARDOWN"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)


@pytest.fixture
def people_warehouse(tmp_path):
    """A warehouse file whose ``staging.int_party_records`` holds the hand-made people of
    ``tests.test_matching_pipeline.people``; an open connection to it."""
    import duckdb

    from tests.test_matching_pipeline import load_party_records, people

    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_party_records(connection, people())
    yield connection
    connection.close()
