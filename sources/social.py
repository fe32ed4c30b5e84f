"""Social: platform profiles and engagement events (``social/*.jsonl``).

A profile is known as ``platform:user_id``. Platforms export numeric user ids either as
strings or as numbers, so both are accepted and stored as text.
"""

from __future__ import annotations

from sources.formats import JsonlFormat, bigint, boolean, iso_timestamp, text

_ID_TYPES = ("string", "integer")

PROFILES = JsonlFormat(
    fields=(
        text("platform", types=("string",)),
        text("user_id", types=_ID_TYPES),
        text("handle"),
        text("display_name"),
        text("email"),
        text("phone"),
        text("location"),
        text("bio"),
        bigint("followers"),
        bigint("following"),
        boolean("verified"),
        text("created_at"),
        text("profile_url"),
    ),
    checks={"created_at": [iso_timestamp()]},
)

ENGAGEMENT = JsonlFormat(
    fields=(
        text("platform", types=("string",)),
        text("user_id", types=_ID_TYPES),
        text("event_id", types=_ID_TYPES),
        text("event_type"),
        text("occurred_at"),
        text("text"),
    ),
    checks={"occurred_at": [iso_timestamp()]},
)

FORMATS = {"profiles": PROFILES, "engagement": ENGAGEMENT}
