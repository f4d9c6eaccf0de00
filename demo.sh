#!/usr/bin/env bash
# Set up voiceguide (see setup.sh), then run the main job on the built-in back-massage routine.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/voiceguide plan back-massage "$@"
