#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the state tests.
#
#   eval "$(.ci/postgres.sh)"          # starts it, exports RECONCILER_TEST_PG_URL
#   .ci/postgres.sh stop               # stops the server started last (by its data directory)
#
# The server runs as an unprivileged user (reconciler-ci, created when run as root) in a
# temporary data directory; tests connect as a role that may create databases but is not
# a superuser, as a production state user would be. Progress goes to stderr; stdout only
# carries the export lines.
set -euo pipefail

CI_USER="reconciler-ci"
ROLE="reconciler_test"
STATE_FILE="${TMPDIR:-/tmp}/reconciler-ci-postgres.env"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    local candidate
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    for candidate in /usr/local/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            echo "$candidate"
            return
        fi
    done
    return 1
}

run_as() {
    # Run a command as the unprivileged server user (PostgreSQL refuses to run as root).
    if [ "$(id -u)" = "0" ]; then
        runuser -u "$CI_USER" -- "$@"
    else
        "$@"
    fi
}

if [ "${1:-}" = "stop" ]; then
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    run_as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w stop >&2
    rm -rf "$PG_DATA" "$STATE_FILE"
    exit 0
fi

if ! BINDIR="$(find_bindir)"; then
    log "initdb not found; installing the postgresql package"
    if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)"
fi

if [ "$(id -u)" = "0" ] && ! id "$CI_USER" >/dev/null 2>&1; then
    log "creating user $CI_USER"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$CI_USER"
fi

PORT="${RECONCILER_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
DATA="$(mktemp -d "${TMPDIR:-/tmp}/reconciler-pg.XXXXXX")"
PWFILE="$DATA.pw"
printf '%s\n' "$PASSWORD" >"$PWFILE"
if [ "$(id -u)" = "0" ]; then chown "$CI_USER" "$DATA" "$PWFILE"; fi
chmod 700 "$DATA"
chmod 600 "$PWFILE"

log "initdb in $DATA"
run_as "$BINDIR/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$PWFILE" --encoding=UTF8 --no-locale >/dev/null
rm -f "$PWFILE"
# The test role, created in single-user mode: no psql client needed.
printf '%s\n' "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';" \
    "GRANT pg_signal_backend TO $ROLE;" |
    run_as "$BINDIR/postgres" --single -D "$DATA" -j postgres >/dev/null
log "starting the server on 127.0.0.1:$PORT"
run_as "$BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off" start >&2

cat >"$STATE_FILE" <<STATE
PG_BINDIR='$BINDIR'
PG_DATA='$DATA'
STATE
echo "export RECONCILER_TEST_PG_URL='postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres'"
