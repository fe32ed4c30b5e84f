"""CRM: the Salesforce-style contact export (``crm/contacts_*.csv``).

Comma-separated with RFC 4180 quoting; fields may hold commas, quotes and newlines.
Only the id, the booleans and the dates can make a row unusable; names, emails, phones
and addresses are free text and are cleaned later.
"""

from __future__ import annotations

from sources.formats import CsvFormat, iso_date, iso_timestamp, matches, text_boolean

CONTACTS = CsvFormat(
    delimiter=",",
    columns=(
        "Id",
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "MobilePhone",
        "MailingStreet",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingCountry",
        "Birthdate",
        "AccountName",
        "LeadSource",
        "HasOptedOutOfEmail",
        "CreatedDate",
        "LastModifiedDate",
        "IsDeleted",
    ),
    required=("Id",),
    checks={
        "Id": [matches(r"^[A-Za-z0-9]{18}$", "not an 18-character Salesforce id")],
        "Birthdate": [iso_date()],
        "HasOptedOutOfEmail": [text_boolean()],
        "CreatedDate": [iso_timestamp()],
        "LastModifiedDate": [iso_timestamp()],
        "IsDeleted": [text_boolean()],
    },
)

FORMATS = {"contacts": CONTACTS}
