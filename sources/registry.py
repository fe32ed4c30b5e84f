"""The entity registry: the seven landing file types of SOURCES.md and their raw tables."""

from __future__ import annotations

from dataclasses import dataclass

from sources import crm, ecommerce, erp, social
from sources.formats import NativeFormat


@dataclass(frozen=True)
class Entity:
    """One landing file type and the ``raw`` table it is loaded into."""

    source_system: str  # crm, erp, ecommerce, social
    name: str  # contacts, customers, invoices, orders, profiles, engagement
    pattern: str  # glob relative to the landing folder, e.g. "crm/contacts_*.csv"
    raw_table: str  # table in schema raw, e.g. "crm_contacts"
    id_columns: tuple[str, ...]  # native id columns, e.g. ("Id",), ("platform", "user_id")

    @property
    def key(self) -> str:
        """``source_system/name``, e.g. ``crm/contacts``."""
        return f"{self.source_system}/{self.name}"


ENTITIES: tuple[Entity, ...] = (
    Entity("crm", "contacts", "crm/contacts_*.csv", "crm_contacts", ("Id",)),
    Entity("erp", "customers", "erp/customers_*.csv", "erp_customers", ("KUNNR",)),
    Entity("erp", "invoices", "erp/invoices_*.csv", "erp_invoices", ("VBELN",)),
    Entity("ecommerce", "customers", "ecommerce/customers_*.jsonl", "ecommerce_customers", ("id",)),
    Entity("ecommerce", "orders", "ecommerce/orders_*.jsonl", "ecommerce_orders", ("id",)),
    Entity(
        "social", "profiles", "social/profiles_*.jsonl", "social_profiles", ("platform", "user_id")
    ),
    Entity(
        "social",
        "engagement",
        "social/engagement_*.jsonl",
        "social_engagement",
        ("platform", "event_id"),
    ),
)

_FORMATS: dict[str, dict[str, NativeFormat]] = {
    "crm": crm.FORMATS,
    "erp": erp.FORMATS,
    "ecommerce": ecommerce.FORMATS,
    "social": social.FORMATS,
}


def entity(source_system: str, name: str) -> Entity:
    """The entity ``source_system/name``; ``KeyError`` naming the known ones otherwise."""
    for candidate in ENTITIES:
        if candidate.source_system == source_system and candidate.name == name:
            return candidate
    known = ", ".join(e.key for e in ENTITIES)
    raise KeyError(f"unknown entity {source_system}/{name} (known: {known})")


def native_format(of: Entity) -> NativeFormat:
    """The native file format (columns, types, Pandera checks) of an entity's files."""
    return _FORMATS[of.source_system][of.name]
