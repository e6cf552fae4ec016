#!/usr/bin/env bash
# Browser tests of the self-service web app (docs/web.md): a headless Chromium driven by Selenium through the
# complete flows against a live `lifeline serve --demo`, with delivery going to a local SMTP capture and an SMS
# receiver (scripts/peers/), whose messages the tests read the codes from.
#
#   scripts/browser.sh [--only sms_totp,wrong_code,...]
#
# Env: LIFELINE_BIN (default .build/debug/lifeline, built when missing), LIFELINE_AUTHENTICATOR_BIN (default beside it), LIFELINE_ARTIFACTS (default ./artifacts):
# screenshots go to $LIFELINE_ARTIFACTS/browser/NN-name.png, logs to $LIFELINE_ARTIFACTS/browser/logs/.
# Installs what is missing: chromium, chromium-driver, oathtool, zbar-tools (Debian), selenium, aiosmtpd,
# selenium-axe-python (PyPI). Last, scripts/browser/test_accessibility.py audits the recovery and console pages with
# axe-core: results in $LIFELINE_ARTIFACTS/browser/accessibility.json.
# Everything listens on 127.0.0.1 in a temporary folder and is stopped by pid on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="${LIFELINE_BIN:-$ROOT/.build/debug/lifeline}"
ART="${LIFELINE_ARTIFACTS:-$ROOT/artifacts}/browser"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-browser.XXXXXX")"
LOGS="$ART/logs"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[browser] %s\n' "$*"; }

# --- what the tests need ----------------------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v oathtool >/dev/null 2>&1 || need_apt+=(oathtool)
command -v zbarimg >/dev/null 2>&1 || need_apt+=(zbar-tools)
if [ "${#need_apt[@]}" -gt 0 ]; then
    log "installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q selenium
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q aiosmtpd
# axe-core 4.9 for the accessibility audit (not axe-selenium-python: its axe-core 3.1 misreads one-time-code).
python3 -c 'import selenium_axe_python' 2>/dev/null || python3 -m pip install -q selenium-axe-python
if [ ! -x "$BIN" ]; then
    log "building $BIN"
    swift build --product lifeline
fi
# The reference app (issue 16), which scripts/browser/test_console_authenticator.py activates with the console's QR code.
APP_BIN="${LIFELINE_AUTHENTICATOR_BIN:-$(dirname "$BIN")/lifeline-authenticator}"
if [ ! -x "$APP_BIN" ]; then
    log "building $APP_BIN"
    swift build --product lifeline-authenticator
fi
export LIFELINE_AUTHENTICATOR_BIN="$APP_BIN"

mkdir -p "$ART" "$LOGS"
rm -f "$ART"/*.png

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Starts a peer that prints its port on its first stdout line; sets PEER_PORT.
start_peer() {
    local name="$1"; shift
    python3 "$@" >"$WORK/$name.port" 2>"$LOGS/$name.err" &
    PIDS+=("$!")
    local i
    for i in $(seq 1 100); do
        if [ -s "$WORK/$name.port" ]; then PEER_PORT="$(head -n1 "$WORK/$name.port")"; return 0; fi
        if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then break; fi
        sleep 0.1
    done
    log "$name did not start: $(head -n5 "$LOGS/$name.err")"
    exit 1
}

# --- peers and server -------------------------------------------------------------------------------------
start_peer smtp scripts/peers/smtp_capture.py --port 0 --out "$WORK/mail.jsonl"
SMTP_PORT="$PEER_PORT"
start_peer sms scripts/peers/sms_receiver.py --port 0 --out "$WORK/sms.jsonl"
SMS_PORT="$PEER_PORT"
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
log "SMTP capture on $SMTP_PORT, SMS receiver on $SMS_PORT, server on $PORT"

# The browser tests send many requests from one address in a minute: raise the per-address page budget.
LIFELINE_DELIVERY_SMTP_HOST=127.0.0.1 \
LIFELINE_DELIVERY_SMTP_PORT="$SMTP_PORT" \
LIFELINE_DELIVERY_SMTP_SECURITY=none \
LIFELINE_DELIVERY_SMTP_FROM=lifeline@demo.example \
LIFELINE_DELIVERY_SMS_URL="http://127.0.0.1:$SMS_PORT/sms" \
LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=10000 \
    "$BIN" serve --demo --data-dir "$WORK/data" --port "$PORT" >"$LOGS/server.out" 2>"$LOGS/server.err" &
PIDS+=("$!")
SERVER_PID="$!"
for i in $(seq 1 300); do
    if curl -fsS "$BASE/health" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then log "the server stopped: $(tail -n5 "$LOGS/server.err")"; exit 1; fi
    sleep 0.2
done
curl -fsS "$BASE/health" >/dev/null || { log "the server did not answer /health"; exit 1; }
# A superuser for the console's role tests: the demo has none; `lifeline operator create` (here, next to the running
# server, as an administrator would) prints its one-time enrolment link on a line of its own.
"$BIN" operator create root --role superuser --data-dir "$WORK/data" >"$WORK/root-operator.txt" 2>>"$LOGS/server.err" \
    || { log "lifeline operator create failed: $(tail -n3 "$LOGS/server.err")"; exit 1; }
LIFELINE_BROWSER_ROOT_ENROL="$(grep -m1 '/console/enrol/' "$WORK/root-operator.txt" || true)"
export LIFELINE_BROWSER_ROOT_ENROL

# --- tests ------------------------------------------------------------------------------------------------
set +e
python3 scripts/browser/test_web.py --base-url "$BASE" --mail "$WORK/mail.jsonl" --sms "$WORK/sms.jsonl" --artifacts "$ART" \
    --server-log "$LOGS/server.out" "$@"
rc=$?
# The console's browser tests (docs/console.md), one file per area, on the same server (scripts/browser/console_support.py).
for test in scripts/browser/test_console_*.py; do
    [ -e "$test" ] || continue
    python3 "$test" --base-url "$BASE" --mail "$WORK/mail.jsonl" --sms "$WORK/sms.jsonl" --artifacts "$ART" \
        --server-log "$LOGS/server.out" "$@" || rc=1
done
# The accessibility audit (axe-core) of the same server's pages; its results go to $ART/accessibility.json.
python3 scripts/browser/test_accessibility.py --base-url "$BASE" --mail "$WORK/mail.jsonl" --sms "$WORK/sms.jsonl" --artifacts "$ART" \
    --server-log "$LOGS/server.out" "$@" || rc=1
set -e
cp "$WORK/mail.jsonl" "$WORK/sms.jsonl" "$LOGS/" 2>/dev/null || true
log "screenshots: $ART"
exit "$rc"
