#!/usr/bin/env bash
# A scanner nobody here wrote: Debian's wapiti against the embedded stack, on loopback only.
#
# Starts `python -m web.devserver` (embedded Redis, SQLite, local SMTP sink) on free ports
# in a throw-away instance directory and scans http://127.0.0.1:<port>/ with wapiti twice:
# as a visitor, then logged in to a seeded subscriber space (scripts/wapiti_space.py), its
# /espace/ pages only. Stops the server whatever happens, then lets scripts/wapiti_check.py
# fail on any finding of medium or higher severity, in either report, that docs/SECURITY.md
# (« ## Scanner findings ») does not justify. wapiti runs through scripts/wapiti_run.py,
# which mends two faults of Debian's 3.0.4 (see there).
#
# Bounds, for each scan: the crawl stops after WAPITI_CRAWL_SECONDS, each attack module
# after WAPITI_MODULE_SECONDS, and the wapiti run is killed after WAPITI_HARD_SECONDS.
# Nothing but 127.0.0.1 is contacted: the scope is the app's own URL, crash reports are
# off, the out-of-band endpoint (by default on the internet) points at the app itself, the
# Wappalyzer database wapiti fetches at start-up is pre-seeded empty, and every request to
# another host goes to a loopback proxy that does not exist (NO_PROXY=127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."

# Typical run here: about a minute and a half per scan; worst case 45 s + 14 modules x 20 s;
# hard stop at 360 s per scan.
CRAWL_SECONDS=${WAPITI_CRAWL_SECONDS:-45}
MODULE_SECONDS=${WAPITI_MODULE_SECONDS:-20}
HARD_SECONDS=${WAPITI_HARD_SECONDS:-360}
# wapiti's default set, without ssrf (it can only see a hit through its internet endpoint;
# the app fetches no URL it is given), plus the checks that fit a form-based app.
MODULES=${WAPITI_MODULES:-common,-ssrf,csrf,crlf,methods,backup}
PYTHON=${PYTHON:-.venv/bin/python}

command -v wapiti >/dev/null || { echo "wapiti is not installed (apt-get install wapiti)" >&2; exit 2; }
# wapiti's own interpreter (its modules are installed there), for scripts/wapiti_run.py.
wapiti_python=$(sed -n '1s/^#! *//p' "$(command -v wapiti)")

work=$(mktemp -d "${TMPDIR:-/tmp}/wapiti-scan.XXXXXX")
server_pid=""
scan_pid=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    # SIGTERM: the dev server stops its worker, mail sink and redis-server before leaving.
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

finish() {
  status=$?
  if [ -n "$scan_pid" ] && kill -0 "$scan_pid" 2>/dev/null; then
    kill -TERM "$scan_pid" 2>/dev/null || true  # timeout passes it on to wapiti
    wait "$scan_pid" 2>/dev/null || true
  fi
  stop_server
  if [ "$status" -eq 0 ] && [ -z "${WAPITI_KEEP:-}" ]; then
    rm -rf "$work"
  else
    echo "wapiti scan: report and logs kept in $work" >&2
  fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# Distinct free loopback ports, all held open while chosen: web, SMTP sink, dead proxy.
read -r port mail_port dead_port < <("$PYTHON" - <<'EOF'
import socket
held = [socket.socket() for _ in range(3)]
for sock in held:
    sock.bind(("127.0.0.1", 0))
print(*(sock.getsockname()[1] for sock in held))
EOF
)
base="http://127.0.0.1:${port}"

# The request limits (RATELIMIT_* in web/settings.py) would answer most attack requests with
# a 429 page, so the payloads would never reach the views: raised for the scan only (the
# test suite checks the limits themselves). The login throttle and the code's five-attempt
# burn stay as they are.
limits=()
for name in $(grep -o '"RATELIMIT_[A-Z_]*"' web/settings.py | grep -o 'RATELIMIT_[A-Z_]*' | sort -u); do
  limits+=("$name=100000 per hour")
done
[ "${#limits[@]}" -ge 9 ] || { echo "wapiti scan: found ${#limits[@]} RATELIMIT_* settings" >&2; exit 1; }

echo "wapiti scan: starting the embedded stack on $base (instance $work/instance)"
env -u REDIS_URL -u DATABASE_URL -u MAIL_SERVER -u DEV_MAILBOX_DIR -u SECRET_KEY \
    -u APP_ENV -u PUBLIC_URL \
    HOST=127.0.0.1 PORT="$port" MAIL_PORT="$mail_port" INSTANCE_PATH="$work/instance" \
    "${limits[@]}" "$PYTHON" -m web.devserver >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "wapiti scan: the dev server exited before answering:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
       "$base/healthz" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
"$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
  "$base/healthz" || { echo "wapiti scan: the dev server never answered" >&2; exit 1; }

mkdir -p "$work/home" "$work/config"
# wapiti loads every module, and mod_wapp downloads its database from GitHub when absent.
echo '{}' >"$work/config/apps.json"
guard="http://127.0.0.1:${dead_port}"

# run_wapiti NAME ARGS…: one scan, its report in $work/NAME.json, its log in $work/NAME.log.
run_wapiti() {
  local name=$1 started scan_status=0
  shift
  echo "wapiti scan ($name): crawl ≤ ${CRAWL_SECONDS}s, ≤ ${MODULE_SECONDS}s per module ($MODULES)"
  started=$(date +%s)
  HOME="$work/home" NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 \
  HTTP_PROXY="$guard" http_proxy="$guard" HTTPS_PROXY="$guard" https_proxy="$guard" \
  ALL_PROXY="$guard" all_proxy="$guard" timeout --kill-after=10 "$HARD_SECONDS" \
    $wapiti_python scripts/wapiti_run.py "$@" \
      -m "$MODULES" \
      --max-scan-time "$CRAWL_SECONDS" --max-attack-time "$MODULE_SECONDS" -t 10 \
      --flush-session --store-session "$work/session-$name" --store-config "$work/config" \
      --endpoint "$base/" --no-bugreport \
      -f json -o "$work/$name.json" -v 1 </dev/null >"$work/$name.log" 2>&1 &
  # In the background so that a signal to this script interrupts the wait and runs the trap.
  scan_pid=$!
  wait "$scan_pid" || scan_status=$?
  scan_pid=""
  echo "wapiti scan ($name): wapiti ran $(( $(date +%s) - started ))s (exit status $scan_status)"
  if [ "$scan_status" -ne 0 ] || [ ! -s "$work/$name.json" ]; then
    echo "wapiti scan ($name): wapiti did not finish its report:" >&2
    tail -n 40 "$work/$name.log" >&2
    exit 1
  fi
}

# 1. As a visitor: the public pages and forms (sign-up, activation, login, recovery).
starts=()
for path in / /creer-mon-espace /inscription/etape-1 /activation/ /espace/connexion \
            /recuperation/mot-de-passe; do
  starts+=(-s "$base$path")
done
run_wapiti public -u "$base/" --scope folder "${starts[@]}"

# 2. As a subscriber: the space (/espace/…), logged in to a seeded space with two dossiers,
# so the dossier pages and their per-service forms are crawled and attacked. Left out, because
# following them would end the scan's own session or its dossier: « Se déconnecter »,
# « Fermer cette session » (its own session is listed) and « Supprimer ce dossier ».
echo "wapiti scan (space): seeding a subscriber space and logging in"
ids=$(env -u REDIS_URL -u DATABASE_URL -u SECRET_KEY -u APP_ENV -u PUBLIC_URL \
    INSTANCE_PATH="$work/instance" PYTHONPATH=. \
    "$PYTHON" scripts/wapiti_space.py log-in "$base/" "$work/cookies.json" | tail -n 1)
[[ $ids =~ ^[0-9]+\ [0-9]+$ ]] || { echo "wapiti scan (space): no space was seeded" >&2; exit 1; }
# The first dossier shows every « Adhérer » form, the second a « Retirer » form.
dossier="/espace/dossiers/${ids% *}"
run_wapiti space -u "$base/espace/" --scope folder -c "$work/cookies.json" \
  -s "$base/espace/" -s "$base/espace/dossiers/" -s "$base$dossier" \
  -s "$base/espace/dossiers/${ids#* }" \
  -x "$base/espace/deconnexion" -x "$base/espace/sessions/fermer" \
  -x "$base/espace/dossiers/*/supprimer"
# A scan that lost its session, or never reached the dossier's forms, proves nothing.
"$PYTHON" scripts/wapiti_space.py still-in "$base/" "$work/cookies.json" "$dossier"
stop_server
# The csrf module's forged token is refused with a 400: proof that the forms were attacked.
# The app's access line: "<id> POST <path> 400 <ms>ms" (web/core/request_log.py).
if ! grep -Eq "POST $dossier/services/[a-z_]+/adherer 400 " "$work/server.log"; then
  echo "wapiti scan (space): no « Adhérer » form of $dossier was attacked" >&2
  exit 1
fi

status=0
for name in public space; do
  echo "wapiti scan ($name):"
  "$PYTHON" scripts/wapiti_check.py "$work/$name.json" docs/SECURITY.md || status=1
done
exit "$status"
