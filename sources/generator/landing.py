"""``generate``: a complete synthetic landing folder with its ground truth."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from sources.generator import crm, ecommerce, erp, social
from sources.generator.crm import crm_contacts
from sources.generator.difficulty import rates_for
from sources.generator.ecommerce import ecommerce_tables
from sources.generator.erp import erp_tables
from sources.generator.organizations import build_organizations
from sources.generator.people import build_people
from sources.generator.presence import assign_sources
from sources.generator.settings import DEFAULT_DIFFICULTY, ORGANIZATION_SHARE
from sources.generator.social import social_tables
from sources.generator.writers import LandingFile, remove_stale, write_deliveries

TRUTH_PATH = "_truth/records.csv"
TRUTH_COLUMNS = ("source_system", "source_record_id", "person_id")

CONTACTS = LandingFile("crm/contacts_{delivery}.csv", "csv", crm.CONTACT_COLUMNS, ("Id",), bom=True)
ERP_CUSTOMERS = LandingFile(
    "erp/customers_{delivery}.csv", "sap_csv", erp.CUSTOMER_COLUMNS, ("KUNNR",)
)
INVOICES = LandingFile("erp/invoices_{delivery}.csv", "sap_csv", erp.INVOICE_COLUMNS, ("VBELN",))
SHOP_CUSTOMERS = LandingFile(
    "ecommerce/customers_{delivery}.jsonl", "jsonl", ecommerce.CUSTOMER_FIELDS, ("id",)
)
ORDERS = LandingFile("ecommerce/orders_{delivery}.jsonl", "jsonl", ecommerce.ORDER_FIELDS, ("id",))
PROFILES = LandingFile(
    "social/profiles_{delivery}.jsonl", "jsonl", social.PROFILE_FIELDS, ("platform", "user_id")
)
ENGAGEMENT = LandingFile(
    "social/engagement_{delivery}.jsonl", "jsonl", social.ENGAGEMENT_FIELDS, ("event_id",)
)
LANDING_FILES = [CONTACTS, ERP_CUSTOMERS, INVOICES, SHOP_CUSTOMERS, ORDERS, PROFILES, ENGAGEMENT]


@dataclass
class GenerationSummary:
    """What ``generate`` wrote.

    ``files``: rows per file, keyed by path relative to the landing folder (the truth
    file included). ``people``: distinct true customers (persons and companies) in the
    truth file. ``party_records``: distinct source records of the party entities (CRM
    contacts, ERP customers, shop customers, social profiles) = rows of the truth file.
    ``seconds``: wall-clock time.
    """

    files: dict[str, int] = field(default_factory=dict)
    people: int = 0
    party_records: int = 0
    seconds: float = 0.0


def generate(
    out_dir: Path,
    customers: int,
    seed: int = 42,
    deliveries: int = 1,
    difficulty: str = DEFAULT_DIFFICULTY,
) -> GenerationSummary:
    """Write a synthetic landing folder for ``customers`` true customers.

    About 2 % of the customers are companies (ERP company accounts), the rest persons,
    each in one to four sources. With ``deliveries`` > 1 the records are spread over
    numbered deliveries and some are delivered again, changed, under the same native
    id. ``difficulty`` ("easy", "standard", "hard"; see ``settings.DIFFICULTIES``) sets
    how much the sources disagree: typos, empty fields, names in characters or pinyin,
    look-alike customers, out-of-date addresses. ``out_dir/_truth/records.csv`` maps
    every party record to its true customer. The same arguments always give
    byte-identical files. Earlier generator files in ``out_dir`` are replaced.

    Raises:
        ValueError: ``customers`` or ``deliveries`` below 1, or an unknown difficulty.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if deliveries < 1:
        raise ValueError("deliveries must be at least 1")
    rates = rates_for(difficulty)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)

    n_companies = int(round(customers * ORGANIZATION_SHARE))
    organizations = build_organizations(rng, n_companies)
    people = build_people(rng, customers - n_companies, organizations, rates.population)
    records = assign_sources(rng, people)
    contacts = crm_contacts(rng, people, records["crm"], deliveries, rates)
    erp_customers, invoices = erp_tables(
        rng, people, organizations, records["erp"], deliveries, rates
    )
    shop_customers, orders = ecommerce_tables(rng, people, records["ecommerce"], deliveries, rates)
    profiles, engagement = social_tables(rng, people, records["social"], deliveries, rates)

    remove_stale(out_dir, LANDING_FILES)
    summary = GenerationSummary()
    for kind, frame in (
        (CONTACTS, contacts),
        (ERP_CUSTOMERS, erp_customers),
        (INVOICES, invoices),
        (SHOP_CUSTOMERS, shop_customers),
        (ORDERS, orders),
        (PROFILES, profiles),
        (ENGAGEMENT, engagement),
    ):
        summary.files |= write_deliveries(out_dir, kind, frame, deliveries)

    truth = _truth(
        {"crm": contacts, "erp": erp_customers, "ecommerce": shop_customers, "social": profiles}
    )
    truth_path = out_dir / TRUTH_PATH
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth.write_csv(truth_path, line_terminator="\n")
    summary.files[TRUTH_PATH] = truth.height
    summary.party_records = truth.height
    summary.people = truth["person_id"].n_unique()
    summary.seconds = time.perf_counter() - started
    return summary


def _truth(parties: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per party record: its source, native id and true customer."""
    frames = [
        frame.select(
            source_system=pl.lit(source),
            source_record_id="_record_id",
            person_id="_person_id",
        ).unique("source_record_id", maintain_order=True)
        for source, frame in parties.items()
    ]
    return pl.concat(frames).sort("source_system", "source_record_id").select(TRUTH_COLUMNS)
