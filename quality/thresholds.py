"""The quality thresholds, read from ``quality/thresholds.yml``.

The file holds every bound the gates apply; nothing else in ``quality/`` carries a number.
``MDM_QUALITY_THRESHOLDS`` may point at another file with the same layout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.yml")
THRESHOLDS_ENV = "MDM_QUALITY_THRESHOLDS"

# The dimensions the suites refer to; a file that lacks one of them is rejected.
DIMENSIONS = ("accuracy", "completeness", "consistency")
SOURCE_SYSTEMS = ("crm", "erp", "ecommerce", "social")


@dataclass(frozen=True)
class Thresholds:
    """The parsed thresholds file."""

    dimensions: Mapping[str, float]
    failing_rows_per_expectation: int
    source: Path
    # source system -> dimension -> share, where a source has its own
    by_source: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # name -> (smallest, largest) plausible value
    plausibility: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def for_dimension(self, dimension: str, source_system: str | None = None) -> float:
        """The smallest share of passing values for ``dimension`` (e.g. ``"accuracy"``): the
        source system's own when the file sets one, else the file's default."""
        own = self.by_source.get(source_system or "", {})
        if dimension in own:
            return own[dimension]
        try:
            return self.dimensions[dimension]
        except KeyError:
            raise KeyError(f"{self.source} has no threshold for {dimension!r}") from None

    def plausible_range(self, name: str) -> tuple[float, float]:
        """The plausible range ``name`` (e.g. ``"order_amount_cny"``): smallest, largest."""
        try:
            return self.plausibility[name]
        except KeyError:
            raise KeyError(f"{self.source} has no plausibility range {name!r}") from None


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
    dimensions = _shares(source, raw_dimensions, "threshold")
    missing = [name for name in DIMENSIONS if name not in dimensions]
    if missing:
        raise ValueError(f"{source}: missing thresholds for {', '.join(missing)}")

    raw_sources = document.get("sources") or {}
    if not isinstance(raw_sources, dict):
        raise ValueError(f"{source}: 'sources' must map source systems to their thresholds")
    by_source: dict[str, Mapping[str, float]] = {}
    for system, shares in raw_sources.items():
        if system not in SOURCE_SYSTEMS:
            raise ValueError(
                f"{source}: sources.{system} is not a source system ({', '.join(SOURCE_SYSTEMS)})"
            )
        if not isinstance(shares, dict):
            raise ValueError(f"{source}: sources.{system} must map dimensions to shares")
        unknown = [name for name in shares if name not in DIMENSIONS]
        if unknown:
            raise ValueError(f"{source}: sources.{system}: unknown dimension {unknown[0]!r}")
        by_source[system] = MappingProxyType(
            _shares(source, shares, f"threshold sources.{system}.")
        )

    raw_plausibility = document.get("plausibility") or {}
    if not isinstance(raw_plausibility, dict):
        raise ValueError(f"{source}: 'plausibility' must map names to min and max")
    plausibility: dict[str, tuple[float, float]] = {}
    for name, bounds in raw_plausibility.items():
        low = bounds.get("min") if isinstance(bounds, dict) else None
        high = bounds.get("max") if isinstance(bounds, dict) else None
        numbers = [v for v in (low, high) if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) != 2 or low > high:
            raise ValueError(f"{source}: plausibility {name}={bounds!r} needs numbers min <= max")
        plausibility[str(name)] = (float(low), float(high))

    sample = document.get("failing_rows_per_expectation")
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise ValueError(
            f"{source}: failing_rows_per_expectation={sample!r} is not a non-negative integer"
        )

    return Thresholds(
        dimensions=MappingProxyType(dimensions),
        failing_rows_per_expectation=sample,
        source=source,
        by_source=MappingProxyType(by_source),
        plausibility=MappingProxyType(plausibility),
    )


def _shares(source: Path, values: Mapping, label: str) -> dict[str, float]:
    shares: dict[str, float] = {}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            sep = "" if label.endswith(".") else " "
            raise ValueError(f"{source}: {label}{sep}{name}={value!r} is not a share in [0, 1]")
        shares[str(name)] = float(value)
    return shares
