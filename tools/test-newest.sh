#!/usr/bin/env bash
# The test suite against the NEWEST versions pyproject.toml allows, in its own venv
# (.venv-newest), ignoring constraints.txt: a dependency that moved on (PyYAML 6.0.4 changed
# an error message under us) fails here before it reaches users who pip-install the ranges.
# Part of .ci/run. When it fails: fix the code, or narrow the range in pyproject.toml; then
# refresh the lock (tools/lock.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./setup.sh --dev >/dev/null  # the system packages
venv=.venv-newest
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e ".[$(tools/extras.sh dev)]"
echo "test-newest: versions that differ from constraints.txt:" >&2
"$venv/bin/python" -m pip freeze --exclude-editable | grep -v '^-e ' | sort >"$venv/freeze.txt"
grep -v '^#' constraints.txt | sort | comm -13 - "$venv/freeze.txt" | sed 's/^/  /' >&2 || true
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
