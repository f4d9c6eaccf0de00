#!/usr/bin/env bash
# Refresh constraints.txt: install every extra into a throwaway venv from the ranges in
# pyproject.toml (the newest versions they allow) and record the exact versions.
#   tools/lock.sh        then run ./test.sh and commit constraints.txt if it passes
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d /tmp/voiceguide-lock-XXXX)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e ".[$(tools/extras.sh all)]"
{
  sed -n '1,3p' constraints.txt
  "$venv/bin/python" -m pip freeze --exclude-editable | grep -v '^-e '
} >constraints.txt.new
mv constraints.txt.new constraints.txt
git --no-pager diff --stat constraints.txt || true
