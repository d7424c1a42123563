#!/usr/bin/env bash
# Prove the production stack without docker compose: the production settings under
# gunicorn, a Celery worker and beat, on PostgreSQL and Redis — then a backup and a
# restore. Exits non-zero on the first failure; prints each step and its time.
#
#   scripts/prod_check.sh
#
# 1. If a docker engine answers (`docker info`), `docker build` the image (else skipped).
# 2. A throwaway database kasane_prodcheck_<id> is created (and dropped at the end),
#    `manage.py check --deploy --fail-level WARNING`, `migrate`, `collectstatic` into a
#    temp dir and `create_admin` run with DJANGO_SETTINGS_MODULE=config.settings.production,
#    a generated DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS=127.0.0.1.
# 3. A worker, beat and gunicorn (2 workers, 127.0.0.1, a free port) start. HTTPS
#    redirect stays on, as in production: requests carry `X-Forwarded-Proto: https`,
#    as the TLS proxy's do, and a plain one must be redirected.
# 4. /healthz/ must say ok for database, Redis and worker; the login page and its
#    (manifest-hashed) static files answer 200; the compose health checks
#    (deploy/healthcheck.py web|worker|beat) pass.
# 5. Backup and restore as README "Backup and restore" says: `pg_dump -Fc`, `pg_restore`
#    into a second throwaway database (and again with --clean over it), the row count
#    of every table compared, the migrations and the access log's append-only trigger
#    checked there; a tar of the files restored and compared.
#
# Environment: PRODCHECK_PG_URL (a superuser, default postgres://postgres@127.0.0.1:5432),
# PRODCHECK_REDIS_URL (default redis://127.0.0.1:6379/5; its keys are left, never flushed),
# PRODCHECK_DOCKER=0 to skip the image build even where docker works.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || make --no-print-directory sync
export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONUNBUFFERED=1

PG_URL="${PRODCHECK_PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_URL="${PG_URL%/}"
REDIS="${PRODCHECK_REDIS_URL:-redis://127.0.0.1:6379/5}"
ID="$(date +%Y%m%d%H%M%S)_$$"
DB="kasane_prodcheck_${ID}"
DB_RESTORED="${DB}_restored"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kasane-prodcheck.XXXXXX")"
PIDS=()
STARTED=$SECONDS
STEP_STARTED=$SECONDS
STEP=""

step() {
    [ -z "$STEP" ] || printf '     (%ss)\n' "$((SECONDS - STEP_STARTED))"
    STEP="$1"
    STEP_STARTED=$SECONDS
    printf '==== %s\n' "$1"
}
die() {
    echo "prod_check: FAILED: $*" >&2
    exit 1
}
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_URL/postgres" "$@"; }
group_alive() { ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'; }
stop_group() {
    local pid="$1" i
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 20); do
        group_alive "$pid" || break
        sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# Start a command in its own process group (so that cleanup stops all of it).
start() {
    local log="$1"
    shift
    setsid "$@" >"$TMP/$log" 2>&1 </dev/null &
    PIDS+=("$!")
}

cleanup() {
    local rc=$?
    set +e
    for pid in "${PIDS[@]}"; do stop_group "$pid"; done
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" 2>/dev/null
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB_RESTORED\" WITH (FORCE)" 2>/dev/null
    if [ "$rc" -ne 0 ]; then
        for log in "$TMP"/*.log; do
            [ -s "$log" ] || continue
            printf '\n---- last lines of %s\n' "$(basename "$log")"
            tail -n 40 "$log"
        done
        printf '\n==== prod_check FAILED (exit %s) in: %s\n' "$rc" "${STEP:-setup}"
    else
        printf '     (%ss)\n==== prod_check passed in %ss (databases dropped, processes stopped)\n' \
            "$((SECONDS - STEP_STARTED))" "$((SECONDS - STARTED))"
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
step "Image"
if [ "${PRODCHECK_DOCKER:-1}" != 0 ] && command -v docker >/dev/null 2>&1 &&
    docker info >/dev/null 2>&1; then
    docker build -t kasane:prodcheck . >"$TMP/docker-build.log" 2>&1 ||
        die "docker build failed"
    echo "docker build -t kasane:prodcheck . : ok"
else
    echo "no docker engine here: image build skipped; the same settings run below without it"
fi

# ---------------------------------------------------------------------------
step "Production settings on PostgreSQL $DB, Redis ${REDIS%%://*}://…/${REDIS##*/}"
psql_admin -c "CREATE DATABASE \"$DB\""
export DJANGO_SETTINGS_MODULE=config.settings.production
DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="$PG_URL/$DB"
export REDIS_URL="$REDIS"
export KASANE_STATIC_ROOT="$TMP/staticfiles"
export KASANE_PRIVATE_ROOT="$TMP/private"
export EMAIL_URL="consolemail://"
unset KASANE_REPORT_RUNNER KASANE_CELERY_WORKER DJANGO_SECURE_SSL_REDIRECT KASANE_REQUIRE_MFA
"$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py migrate --noinput -v 0
echo "migrated"
"$PY" manage.py collectstatic --noinput -v 0
echo "collectstatic: $(find "$KASANE_STATIC_ROOT" -type f | wc -l) files in a temp dir"
ADMIN_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')"
KASANE_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$PY" manage.py create_admin --username prodcheck-admin --agency 検証用情報政策課
mkdir -p "$KASANE_PRIVATE_ROOT/reports"
echo "a stand-in for a generated report" >"$KASANE_PRIVATE_ROOT/reports/prodcheck.txt"

# ---------------------------------------------------------------------------
step "Worker, beat and gunicorn (2 workers)"
WORKER_NAME="prodcheck-${ID}@$(hostname)"
start worker.log celery -A config worker --loglevel=info --concurrency=1 --hostname "$WORKER_NAME"
start beat.log celery -A config beat --loglevel=info --schedule "$TMP/celerybeat-schedule"
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start gunicorn.log gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
    --access-logfile -
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 90); do
    for pid in "${PIDS[@]}"; do group_alive "$pid" || die "a process exited (see its log below)"; done
    grep -q ' ready\.' "$TMP/worker.log" && grep -q 'Booting worker' "$TMP/gunicorn.log" && break
    sleep 1
done
grep -q ' ready\.' "$TMP/worker.log" || die "the worker was not ready after 90s"
echo "worker $WORKER_NAME ready; beat started; gunicorn on $BASE"

# ---------------------------------------------------------------------------
step "Probes: /healthz/, the login page, the compose health checks"
ADMIN_PASSWORD="$ADMIN_PASSWORD" "$PY" - "$BASE" <<'EOF'
import http.cookies
import os
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

base = sys.argv[1]
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), urllib.request.HTTPRedirectHandler()
)
PROXY = {"X-Forwarded-Proto": "https"}  # what the TLS reverse proxy sends


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def get(path, headers=PROXY, follow=True, data=None):
    request = urllib.request.Request(base + path, headers=headers, data=data)
    o = opener if follow else urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        with o.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


deadline = time.monotonic() + 60
while True:
    try:
        status, _, body = get("/healthz/")
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.5)
expected = {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
check(status == 200 and json.loads(body) == expected, f"GET /healthz/ → {status} {body.decode()}")
status, headers, _ = get("/healthz/", headers={}, follow=False)
check(
    status == 301 and headers["Location"].startswith("https://"),
    f"plain HTTP is redirected to HTTPS ({status} → {headers['Location']})",
)
status, headers, body = get("/accounts/login/")
page = body.decode()
check(status == 200 and "csrfmiddlewaretoken" in page, f"GET /accounts/login/ → {status}, a form")
check("Secure" in headers.get("Set-Cookie", ""), "its cookies are Secure")
assets = re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page)
check(bool(assets), f"static files by their hashed names ({len(assets)} on the page)")
for asset in assets:
    status, _, body = get(asset)
    check(status == 200 and len(body) > 0, f"GET {asset} → {status}, {len(body)} bytes")

# Log in as the administrator the check created: CSRF over HTTPS (Origin), the
# session in the database, then the second-factor setup the production settings demand.
cookies = http.cookies.SimpleCookie(headers.get_all("Set-Cookie")[0])
csrf_cookie = cookies["__Secure-csrftoken"].value
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode(
    {
        "csrfmiddlewaretoken": token,
        "username": "prodcheck-admin",
        "password": os.environ["ADMIN_PASSWORD"],
    }
).encode()
status, headers, _ = get(
    "/accounts/login/",
    headers={
        **PROXY,
        "Origin": base.replace("http://", "https://"),
        "Cookie": f"__Secure-csrftoken={csrf_cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
    },
    follow=False,
    data=form,
)
session = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("__Secure-sessionid=")]
check(
    status == 302 and bool(session),
    f"POST /accounts/login/ → {status} to {headers['Location']} with a session cookie",
)
session_cookie = session[0].split(";")[0]
status, headers, _ = get("/", headers={**PROXY, "Cookie": session_cookie}, follow=False)
check(
    status == 302 and "/mfa/setup/" in headers.get("Location", ""),
    f"GET / logged in → {status} to {headers.get('Location')} (second factor first)",
)
EOF
"$PY" deploy/healthcheck.py web --url "$BASE/healthz/"
"$PY" deploy/healthcheck.py worker --name "$WORKER_NAME" --timeout 5
for _ in $(seq 1 20); do
    compgen -G "$TMP/celerybeat-schedule*" >/dev/null && break
    sleep 0.5
done
"$PY" deploy/healthcheck.py beat --schedule "$TMP/celerybeat-schedule"
for pid in "${PIDS[@]}"; do stop_group "$pid"; done
PIDS=()

# ---------------------------------------------------------------------------
step "Backup and restore (README \"Backup and restore\")"
pg_dump -Fc -f "$TMP/kasane.dump" "$DATABASE_URL"
tar -C "$TMP" -czf "$TMP/kasane-files.tar.gz" private
echo "pg_dump -Fc: $(du -h "$TMP/kasane.dump" | cut -f1); tar of the files: $(du -h "$TMP/kasane-files.tar.gz" | cut -f1)"
psql_admin -c "CREATE DATABASE \"$DB_RESTORED\""
pg_restore --exit-on-error -d "$PG_URL/$DB_RESTORED" "$TMP/kasane.dump"
vacuumdb --analyze --quiet -d "$PG_URL/$DB_RESTORED"
mkdir -p "$TMP/restored"
tar -C "$TMP/restored" -xzf "$TMP/kasane-files.tar.gz"
diff -r "$TMP/private" "$TMP/restored/private"
echo "files restored identical"

count_rows() {
    local url="$1" tables
    tables="$(psql -X -tA -v ON_ERROR_STOP=1 "$url" -c \
        "SELECT string_agg(format('SELECT %L AS t, count(*) AS n FROM %I', tablename, tablename), ' UNION ALL ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")"
    psql -X -tA -F ' ' -v ON_ERROR_STOP=1 "$url" -c "$tables ORDER BY t"
}
count_rows "$PG_URL/$DB" >"$TMP/rows-source.txt"
count_rows "$PG_URL/$DB_RESTORED" >"$TMP/rows-restored.txt"
diff "$TMP/rows-source.txt" "$TMP/rows-restored.txt" || die "row counts differ after the restore"
tables="$(wc -l <"$TMP/rows-source.txt")"
rows="$(awk '{ n += $2 } END { print n }' "$TMP/rows-source.txt")"
[ "$tables" -gt 50 ] && [ "$rows" -gt 0 ] || die "too little to compare ($tables tables, $rows rows)"
grep -Eq '^agencies_accessevent [1-9]' "$TMP/rows-restored.txt" ||
    die "no access-log row to test the restored trigger with"
grep -E '^(agencies_user|agencies_accessevent|django_session|django_migrations) ' "$TMP/rows-restored.txt" |
    tr '\n' ';' | sed 's/;$/\n/'
echo "row counts of all $tables tables identical ($rows rows)"
# The in-place rollback of the README: over a database that has everything already.
pg_restore --clean --if-exists --single-transaction --exit-on-error \
    -d "$PG_URL/$DB_RESTORED" "$TMP/kasane.dump"
count_rows "$PG_URL/$DB_RESTORED" >"$TMP/rows-restored-again.txt"
diff "$TMP/rows-source.txt" "$TMP/rows-restored-again.txt" ||
    die "row counts differ after pg_restore --clean"
echo "pg_restore --clean --if-exists over it: identical again"
DATABASE_URL="$PG_URL/$DB_RESTORED" "$PY" manage.py migrate --check --noinput -v 0
echo "restored database: no unapplied migration"
if psql -X -q -v ON_ERROR_STOP=1 "$PG_URL/$DB_RESTORED" \
    -c "UPDATE agencies_accessevent SET path = path" >/dev/null 2>&1; then
    die "the restored access log accepted an UPDATE: its append-only trigger is missing"
fi
echo "restored access log still refuses UPDATE (its trigger came back)"
