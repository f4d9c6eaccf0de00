#!/usr/bin/env bash
# Set up voiceguide (see setup.sh), then play the built-in back-massage session. On a machine
# without a sound device it exports the session to back-massage.mp3 instead and says where.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/voiceguide play back-massage --else-export back-massage.mp3 "$@"
