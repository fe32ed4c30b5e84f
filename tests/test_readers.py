"""Reading landing files: line numbers, broken quoting, encodings, JSON types."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from sources import readers
from sources.readers import FileRejected, read_file
from sources.registry import entity, native_format
from sources.validation import validate

DATA = Path(__file__).parent / "data" / "sources"

CRM = entity("crm", "contacts")
CRM_HEADER = ",".join(native_format(CRM).columns)
TS = "2025-03-01T08:15:00.000Z"


def crm_row(record_id: str, first: str = "Anna", street: str = "1 Market St") -> str:
    return (
        f"{record_id},{first},Smith,anna@example.com,,,{street},Berlin,,10115,DE,,,Web,"
        f"false,{TS},{TS},false"
    )


def crm_id(k: int) -> str:
    return f"0031U{k:013d}"


def read_crm(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    fmt = native_format(CRM)
    parsed = read_file(data, fmt)
    return parsed, validate(parsed, fmt, CRM.id_columns)


def lines_of(parsed) -> dict[str, int]:
    return dict(zip(parsed.frame["Id"], parsed.frame["_line_number"], strict=True))


def test_multi_line_quoted_field_keeps_physical_line_numbers():
    parsed, checked = read_crm((DATA / "crm_contacts.csv").read_bytes())
    assert lines_of(parsed) == {
        "0031U00001AbCdEAAZ": 2,
        "0031U00001AbCdFAAZ": 3,  # its street spans lines 3 and 4
        "0031U00001AbCdGAAZ": 5,
    }
    street = parsed.frame.filter(parsed.frame["Id"] == "0031U00001AbCdFAAZ")["MailingStreet"]
    assert street.item() == '88 Nanjing Rd\r\nBuilding "B"'
    assert checked.rejected == []


def test_bom_crlf_and_chinese_text_are_read_as_delivered():
    parsed, _ = read_crm((DATA / "crm_contacts.csv").read_bytes())
    row = parsed.frame.row(1, named=True)
    assert row["Id"] == "0031U00001AbCdFAAZ"  # no byte-order mark glued to the first column
    assert (row["FirstName"], row["LastName"], row["MailingCity"]) == ("伟", "王", "上海")
    assert parsed.frame.row(0, named=True)["AccountName"] == "Acme, Inc."
    assert parsed.frame.row(2, named=True)["IsDeleted"] == "true"  # no \r left on the last field


def test_empty_csv_values_are_null_and_malformed_email_is_not_an_error():
    parsed, checked = read_crm((DATA / "crm_contacts.csv").read_bytes())
    third = parsed.frame.row(2, named=True)
    assert third["Email"] == "not-an-email"
    assert third["MailingStreet"] is None
    assert checked.rows.height == 3


def test_unclosed_quote_quarantines_one_line_and_reading_resumes():
    rows = [crm_row(crm_id(k)) for k in range(1, 6)]
    rows[1] = crm_row(crm_id(2), first='"Unclosed')
    parsed, checked = read_crm("\n".join([CRM_HEADER, *rows]) + "\n")
    assert sorted(lines_of(parsed).values()) == [2, 4, 5, 6]
    [rejection] = checked.rejected
    assert rejection.line_number == 3
    assert rejection.reason.startswith("broken quoting")
    assert rejection.raw_text == rows[1]


def test_unclosed_quote_spanning_too_many_lines_is_broken_quoting():
    rows = [crm_row(crm_id(2), first='"Unclosed')]
    rows += [f"free text line {k}" for k in range(40)]
    rows += ['closing" line', crm_row(crm_id(3))]
    parsed, checked = read_crm("\n".join([CRM_HEADER, *rows]) + "\n")
    assert checked.rejected[0].line_number == 2
    assert "would run for" in checked.rejected[0].reason
    assert lines_of(parsed) == {crm_id(3): 44}
    assert parsed.records == 1 + 42  # the swallowed lines are each quarantined, not lost


def test_stray_quote_inside_unquoted_field_does_not_lose_the_file():
    # Balanced quotes in the middle of a field: Polars refuses the file, the reader
    # falls back to record-by-record parsing and quarantines only this record.
    header = "VBELN;KUNNR;FKDAT;NETWR;WAERK"
    lines = [
        header,
        "9000000001;0000012345;20240301;1.00;CNY",
        '9000000002;00000"123;45"6;20240301;2.00;CNY',
        "9000000003;0000012345;20240301;3.00;CNY",
    ]
    fmt = native_format(entity("erp", "invoices"))
    parsed = read_file(("\n".join(lines) + "\n").encode(), fmt)
    assert parsed.frame["_line_number"].to_list() == [2, 4]
    [rejection] = parsed.rejected
    assert (rejection.line_number, rejection.raw_text) == (3, lines[2])
    assert rejection.reason.startswith("broken quoting")


def unescaped_quote_file() -> str:
    rows = [
        crm_row(crm_id(1)),
        crm_row(crm_id(2), first='Robert "Bob"'),  # quotes inside an unquoted field
        crm_row(crm_id(3), street='"Flat 2\nHigh St"'),
        crm_row(crm_id(4), first='"Ann"e'),  # text after a closing quote
        crm_row(crm_id(5)),
    ]
    return "\n".join([CRM_HEADER, *rows]) + "\n"


def test_quotes_inside_an_unquoted_field_are_read_as_text():
    parsed, checked = read_crm(unescaped_quote_file())
    assert lines_of(parsed) == {
        crm_id(k): line for k, line in [(1, 2), (2, 3), (3, 4), (4, 6), (5, 7)]
    }
    names = dict(zip(parsed.frame["Id"], parsed.frame["FirstName"], strict=True))
    assert (names[crm_id(2)], names[crm_id(4)]) == ('Robert "Bob"', "Anne")
    assert checked.rejected == []


def test_records_polars_refuses_are_retried_chunk_by_chunk(monkeypatch):
    monkeypatch.setattr(readers, "_irregular_quotes", lambda lines, first, *_: first < 0)
    monkeypatch.setattr(readers, "FALLBACK_CHUNK_RECORDS", 2)
    parsed, checked = read_crm(unescaped_quote_file())
    assert sorted(lines_of(parsed).values()) == [2, 3, 4, 6, 7]
    assert parsed.frame["FirstName"].to_list()[1] == 'Robert "Bob"'


def test_too_few_fields_quarantines_the_row():
    parsed, checked = read_crm(f"{CRM_HEADER}\n{crm_row(crm_id(1))}\nshort,row\n")
    assert lines_of(parsed) == {crm_id(1): 2}
    [rejection] = checked.rejected
    assert (rejection.line_number, rejection.reason) == (3, "expected 18 fields, found 2")


def test_bad_rows_of_the_bad_fixture_land_in_quarantine_with_reasons():
    parsed, checked = read_crm((DATA / "crm_contacts_bad.csv").read_bytes())
    assert checked.rows["_line_number"].to_list() == [2, 9, 11, 13]
    found = {r.line_number: (r.field, r.reason) for r in checked.rejected}
    assert found == {
        3: ("Id", "Id: not an 18-character Salesforce id ('003SHORT')"),
        4: ("Birthdate", "Birthdate: not a date (YYYY-MM-DD) ('1985-02-30')"),
        5: ("HasOptedOutOfEmail", "HasOptedOutOfEmail: not a boolean (true/false) ('yes')"),
        6: ("Id", "duplicate id 0031U00001AbCdEAAZ in file (first at line 2)"),
        7: ("Id", "missing id (Id)"),
        8: (
            None,
            "broken quoting: a quote opened on this line would swallow line 9, "
            "which is a complete record",
        ),
        10: (None, "expected 18 fields, found 3"),
    }
    assert checked.rows.height + len(checked.rejected) == parsed.records == 11


def test_huge_field_is_read():
    big = "x" * 1_000_000
    parsed, checked = read_crm(f"{CRM_HEADER}\n{crm_row(crm_id(1), street=big)}\n")
    assert checked.rows["MailingStreet"].item() == big
    quoted = f'"{big}, with a comma"'
    parsed, checked = read_crm(f"{CRM_HEADER}\n{crm_row(crm_id(1), street=quoted)}\n")
    assert checked.rows["MailingStreet"].item() == big + ", with a comma"


def test_huge_field_in_a_record_read_by_python_is_read():
    big = "y" * 1_000_000
    lines = [
        "VBELN;KUNNR;FKDAT;NETWR;WAERK",
        f'9000000001;0000012345;20240301;1.00;"{big}"',
        '9000000002;00000"123;45"6;20240301;2.00;CNY',  # forces the Python fallback
    ]
    fmt = native_format(entity("erp", "invoices"))
    parsed = read_file(("\n".join(lines) + "\n").encode(), fmt)
    assert parsed.frame["WAERK"].to_list() == [big]


def test_not_utf8_is_rejected_with_the_offset():
    data = f"{CRM_HEADER}\n{crm_row(crm_id(1), first='Ren')}\n".encode() + b"\xffe\n"
    with pytest.raises(FileRejected) as caught:
        read_crm(data)
    offset = len(data) - 3
    assert caught.value.reason == f"not UTF-8 (byte 0xff at offset {offset})"


def test_latin1_file_is_not_utf8():
    data = f"{CRM_HEADER}\n{crm_row(crm_id(1), first='José')}\n".encode("latin-1")
    with pytest.raises(FileRejected, match=r"not UTF-8 \(byte 0xe9 at offset \d+\)"):
        read_crm(data)


def test_wrong_delimiter_is_named():
    text = CRM_HEADER.replace(",", ";") + "\n" + crm_row(crm_id(1)).replace(",", ";") + "\n"
    with pytest.raises(FileRejected) as caught:
        read_crm(text)
    assert caught.value.reason == "wrong delimiter: expected ',' but the header is separated by ';'"


def test_missing_columns_are_named():
    header = CRM_HEADER.replace(",Email,Phone,", ",")
    with pytest.raises(FileRejected) as caught:
        read_crm(header + "\n")
    assert caught.value.reason == "missing required columns: Email, Phone"


def test_extra_column_is_ignored_and_noted():
    parsed, checked = read_crm(f"{CRM_HEADER},Region__c\n{crm_row(crm_id(1))},EMEA\n")
    assert checked.rows.height == 1
    assert "Region__c" not in checked.rows.columns
    assert parsed.notes == {"extra column ignored: Region__c": 1}


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n", CRM_HEADER + "\r\n"])
def test_empty_and_header_only_files_have_no_records(text):
    parsed, checked = read_crm(text)
    assert parsed.records == 0
    assert checked.rows.columns == [*native_format(CRM).columns, "_line_number"]


def test_jsonl_types_missing_ids_invalid_lines_and_duplicates():
    customers = entity("ecommerce", "customers")
    fmt = native_format(customers)
    parsed = read_file((DATA / "ecommerce_customers.jsonl").read_bytes(), fmt)
    checked = validate(parsed, fmt, customers.id_columns)
    assert checked.rows["id"].to_list() == ["1001", "1002", "9007199254740992"]
    assert checked.rows["_line_number"].to_list() == [1, 2, 9]
    found = {r.line_number: (r.field, r.reason) for r in checked.rejected}
    assert found[3] == ("id", "id: wrong type, expected integer, got string")
    assert found[4][0] is None and found[4][1].startswith("invalid JSON: ")
    assert found[6] == ("id", "missing id (id)")
    assert found[7] == ("id", "duplicate id 1001 in file (first at line 1)")
    assert found[8] == (
        "accepts_marketing",
        "accepts_marketing: wrong type, expected boolean or null, got string",
    )
    assert len(found) == 5  # line 5 is blank: not a record
    assert parsed.records == 8
    first = checked.rows.row(0, named=True)
    assert first["accepts_marketing"] is True
    assert first["default_address_city"] == "San Francisco"
    assert checked.rows.row(2, named=True)["default_address_city"] == "北京"


def test_jsonl_strictness_beyond_duckdb():
    customers = entity("ecommerce", "customers")
    fmt = native_format(customers)
    lines = [
        '{"id": 1, "tags": "NaN is fine inside a string"}',
        '{"id": 2,}',
        '{"id": 3, "accepts_marketing": NaN}',
        "[1, 2]",
        '{"id": 4.0}',
        '{"id": true}',
    ]
    parsed = read_file(("\n".join(lines) + "\n").encode(), fmt)
    checked = validate(parsed, fmt, customers.id_columns)
    assert checked.rows["id"].to_list() == ["1"]
    reasons = {r.line_number: r.reason for r in checked.rejected}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3].startswith("invalid JSON")
    assert reasons[4] == "not a JSON object (found array)"
    assert reasons[5] == "id: wrong type, expected integer, got number"
    assert reasons[6] == "id: wrong type, expected integer, got boolean"


def test_jsonl_list_is_kept_as_json_text_and_numbers_are_typed():
    orders = entity("ecommerce", "orders")
    fmt = native_format(orders)
    parsed = read_file((DATA / "ecommerce_orders.jsonl").read_bytes(), fmt)
    checked = validate(parsed, fmt, orders.id_columns)
    assert checked.rows["customer_id"].to_list() == ["1001", None]
    assert '"sku":"TEA-1"' in checked.rows["line_items"][0].replace(" ", "")
    [rejection] = checked.rejected
    assert rejection.reason == "total_price: wrong type, expected string or null, got number"


def test_social_ids_are_platform_scoped_and_numbers_typed():
    profiles = entity("social", "profiles")
    fmt = native_format(profiles)
    parsed = read_file((DATA / "social_profiles.jsonl").read_bytes(), fmt)
    checked = validate(parsed, fmt, profiles.id_columns)
    assert checked.rows["user_id"].to_list() == ["1650342011", "42", "li-9"]
    assert checked.rows["followers"].to_list() == [1200, 10, None]
    assert checked.rows["verified"].to_list() == [True, False, None]
    reasons = {r.line_number: r.reason for r in checked.rejected}
    assert reasons == {
        3: "duplicate id weibo:1650342011 in file (first at line 1)",
        4: "followers: wrong type, expected integer or null, got string",
    }


def test_huge_json_field_is_read():
    profiles = entity("social", "profiles")
    fmt = native_format(profiles)
    bio = "茶" * 400_000  # 1.2 MB of UTF-8
    line = f'{{"platform": "weibo", "user_id": "1", "bio": "{bio}"}}\n'
    parsed = read_file(line.encode(), fmt)
    assert parsed.frame["bio"].item() == bio


def test_erp_ids_keep_their_zeros_and_bad_values_are_named():
    customers = entity("erp", "customers")
    fmt = native_format(customers)
    parsed = read_file((DATA / "erp_customers.csv").read_bytes(), fmt)
    checked = validate(parsed, fmt, customers.id_columns)
    assert checked.rows["KUNNR"].to_list() == ["0000012345", "0000012346"]
    assert {r.line_number: r.reason for r in checked.rejected} == {
        4: "KUNNR: not a 10-digit customer number ('12347')",
        5: "duplicate id 0000012345 in file (first at line 2)",
        6: "ERDAT: not a date (YYYYMMDD) ('20241301')",
    }


def test_invoice_without_customer_or_with_comma_decimal_is_rejected():
    invoices = entity("erp", "invoices")
    fmt = native_format(invoices)
    parsed = read_file((DATA / "erp_invoices.csv").read_bytes(), fmt)
    checked = validate(parsed, fmt, invoices.id_columns)
    assert checked.rows["NETWR"].to_list() == ["1234.50", "-10.00"]
    assert {r.line_number: (r.field, r.reason) for r in checked.rejected} == {
        4: ("NETWR", "NETWR: not a decimal number ('12,50')"),
        5: ("KUNNR", "missing KUNNR"),
    }


def test_erp_file_delivered_with_commas_is_a_wrong_delimiter():
    text = (DATA / "erp_invoices.csv").read_text().replace(";", ",")
    with pytest.raises(FileRejected, match="wrong delimiter: expected ';' but the header"):
        read_file(text.encode(), native_format(entity("erp", "invoices")))


@pytest.mark.parametrize("terminator", ["\n", "\r\n"])
def test_random_rfc4180_file_matches_pythons_csv_module(terminator):
    rnd = random.Random(4180)
    pieces = ["a", "Zhang", "王", ",", '"', "\n", "\r\n", " ", "x y", "", "😀"]
    columns = native_format(CRM).columns
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=terminator)
    writer.writerow(columns)
    expected = []
    for k in range(300):
        values = ["".join(rnd.choices(pieces, k=rnd.randint(0, 4))) for _ in columns]
        values[0] = crm_id(k)
        writer.writerow(values)
        expected.append(values)
    text = buffer.getvalue()

    reference = csv.reader(io.StringIO(text, newline=""))
    next(reference)
    starts, line = [], reference.line_num
    for _ in reference:
        starts.append(line + 1)
        line = reference.line_num

    parsed = read_file(text.encode(), native_format(CRM))
    assert parsed.rejected == []
    assert parsed.frame["_line_number"].to_list() == starts
    got = parsed.frame.select(columns).rows()
    assert got == [tuple(v or None for v in values) for values in expected]


def test_jsonl_with_bom_and_crlf_keeps_line_numbers():
    engagement = entity("social", "engagement")
    fmt = native_format(engagement)
    lines = [
        '{"platform": "x", "user_id": "1", "event_id": "e1", "text": "hi"}',
        "",
        '{"platform": "x", "user_id": "1", "event_id": "e2", "text": "再见"}',
    ]
    data = "\ufeff".encode() + "\r\n".join(lines).encode() + b"\r\n"
    parsed = read_file(data, fmt)
    checked = validate(parsed, fmt, engagement.id_columns)
    assert checked.rows.select("event_id", "text", "_line_number").rows() == [
        ("e1", "hi", 1),
        ("e2", "再见", 3),
    ]
    assert parsed.rejected == []
