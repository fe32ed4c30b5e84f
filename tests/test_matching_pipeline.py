"""match_parties on a small hand-made staging.int_party_records table."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from matching import settings
from matching.pipeline import MatchReport, match_parties

NOW = datetime(2025, 6, 1, 12, 0)

PARTY_COLUMNS = {
    "source_system": pl.String,
    "source_record_id": pl.String,
    "record_key": pl.String,
    "party_type": pl.String,
    "first_name": pl.String,
    "last_name": pl.String,
    "full_name": pl.String,
    "first_name_norm": pl.String,
    "last_name_norm": pl.String,
    "full_name_norm": pl.String,
    "email": pl.String,
    "phone": pl.String,
    "phone_2": pl.String,
    "street": pl.String,
    "city": pl.String,
    "region": pl.String,
    "postal_code": pl.String,
    "city_norm": pl.String,
    "street_norm": pl.String,
    "country": pl.String,
    "birth_date": pl.Date,
    "company": pl.String,
    "email_opt_in": pl.Boolean,
    "source_created_at": pl.Datetime("us"),
    "source_updated_at": pl.Datetime("us"),
    "is_deleted": pl.Boolean,
    "_source_file": pl.String,
    "_line_number": pl.Int64,
    "_delivery_seq": pl.Int64,
}


def party(
    source: str,
    record_id: str,
    person: str,
    *,
    first: str | None = None,
    last: str | None = None,
    full: str | None = None,
    first_norm: str | None = None,
    last_norm: str | None = None,
    full_norm: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    phone_2: str | None = None,
    street: str | None = None,
    city: str | None = None,
    city_norm: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
    birth_date: date | None = None,
    company: str | None = None,
    is_deleted: bool = False,
) -> dict:
    """One int_party_records row (plus its true ``person``)."""
    first_norm = first_norm if first_norm is not None else (first.lower() if first else None)
    last_norm = last_norm if last_norm is not None else (last.lower() if last else None)
    if full is None and (first or last):
        full = " ".join(p for p in (first, last) if p)
    if full_norm is None:
        full_norm = " ".join(p for p in (first_norm, last_norm) if p) or None
    if city_norm is None and city and city.isascii():
        city_norm = city.lower()
    return {
        "person": person,
        "source_system": source,
        "source_record_id": record_id,
        "record_key": f"{source}|{record_id}",
        "party_type": "person",
        "first_name": first,
        "last_name": last,
        "full_name": full,
        "first_name_norm": first_norm,
        "last_name_norm": last_norm,
        "full_name_norm": full_norm,
        "email": email,
        "phone": phone,
        "phone_2": phone_2,
        "street": street,
        "city": city,
        "region": None,
        "postal_code": postal_code,
        "city_norm": city_norm,
        "street_norm": street.lower() if street else None,
        "country": country,
        "birth_date": birth_date,
        "company": company,
        "email_opt_in": True,
        "source_created_at": datetime(2024, 1, 1),
        "source_updated_at": datetime(2024, 6, 1),
        "is_deleted": is_deleted,
        "_source_file": f"{source}/file_0001",
        "_line_number": 2,
        "_delivery_seq": 1,
    }


FILLER_NAMES = [
    ("Maria", "Garcia", "New York", "10001"),
    ("David", "Miller", "Chicago", "60601"),
    ("Linda", "Davis", "Seattle", "98101"),
    ("Robert", "Wilson", "Boston", "02108"),
    ("Susan", "Taylor", "Denver", "80202"),
    ("Kevin", "Moore", "Austin", "73301"),
    ("Nancy", "Clark", "Miami", "33101"),
    ("Brian", "Lewis", "Dallas", "75201"),
    ("Karen", "Hall", "Phoenix", "85001"),
    ("Steven", "Young", "Portland", "97201"),
    ("Emily", "King", "Atlanta", "30301"),
    ("Paul", "Wright", "Houston", "77001"),
    ("Laura", "Scott", "Detroit", "48201"),
    ("Mark", "Green", "Tampa", "33601"),
    ("Sarah", "Adams", "Omaha", "68101"),
    ("Jason", "Baker", "Tulsa", "74101"),
]


def people() -> list[dict]:
    """Hand-made records: duplicates across sources and look-alikes that are not."""
    rows = [
        # Alice: CRM, shop (same email and phone), ERP (names swapped, phone only).
        party(
            "crm",
            "0035g00000AAAAAAA1",
            "alice",
            first="Alice",
            last="Johnson",
            email="alice.johnson@example.com",
            phone="+14155550132",
            street="100 Market St",
            city="San Francisco",
            postal_code="94105",
            country="US",
            birth_date=date(1985, 3, 14),
            company="Acme Corp",
        ),
        party(
            "ecommerce",
            "7000000001",
            "alice",
            first="alice",
            last="johnson",
            email="alice.johnson@example.com",
            phone="+14155550132",
            street="100 Market St",
            city="San Francisco",
            postal_code="94105",
            country="US",
        ),
        party(
            "erp",
            "0000100001",
            "alice",
            first="JOHNSON",
            last="ALICE",
            full="JOHNSON ALICE",
            phone="+14155550132",
            street="100 MARKET ST",
            city="San Francisco",
            postal_code="94105",
            country="US",
            company="Acme Corp",
        ),
        # Zhang Wei: Chinese characters in CRM and on Weibo, pinyin on WeChat, western
        # order in the shop. Same phone / email.
        party(
            "crm",
            "0035g00000AAAAAAA2",
            "zhangwei",
            first="伟",
            last="张",
            full="张伟",
            first_norm="wei",
            last_norm="zhang",
            full_norm="zhang wei",
            email="zhangwei88@qq.com",
            phone="+8613800138000",
            street="88 Huaihai Rd",
            city="上海",
            city_norm="shanghai",
            postal_code="200031",
            country="CN",
            birth_date=date(1990, 7, 1),
        ),
        party(
            "social",
            "weibo:1650342011",
            "zhangwei",
            # romanize() turns a run of characters into one word: no space to split on.
            full="张伟",
            full_norm="zhangwei",
            phone="+8613800138000",
            city="Shanghai",
        ),
        party(
            "social",
            "wechat:wxid_zw1990",
            "zhangwei",
            full="Zhang Wei",
            full_norm="zhang wei",
            email="zhangwei88@qq.com",
            city="Shanghai",
        ),
        party(
            "ecommerce",
            "7000000002",
            "zhangwei",
            first="Wei",
            last="Zhang",
            email="zhangwei88@qq.com",
            city="Shanghai",
            postal_code="200031",
            country="CN",
        ),
        # Jon / Jonathan Smith: nickname in the shop, same email; phone in the other
        # phone field.
        party(
            "crm",
            "0035g00000AAAAAAA3",
            "jon",
            first="Jonathan",
            last="Smith",
            email="jon.smith@mail.com",
            phone="+447700900123",
            city="London",
            postal_code="SW1A1AA",
            country="GB",
            birth_date=date(1970, 5, 5),
        ),
        party(
            "ecommerce",
            "7000000003",
            "jon",
            first="Jon",
            last="Smith",
            email="jon.smith@mail.com",
            phone="+447911123456",
            phone_2="+447700900123",
            city="London",
            postal_code="SW1A1AA",
            country="GB",
        ),
        # Two different Wang Fang in the same postal code: different birth date, phone
        # and email. They must stay apart.
        party(
            "crm",
            "0035g00000AAAAAAA4",
            "wangfang1978",
            first="芳",
            last="王",
            full="王芳",
            first_norm="fang",
            last_norm="wang",
            full_norm="wang fang",
            email="wangfang78@163.com",
            phone="+8613911112222",
            street="1 Dongcheng Rd",
            city="Beijing",
            postal_code="100010",
            country="CN",
            birth_date=date(1978, 2, 2),
        ),
        party(
            "ecommerce",
            "7000000004",
            "wangfang1995",
            first="Fang",
            last="Wang",
            email="fang.wang95@gmail.com",
            phone="+8613622223333",
            street="9 Chaoyang Rd",
            city="Beijing",
            postal_code="100010",
            country="CN",
            birth_date=date(1995, 9, 9),
        ),
        # A second Zhang Wei in Shanghai (other district), born in another year, other
        # phone: not the first one.
        party(
            "erp",
            "0000100002",
            "zhangwei1966",
            first="WEI",
            last="ZHANG",
            full="ZHANG WEI",
            phone="+8613012345678",
            street="5 Century Ave",
            city="Shanghai",
            postal_code="200120",
            country="CN",
            birth_date=date(1966, 12, 24),
            is_deleted=True,
        ),
    ]
    for i, (first, last, city, postal) in enumerate(FILLER_NAMES):
        rows.append(
            party(
                "crm",
                f"0035g00000FILLER{i:02d}",
                f"filler{i}",
                first=first,
                last=last,
                email=f"{first}.{last}{i}@example.org".lower(),
                phone=f"+1202555{i:04d}",
                street=f"{i + 10} Elm St",
                city=city,
                postal_code=postal,
                country="US",
                birth_date=date(1960 + i, 1 + i % 12, 10),
            )
        )
    return rows


def load_party_records(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> pl.DataFrame:
    """Create staging.int_party_records from ``rows``; return rows with their person."""
    frame = pl.DataFrame(rows, schema={"person": pl.String, **PARTY_COLUMNS})
    records = frame.drop("person")
    con.execute("create schema if not exists staging")
    con.register("party_rows", records)
    con.execute("create or replace table staging.int_party_records as select * from party_rows")
    con.unregister("party_rows")
    return frame


def publish(con: duckdb.DuckDBPyConnection) -> None:
    """What warehouse.publish does for the xref: the build becomes the published table."""
    con.execute(
        "create or replace table mdm.customer_xref as select * from mdm_build.customer_xref"
    )


def golden_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "select source_system || '|' || source_record_id, golden_id from mdm_build.customer_xref"
    ).fetchall()
    return dict(rows)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    frame = load_party_records(con, people())
    truth_path = path.parent / "truth.csv"
    frame.select(
        "source_system", "source_record_id", pl.col("person").alias("person_id")
    ).write_csv(truth_path)
    report = match_parties(con, "run-1", truth_path=truth_path, now=NOW)
    yield con, frame, report
    con.close()


def same_golden(golden: dict[str, str], *keys: str) -> bool:
    return len({golden[k] for k in keys}) == 1


def test_duplicates_across_sources_share_a_golden_id(first_run):
    con, _, _ = first_run
    golden = golden_of(con)
    assert same_golden(
        golden, "crm|0035g00000AAAAAAA1", "ecommerce|7000000001", "erp|0000100001"
    ), "same email and phone; swapped first/last in ERP"
    assert same_golden(
        golden,
        "crm|0035g00000AAAAAAA2",
        "social|weibo:1650342011",
        "social|wechat:wxid_zw1990",
        "ecommerce|7000000002",
    ), "Chinese characters vs pinyin, through the _norm columns"
    assert same_golden(golden, "crm|0035g00000AAAAAAA3", "ecommerce|7000000003")


def test_different_people_with_the_same_name_stay_apart(first_run):
    con, _, _ = first_run
    golden = golden_of(con)
    assert golden["crm|0035g00000AAAAAAA4"] != golden["ecommerce|7000000004"]
    assert golden["erp|0000100002"] != golden["crm|0035g00000AAAAAAA2"]


def test_clusters_match_the_truth_exactly(first_run):
    _, _, report = first_run
    assert report.metrics is not None
    assert report.metrics["precision"] == 1.0
    assert report.metrics["recall"] == 1.0
    assert report.metrics["true_pairs"] == 3 + 6 + 1


def test_xref_has_one_row_per_record_with_the_contract_columns(first_run):
    con, frame, report = first_run
    columns = [r[0] for r in con.execute("describe mdm_build.customer_xref").fetchall()]
    assert columns == [
        "source_system",
        "source_record_id",
        "golden_id",
        "match_probability",
        "assigned_at",
        "is_deleted",
    ]
    xref = con.sql("select * from mdm_build.customer_xref").pl()
    assert xref.height == frame.height == report.records
    assert xref.select("source_system", "source_record_id").is_duplicated().sum() == 0
    assert xref["golden_id"].str.contains(r"^G[0-9A-F]{16}$").all()
    assert set(xref["assigned_at"]) == {NOW}
    deleted = xref.filter(pl.col("source_record_id") == "0000100002")["is_deleted"].item()
    assert deleted is True


def test_match_probability_is_one_for_singletons_and_high_inside_clusters(first_run):
    con, _, _ = first_run
    xref = con.sql("select * from mdm_build.customer_xref").pl()
    sizes = xref.group_by("golden_id").len()
    xref = xref.join(sizes, on="golden_id")
    assert (xref.filter(pl.col("len") == 1)["match_probability"] == 1.0).all()
    clustered = xref.filter(pl.col("len") > 1)["match_probability"]
    assert clustered.len() == 9
    assert (clustered >= settings.MATCH_THRESHOLD).all()


def test_report_and_events_of_a_first_run(first_run):
    con, frame, report = first_run
    assert isinstance(report, MatchReport)
    n_clusters = frame["person"].n_unique()
    assert report.clusters == n_clusters
    assert report.golden_created == n_clusters
    assert (report.golden_merged, report.golden_split, report.golden_kept) == (0, 0, 0)
    assert report.pairs_scored >= report.pairs_above_threshold >= 5
    events = con.sql("select * from mdm_build.identity_events").pl()
    assert events.height == n_clusters
    assert set(events["event_type"]) == {"created"}
    assert set(events["actor"]) == {"pipeline"}
    assert set(events["run_id"]) == {"run-1"}


def test_match_pairs_hold_only_pairs_above_threshold(first_run):
    con, _, report = first_run
    pairs = con.sql("select * from mdm_build.match_pairs").pl()
    assert pairs.columns == ["record_key_l", "record_key_r", "match_probability", "match_weight"]
    assert pairs.height == report.pairs_above_threshold
    assert (pairs["match_probability"] >= settings.MATCH_THRESHOLD).all()
    pair_keys = {tuple(sorted(p)) for p in pairs.select("record_key_l", "record_key_r").rows()}
    assert ("ecommerce|7000000004", "crm|0035g00000AAAAAAA4") not in pair_keys
    assert tuple(sorted(("crm|0035g00000AAAAAAA4", "ecommerce|7000000004"))) not in pair_keys


def test_splink_work_tables_are_dropped(first_run):
    con, _, _ = first_run
    leftovers = con.execute(
        """
        select table_schema || '.' || table_name from information_schema.tables
        where table_name like '%splink%' or table_name like '%mdm_match%'
           or table_name = 'result_df'
        """
    ).fetchall()
    assert leftovers == []
    tables = {
        r[0]
        for r in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    }
    assert tables == {
        "staging.int_party_records",
        "mdm_build.customer_xref",
        "mdm_build.identity_events",
        "mdm_build.match_pairs",
        "mdm_build.review_queue",
        "mdm.match_models",
    }


def test_rerun_on_same_input_keeps_ids_and_emits_nothing(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_party_records(con, people())
    match_parties(con, "run-1", now=NOW)
    first = golden_of(con)
    publish(con)

    later = datetime(2025, 7, 1)
    report = match_parties(con, "run-2", now=later)
    assert golden_of(con) == first
    assert con.execute("select count(*) from mdm_build.identity_events").fetchall() == [(0,)]
    assert report.golden_kept == report.clusters
    assert report.golden_created == report.golden_merged == report.golden_split == 0
    assigned = {
        r[0] for r in con.execute("select assigned_at from mdm_build.customer_xref").fetchall()
    }
    assert assigned == {NOW}

    # A new shop record of Alice joins her existing golden id.
    rows = people() + [
        party(
            "ecommerce",
            "7000000099",
            "alice",
            first="Alice",
            last="Johnson",
            email="alice.johnson@example.com",
            phone="+14155550132",
            postal_code="94105",
            city="San Francisco",
            country="US",
        )
    ]
    load_party_records(con, rows)
    publish(con)
    match_parties(con, "run-3", now=later)
    golden = golden_of(con)
    assert golden["ecommerce|7000000099"] == first["crm|0035g00000AAAAAAA1"]
    assert con.execute("select count(*) from mdm_build.identity_events").fetchall() == [(0,)]
    new_assigned = con.execute(
        "select assigned_at from mdm_build.customer_xref where source_record_id = '7000000099'"
    ).fetchall()
    assert new_assigned == [(later,)]
    con.close()


def test_empty_and_single_record_inputs(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_party_records(con, [])
    report = match_parties(con, "run-1", now=NOW)
    assert (report.records, report.clusters, report.pairs_scored) == (0, 0, 0)
    assert con.execute("select count(*) from mdm_build.customer_xref").fetchall() == [(0,)]

    load_party_records(con, people()[:1])
    report = match_parties(con, "run-2", now=NOW)
    assert (report.records, report.clusters, report.golden_created) == (1, 1, 1)
    xref = con.execute("select match_probability from mdm_build.customer_xref").fetchall()
    assert xref == [(1.0,)]
    con.close()


def test_missing_truth_file_skips_metrics(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_party_records(con, people()[:3])
    report = match_parties(con, "run-1", truth_path=tmp_path / "absent.csv", now=NOW)
    assert report.metrics is None
    con.close()


def test_missing_input_table_is_a_clear_error(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(LookupError, match="int_party_records"):
        match_parties(con, "run-1", now=NOW)
    con.close()
