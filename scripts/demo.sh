#!/usr/bin/env bash
# Sets up the environment, generates demo data and runs the whole pipeline once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export MDM_LANDING_DIR=${MDM_LANDING_DIR:-data/landing}
CUSTOMERS=${CUSTOMERS:-2000}
if [ ! -d "$MDM_LANDING_DIR/crm" ]; then
  .venv/bin/mdm generate --out "$MDM_LANDING_DIR" --customers "$CUSTOMERS" --seed 42
fi
# The demo data's present is the end of October 2025 (sources/generator/presence.py,
# LAST_CHANGE): the customer 360 measures recency, churn and lifecycle from that day, not
# from today. Set MDM_AS_OF_DATE yourself to override; unset, a run uses its own date.
export MDM_AS_OF_DATE=${MDM_AS_OF_DATE:-2025-11-01}
.venv/bin/mdm run
