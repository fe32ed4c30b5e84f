"""ERP: the SAP-style customer master and billing documents (``erp/*.csv``).

Semicolon-separated with SAP field names. ``KUNNR`` is ten digits with its leading
zeros and is kept as text; dates are ``YYYYMMDD``; amounts are decimals with a dot.
"""

from __future__ import annotations

from sources.formats import CsvFormat, decimal_text, matches, sap_date

_KUNNR = matches(r"^\d{10}$", "not a 10-digit customer number")

CUSTOMERS = CsvFormat(
    delimiter=";",
    columns=(
        "KUNNR",
        "NAME1",
        "NAME2",
        "STRAS",
        "ORT01",
        "PSTLZ",
        "REGIO",
        "LAND1",
        "TELF1",
        "SMTP_ADDR",
        "ERDAT",
        "AEDAT",
        "LOEVM",
        "KTOKD",
    ),
    required=("KUNNR",),
    checks={
        "KUNNR": [_KUNNR],
        "ERDAT": [sap_date()],
        "AEDAT": [sap_date()],
        "LOEVM": [matches(r"^[Xx]$", "not a deletion flag (X or empty)")],
    },
)

INVOICES = CsvFormat(
    delimiter=";",
    columns=("VBELN", "KUNNR", "FKDAT", "NETWR", "WAERK"),
    # An invoice without its customer cannot be attributed to anyone.
    required=("VBELN", "KUNNR"),
    checks={
        "KUNNR": [_KUNNR],
        "FKDAT": [sap_date()],
        "NETWR": [decimal_text()],
    },
)

FORMATS = {"customers": CUSTOMERS, "invoices": INVOICES}
