"""Writing landing files in the formats of SOURCES.md: RFC 4180 CSV, SAP-style
semicolon CSV and JSON Lines, all UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from sources.generator.deliveries import DELIVERY

FileFormat = Literal["csv", "sap_csv", "jsonl"]


@dataclass(frozen=True)
class LandingFile:
    """One kind of landing file: ``pattern`` is the path relative to the landing folder
    with ``{delivery}`` for the four-digit delivery number."""

    pattern: str
    format: FileFormat
    columns: tuple[str, ...]
    sort_by: tuple[str, ...]
    bom: bool = False

    def path(self, delivery: int) -> str:
        return self.pattern.format(delivery=f"{delivery:04d}")

    def matches(self, relative: str) -> bool:
        """True for any delivery of this kind of file (``crm/contacts_0007.csv``)."""
        head, _, tail = self.pattern.partition("{delivery}")
        return re.fullmatch(re.escape(head) + r"\d{4}" + re.escape(tail), relative) is not None


def write_frame(frame: pl.DataFrame, path: Path, kind: LandingFile) -> None:
    """Write ``frame`` (already holding only the file's columns) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind.format == "jsonl":
        frame.write_ndjson(path)
    else:
        frame.write_csv(
            path,
            separator=";" if kind.format == "sap_csv" else ",",
            include_bom=kind.bom,
            quote_style="necessary",
            line_terminator="\n",
        )


def write_deliveries(
    out_dir: Path, kind: LandingFile, frame: pl.DataFrame, deliveries: int
) -> dict[str, int]:
    """Write one file per delivery from ``frame`` (which has ``_delivery``); returns the
    row count per relative path."""
    counts: dict[str, int] = {}
    ordered = frame.sort([DELIVERY, *kind.sort_by])
    for delivery in range(1, deliveries + 1):
        part = ordered.filter(pl.col(DELIVERY) == delivery).select(kind.columns)
        relative = kind.path(delivery)
        write_frame(part, out_dir / relative, kind)
        counts[relative] = part.height
    return counts


def remove_stale(out_dir: Path, kinds: list[LandingFile]) -> None:
    """Delete earlier generator files of these kinds, so a smaller re-run leaves no
    deliveries behind that would be ingested as new data."""
    for kind in kinds:
        folder = (out_dir / kind.pattern).parent
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and kind.matches(path.relative_to(out_dir).as_posix()):
                path.unlink()
