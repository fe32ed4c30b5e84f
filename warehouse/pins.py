"""Values pinned by data stewards: the golden attribute survivorship never overrides.

A steward who knows better than every source (the customer called to give the right
birth date) pins the value on the golden record. The pin is kept in ``mdm.attribute_pins``
(who, when, why) and wins over every survivorship rule in every later run, until the
steward unpins it; the lineage of the value names the pin (rule ``steward_pin``). For one
golden id and attribute the latest action counts. A pin follows its golden id when a
merge absorbs it into another (unless that one has a pin of its own).

The table lives in ``mdm`` beside the published tables, but publication never replaces it.
Values are checked and normalised here, as the pipeline would have made them: a phone
becomes E.164, a country ISO alpha-2, a birth date ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Literal

import duckdb

from warehouse.layout import table_exists
from warehouse.udfs import country_iso2, normalize_phone

PINS_TABLE = "mdm.attribute_pins"
Action = Literal["pin", "unpin"]

# Golden attributes a steward may pin (mdm.golden_customer, OUTPUTS.md).
PINNABLE_ATTRIBUTES: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "birth_date",
    "company",
    "email_opt_in",
)

_EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}

_DDL = f"""
create table if not exists {PINS_TABLE} (
    pin_id varchar primary key,
    golden_id varchar not null,
    attribute varchar not null,
    value varchar,
    action varchar not null,
    decided_by varchar not null,
    decided_at timestamp not null,
    reason varchar not null
)
"""


class PinError(ValueError):
    """A pin that cannot be stored: unknown attribute, invalid value, missing reason."""


@dataclass(frozen=True)
class Pin:
    pin_id: str
    golden_id: str
    attribute: str
    value: str
    decided_by: str
    decided_at: dt.datetime
    reason: str


def ensure_pins_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mdm.attribute_pins`` when it does not exist."""
    con.execute("create schema if not exists mdm")
    con.execute(_DDL)


def normalize_pin_value(attribute: str, value: str) -> str:
    """The value as survivorship would store it, or :class:`PinError` saying why not."""
    if attribute not in PINNABLE_ATTRIBUTES:
        raise PinError(
            f"attribute {attribute!r} cannot be pinned; pinnable: {', '.join(PINNABLE_ATTRIBUTES)}"
        )
    text = value.strip()
    if not text:
        raise PinError(f"a pinned {attribute} needs a value (to remove a pin, unpin it)")
    if attribute == "email":
        email = text.lower()
        if not _EMAIL.match(email):
            raise PinError(f"{value!r} is not a valid e-mail address")
        return email
    if attribute == "phone":
        phone = normalize_phone(text)
        if phone is None:
            raise PinError(
                f"{value!r} is not a valid phone number; give it with its country code, "
                "e.g. +86 138 0013 8000"
            )
        return phone
    if attribute == "country":
        country = country_iso2(text)
        if country is None:
            raise PinError(f"{value!r} is not a country name or ISO code")
        return country
    if attribute == "birth_date":
        try:
            born = dt.date.fromisoformat(text)
        except ValueError as error:
            raise PinError(f"birth_date {value!r} is not a date (YYYY-MM-DD)") from error
        if born > dt.date.today():
            raise PinError(f"birth_date {value!r} is in the future")
        return born.isoformat()
    if attribute == "email_opt_in":
        if text.lower() in _TRUE:
            return "true"
        if text.lower() in _FALSE:
            return "false"
        raise PinError(f"email_opt_in must be true or false, not {value!r}")
    return text


def _record(
    con: duckdb.DuckDBPyConnection,
    action: Action,
    golden_id: str,
    attribute: str,
    value: str | None,
    decided_by: str,
    reason: str,
    decided_at: dt.datetime | None,
    pin_id: str | None = None,
) -> str:
    if not golden_id.strip():
        raise PinError("a pin needs a golden id")
    if attribute not in PINNABLE_ATTRIBUTES:
        raise PinError(
            f"attribute {attribute!r} cannot be pinned; pinnable: {', '.join(PINNABLE_ATTRIBUTES)}"
        )
    if not decided_by.strip() or not reason.strip():
        raise PinError("a pin needs who made it (decided_by) and why (reason)")
    ensure_pins_table(con)
    pin_id = pin_id or str(uuid.uuid4())
    when = decided_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(
        f"insert into {PINS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
        [pin_id, golden_id, attribute, value, action, decided_by, when, reason],
    )
    return pin_id


def pin_attribute(
    con: duckdb.DuckDBPyConnection,
    golden_id: str,
    attribute: str,
    value: str,
    decided_by: str,
    reason: str,
    decided_at: dt.datetime | None = None,
    pin_id: str | None = None,
) -> str:
    """Pin ``value`` on a golden record's attribute; returns the pin id.

    It takes effect at the next run, whatever the sources say until then. ``pin_id`` is
    given by a caller that must be able to tell it stored the pin already (the console's
    import, ``warehouse.stewardship``).
    """
    normalized = normalize_pin_value(attribute, value)
    return _record(
        con, "pin", golden_id, attribute, normalized, decided_by, reason, decided_at, pin_id
    )


def unpin_attribute(
    con: duckdb.DuckDBPyConnection,
    golden_id: str,
    attribute: str,
    decided_by: str,
    reason: str,
    decided_at: dt.datetime | None = None,
) -> str:
    """Give the attribute back to survivorship from the next run on; returns the action id.

    ``golden_id`` is the id the pin was made on or, when a merge has moved the pin, the id
    whose published value it now decides (the published lineage names the pin).
    """
    active = {(pin.golden_id, pin.attribute) for pin in active_pins(con, golden_id)}
    pinned_on = golden_id
    if (golden_id, attribute) not in active:
        pinned_on = _moved_pin_owner(con, golden_id, attribute)
        if pinned_on is None:
            raise PinError(f"{golden_id} has no pinned {attribute} to unpin")
    return _record(con, "unpin", pinned_on, attribute, None, decided_by, reason, decided_at)


def _moved_pin_owner(con: duckdb.DuckDBPyConnection, golden_id: str, attribute: str) -> str | None:
    """The golden id a pin in force was made on, when the published value of
    ``golden_id``'s attribute comes from it (a merge moved it); else ``None``."""
    if not table_exists(con, "mdm", "golden_attribute_lineage"):
        return None
    row = con.execute(
        """
        select source_record_id from mdm.golden_attribute_lineage
        where golden_id = ? and attribute = ? and rule = 'steward_pin'
        """,
        [golden_id, attribute],
    ).fetchone()
    if row is None:
        return None
    for pin in active_pins(con):
        if pin.pin_id == row[0]:
            return pin.golden_id
    return None


def active_pins(con: duckdb.DuckDBPyConnection, golden_id: str | None = None) -> list[Pin]:
    """Pins in force (the latest action per golden id and attribute is a pin), as recorded:
    on the golden id the steward pinned, before any merge moved them."""
    if not table_exists(con, "mdm", "attribute_pins"):
        return []
    rows = con.execute(
        f"""
        select pin_id, golden_id, attribute, value, decided_by, decided_at, reason
        from {PINS_TABLE}
        where ? is null or golden_id = ?
        qualify action = 'pin' and row_number() over (
            partition by golden_id, attribute order by decided_at desc, pin_id desc
        ) = 1
        order by golden_id, attribute
        """,
        [golden_id, golden_id],
    ).fetchall()
    return [Pin(*row) for row in rows]
