"""The quality thresholds, read from ``quality/thresholds.yml``.

The file holds every bound the gates apply; nothing else in ``quality/`` carries a number.
``MDM_QUALITY_THRESHOLDS`` may point at another file with the same layout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.yml")
THRESHOLDS_ENV = "MDM_QUALITY_THRESHOLDS"

# The dimensions the suites refer to; a file that lacks one of them is rejected.
DIMENSIONS = ("accuracy", "completeness", "consistency")


@dataclass(frozen=True)
class Thresholds:
    """The parsed thresholds file."""

    dimensions: Mapping[str, float]
    failing_rows_per_expectation: int
    source: Path

    def for_dimension(self, dimension: str) -> float:
        """The smallest share of passing values for ``dimension`` (e.g. ``"accuracy"``)."""
        try:
            return self.dimensions[dimension]
        except KeyError:
            raise KeyError(f"{self.source} has no threshold for {dimension!r}") from None


def thresholds_path() -> Path:
    """The thresholds file in force: ``MDM_QUALITY_THRESHOLDS`` or ``quality/thresholds.yml``."""
    value = os.environ.get(THRESHOLDS_ENV)
    return Path(value).resolve() if value else THRESHOLDS_FILE


def load_thresholds(path: Path | str | None = None) -> Thresholds:
    """Read and check a thresholds file (by default the one in force).

    Raises ``ValueError`` naming the file when a dimension is missing, a threshold is not a
    share between 0 and 1, or the sample size is not a non-negative integer.
    """
    source = Path(path) if path is not None else thresholds_path()
    document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict):
        raise ValueError(f"{source}: expected a mapping at the top level")

    raw_dimensions = document.get("dimensions")
    if not isinstance(raw_dimensions, dict):
        raise ValueError(f"{source}: 'dimensions' must map dimension names to shares")
    dimensions: dict[str, float] = {}
    for name, value in raw_dimensions.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"{source}: threshold {name}={value!r} is not a share in [0, 1]")
        dimensions[str(name)] = float(value)
    missing = [name for name in DIMENSIONS if name not in dimensions]
    if missing:
        raise ValueError(f"{source}: missing thresholds for {', '.join(missing)}")

    sample = document.get("failing_rows_per_expectation")
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise ValueError(
            f"{source}: failing_rows_per_expectation={sample!r} is not a non-negative integer"
        )

    return Thresholds(
        dimensions=MappingProxyType(dimensions),
        failing_rows_per_expectation=sample,
        source=source,
    )
