#!/usr/bin/env bash
# The single test command: ./scripts/test.sh [swift test arguments, e.g. --filter OTP]
#
# 1. installs what the tests need if missing (Debian: libsqlite3-dev, oathtool, postgresql, chromium, chromium-driver; PyPI:
#    aiosmtpd, selenium, schemathesis for the fuzz step)
# 2. scripts/check-imports.py (every import declared in Package.swift), swift build --build-tests
# 3. then starts a throwaway PostgreSQL on 127.0.0.1 (LIFELINE_TEST_POSTGRES_URL) and a throwaway OpenLDAP
#    (scripts/peers/slapd.sh: ppolicy, TLS; LIFELINE_TEST_LDAP_*) and a throwaway Samba 4 AD DC on 127.0.0.1:389/636
#    (scripts/peers/samba-ad.sh; LIFELINE_TEST_AD_*), checks they answer, and runs
#    swift test --skip-build "$@"
# 4. scripts/e2e.sh (end-to-end checks of the built binary on SQLite and PostgreSQL; always, also in CI) and
#    scripts/e2e-authenticator.sh (the reference app lifeline-authenticator against a live server) and
#    scripts/e2e-offline.sh (the reference laptop agent lifeline-agent online, with the server stopped, and against two
#    servers on one PostgreSQL), then
#    scripts/browser.sh (Selenium + headless Chromium through the web app, with a real SMTP capture and SMS
#    receiver; screenshots in ci-artifacts/browser, or $LIFELINE_ARTIFACTS)
# 5. scripts/api-fuzz.sh (schemathesis against the live server), unless LIFELINE_SKIP_FUZZ=1 outside CI
#
# Everything it starts is stopped, and its temp folders removed, on exit, Ctrl-C or TERM.
# Works as root on a fresh Debian 12 machine and in CI (CI=true, no stdin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=lib/postgres.sh source-path=SCRIPTDIR
source "$ROOT/scripts/lib/postgres.sh"

log() { printf '== test.sh: %s\n' "$*" >&2; }

RUN_FUZZ=1
if [ "${LIFELINE_SKIP_FUZZ:-}" = "1" ] && [ "${CI:-}" != "true" ]; then
    RUN_FUZZ=0
fi

WORK=""
CHILD_PGID=""
SLAPD_DIR=""
SAMBA_AD_DIR=""

# shellcheck disable=SC2317  # called from the traps
# Stops the running child's whole process group (TERM, then KILL after 10 s).
stop_child() {
    local pgid="$CHILD_PGID" i=0
    CHILD_PGID=""
    [ -n "$pgid" ] || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    while [ "$i" -lt 100 ] && kill -0 -- "-$pgid" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
}

# shellcheck disable=SC2317
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    stop_child
    # The fuzz step's server, should api-fuzz.sh have been unable to stop it itself.
    if [ -n "$WORK" ] && [ -s "$WORK/fuzz-server.pid" ]; then
        pid="$(cat "$WORK/fuzz-server.pid")"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            sleep 1
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    pg_stop || true
    if [ -n "$SLAPD_DIR" ]; then "$ROOT/scripts/peers/slapd.sh" stop "$SLAPD_DIR" || true; fi
    if [ -n "$SAMBA_AD_DIR" ]; then "$ROOT/scripts/peers/samba-ad.sh" stop "$SAMBA_AD_DIR" || true; fi
    if [ -n "$WORK" ]; then rm -rf -- "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs "$@" in its own process group, in the background so that the traps above run at once on INT/TERM
# (bash defers traps while a foreground child runs). Returns the command's exit code.
run_child() {
    local rc=0
    setsid "$@" &
    CHILD_PGID=$!
    wait "$CHILD_PGID" || rc=$?
    CHILD_PGID=""
    return "$rc"
}

# --- 1. dependencies -------------------------------------------------------------------------------------
missing=()
# The store links the system's SQLite (target SystemSQLite): the build needs its header and library.
[ -e /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v oathtool >/dev/null 2>&1 || missing+=(oathtool)
[ -n "$(_pg_find_bindir)" ] || missing+=(postgresql)
command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
# OpenLDAP for the LifelineLDAP tests (slapd is in /usr/sbin, which a non-root PATH may lack).
{ command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ]; } || missing+=(slapd)
command -v ldapwhoami >/dev/null 2>&1 || missing+=(ldap-utils)
# Samba 4 AD DC for the Active Directory tests (samba-ad-provision holds the AD schema that provisioning reads).
{ command -v samba >/dev/null 2>&1 || [ -x /usr/sbin/samba ]; } || missing+=(samba)
dpkg-query -W -f='${Status}' samba-ad-dc 2>/dev/null | grep -q 'ok installed' || missing+=(samba-ad-dc)
[ -d /usr/share/samba/setup/ad-schema ] || missing+=(samba-ad-provision)
command -v wbinfo >/dev/null 2>&1 || missing+=(winbind)
command -v kinit >/dev/null 2>&1 || missing+=(krb5-user)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "missing ${missing[*]}; install them (Debian packages) or run as root"
        exit 1
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Installing slapd must not configure and start a system-wide server: the tests start their own.
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections 2>/dev/null || true
    # krb5-user asks for a default realm; the tests need none (the AD tests bind with LDAP simple binds over TLS).
    printf '%s\n' "krb5-config krb5-config/default_realm string LIFELINE.TEST" "krb5-config krb5-config/add_servers boolean false" \
        "krb5-config krb5-config/read_conf boolean true" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v openssl >/dev/null 2>&1 || { log "openssl is required (Debian package openssl)"; exit 1; }
# The delivery tests talk to a real SMTP server (aiosmtpd) that they start themselves.
if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
    log "installing aiosmtpd (PyPI)"
    python3 -m pip install -q aiosmtpd >/dev/null
fi
if [ "$RUN_FUZZ" = "1" ]; then
    "$ROOT/scripts/api-fuzz.sh" --install
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-test.XXXXXX")"

# --- 3. swift build / swift test -------------------------------------------------------------------------
# Every imported module is a declared dependency of its target (a module reached through another package builds by accident).
swift package dump-package | python3 "$ROOT/scripts/check-imports.py"
log "swift build --build-tests"
rc=0
run_child swift build --build-tests || rc=$?
if [ "$rc" -ne 0 ]; then
    log "swift build failed (exit $rc)"
    exit "$rc"
fi

# --- 3b. the services, started only now -------------------------------------------------------------------
# Why after the build: a clean build takes 12-19 min here, and a PostgreSQL started before it was lost during one
# (a clean-clone run failed 78 expectations). Started now, and checked alive before the tests, a dead service is one
# clear line instead of many failed expectations.
# PostgreSQL ---------------------------------------------------------------------------------------
pg_start
export LIFELINE_TEST_POSTGRES_URL

# OpenLDAP (slapd with ppolicy, StartTLS and LDAPS; the LDAP tests fail without it, they never skip) ---
SLAPD_DIR="$WORK/slapd"
"$ROOT/scripts/peers/slapd.sh" start "$SLAPD_DIR" 0 0 >"$WORK/slapd.env"
while IFS='=' read -r key value; do
    case "$key" in LIFELINE_TEST_LDAP*) export "$key=$value" ;; esac
done <"$WORK/slapd.env"

# Samba 4 AD DC (LDAPS on 636, StartTLS on 389; the AD tests fail in CI without it) -------------------------
# Why 389/636: Samba cannot move its LDAP ports; slapd above took free high ports, so it does not clash. The script
# fails with a clear message when something else holds 389/636/3268/3269.
SAMBA_AD_DIR="$WORK/samba-ad"
"$ROOT/scripts/peers/samba-ad.sh" start "$SAMBA_AD_DIR" >"$WORK/samba-ad.env"
while IFS='=' read -r key value; do
    case "$key" in LIFELINE_TEST_AD_*) export "$key=$value" ;; esac
done <"$WORK/samba-ad.env"

services_alive() {
    local ok=0
    if ! PGCONNECT_TIMEOUT=10 "$LIFELINE_PG_BINDIR/psql" -qAt -c 'SELECT 1' "$LIFELINE_TEST_POSTGRES_URL" >/dev/null 2>&1 \
        && ! PGCONNECT_TIMEOUT=10 psql -qAt -c 'SELECT 1' "$LIFELINE_TEST_POSTGRES_URL" >/dev/null 2>&1; then
        log "PostgreSQL at 127.0.0.1:$LIFELINE_PG_PORT does not answer"; ok=1
    fi
    if ! LDAPTLS_REQCERT=never timeout 10 ldapwhoami -x -H "$LIFELINE_TEST_LDAP_URL" -D "$LIFELINE_TEST_LDAP_BIND_DN" \
        -w "$LIFELINE_TEST_LDAP_BIND_PASSWORD" >/dev/null 2>&1; then
        log "slapd at $LIFELINE_TEST_LDAP_URL does not answer a bind"; ok=1
    fi
    if ! LDAPTLS_CACERT="$LIFELINE_TEST_AD_CA" timeout 10 ldapsearch -x -H ldaps://127.0.0.1:636 -D "$LIFELINE_TEST_AD_BIND_DN" \
        -w "$LIFELINE_TEST_AD_BIND_PASSWORD" -b "$LIFELINE_TEST_AD_BASE_DN" -s base dn >/dev/null 2>&1; then
        log "the Samba AD DC at $LIFELINE_TEST_AD_LDAPS_URL does not answer a bind"; ok=1
    fi
    return "$ok"
}
services_alive || { log "a test service is not alive; not running the tests"; exit 1; }
log "PostgreSQL, slapd and the Samba AD DC are alive"

log "swift test --skip-build $*"
# tee keeps the output visible and lets the summary be repeated last, after the fuzz step's output.
# shellcheck disable=SC2016  # expanded by the inner bash
run_child bash -c 'set -o pipefail; swift test --skip-build "$@" 2>&1 | tee "$0"' "$WORK/swift-test.log" "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
    # CI shows only the end of the output: repeat every failure (test, file:line, expectation) last.
    log "swift test failed (exit $rc); the failures:"
    grep -E '✘|recorded an issue|error:|XCTAssert|Fatal error|Expectation failed' "$WORK/swift-test.log" | tail -n 80 >&2 || true
    log "swift test failed (exit $rc)"
    exit "$rc"
fi

# --- 4. end-to-end checks of the binary ------------------------------------------------------------------
log "e2e"
run_child "$ROOT/scripts/e2e.sh" || rc=$?
if [ "$rc" -ne 0 ]; then
    log "e2e failed (exit $rc)"
    exit "$rc"
fi
log "e2e-authenticator"
run_child "$ROOT/scripts/e2e-authenticator.sh" || rc=$?
if [ "$rc" -ne 0 ]; then
    log "e2e-authenticator failed (exit $rc)"
    exit "$rc"
fi
log "e2e-offline"
run_child "$ROOT/scripts/e2e-offline.sh" || rc=$?
if [ "$rc" -ne 0 ]; then
    log "e2e-offline failed (exit $rc)"
    exit "$rc"
fi

# --- 4b. browser tests of the web app (headless Chromium + Selenium; screenshots kept, not committed) -------
ARTIFACTS="${LIFELINE_ARTIFACTS:-$ROOT/ci-artifacts}"
log "browser tests (screenshots in $ARTIFACTS/browser)"
run_child env LIFELINE_ARTIFACTS="$ARTIFACTS" "$ROOT/scripts/browser.sh" || rc=$?
if [ "$rc" -ne 0 ]; then
    log "browser tests failed (exit $rc)"
    exit "$rc"
fi

# --- 5. API fuzzing --------------------------------------------------------------------------------------
if [ "$RUN_FUZZ" = "1" ]; then
    log "api-fuzz"
    run_child env LIFELINE_FUZZ_PIDFILE="$WORK/fuzz-server.pid" "$ROOT/scripts/api-fuzz.sh" || rc=$?
    if [ "$rc" -ne 0 ]; then
        log "api-fuzz failed (exit $rc)"
        exit "$rc"
    fi
else
    log "api-fuzz skipped (LIFELINE_SKIP_FUZZ=1)"
fi

# Repeat swift test's closing summary so that it is the last thing printed (after the e2e and fuzz output).
log "all steps passed; swift test summary:"
# (the last XCTest total and the Swift Testing line, in the order swift test printed them)
grep -E '^[[:space:]]*Executed [0-9]+ tests?, with|Test run with [0-9]+ tests?' "$WORK/swift-test.log" | tail -n 2 || true
exit 0
