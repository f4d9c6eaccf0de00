#!/usr/bin/env bash
# Set up everything the tests need (see setup.sh), then run the whole test suite (what CI runs,
# in one process: its real-time tests are timing-sensitive, a second worker beside them is load).
#   ./test.sh --quick    the inner loop, under two minutes on 2 cores: no slow, engine,
#                        audio_device or browser tests (tests/conftest.py), one pytest-xdist
#                        worker per core (--dist loadfile: a file's tests stay on one worker, so
#                        its module fixtures are made once), their temporary files in RAM when
#                        /dev/shm is a tmpfs with room (every clip the tests write is fsynced,
#                        ~4 ms each on a shared disk; a run writes ~1 GB there, and keeps only
#                        the folders of the tests that failed). Other pytest arguments pass
#                        through; -n 0 runs it in one process (DEVELOPERS.md, "Tests").
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --dev
quick=()
for arg in "$@"; do
  [[ "$arg" == "--quick" ]] && quick=(-n auto --dist loadfile)
done
if ((${#quick[@]})) && [[ -z "${PYTEST_DEBUG_TEMPROOT:-}" && -w /dev/shm ]] &&
  [[ "$(stat -f -c %T /dev/shm)" == tmpfs ]] &&
  (($(df -k --output=avail /dev/shm | tail -1) > 4 * 1024 * 1024)); then
  export PYTEST_DEBUG_TEMPROOT=/dev/shm # pytest-of-USER/pytest-N there
  quick+=(-o tmp_path_retention_policy=failed)
fi
exec .venv/bin/python -m pytest -q "${quick[@]}" "$@"
