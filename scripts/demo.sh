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
.venv/bin/mdm run
