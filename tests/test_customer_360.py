"""customer_360 on hand-made customers, each built to hit one rule at its boundary.

The reference date is fixed: MDM_AS_OF_DATE = 2025-06-30. The rules and the default
thresholds of dbt_project.yml (var block ``customer_360``) that the expected values below
were worked out with:

    recency_score    <= 30 days: 5, <= 90: 4, <= 180: 3, <= 365: 2, older: 1
    frequency_score  1 + thresholds reached of 2, 3, 4, 6 purchases
    monetary_score   1 + thresholds reached of 500, 1200, 2500, 5000 CNY
    value_tier       high at rfm_total >= 12, medium >= 8, else low
    windows          last 6 months: purchase day after 2024-12-30; the 6 months before:
                     after 2024-06-30 up to 2024-12-30; new: first purchase after
                     2025-03-30; growing: first purchase after 2024-06-30; churned: last
                     purchase on or before 2024-06-30; churn risk: on or before 2024-12-30

Most customers are one ERP customer with invoices in CNY, billed on whole days, so that
every date is exact. The module builds the warehouse once: standardisation, a hand-made
``mdm_build.customer_xref``, then mastering (which builds customer_360).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from tests.test_dbt_models import (
    Warehouse,
    create_raw_tables,
    crm,
    dbt_build,
    deliver,
    erp,
    profile,
    shop,
    write_xref,
)
from warehouse.config import DBT_PROJECT_DIR

AS_OF = "2025-06-30"

# golden id -> ERP invoices of its one ERP customer: (billing day YYYYMMDD, amount in CNY).
INVOICED: dict[str, list[tuple[str, str]]] = {
    # recency: days from the last purchase day to 2025-06-30
    "G-R30": [("20250531", "100.00")],
    "G-R31": [("20250530", "100.00")],
    "G-R90": [("20250401", "100.00")],
    "G-R91": [("20250331", "100.00")],
    "G-R180": [("20250101", "100.00")],
    "G-R181": [("20241231", "100.00")],
    "G-R365": [("20240630", "100.00")],
    "G-R366": [("20240629", "100.00")],
    # frequency and monetary thresholds, reached and just missed
    "G-F1": [("20250620", "499.99")],
    "G-F2": [("20250619", "250.00"), ("20250620", "250.00")],
    "G-F3": [("20250618", "400.00"), ("20250619", "400.00"), ("20250620", "399.99")],
    "G-F4": [(f"202506{day}", "300.00") for day in (17, 18, 19, 20)],
    "G-F5": [(f"202505{day}", "500.00") for day in (26, 27, 28, 29)] + [("20250530", "499.99")],
    "G-F6": [(f"202506{day}", "500.00") for day in (15, 16, 17, 18)]
    + [("20250619", "250.00"), ("20250620", "250.00")],
    "G-M4999": [("20250331", "4999.99")],
    "G-M5000": [("20250620", "5000.00")],
    "G-TOP": [(f"202506{day}", "1000.00") for day in (14, 15, 16, 17, 18, 19, 20)],
    # behaviour and churn risk
    "G-ACTIVE-364": [("20240701", "100.00")],
    "G-RISK-6M": [("20241230", "100.00")],
    # lifecycle stages
    "G-NEW": [("20250331", "100.00")],
    "G-GROWING-3M": [("20250330", "100.00")],
    "G-GROWING-12M": [("20240701", "100.00"), ("20250601", "100.00")],
    "G-MATURE-12M": [("20240630", "100.00"), ("20250601", "100.00")],
    "G-MATURE-STEADY": [("20230110", "100.00"), ("20241230", "100.00"), ("20241231", "100.00")],
    "G-DECLINING": [
        ("20230110", "100.00"),
        ("20240701", "100.00"),
        ("20241230", "100.00"),
        ("20250601", "100.00"),
    ],
    # only a purchase after the reference date: still a prospect on it
    "G-LATER-BUYER": [("20250701", "5000.00")],
}


def kunnr(golden_id: str) -> str:
    return f"{list(INVOICED).index(golden_id) + 200001:010d}"


def invoice(
    number: int, customer: str, billed_on: str, amount: str, currency: str
) -> dict[str, str]:
    return {
        "VBELN": f"{number:010d}",
        "KUNNR": customer,
        "FKDAT": billed_on,
        "NETWR": amount,
        "WAERK": currency,
    }


def order(
    order_id: str, customer_id: str, created_at: str, total_price: str, currency: str, status: str
) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer_id": customer_id,
        "created_at": created_at,
        "total_price": total_price,
        "currency": currency,
        "financial_status": status,
    }


def event(
    platform: str, user_id: str, event_id: str, kind: str, occurred_at: str
) -> dict[str, str]:
    return {
        "platform": platform,
        "user_id": user_id,
        "event_id": event_id,
        "event_type": kind,
        "occurred_at": occurred_at,
        "text": "hi",
    }


# G-MULTI: one customer in three source records. ERP invoices of 100 EUR and 20 EUR, a shop
# order of 10 USD, another shop customer's order of 200 CNY and a refunded one of 999 CNY.
MULTI_ERP = "0000300001"
MULTI_INVOICES = [
    invoice(9000300001, MULTI_ERP, "20250115", "100.00", "EUR"),
    invoice(9000300002, MULTI_ERP, "20250501", "20.00", "EUR"),
]
MULTI_ORDERS = [
    order("9201", "7201", "2025-06-10T12:00:00+08:00", "10.00", "USD", "paid"),
    order("9202", "7202", "2025-04-01T12:00:00+08:00", "200.00", "CNY", "paid"),
    order("9203", "7202", "2025-04-02T12:00:00+08:00", "999.00", "CNY", "refunded"),
]

# G-UNCONVERTED: an invoice in a currency without a rate (CHF) next to one in CNY.
UNCONVERTED_ERP = "0000300002"
UNCONVERTED_INVOICES = [
    invoice(9000300003, UNCONVERTED_ERP, "20250601", "300.00", "CNY"),
    invoice(9000300004, UNCONVERTED_ERP, "20250602", "50.00", "CHF"),
]

# G-FUTURE: a shop order in the last second of the reference day (UTC) counts; an order at
# midnight after it and an ERP invoice billed the next day do not.
FUTURE_ERP = "0000300003"
FUTURE_ORDERS = [
    order("9301", "7301", "2025-07-01T07:59:59+08:00", "100.00", "CNY", "paid"),
    order("9302", "7301", "2025-07-01T00:00:00Z", "1000.00", "CNY", "paid"),
]
FUTURE_INVOICES = [invoice(9000300005, FUTURE_ERP, "20250701", "5000.00", "CNY")]

# G-PROSPECT: a CRM contact with a profile on each platform and no purchase.
PROSPECT_CRM = "003A000002PROSPEC1"
PROSPECT_PROFILES = [
    profile("wechat", "wx-1", display_name="Li Na"),
    profile("weibo", "2001", display_name="李娜"),
    profile("x", "3001", display_name="Li Na"),
    profile("linkedin", "li-na", display_name="Li Na"),
]
PROSPECT_EVENTS = [
    event("wechat", "wx-1", "w1", "post", "2025-06-01T10:00:00Z"),
    event("wechat", "wx-1", "w2", "like", "2025-06-02T10:00:00Z"),
    event("wechat", "wx-1", "w3", "like", "2025-06-30T23:59:59Z"),
    event("weibo", "2001", "b1", "comment", "2025-05-01T10:00:00Z"),
    event("weibo", "2001", "b2", "share", "2025-05-02T10:00:00Z"),
    event("x", "3001", "x1", "mention", "2025-04-01T10:00:00Z"),
    event("linkedin", "li-na", "l1", "like", "2025-03-01T10:00:00Z"),
    # after the reference date: not counted
    event("linkedin", "li-na", "l2", "post", "2025-07-01T00:00:00Z"),
]

XREF = [
    *[("erp", kunnr(golden_id), golden_id) for golden_id in INVOICED],
    ("erp", MULTI_ERP, "G-MULTI"),
    ("ecommerce", "7201", "G-MULTI"),
    ("ecommerce", "7202", "G-MULTI"),
    ("erp", UNCONVERTED_ERP, "G-UNCONVERTED"),
    ("ecommerce", "7301", "G-FUTURE"),
    ("erp", FUTURE_ERP, "G-FUTURE"),
    ("crm", PROSPECT_CRM, "G-PROSPECT"),
    ("social", "wechat:wx-1", "G-PROSPECT"),
    ("social", "weibo:2001", "G-PROSPECT"),
    ("social", "x:3001", "G-PROSPECT"),
    ("social", "linkedin:li-na", "G-PROSPECT"),
]


def load_sources(con: duckdb.DuckDBPyConnection) -> None:
    erp_customers = [erp(kunnr(golden_id), NAME1=f"KUNDE {golden_id}") for golden_id in INVOICED]
    erp_customers += [
        erp(MULTI_ERP, NAME1="WANG FANG"),
        erp(UNCONVERTED_ERP, NAME1="MEIER HANS"),
        erp(FUTURE_ERP, NAME1="CHEN JIE"),
    ]
    invoices = [
        invoice(9000200000 + n, kunnr(golden_id), billed_on, amount, "CNY")
        for n, (golden_id, billed_on, amount) in enumerate(
            (golden_id, billed_on, amount)
            for golden_id, rows in INVOICED.items()
            for billed_on, amount in rows
        )
    ]
    invoices += MULTI_INVOICES + UNCONVERTED_INVOICES + FUTURE_INVOICES
    shop_customers = [
        shop("7201", first_name="Fang", last_name="Wang"),
        shop("7202", first_name="F.", last_name="Wang"),
        shop("7301", first_name="Jie", last_name="Chen"),
    ]
    create_raw_tables(con)
    deliver(con, "crm_contacts", "crm/contacts_0001.csv", 1, [crm(PROSPECT_CRM, LastName="Li")])
    deliver(con, "erp_customers", "erp/customers_0001.csv", 2, erp_customers)
    deliver(con, "erp_invoices", "erp/invoices_0001.csv", 3, invoices)
    deliver(con, "ecommerce_customers", "ecommerce/customers_0001.jsonl", 4, shop_customers)
    deliver(con, "ecommerce_orders", "ecommerce/orders_0001.jsonl", 5, MULTI_ORDERS + FUTURE_ORDERS)
    deliver(con, "social_profiles", "social/profiles_0001.jsonl", 6, PROSPECT_PROFILES)
    deliver(con, "social_engagement", "social/engagement_0001.jsonl", 7, PROSPECT_EVENTS)


class Customers(Warehouse):
    def __init__(self, path: Path, tmp: Path):
        super().__init__(path, {})
        self.tmp = tmp

    def customer(self, golden_id: str) -> dict[str, Any]:
        (row,) = self.rows("from marts_build.customer_360 where golden_id = ?", [golden_id])
        return row


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Customers]:
    tmp = tmp_path_factory.mktemp("customer_360")
    path = tmp / "warehouse.duckdb"
    previous = {name: os.environ.get(name) for name in ("MDM_WAREHOUSE", "MDM_AS_OF_DATE")}
    os.environ["MDM_WAREHOUSE"] = str(path)
    os.environ["MDM_AS_OF_DATE"] = AS_OF
    try:
        with duckdb.connect(str(path)) as con:
            load_sources(con)
        dbt_build(tmp, "standardized")
        with duckdb.connect(str(path)) as con:
            write_xref(con, XREF)
        dbt_build(tmp, "mastered")
        yield Customers(path, tmp)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ---------------------------------------------------------------------------------------
# reference date
# ---------------------------------------------------------------------------------------


def test_every_row_carries_the_reference_date(customers: Customers) -> None:
    rows = customers.rows(
        "select as_of_date, count(*) as n from marts_build.customer_360 group by 1"
    )
    golden_ids = {golden_id for _, _, golden_id in XREF}
    assert rows == [{"as_of_date": dt.date(2025, 6, 30), "n": len(golden_ids)}]


def test_purchase_after_the_reference_day_does_not_count(customers: Customers) -> None:
    future = customers.customer("G-FUTURE")
    # Order 9301 at 2025-06-30 23:59:59 UTC counts; order 9302 (2025-07-01 00:00 UTC, 1000
    # CNY) and the invoice billed 2025-07-01 (5000 CNY) do not.
    assert (future["order_count"], future["order_total_cny"]) == (1, Decimal("100.00"))
    assert (future["invoice_count"], future["invoice_total_cny"]) == (0, Decimal("0.00"))
    assert (future["purchase_count"], future["total_spend_cny"]) == (1, Decimal("100.00"))
    assert future["first_purchase_at"] == dt.datetime(2025, 6, 30, 23, 59, 59)
    assert future["last_purchase_at"] == dt.datetime(2025, 6, 30, 23, 59, 59)
    assert (future["last_invoice_at"], future["recency_days"]) == (None, 0)
    assert (future["rfm_score"], future["lifecycle_stage"]) == ("511", "new")

    later = customers.customer("G-LATER-BUYER")
    assert (later["purchase_count"], later["total_spend_cny"]) == (0, Decimal("0.00"))
    assert (later["behaviour"], later["rfm_score"], later["value_tier"]) == (
        "potential",
        None,
        "low",
    )


def test_invalid_as_of_date_is_a_compile_error_naming_the_variable(
    customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDM_AS_OF_DATE", "2025-02-29")
    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(customers.tmp / "target_invalid"),
            "--log-path",
            str(customers.tmp / "logs_invalid"),
            "--quiet",
        ]
    )
    assert not result.success
    assert "MDM_AS_OF_DATE" in str(result.exception)
    assert "'2025-02-29'" in str(result.exception)


# ---------------------------------------------------------------------------------------
# purchases of several source records
# ---------------------------------------------------------------------------------------


def test_orders_and_invoices_of_all_source_records_add_up_in_cny(customers: Customers) -> None:
    multi = customers.customer("G-MULTI")
    # Orders: 10 USD x 7.30 = 73.00 and 200.00 CNY; the refunded 999 CNY does not count.
    assert (multi["order_count"], multi["order_total_cny"]) == (2, Decimal("273.00"))
    # Invoices: 100 EUR x 7.55 = 755.00 and 20 EUR x 7.55 = 151.00.
    assert (multi["invoice_count"], multi["invoice_total_cny"]) == (2, Decimal("906.00"))
    assert (multi["purchase_count"], multi["total_spend_cny"]) == (4, Decimal("1179.00"))
    assert multi["lifetime_value_cny"] == Decimal("1179.00")
    assert multi["average_purchase_cny"] == Decimal("294.75")  # 1179.00 / 4
    assert multi["first_purchase_at"] == dt.datetime(2025, 1, 15)
    assert multi["last_purchase_at"] == dt.datetime(2025, 6, 10, 4, 0)  # 12:00 at +08:00
    assert multi["first_order_at"] == dt.datetime(2025, 4, 1, 4, 0)
    assert multi["last_invoice_at"] == dt.datetime(2025, 5, 1)
    # 20 days: R 5; 4 purchases: F 4; 1179.00 CNY (>= 500, < 1200): M 2.
    assert (multi["recency_days"], multi["rfm_score"], multi["rfm_total"]) == (20, "542", 11)
    assert (multi["value_tier"], multi["behaviour"], multi["lifecycle_stage"]) == (
        "medium",
        "active",
        "growing",
    )


def test_average_purchase_leaves_out_purchases_without_a_rate(customers: Customers) -> None:
    row = customers.customer("G-UNCONVERTED")
    assert (row["purchase_count"], row["unconverted_purchase_count"]) == (2, 1)
    assert row["total_spend_cny"] == Decimal("300.00")  # the 50 CHF have no rate
    assert row["average_purchase_cny"] == Decimal("300.00")
    assert (row["frequency_score"], row["monetary_score"]) == (2, 1)


@pytest.mark.parametrize(
    ("golden_id", "average"),
    [
        ("G-F3", Decimal("400.00")),  # 1199.99 / 3 = 399.9966...
        ("G-F2", Decimal("250.00")),
        ("G-TOP", Decimal("1000.00")),
    ],
)
def test_average_purchase_is_rounded_to_the_fen(
    customers: Customers, golden_id: str, average: Decimal
) -> None:
    assert customers.customer(golden_id)["average_purchase_cny"] == average


# ---------------------------------------------------------------------------------------
# RFM and value tier
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden_id", "recency_days", "recency_score"),
    [
        ("G-R30", 30, 5),
        ("G-R31", 31, 4),
        ("G-R90", 90, 4),
        ("G-R91", 91, 3),
        ("G-R180", 180, 3),
        ("G-R181", 181, 2),
        ("G-R365", 365, 2),
        ("G-R366", 366, 1),
    ],
)
def test_recency_score_steps_down_after_each_limit(
    customers: Customers, golden_id: str, recency_days: int, recency_score: int
) -> None:
    row = customers.customer(golden_id)
    assert (row["recency_days"], row["recency_score"]) == (recency_days, recency_score)


@pytest.mark.parametrize(
    ("golden_id", "purchase_count", "frequency_score"),
    [
        ("G-F1", 1, 1),  # 2 missed
        ("G-F2", 2, 2),  # 2 reached, 3 missed
        ("G-F3", 3, 3),  # 3 reached, 4 missed
        ("G-F4", 4, 4),  # 4 reached
        ("G-F5", 5, 4),  # 6 missed
        ("G-F6", 6, 5),  # 6 reached
    ],
)
def test_frequency_score_is_one_plus_thresholds_reached(
    customers: Customers, golden_id: str, purchase_count: int, frequency_score: int
) -> None:
    row = customers.customer(golden_id)
    assert (row["purchase_count"], row["frequency_score"]) == (purchase_count, frequency_score)


@pytest.mark.parametrize(
    ("golden_id", "total_spend_cny", "monetary_score"),
    [
        ("G-F1", Decimal("499.99"), 1),
        ("G-F2", Decimal("500.00"), 2),
        ("G-F3", Decimal("1199.99"), 2),
        ("G-F4", Decimal("1200.00"), 3),
        ("G-F5", Decimal("2499.99"), 3),
        ("G-F6", Decimal("2500.00"), 4),
        ("G-M4999", Decimal("4999.99"), 4),
        ("G-M5000", Decimal("5000.00"), 5),
    ],
)
def test_monetary_score_is_one_plus_thresholds_reached(
    customers: Customers, golden_id: str, total_spend_cny: Decimal, monetary_score: int
) -> None:
    row = customers.customer(golden_id)
    assert (row["total_spend_cny"], row["monetary_score"]) == (total_spend_cny, monetary_score)
    assert row["lifetime_value_cny"] == total_spend_cny


@pytest.mark.parametrize(
    ("golden_id", "rfm_score", "rfm_total", "value_tier"),
    [
        ("G-TOP", "555", 15, "high"),
        ("G-F6", "554", 14, "high"),
        ("G-F4", "543", 12, "high"),  # 12 reached
        ("G-F5", "443", 11, "medium"),  # 12 missed (last purchase 31 days ago)
        ("G-M5000", "515", 11, "medium"),
        ("G-F2", "522", 9, "medium"),
        ("G-M4999", "314", 8, "medium"),  # 8 reached (91 days ago)
        ("G-F1", "511", 7, "low"),  # 8 missed
        ("G-R366", "111", 3, "low"),
    ],
)
def test_value_tier_follows_rfm_total(
    customers: Customers, golden_id: str, rfm_score: str, rfm_total: int, value_tier: str
) -> None:
    row = customers.customer(golden_id)
    assert (row["rfm_score"], row["rfm_total"], row["value_tier"]) == (
        rfm_score,
        rfm_total,
        value_tier,
    )


def test_prospect_has_no_scores_and_is_low_potential(customers: Customers) -> None:
    row = customers.customer("G-PROSPECT")
    assert {
        name: row[name]
        for name in (
            "purchase_count total_spend_cny lifetime_value_cny average_purchase_cny "
            "first_purchase_at last_purchase_at recency_days recency_score frequency_score "
            "monetary_score rfm_score rfm_total value_tier behaviour churn_risk "
            "lifecycle_stage purchases_last_6_months purchases_prior_6_months"
        ).split()
    } == {
        "purchase_count": 0,
        "total_spend_cny": Decimal("0.00"),
        "lifetime_value_cny": Decimal("0.00"),
        "average_purchase_cny": None,
        "first_purchase_at": None,
        "last_purchase_at": None,
        "recency_days": None,
        "recency_score": None,
        "frequency_score": None,
        "monetary_score": None,
        "rfm_score": None,
        "rfm_total": None,
        "value_tier": "low",
        "behaviour": "potential",
        "churn_risk": False,
        "lifecycle_stage": None,
        "purchases_last_6_months": 0,
        "purchases_prior_6_months": 0,
    }


# ---------------------------------------------------------------------------------------
# behaviour and churn risk
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden_id", "last_purchase_on", "behaviour", "churn_risk"),
    [
        ("G-R30", "2025-05-31", "active", False),
        ("G-R181", "2024-12-31", "active", False),  # 6 months less a day
        ("G-RISK-6M", "2024-12-30", "active", True),  # exactly 6 months
        ("G-ACTIVE-364", "2024-07-01", "active", True),  # 12 months less a day
        ("G-R365", "2024-06-30", "churned", True),  # exactly 12 months
        ("G-R366", "2024-06-29", "churned", True),
        ("G-PROSPECT", None, "potential", False),
    ],
)
def test_behaviour_and_churn_risk_by_months_since_last_purchase(
    customers: Customers,
    golden_id: str,
    last_purchase_on: str | None,
    behaviour: str,
    churn_risk: bool,
) -> None:
    row = customers.customer(golden_id)
    last = row["last_purchase_at"]
    assert (last.date().isoformat() if last else None) == last_purchase_on
    assert (row["behaviour"], row["churn_risk"]) == (behaviour, churn_risk)


# ---------------------------------------------------------------------------------------
# lifecycle stage
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden_id", "last_6_months", "prior_6_months", "stage"),
    [
        ("G-NEW", 1, 0, "new"),  # first purchase 2025-03-31: 3 months less a day
        ("G-GROWING-3M", 1, 0, "growing"),  # first purchase 2025-03-30: exactly 3 months
        ("G-GROWING-12M", 1, 1, "growing"),  # first 2024-07-01: 12 months less a day
        ("G-MATURE-12M", 1, 0, "mature"),  # first purchase 2024-06-30: exactly 12 months
        ("G-MATURE-STEADY", 1, 1, "mature"),  # 2024-12-31 in the last 6, 12-30 before
        ("G-DECLINING", 1, 2, "declining"),  # fewer purchases than in the 6 months before
        ("G-R365", 0, 0, "declining"),  # churn risk (and churned)
        ("G-RISK-6M", 0, 1, "declining"),  # churn risk, though first bought 6 months ago
        ("G-R30", 1, 0, "new"),
    ],
)
def test_lifecycle_stage_first_rule_that_matches(
    customers: Customers, golden_id: str, last_6_months: int, prior_6_months: int, stage: str
) -> None:
    row = customers.customer(golden_id)
    assert (
        row["purchases_last_6_months"],
        row["purchases_prior_6_months"],
        row["lifecycle_stage"],
    ) == (last_6_months, prior_6_months, stage)


def test_declining_customer_is_still_active(customers: Customers) -> None:
    row = customers.customer("G-DECLINING")
    # Purchases 2023-01-10, 2024-07-01, 2024-12-30 and 2025-06-01: 4 in all.
    assert (row["purchase_count"], row["behaviour"], row["churn_risk"]) == (4, "active", False)


# ---------------------------------------------------------------------------------------
# social engagement
# ---------------------------------------------------------------------------------------


def test_engagement_is_counted_per_platform_and_type_up_to_the_reference_day(
    customers: Customers,
) -> None:
    row = customers.customer("G-PROSPECT")
    counts = {
        name: row[name]
        for name in (
            "engagement_count wechat_engagement_count weibo_engagement_count "
            "x_engagement_count linkedin_engagement_count post_count comment_count like_count "
            "share_count mention_count"
        ).split()
    }
    # The LinkedIn post of 2025-07-01 is after the reference day.
    assert counts == {
        "engagement_count": 7,
        "wechat_engagement_count": 3,
        "weibo_engagement_count": 2,
        "x_engagement_count": 1,
        "linkedin_engagement_count": 1,
        "post_count": 1,
        "comment_count": 1,
        "like_count": 3,
        "share_count": 1,
        "mention_count": 1,
    }
    assert row["last_engagement_at"] == dt.datetime(2025, 6, 30, 23, 59, 59)


def test_customer_without_profiles_has_zero_engagement(customers: Customers) -> None:
    row = customers.customer("G-MULTI")
    assert (row["engagement_count"], row["wechat_engagement_count"]) == (0, 0)
    assert row["last_engagement_at"] is None
