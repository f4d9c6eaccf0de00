#!/usr/bin/env bash
# Set up everything the tests need (see setup.sh), then run the whole test suite (what CI runs).
#   ./test.sh --quick    the inner loop, under two minutes: no slow, engine, audio_device or
#                        browser tests (tests/conftest.py); other pytest arguments pass through
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --dev
exec .venv/bin/python -m pytest -q "$@"
