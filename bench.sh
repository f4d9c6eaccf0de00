#!/usr/bin/env bash
# Set up (with the benchmark tools), then run every benchmark; results go to bench/results/
# and are summarised in docs/performance.md. Takes 30-60 minutes on 2 cores (the baseline's
# 8-hour run is cut off after 15 minutes). Never part of CI.
#   ./bench.sh            everything
#   ./bench.sh quick      10- and 60-minute sessions only, no 8-hour runs
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --dev
py=.venv/bin/python
lengths="10,60,480"
[[ "${1:-}" == "quick" ]] && lengths="10,60"
$py bench/bench_plan.py
$py bench/bench_picture.py
$py bench/bench_export.py --lengths "$lengths"
$py bench/bench_pace.py --lengths "$lengths"
$py bench/bench_player.py
$py bench/bench_bed.py                  # the beds' sources: speed, memory
$py bench/bench_session_bed.py          # sessions with a bed: export, memory, live CPU
$py bench/bench_rate.py >bench/results/rate.jsonl  # espeak-ng and Piper: words per minute
$py bench/bench_piper.py --out bench/results/piper.json
$py bench/compare.py --lengths "$lengths" --formats wav,flac,mp3 --baseline-timeout 900
