#!/usr/bin/env bash
# Make sure the repo's .venv exists and has the project installed.
#
#   scripts/ensure-venv.sh app   # pip install -e .          (what scripts/run.sh needs)
#   scripts/ensure-venv.sh dev   # pip install -e ".[dev]"   (tests, ruff, mypy)
#
# The install is skipped when pyproject.toml has not changed since the last successful one
# (a sha256 stamp inside .venv), so repeat runs are fast and work offline.
set -euo pipefail
# Stop on Ctrl-C even when the running child (pip) catches it and exits normally.
trap 'exit 130' INT
trap 'exit 143' TERM

flavour="${1:-app}"
case "$flavour" in
  app) spec="." ; stamp_name=".pyproject.sha256" ;;
  dev) spec=".[dev]" ; stamp_name=".pyproject-dev.sha256" ;;
  *) echo "usage: $0 [app|dev]" >&2; exit 64 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=.venv
py="$venv/bin/python"

if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 not found; install Python 3.11 or newer (Debian: apt-get install python3)" >&2
  exit 2
fi

# A venv whose interpreter no longer runs (half-created, or Python upgraded under it) is useless.
if [[ -d "$venv" ]] && ! "$py" -c '' >/dev/null 2>&1; then
  echo "==> $venv is broken (its python does not run); recreating it"
  rm -rf "$venv"
fi

if [[ ! -d "$venv" ]]; then
  # Debian's python3 ships venv without ensurepip; that lives in a separate apt package.
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    pkg="$(python3 -c 'import sys; print(f"python3.{sys.version_info.minor}-venv")')"
    echo "error: python3 cannot create virtual environments (no venv/ensurepip module)." >&2
    echo "Install it with:  sudo apt-get install -y $pkg" >&2
    exit 2
  fi
  echo "==> creating $venv"
  python3 -m venv "$venv"
fi

want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have_app="$(cat "$venv/.pyproject.sha256" 2>/dev/null || true)"
have_dev="$(cat "$venv/.pyproject-dev.sha256" 2>/dev/null || true)"

# A dev install is a superset of the app install, so it satisfies "app" too.
if [[ "$want" == "$have_dev" ]] || [[ "$flavour" == app && "$want" == "$have_app" ]]; then
  exit 0
fi

echo "==> installing the project into $venv (pip install -e \"$spec\")"
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet -e "$spec"
# Written only after a successful install, so a failed one is retried next time.
echo "$want" >"$venv/$stamp_name"
