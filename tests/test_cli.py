"""The ``mdm`` command line: errors a user can act on, model versions."""

from __future__ import annotations

import duckdb

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
