#!/usr/bin/env bash
# The optional-dependency groups of pyproject.toml to install: "run" (what ./demo.sh needs),
# "dev" (what the tests and benchmarks need) or "all". One list, used by setup.sh and tools/.
case "${1:-run}" in
  run) echo "play,serve,piper" ;;
  dev | all) echo "play,serve,test,bench,picture,piper,listen" ;;
  *) echo "extras.sh: unknown set '$1'" >&2; exit 2 ;;
esac
