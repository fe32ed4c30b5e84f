#!/usr/bin/env bash
# Sets up the environment if needed and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/python -m pytest "$@"
