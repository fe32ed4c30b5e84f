"""The ``mdm`` command line: errors a user can act on, model versions."""

from __future__ import annotations

import duckdb
import pytest

from matching.pipeline import match_parties
from pipelines.cli import main
from tests.test_matching_pipeline import NOW, load_party_records, people


def test_run_without_landing_folder_names_the_folder_and_the_fix(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    code = main(["run", "--landing", str(missing), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "mdm generate" in err


def test_models_lists_versions_and_activates_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    warehouse = tmp_path / "w.duckdb"
    assert main(["models", "--warehouse", str(warehouse)]) == 2
    assert "run `mdm run` first" in capsys.readouterr().err

    with duckdb.connect(str(warehouse)) as con:
        load_party_records(con, people())
    assert main(["models", "--warehouse", str(warehouse)]) == 0
    assert "no saved match model yet" in capsys.readouterr().out

    with duckdb.connect(str(warehouse)) as con:
        match_parties(con, "run-1", now=NOW)
        match_parties(con, "run-2", now=NOW, retrain=True, requested_by="engineer.wu")
    assert main(["models", "--warehouse", str(warehouse)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["2", "yes"] and "engineer.wu" in lines[1]
    assert lines[2].split()[0] == "1" and "first run: no saved model" in lines[2]

    assert main(["models", "--warehouse", str(warehouse), "--activate", "1"]) == 0
    assert "v1 is active" in capsys.readouterr().out
    assert main(["models", "--warehouse", str(warehouse), "--activate", "9"]) == 2
    assert "no saved model version 9" in capsys.readouterr().err


def _published_history(warehouse) -> None:
    """A hand-made publication: G-1 in two versions, with the lineage of the current one."""
    from warehouse.history import define_as_of_macro

    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema mdm")
        con.execute(
            """
            create table mdm.golden_customer_history as
            select * from (values
                ('G-1', 1, timestamp '2026-01-01 02:00', timestamp '2026-03-01 02:00', false,
                 'Alte Gasse 1', 'München'),
                ('G-1', 2, timestamp '2026-03-01 02:00', null, true, 'Hauptstraße 5', 'Berlin')
            ) t(golden_id, version, valid_from, valid_to, is_current, street, city)
            """
        )
        con.execute(
            """
            create table mdm.golden_attribute_lineage as
            select 'G-1' as golden_id, 'street' as attribute, 'Hauptstraße 5' as value,
                'crm' as source_system, '003A000001ANNAAAA4' as source_record_id,
                'most_recent' as rule
            """
        )
        define_as_of_macro(con)


def test_customer_shows_the_record_with_its_sources_and_as_of_a_date(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    assert main(["customer", "G-1", "--warehouse", str(warehouse)]) == 2
    assert "run `mdm run` first" in capsys.readouterr().err
    _published_history(warehouse)

    assert main(["customer", "G-1", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "G-1 version 2" in out
    assert "Hauptstraße 5   <- crm 003A000001ANNAAAA4 (most_recent)" in out

    assert main(["customer", "G-1", "--as-of", "2026-02-15", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "G-1 version 1" in out and "Alte Gasse 1" in out and "Berlin" not in out

    assert main(["customer", "G-1", "--history", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert out.index("version 1") < out.index("version 2")

    assert main(["customer", "G-1", "--as-of", "2025-12-31", "--warehouse", str(warehouse)]) == 1
    assert "no golden record G-1 as of 2025-12-31" in capsys.readouterr().err


def test_customer_as_of_refuses_a_date_it_cannot_read(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["customer", "G-1", "--as-of", "15.02.2026", "--warehouse", str(tmp_path / "w")])
    assert "is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_pin_and_unpin_record_the_stewards_decision(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    _published_history(warehouse)
    args = ["--by", "steward.sam", "--reason", "customer called", "--warehouse", str(warehouse)]

    assert main(["pin", "G-1", "phone", "+86 138 0013 8000", *args]) == 0
    assert "takes effect at the next `mdm run`" in capsys.readouterr().out
    assert main(["pin", "G-404", "phone", "+86 138 0013 8000", *args]) == 2
    assert "no golden record G-404" in capsys.readouterr().err
    assert main(["pin", "G-1", "phone", "12", *args]) == 2
    assert "not a valid phone number" in capsys.readouterr().err
    assert main(["unpin", "G-1", "city", *args]) == 2
    assert "no pinned city" in capsys.readouterr().err
    assert main(["unpin", "G-1", "phone", *args]) == 0

    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            "select action, value, decided_by, reason from mdm.attribute_pins order by decided_at"
        ).fetchall()
    assert rows == [
        ("pin", "+8613800138000", "steward.sam", "customer called"),
        ("unpin", None, "steward.sam", "customer called"),
    ]


def test_quality_shows_each_source_dimension_over_runs_and_what_failed(tmp_path, capsys):
    from quality.results import ensure_result_tables

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert main(["quality", "--warehouse", str(warehouse)]) == 0
    assert "no gate results yet" in capsys.readouterr().out
    with duckdb.connect(str(warehouse)) as con:
        ensure_result_tables(con)
        COMPLETE = "completeness"
        rows = [
            # run, suite, expectation, success, measured, threshold, at, source, dimension
            ("r1", "staged_crm", "complete", True, 0.97, 0.90, "2026-01-01", "crm", COMPLETE),
            ("r1", "staged_crm", "email", True, 0.99, 0.95, "2026-01-01", "crm", "accuracy"),
            ("r1", "staged_crm", "phone", True, 0.96, 0.95, "2026-01-01", "crm", "accuracy"),
            ("r2", "staged_crm", "complete", False, 0.85, 0.90, "2026-01-02", "crm", COMPLETE),
            ("r2", "staged_crm", "email", True, 0.99, 0.95, "2026-01-02", "crm", "accuracy"),
            ("r2", "staged_crm", "phone", True, 0.98, 0.95, "2026-01-02", "crm", "accuracy"),
            ("r2", "staged_crm", "record_key", True, 1.0, 1.0, "2026-01-02", "crm", None),
        ]  # fmt: skip
        con.executemany(
            "insert into quality.gate_results (run_id, suite, table_name, expectation, success,"
            " observed_value, threshold, checked_at, source_system, dimension)"
            " values (?, ?, 'staging.int_party_records', ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    assert main(["quality", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].split() == ["crm", "accuracy", "95.0", "%", "96.00", "%", "98.00", "%"]
    assert out[3].split() == ["crm", "completeness", "90.0", "%", "97.00", "%", "85.00", "%", "✗"]
    assert "latest run r2: 1 below threshold (the gate blocks publication)" in out
    assert "crm completeness: staged_crm: complete measured 0.8500 < 0.90" in "\n".join(out)


def test_keys_are_created_listed_and_revoked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MDM_SERVICE_DB", str(tmp_path / "service.sqlite"))
    assert main(["keys", "create", "--name", "crm module", "--role", "app", "--by", "ops"]) == 0
    out = capsys.readouterr().out.splitlines()
    key_id = out[0].split()[1]
    assert out[1].startswith(f"mdm_{key_id}_")
    assert main(["keys", "list"]) == 0
    assert capsys.readouterr().out.split()[:3] == [key_id, "app", "active"]
    assert main(["keys", "revoke", key_id, "--by", "ops"]) == 0
    assert main(["keys", "revoke", key_id]) == 2
    assert f"no active key {key_id}" in capsys.readouterr().err
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out


def test_serve_without_a_publication_names_the_fix(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MDM_SERVING_DIR", str(tmp_path / "serving"))
    assert main(["serve"]) == 2
    assert "run the pipeline (`mdm run`)" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "message"), [("high", "a whole number"), ("25", "from 0 to 19")])
def test_run_refuses_a_priority_it_cannot_take(tmp_path, capsys, monkeypatch, value, message):
    (tmp_path / "landing").mkdir()
    monkeypatch.setenv("MDM_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("MDM_RUN_NICE", value)
    assert main(["run"]) == 2
    assert f"MDM_RUN_NICE must be {message}" in capsys.readouterr().err


def test_run_yields_to_the_service_by_default(monkeypatch):
    from warehouse.config import DEFAULT_RUN_NICE, run_nice

    monkeypatch.delenv("MDM_RUN_NICE", raising=False)
    assert run_nice() == DEFAULT_RUN_NICE == 10
    monkeypatch.setenv("MDM_RUN_NICE", "0")
    assert run_nice() == 0
