"""The landing-folder sensor starts a run only when landing files change."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.ingest.sensors import build_landing_sensor, landing_fingerprint


def test_fingerprint_changes_when_a_file_lands(tmp_path):
    (tmp_path / "crm").mkdir()
    empty = landing_fingerprint(tmp_path)
    (tmp_path / "crm" / "contacts_0001.csv").write_text("Id\n")
    one = landing_fingerprint(tmp_path)
    assert one != empty
    assert landing_fingerprint(tmp_path) == one
    (tmp_path / "crm" / "notes.txt").write_text("not a delivery")
    assert landing_fingerprint(tmp_path) == one


def test_sensor_requests_a_run_once_per_change(tmp_path, monkeypatch):
    monkeypatch.setenv("MDM_LANDING_DIR", str(tmp_path))
    (tmp_path / "erp").mkdir()
    (tmp_path / "erp" / "customers_0001.csv").write_text("KUNNR\n")
    sensor = build_landing_sensor(dg.define_asset_job("j"))
    first = sensor(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest)
    again = sensor(dg.build_sensor_context(cursor=first.run_key))
    assert isinstance(again, dg.SkipReason)
