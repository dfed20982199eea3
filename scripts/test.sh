#!/usr/bin/env bash
# Run the whole test suite:  scripts/test.sh [pytest args...]   (or: scripts/test.sh --run CMD...)
#
# With DATABASE_URL unset (the usual case) it starts a throwaway PostgreSQL and Redis on free
# loopback ports, points the tests at them, and removes them afterwards, whatever happens.
# With DATABASE_URL set it uses that (and REDIS_URL as given) and starts nothing.
# Needs Debian's postgresql, redis-server and chromium packages; as root it installs them.
# Exits with pytest's exit code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "test.sh: $*"; }
die() {
  echo "test.sh: error: $*" >&2
  exit 1
}

# --- Cleanup, armed before anything starts -------------------------------------------------
# Explicit traps from the first line: without them a Ctrl-C that a child swallows (pip does)
# would let the script carry on.
tmp=""
redis_pid=""
pg_bin=""
pg_started=0

# PostgreSQL refuses to run as root; then the server runs as the Debian package's postgres user.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    # cd: the postgres user may not be allowed into the current directory.
    (cd "$tmp" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  set +e # best effort: one failing step (or echo to a closed terminal) must not skip the rest
  trap - EXIT
  trap '' INT TERM HUP # finish cleaning up even if Ctrl-C is pressed again
  if ((pg_started)); then
    # Immediate mode: the data is thrown away, no need for a clean checkpoint.
    as_pg "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    # If pg_ctl could not stop it, kill the postmaster by the pid in its lock file.
    local pm_pid
    pm_pid="$(head -n 1 "$tmp/data/postmaster.pid" 2>/dev/null || true)"
    if [[ -n "$pm_pid" && "$(cat "/proc/$pm_pid/comm" 2>/dev/null)" == postgres ]]; then
      kill -KILL "$pm_pid" 2>/dev/null
    fi
  fi
  if [[ -n "$redis_pid" ]]; then
    kill -TERM "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
  fi
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

need_servers=0
if [[ -z "${DATABASE_URL:-}" ]]; then need_servers=1; fi

# `scripts/test.sh --run CMD...` runs CMD instead of pytest on the same throwaway servers
# (`make bench` uses it); otherwise every argument goes to pytest.
cmd=(.venv/bin/python -m pytest)
if [[ "${1:-}" == "--run" ]]; then
  shift
  cmd=()
fi

# --- System packages -----------------------------------------------------------------------
# The highest installed PostgreSQL major version (Debian installs them side by side).
pg_bin_dir() {
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; fi
}

missing=()
if ((need_servers)); then
  [[ -n "$(pg_bin_dir)" ]] || missing+=(postgresql)
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
fi
# The Playwright tests drive Debian's Chromium (Playwright can't download its own browser here),
# unless the caller already points them at a browser.
if [[ -z "${PLAYWRIGHT_CHROMIUM_EXECUTABLE:-}" && ! -x /usr/bin/chromium ]]; then
  missing+=(chromium)
fi
# Debian's own python3 can only make a venv with its pythonX.Y-venv package.
if [[ ! -x .venv/bin/python ]] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=("$(python3 -c 'import sys; print(f"python3.{sys.version_info.minor}-venv")')")
fi

if ((${#missing[@]})); then
  if [[ "$(id -u)" == 0 ]]; then
    log "installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "test.sh: missing system packages: ${missing[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi

bash scripts/ensure-venv.sh dev

export PLAYWRIGHT_CHROMIUM_EXECUTABLE="${PLAYWRIGHT_CHROMIUM_EXECUTABLE:-/usr/bin/chromium}"

if ! ((need_servers)); then
  log "DATABASE_URL is set: using it (and REDIS_URL='${REDIS_URL:-}') as given; started no servers"
  status=0
  "${cmd[@]}" "$@" || status=$?
  exit "$status"
fi

# --- Throwaway PostgreSQL ------------------------------------------------------------------
pg_bin="$(pg_bin_dir)"

# Two distinct free ports: bind both to port 0 at once and let the kernel choose.
read -r pg_port redis_port < <(
  python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

tmp="$(mktemp -d -t pojoporssi-test.XXXXXX)"
if [[ "$(id -u)" == 0 ]]; then chown postgres: "$tmp"; fi
echo pojo >"$tmp/pwfile"

# Superuser "pojo" (password "pojo"): the tests create and drop their own test database.
# Password auth over TCP, trust on the private unix socket; UTF-8 whatever the machine's locale.
as_pg "$pg_bin/initdb" -D "$tmp/data" -U pojo --pwfile="$tmp/pwfile" -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=scram-sha-256 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
# Durability is pointless for a throwaway test database: turn it off for speed.
cat >>"$tmp/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
# The benchmarks' profile reads per-statement figures (scripts/bench.sh sets it).
if [[ -n "${PG_SHARED_PRELOAD:-}" ]]; then
  printf "shared_preload_libraries = '%s'\npg_stat_statements.track_planning = on\n" \
    "$PG_SHARED_PRELOAD" >>"$tmp/data/postgresql.conf"
fi
pg_started=1
as_pg "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -t 60 start >/dev/null \
  || { cat "$tmp/postgres.log" >&2; die "PostgreSQL did not start"; }
for _ in $(seq 60); do
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
  sleep 0.5
done
"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" || die "PostgreSQL does not accept connections"
PGPASSWORD=pojo "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U pojo pojoporssi

# --- Throwaway Redis -----------------------------------------------------------------------
# In its own process group, so a Ctrl-C in the terminal does not stop it before pytest has
# finished cleaning up. (Not setsid(1): it forks under job control, and $! would be wrong.)
python3 -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' \
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
  --daemonize no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
redis_pid=$!
redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" == PONG ]]; }
for _ in $(seq 50); do
  redis_up && break
  kill -0 "$redis_pid" 2>/dev/null || { cat "$tmp/redis.log" >&2; die "redis-server exited"; }
  sleep 0.2
done
redis_up || { cat "$tmp/redis.log" >&2; die "Redis does not answer"; }

export DATABASE_URL="postgres://pojo:pojo@127.0.0.1:$pg_port/pojoporssi"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export CELERY_BROKER_URL="$REDIS_URL"
log "started throwaway PostgreSQL $(basename "$(dirname "$pg_bin")") on 127.0.0.1:$pg_port" \
  "and Redis on 127.0.0.1:$redis_port (in $tmp, removed on exit)"

# Not exec: the EXIT trap must run after pytest to remove the servers.
status=0
"${cmd[@]}" "$@" || status=$?
exit "$status"
