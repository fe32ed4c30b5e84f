"""The Splink model itself: scoring, training, and cleaning up after itself."""

from __future__ import annotations

import random
from datetime import date, datetime

import duckdb
import polars as pl
import pytest
from splink import block_on

from matching import settings
from matching.model import MatchSession
from matching.pipeline import match_parties
from tests.test_matching_pipeline import load_party_records, party, people

NOW = datetime(2025, 6, 1, 12, 0)


@pytest.fixture()
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def scored_pairs(session: MatchSession) -> dict[tuple[str, str], float]:
    assert session.predictions is not None
    rows = session.con.execute(
        f"select record_key_l, record_key_r, match_probability "
        f"from {session.predictions.physical_name}"
    ).fetchall()
    return {tuple(sorted((left, right))): p for left, right, p in rows}


def test_same_name_different_person_is_compared_and_scored_low(con):
    load_party_records(con, people())
    with MatchSession(con) as session:
        session.prepare()
        session.train()
        session.predict(threshold=0.0)
        pairs = scored_pairs(session)
    wang_fang = tuple(sorted(("crm|0035g00000AAAAAAA4", "ecommerce|7000000004")))
    assert wang_fang in pairs, "same name and postal code must be a candidate pair"
    assert pairs[wang_fang] < 0.1
    chinese_vs_pinyin = tuple(sorted(("crm|0035g00000AAAAAAA2", "social|weibo:1650342011")))
    assert pairs[chinese_vs_pinyin] > 0.99


def test_failed_em_rule_leaves_the_model_whole(con, monkeypatch):
    load_party_records(con, people())
    monkeypatch.setattr(settings, "MIN_RECORDS_FOR_TRAINING", 0)
    # No two records share company and birth date: EM on this rule fails. Splink edits
    # the model in place before failing; the session must undo that.
    monkeypatch.setattr(
        settings, "em_training_rules", lambda: [block_on("company_norm", "birth_date")]
    )
    with MatchSession(con) as session:
        session.prepare()
        session.train()
        model = session.model_json()
    names = [c["output_column_name"] for c in model["comparisons"]]
    assert names == [
        "name",
        "email",
        "handle",
        "phone",
        "birth_date",
        "location",
        "street",
        "company",
    ]
    assert 0 < model["probability_two_random_records_match"] < 0.1


def test_training_is_deterministic(con):
    load_party_records(con, people())
    models = []
    for _ in range(2):
        with MatchSession(con) as session:
            session.prepare()
            session.train()
            model = session.model_json()
            model.pop("linker_uid", None)
            models.append(model)
    assert models[0] == models[1]


def test_session_drops_its_tables_even_when_a_stage_fails(con):
    load_party_records(con, people())
    with pytest.raises(RuntimeError), MatchSession(con) as session:
        session.prepare()
        session.train()
        session.predict()
        raise RuntimeError("boom")
    leftovers = con.execute(
        "select table_name from information_schema.tables "
        "where table_name like '\\_\\_%' escape '\\' or table_name = 'result_df'"
    ).fetchall()
    assert leftovers == []


# --- trained on generated records -------------------------------------------------

GIVEN = "anna ben carla dario elena felix greta hugo ines jonas karla lukas mara nils".split()
FAMILY = "meyer novak okafor petrov quinn rossi schmidt tanaka ueda varga weber xu".split()
CN_GIVEN = ["wei", "fang", "na", "min", "jing", "lei", "jun", "yang", "yong", "jie", "tao", "ming"]
CN_FAMILY = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen")]
SOURCES = ["crm", "erp", "ecommerce", "social"]


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def generated_records(n_people: int, seed: int = 7) -> list[dict]:
    """People with 1-3 records across sources; every duplicate shares an email, a phone
    or name and birth date, with typos, swapped names and missing values on top."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for i in range(n_people):
        chinese = i % 3 == 0
        if chinese:
            _, family = CN_FAMILY[i % len(CN_FAMILY)]
            given = CN_GIVEN[(i // 5) % len(CN_GIVEN)]
            phone = f"+86139{i:08d}"
            city, postal = "shanghai", f"200{i % 5:03d}"
        else:
            given = GIVEN[i % len(GIVEN)]
            family = FAMILY[(i // len(GIVEN)) % len(FAMILY)]
            phone = f"+1415{i:07d}"
            city, postal = "boston", f"02{i % 5:03d}"
        email = f"{given}.{family}{i}@example.com"
        # Spread so that namesakes (same name, same postal code) differ in the rest.
        born = date(1950 + (13 * i) % 47, 1 + (7 * i) % 11, 1 + (11 * i) % 27)
        street = f"{1 + (37 * i) % 997} {family} street"
        for k in range(1 + i % 3):
            first, last = given, family
            record_email: str | None = email
            record_phone: str | None = phone
            record_born: date | None = born
            if k == 1:
                record_phone = None
                if rng.random() < 0.5:
                    first = _typo(first, rng) if len(first) > 3 else first
            if k == 2:
                first, last = last, first  # swapped fields
                record_email = None
                if rng.random() < 0.5:
                    record_born = None
            rows.append(
                party(
                    SOURCES[(i + k) % 4],
                    f"{i:06d}-{k}",
                    f"p{i}",
                    first=first.title(),
                    last=last.title(),
                    email=record_email,
                    phone=record_phone,
                    street=street,
                    city=city.title(),
                    postal_code=postal,
                    country="CN" if chinese else "US",
                    birth_date=record_born,
                )
            )
    return rows


def test_trained_model_finds_generated_duplicates(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "MIN_RECORDS_FOR_TRAINING", 1_000)
    rows = generated_records(900)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    frame = load_party_records(con, rows)
    truth_path = tmp_path / "truth.csv"
    frame.select(
        "source_system", "source_record_id", pl.col("person").alias("person_id")
    ).write_csv(truth_path)

    report = match_parties(con, "run-1", truth_path=truth_path, now=NOW)

    assert report.records == len(rows) >= 1_000
    assert report.metrics is not None
    assert report.metrics["precision"] >= 0.98
    assert report.metrics["recall"] >= 0.95
    assert report.golden_created == report.clusters
    con.close()
