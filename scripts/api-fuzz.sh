#!/usr/bin/env bash
# Fuzzes the live API with schemathesis against docs/openapi.yaml.
#
#   scripts/api-fuzz.sh [extra schemathesis run arguments]   run (needs .build/debug/lifeline: swift build)
#   scripts/api-fuzz.sh --install                            only install the pinned schemathesis if missing
#
# Starts `lifeline serve` on a free 127.0.0.1 port with a temporary data dir, an admin API key, a tenant
# "fuzz" with a user "alice" (most generated requests use these names); stops it by pid on exit. Exits non-zero when schemathesis reports a failure.
# For the recovery API, the tenant "demo" of Sources/LifelineApp/Resources/demo-tenant.yaml (most generated
# flows start there) gets a user "alice" with contacts, and "fuzz" the same recovery configuration (for the admin
# recovery operations, which may replace it); the server's per-address limit is raised so that the fuzzer is
# not answered 429 throughout.
#
# Environment:
#   LIFELINE_BIN                 server binary (default .build/debug/lifeline)
#   LIFELINE_FUZZ_SPEC           OpenAPI document (default docs/openapi.yaml)
#   LIFELINE_FUZZ_MAX_EXAMPLES   test cases per operation (default 30)
#   LIFELINE_FUZZ_SEED           schemathesis seed (default: fixed in CI for repeatable runs, random otherwise)
#   LIFELINE_FUZZ_TIMEOUT        hard limit in seconds for the schemathesis run (default 1200)
#   LIFELINE_FUZZ_PIDFILE        file to write the server's pid to (test.sh uses it as a last-resort cleanup)
#   PYTHON                       interpreter that has / gets schemathesis (default python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Pinned: schemathesis 3.x and 4.x take different flags; those below are 4.x's.
SCHEMATHESIS_VERSION="4.32.5"
PYTHON="${PYTHON:-python3}"

log() { printf '== api-fuzz: %s\n' "$*" >&2; }

installed_version() {
    "$PYTHON" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}

ensure_schemathesis() {
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        log "$PYTHON not found"
        return 1
    fi
    if [ "$(installed_version)" = "$SCHEMATHESIS_VERSION" ]; then
        return 0
    fi
    log "installing schemathesis==$SCHEMATHESIS_VERSION with pip"
    if ! "$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
            "schemathesis==$SCHEMATHESIS_VERSION" </dev/null; then
        # Debian's own python3 refuses installs outside a venv (PEP 668).
        "$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
            --break-system-packages "schemathesis==$SCHEMATHESIS_VERSION" </dev/null
    fi
    if [ "$(installed_version)" != "$SCHEMATHESIS_VERSION" ]; then
        log "schemathesis==$SCHEMATHESIS_VERSION is not importable by $PYTHON after installing"
        return 1
    fi
}

if [ "${1:-}" = "--install" ]; then
    ensure_schemathesis
    exit 0
fi
ensure_schemathesis

BIN="${LIFELINE_BIN:-$ROOT/.build/debug/lifeline}"
SPEC="${LIFELINE_FUZZ_SPEC:-$ROOT/docs/openapi.yaml}"
if [ ! -x "$BIN" ]; then
    log "$BIN not found; build first (swift build)"
    exit 2
fi
if [ ! -f "$SPEC" ]; then
    log "$SPEC not found"
    exit 2
fi
# Every integer must be bounded in the document: schemathesis generates only inside the bounds it is given,
# and the extreme values outside them are tried by Tests/LifelineHTTPTests/ExtremeIntegerTests.swift.
"$PYTHON" "$ROOT/scripts/openapi_bounds.py" "$SPEC" || { log "bound every integer in $SPEC"; exit 1; }

WORK=""
SERVER_PID=""
FUZZ_PID=""

# shellcheck disable=SC2317  # called from the traps
stop_server() {
    local pid="$SERVER_PID" i=0
    SERVER_PID=""
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        while [ "$i" -lt 100 ] && kill -0 "$pid" 2>/dev/null; do
            sleep 0.1
            i=$((i + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "server $pid ignored TERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    if [ -n "${LIFELINE_FUZZ_PIDFILE:-}" ]; then rm -f -- "$LIFELINE_FUZZ_PIDFILE"; fi
}

# shellcheck disable=SC2317
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$FUZZ_PID" ]; then
        kill -TERM "$FUZZ_PID" 2>/dev/null || true
        wait "$FUZZ_PID" 2>/dev/null || true
    fi
    stop_server
    if [ -n "$WORK" ]; then rm -rf -- "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_log() {
    if [ -s "$WORK/server.log" ]; then
        log "last lines of the server log:"
        tail -n 40 "$WORK/server.log" >&2
    fi
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-fuzz.XXXXXX")"
DATA="$WORK/data"
mkdir -p "$DATA"

# --- fixtures through the CLI ----------------------------------------------------------------------------
if ! "$BIN" migrate --data-dir "$DATA" </dev/null >/dev/null 2>"$WORK/cli.log"; then
    log "'lifeline migrate' failed:"
    cat "$WORK/cli.log" >&2
    exit 1
fi
if ! KEY="$("$BIN" apikey create --scope admin --data-dir "$DATA" </dev/null 2>"$WORK/cli.log")"; then
    log "'lifeline apikey create' failed:"
    cat "$WORK/cli.log" >&2
    exit 1
fi
KEY="$(printf '%s\n' "$KEY" | tail -n 1 | tr -d '\r')"
if [ -z "$KEY" ] || [[ "$KEY" == *" "* ]]; then
    log "'lifeline apikey create' did not print a key on one line (got: '$KEY')"
    exit 1
fi
if ! "$BIN" tenant create fuzz --data-dir "$DATA" </dev/null >/dev/null 2>"$WORK/cli.log"; then
    log "'lifeline tenant create fuzz' failed:"
    cat "$WORK/cli.log" >&2
    exit 1
fi

# A user in the tenant, so that user- and token-level operations get past 404 (optional: the run goes on
# without it).
FUZZ_USER="alice"
if ! "$BIN" user create --tenant fuzz "$FUZZ_USER" --data-dir "$DATA" </dev/null >/dev/null 2>"$WORK/cli.log"; then
    log "warning: 'lifeline user create --tenant fuzz $FUZZ_USER' failed; usernames will all be generated:"
    cat "$WORK/cli.log" >&2
    FUZZ_USER=""
fi

# Recovery: flows are started in "demo" (body.tenant below), which no generated admin request names, so its
# configuration survives the run; its alice has the contacts of the documented examples (the choose_contact
# example sends a real code). "fuzz" gets the same configuration for the admin recovery operations.
RECOVERY_FILE="$ROOT/Sources/LifelineApp/Resources/demo-tenant.yaml"
sed 's/^tenant: demo$/tenant: fuzz/' "$RECOVERY_FILE" >"$WORK/fuzz-tenant.yaml"
fixture() {
    if ! "$BIN" "$@" --data-dir "$DATA" </dev/null >/dev/null 2>"$WORK/cli.log"; then
        log "'lifeline $*' failed:"
        cat "$WORK/cli.log" >&2
        exit 1
    fi
}
fixture tenant apply -f "$RECOVERY_FILE"
fixture tenant apply -f "$WORK/fuzz-tenant.yaml"
fixture user create --tenant demo alice --phone +420777123789 --email alice@demo.example

# Most generated requests name the existing tenant (and user), the rest keep generated values, so that both
# the code behind the 404s and the not-found paths get exercised.
{
    printf '[dictionaries.tenants]\nvalues = ["fuzz"]\n'
    printf '[dictionaries.recovery_tenants]\nvalues = ["demo"]\n'
    # Step values of the demo tenant's flows and of demo's alice, so that submissions get past the first phases.
    printf '[dictionaries.flows]\nvalues = ["sms-totp", "email-questions"]\n'
    printf '[dictionaries.contacts]\nvalues = ["0"]\n'
    printf '[dictionaries.numbers]\nvalues = ["+420777123789"]\n'
    printf '[dictionaries.addresses]\nvalues = ["alice@demo.example"]\n'
    if [ -n "$FUZZ_USER" ]; then printf '[dictionaries.users]\nvalues = ["%s"]\n' "$FUZZ_USER"; fi
    printf '[parameters]\n'
    printf '"path.tenant" = { dictionary = "tenants", probability = 0.8 }\n'
    printf '"query.tenant" = { dictionary = "tenants", probability = 0.8 }\n'
    printf '"body.tenant" = { dictionary = "recovery_tenants", probability = 0.8 }\n'
    for field in flow:flows contact:contacts number:numbers address:addresses; do
        printf '"body.%s" = { dictionary = "%s", probability = 0.8 }\n' "${field%%:*}" "${field#*:}"
    done
    if [ -n "$FUZZ_USER" ]; then
        printf '"path.username" = { dictionary = "users", probability = 0.8 }\n'
        printf '"query.username" = { dictionary = "users", probability = 0.8 }\n'
        printf '"body.username" = { dictionary = "users", probability = 0.8 }\n'
    fi
} >"$WORK/schemathesis.toml"

# --- server ----------------------------------------------------------------------------------------------
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
# No per-address limit worth the name: every generated request comes from 127.0.0.1.
LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=100000 \
    "$BIN" serve --data-dir "$DATA" --host 127.0.0.1 --port "$PORT" </dev/null >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
if [ -n "${LIFELINE_FUZZ_PIDFILE:-}" ]; then printf '%s\n' "$SERVER_PID" >"$LIFELINE_FUZZ_PIDFILE"; fi

ready=0
for _ in $(seq 1 300); do   # up to ~60 s
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        log "server exited before answering /health"
        show_server_log
        exit 1
    fi
    if "$PYTHON" -c 'import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)' "$BASE/health"; then
        ready=1
        break
    fi
    sleep 0.2
done
if [ "$ready" -ne 1 ]; then
    log "server did not answer GET /health with 200 in time"
    show_server_log
    exit 1
fi
log "server pid $SERVER_PID on $BASE"

# --- schemathesis ----------------------------------------------------------------------------------------
seed_args=()
if [ -n "${LIFELINE_FUZZ_SEED:-}" ]; then
    seed_args=(--seed "$LIFELINE_FUZZ_SEED")
elif [ "${CI:-}" = "true" ]; then
    seed_args=(--seed 20251123)
fi

# fuzz ARG...: one schemathesis run with the common settings; sets rc (kept when already non-zero).
# timeout: a hard bound so that a hang cannot eat CI's time budget (exit 124 counts as a failure).
rc=0
fuzz() {
    local r=0
    timeout --kill-after=10 "${LIFELINE_FUZZ_TIMEOUT:-1200}" \
        "$PYTHON" -m schemathesis.cli --config-file "$WORK/schemathesis.toml" run "$SPEC" \
        --url "$BASE" \
        --header "Authorization: Bearer $KEY" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "${LIFELINE_FUZZ_MAX_EXAMPLES:-30}" \
        --request-timeout 10 \
        --generation-database none \
        --output-sanitize true \
        "${seed_args[@]}" \
        "$@" </dev/null &
    # In the background, so that the traps run at once; timeout makes its own process group, so cleanup
    # signals it by pid (timeout passes the signal on to schemathesis).
    FUZZ_PID=$!
    wait "$FUZZ_PID" || r=$?
    FUZZ_PID=""
    [ "$rc" -ne 0 ] || rc=$r
}
# Why revoking is fuzzed apart, last and without the stateful phase: that phase chains the key list into
# DELETE /apikeys/{id} and so revokes the run's own key (seen: every later request got 401 and proved nothing).
fuzz --exclude-operation-id revokeApiKey "$@"
fuzz --include-operation-id revokeApiKey --phases examples,coverage,fuzzing "$@"

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "the server died during the run"
    show_server_log
    [ "$rc" -ne 0 ] || rc=1
fi
if [ "$rc" -eq 124 ]; then
    log "schemathesis did not finish within ${LIFELINE_FUZZ_TIMEOUT:-1200} s"
    show_server_log
elif [ "$rc" -ne 0 ]; then
    log "schemathesis reported failures (exit $rc)"
    show_server_log
fi
exit "$rc"
