# shellcheck shell=bash
# Throwaway PostgreSQL server for tests and benchmarks.
#
# Source this file, then:
#   pg_start [NAME=VALUE ...]   start a server (extra args are postgresql.conf settings that override the
#                               defaults, e.g. `pg_start fsync=on synchronous_commit=on` for a benchmark)
#   pg_stop                     stop it (pg_ctl stop -m fast, then by pid if needed) and remove its folder
#
# pg_start exports:
#   LIFELINE_TEST_POSTGRES_URL  postgres://postgres:PASSWORD@127.0.0.1:PORT/lifeline_test
#   LIFELINE_PG_DIR             temporary folder (data/, sock/, postgres.log), removed by pg_stop
#   LIFELINE_PG_PORT, LIFELINE_PG_PASSWORD, LIFELINE_PG_BINDIR
#
# The server listens on 127.0.0.1 only, on a free port, with its unix socket inside LIFELINE_PG_DIR.
# Works as root (the server runs as user `postgres`) or as an ordinary user (the server runs as that user).
# Safe with `set -euo pipefail`; the functions return non-zero on failure instead of exiting.
# The caller is responsible for calling pg_stop, normally from a trap on EXIT.

LIFELINE_PG_DATABASE="${LIFELINE_PG_DATABASE:-lifeline_test}"

_pg_log() { printf 'postgres.sh: %s\n' "$*" >&2; }

# Newest installed server bin dir (Debian: /usr/lib/postgresql/VERSION/bin), or empty.
_pg_find_bindir() {
    local d best=""
    if [ -n "${LIFELINE_PG_BINDIR:-}" ] && [ -x "${LIFELINE_PG_BINDIR}/initdb" ]; then
        printf '%s\n' "$LIFELINE_PG_BINDIR"
        return 0
    fi
    # Highest version wins (sort -V: 9.6 < 15 < 16).
    while IFS= read -r d; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then best="$d"; fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    printf '%s\n' "$best"
}

# Installs the PostgreSQL server (Debian package `postgresql`) if no server binaries are present.
pg_ensure_installed() {
    if [ -n "$(_pg_find_bindir)" ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        _pg_log "PostgreSQL server binaries not found and cannot install them (need root and apt-get)"
        return 1
    fi
    _pg_log "installing Debian package postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || return 1
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null || return 1
    [ -n "$(_pg_find_bindir)" ]
}

# A TCP port on 127.0.0.1 that is free right now.
_pg_free_port() {
    local port i
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' \
            && return 0
    fi
    for i in $(seq 1 100); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    return 1
}

# Runs a command as the server's user (postgres when we are root), from inside the temp dir.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$LIFELINE_PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$LIFELINE_PG_DIR" && "$@")
    fi
}

_pg_cleanup_dir() {
    if [ -n "${LIFELINE_PG_DIR:-}" ] && [ -d "$LIFELINE_PG_DIR" ]; then
        rm -rf -- "$LIFELINE_PG_DIR"
    fi
    unset LIFELINE_PG_DIR LIFELINE_PG_PORT LIFELINE_PG_PASSWORD LIFELINE_TEST_POSTGRES_URL
}

pg_start() {
    local bindir base tmp password port attempt setting started=0
    local -a opts
    local IFS=$' \t\n'

    if [ -n "${LIFELINE_PG_DIR:-}" ] && [ -f "${LIFELINE_PG_DIR}/data/postmaster.pid" ]; then
        _pg_log "a server is already running in $LIFELINE_PG_DIR; call pg_stop first"
        return 1
    fi
    pg_ensure_installed || return 1
    bindir="$(_pg_find_bindir)"
    export LIFELINE_PG_BINDIR="$bindir"

    base="${TMPDIR:-/tmp}"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            _pg_log "user postgres does not exist (install the Debian package postgresql)"
            return 1
        fi
        # The server runs as postgres: its folder's parents must be traversable by that user.
        if ! runuser -u postgres -- test -x "$base" 2>/dev/null; then
            base=/tmp
        fi
    fi
    tmp="$(mktemp -d "$base/lifeline-pg.XXXXXX")" || return 1
    export LIFELINE_PG_DIR="$tmp"
    mkdir -p "$tmp/sock"
    chmod 700 "$tmp"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$tmp"
    fi

    password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    (umask 077 && printf '%s\n' "$password" >"$tmp/pwfile")
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$tmp/pwfile"; fi

    if ! _pg_as_owner "$bindir/initdb" -D "$tmp/data" -U postgres --auth=scram-sha-256 \
            --pwfile="$tmp/pwfile" --encoding=UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1; then
        _pg_log "initdb failed:"
        cat "$tmp/initdb.log" >&2
        _pg_cleanup_dir
        return 1
    fi
    rm -f -- "$tmp/pwfile"

    # Test-speed defaults; later settings (the arguments) override earlier ones.
    opts=(-c listen_addresses=127.0.0.1 -c "unix_socket_directories=$tmp/sock"
          -c max_connections=250 -c shared_buffers=128MB
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off
          -c log_min_messages=warning)
    for setting in "$@"; do
        opts+=(-c "$setting")
    done

    for attempt in 1 2 3 4 5; do
        port="$(_pg_free_port)" || { _pg_log "no free port"; break; }
        # pg_ctl -o takes one string; none of our values contain spaces or quotes (mktemp names don't).
        if _pg_as_owner "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -t 60 \
                -o "${opts[*]} -c port=$port" start >/dev/null 2>&1; then
            started=1
            break
        fi
        _pg_log "start on port $port failed (attempt $attempt)"
        # A half-started server would leave a pid file; make sure it is gone before retrying.
        _pg_as_owner "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    done
    if [ "$started" -ne 1 ]; then
        _pg_log "could not start PostgreSQL; log:"
        tail -n 30 "$tmp/postgres.log" >&2 2>/dev/null || true
        _pg_cleanup_dir
        return 1
    fi
    export LIFELINE_PG_PORT="$port" LIFELINE_PG_PASSWORD="$password"

    for attempt in $(seq 1 60); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 >/dev/null 2>&1; then
            break
        fi
        if [ "$attempt" -eq 60 ]; then
            _pg_log "PostgreSQL did not accept connections; log:"
            tail -n 30 "$tmp/postgres.log" >&2 2>/dev/null || true
            pg_stop
            return 1
        fi
        sleep 1
    done

    if ! PGPASSWORD="$password" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres \
            "$LIFELINE_PG_DATABASE" >/dev/null; then
        _pg_log "createdb $LIFELINE_PG_DATABASE failed"
        pg_stop
        return 1
    fi

    export LIFELINE_TEST_POSTGRES_URL="postgres://postgres:${password}@127.0.0.1:${port}/${LIFELINE_PG_DATABASE}"
    _pg_log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (dir $tmp)"
}

pg_stop() {
    local dir="${LIFELINE_PG_DIR:-}" bindir pid i
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        _pg_cleanup_dir
        return 0
    fi
    bindir="${LIFELINE_PG_BINDIR:-$(_pg_find_bindir)}"
    if [ -f "$dir/data/postmaster.pid" ]; then
        pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$bindir" ]; then
            _pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        fi
        # Fallback: by pid (SIGQUIT = immediate shutdown, then SIGKILL).
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -QUIT "$pid" 2>/dev/null || true
            i=0
            while [ "$i" -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
                sleep 0.1
                i=$((i + 1))
            done
            if kill -0 "$pid" 2>/dev/null; then
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    _pg_cleanup_dir
}
