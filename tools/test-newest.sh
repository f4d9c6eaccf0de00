#!/usr/bin/env bash
# The test suite against the NEWEST versions pyproject.toml allows, in its own venv
# (.venv-newest), ignoring constraints.txt: a dependency that moved on (PyYAML 6.0.4 changed
# an error message under us) fails here before it reaches users who pip-install the ranges.
# Part of .ci/run. The suite runs only when a version differs from constraints.txt (those
# are what ./test.sh ran it with; tools/newer_versions.py compares). When it fails: fix the
# code, or narrow the range in pyproject.toml; then refresh the lock (tools/lock.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./setup.sh --dev >/dev/null  # the system packages
venv=.venv-newest
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e ".[$(tools/extras.sh dev)]"
"$venv/bin/python" -m pip freeze --exclude-editable | grep -v '^-e ' | sort >"$venv/freeze.txt"
echo "test-newest: versions that differ from constraints.txt (all: $venv/freeze.txt):" >&2
if "$venv/bin/python" tools/newer_versions.py constraints.txt "$venv/freeze.txt" >&2; then
  echo "  none: the suite already ran with these versions (./test.sh); not run again" >&2
  exit 0
fi
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
