#!/usr/bin/env bash
# Run Pojopörssi on this machine: the web server, a Celery worker and Celery beat, in one terminal.
#
#   scripts/run.sh                      # http://127.0.0.1:8000/
#   HOST=0.0.0.0 PORT=8080 scripts/run.sh
#
# Needs only python3. With no DATABASE_URL / REDIS_URL set, the app uses SQLite and a broker in
# files under var/ (see pojoporssi/settings.py); whatever you export is passed straight through.
# Ctrl-C stops all three. If one of them dies, the others are stopped and the script fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

names=()
pids=()
checker_pid=""

# Prefix each output line with the process name so the three logs can be told apart.
# It ignores Ctrl-C so it keeps relaying the others' shutdown messages.
prefix() {
  trap '' INT TERM HUP
  exec sed -u "s/^/$(printf '%-7s' "[$1]") /"
}

# Start a process as the leader of its own process group: we can signal the group as a whole,
# and a Ctrl-C in the terminal (sent to this script's group) does not reach it, so we stop the
# three in order instead. The launcher also undoes the SIGINT-ignoring that background jobs get.
# (Not setsid(1): it forks when the shell has job control, and $! would be the wrong process.)
start() {
  local name="$1"
  shift
  "$py" -c 'import os, signal, sys
os.setpgid(0, 0)
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" </dev/null > >(prefix "$name") 2>&1 &
  pids+=("$!")
  names+=("$name")
}

# shellcheck disable=SC2317  # these three run from the EXIT trap
any_alive() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}

# shellcheck disable=SC2317
kill_groups() {
  local pid
  for pid in "${pids[@]}"; do kill "-$1" -- "-$pid" 2>/dev/null; done
}

# Runs on every exit (EXIT trap), whatever the cause.
# shellcheck disable=SC2317
stop_all() {
  # Best effort from here on: a failing echo (say, the terminal is gone) must not skip the kills.
  set +e
  trap - EXIT
  [[ -n "$checker_pid" ]] && kill "$checker_pid" 2>/dev/null
  ((${#pids[@]})) || return 0
  local pid forced=0
  # SIGTERM to each main process: Celery does a warm shutdown, gunicorn stops its workers. A second Ctrl-C, or 20 s, escalates to SIGKILL for the whole group.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  echo "==> stopping ${names[*]} (Ctrl-C again to force)"
  trap 'forced=1' INT TERM HUP
  local deadline=$((SECONDS + 20))
  while any_alive && ((!forced && SECONDS < deadline)); do sleep 0.2; done
  any_alive && echo "==> forcing them to stop"
  # Also whatever a main process left behind in its group.
  kill_groups KILL
  wait 2>/dev/null # reap them, and let the log relays finish once their writers are gone
  echo "==> stopped"
}

# Armed from the start: a Ctrl-C must end the script even if the running child (pip) swallows
# it, and whatever has been started is stopped on the way out.
trap 'stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

bash scripts/ensure-venv.sh app
py=.venv/bin/python
celery=.venv/bin/celery

host="${HOST:-127.0.0.1}"
port="${PORT:-8000}"
# gunicorn wants IPv6 addresses in brackets.
if [[ "$host" == *:* && "$host" != \[* ]]; then host="[$host]"; fi
# Where to reach it from this machine (a wildcard address isn't something to browse to).
case "$host" in
  0.0.0.0) probe_host=127.0.0.1 ;;
  "[::]") probe_host="[::1]" ;;
  *) probe_host="$host" ;;
esac
url="http://$probe_host:$port/"

# Fail fast on a busy port: otherwise the check below could mistake another server for ours.
if ! "$py" - "$probe_host" "$port" <<'PY'; then
import socket, sys
host = sys.argv[1].strip("[]")
with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
    sys.exit(s.connect_ex((host, int(sys.argv[2]))) == 0)
PY
  echo "error: something is already listening on $probe_host:$port; stop it or set PORT=..." >&2
  exit 1
fi

# A demo on this machine over plain HTTP: development settings (DEBUG, the built-in SECRET_KEY,
# cookies without the Secure flag, seed_demo allowed). Production is the default everywhere else.
export DJANGO_ENV="${DJANGO_ENV:-development}"

mkdir -p var
"$py" manage.py migrate --noinput
"$py" manage.py seed_demo
# HR's insights open on figures, not on "No insights yet" until the nightly job.
"$py" manage.py insights_recompute

# Children log through a pipe; without this Python would hold their output back in buffers.
export PYTHONUNBUFFERED=1
# One time zone in every log line: gunicorn's master logs before Django sets TZ from TIME_ZONE.
export TZ="${TIME_ZONE:-Europe/Helsinki}"

# gunicorn rather than runserver: a bounded pool of threads (so many clients queue instead of
# opening more database connections than PostgreSQL allows), and it reloads on code changes.
# WhiteNoise serves the static files straight from the apps while DEBUG is on.
start web "$py" -m gunicorn pojoporssi.wsgi:application --bind "$host:$port" \
  --worker-class gthread --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-8}" \
  --graceful-timeout 5 --access-logfile - --reload
start worker "$celery" -A pojoporssi worker --loglevel=INFO --concurrency=2
start beat "$celery" -A pojoporssi beat --loglevel=INFO \
  --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --pidfile=var/celerybeat.pid --schedule=var/celerybeat-schedule

# Announce the URL once /healthz answers; done in the background so that a process dying
# meanwhile is noticed at once by the wait below.
"$py" - "$url" "$host" <<'PY' &
import sys, time, urllib.error, urllib.request

url, host = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
deadline = time.monotonic() + 60
result = "no answer"
while time.monotonic() < deadline:
    try:
        with opener.open(url + "healthz", timeout=10):
            result = "ok"
            break
    except urllib.error.HTTPError as e:
        result = f"HTTP {e.code}"
    except OSError:
        pass
    time.sleep(0.5)
line = "=" * 70
if result == "ok":
    print(f"\n{line}\n  Pojopörssi is up:  {url}")
    if host in ("0.0.0.0", "[::]"):
        print(f"  (listening on all interfaces, {host})")
    print(f"  Demo logins are printed above. Ctrl-C stops everything.\n{line}\n", flush=True)
else:
    print(f"\n{line}\n  WARNING: {url}healthz did not answer OK within 60 s ({result}).")
    print(f"  The processes are still running; see the log above. Ctrl-C stops them.\n{line}\n",
          flush=True)
PY
checker_pid=$!

# Sleep until one of the three exits (or a signal runs the traps above).
status=0
wait -n -p dead "${pids[@]}" || status=$?
for i in "${!pids[@]}"; do
  if [[ "${pids[$i]}" == "$dead" ]]; then
    echo "==> ${names[$i]} exited with status $status; stopping the others" >&2
  fi
done
exit 1
