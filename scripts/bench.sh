#!/usr/bin/env bash
# Run benchmark suites on the throwaway servers of test.sh:  scripts/bench.sh [suite...]
# The ceiling suite drives the app with wrk (Debian's `wrk` package): as root this installs it
# when it is missing; otherwise it prints the apt-get line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v wrk >/dev/null; then
  if [[ "$(id -u)" == 0 ]]; then
    echo "bench.sh: installing wrk with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
  elif [[ " $* " == *" ceiling "* || $# == 0 ]]; then
    echo "bench.sh: the ceiling suite needs wrk. Install it with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y wrk" >&2
    exit 2
  fi
fi

# pg_stat_statements (in Debian's package) for the ceiling profile's per-statement figures; only
# there, so that it costs the other suites nothing.
if [[ " $* " == *" ceiling_profile "* ]]; then
  export PG_SHARED_PRELOAD="${PG_SHARED_PRELOAD-pg_stat_statements}"
fi
exec scripts/test.sh --run .venv/bin/python -m benchmarks "$@"
