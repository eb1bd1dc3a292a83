#!/usr/bin/env bash
# Rathaus: set up and start the portal, or run the whole test suite.
#
#   ./rathaus.sh start   install what is missing, migrate, load services and demo data,
#                        start the portal on http://127.0.0.1:8000 with its task worker
#                        and the local payment test peers (http://127.0.0.1:8100)
#   ./rathaus.sh test    install what is missing (test tools included) and run every check
#
# Works on a fresh Debian machine with Python 3.11 and Node.js; as root it installs missing
# system packages with apt-get.
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

need_debs() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  say "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

python_bin() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is required" >&2; exit 1
}

setup_python() {
  local locks=("requirements/base.lock")
  [ "${1:-}" = "dev" ] && locks+=("requirements/dev.lock")
  local stamp
  stamp="$VENV/.installed-$(cat "${locks[@]}" | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  if [ ! -x "$PY" ]; then
    local python; python=$(python_bin)
    if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
      need_debs python3-venv
    fi
    say "Creating the virtual environment in .venv"
    "$python" -m venv "$VENV"
  fi
  say "Installing pinned Python packages (${locks[*]})"
  local args=()
  for lock in "${locks[@]}"; do args+=(-r "$lock"); done
  # The lock files are complete (every transitive package, hash-pinned), so pip installs
  # exactly them and resolves nothing itself (older pips mis-resolve extras such as
  # fonttools[woff] under --require-hashes).
  "$PY" -m pip install -q --require-hashes --no-deps "${args[@]}"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
}

setup_node() {
  if ! command -v npm >/dev/null 2>&1; then need_debs nodejs npm; fi
  local stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  say "Installing front-end packages (KERN UX) with npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
}

setup_system() {
  # WeasyPrint needs Pango; compilemessages needs gettext; DejaVu is the PDF fallback font.
  need_debs libpango-1.0-0 libpangoft2-1.0-0 gettext fonts-dejavu-core
}

compile_translations() {
  [ -d rathaus/locale ] && "$PY" manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules
  return 0
}

prepare_app() {
  compile_translations
  "$PY" manage.py collectstatic --noinput -v0
  "$PY" manage.py migrate --noinput -v0
  "$PY" manage.py load_services
  "$PY" manage.py load_notice_templates
  "$PY" manage.py load_text_blocks -v0 >/dev/null
  "$PY" manage.py load_calendars
}

cmd_start() {
  setup_system
  setup_python
  setup_node
  export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-rathaus.settings.dev}"
  prepare_app
  local bind="${RATHAUS_BIND:-127.0.0.1:8000}"
  # Links in e-mails and the payment providers' return and notification go to this address.
  export RATHAUS_BASE_URL="${RATHAUS_BASE_URL:-http://${bind/#0.0.0.0/127.0.0.1}}"
  "$PY" manage.py seed_demo
  if [ -z "${RATHAUS_PAYMENT_PROVIDERS:-}" ]; then
    # The demo pays through local test peers of GiroCheckout and XBezahldienste (pages that
    # take no money); rathaus/settings/dev.py points the providers at them. An empty
    # RATHAUS_PAYMENT_PEERS starts none (and offers no online payment).
    export RATHAUS_PAYMENT_PEERS="${RATHAUS_PAYMENT_PEERS-127.0.0.1:8100}"
  fi
  local run_dir="${RATHAUS_VAR_DIR:-$ROOT/var}/run"
  mkdir -p "$run_dir"
  local conf="$run_dir/supervisord.conf"
  # Every process of the portal runs under supervisord: one that dies is started again, and
  # Ctrl+C or SIGTERM stops them all (docs/deployment.md; production uses systemd units).
  write_supervisor_conf "$conf" "$run_dir" "$bind"
  # The web workers' request figures, added up at each scrape of /metrics; afresh at each start.
  export PROMETHEUS_MULTIPROC_DIR="$run_dir/metrics"
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"; mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  say "Starting the portal on http://$bind with its task worker and housekeeping (Ctrl+C stops all)"
  exec "$VENV/bin/supervisord" --nodaemon --configuration "$conf"
}

# program NAME COMMAND...: a supervised process whose output goes to the terminal.
program() {
  local name=$1; shift
  cat <<EOF

[program:$name]
command=$*
directory=$ROOT
autorestart=true
startsecs=2
startretries=10
stopsignal=TERM
stopwaitsecs=30
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
EOF
}

write_supervisor_conf() {
  local conf=$1 run_dir=$2 bind=$3
  # supervisorctl talks to supervisord over a socket only this user may open, with a password
  # made afresh at every start.
  local secret; secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  install -m 600 /dev/null "$conf"
  {
    cat <<EOF
; Written by ./rathaus.sh start; changes are overwritten at the next start.
[supervisord]
; In the foreground supervisord writes its own messages (started, exited, spawned) to the
; terminal already; no log file besides.
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
user=$(id -un)
pidfile=$run_dir/supervisord.pid
childlogdir=$run_dir

[unix_http_server]
file=$run_dir/supervisor.sock
chmod=0700
username=rathaus
password=$secret

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$run_dir/supervisor.sock
username=rathaus
password=$secret
EOF
    program web "$VENV/bin/gunicorn" rathaus.wsgi:application --bind "$bind" \
      --workers "${RATHAUS_WEB_WORKERS:-$(nproc)}" --threads "${RATHAUS_WEB_THREADS:-4}" \
      --access-logfile - --forwarded-allow-ips "${RATHAUS_FORWARDED_ALLOW_IPS:-127.0.0.1}"
    program worker "$PY" manage.py task_worker --queue-name default
    # Appointments every minute, purges, reminders and notice deliveries every hour
    # (rathaus/core/management/commands/housekeeping.py).
    program housekeeping "$PY" manage.py housekeeping
    if [ -z "${RATHAUS_PAYMENT_PROVIDERS:-}" ] && [ -n "${RATHAUS_PAYMENT_PEERS:-}" ]; then
      program payment-peers "$PY" -m rathaus.payments.peers \
        --host "${RATHAUS_PAYMENT_PEERS%:*}" --port "${RATHAUS_PAYMENT_PEERS##*:}"
    fi
  } > "$conf"
}

cmd_test() {
  setup_system
  need_debs chromium
  setup_python dev
  setup_node
  export DJANGO_SETTINGS_MODULE=rathaus.settings.test
  compile_translations
  say "ruff"
  "$VENV/bin/ruff" check rathaus bench tests conftest.py manage.py
  say "mypy --strict"
  "$VENV/bin/mypy" rathaus bench tests conftest.py
  say "import contracts"
  "$VENV/bin/lint-imports"
  say "service definitions"
  "$PY" manage.py load_services --check
  "$PY" manage.py load_calendars --check
  # The whole suite spreads its files over the CPUs (pytest-xdist; each worker has its own
  # test database and Redis database); tests named on the command line run in one process.
  local parallel=()
  [ $# -eq 0 ] && parallel=(-n auto --dist loadfile)
  local sqlite_only=()
  # With PostgreSQL at hand, its tests run in the PostgreSQL pass instead of being skipped.
  [ -n "${RATHAUS_TEST_POSTGRES_URL:-}" ] && sqlite_only=(-m "not postgres")
  say "pytest on SQLite"
  DATABASE_URL="sqlite:///$(mktemp -d)/test.sqlite3" "$VENV/bin/pytest" "${parallel[@]}" \
    "${sqlite_only[@]}" "$@"
  if [ -n "${RATHAUS_TEST_POSTGRES_URL:-}" ]; then
    # Everything but the browser tests again on PostgreSQL: those drive pages, not the
    # database, and ran on SQLite above (set RATHAUS_TEST_BROWSER_ON_POSTGRES=1 to include them).
    local not_browser=(-m "not browser")
    [ -n "${RATHAUS_TEST_BROWSER_ON_POSTGRES:-}" ] && not_browser=()
    say "pytest on PostgreSQL"
    DATABASE_URL="$RATHAUS_TEST_POSTGRES_URL" RATHAUS_REQUIRE_POSTGRES=1 \
      "$VENV/bin/pytest" "${parallel[@]}" "${not_browser[@]}" "$@"
  fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  test) shift; cmd_test "$@" ;;
  *) echo "usage: $0 start | test [pytest arguments]" >&2; exit 2 ;;
esac
