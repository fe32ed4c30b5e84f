"""Splitting records over numbered deliveries, the way periodic exports arrive.

Most records come in the first (full) delivery, the rest in later ones. Some records
delivered early change later and are delivered again with the same native id: the
person moved, got a new mobile or e-mail address, had a typo fixed, or was deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from sources.generator import settings
from sources.generator.addresses import ADDRESS_COLUMNS
from sources.generator.phones import PARTS

UPDATE_KINDS = tuple(settings.UPDATE_KINDS)
DELIVERY = "_delivery"


@dataclass(frozen=True)
class DeliveryPlan:
    """Per record: the delivery of its first version, the delivery of its changed
    version (0 when it never changes) and what changed."""

    first: np.ndarray
    update: np.ndarray
    kind: np.ndarray

    def changes(self, kind: str) -> np.ndarray:
        """Records whose later version changes in this way."""
        return (self.update > 0) & (self.kind == UPDATE_KINDS.index(kind))

    @property
    def updated(self) -> np.ndarray:
        return self.update > 0


def plan_deliveries(rng: np.random.Generator, n: int, deliveries: int) -> DeliveryPlan:
    """A delivery plan for ``n`` records over ``deliveries`` deliveries."""
    if deliveries <= 1:
        ones = np.ones(n, dtype=np.int64)
        return DeliveryPlan(ones, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int8))
    later = rng.integers(2, deliveries + 1, n)
    first = np.where(rng.random(n) < settings.FIRST_DELIVERY_SHARE, 1, later)
    changes = (first < deliveries) & (rng.random(n) < settings.UPDATE_SHARE)
    # the change arrives in a delivery after the first version
    span = deliveries - first
    update = np.where(changes, first + 1 + (rng.random(n) * np.maximum(span, 1)).astype(int), 0)
    weights = np.asarray(list(settings.UPDATE_KINDS.values()))
    kind = rng.choice(len(weights), size=n, p=weights / weights.sum()).astype(np.int8)
    return DeliveryPlan(first, update, kind)


def mark_final(view: pl.DataFrame, plan: DeliveryPlan) -> pl.DataFrame:
    """The latest version of every record: deletions applied."""
    return view.with_columns(force_delete=pl.Series(plan.changes("delete")))


def earlier_view(view: pl.DataFrame, plan: DeliveryPlan) -> pl.DataFrame:
    """The first version of the records that change later, before the change."""
    rows = np.flatnonzero(plan.updated)
    earlier = view[rows]
    kind = pl.Series(np.asarray(UPDATE_KINDS)[plan.kind[rows]])
    moved, new_phone = kind == "move", kind == "phone"
    new_email, fixed_name = kind == "email", kind == "name"
    age = pl.col("modified_ts") - pl.col("created_ts")
    return earlier.with_columns(
        [
            pl.when(moved).then(pl.col(f"prev_{c}")).otherwise(pl.col(c)).alias(c)
            for c in ADDRESS_COLUMNS
        ]
        + [
            pl.when(new_phone & pl.col("prev_mobile_a").is_not_null())
            .then(pl.col(f"prev_mobile_{p}"))
            .otherwise(pl.col(f"mobile_{p}"))
            .alias(f"mobile_{p}")
            for p in PARTS
        ]
        + [
            pl.when(new_email).then("email2").otherwise("email1").alias("email1"),
            pl.when(new_email).then("email1").otherwise("email2").alias("email2"),
            fixed_name.alias("force_typo"),
            pl.lit(False).alias("force_delete"),
            (pl.col("created_ts") + age // 3).alias("modified_ts"),
        ]
    )


def stamp(final: pl.DataFrame, earlier: pl.DataFrame, plan: DeliveryPlan) -> pl.DataFrame:
    """All delivered versions with their delivery number in ``_delivery``.

    ``final`` has one row per record; ``earlier`` one row per record that changes, in
    the order of ``plan.updated``.
    """
    updated = plan.updated
    final_delivery = np.where(updated, plan.update, plan.first)
    return pl.concat(
        [
            final.with_columns(pl.Series(DELIVERY, final_delivery)),
            earlier.with_columns(pl.Series(DELIVERY, plan.first[updated])),
        ]
    )


def delivered_versions(
    view: pl.DataFrame, plan: DeliveryPlan, render: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """``render`` applied to the latest and to the earlier versions of every record, with
    the delivery each version arrives in (column ``_delivery``)."""
    final = render(mark_final(view, plan))
    earlier = render(earlier_view(view, plan))
    return stamp(final, earlier, plan)
