#!/usr/bin/env bash
# End-to-end checks of offline authentication (issue 17, seed 003): the reference agent `lifeline-agent` against a live
# `lifeline serve` on SQLite, then with the server STOPPED, then two servers on one PostgreSQL database. Through the
# interfaces the issue fixes:
#
#   lifeline agent register --tenant T NAME                       the agent's key on the last line
#   lifeline-agent --state S --server URL --key K authenticate U  passcode on stdin; online, stores the offline data
#   lifeline-agent --state S verify U [--now UNIX]                passcode on stdin; offline; exit 0 accept, 1 refuse
#   lifeline-agent --state S --server URL --key K refill U        rotates the refill token; "revoked" wipes the data
#   lifeline token offline-codes --tenant T --token ID [--reset] [--online on|off]
#   lifeline token lost --tenant T --token ID                     the temporary code on the last line
#   POST /api/v1/validate, the admin API's offline-emergency routes (the console's API) of another instance
#
# Scenarios (each outcome asserted exactly): registration; online authentication downloads the data (app token and a
# token with a PIN); the agent API answers an unknown user exactly as a wrong passcode; the server stopped: the next
# step's code verifies, a wrong one and a replayed one are refused; with the agent's settable clock the data verifies at
# now + days - 1 h and has expired at now + days + 1 h; max_failures wrong passcodes wipe the data (one fewer does
# not); PIN + tokencode offline, the tokencode alone refused; a policy change (applied while the server is down) makes
# the next refill answer revoked and wipe, a new online authentication issues new data, refills rotate; the offline
# emergency access tokencodes of both kinds offline (with the PIN for the PIN token), at /api/v1/validate only while
# "online use" is on, a reset reaching the laptop only at its next online authentication; a lost token's temporary
# code (PIN ‖ code) until the token is enabled again; two instances on one PostgreSQL: the agent authenticates at B,
# the helpdesk resets and switches online use at A, B honours both.
#
#   scripts/e2e-offline.sh     (scripts/test.sh runs it after scripts/e2e-authenticator.sh; it does not build)
#
# Needs the debug binaries (.build/debug/lifeline and .build/debug/lifeline-agent: swift build), oathtool, curl,
# python3 (stdlib only: scripts/e2e_checks.py), and for the two-instance section PostgreSQL: LIFELINE_TEST_POSTGRES_URL
# (a user that may create databases; scripts/test.sh sets it), or, when it is unset, a throwaway server started here
# with scripts/lib/postgres.sh. Servers listen on 127.0.0.1 on free ports and are stopped by pid on exit, Ctrl-C or
# TERM; everything lives in a temporary folder that is removed, the PostgreSQL database is dropped.
#
# Prints "ok - NAME" or "not ok - NAME: REASON" per check, then exactly one line "e2e-offline: N passed, N failed";
# exits 1 when any check failed.
#
# Environment:
#   LIFELINE_BIN         server binary (default .build/debug/lifeline)
#   LIFELINE_AGENT_BIN   reference agent (default .build/debug/lifeline-agent)
#   PYTHON               Python 3 interpreter (default python3)
#   LIFELINE_E2E_KEEP    1: keep the temporary folder (every command's arguments, stdin, stdout and stderr)
#   LIFELINE_E2E_SKIP    space-separated sections to skip: emergency lost two_instances
#
# Time: the agent's clock is set with --now, and TOTP codes are computed with oathtool --now, so no check waits for the
# data to expire. Online authentications use real time (the server's clock): a token's code is accepted once per
# 30-second step, so a user's next online authentication may wait for the next step (< 30 s, rarely).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${LIFELINE_BIN:-$ROOT/.build/debug/lifeline}"
AGENT="${LIFELINE_AGENT_BIN:-$ROOT/.build/debug/lifeline-agent}"
if [ -e "$BIN" ]; then BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"; fi
if [ -e "$AGENT" ]; then AGENT="$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")"; fi
PY="${PYTHON:-python3}"
HELPER="$ROOT/scripts/e2e_checks.py"
# start_server, wait_ready, stop_server PID [SIGNAL], stop_all_servers (SERVERS, STOP_RC)
# shellcheck source=lib/server.sh source-path=SCRIPTDIR
source "$ROOT/scripts/lib/server.sh"
# pg_start / pg_stop, only when LIFELINE_TEST_POSTGRES_URL is not given
# shellcheck source=lib/postgres.sh source-path=SCRIPTDIR
source "$ROOT/scripts/lib/postgres.sh"

CMD_TIMEOUT=60      # seconds for any one command
READY_TIMEOUT=60    # seconds for a server to answer
STOP_TIMEOUT=10     # seconds for a server to exit after SIGTERM

TENANT=acme
DAYS=3              # the policy's days
MAX_FAILURES=4      # the policy's max_failures (not the default 5, so that the check shows the setting is used)
PIN=4826            # the PIN of pat's token (not weak: no run, repetition or alternation)
WRONG_PIN=7391
EMERGENCY_RE='[2-9A-HJKMNP-Z]{4}-?[2-9A-HJKMNP-Z]{4}-?[2-9A-HJKMNP-Z]{4}-?[2-9A-HJKMNP-Z]{4}'

E2E_NAME=e2e-offline
# shellcheck source=lib/checks.sh source-path=SCRIPTDIR
source "$ROOT/scripts/lib/checks.sh"
WORK=""
LOGS=""
CMD_PID=""
DATA=""
BASE=""
SERVER=""
OWN_PG=0
PG_ADMIN_URL=""
PG_DB=""
PSQL=""

# Both outputs of the last command on one line, shortened (for failure reasons).
both_lines() {
    cat -- "$OUT" "$ERR" 2>/dev/null | tr '\n' '|' | cut -c1-240
}

last_line() {
    awk 'NF { l = $0 } END { print l }' "$1"
}

py() {
    "$PY" "$HELPER" "$@"
}

skipped() {
    case " ${LIFELINE_E2E_SKIP:-} " in *" $1 "*) return 0 ;; esac
    return 1
}

# shellcheck disable=SC2317  # called from the traps
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$CMD_PID" ]; then kill -TERM "$CMD_PID" 2>/dev/null || true; fi
    stop_all_servers
    if [ -n "$PG_DB" ] && [ -n "$PSQL" ]; then
        timeout -k 5 30 "$PSQL" "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" </dev/null >/dev/null 2>&1 || true
    fi
    if [ "$OWN_PG" = 1 ]; then pg_stop || true; fi
    if [ "$SUMMARY_DONE" != 1 ]; then
        not_ok "e2e-offline.sh" "stopped early (exit $rc)"
        summary
        if [ "$rc" -eq 0 ]; then rc=1; fi
    fi
    if [ -n "$WORK" ]; then
        if [ "${LIFELINE_E2E_KEEP:-}" = "1" ]; then
            printf 'e2e-offline: kept %s\n' "$WORK" >&2
        else
            cd / && rm -rf -- "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- commands --------------------------------------------------------------------------------------------

# run_cmd INPUT CMD [ARG...]: runs the command with a time limit and INPUT (one line; empty: no input) on stdin; sets
# OUT and ERR (files with its stdout and stderr) and RC. In the background so that a TERM/INT trap fires at once.
run_cmd() {
    local input="$1" n
    shift
    n=$(( $(find "$LOGS" -maxdepth 1 -name 'cmd-*.args' | wc -l) + 1 ))
    OUT="$LOGS/cmd-$n.out"
    ERR="$LOGS/cmd-$n.err"
    printf '%q ' "$@" >"$LOGS/cmd-$n.args"
    if [ -n "$input" ]; then printf '%s\n' "$input" >"$LOGS/cmd-$n.in"; else : >"$LOGS/cmd-$n.in"; fi
    RC=0
    timeout -k 5 "$CMD_TIMEOUT" "$@" <"$LOGS/cmd-$n.in" >"$OUT" 2>"$ERR" &
    CMD_PID=$!
    wait "$CMD_PID" || RC=$?
    CMD_PID=""
}

# cli ARG...: the server's CLI on the current store (STORE: --data-dir DIR or --database URL).
STORE=()
cli() {
    run_cmd "" "$BIN" "$@" "${STORE[@]}"
}

# The reference agent. The key and server go before the subcommand, as the issue writes them.
# agent_auth STATE USER PASSCODE BASE KEY: online authentication.
agent_auth() {
    run_cmd "$3" "$AGENT" --state "$1" --server "$4" --key "$5" authenticate "$2"
}
# agent_verify STATE USER PASSCODE NOW: offline verification with the agent's clock at NOW (Unix seconds); no server.
agent_verify() {
    run_cmd "$3" "$AGENT" --state "$1" verify "$2" --now "$4"
}
# agent_refill STATE USER BASE KEY
agent_refill() {
    run_cmd "" "$AGENT" --state "$1" --server "$3" --key "$4" refill "$2"
}

# expect_ok NAME: the last command exited 0.
expect_ok() {
    check "$1" "$([ "$RC" -eq 0 ] || echo "exit $RC: $(both_lines)")"
}

# expect_refused NAME: the last command exited 1 (a refusal, not a crash, usage error or timeout).
expect_refused() {
    check "$1" "$([ "$RC" -eq 1 ] || echo "exit $RC (expected 1): $(both_lines)")"
}

# --- TOTP arithmetic -------------------------------------------------------------------------------------

totp() {
    oathtool --totp -b "$1" --now "@$2"
}

# wrong_totp SECRET EPOCH: a 6-digit code that none of the steps around EPOCH (t-1, t, t+1) has.
wrong_totp() {
    local s="$1" t="$2" a b c w i
    a="$(totp "$s" $((t - 30)))"; b="$(totp "$s" "$t")"; c="$(totp "$s" $((t + 30)))"
    w=$(( (10#$b + 314159) % 1000000 ))
    for i in 1 2 3 4 5; do
        w="$(printf '%06d' $(( (10#$w + i * 7919) % 1000000 )))"
        if [ "$w" != "$a" ] && [ "$w" != "$b" ] && [ "$w" != "$c" ]; then break; fi
    done
    printf '%s' "$w"
}

now_step() {
    echo $(( $(date +%s) / 30 ))
}

declare -A SECRET=()        # user → base32 TOTP secret
declare -A ONLINE_LAST=()   # user → the last step whose code the server accepted (a code is accepted once)
declare -A FIRST=()         # STATE:user → the first step of the offline data last downloaded there
declare -A OFF_LAST=()      # STATE:user → the last step the agent accepted offline there (replays are refused)

# online_step USER: a step whose code the server will accept now for USER: above the last one used and inside the
# server's window (t-1 … t+1); waits for the next real step when both are used (< 30 s). Sets STEP.
online_step() {
    local last="${ONLINE_LAST[$1]:-0}" now
    now="$(now_step)"
    STEP=$(( last + 1 > now ? last + 1 : now ))
    while [ "$STEP" -gt $((now + 1)) ]; do
        sleep $(( 30 - $(date +%s) % 30 ))
        now="$(now_step)"
    done
}

# online STATE USER BASE KEY [PIN]: an online authentication through the agent with the code of a fresh step (PIN in
# front when given); on success records the data's first step (the step after the one just used: that code must not
# verify offline again).
online() {
    local state="$1" user="$2" base="$3" key="$4" pin="${5:-}"
    online_step "$user"
    agent_auth "$state" "$user" "$pin$(totp "${SECRET[$user]}" $((STEP * 30 + 15)))" "$base" "$key"
    if [ "$RC" -eq 0 ]; then
        ONLINE_LAST[$user]="$STEP"
        FIRST[$state:$user]=$((STEP + 1))
    fi
}

# offline_step STATE USER: the next step to verify offline there (at or after the data's first, above the last accepted).
offline_step() {
    local first="${FIRST[$1:$2]:-0}" last="${OFF_LAST[$1:$2]:-0}"
    echo $(( last + 1 > first ? last + 1 : first ))
}

# laptop_now STATE USER: a laptop time inside the data's window (for checks that are not about the time step).
laptop_now() {
    local now first="${FIRST[$1:$2]:-0}"
    now="$(date +%s)"
    echo $(( now > first * 30 + 15 ? now : first * 30 + 15 ))
}

# verify_step NAME STATE USER STEP EXPECT [PIN]: offline verification of the code of STEP (PIN in front when given), the
# agent's clock in that step; EXPECT accept or refuse. An accepted step is remembered (a later one must be above it).
verify_step() {
    local name="$1" state="$2" user="$3" step="$4" expect="$5" pin="${6:-}" t
    t=$((step * 30 + 10))
    agent_verify "$state" "$user" "$pin$(totp "${SECRET[$user]}" "$t")" "$t"
    if [ "$expect" = accept ]; then
        expect_ok "$name"
        if [ "$RC" -eq 0 ]; then OFF_LAST[$state:$user]="$step"; fi
    else
        expect_refused "$name"
    fi
}

# validate NAME USER CODE EXPECTED [BASE]: POST BASE/api/v1/validate (default: the SQLite server) answers EXPECTED
# (accept or reject).
declare -A VKEY_FOR=()      # server base URL → its validate key (default VKEY)
validate() {
    local name="$1" user="$2" code="$3" expected="$4" base="${5:-$BASE}" key result
    key="${VKEY_FOR[$base]:-$VKEY}"
    if [ -z "$code" ]; then
        not_ok "$name" "no code to validate (an earlier check failed)"
        return
    fi
    result="$(py validate "$base" "$key" "$TENANT" "$user" "$code")"
    check "$name" "$([ "$result" = "$expected" ] || echo "expected $expected, got $result")"
}

# token_id USER: the id of USER's first token (`lifeline token list`), or "".
token_id() {
    cli token list --tenant "$TENANT" --user "$1"
    if [ "$RC" -eq 0 ]; then awk -F '\t' -v u="$1" '$2 == u { print $1; exit }' "$OUT"; fi
}

# --- 0. the server, the policy, users, the agent -----------------------------------------------------------
VKEY=""
AKEY=""
AGENT_KEY=""
SA=""; SC=""; SP=""   # the laptops' state files: alice's, carol's, pat's

write_tenant() {
    # $1: the file; $2: days. The offline policy only: the rest of the recovery configuration keeps its defaults.
    printf 'tenant: %s\nrecovery:\n  offline:\n    enabled: true\n    min_passcode_length: 6\n    days: %s\n    max_failures: %s\n' \
        "$TENANT" "$2" "$MAX_FAILURES" >"$1"
}

# register_agent LABEL NAME: `lifeline agent register`; sets AGENT_KEY from its last line (empty on failure).
register_agent() {
    local key
    cli agent register --tenant "$TENANT" "$2"
    key="$(last_line "$OUT")"
    check "$1: lifeline agent register --tenant $TENANT $2 prints the key on its last line" \
        "$([ "$RC" -eq 0 ] && printf '%s' "$key" | grep -Eqx 'll_[A-Za-z0-9]+_[A-Za-z0-9]+' || echo "exit $RC: $(both_lines)")"
    if [ "$RC" -eq 0 ]; then AGENT_KEY="$key"; else AGENT_KEY=""; fi
}

setup() {
    local port reason u st
    DATA="$WORK/data"
    STORE=(--data-dir "$DATA")
    port="$(py free-port)"
    BASE="http://127.0.0.1:$port"
    cli migrate
    expect_ok "setup: migrate"
    write_tenant "$WORK/acme.yaml" "$DAYS"
    cli tenant apply -f "$WORK/acme.yaml"
    expect_ok "setup: tenant apply with offline: {enabled: true, min_passcode_length: 6, days: $DAYS, max_failures: $MAX_FAILURES}"
    for u in alice carol pat; do
        cli user create --tenant "$TENANT" "$u" --email "$u@$TENANT.example"
        expect_ok "setup: user create $u"
    done
    for u in alice carol; do
        SECRET[$u]="$(py secret)"
        cli token enroll --tenant "$TENANT" --user "$u" --type totp --secret "${SECRET[$u]}"
        expect_ok "setup: a TOTP app token (no PIN) for $u"
    done
    cli apikey create --scope validate --tenant "$TENANT"
    expect_ok "setup: a validate API key"
    VKEY="$(head -n 1 "$OUT")"
    cli apikey create --scope admin --tenant "$TENANT"
    expect_ok "setup: an admin API key"
    AKEY="$(head -n 1 "$OUT")"
    register_agent setup laptop1
    # Why a larger per-address budget: every request here comes from 127.0.0.1.
    LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=10000 start_server server serve --data-dir "$DATA" --port "$port"
    SERVER="$SERVER_PID"
    reason="$(wait_ready "$BASE" "$SERVER")"
    check "setup: server ready on SQLite" "$reason"
    [ -z "$reason" ] || return 1
    # A token with a PIN (issue 16): the admin API enrols it (the CLI has no PIN option).
    SECRET[pat]="$(py secret)"
    st="$(py api POST "$BASE/api/v1/admin/tenants/$TENANT/users/pat/tokens" --key "$AKEY" --out "$LOGS/enroll-pat.json" \
        --body "{\"type\":\"totp\",\"secret\":\"${SECRET[pat]}\",\"pin\":\"$PIN\"}")"
    check "setup: a TOTP token with a PIN for pat (admin API)" "$([ "$st" = 201 ] || echo "HTTP $st: $(head -c 200 "$LOGS/enroll-pat.json")")"
    TOKEN_ALICE="$(token_id alice)"
    TOKEN_PAT="$(token_id pat)"
    check "setup: token ids" "$([ -n "$TOKEN_ALICE" ] && [ -n "$TOKEN_PAT" ] || echo "alice '$TOKEN_ALICE', pat '$TOKEN_PAT'")"
    [ -n "$AGENT_KEY" ]
}

# --- 1. online authentication through the agent ------------------------------------------------------------
check_online() {
    local st1 st2
    online "$SA" alice "$BASE" "$AGENT_KEY"
    expect_ok "online: lifeline-agent authenticate alice (app token) is accepted"
    check "online: it says until when offline data is held" "$(grep -qi 'until' "$OUT" "$ERR" || echo "$(both_lines)")"
    online "$SC" carol "$BASE" "$AGENT_KEY"
    expect_ok "online: lifeline-agent authenticate carol (app token) is accepted"
    online "$SP" pat "$BASE" "$AGENT_KEY" "$PIN"
    expect_ok "online: lifeline-agent authenticate pat with PIN + tokencode is accepted"

    # A wrong passcode: refused (exit 1) and the stored data is left alone (checked offline below).
    agent_auth "$SA" alice "$(wrong_totp "${SECRET[alice]}" "$(date +%s)")" "$BASE" "$AGENT_KEY"
    expect_refused "online: a wrong passcode is refused"
    # Nothing tells whether a username exists: the agent API answers an unknown user exactly as a wrong passcode.
    st1="$(py api POST "$BASE/api/v1/agent/authenticate" --key "$AGENT_KEY" --out "$LOGS/reject-wrong.json" \
        --body '{"user":"carol","passcode":"000000","machine":"probe"}')"
    st2="$(py api POST "$BASE/api/v1/agent/authenticate" --key "$AGENT_KEY" --out "$LOGS/reject-unknown.json" \
        --body '{"user":"nobody","passcode":"000000","machine":"probe"}')"
    check "online: the agent API answers an unknown user exactly as a wrong passcode (status and body)" \
        "$([ "$st1" = 200 ] && [ "$st1" = "$st2" ] && cmp -s "$LOGS/reject-wrong.json" "$LOGS/reject-unknown.json" \
            && grep -q '"reject"' "$LOGS/reject-wrong.json" \
            || echo "HTTP $st1 $(head -c 120 "$LOGS/reject-wrong.json") / HTTP $st2 $(head -c 120 "$LOGS/reject-unknown.json")")"
    st1="$(py api POST "$BASE/api/v1/agent/authenticate" --key "$VKEY" --out "$LOGS/agent-validate-key.json" \
        --body '{"user":"carol","passcode":"000000","machine":"probe"}')"
    check "online: a validate key may not use the agent API (403)" "$([ "$st1" = 403 ] || echo "HTTP $st1")"
}

# --- 2. the server stopped: offline verification -----------------------------------------------------------
check_offline() {
    local n t st
    stop_server "$SERVER"
    check "offline: the server is stopped" "$(st="$(py status "$BASE/health")"; [ "$st" = 0 ] || echo "it answers HTTP $st")"

    n="$(offline_step "$SA" alice)"
    verify_step "offline: alice's code of the next step is accepted (server stopped)" "$SA" alice "$n" accept
    t=$((n * 30 + 10))
    agent_verify "$SA" alice "$(totp "${SECRET[alice]}" "$t")" "$t"
    expect_refused "offline: the same code again is refused (replay)"
    agent_verify "$SA" alice "$(wrong_totp "${SECRET[alice]}" $((t + 30)))" $((t + 30))
    expect_refused "offline: a wrong code is refused"
    verify_step "offline: the step after that is accepted" "$SA" alice $((n + 1)) accept

    # The settable clock: the data covers DAYS days from the online authentication.
    local t0=$(( FIRST[$SC:carol] * 30 )) day=86400
    n=$(( (t0 + DAYS * day - 3600) / 30 ))
    verify_step "offline: carol's code at now + $DAYS days - 1 h is accepted" "$SC" carol "$n" accept
    verify_step "offline: carol's code at now + $DAYS days + 1 h is refused (expired)" "$SC" carol $(( (t0 + DAYS * day + 3600) / 30 )) refuse

    # The local failure cap: MAX_FAILURES - 1 wrong passcodes are survived, MAX_FAILURES wipe.
    verify_step "cap: carol's next code is accepted (failures back to 0)" "$SC" carol $((n + 1)) accept
    local i
    for i in $(seq 1 $((MAX_FAILURES - 1))); do
        t=$(( (n + 2) * 30 + 10 ))
        agent_verify "$SC" carol "$(wrong_totp "${SECRET[carol]}" "$t")" "$t"
        expect_refused "cap: wrong passcode $i of $((MAX_FAILURES - 1)) is refused"
    done
    verify_step "cap: after $((MAX_FAILURES - 1)) wrong passcodes the right one is still accepted" "$SC" carol $((n + 2)) accept
    for i in $(seq 1 "$MAX_FAILURES"); do
        t=$(( (n + 3) * 30 + 10 ))
        agent_verify "$SC" carol "$(wrong_totp "${SECRET[carol]}" "$t")" "$t"
        expect_refused "cap: wrong passcode $i of $MAX_FAILURES is refused"
    done
    verify_step "cap: after max_failures ($MAX_FAILURES) wrong passcodes the data is wiped: the right code is refused" \
        "$SC" carol $((n + 3)) refuse
    verify_step "cap: and the one after it" "$SC" carol $((n + 4)) refuse
    run_cmd "" "$AGENT" --state "$SC" status carol
    check "cap: lifeline-agent status holds no data for carol" "$([ "$RC" -eq 1 ] && grep -qi 'no offline data' "$OUT" || echo "exit $RC: $(both_lines)")"

    # The token with a PIN: PIN ‖ tokencode.
    n="$(offline_step "$SP" pat)"
    verify_step "pin: pat's PIN + next code is accepted offline" "$SP" pat "$n" accept "$PIN"
    verify_step "pin: the code without the PIN is refused" "$SP" pat $((n + 1)) refuse
    verify_step "pin: a wrong PIN + the code is refused" "$SP" pat $((n + 1)) refuse "$WRONG_PIN"
    verify_step "pin: PIN + the code is accepted" "$SP" pat $((n + 1)) accept "$PIN"
}

# --- 3. restart with a changed policy: revoked, new data, refills --------------------------------------------
check_policy_change() {
    local port reason n
    # Applied while the server is down (as after a maintenance window): the server must still end the old data.
    write_tenant "$WORK/acme-2.yaml" $((DAYS - 1))
    cli tenant apply -f "$WORK/acme-2.yaml"
    expect_ok "policy: tenant apply with days: $((DAYS - 1)) (server stopped)"
    port="${BASE##*:}"
    LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=10000 start_server server-2 serve --data-dir "$DATA" --port "$port"
    SERVER="$SERVER_PID"
    reason="$(wait_ready "$BASE" "$SERVER")"
    check "policy: server restarted" "$reason"
    [ -z "$reason" ] || return 1
    agent_refill "$SA" alice "$BASE" "$AGENT_KEY"
    check "policy: lifeline-agent refill alice answers revoked" "$(grep -qi 'revoked' "$OUT" "$ERR" || echo "exit $RC: $(both_lines)")"
    n="$(offline_step "$SA" alice)"
    verify_step "policy: the agent wiped alice's data: a code inside the old window is refused" "$SA" alice "$n" refuse
    online "$SA" alice "$BASE" "$AGENT_KEY"
    expect_ok "policy: a new online authentication is accepted"
    n="$(offline_step "$SA" alice)"
    verify_step "policy: the new data verifies the next code" "$SA" alice "$n" accept
    agent_refill "$SA" alice "$BASE" "$AGENT_KEY"
    check "policy: refill with the stored refill token answers refilled" \
        "$([ "$RC" -eq 0 ] && ! grep -qi 'revoked' "$OUT" "$ERR" || echo "exit $RC: $(both_lines)")"
    agent_refill "$SA" alice "$BASE" "$AGENT_KEY"
    check "policy: a second refill works (the token rotated and the agent kept the new one)" \
        "$([ "$RC" -eq 0 ] && ! grep -qi 'revoked' "$OUT" "$ERR" || echo "exit $RC: $(both_lines)")"
    # A refill's window starts at the server's current step, or after the last step used online if that is later.
    FIRST[$SA:alice]="$(now_step)"
    if [ $((ONLINE_LAST[alice] + 1)) -gt "${FIRST[$SA:alice]}" ]; then FIRST[$SA:alice]=$((ONLINE_LAST[alice] + 1)); fi
    n="$(offline_step "$SA" alice)"
    verify_step "policy: the refilled data verifies a later code" "$SA" alice $((n + 1)) accept
    online "$SP" pat "$BASE" "$AGENT_KEY" "$PIN"
    expect_ok "policy: pat authenticates online again (PIN + tokencode), new data"
}

# --- 4. offline emergency access tokencodes ------------------------------------------------------------------
# codes TOKEN_ID [ARG...]: `lifeline token offline-codes`; sets TC and PC (the tokencode and passcode kinds, grouped as
# shown) from its lines "tokencode: …" and "passcode: …", or ""; DOWNLOADED from "downloaded: yes|no".
codes() {
    local id="$1"
    shift
    cli token offline-codes --tenant "$TENANT" --token "$id" "$@"
    TC="$(grep -E '^tokencode:' "$OUT" | grep -Eo "$EMERGENCY_RE" | head -n 1 || true)"
    PC="$(grep -E '^passcode:' "$OUT" | grep -Eo "$EMERGENCY_RE" | head -n 1 || true)"
    DOWNLOADED="$(sed -n 's/^downloaded: //p' "$OUT")"
}

check_emergency() {
    local tc_a pc_a tc_p pc_p t old_pc old_tc
    codes "$TOKEN_ALICE"
    check "emergency: lifeline token offline-codes shows alice's tokencode and passcode kinds" \
        "$([ "$RC" -eq 0 ] && [ -n "$TC" ] && [ -n "$PC" ] && [ "$TC" != "$PC" ] || echo "exit $RC: $(both_lines)")"
    tc_a="$TC"; pc_a="$PC"
    codes "$TOKEN_PAT"
    check "emergency: and pat's" "$([ "$RC" -eq 0 ] && [ -n "$TC" ] && [ -n "$PC" ] || echo "exit $RC: $(both_lines)")"
    tc_p="$TC"; pc_p="$PC"

    # Offline: they travelled inside the data of the last online authentication.
    t="$(laptop_now "$SA" alice)"
    agent_verify "$SA" alice "$tc_a" "$t"
    expect_ok "emergency offline: alice's tokencode kind alone (app token) is accepted"
    agent_verify "$SA" alice "$pc_a" "$t"
    expect_ok "emergency offline: alice's passcode kind is accepted"
    agent_verify "$SA" alice "$(printf '%s' "$pc_a" | tr -d '-')" "$t"
    expect_ok "emergency offline: typed without dashes too"
    t="$(laptop_now "$SP" pat)"
    agent_verify "$SP" pat "$PIN$(printf '%s' "$tc_p" | tr -d '-')" "$t"
    expect_ok "emergency offline: pat's PIN + tokencode kind is accepted"
    agent_verify "$SP" pat "$(printf '%s' "$tc_p" | tr -d '-')" "$t"
    expect_refused "emergency offline: pat's tokencode kind without the PIN is refused"
    agent_verify "$SP" pat "$pc_p" "$t"
    expect_ok "emergency offline: pat's passcode kind (replaces PIN and tokencode) is accepted"

    # Online: only while "Use offline code for online access" is on.
    validate "emergency online: /api/v1/validate refuses alice's passcode kind while online use is off" alice "$pc_a" reject
    codes "$TOKEN_ALICE" --online on
    expect_ok "emergency online: offline-codes --online on (alice)"
    codes "$TOKEN_PAT" --online on
    expect_ok "emergency online: offline-codes --online on (pat)"
    validate "emergency online: alice's passcode kind is accepted" alice "$pc_a" accept
    validate "emergency online: alice's tokencode kind alone is accepted" alice "$tc_a" accept
    validate "emergency online: pat's PIN + tokencode kind is accepted" pat "$PIN$(printf '%s' "$tc_p" | tr -d '-')" accept
    validate "emergency online: pat's passcode kind is accepted" pat "$pc_p" accept
    validate "emergency online: pat's tokencode kind without the PIN is refused" pat "$tc_p" reject
    codes "$TOKEN_ALICE" --online off
    expect_ok "emergency online: offline-codes --online off (alice)"
    validate "emergency online: then alice's passcode kind is refused" alice "$pc_a" reject

    # Reset: new codes, which reach the laptop only with its next online authentication.
    old_tc="$tc_a"; old_pc="$pc_a"
    codes "$TOKEN_ALICE" --reset
    check "emergency reset: offline-codes --reset shows new codes" \
        "$([ "$RC" -eq 0 ] && [ -n "$TC" ] && [ -n "$PC" ] && [ "$TC" != "$old_tc" ] && [ "$PC" != "$old_pc" ] || echo "exit $RC: $(both_lines)")"
    tc_a="$TC"; pc_a="$PC"
    check "emergency reset: not downloaded yet" "$([ "$DOWNLOADED" = no ] || echo "downloaded: '$DOWNLOADED'")"
    t="$(laptop_now "$SA" alice)"
    agent_verify "$SA" alice "$pc_a" "$t"
    expect_refused "emergency reset: the laptop does not have the new passcode kind yet"
    agent_verify "$SA" alice "$old_pc" "$t"
    expect_ok "emergency reset: the old one still verifies offline until the next online authentication"
    online "$SA" alice "$BASE" "$AGENT_KEY"
    expect_ok "emergency reset: alice authenticates online"
    t="$(laptop_now "$SA" alice)"
    agent_verify "$SA" alice "$pc_a" "$t"
    expect_ok "emergency reset: now the new passcode kind verifies offline"
    agent_verify "$SA" alice "$tc_a" "$t"
    expect_ok "emergency reset: and the new tokencode kind"
    agent_verify "$SA" alice "$old_pc" "$t"
    expect_refused "emergency reset: the old passcode kind no longer does"
    codes "$TOKEN_ALICE"
    check "emergency reset: offline-codes now says downloaded" "$([ "$DOWNLOADED" = yes ] || echo "downloaded: '$DOWNLOADED'")"
}

# --- 5. lost token: a temporary code ---------------------------------------------------------------------------
check_lost() {
    local code st
    cli token lost --tenant "$TENANT" --token "$TOKEN_PAT"
    code="$(last_line "$OUT")"
    check "lost: lifeline token lost prints the temporary code on its last line" \
        "$([ "$RC" -eq 0 ] && printf '%s' "$code" | grep -Eqx '[0-9A-Z-]{12,20}' || echo "exit $RC: $(both_lines)")"
    validate "lost: PIN + the temporary code is accepted" pat "$PIN$code" accept
    validate "lost: the temporary code without the PIN is refused" pat "$code" reject
    online_step pat
    validate "lost: the lost token's PIN + code is refused (the token is disabled)" pat \
        "$PIN$(totp "${SECRET[pat]}" $((STEP * 30 + 15)))" reject
    # The token is disabled: pat's offline data ends at the laptop's next contact.
    agent_refill "$SP" pat "$BASE" "$AGENT_KEY"
    check "lost: pat's laptop is told at its next refill that the data was revoked" \
        "$(grep -qi 'revoked' "$OUT" "$ERR" || echo "exit $RC: $(both_lines)")"
    cli token enable --tenant "$TENANT" --token "$TOKEN_PAT"
    if [ "$RC" -ne 0 ]; then
        # Without a CLI command, the admin API's (the console's) enable.
        st="$(py api POST "$BASE/api/v1/admin/tenants/$TENANT/tokens/$TOKEN_PAT/enable" --key "$AKEY" --out "$LOGS/enable.json")"
        RC=$([ "$st" = 200 ] && echo 0 || echo 1)
    fi
    expect_ok "lost: the token is found and enabled again"
    validate "lost: then the temporary code is refused" pat "$PIN$code" reject
    online_step pat
    validate "lost: and the token's PIN + code is accepted again" pat "$PIN$(totp "${SECRET[pat]}" $((STEP * 30 + 15)))" accept
    ONLINE_LAST[pat]="$STEP"
}

# --- 6. two instances on one PostgreSQL: the console's API at A, the agent at B --------------------------------
check_two_instances() {
    local url="${LIFELINE_TEST_POSTGRES_URL:-}" db base query pg_url kek porta portb pida pidb a b reason st key2 vkey akey
    local sb="$WORK/laptop-b.json" tc pc tc2 pc2 t tok
    if [ -z "$url" ]; then
        if pg_start >"$LOGS/pg_start.log" 2>&1; then
            OWN_PG=1
            url="$LIFELINE_TEST_POSTGRES_URL"
        else
            not_ok "two instances: PostgreSQL" "LIFELINE_TEST_POSTGRES_URL is not set and pg_start failed: $(tail -n 1 "$LOGS/pg_start.log")"
            return 0
        fi
    fi
    PSQL="psql"
    if [ -n "${LIFELINE_PG_BINDIR:-}" ] && [ -x "$LIFELINE_PG_BINDIR/psql" ]; then PSQL="$LIFELINE_PG_BINDIR/psql"; fi
    db="e2e_offline_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    query=""
    base="${url%%\?*}"
    if [ "$base" != "$url" ]; then query="?${url#*\?}"; fi
    pg_url="${base%/*}/$db$query"
    run_cmd "" "$PSQL" "$url" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
    if [ "$RC" -ne 0 ]; then
        not_ok "two instances: fresh database" "CREATE DATABASE: exit $RC, $(both_lines)"
        return 0
    fi
    PG_ADMIN_URL="$url"
    PG_DB="$db"
    # Both servers and the CLI share the key-encryption key (from the environment, not a file).
    kek="$(py kek)"
    export LIFELINE_KEYS_KEK="$kek"
    STORE=(--database "$pg_url")
    cli migrate
    expect_ok "two instances: migrate a fresh PostgreSQL database"
    cli tenant apply -f "$WORK/acme.yaml"
    expect_ok "two instances: tenant apply with the offline policy"
    cli user create --tenant "$TENANT" bob --email "bob@$TENANT.example"
    SECRET[bob]="$(py secret)"
    cli token enroll --tenant "$TENANT" --user bob --type totp --secret "${SECRET[bob]}"
    expect_ok "two instances: bob with a TOTP app token"
    tok="$(token_id bob)"
    cli apikey create --scope validate --tenant "$TENANT"
    vkey="$(head -n 1 "$OUT")"
    cli apikey create --scope admin --tenant "$TENANT"
    akey="$(head -n 1 "$OUT")"
    register_agent "two instances" laptop2
    key2="$AGENT_KEY"

    porta="$(py free-port)"
    portb="$(py free-port)"
    while [ "$portb" = "$porta" ]; do portb="$(py free-port)"; done
    a="http://127.0.0.1:$porta"
    b="http://127.0.0.1:$portb"
    LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=10000 start_server pg-a serve --database "$pg_url" --port "$porta"
    pida="$SERVER_PID"
    LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=10000 start_server pg-b serve --database "$pg_url" --port "$portb"
    pidb="$SERVER_PID"
    unset LIFELINE_KEYS_KEK
    reason="$(wait_ready "$a" "$pida")"
    if [ -n "$reason" ]; then reason="A: $reason"; else
        reason="$(wait_ready "$b" "$pidb")"
        if [ -n "$reason" ]; then reason="B: $reason"; fi
    fi
    check "two instances: A and B ready on one database" "$reason"
    if [ -n "$reason" ] || [ -z "$key2" ] || [ -z "$tok" ]; then return 0; fi
    VKEY_FOR[$b]="$vkey"

    online "$sb" bob "$b" "$key2"
    expect_ok "two instances: bob authenticates online through the agent at B"
    # The console's API at A: the token's offline emergency access tokencodes.
    # emergency_at METHOD PATH-SUFFIX [BODY]: the admin API at A; sets st, tc and pc (from the answer).
    emergency_at() {
        local body=()
        if [ -n "${3:-}" ]; then body=(--body "$3"); fi
        st="$(py api "$1" "$a/api/v1/admin/tenants/$TENANT/tokens/$tok/offline-emergency$2" --key "$akey" \
            --out "$LOGS/emergency-a.json" "${body[@]}")"
        tc="$(py json-field "$LOGS/emergency-a.json" tokencode)"
        pc="$(py json-field "$LOGS/emergency-a.json" passcode)"
    }
    emergency_at GET ""
    check "two instances: A shows bob's codes, made at B's download" \
        "$([ "$st" = 200 ] && [ -n "$tc" ] && [ -n "$pc" ] || echo "HTTP $st $(head -c 200 "$LOGS/emergency-a.json")")"
    t="$(laptop_now "$sb" bob)"
    agent_verify "$sb" bob "$pc" "$t"
    expect_ok "two instances: the passcode kind verifies offline on B's laptop"
    validate "two instances: B's validate refuses it (online use off)" bob "$pc" reject "$b"
    emergency_at PUT "" '{"online_use":true}'
    check "two instances: A switches online use on" "$([ "$st" = 200 ] || echo "HTTP $st $(head -c 200 "$LOGS/emergency-a.json")")"
    validate "two instances: B's validate accepts it now" bob "$pc" accept "$b"
    validate "two instances: and the tokencode kind alone" bob "$tc" accept "$b"
    local old_pc="$pc"
    emergency_at POST /reset
    tc2="$tc"; pc2="$pc"
    check "two instances: A resets them: new codes" \
        "$([ "$st" = 200 ] && [ -n "$pc2" ] && [ -n "$tc2" ] && [ "$pc2" != "$old_pc" ] || echo "HTTP $st $(head -c 200 "$LOGS/emergency-a.json")")"
    t="$(laptop_now "$sb" bob)"
    agent_verify "$sb" bob "$pc2" "$t"
    expect_refused "two instances: B's laptop does not have them before its next online authentication"
    online "$sb" bob "$b" "$key2"
    expect_ok "two instances: bob's next online authentication at B"
    t="$(laptop_now "$sb" bob)"
    agent_verify "$sb" bob "$pc2" "$t"
    expect_ok "two instances: it downloaded A's new passcode kind"
    agent_verify "$sb" bob "$tc2" "$t"
    expect_ok "two instances: and the new tokencode kind"
    emergency_at PUT "" '{"online_use":true}'
    validate "two instances: with online use on at A, B accepts the new code" bob "$pc2" accept "$b"
    emergency_at PUT "" '{"online_use":false}'
    check "two instances: A switches online use off" "$([ "$st" = 200 ] || echo "HTTP $st")"
    validate "two instances: B's validate refuses the code at once" bob "$pc2" reject "$b"

    export LIFELINE_KEYS_KEK="$kek"
    cli audit verify
    unset LIFELINE_KEYS_KEK
    check "two instances: audit verify ok on PostgreSQL" "$([ "$RC" -eq 0 ] && grep -q '^audit chain ok' "$OUT" || echo "exit $RC: $(both_lines)")"
    stop_server "$pida"
    stop_server "$pidb"
    STORE=(--data-dir "$DATA")
}

# --- 7. at the end -------------------------------------------------------------------------------------------
check_end() {
    local hits
    STORE=(--data-dir "$DATA")
    cli audit verify
    check "end: audit verify ok (SQLite)" "$([ "$RC" -eq 0 ] && grep -q '^audit chain ok' "$OUT" || echo "exit $RC: $(both_lines)")"
    if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
        stop_server "$SERVER"
        check "end: server stops with exit 0" "$([ "$STOP_RC" = 0 ] || echo "exit $STOP_RC")"
    fi
    hits="$(grep -lE 'Fatal error|Stack dump|Backtrace|Program crashed' "$LOGS"/*.err "$LOGS"/*.out 2>/dev/null \
        | xargs -r -n1 basename | tr '\n' ' ' || true)"
    check "end: no stack traces in any output" "$([ -z "$hits" ] || echo "in $hits(LIFELINE_E2E_KEEP=1 keeps them)")"
}

# --- main ------------------------------------------------------------------------------------------------
missing=""
if [ ! -x "$BIN" ]; then missing="$missing $BIN (swift build)"; fi
if [ ! -x "$AGENT" ]; then missing="$missing $AGENT (swift build)"; fi
for c in oathtool curl "$PY"; do
    if ! command -v "$c" >/dev/null 2>&1; then missing="$missing $c"; fi
done
if [ -n "$missing" ]; then
    not_ok "prerequisites" "missing$missing"
    summary
    exit 1
fi
PY="$("$PY" -c 'import sys; print(sys.executable)')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-e2e-offline.XXXXXX")"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
SA="$WORK/laptop-alice.json"
SC="$WORK/laptop-carol.json"
SP="$WORK/laptop-pat.json"
cd "$WORK"

if setup; then
    check_online
    check_offline
    if check_policy_change; then
        if skipped emergency; then printf '# emergency skipped (LIFELINE_E2E_SKIP)\n'; else check_emergency; fi
        if skipped lost; then printf '# lost skipped (LIFELINE_E2E_SKIP)\n'; else check_lost; fi
    fi
else
    not_ok "scenarios" "skipped: the set-up failed"
fi
if skipped two_instances; then printf '# two_instances skipped (LIFELINE_E2E_SKIP)\n'; else check_two_instances; fi
check_end

summary
if [ "$FAIL" -gt 0 ]; then exit 1; fi
exit 0
