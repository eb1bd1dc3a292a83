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
  local peers=""
  if [ -z "${RATHAUS_PAYMENT_PROVIDERS:-}" ]; then
    # The demo pays through local test peers of GiroCheckout and XBezahldienste (pages that
    # take no money); rathaus/settings/dev.py points the providers at them. An empty
    # RATHAUS_PAYMENT_PEERS starts none (and offers no online payment).
    export RATHAUS_PAYMENT_PEERS="${RATHAUS_PAYMENT_PEERS-127.0.0.1:8100}"
    if [ -n "$RATHAUS_PAYMENT_PEERS" ]; then
      say "Starting the local payment test peers on http://$RATHAUS_PAYMENT_PEERS"
      "$PY" -m rathaus.payments.peers --host "${RATHAUS_PAYMENT_PEERS%:*}" \
        --port "${RATHAUS_PAYMENT_PEERS##*:}" &
      peers=$!
    fi
  fi
  say "Starting the task worker and the portal on http://$bind (Ctrl+C stops both)"
  "$PY" manage.py db_worker --queue-name default &
  local worker=$!
  # Housekeeping: appointments every minute (lapsed holds and offers, draws, reminders), expired
  # drafts, sign-ins, audit events, cases and bank statement files past their retention,
  # lapsed deadlines of requests
  # to applicants and notices not retrieved within ten days (flagged for the post) every hour,
  # and the case counts' rows folded; production runs them from cron or systemd timers
  # (docs/configuration.md).
  ( n=0; while true; do
      "$PY" manage.py appointment_housekeeping -v0 >/dev/null
      [ $((n % 60)) -eq 0 ] && "$PY" manage.py purge_drafts && "$PY" manage.py purge_sign_ins -v0 \
        && "$PY" manage.py purge_audit_log -v0 && "$PY" manage.py purge_cases -v0 \
        && "$PY" manage.py purge_statement_files -v0 \
        && "$PY" manage.py case_reminders -v0 >/dev/null \
        && "$PY" manage.py notice_deliveries -v0 \
        && "$PY" manage.py compact_case_counts -v0 && "$PY" manage.py clearsessions
      n=$((n + 1)); sleep 60
    done ) &
  local housekeeping=$!
  trap 'kill "$worker" "$housekeeping" $peers 2>/dev/null; wait "$worker" 2>/dev/null' EXIT INT TERM
  "$VENV/bin/gunicorn" rathaus.wsgi:application \
    --bind "$bind" \
    --workers "${RATHAUS_WEB_WORKERS:-$(nproc)}" --threads "${RATHAUS_WEB_THREADS:-4}" \
    --access-logfile - --forwarded-allow-ips "${RATHAUS_FORWARDED_ALLOW_IPS:-127.0.0.1}"
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
