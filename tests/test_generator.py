"""The synthetic data generator writes landing files that follow SOURCES.md, with a
ground truth that covers every party record, deterministically."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sources.generator import GenerationSummary, generate
from sources.generator.difficulty import LEVELS, rates_for, scale_odds, scale_presence
from sources.generator.organizations import build_organizations
from sources.generator.people import build_people
from sources.generator.settings import STANDARD_RATES
from sources.generator.writers import LandingFile, write_frame

CUSTOMERS = 300
CRM_HEADER = [
    "Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "MailingStreet",
    "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry", "Birthdate",
    "AccountName", "LeadSource", "HasOptedOutOfEmail", "CreatedDate", "LastModifiedDate",
    "IsDeleted",
]  # fmt: skip
ERP_CUSTOMER_HEADER = [
    "KUNNR", "NAME1", "NAME2", "STRAS", "ORT01", "PSTLZ", "REGIO", "LAND1", "TELF1",
    "SMTP_ADDR", "ERDAT", "AEDAT", "LOEVM", "KTOKD",
]  # fmt: skip
ERP_INVOICE_HEADER = ["VBELN", "KUNNR", "FKDAT", "NETWR", "WAERK"]
SHOP_CUSTOMER_KEYS = {
    "id", "email", "first_name", "last_name", "phone", "created_at", "updated_at",
    "accepts_marketing", "state", "tags", "default_address",
}  # fmt: skip
ADDRESS_KEYS = {"address1", "address2", "city", "province", "province_code", "zip", "country_code"}
ORDER_KEYS = {
    "id", "customer_id", "email", "created_at", "total_price", "currency", "financial_status",
    "line_items",
}  # fmt: skip
PROFILE_KEYS = {
    "platform", "user_id", "handle", "display_name", "email", "phone", "location", "bio",
    "followers", "following", "verified", "created_at", "profile_url",
}  # fmt: skip
ENGAGEMENT_KEYS = {"platform", "user_id", "event_id", "event_type", "occurred_at", "text"}
HANZI = re.compile(r"[\u4e00-\u9fff]")
OFFSET_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


# --- helpers -----------------------------------------------------------------------------


def read_csv(path: Path, delimiter: str = ",") -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def party_ids(landing: Path, delivery: str = "*") -> dict[str, list[str]]:
    """Native ids per source system, as SOURCES.md defines them, over the deliveries."""
    ids: dict[str, list[str]] = defaultdict(list)
    for path in sorted(landing.glob(f"crm/contacts_{delivery}.csv")):
        ids["crm"] += [r["Id"] for r in read_csv(path)[1]]
    for path in sorted(landing.glob(f"erp/customers_{delivery}.csv")):
        ids["erp"] += [r["KUNNR"] for r in read_csv(path, ";")[1]]
    for path in sorted(landing.glob(f"ecommerce/customers_{delivery}.jsonl")):
        ids["ecommerce"] += [str(r["id"]) for r in read_jsonl(path)]
    for path in sorted(landing.glob(f"social/profiles_{delivery}.jsonl")):
        ids["social"] += [f"{r['platform']}:{r['user_id']}" for r in read_jsonl(path)]
    return ids


def truth(landing: Path) -> list[dict[str, str]]:
    header, rows = read_csv(landing / "_truth" / "records.csv")
    assert header == ["source_system", "source_record_id", "person_id"]
    return rows


def digests(landing: Path) -> dict[str, str]:
    return {
        p.relative_to(landing).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("landing")
    return out, generate(out, CUSTOMERS, seed=42)


@pytest.fixture(scope="module")
def three_deliveries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deliveries")
    generate(out, CUSTOMERS, seed=42, deliveries=3)
    return out


# --- files and formats -------------------------------------------------------------------


def test_writes_every_landing_file_and_the_truth_with_the_counted_rows(landing):
    out, summary = landing
    expected = [
        "crm/contacts_0001.csv",
        "erp/customers_0001.csv",
        "erp/invoices_0001.csv",
        "ecommerce/customers_0001.jsonl",
        "ecommerce/orders_0001.jsonl",
        "social/profiles_0001.jsonl",
        "social/engagement_0001.jsonl",
        "_truth/records.csv",
    ]
    assert sorted(summary.files) == sorted(expected)
    for relative in expected:
        path = out / relative
        assert path.is_file(), relative
        if path.suffix == ".jsonl":
            rows = len(read_jsonl(path))
        else:
            rows = len(read_csv(path, ";" if relative.startswith("erp/") else ",")[1])
        assert rows == summary.files[relative] > 0, relative
    assert summary.seconds > 0


def test_crm_contacts_are_rfc4180_csv_with_18_character_ids(landing):
    out, _ = landing
    raw = (out / "crm/contacts_0001.csv").read_bytes()
    assert raw.decode("utf-8-sig")  # valid UTF-8
    header, rows = read_csv(out / "crm/contacts_0001.csv")
    assert header == CRM_HEADER
    ids = [r["Id"] for r in rows]
    assert all(re.fullmatch(r"003[0-9A-Za-z]{15}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert {r["HasOptedOutOfEmail"] for r in rows} == {"true", "false"}
    deleted = sum(r["IsDeleted"] == "true" for r in rows)
    assert {r["IsDeleted"] for r in rows} <= {"true", "false"} and deleted < len(rows) * 0.1
    assert all(re.fullmatch(r"(\d{4}-\d\d-\d\d)?", r["Birthdate"]) for r in rows)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", r["CreatedDate"]) for r in rows
    )
    assert {r["LeadSource"] for r in rows} <= {
        "", "Web", "Phone Inquiry", "Partner Referral", "Trade Show", "Social Media", "Other",
    }  # fmt: skip
    countries = {r["MailingCountry"] for r in rows}
    assert {"CN", "China"} <= countries  # as an ISO code and as a name
    assert any("," in r["MailingStreet"] for r in rows)


def test_csv_writer_quotes_commas_quotes_and_newlines(tmp_path):
    kind = LandingFile("crm/x_{delivery}.csv", "csv", ("Id", "MailingStreet"), ("Id",))
    frame = pl.DataFrame(
        {
            "Id": ["a", "b", "c"],
            "MailingStreet": ['"Ivy House", 1 High St', "1 Main St\nApt 2", None],
        }
    )
    write_frame(frame, tmp_path / "x.csv", kind)
    _, rows = read_csv(tmp_path / "x.csv")
    assert [r["MailingStreet"] for r in rows] == ['"Ivy House", 1 High St', "1 Main St\nApt 2", ""]


def test_erp_files_are_semicolon_separated_with_zero_padded_numbers(landing):
    out, _ = landing
    header, customers = read_csv(out / "erp/customers_0001.csv", ";")
    assert header == ERP_CUSTOMER_HEADER
    kunnr = [r["KUNNR"] for r in customers]
    assert all(re.fullmatch(r"\d{10}", k) and k.startswith("0") for k in kunnr)
    assert len(set(kunnr)) == len(kunnr)
    assert all(re.fullmatch(r"\d{8}", r["ERDAT"]) for r in customers)
    assert all(re.fullmatch(r"(\d{8})?", r["AEDAT"]) for r in customers)
    assert {r["LOEVM"] for r in customers} <= {"", "X"}
    assert all(re.fullmatch(r"[A-Z]{2}", r["LAND1"]) for r in customers)
    # persons and companies are told apart by their account group
    assert {r["KTOKD"] for r in customers} == {"ZPRI", "0001"}
    persons = [r["NAME1"] for r in customers if r["KTOKD"] == "ZPRI"]
    assert sum(n.isupper() for n in persons) > len(persons) / 3  # LASTNAME FIRSTNAME

    header, invoices = read_csv(out / "erp/invoices_0001.csv", ";")
    assert header == ERP_INVOICE_HEADER
    vbeln = [r["VBELN"] for r in invoices]
    assert len(set(vbeln)) == len(vbeln)
    assert all(re.fullmatch(r"\d{10}", r["KUNNR"]) for r in invoices)
    assert all(re.fullmatch(r"\d+\.\d\d", r["NETWR"]) for r in invoices)
    assert {r["WAERK"] for r in invoices} == {"CNY", "USD", "EUR"}
    assert all(re.fullmatch(r"\d{8}", r["FKDAT"]) for r in invoices)


def test_shop_files_are_json_lines_with_integer_ids_below_2_53(landing):
    out, _ = landing
    customers = read_jsonl(out / "ecommerce/customers_0001.jsonl")
    assert all(set(c) == SHOP_CUSTOMER_KEYS for c in customers)
    ids = [c["id"] for c in customers]
    assert all(isinstance(i, int) and 0 < i < 2**53 for i in ids)
    assert len(set(ids)) == len(ids) and max(ids) > 2**32
    assert all(c["phone"] is None or re.fullmatch(r"\+\d{8,15}", c["phone"]) for c in customers)
    assert all(isinstance(c["accepts_marketing"], bool) for c in customers)
    assert {c["state"] for c in customers} <= {"enabled", "disabled", "invited"}
    assert all(OFFSET_TIMESTAMP.match(c["created_at"]) for c in customers)
    addresses = [c["default_address"] for c in customers]
    assert any(a is None for a in addresses)
    assert all(set(a) == ADDRESS_KEYS for a in addresses if a is not None)

    orders = read_jsonl(out / "ecommerce/orders_0001.jsonl")
    assert all(set(o) == ORDER_KEYS for o in orders)
    assert len({o["id"] for o in orders}) == len(orders)
    guests = [o for o in orders if o["customer_id"] is None]
    assert guests and all(o["email"] for o in guests)
    assert {o["customer_id"] for o in orders} - {None} <= set(ids)
    assert {o["financial_status"] for o in orders} <= {"paid", "refunded", "pending", "voided"}
    assert {o["currency"] for o in orders} == {"CNY", "USD", "EUR"}
    for order in orders:
        items = order["line_items"]
        assert items and all(set(i) == {"sku", "title", "quantity", "price"} for i in items)
        cents = sum(round(float(i["price"]) * 100) * i["quantity"] for i in items)
        assert order["total_price"] == f"{cents // 100}.{cents % 100:02d}"


def test_social_files_are_json_lines_linked_by_platform_and_user_id(landing):
    out, _ = landing
    profiles = read_jsonl(out / "social/profiles_0001.jsonl")
    assert all(set(p) == PROFILE_KEYS for p in profiles)
    keys = [(p["platform"], p["user_id"]) for p in profiles]
    assert len(set(keys)) == len(keys)
    assert {p["platform"] for p in profiles} == {"wechat", "weibo", "x", "linkedin"}
    assert all(isinstance(p["user_id"], str) for p in profiles)
    assert all(
        isinstance(p["followers"], int) and isinstance(p["verified"], bool) for p in profiles
    )
    assert sum(p["email"] is None for p in profiles) > 0.8 * len(profiles)
    assert any(HANZI.search(p["display_name"]) for p in profiles)

    events = read_jsonl(out / "social/engagement_0001.jsonl")
    assert all(set(e) == ENGAGEMENT_KEYS for e in events)
    assert len({e["event_id"] for e in events}) == len(events)
    assert {(e["platform"], e["user_id"]) for e in events} <= set(keys)
    assert {e["event_type"] for e in events} <= {"post", "comment", "like", "share", "mention"}


def test_social_profiles_carry_the_evidence_real_ones_carry(tmp_path):
    out = tmp_path / "social"
    generate(out, 2000, seed=3)
    profiles = read_jsonl(out / "social/profiles_0001.jsonl")
    person = {(r["source_system"], r["source_record_id"]): r["person_id"] for r in truth(out)}
    by_platform: dict[str, list[dict]] = defaultdict(list)
    for p in profiles:
        p["person"] = person[("social", f"{p['platform']}:{p['user_id']}")]
        by_platform[p["platform"]].append(p)
    # WeChat accounts are phone-bound: most exports carry the number
    wechat = by_platform["wechat"]
    assert 0.45 < sum(p["phone"] is not None for p in wechat) / len(wechat) < 0.75
    # LinkedIn: a location almost always, and headlines naming an employer
    linkedin = by_platform["linkedin"]
    assert sum(p["location"] is not None for p in linkedin) / len(linkedin) > 0.9
    assert sum(" at " in (p["bio"] or "") for p in linkedin) / len(linkedin) > 0.25
    # people reuse a handle across platforms, often, not always
    handles: dict[str, list[str]] = defaultdict(list)
    for p in profiles:
        handles[p["person"]].append(p["handle"].lower())
    several = [h for h in handles.values() if len(h) > 1]
    reused = sum(len(set(h)) < len(h) for h in several) / len(several)
    assert 0.3 < reused < 0.9
    # and some handles are the local part of the person's e-mail address
    locals_of: dict[str, set[str]] = defaultdict(set)
    for r in read_jsonl(out / "ecommerce/customers_0001.jsonl"):
        owner = person[("ecommerce", str(r["id"]))]
        locals_of[owner].add(re.sub(r"[^a-z0-9]", "", r["email"].split("@")[0].split("+")[0]))
    with_email = [p for p in profiles if locals_of.get(p["person"])]
    from_email = sum(
        re.sub(r"[^a-z0-9]", "", p["handle"].lower()) in locals_of[p["person"]] for p in with_email
    )
    assert 0.1 < from_email / len(with_email) < 0.6


def test_most_customers_do_not_share_their_full_name():
    rng = np.random.default_rng(5)
    people = build_people(rng, 20_000, build_organizations(rng, 400))
    sizes = people.group_by("first", "last").len()
    shared = people.join(sizes, on=["first", "last"]).filter(pl.col("len") > 1)
    assert 0.05 < shared.height / people.height < 0.35  # namesakes: a realistic minority


# --- ground truth ------------------------------------------------------------------------


def test_truth_covers_every_party_record_exactly_once(landing):
    out, summary = landing
    rows = truth(out)
    keys = [(r["source_system"], r["source_record_id"]) for r in rows]
    assert len(set(keys)) == len(keys)
    delivered = {(s, i) for s, ids in party_ids(out).items() for i in ids}
    assert set(keys) == delivered
    assert summary.party_records == len(rows)
    assert summary.people == len({r["person_id"] for r in rows}) == CUSTOMERS
    # companies are parties of their own, found in ERP
    companies = {r["source_system"] for r in rows if r["person_id"].startswith("ORG")}
    assert companies == {"erp"}


def test_persons_appear_in_several_sources_and_sometimes_twice_in_one(landing):
    out, _ = landing
    sources: dict[str, set[str]] = defaultdict(set)
    per_source: dict[tuple[str, str], int] = defaultdict(int)
    for r in truth(out):
        sources[r["person_id"]].add(r["source_system"])
        per_source[(r["person_id"], r["source_system"])] += 1
    spread = [len(s) for s in sources.values()]
    assert 0.3 < sum(k >= 2 for k in spread) / len(spread) < 0.9
    assert max(spread) == 4
    assert any(n >= 2 for (_, source), n in per_source.items() if source == "crm")


def test_some_chinese_names_appear_in_both_scripts_for_the_same_person(landing):
    out, _ = landing
    names: dict[tuple[str, str], str] = {}
    for r in read_csv(out / "crm/contacts_0001.csv")[1]:
        names[("crm", r["Id"])] = r["FirstName"] + r["LastName"]
    for r in read_csv(out / "erp/customers_0001.csv", ";")[1]:
        names[("erp", r["KUNNR"])] = r["NAME1"]
    for r in read_jsonl(out / "ecommerce/customers_0001.jsonl"):
        names[("ecommerce", str(r["id"]))] = (r["first_name"] or "") + (r["last_name"] or "")
    scripts: dict[str, set[bool]] = defaultdict(set)
    for r in truth(out):
        name = names.get((r["source_system"], r["source_record_id"]))
        if name:
            scripts[r["person_id"]].add(bool(HANZI.search(name)))
    assert sum(s == {True, False} for s in scripts.values()) >= 5


def test_households_share_an_address_and_landline_but_not_an_identity():
    rng = np.random.default_rng(1)
    people = build_people(rng, 2000, build_organizations(rng, 40))
    shared = people.group_by("street", "postal", "landline_b").agg(
        pl.col("person_id").n_unique().alias("persons"), pl.col("last").n_unique().alias("names")
    )
    households = shared.filter(pl.col("persons") > 1, pl.col("landline_b").is_not_null())
    assert households.height > 10
    assert (households["names"] == 1).sum() > households.height / 2  # mostly one surname
    assert people["email1"].n_unique() == people.height  # but never one person


# --- determinism and deliveries ----------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(landing, tmp_path):
    out, _ = landing
    generate(tmp_path / "again", CUSTOMERS, seed=42)
    generate(tmp_path / "other", CUSTOMERS, seed=43)
    assert digests(tmp_path / "again") == digests(out)
    other = digests(tmp_path / "other")
    assert other.keys() == digests(out).keys()
    assert all(other[k] != v for k, v in digests(out).items())


def test_later_deliveries_add_records_and_repeat_some_with_changed_values(three_deliveries):
    out = three_deliveries
    first = {r["Id"]: r for r in read_csv(out / "crm/contacts_0001.csv")[1]}
    repeated, new = 0, 0
    for delivery in ("0002", "0003"):
        for r in read_csv(out / f"crm/contacts_{delivery}.csv")[1]:
            if r["Id"] in first:
                repeated += 1
                assert r != first[r["Id"]]
                assert r["LastModifiedDate"] > first[r["Id"]]["LastModifiedDate"]
            else:
                new += 1
    assert repeated > 0 and new > 0
    for source, ids in party_ids(out, "0002").items():
        assert set(ids) & set(party_ids(out, "0001")[source]), source
    # truth still maps each native id to one person
    rows = truth(out)
    keys = [(r["source_system"], r["source_record_id"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(s, i) for s, ids in party_ids(out).items() for i in ids}


def test_invoices_may_point_at_customers_the_delivery_does_not_hold(three_deliveries):
    out = three_deliveries
    known: set[str] = set()
    unknown = 0
    for delivery in ("0001", "0002", "0003"):
        known |= {r["KUNNR"] for r in read_csv(out / f"erp/customers_{delivery}.csv", ";")[1]}
        invoices = read_csv(out / f"erp/invoices_{delivery}.csv", ";")[1]
        unknown += sum(r["KUNNR"] not in known for r in invoices)
    assert unknown > 0


def test_rerun_with_fewer_deliveries_leaves_no_stale_files(three_deliveries, tmp_path):
    target = tmp_path / "rerun"
    generate(target, 50, seed=1, deliveries=3)
    generate(target, 50, seed=1, deliveries=1)
    assert not list(target.rglob("*_0002.*"))
    assert (target / "crm/contacts_0001.csv").is_file()


def test_rejects_empty_population_and_zero_deliveries(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, 0)
    with pytest.raises(ValueError):
        generate(tmp_path, 10, deliveries=0)


# --- difficulty levels -------------------------------------------------------------------


def empty_share(values: list[str | None]) -> float:
    return sum(not v for v in values) / len(values)


@pytest.fixture(scope="module")
def levels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for level in ("easy", "hard"):
        out[level] = tmp_path_factory.mktemp(level)
        generate(out[level], 2000, seed=11, difficulty=level)
    return out


def test_standard_difficulty_is_the_default_and_changes_no_byte(landing, tmp_path):
    out, _ = landing
    assert rates_for("standard") is STANDARD_RATES
    generate(tmp_path / "standard", CUSTOMERS, seed=42, difficulty="standard")
    assert digests(tmp_path / "standard") == digests(out)


def test_same_seed_and_difficulty_give_identical_bytes(landing, tmp_path):
    out, _ = landing
    generate(tmp_path / "a", CUSTOMERS, seed=42, difficulty="hard")
    generate(tmp_path / "b", CUSTOMERS, seed=42, difficulty="hard")
    generate(tmp_path / "c", CUSTOMERS, seed=42, difficulty="easy")
    hard = digests(tmp_path / "a")
    assert digests(tmp_path / "b") == hard
    # a level changes the data, and leaves nothing behind for the next call
    assert hard["crm/contacts_0001.csv"] != digests(out)["crm/contacts_0001.csv"]
    assert digests(tmp_path / "c")["crm/contacts_0001.csv"] != hard["crm/contacts_0001.csv"]
    assert rates_for("standard") is STANDARD_RATES


def test_hard_leaves_more_fields_empty_than_easy(levels):
    crm = {k: read_csv(v / "crm/contacts_0001.csv")[1] for k, v in levels.items()}
    erp = {k: read_csv(v / "erp/customers_0001.csv", ";")[1] for k, v in levels.items()}
    shop = {k: read_jsonl(v / "ecommerce/customers_0001.jsonl") for k, v in levels.items()}
    for field in ("Email", "MobilePhone", "MailingStreet", "Birthdate"):
        easy = empty_share([r[field] for r in crm["easy"]])
        hard = empty_share([r[field] for r in crm["hard"]])
        assert hard > easy + 0.05, field
    assert (
        empty_share([r["SMTP_ADDR"] for r in erp["hard"]])
        > empty_share([r["SMTP_ADDR"] for r in erp["easy"]]) + 0.15
    )
    assert (
        empty_share([r["phone"] for r in shop["hard"]])
        > empty_share([r["phone"] for r in shop["easy"]]) + 0.15
    )


def test_hard_has_more_typos_and_names_in_characters_than_easy(levels):
    def surname_disagreement(landing: Path) -> float:
        """Share of persons whose CRM and shop surnames (both in Latin script) differ."""
        person = {
            (r["source_system"], r["source_record_id"]): r["person_id"] for r in truth(landing)
        }
        crm = {
            person[("crm", r["Id"])]: r["LastName"].lower()
            for r in read_csv(landing / "crm/contacts_0001.csv")[1]
        }
        pairs = [
            (crm[p], (r["last_name"] or "").lower())
            for r in read_jsonl(landing / "ecommerce/customers_0001.jsonl")
            if (p := person[("ecommerce", str(r["id"]))]) in crm
        ]
        latin = [(a, b) for a, b in pairs if not HANZI.search(a + b)]
        return sum(a != b for a, b in latin) / len(latin)

    def hanzi_share(landing: Path) -> float:
        rows = read_csv(landing / "crm/contacts_0001.csv")[1]
        return sum(bool(HANZI.search(r["LastName"])) for r in rows) / len(rows)

    assert surname_disagreement(levels["hard"]) > surname_disagreement(levels["easy"]) + 0.03
    assert hanzi_share(levels["hard"]) > 3 * hanzi_share(levels["easy"])


def test_hard_has_more_shared_households_and_namesakes_than_easy():
    def look_alikes(level: str) -> tuple[float, float]:
        rng = np.random.default_rng(2)
        people = build_people(rng, 5000, build_organizations(rng, 100), rates_for(level).population)
        at_home = people.group_by("street", "postal").len().filter(pl.col("len") > 1)["len"].sum()
        namesakes = people.group_by("first", "last").len().filter(pl.col("len") > 1)["len"].sum()
        return at_home / people.height, namesakes / people.height

    easy, hard = look_alikes("easy"), look_alikes("hard")
    assert hard[0] > 2 * easy[0]  # persons living with another customer
    assert hard[1] > 2 * easy[1]  # persons sharing their full name


def test_unknown_difficulty_is_rejected_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="easy, standard, hard"):
        generate(tmp_path / "x", 10, difficulty="medium")
    assert not (tmp_path / "x").exists()


def test_odds_scaling_keeps_rates_probabilities_and_factor_one_exact():
    assert scale_odds(0.1, 1.0) == 0.1 and scale_presence(0.45, 1.0) == 0.45
    assert scale_odds(0.0, 3.0) == 0.0 and scale_odds(1.0, 0.2) == 1.0
    assert scale_odds(0.5, 3.0) == pytest.approx(0.75)  # odds 1 -> 3
    assert 0.9 < scale_odds(0.8, 10.0) < 1.0
    assert scale_presence(0.06, 2.0) < 0.06 < scale_presence(0.06, 0.5)


def test_mdm_generate_offers_every_difficulty_level():
    from pipelines.cli import build_parser

    args = build_parser().parse_args(["generate", "--out", "x", "--difficulty", "hard"])
    assert args.difficulty == "hard"
    assert build_parser().parse_args(["generate", "--out", "x"]).difficulty == "standard"
    generate_parser = build_parser()._subparsers._group_actions[0].choices["generate"]
    difficulty = next(a for a in generate_parser._actions if a.dest == "difficulty")
    assert tuple(difficulty.choices) == LEVELS
