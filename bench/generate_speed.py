"""Time the synthetic data generator.

    python bench/generate_speed.py --customers 450000

Prints the wall-clock seconds, the party records (CRM contacts, ERP customers, shop
customers, social profiles) and all rows written (plus invoices, orders and
engagement), and both per second. The target is one million party records in under
two minutes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.generator import generate  # noqa: E402

TRUTH = "_truth/records.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=450_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--deliveries", type=int, default=1)
    parser.add_argument("--out", type=Path, help="landing folder to keep (default: temporary)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="mdm-generate-") as scratch:
        out = args.out or Path(scratch)
        started = time.perf_counter()
        summary = generate(out, args.customers, seed=args.seed, deliveries=args.deliveries)
        seconds = time.perf_counter() - started

    rows = sum(n for path, n in summary.files.items() if path != TRUTH)
    print(f"customers       {args.customers:>12,}")
    print(f"seconds         {seconds:>12.1f}")
    print(
        f"party records   {summary.party_records:>12,}  ({summary.party_records / seconds:,.0f}/s)"
    )
    print(f"rows written    {rows:>12,}  ({rows / seconds:,.0f}/s)")
    for path, n in sorted(summary.files.items()):
        print(f"  {path:<34}{n:>12,}")


if __name__ == "__main__":
    main()
