#!/usr/bin/env bash
# Set up everything the tests need (see setup.sh), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --dev
exec .venv/bin/python -m pytest -q "$@"
