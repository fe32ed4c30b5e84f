"""Steward pins (warehouse.pins): values checked and normalised, the latest action counts."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from warehouse.pins import (
    PinError,
    active_pins,
    normalize_pin_value,
    pin_attribute,
    unpin_attribute,
)


@pytest.fixture
def con():
    with duckdb.connect() as c:
        yield c


@pytest.mark.parametrize(
    ("attribute", "value", "stored"),
    [
        ("phone", "+86 138 0013 8000", "+8613800138000"),
        ("phone", "0086 13800138000", "+8613800138000"),
        ("email", " Ann.Lee@Example.COM ", "ann.lee@example.com"),
        ("country", "Deutschland", "DE"),
        ("country", "cn", "CN"),
        ("birth_date", "1990-02-03", "1990-02-03"),
        ("email_opt_in", "No", "false"),
        ("email_opt_in", "true", "true"),
        ("last_name", " 张 ", "张"),
    ],
)
def test_pinned_value_is_normalised_like_the_pipeline(attribute, value, stored):
    assert normalize_pin_value(attribute, value) == stored


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("phone", "12", "not a valid phone number"),
        ("email", "ann(at)example.com", "not a valid e-mail"),
        ("country", "Atlantis", "not a country"),
        ("birth_date", "03/02/1990", "not a date"),
        ("birth_date", "2999-01-01", "in the future"),
        ("email_opt_in", "maybe", "true or false"),
        ("golden_id", "G-1", "cannot be pinned"),
        ("city", "  ", "needs a value"),
    ],
)
def test_invalid_pin_is_refused_with_the_reason(attribute, value, message):
    with pytest.raises(PinError, match=message):
        normalize_pin_value(attribute, value)


def test_pin_needs_who_and_why(con):
    with pytest.raises(PinError, match="who made it"):
        pin_attribute(con, "G-1", "city", "Berlin", decided_by=" ", reason="moved")
    with pytest.raises(PinError, match="who made it"):
        pin_attribute(con, "G-1", "city", "Berlin", decided_by="sam", reason="")


def test_latest_action_per_attribute_counts(con):
    t0 = dt.datetime(2026, 1, 1)
    pin_attribute(con, "G-1", "city", "Berlin", "sam", "moved", decided_at=t0)
    pin_attribute(con, "G-1", "city", "Hamburg", "kim", "moved again", decided_at=t0.replace(day=2))
    pin_attribute(con, "G-1", "phone", "+4915112345678", "sam", "called", decided_at=t0)
    pin_attribute(con, "G-2", "city", "Paris", "sam", "moved", decided_at=t0)
    pins = {(pin.golden_id, pin.attribute): pin for pin in active_pins(con)}
    assert set(pins) == {("G-1", "city"), ("G-1", "phone"), ("G-2", "city")}
    assert (pins["G-1", "city"].value, pins["G-1", "city"].decided_by) == ("Hamburg", "kim")

    unpin_attribute(con, "G-1", "city", "sam", "wrong customer", decided_at=t0.replace(day=3))
    assert [(p.golden_id, p.attribute) for p in active_pins(con, "G-1")] == [("G-1", "phone")]
    with pytest.raises(PinError, match="no pinned city"):
        unpin_attribute(con, "G-1", "city", "sam", "again")
    actions = con.execute(
        "select action, count(*) from mdm.attribute_pins group by action order by action"
    ).fetchall()
    assert actions == [("pin", 4), ("unpin", 1)]  # nothing is overwritten


def test_no_pins_table_means_no_pins(con):
    assert active_pins(con) == []


def test_pin_moved_by_a_merge_is_unpinned_from_the_id_it_decides_now(con):
    pin_id = pin_attribute(con, "G-OLD", "company", "Stark Foods Ltd", "sam", "registered name")
    # G-OLD was merged into G-NEW; the published lineage of G-NEW names the pin.
    con.execute(
        "create table mdm.golden_attribute_lineage as select 'G-NEW' as golden_id, "
        "'company' as attribute, 'steward_pin' as rule, ? as source_record_id",
        [pin_id],
    )
    unpin_attribute(con, "G-NEW", "company", "kim", "company renamed")
    assert active_pins(con) == []
    (unpinned_on,) = con.execute(
        "select golden_id from mdm.attribute_pins where action = 'unpin'"
    ).fetchone()
    assert unpinned_on == "G-OLD"
