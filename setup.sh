#!/usr/bin/env bash
# Set up voiceguide on Debian/Ubuntu: system packages (only those missing), a virtualenv in
# .venv, and the package. Idempotent and quick when everything is already there.
#   ./setup.sh          what voiceguide needs to run
#   ./setup.sh --dev    plus what the tests and benchmarks need
set -euo pipefail
cd "$(dirname "$0")"

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

say() { printf 'setup: %s\n' "$*" >&2; }

packages=(espeak-ng libasound2-dev gcc)
if ((dev)); then
  # pulseaudio & co: the null sink of the player's end-to-end test; sox and ffmpeg: checks
  # of exported audio and the benchmark's baseline pipeline (pydub needs ffmpeg); chromium and
  # its driver: the tests of voiceguide serve's page, in a real (headless) browser.
  packages+=(pulseaudio pulseaudio-utils libasound2-plugins sox ffmpeg chromium chromium-driver)
fi
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
  packages+=(python3 python3-venv python3-dev)
elif ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  packages+=(python3-venv)
fi
if command -v "$python" >/dev/null && ! "$python" -c \
  'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  packages+=(python3-dev)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$python" -m venv .venv
fi
extras=$(tools/extras.sh run)
((dev)) && extras=$(tools/extras.sh dev)
# the exact versions of constraints.txt: what the suite last passed with
hash=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
stamp=".venv/.voiceguide-$extras-$hash"
# the development install holds everything a plain one does: ./setup.sh after ./setup.sh --dev
# (./demo.sh after ./test.sh) has nothing to do
superset=".venv/.voiceguide-$(tools/extras.sh dev)-$hash"
if [[ ! -e "$stamp" && ! -e "$superset" ]]; then
  say "installing voiceguide[$extras] into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[$extras]"
  rm -f .venv/.voiceguide-*
  touch "$stamp"
fi
