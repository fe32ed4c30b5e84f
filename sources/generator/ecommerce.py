"""E-commerce: a Shopify-style customer and order export (``ecommerce/*.jsonl``).

Customers type their own data: lower-case names, nicknames, Chinese customers in
pinyin with the surname first or in characters, plus-tagged e-mail addresses, phones in
E.164 when given at all. Orders belong to customers, or to guests identified only by
an e-mail address.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import polars as pl

from sources.generator.deliveries import DELIVERY, delivered_versions, plan_deliveries
from sources.generator.emails import email_variant
from sources.generator.ids import big_integer_ids
from sources.generator.phones import e164
from sources.generator.presence import LAST_CHANGE_TS, record_view
from sources.generator.renderings import NAME_DRAWS, local_timestamp, with_latin_name
from sources.generator.settings import GeneratorRates, ShopRates
from sources.generator.variants import add_draws, choose, draw, null_str

CUSTOMER_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "created_at",
    "updated_at",
    "accepts_marketing",
    "state",
    "tags",
    "default_address",
)
ORDER_FIELDS = (
    "id",
    "customer_id",
    "email",
    "created_at",
    "total_price",
    "currency",
    "financial_status",
    "line_items",
)
TAGS = ("vip", "newsletter", "wholesale", "returning", "loyalty-gold", "loyalty-silver", "b2b")
CURRENCY = {"CN": "CNY", "US": "USD", "GB": "EUR", "DE": "EUR"}
TO_CURRENCY = {"CNY": 7.1, "USD": 1.0, "EUR": 0.92}
FINANCIAL_STATUS = {"paid": 0.80, "refunded": 0.06, "pending": 0.09, "voided": 0.05}
# sku, title, price in USD
CATALOG = (
    ("TEA-GRN-250", "Green Tea 绿茶 250g", 12.50),
    ("TEA-OOL-100", "Oolong Tea 100g", 18.00),
    ("MUG-CER-01", "Ceramic Mug", 9.99),
    ("BTL-STL-750", "Steel Bottle 750ml", 24.90),
    ("BAG-TOT-CN", "Canvas Tote Bag", 15.00),
    ("HDP-BT-200", "Bluetooth Headphones", 79.00),
    ("CBL-USBC-2M", "USB-C Cable 2m", 11.99),
    ("CHG-65W", "65W Charger", 39.00),
    ("LMP-DSK-LED", "LED Desk Lamp", 45.00),
    ("NTB-A5-DOT", "A5 Dotted Notebook", 8.50),
    ("PEN-GEL-12", "Gel Pens (12)", 6.99),
    ("SCK-WOL-3", "Wool Socks (3 pairs)", 19.90),
    ("TSH-COT-M", "Cotton T-Shirt", 22.00),
    ("HOD-FLC-L", "Fleece Hoodie", 54.00),
    ("UMB-CMP", "Compact Umbrella", 17.50),
    ("SKN-SRM-30", "Face Serum 30ml", 32.00),
    ("SNK-MIX-500", "Mixed Nuts 500g", 13.40),
    ("CHC-DRK-6", "Dark Chocolate (6)", 14.90),
    ("MSK-SLK", "Silk Sleep Mask", 21.00),
    ("PLN-SUC-3", "Succulent Set (3)", 27.50),
)
_DRAWS = (
    *NAME_DRAWS,
    *"script whole email_pick email_variant phone address_missing address_script street_form "
    "city_form marketing state tags tags2".split(),
)


def _customers(v: pl.DataFrame, r: ShopRates) -> pl.DataFrame:
    hz = pl.col("is_cn") & (draw("script") < r.names.hanzi)
    v = with_latin_name(v, r.names)
    first, last = pl.col("_first"), pl.col("_last")
    whole = draw("whole") < r.whole_name_in_first
    v = v.with_columns(
        _email=pl.when(
            (draw("email_pick") < r.email_second)
            | (pl.col("duplicate") & (draw("email_pick") < r.duplicate_email_second))
        )
        .then("email2")
        .otherwise("email1")
    )
    email = email_variant(
        "_email",
        draw("email_variant"),
        {"plus_tag": r.email_plus_tag, "domain_typo": r.email_domain_typo},
    ).str.to_lowercase()
    address_hz = pl.col("street_hz").is_not_null() & (draw("address_script") < r.address_hanzi)
    address = pl.struct(
        address1=pl.when(address_hz)
        .then("street_hz")
        .when(draw("street_form") < r.street_alt)
        .then("street_alt")
        .otherwise("street"),
        address2=pl.when(address_hz).then("line2_hz").otherwise("line2"),
        city=pl.when(address_hz)
        .then("city_hz")
        .when(pl.col("city_alt").is_not_null() & (draw("city_form") < r.city_alt))
        .then("city_alt")
        .otherwise("city"),
        province=pl.when(address_hz).then("region_hz").otherwise("region"),
        province_code=pl.col("region_code"),
        zip=pl.col("postal"),
        country_code=pl.col("country"),
    )
    tags = pl.concat_str(
        [
            pl.when(draw("tags") < 0.25).then(pl.lit(TAGS[0])),
            pl.when(draw("tags2") < 0.30).then(
                choose(draw("tags2") / 0.30, [(1.0, pl.lit(t)) for t in TAGS[1:]])
            ),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    state = choose(
        draw("state"),
        [
            (w, pl.lit(s))
            for w, s in zip(r.state_weights, ("enabled", "disabled", "invited"), strict=True)
        ],
    )
    return v.select(
        "id",
        email=email,
        first_name=pl.when(hz)
        .then("given_hz")
        .when(whole)
        .then(pl.concat_str([first, pl.lit(" "), last]))
        .otherwise(first),
        last_name=pl.when(hz).then("surname_hz").when(whole).then(null_str()).otherwise(last),
        phone=pl.when(draw("phone") < r.phone_present).then(e164("mobile")),
        created_at=local_timestamp("created_ts"),
        updated_at=local_timestamp("modified_ts"),
        accepts_marketing=draw("marketing") < r.accepts_marketing,
        state=pl.when("force_delete").then(pl.lit("disabled")).otherwise(state),
        tags=tags,
        default_address=pl.when(draw("address_missing") >= r.address_missing).then(address),
        _person_id="person_id",
    )


def ecommerce_tables(
    rng: np.random.Generator,
    people: pl.DataFrame,
    records: pl.DataFrame,
    deliveries: int,
    rates: GeneratorRates,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All delivered versions of shop customers, and the orders."""
    plan = plan_deliveries(rng, records.height, deliveries)
    view = record_view(
        rng,
        people,
        records,
        "ecommerce",
        plan.changes("move"),
        plan.changes("phone"),
        rates.stale,
    )
    ids = big_integer_ids(rng, records.height, 4_000_000_000_000)
    view = add_draws(view, rng, _DRAWS).with_columns(id=pl.Series(ids))
    render = partial(_customers, r=rates.shop)
    customers = delivered_versions(view, plan, render).with_columns(
        _record_id=pl.col("id").cast(pl.String)
    )
    # orders carry the e-mail address of the customer's latest version
    latest = customers.filter(pl.col(DELIVERY) == pl.col(DELIVERY).max().over("id"))
    owners = view.select("id", "country", "created_ts", first=pl.Series(plan.first)).join(
        latest.select("id", "email"), on="id", how="left", maintain_order="left"
    )
    orders = _orders(rng, owners, people, deliveries, rates.shop)
    return customers, orders


def _orders(
    rng: np.random.Generator,
    owners: pl.DataFrame,
    people: pl.DataFrame,
    deliveries: int,
    r: ShopRates,
) -> pl.DataFrame:
    count = rng.poisson(r.orders_mean, owners.height)
    rows = np.repeat(np.arange(owners.height), count)
    own = owners[rows].with_columns(customer_id=pl.col("id"))
    # guests: checkout without an account, known only by the e-mail they typed
    n_guest = int(len(rows) * r.guest_order_share / (1 - r.guest_order_share))
    guests_of = rng.integers(0, people.height, n_guest)
    guests = people[guests_of].select(
        "country",
        email=pl.col("email1"),
        customer_id=pl.lit(None, pl.Int64),
        first=pl.lit(1, pl.Int64),
        created_ts=pl.lit(0, pl.Int64),
    )
    orders = pl.concat([own.select(guests.columns), guests])
    orders = orders[rng.permutation(orders.height)]
    n = orders.height
    start = np.maximum(orders["created_ts"].to_numpy(), LAST_CHANGE_TS - 5 * 365 * 86400)
    placed = start + (rng.random(n) * (LAST_CHANGE_TS - start)).astype(np.int64)
    first = orders["first"].to_numpy()
    delivery = first + (rng.random(n) * (deliveries - first + 1)).astype(np.int64)
    statuses = list(FINANCIAL_STATUS)
    status_idx = rng.choice(len(statuses), n, p=np.asarray(list(FINANCIAL_STATUS.values())))
    orders = orders.with_columns(
        id=pl.Series(big_integer_ids(rng, n, 5_000_000_000_000)),
        placed_ts=pl.Series(placed),
        currency=pl.col("country").replace_strict(CURRENCY),
        financial_status=pl.Series(np.asarray(statuses)[status_idx]),
        **{DELIVERY: pl.Series(delivery)},
    )
    items = _line_items(rng, orders["currency"])
    return orders.with_columns(items).select(
        "id",
        "customer_id",
        "email",
        created_at=local_timestamp("placed_ts"),
        total_price="total_price",
        currency="currency",
        financial_status="financial_status",
        line_items="line_items",
        **{DELIVERY: pl.col(DELIVERY)},
    )


def _money(cents: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [(cents // 100).cast(pl.String), pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2)]
    )


def _line_items(rng: np.random.Generator, currency: pl.Series) -> pl.DataFrame:
    """``line_items`` (list of sku/title/quantity/price) and ``total_price`` per order."""
    n = len(currency)
    per_order = 1 + np.minimum(rng.poisson(0.8, n), 4)
    order = np.repeat(np.arange(n), per_order)
    product = rng.integers(0, len(CATALOG), len(order))
    quantity = 1 + rng.poisson(0.3, len(order))
    catalog = pl.DataFrame(
        {
            "sku": [c[0] for c in CATALOG],
            "title": [c[1] for c in CATALOG],
            "usd": [c[2] for c in CATALOG],
        }
    )
    items = catalog[product].with_columns(
        order=pl.Series(order),
        quantity=pl.Series(quantity),
        currency=currency.gather(order),
    )
    # prices end in .00 in yuan and keep their cents in dollars and euros
    price = pl.col("usd") * pl.col("currency").replace_strict(TO_CURRENCY, return_dtype=pl.Float64)
    cents = (
        pl.when(pl.col("currency") == "CNY")
        .then(price.round(0) * 100)
        .otherwise((price * 100).round(0))
        .cast(pl.Int64)
    )
    items = items.with_columns(cents=cents)
    grouped = (
        items.group_by("order", maintain_order=True)
        .agg(
            line_items=pl.struct("sku", "title", "quantity", price=_money(pl.col("cents"))),
            total=(pl.col("cents") * pl.col("quantity")).sum(),
        )
        .sort("order")
    )
    return grouped.select("line_items", total_price=_money(pl.col("total")))
