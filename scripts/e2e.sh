#!/usr/bin/env bash
# End-to-end checks of the real `lifeline` binary: the CLI on SQLite, seeds at rest, `keys rotate` under a
# running server, two servers on one PostgreSQL database racing for one code, graceful shutdown, `serve --demo`,
# configuration errors, TLS on the main listener, slow clients (read and idle timeouts, the connection cap).
#
#   scripts/e2e.sh            (scripts/test.sh runs it after swift test; it does not build)
#
# Needs the debug binary (.build/debug/lifeline: swift build), oathtool, openssl, curl, python3 (stdlib only: scripts/e2e_checks.py)
# and LIFELINE_TEST_POSTGRES_URL: a PostgreSQL server whose user may create databases (scripts/lib/postgres.sh
# pg_start sets it). The run creates a fresh database e2e_<random> there (dropped on exit) and temporary folders for
# SQLite; servers listen on 127.0.0.1 on free ports and are stopped by pid on exit, Ctrl-C or TERM.
#
# Prints "ok - NAME" or "not ok - NAME: REASON" per check, then exactly one line "e2e: N passed, N failed";
# exits 1 when any check failed.
#
# Environment:
#   LIFELINE_BIN        binary under test (default .build/debug/lifeline)
#   PYTHON              Python 3 interpreter (default python3)
#   LIFELINE_E2E_KEEP   1: keep the temporary folder (every command's stdout/stderr) and print its path
#   LIFELINE_E2E_ONLY   space-separated sections that need no database nor earlier sections (demo tls slow_clients directory_users):
#                       run only these
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${LIFELINE_BIN:-$ROOT/.build/debug/lifeline}"
if [ -e "$BIN" ]; then BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"; fi
PY="${PYTHON:-python3}"
HELPER="$ROOT/scripts/e2e_checks.py"
# start_server, wait_ready, stop_server PID [SIGNAL], stop_all_servers (SERVERS, STOP_RC, STOP_SECS)
# shellcheck source=lib/server.sh source-path=SCRIPTDIR
source "$ROOT/scripts/lib/server.sh"

CMD_TIMEOUT=60      # seconds for any one CLI command
READY_TIMEOUT=60    # seconds for a server to answer
STOP_TIMEOUT=10     # seconds for a server to exit after SIGTERM/SIGINT

E2E_NAME=e2e
# shellcheck source=lib/checks.sh source-path=SCRIPTDIR
source "$ROOT/scripts/lib/checks.sh"
WORK=""
LOGS=""
CMD_PID=""          # the command run_cmd is waiting for
PG_ADMIN_URL=""     # set once the e2e database exists, to drop it on exit
PG_DB=""
PSQL=""

# The first line of a file, shortened (for failure reasons).
first_line() {
    if [ -s "$1" ]; then head -n 1 -- "$1" | cut -c1-200; else printf '(empty)'; fi
}

line_count() {
    awk 'END { print NR }' "$1"
}

py() {
    "$PY" "$HELPER" "$@"
}

# --- processes -------------------------------------------------------------------------------------------

# run_cmd CMD [ARG...]: runs the command with a time limit, stdin from /dev/null; sets OUT and ERR (files with
# its stdout and stderr) and RC. Runs in the background so that a TERM/INT trap fires at once.
run_cmd() {
    local n
    n=$(( $(find "$LOGS" -maxdepth 1 -name 'cmd-*.args' | wc -l) + 1 ))
    OUT="$LOGS/cmd-$n.out"
    ERR="$LOGS/cmd-$n.err"
    printf '%q ' "$@" >"$LOGS/cmd-$n.args"
    RC=0
    timeout -k 5 "$CMD_TIMEOUT" "$@" </dev/null >"$OUT" 2>"$ERR" &
    CMD_PID=$!
    wait "$CMD_PID" || RC=$?
    CMD_PID=""
}

cli() {
    run_cmd "$BIN" "$@"
}

# totp SECRET [EPOCH]: the TOTP code at EPOCH (default now).
totp() {
    oathtool --totp -b "$1" --now "@${2:-$(date +%s)}"
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
    if [ "$SUMMARY_DONE" != 1 ]; then
        not_ok "e2e.sh" "stopped early (exit $rc)"
        summary
        if [ "$rc" -eq 0 ]; then rc=1; fi
    fi
    if [ -n "$WORK" ]; then
        if [ "${LIFELINE_E2E_KEEP:-}" = "1" ]; then
            printf 'e2e: kept %s\n' "$WORK" >&2
        else
            cd / && rm -rf -- "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- assertions on the last run_cmd ----------------------------------------------------------------------

# expect_success NAME [STDOUT_REGEX]: exit 0; with a regex, stdout is exactly one line matching it.
expect_success() {
    local name="$1" re="${2:-}" reason=""
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif [ -n "$re" ]; then
        if [ "$(line_count "$OUT")" -ne 1 ]; then
            reason="expected one line on stdout, got $(line_count "$OUT"): $(first_line "$OUT")"
        elif ! grep -Eq -- "$re" "$OUT"; then
            reason="stdout does not match $re: $(first_line "$OUT")"
        fi
    fi
    check "$name" "$reason"
}

# expect_one_line_error NAME [TEXT]: a non-zero exit (not a timeout or signal) with exactly one line on stderr,
# starting "lifeline:" (and containing TEXT if given).
expect_one_line_error() {
    local name="$1" text="${2:-}" reason="" lines
    lines="$(line_count "$ERR")"
    if [ "$RC" -eq 0 ]; then
        reason="exit 0, expected a failure"
    elif [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        reason="still running after $CMD_TIMEOUT s"
    elif [ "$RC" -gt 128 ]; then
        reason="killed by signal $((RC - 128))"
    elif [ "$lines" -ne 1 ]; then
        reason="expected one line on stderr, got $lines: $(tr '\n' '|' <"$ERR" | cut -c1-200)"
    elif ! grep -q '^lifeline: ' "$ERR"; then
        reason="stderr does not start with 'lifeline:': $(first_line "$ERR")"
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$ERR"; then
        reason="stderr does not mention $text: $(first_line "$ERR")"
    fi
    check "$name" "$reason"
}

# --- 1. CLI on SQLite ------------------------------------------------------------------------------------
SQLITE_DIR=""
SECRET=""
VALIDATE_KEY=""

check_cli() {
    local d="$WORK/sqlite" reason
    SQLITE_DIR="$d"

    cli migrate --data-dir "$d"
    expect_success "cli: migrate"
    cli tenant create acme --data-dir "$d"
    expect_success "cli: tenant create acme"
    cli tenant create acme --data-dir "$d"
    expect_one_line_error "cli: duplicate tenant create acme fails with one line"
    cli tenant create Bad_Name --data-dir "$d"
    expect_one_line_error "cli: tenant create Bad_Name fails with one line"
    cli user create --tenant acme alice --email alice@acme.example --phone "+420 777 123 789" --data-dir "$d"
    expect_success "cli: user create alice with email and phone"
    cli user create --tenant acme bob --phone "777 12" --data-dir "$d"
    expect_one_line_error "cli: user create with a bad phone fails with one line"

    SECRET="$(py secret)"
    cli token enroll --tenant acme --user alice --type totp --secret "$SECRET" --data-dir "$d"
    expect_success "cli: token enroll prints one otpauth://totp/ line" '^otpauth://totp/'
    reason=""
    if ! grep -qF "secret=$SECRET" "$OUT"; then reason="the URI does not carry the imported secret"; fi
    check "cli: token enroll URI carries the imported secret" "$reason"
    cli token enroll --tenant acme --user nobody --type totp --data-dir "$d"
    expect_one_line_error "cli: token enroll for an unknown user fails with one line"

    cli token list --tenant acme --data-dir "$d"
    reason=""
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif ! grep -Pq '^[0-9a-f-]{36}\talice\ttotp\t' "$OUT"; then
        reason="no totp token of alice in: $(tr '\n' '|' <"$OUT" | cut -c1-200)"
    fi
    check "cli: token list shows alice's token" "$reason"

    cli apikey create --scope validate --tenant acme --data-dir "$d"
    expect_success "cli: apikey create prints one ll_ key" '^ll_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}$'
    VALIDATE_KEY="$(head -n 1 "$OUT")"
    cli apikey create --scope bogus --data-dir "$d"
    expect_one_line_error "cli: apikey create --scope bogus fails with one line"
    cli apikey create --scope admin --expires-in 0d --data-dir "$d"
    expect_one_line_error "cli: apikey create --expires-in 0d fails with one line"
    cli apikey create --scope admin --expires-in 2001-01-01 --data-dir "$d"
    expect_one_line_error "cli: apikey create with an expiry in the past fails with one line" "future"
    cli apikey revoke not-an-id --data-dir "$d"
    expect_one_line_error "cli: apikey revoke of a malformed id fails with one line"
    cli apikey revoke AAAAAAAAAAAA --data-dir "$d"
    expect_one_line_error "cli: apikey revoke of an unknown id fails with one line" "no such API key"

    cli audit verify --data-dir "$d"
    expect_success "cli: audit verify ok" '^audit chain ok: [0-9]+ events in [0-9]+ chains$'

    # Tamper with a copy, so that the other checks keep an intact chain.
    local t="$WORK/tampered"
    cp -a -- "$d" "$t"
    reason=""
    if ! py tamper "$t/lifeline.sqlite" 2 >"$LOGS/tamper.err" 2>&1; then
        reason="could not tamper: $(first_line "$LOGS/tamper.err")"
    else
        cli audit verify --data-dir "$t"
        if [ "$RC" -ne 1 ]; then
            reason="exit $RC (expected 1), stdout: $(first_line "$OUT")"
        elif ! grep -q '^audit chain broken at event 2 of chain ' "$OUT"; then
            reason="stdout: $(first_line "$OUT")"
        fi
    fi
    check "cli: audit verify detects the tampered event 2" "$reason"

    # An anchor kept outside the database shows a tail cut (events deleted, head moved back) and refuses a forgery.
    local anchor="$WORK/audit-anchor.json" cut="$WORK/cut"
    cli audit anchor --out "$anchor" --data-dir "$d"
    expect_success "cli: audit anchor writes the heads" '^anchored [0-9]+ chains to .*: [^ ]+ event [0-9]+'
    cli audit verify --anchor "$anchor" --data-dir "$d"
    expect_success "cli: audit verify --anchor ok" '^audit chain ok: [0-9]+ events in [0-9]+ chains; holds the heads of the [0-9]+ chains anchored at '
    cp -a -- "$d" "$cut"
    reason=""
    if ! py cut-tail "$cut/lifeline.sqlite" 2 >"$LOGS/cut.err" 2>&1; then
        reason="could not cut the tail: $(first_line "$LOGS/cut.err")"
    else
        cli audit verify --anchor "$anchor" --data-dir "$cut"
        if [ "$RC" -ne 1 ]; then
            reason="exit $RC (expected 1), stdout: $(first_line "$OUT")"
        elif ! grep -q '^audit chain broken at event [0-9]* of chain .*(tail cut)$' "$OUT"; then
            reason="stdout: $(first_line "$OUT")"
        fi
    fi
    check "cli: audit verify --anchor detects the cut tail" "$reason"
    reason=""
    if ! py forge-anchor "$anchor" "$WORK/forged-anchor.json" >"$LOGS/forge.err" 2>&1; then
        reason="could not forge: $(first_line "$LOGS/forge.err")"
    else
        cli audit verify --anchor "$WORK/forged-anchor.json" --data-dir "$cut"
        if [ "$RC" -eq 0 ]; then
            reason="exit 0 for a forged anchor, stdout: $(first_line "$OUT")"
        elif ! grep -q 'anchor is refused' "$ERR"; then
            reason="stderr: $(first_line "$ERR")"
        fi
    fi
    check "cli: audit verify --anchor refuses a forged anchor" "$reason"
}

# --- 1b. tenant apply -f (recovery configuration from YAML) ---------------------------------------------
check_apply() {
    local d="$WORK/apply" good="$ROOT/Sources/LifelineApp/Resources/demo-tenant.yaml" bad="$WORK/bad-tenant.yaml" reason=""
    # Operator commands refuse a data folder that holds no database (issue 13 item 4): no false "ok" from nothing.
    cli audit verify --data-dir "$WORK/no-such-dir"
    expect_one_line_error "cli: audit verify on a missing data folder fails with one line" "no Lifeline database"
    check "cli: the missing data folder is not created" "$([ ! -e "$WORK/no-such-dir" ] || echo "it was created")"
    mkdir -p "$WORK/empty-dir"
    cli tenant apply -f "$good" --data-dir "$WORK/empty-dir"
    expect_one_line_error "cli: tenant apply on an empty data folder fails with one line" "no Lifeline database"
    check "cli: no database is created in the empty folder" "$([ ! -e "$WORK/empty-dir/lifeline.sqlite" ] || echo "it was created")"
    cli migrate --data-dir "$d"
    expect_success "cli: migrate (apply)"
    cli tenant apply -f "$good" --data-dir "$d"
    expect_success "cli: tenant apply creates the demo tenant" '^created tenant demo'
    cli tenant apply -f "$good" --data-dir "$d"
    expect_success "cli: tenant apply again is idempotent" '^tenant demo is unchanged$'
    # An unsafe design: questions alone must not unlock an emergency code.
    sed -e 's/steps: \[email, questions\]/steps: [questions]/' -e 's/actions: \[unlock-account, selfservice\]/actions: [emergency-code]/' "$good" >"$bad"
    cli tenant apply -f "$bad" --data-dir "$d"
    expect_one_line_error "cli: tenant apply refuses a questions-only flow unlocking emergency-code, with its line" "cannot unlock emergency-code"
    if ! grep -Eq 'line [0-9]+: recovery\.flows\.1\.actions' "$ERR"; then reason="no line number/path in: $(first_line "$ERR")"; fi
    check "cli: tenant apply names the line and path of the problem" "$reason"
    # Unknown keys are refused at every level, naming the path (issue 13 item 4): a misspelt limit is no silent default.
    sed -e 's/^    wrong_per_step: 5$/    wrong_per_stp: 2/' "$good" >"$bad"
    cli tenant apply -f "$bad" --data-dir "$d"
    expect_one_line_error "cli: tenant apply refuses the misspelt limits.wrong_per_stp, naming its path" "recovery.limits.wrong_per_stp: is not a known key"
    printf 'bogus_key: 1\n' | cat "$good" - >"$bad"
    cli tenant apply -f "$bad" --data-dir "$d"
    expect_one_line_error "cli: tenant apply refuses a top-level bogus_key" "bogus_key: is not a known key"
    printf 'tenant: demo\nrecovery:\n  flows: [\n' >"$bad"
    cli tenant apply -f "$bad" --data-dir "$d"
    expect_one_line_error "cli: tenant apply refuses malformed YAML with one line" "not valid YAML"
    cli tenant apply -f "$good" --data-dir "$d"
    expect_success "cli: refused files changed nothing" '^tenant demo is unchanged$'
    cli user create --tenant demo alice --phone "+420777123789" --data-dir "$d"
    cli user answers --tenant demo alice --answer pet=Rex --answer city=Brno --data-dir "$d"
    expect_success "cli: user answers stores answers" '^stored 2 answers for alice$'
    cli user answers --tenant demo alice --answer colour=blue --data-dir "$d"
    expect_one_line_error "cli: user answers refuses a question outside the catalog" "not in the tenant's catalog"
}

# --- 1d. users from CSV and from the directory (issue 15) ---------------------------------------------------
check_directory_users() {
    local d="$WORK/dirusers" good="$ROOT/Sources/LifelineApp/Resources/demo-tenant.yaml" csv="$WORK/users.csv" reason=""
    cli migrate --data-dir "$d"
    cli tenant apply -f "$good" --data-dir "$d"
    expect_success "directory: tenant apply (demo)" '^created tenant demo'
    # Columns in any order, an RFC 4180 quoted field with a comma, a bad phone on line 4 (refused, the rest goes on).
    printf 'email,username,display_name,phone\nann@example.org,ann,"Ann, the first",+47 912 34 567\nbob@example.org,bob,,\n,cy,,912 34\n' >"$csv"
    cli user import --tenant demo "$csv" --data-dir "$d"
    reason=""
    if [ "$RC" -ne 0 ]; then reason="exit $RC: $(first_line "$ERR")"
    elif [ "$(first_line "$OUT")" != "created 2, updated 0, unchanged 0, refused 1" ]; then reason="summary: $(first_line "$OUT")"
    elif ! grep -q '^refused line 4: phone number' "$OUT"; then reason="no 'refused line 4: phone number…' in: $(tr '\n' '|' <"$OUT")"
    elif grep -q $'\r' "$ERR"; then reason="a progress bar with control characters on a non-terminal"
    fi
    check "directory: user import creates 2, refuses line 4 and names it" "$reason"
    cli user import --tenant demo "$csv" --data-dir "$d"
    reason="$([ "$(first_line "$OUT")" = "created 0, updated 0, unchanged 2, refused 1" ] || echo "summary: $(first_line "$OUT") $(first_line "$ERR")")"
    check "directory: user import again changes nothing" "$reason"
    printf 'username,mobile\nann,+4791234567\n' >"$csv"
    cli user import --tenant demo "$csv" --data-dir "$d"
    expect_one_line_error "directory: user import refuses an unknown column by name" "unknown column 'mobile'"

    # The sync against the test suite's slapd (scripts/test.sh starts it and exports LIFELINE_TEST_LDAP_*).
    if [ -z "${LIFELINE_TEST_LDAP_URL:-}" ] || ! command -v ldapadd >/dev/null 2>&1; then
        not_ok "directory: sync" "LIFELINE_TEST_LDAP_URL is not set or ldapadd is missing (run scripts/test.sh)"
        return
    fi
    local ou="e2e-$(py secret | tr -dc 'a-z0-9' | head -c 8)" cfg="$WORK/dir-config.yaml" tenant="$WORK/dir-tenant.yaml"
    local base="ou=$ou,ou=people,$LIFELINE_TEST_LDAP_BASE_DN"
    printf 'dn: %s\nobjectClass: organizationalUnit\nou: %s\n\n' "$base" "$ou" >"$WORK/dir.ldif"
    for u in dora eve; do
        printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: Test\nmail: %s@example.org\nmobile: +420 777 000 11%s\n\n' \
            "$u" "$base" "$u" "$u" "$u" "${#u}" >>"$WORK/dir.ldif"
    done
    run_cmd ldapadd -x -H "$LIFELINE_TEST_LDAP_URL" -D "$LIFELINE_TEST_LDAP_ADMIN_DN" -w "$LIFELINE_TEST_LDAP_ADMIN_PASSWORD" -f "$WORK/dir.ldif"
    check "directory: test users added to slapd" "$([ "$RC" -eq 0 ] || echo "ldapadd: exit $RC $(first_line "$ERR")")"
    printf 'directories:\n  corp:\n    url: %s\n    bindDN: %s\n    bindPasswordEnv: LIFELINE_TEST_LDAP_BIND_PASSWORD\n    baseDNs: [ "%s" ]\n    tenants: [ demo ]\n' \
        "$LIFELINE_TEST_LDAP_URL" "$LIFELINE_TEST_LDAP_BIND_DN" "$LIFELINE_TEST_LDAP_BASE_DN" >"$cfg"
    sed -e 's/^    type: builtin$/    type: ldap\n    ldap: { connection: corp, base_dn: "'"$base"'" }\n    users: { sync_interval: 0 }/' "$good" >"$tenant"
    cli tenant apply -f "$tenant" --config "$cfg" --data-dir "$d"
    expect_success "directory: tenant apply with directory.users"
    cli directory sync --tenant demo --config "$cfg" --data-dir "$d"
    expect_success "directory: sync creates the 2 users of the OU" '^created 2, updated 0, disabled 0, unchanged 0, refused 0$'
    run_cmd ldapdelete -x -H "$LIFELINE_TEST_LDAP_URL" -D "$LIFELINE_TEST_LDAP_ADMIN_DN" -w "$LIFELINE_TEST_LDAP_ADMIN_PASSWORD" "uid=eve,$base"
    cli directory sync --tenant demo --config "$cfg" --data-dir "$d"
    expect_success "directory: sync disables the user removed from the directory" '^created 0, updated 0, disabled 1, unchanged 1, refused 0$'
    cli directory status --tenant demo --config "$cfg" --data-dir "$d"
    reason="$(grep -q '^last_sync.*disabled 1' "$OUT" || echo "no last_sync with disabled 1: $(tr '\n' '|' <"$OUT")")"
    check "directory: status shows the last sync" "$reason"
}

# --- 1c. console operators (docs/console.md) -------------------------------------------------------------
check_operators() {
    local d="$WORK/apply" reason="" lines
    cli operator create Alex --role helpdesk --tenant demo --data-dir "$d"
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif ! grep -Eq '^http://127\.0\.0\.1:8080/console/enrol/[A-Za-z0-9_-]{43}$' "$OUT"; then
        reason="no enrolment URL on a line of its own: $(tr '\n' '|' <"$OUT")"
    fi
    check "cli: operator create prints the enrolment URL on a line of its own" "$reason"
    cli operator create root --role superuser --data-dir "$d"
    lines=$(line_count "$OUT")
    check "cli: operator create makes a global superuser" "$([ "$RC" -eq 0 ] && [ "$lines" -eq 2 ] || echo "exit $RC: $(first_line "$ERR")")"
    # The issue's form: `--role superuser [--tenant T]`; the tenant must exist, and the superuser stays global.
    cli operator create root2 --role superuser --tenant demo --data-dir "$d"
    reason=""
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif ! grep -Eq '^http://127\.0\.0\.1:8080/console/enrol/[A-Za-z0-9_-]{43}$' "$OUT"; then
        reason="no enrolment URL on a line of its own: $(tr '\n' '|' <"$OUT")"
    fi
    check "cli: operator create --role superuser --tenant T prints the enrolment URL" "$reason"
    cli operator create root3 --role superuser --tenant nowhere --data-dir "$d"
    expect_one_line_error "cli: operator create --role superuser refuses an unknown tenant" "no such tenant"
    cli operator create alex --role auditor --tenant demo --data-dir "$d"
    expect_one_line_error "cli: operator create refuses a taken name" "exists"
    cli operator create bob --role helpdesk --tenant nowhere --data-dir "$d"
    expect_one_line_error "cli: operator create refuses an unknown tenant" "no such tenant"
    cli operator create carol --role tenant-admin --data-dir "$d"
    expect_one_line_error "cli: operator create refuses a scoped role without a tenant" "at least one tenant"
    cli operator list --data-dir "$d"
    reason=""
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif ! grep -Pq '^alex\thelpdesk\tpending\tdemo$' "$OUT" || ! grep -Pq '^root\tsuperuser\tpending\t\*$' "$OUT" \
        || ! grep -Pq '^root2\tsuperuser\tpending\t\*$' "$OUT"; then
        reason="stdout: $(tr '\n' '|' <"$OUT")"
    fi
    check "cli: operator list shows name, role, state and organizations" "$reason"
    cli operator disable alex --data-dir "$d"
    expect_success "cli: operator disable" '^operator alex is disabled$'
}

# --- 2. seeds never on disk ------------------------------------------------------------------------------

# check_seeds LABEL: the SQLite files (database, WAL, shared memory) hold no form of SECRET.
check_seeds() {
    local label="$1" reason="" files=() f found
    for f in "$SQLITE_DIR"/lifeline.sqlite*; do
        if [ -f "$f" ]; then files+=("$f"); fi
    done
    if [ -z "$SECRET" ] || [ "${#files[@]}" -eq 0 ]; then
        reason="no secret enrolled or no SQLite files in $SQLITE_DIR"
    elif ! found="$(py scan "$SECRET" "${files[@]}")"; then
        reason="found the secret: $found"
    fi
    check "seeds: not in the SQLite files $label (${#files[@]} files)" "$reason"
}

check_modes() {
    local label="$1" mode
    mode="$(stat -c %a "$SQLITE_DIR/keys.json" 2>/dev/null || echo missing)"
    check "seeds: keys.json is mode 600 $label" "$([ "$mode" = 600 ] || echo "mode $mode")"
}

# --- 3. keys rotate under a running server ---------------------------------------------------------------
check_rotate() {
    local port base pid reason now code result second
    port="$(py free-port)"
    base="http://127.0.0.1:$port"
    start_server rotate-server serve --data-dir "$SQLITE_DIR" --port "$port"
    pid="$SERVER_PID"
    reason="$(wait_ready "$base" "$pid")"
    check "rotate: server ready on the SQLite data folder" "$reason"
    if [ -n "$reason" ]; then
        not_ok "rotate: validations around keys rotate" "no server (log: $(first_line "$LOGS/rotate-server.err"))"
        stop_server "$pid" TERM
        return 0
    fi

    now="$(date +%s)"
    result="$(py validate "$base" "$VALIDATE_KEY" acme alice "$(totp "$SECRET" "$now")")"
    check "rotate: validate before the rotation accepts" "$([ "$result" = accept ] || echo "$result")"

    # A key revoked by the CLI is refused by the running server within 5 s (it re-reads a cached key every 2 s).
    # Validations name an unknown user, so the probe costs no token a failure.
    local key id
    cli apikey create --scope validate --tenant acme --name e2e-revoke --expires-in 1d --data-dir "$SQLITE_DIR"
    key="$(head -n 1 "$OUT")"
    id="$(printf '%s' "$key" | cut -d_ -f2)"
    result="$(py validate "$base" "$key" acme nobody 000000)"
    check "apikey: a new key (created by the CLI) works at once on the running server" "$([ "$result" = reject ] || echo "$result")"
    cli apikey revoke "$id" --data-dir "$SQLITE_DIR"
    expect_success "apikey: revoke prints 'revoked ID at TIME'" "^revoked $id at "
    result="$(py refused-within "$base" "$key" acme nobody 000000 --timeout 5)"
    check "apikey: the running server refuses the revoked key within 5 s ($result)" "$(case "$result" in refused*) ;; *) echo "$result" ;; esac)"
    cli apikey list --tenant acme --data-dir "$SQLITE_DIR"
    check "apikey: list shows the key revoked and no secret" \
        "$(grep -q "^$id	validate	acme	revoked	" "$OUT" && ! grep -q "$(printf '%s' "$key" | cut -d_ -f3)" "$OUT" || echo "$(tr '\n' '|' <"$OUT" | cut -c1-200)")"

    cli keys rotate --data-dir "$SQLITE_DIR"
    reason=""
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif ! grep -qx 're-encrypted 1 secrets' "$OUT"; then
        reason="stdout: $(tr '\n' '|' <"$OUT" | cut -c1-200)"
    fi
    check "rotate: keys rotate prints 're-encrypted 1 secrets' while the server runs" "$reason"

    code="$(totp "$SECRET" $((now + 30)))"
    result="$(py validate "$base" "$VALIDATE_KEY" acme alice "$code")"
    check "rotate: validate with the next step's code accepts after the rotation (no restart)" \
        "$([ "$result" = accept ] || echo "$result")"

    # A token enrolled after the rotation is encrypted only under the new key: the running server must load it.
    second="$(py secret)"
    cli user create --tenant acme carol --data-dir "$SQLITE_DIR"
    reason="$([ "$RC" -eq 0 ] || echo "user create: exit $RC, $(first_line "$ERR")")"
    if [ -z "$reason" ]; then
        cli token enroll --tenant acme --user carol --type totp --secret "$second" --data-dir "$SQLITE_DIR"
        reason="$([ "$RC" -eq 0 ] || echo "token enroll: exit $RC, $(first_line "$ERR")")"
    fi
    if [ -z "$reason" ]; then
        result="$(py validate "$base" "$VALIDATE_KEY" acme carol "$(totp "$second")")"
        reason="$([ "$result" = accept ] || echo "$result")"
    fi
    check "rotate: a token enrolled under the new key validates on the running server" "$reason"

    # Lost token (issue 17, docs/lost-token.md): the CLI marks carol's token lost and prints the temporary code on its
    # last line; the running server accepts it (twice: multi-use); after `token enable` (found) it is refused.
    local lost_id lost_code
    cli token list --tenant acme --user carol --data-dir "$SQLITE_DIR"
    lost_id="$(sed -n 2p "$OUT" | cut -f1)"
    cli token lost --tenant acme --token "$lost_id" --data-dir "$SQLITE_DIR"
    lost_code="$(tail -n 1 "$OUT")"
    reason=""
    if [ "$RC" -ne 0 ]; then reason="exit $RC, $(first_line "$ERR")"
    elif ! printf '%s' "$lost_code" | grep -Eq '^[2-9A-HJKMNP-Z]{12}$'; then reason="last line: $lost_code"
    elif ! grep -q 'disabled' "$OUT" || ! grep -q 'until' "$OUT"; then reason="stdout: $(tr '\n' '|' <"$OUT" | cut -c1-200)"; fi
    check "lost: token lost prints the validity, then a 12-character code on its last line" "$reason"
    result="$(py validate "$base" "$VALIDATE_KEY" acme carol "$lost_code")"
    check "lost: validate accepts the temporary code" "$([ "$result" = accept ] || echo "$result")"
    result="$(py validate "$base" "$VALIDATE_KEY" acme carol "$lost_code")"
    check "lost: validate accepts it again (multi-use)" "$([ "$result" = accept ] || echo "$result")"
    cli token enable --tenant acme --token "$lost_id" --data-dir "$SQLITE_DIR"
    check "lost: token enable (found) exits 0" "$([ "$RC" -eq 0 ] || echo "exit $RC, $(first_line "$ERR")")"
    result="$(py validate "$base" "$VALIDATE_KEY" acme carol "$lost_code")"
    check "lost: after token enable the temporary code is refused" "$([ "$result" = reject ] || echo "$result")"

    cli audit verify --data-dir "$SQLITE_DIR"
    expect_success "rotate: audit verify ok while the server runs" '^audit chain ok: [0-9]+ events in [0-9]+ chains$'

    check_seeds "while the server runs, after rotation"
    check_modes "after rotation"

    stop_server "$pid" TERM
    check "rotate: server stops with exit 0" "$([ "$STOP_RC" = 0 ] || echo "exit $STOP_RC")"
}

# --- 3b. saved recovery codes (issue 14 item 9): CLI issue, validate with and without separators, once --------
check_recovery_codes() {
    local port base pid reason result first second plain
    cli recovery-codes issue --tenant acme --user alice --data-dir "$SQLITE_DIR"
    reason=""
    if [ "$RC" -ne 0 ]; then
        reason="exit $RC, stderr: $(first_line "$ERR")"
    elif [ "$(line_count "$OUT")" -ne 10 ] || [ "$(grep -Ec '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$' "$OUT")" -ne 10 ]; then
        reason="expected 10 codes XXXX-XXXX-XXXX-XXXX, got: $(tr '\n' '|' <"$OUT" | cut -c1-200)"
    fi
    check "recovery codes: issue prints 10 grouped codes, one a line" "$reason"
    first="$(sed -n 1p "$OUT")"
    second="$(sed -n 2p "$OUT")"
    plain="$(printf '%s' "$second" | tr -d '-' | tr 'A-Z' 'a-z')"
    cli recovery-codes status --tenant acme --user alice --data-dir "$SQLITE_DIR"
    expect_success "recovery codes: status prints 10" '^10$'

    port="$(py free-port)"
    base="http://127.0.0.1:$port"
    start_server codes-server serve --data-dir "$SQLITE_DIR" --port "$port"
    pid="$SERVER_PID"
    reason="$(wait_ready "$base" "$pid")"
    check "recovery codes: server ready" "$reason"
    if [ -z "$reason" ]; then
        result="$(py validate "$base" "$VALIDATE_KEY" acme alice "$first")"
        check "recovery codes: validate accepts a code as printed" "$([ "$result" = accept ] || echo "$result")"
        result="$(py validate "$base" "$VALIDATE_KEY" acme alice "$plain")"
        check "recovery codes: validate accepts a code without separators, in lower case" "$([ "$result" = accept ] || echo "$result")"
        result="$(py validate "$base" "$VALIDATE_KEY" acme alice "$first")"
        check "recovery codes: a second use of a code is rejected" "$([ "$result" = reject ] || echo "$result")"
    fi
    stop_server "$pid" TERM

    cli recovery-codes status --tenant acme --user alice --data-dir "$SQLITE_DIR"
    expect_success "recovery codes: status prints 8 after two uses" '^8$'
    cli recovery-codes revoke --tenant acme --user alice --data-dir "$SQLITE_DIR"
    expect_success "recovery codes: revoke"
    cli recovery-codes status --tenant acme --user alice --data-dir "$SQLITE_DIR"
    expect_success "recovery codes: status prints 0 after revoke" '^0$'
    cli recovery-codes issue --tenant acme --user nobody --data-dir "$SQLITE_DIR"
    expect_one_line_error "recovery codes: issue for an unknown user fails with one line"
    cli audit verify --data-dir "$SQLITE_DIR"
    expect_success "recovery codes: audit verify ok" '^audit chain ok: [0-9]+ events in [0-9]+ chains$'
}

# --- 4. two servers on one PostgreSQL database -----------------------------------------------------------
check_postgres() {
    local url="${LIFELINE_TEST_POSTGRES_URL:-}" base query pg_url reason secret key kek port1 port2 pid1 pid2 b1 b2
    local result rc1 rc2
    if [ -z "$url" ]; then
        not_ok "postgres: fresh database" "LIFELINE_TEST_POSTGRES_URL is not set (scripts/lib/postgres.sh pg_start)"
        return 0
    fi
    PSQL="psql"
    if [ -n "${LIFELINE_PG_BINDIR:-}" ] && [ -x "$LIFELINE_PG_BINDIR/psql" ]; then PSQL="$LIFELINE_PG_BINDIR/psql"; fi
    if ! command -v "$PSQL" >/dev/null 2>&1; then
        not_ok "postgres: fresh database" "psql not found"
        PSQL=""
        return 0
    fi
    local db
    db="e2e_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    query=""
    base="${url%%\?*}"
    if [ "$base" != "$url" ]; then query="?${url#*\?}"; fi
    pg_url="${base%/*}/$db$query"
    run_cmd "$PSQL" "$url" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
    if [ "$RC" -ne 0 ]; then
        not_ok "postgres: fresh database" "CREATE DATABASE: exit $RC, $(first_line "$ERR")"
        return 0
    fi
    PG_ADMIN_URL="$url"
    PG_DB="$db"
    ok "postgres: fresh database $db"

    # Several servers share one database: the key-encryption key comes from the environment, not a file.
    kek="$(py kek)"
    LIFELINE_KEYS_KEK="$kek"
    export LIFELINE_KEYS_KEK

    cli migrate --database "$pg_url"
    expect_success "postgres: migrate"

    secret="$(py secret)"
    reason=""
    cli tenant create acme --database "$pg_url"
    if [ "$RC" -ne 0 ]; then reason="tenant create: exit $RC, $(first_line "$ERR")"; fi
    if [ -z "$reason" ]; then
        cli user create --tenant acme alice --database "$pg_url"
        if [ "$RC" -ne 0 ]; then reason="user create: exit $RC, $(first_line "$ERR")"; fi
    fi
    if [ -z "$reason" ]; then
        cli token enroll --tenant acme --user alice --type totp --secret "$secret" --database "$pg_url"
        if [ "$RC" -ne 0 ]; then reason="token enroll: exit $RC, $(first_line "$ERR")"; fi
    fi
    if [ -z "$reason" ]; then
        cli apikey create --scope validate --tenant acme --database "$pg_url"
        if [ "$RC" -ne 0 ]; then reason="apikey create: exit $RC, $(first_line "$ERR")"; fi
        key="$(head -n 1 "$OUT")"
    fi
    check "postgres: tenant, user, token and validate key through the CLI" "$reason"
    if [ -n "$reason" ]; then
        unset LIFELINE_KEYS_KEK
        return 0
    fi

    port1="$(py free-port)"
    start_server pg-server-1 serve --database "$pg_url" --port "$port1"
    pid1="$SERVER_PID"
    port2="$(py free-port)"
    while [ "$port2" = "$port1" ]; do port2="$(py free-port)"; done
    start_server pg-server-2 serve --database "$pg_url" --port "$port2"
    pid2="$SERVER_PID"
    unset LIFELINE_KEYS_KEK
    b1="http://127.0.0.1:$port1"
    b2="http://127.0.0.1:$port2"
    reason="$(wait_ready "$b1" "$pid1")"
    if [ -n "$reason" ]; then reason="server 1: $reason"; else
        reason="$(wait_ready "$b2" "$pid2")"
        if [ -n "$reason" ]; then reason="server 2: $reason"; fi
    fi
    check "postgres: two servers ready on one database" "$reason"

    if [ -z "$reason" ]; then
        result="$(py race --key "$key" --tenant acme --user alice --code "$(totp "$secret")" --count 50 "$b1" "$b2")"
        check "postgres: 50 concurrent validations of one code over two servers: exactly 1 accept" \
            "$([ "$result" = "accept=1 reject=49 other=0" ] || echo "$result")"
    fi

    # The chain is keyed with the servers' KEK: verifying needs the same key.
    export LIFELINE_KEYS_KEK="$kek"
    cli audit verify --database "$pg_url"
    unset LIFELINE_KEYS_KEK
    expect_success "postgres: audit verify ok" '^audit chain ok: [0-9]+ events in [0-9]+ chains$'

    stop_server "$pid1" TERM
    rc1="$STOP_RC"
    stop_server "$pid2" TERM
    rc2="$STOP_RC"
    check "postgres: both servers stop with exit 0" \
        "$([ "$rc1" = 0 ] && [ "$rc2" = 0 ] || echo "server 1: exit $rc1, server 2: exit $rc2")"
}

# --- 5. graceful shutdown --------------------------------------------------------------------------------
check_shutdown() {
    local sig port base pid reason st
    for sig in TERM INT; do
        port="$(py free-port)"
        base="http://127.0.0.1:$port"
        start_server "shutdown-$sig" serve --data-dir "$SQLITE_DIR" --port "$port"
        pid="$SERVER_PID"
        reason="$(wait_ready "$base" "$pid")"
        if [ -z "$reason" ]; then
            st="$(py status "$base/ready")"
            if [ "$st" != 200 ]; then reason="GET /ready: $st"; fi
        fi
        check "shutdown: GET /ready is 200 before SIG$sig" "$reason"
        stop_server "$pid" "$sig"
        reason=""
        if [ "$STOP_RC" = timeout ]; then
            reason="still running after $STOP_TIMEOUT s"
        elif [ "$STOP_RC" != 0 ]; then
            reason="exit $STOP_RC after ${STOP_SECS} s"
        elif [ "$(py status "$base/health")" != 0 ]; then
            reason="the port still answers"
        fi
        check "shutdown: SIG$sig exits 0 within $STOP_TIMEOUT s" "$reason"
    done
}

# --- 6. serve --demo -------------------------------------------------------------------------------------
check_demo() {
    local d="$WORK/demo" port base pid keys vkey akey reason result round now
    now="$(date +%s)"
    for round in 1 2; do
        port="$(py free-port)"
        base="http://127.0.0.1:$port"
        start_server "demo-$round" serve --demo --data-dir "$d" --port "$port"
        pid="$SERVER_PID"
        reason=""
        if ! keys="$(py banner "$LOGS/demo-$round.out" --pid "$pid" --timeout "$READY_TIMEOUT" 2>"$LOGS/demo-$round.banner")"; then
            reason="$(first_line "$LOGS/demo-$round.banner"); stderr: $(first_line "$LOGS/demo-$round.err")"
        fi
        if [ "$round" = 1 ]; then
            check "demo: banner prints validate: and admin: keys" "$reason"
        else
            check "demo: restart on the same folder prints the banner again" "$reason"
        fi
        if [ -z "$reason" ]; then
            vkey="${keys% *}"
            akey="${keys#* }"
            # Round 2 uses the next step's code: round 1's is spent.
            result="$(py validate "$base" "$vkey" demo alice \
                "$(totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP $((now + (round - 1) * 30)))")"
            check "demo: printed validate key accepts alice's code (start $round)" \
                "$([ "$result" = accept ] || echo "$result")"
            result="$(py status "$base/api/v1/admin/tenants" --key "$akey")"
            check "demo: printed admin key lists tenants (start $round)" "$([ "$result" = 200 ] || echo "HTTP $result")"
            if [ "$round" = 1 ]; then
                result="$(py long-poll "$base" 2>&1)"
                check "demo: /dev/outbox.json?wait= answers a waiting request with the SMS as it is sent" \
                    "$([ "$result" = ok ] || echo "$result")"
            fi
        fi
        stop_server "$pid" TERM
        check "demo: server stops with exit 0 (start $round)" "$([ "$STOP_RC" = 0 ] || echo "exit $STOP_RC")"
    done
}

# --- 7. configuration errors -----------------------------------------------------------------------------
check_config() {
    local port base pid reason cfg="$WORK/lifeline.yaml"
    run_cmd env LIFELINE_SERVER_PORT=99999 "$BIN" serve --data-dir "$WORK/config-data"
    expect_one_line_error "config: LIFELINE_SERVER_PORT=99999 fails with one line naming server.port" "server.port"
    cli serve --config /nonexistent.yaml
    expect_one_line_error "config: serve --config /nonexistent.yaml fails with one line"
    printf 'server:\n  port: [1,\n  x: }\n' >"$WORK/bad.yaml"
    cli serve --config "$WORK/bad.yaml" --data-dir "$WORK/config-data"
    expect_one_line_error "config: an invalid YAML file fails with one line" "not valid YAML"
    # Unknown keys in the server's file are refused (issue 13 item 4): `server.prot` must not leave port 8080 in place.
    printf 'server:\n  prot: 80\n' >"$WORK/unknown.yaml"
    cli serve --config "$WORK/unknown.yaml" --data-dir "$WORK/config-data"
    expect_one_line_error "config: serve refuses the unknown key server.prot with one line" "unknown configuration key server.prot"
    printf 'otp:\n  maxfail: 3\n' >"$WORK/unknown.yaml"
    cli tenant list --config "$WORK/unknown.yaml" --data-dir "$WORK/config-data"
    expect_one_line_error "config: any command refuses the unknown key otp.maxfail" "unknown configuration key otp.maxfail"
    # A database that refuses the password must end with one line after the connect deadline, never hang.
    cli tenant list --data-dir "$WORK/config-data" \
        --database "$(printf '%s' "$LIFELINE_TEST_POSTGRES_URL" | sed -E 's#//([^:/@]+):[^@]*@#//\1:wrong-password@#')"
    expect_one_line_error "config: a wrong PostgreSQL password fails with one line" "not reachable"

    port="$(py free-port)"
    base="http://127.0.0.1:$port"
    printf 'server:\n  host: 127.0.0.1\n  port: %s\nstorage:\n  dataDir: %s\n' "$port" "$WORK/yaml-data" >"$cfg"
    start_server yaml serve --config "$cfg"
    pid="$SERVER_PID"
    reason="$(wait_ready "$base" "$pid")"
    if [ -z "$reason" ] && ! grep -qF "listening on http://127.0.0.1:$port " "$LOGS/yaml.out"; then
        reason="stdout: $(first_line "$LOGS/yaml.out")"
    fi
    if [ -z "$reason" ] && [ ! -f "$WORK/yaml-data/lifeline.sqlite" ]; then
        reason="storage.dataDir from the file not used"
    fi
    check "config: server.port (and storage.dataDir) from a YAML file" "$reason"
    stop_server "$pid" TERM
}

# --- 7b. TLS on the main listener ------------------------------------------------------------------------
check_tls() {
    local d="$WORK/tls" port base pid reason cfg result
    mkdir -p "$d"
    # A self-signed certificate for 127.0.0.1, and a second key that does not belong to it.
    if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=127.0.0.1" \
            -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$d/key.pem" -out "$d/cert.pem" \
            >"$LOGS/openssl-req.out" 2>&1 \
        || ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$d/other-key.pem" \
            >"$LOGS/openssl-genpkey.out" 2>&1; then
        not_ok "tls: generate a self-signed certificate with openssl" "$(first_line "$LOGS/openssl-req.out")"
        return
    fi
    chmod 600 "$d/key.pem" "$d/other-key.pem"
    port="$(py free-port)"
    base="https://127.0.0.1:$port"
    cfg="$d/lifeline.yaml"
    tls_config() {   # tls_config CERT KEY: a config with this TLS pair on $port
        printf 'server:\n  host: 127.0.0.1\n  port: %s\n  tls:\n    certificate: %s\n    key: %s\nstorage:\n  dataDir: %s\n' \
            "$port" "$1" "$2" "$d/data" >"$cfg"
    }

    tls_config "$d/cert.pem" "$d/key.pem"
    LIFELINE_SERVER_TIMEOUTS_REQUEST_READ=2 start_server tls serve --config "$cfg"
    pid="$SERVER_PID"
    reason="$({ py wait-http "$base/ready" --cafile "$d/cert.pem" --pid "$pid" --timeout "$READY_TIMEOUT" 2>&1 >/dev/null || true; } | tail -n 1)"
    if [ -z "$reason" ] && ! grep -qF "listening on https://127.0.0.1:$port " "$LOGS/tls.out"; then
        reason="stdout: $(first_line "$LOGS/tls.out")"
    fi
    check "tls: serve with server.tls.certificate and server.tls.key is ready over HTTPS" "$reason"
    result="$(curl -sS --max-time 10 --cacert "$d/cert.pem" -o "$d/health.json" -w '%{http_code} %{ssl_verify_result}' "$base/health" 2>&1 || true)"
    check "tls: curl --cacert gets /health over verified TLS" \
        "$([ "$result" = "200 0" ] && grep -q '"status"' "$d/health.json" || echo "curl: $result $(head -c 200 "$d/health.json" 2>/dev/null)")"
    result="$(openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/cert.pem" -verify_return_error -tls1_2 </dev/null 2>&1 || true)"
    check "tls: openssl s_client verifies the certificate with TLS 1.2" \
        "$(printf '%s' "$result" | grep -q 'Verify return code: 0 (ok)' && ! printf '%s' "$result" | grep -q 'Cipher is (NONE)' \
            || printf '%s' "$result" | grep -m1 -iE 'error|alert|Cipher is' | cut -c1-200)"
    result="$(openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/cert.pem" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1 || true)"
    # The server's answer to a TLS 1.1 hello is the protocol_version alert; an OpenSSL built without TLS 1.1 cannot ask.
    if printf '%s' "$result" | grep -q 'no protocols available'; then
        ok "tls: TLS 1.1 is refused (not checked: this openssl cannot offer TLS 1.1)"
    else
        check "tls: TLS 1.1 is refused" "$(printf '%s' "$result" | grep -q 'alert protocol version' \
            || printf '%s' "$result" | grep -m1 -E 'Protocol|Cipher is' | cut -c1-200)"
    fi
    result="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" 2>/dev/null || true)"
    check "tls: plain HTTP to the TLS port gets no page" "$([ "${result:-000}" = 000 ] || echo "HTTP $result")"
    result="$(curl -sS --max-time 10 --cacert "$d/cert.pem" -o /dev/null -w '%{http_code}' "$base/health" 2>&1 || true)"
    check "tls: the server still answers HTTPS after a plain-HTTP attempt" "$([ "$result" = 200 ] || echo "curl: $result")"
    # server.timeouts.requestRead=2 (issue 13 item 4): no handshake, or half a head after it, is closed.
    result="$(py stall 127.0.0.1 "$port" --cafile "$d/cert.pem" --wait 15 2>&1)"
    check "tls: a connection without a handshake and one with half a request head are closed by the read deadline" \
        "$([ "$result" = "silent_closed=yes tls_closed=yes" ] || echo "$result")"
    stop_server "$pid" TERM
    check "tls: server stops with exit 0" "$([ "$STOP_RC" = 0 ] || echo "exit $STOP_RC")"

    # Bad or missing files: serve refuses to start with one line naming the setting.
    tls_config "$d/cert.pem" "$d/no-such-key.pem"
    cli serve --config "$cfg"
    expect_one_line_error "tls: a missing key file fails with one line naming server.tls.key" "server.tls.key"
    tls_config "$d/no-such-cert.pem" "$d/key.pem"
    cli serve --config "$cfg"
    expect_one_line_error "tls: a missing certificate file fails with one line naming server.tls.certificate" "server.tls.certificate"
    tls_config "$d/key.pem" "$d/key.pem"
    cli serve --config "$cfg"
    expect_one_line_error "tls: a certificate file without a certificate fails with one line naming server.tls.certificate" "server.tls.certificate"
    tls_config "$d/cert.pem" "$d/cert.pem"
    cli serve --config "$cfg"
    expect_one_line_error "tls: a key file without a key fails with one line naming server.tls.key" "server.tls.key"
    tls_config "$d/cert.pem" "$d/other-key.pem"
    cli serve --config "$cfg"
    expect_one_line_error "tls: a key that does not belong to the certificate fails with one line" "server.tls.key"
    printf 'server:\n  port: %s\n  tls:\n    certificate: %s\nstorage:\n  dataDir: %s\n' "$port" "$d/cert.pem" "$d/data" >"$cfg"
    cli serve --config "$cfg"
    expect_one_line_error "tls: a certificate without server.tls.key fails with one line naming server.tls.key" "server.tls.key"
}

# --- 7c. slow clients: read and idle timeouts, the connection cap, no log flood (issue 13 item 4) -----------
# The timeouts and the cap come from LIFELINE_* variables, so that the same check runs against a server that does
# not know them (it then shows the connections held open and the log lines).
log_lines() {   # log_lines NAME: the lines the server NAME wrote so far (stdout and stderr)
    cat "$LOGS/$1.out" "$LOGS/$1.err" 2>/dev/null | awk 'END { print NR }'
}

check_slow_clients() {
    local port mport base pid reason keys vkey before after result
    port="$(py free-port)"
    base="http://127.0.0.1:$port"
    LIFELINE_SERVER_TIMEOUTS_REQUEST_READ=2 LIFELINE_SERVER_TIMEOUTS_IDLE=30 LIFELINE_SERVER_MAX_CONNECTIONS=1000 \
        start_server slow serve --demo --data-dir "$WORK/slow-data" --port "$port"
    pid="$SERVER_PID"
    reason=""
    if ! keys="$(py banner "$LOGS/slow.out" --pid "$pid" --timeout "$READY_TIMEOUT" 2>"$LOGS/slow.banner")"; then
        reason="$(first_line "$LOGS/slow.banner"); stderr: $(first_line "$LOGS/slow.err")"
    fi
    check "slow clients: demo server with server.timeouts.requestRead=2 starts" "$reason"
    if [ -z "$reason" ]; then
        vkey="${keys% *}"
        before="$(log_lines slow)"
        # 200 unfinished heads and 200 unfinished bodies, one byte a second each: a 2 s read deadline closes them all,
        # long before the 15 s this waits (without a deadline they stay open; the idle timeout is 30 s).
        result="$(py slow-clients 127.0.0.1 "$port" --key "$vkey" --aborts 100 --heads 200 --bodies 200 --wait 15 --dribble 1 2>&1)"
        printf '# slow clients: %s\n' "$result"
        check "slow clients: 200 unfinished heads and 200 unfinished bodies are closed by the server" \
            "$([ "${result% meanwhile=*}" = "heads_closed=200/200 bodies_closed=200/200" ] || echo "$result")"
        check "slow clients: GET /health answers 200 while they are open" \
            "$(printf '%s' "$result" | grep -q ' meanwhile=200$' || echo "$result")"
        sleep 2   # lines the server writes as the last ones close
        after="$(log_lines slow)"
        printf '# slow clients: %d log lines\n' "$((after - before))"
        check "slow clients: at most 5 log lines about 400 stalled connections and 100 that left mid-body" \
            "$([ $((after - before)) -le 5 ] || echo "$((after - before)) lines, e.g. $(tail -n 1 "$LOGS/slow.err" | cut -c1-160)")"
        check "slow clients: GET /health answers 200 afterwards" "$(st="$(py status "$base/health")"; [ "$st" = 200 ] || echo "HTTP $st")"
    fi
    stop_server "$pid" TERM

    # The cap: 20 connections held, 10 more are closed at once and counted; a held one still works and is closed
    # when idle (server.timeouts.idle=5; a silent connection is closed then too). The metrics listener has the limits.
    port="$(py free-port)"
    mport="$(py free-port)"
    base="http://127.0.0.1:$port"
    LIFELINE_SERVER_TIMEOUTS_REQUEST_READ=30 LIFELINE_SERVER_TIMEOUTS_IDLE=5 LIFELINE_SERVER_MAX_CONNECTIONS=20 \
        LIFELINE_METRICS_PORT="$mport" LIFELINE_METRICS_HOST=127.0.0.1 \
        start_server cap serve --data-dir "$WORK/cap-data" --port "$port"
    pid="$SERVER_PID"
    reason="$(wait_ready "$base" "$pid")"
    check "connection cap: server with server.maxConnections=20 is ready" "$reason"
    if [ -z "$reason" ]; then
        before="$(log_lines cap)"
        result="$(py conn-cap 127.0.0.1 "$port" --hold 20 --extra 10 --wait 10 2>&1)"
        printf '# connection cap: %s\n' "$result"
        check "connection cap: 10 connections beyond 20 are closed at once" \
            "$(printf '%s' "$result" | grep -q '^refused=10/10 ' || echo "$result")"
        check "connection cap: a held connection still answers GET /health" \
            "$(printf '%s' "$result" | grep -q ' existing=200 ' || echo "$result")"
        check "connection cap: an idle keep-alive connection is closed after server.timeouts.idle" \
            "$(printf '%s' "$result" | grep -q ' idle_closed=yes$' || echo "$result")"
        sleep 1
        check "connection cap: GET /health answers 200 once they are gone" "$(st="$(py status "$base/health")"; [ "$st" = 200 ] || echo "HTTP $st")"
        result="$(py stall 127.0.0.1 "$mport" --wait 15 2>&1)"
        check "connection cap: the metrics listener closes a silent connection" "$([ "$result" = silent_closed=yes ] || echo "$result")"
        result="$(curl -sS --max-time 10 "http://127.0.0.1:$mport/metrics" 2>&1 | grep -E '^lifeline_connections_refused_total\{listener="main"\}' || true)"
        check "connection cap: /metrics counts the refused connections" \
            "$(printf '%s' "$result" | awk '{ if ($NF + 0 >= 10) found = 1 } END { exit !found }' || echo "metric: ${result:-(none)}")"
        after="$(log_lines cap)"
        check "connection cap: at most 5 log lines about them" "$([ $((after - before)) -le 5 ] || echo "$((after - before)) lines")"
    fi
    stop_server "$pid" TERM
}

# --- 8. no crashes anywhere ------------------------------------------------------------------------------
check_no_traces() {
    local hits
    hits="$(grep -lE 'Fatal error|Stack dump|Backtrace|Program crashed' "$LOGS"/*.err "$LOGS"/*.out 2>/dev/null \
        | xargs -r -n1 basename | tr '\n' ' ' || true)"
    check "no stack traces in any output" "$([ -z "$hits" ] || echo "in $hits(LIFELINE_E2E_KEEP=1 keeps them)")"
}

# --- main ------------------------------------------------------------------------------------------------
missing=""
if [ ! -x "$BIN" ]; then missing="$missing $BIN (swift build)"; fi
# oathtool makes TOTP codes, for every section but those LIFELINE_E2E_ONLY may name without demo.
if ! command -v oathtool >/dev/null 2>&1 && { [ -z "${LIFELINE_E2E_ONLY:-}" ] || [[ " $LIFELINE_E2E_ONLY " == *" demo "* ]]; }; then
    missing="$missing oathtool"
fi
if ! command -v openssl >/dev/null 2>&1; then missing="$missing openssl"; fi
if ! command -v curl >/dev/null 2>&1; then missing="$missing curl"; fi
if ! command -v "$PY" >/dev/null 2>&1; then missing="$missing $PY"; fi
if [ -n "$missing" ]; then
    not_ok "prerequisites" "missing$missing"
    summary
    exit 1
fi
# The interpreter itself, not a wrapper script (e.g. a pyenv shim), so that `exec` keeps the server's pid.
PY="$("$PY" -c 'import sys; print(sys.executable)')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-e2e.XXXXXX")"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
# Nothing may land in the repository (e.g. a default ./lifeline-data).
cd "$WORK"

# LIFELINE_E2E_ONLY="slow_clients tls": only these sections (those that need no database), then the trace check.
if [ -n "${LIFELINE_E2E_ONLY:-}" ]; then
    for section in $LIFELINE_E2E_ONLY; do
        case "$section" in
            demo | tls | slow_clients | directory_users) "check_$section" ;;
            *) not_ok "LIFELINE_E2E_ONLY" "unknown or dependent section $section" ;;
        esac
    done
    check_no_traces
    summary
    if [ "$FAIL" -gt 0 ]; then exit 1; fi
    exit 0
fi

check_cli
check_apply
check_directory_users
check_operators
check_seeds "after enroll"
check_modes "after enroll"
dmode="$(stat -c %a "$SQLITE_DIR" 2>/dev/null || echo missing)"
check "seeds: data folder is mode 700" "$([ "$dmode" = 700 ] || echo "mode $dmode")"
check_rotate
check_recovery_codes
check_postgres
check_shutdown
check_demo
check_config
check_tls
check_slow_clients
check_no_traces

summary
if [ "$FAIL" -gt 0 ]; then exit 1; fi
exit 0
