# shellcheck shell=bash
# The TAP-like check helpers the end-to-end scripts share (e2e.sh, e2e-authenticator.sh, e2e-offline.sh).
# Source it after setting E2E_NAME (the summary's label); it sets PASS, FAIL and SUMMARY_DONE.
PASS=0
FAIL=0
SUMMARY_DONE=0

ok() {
    PASS=$((PASS + 1))
    printf 'ok - %s\n' "$1"
}

not_ok() {
    FAIL=$((FAIL + 1))
    printf 'not ok - %s: %s\n' "$1" "$2"
}

# check NAME REASON: ok when REASON is empty.
check() {
    if [ -z "$2" ]; then ok "$1"; else not_ok "$1" "$2"; fi
}

summary() {
    SUMMARY_DONE=1
    printf '%s: %d passed, %d failed\n' "$E2E_NAME" "$PASS" "$FAIL"
}
