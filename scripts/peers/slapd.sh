#!/usr/bin/env bash
# A throwaway OpenLDAP server (Debian `slapd` 2.5) for the LifelineLDAP tests.
#
#   scripts/peers/slapd.sh start DIR PORT [TLSPORT]   start it (PORT/TLSPORT 0 or absent TLSPORT = a free port)
#   scripts/peers/slapd.sh stop DIR                   stop it (by its pid) and remove DIR
#
# `start` creates DIR (it must not exist or be empty) with:
#   slapd.conf   back_mdb + the ppolicy overlay (default policy below), TLS, ACLs
#   ca.pem       a self-signed test CA; server.pem/server.key signed by it for localhost and 127.0.0.1
#   other-ca.pem a second CA that signed nothing here (the "wrong CA" of the TLS tests)
#   base.ldif    dc=lifeline,dc=test with ou=people, ou=services, ou=policies, the service account and users
#   env          the KEY=VALUE lines printed on stdout (below)
# and prints, one KEY=VALUE a line (values have no spaces):
#   LIFELINE_TEST_LDAP_URL            ldap://127.0.0.1:PORT     (StartTLS is offered on it)
#   LIFELINE_TEST_LDAPS_URL           ldaps://localhost:TLSPORT (TLS from the first byte)
#   LIFELINE_TEST_LDAP_CA             DIR/ca.pem
#   LIFELINE_TEST_LDAP_OTHER_CA       DIR/other-ca.pem
#   LIFELINE_TEST_LDAP_BASE_DN        dc=lifeline,dc=test
#   LIFELINE_TEST_LDAP_BIND_DN        cn=lifeline,ou=services,dc=lifeline,dc=test   (the service account)
#   LIFELINE_TEST_LDAP_BIND_PASSWORD  its password (random)
#   LIFELINE_TEST_LDAP_ADMIN_DN       cn=admin,dc=lifeline,dc=test (rootdn: the tests' fixtures create users with it)
#   LIFELINE_TEST_LDAP_ADMIN_PASSWORD its password (random)
#
# Password policy (cn=default,ou=policies): pwdMinLength 8 (pwdCheckQuality 2), pwdInHistory 3, pwdMaxFailure 3,
# pwdLockout TRUE, pwdLockoutDuration 0 (locked until an administrator unlocks).
#
# The service account's rights (what Lifeline needs on OpenLDAP, see docs/ldap.md):
#   - read/search on the user entries (the attributes of the filter, pwdAccountLockedTime),
#   - write on userPassword (the Password Modify extended operation),
#   - write on pwdAccountLockedTime and pwdFailureTime (unlock).
# It is not the rootdn, so the password policy applies to the resets it makes (the rootdn would bypass it).
#
# Listens on 127.0.0.1 only. Needs slapd, slapadd and openssl (Debian: slapd ldap-utils openssl).
set -euo pipefail

log() { printf 'slapd.sh: %s\n' "$*" >&2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

find_slapd() {
    local c
    for c in "$(command -v slapd 2>/dev/null || true)" /usr/sbin/slapd; do
        if [ -n "$c" ] && [ -x "$c" ]; then printf '%s\n' "$c"; return 0; fi
    done
    return 1
}

find_slapadd() {
    local c
    for c in "$(command -v slapadd 2>/dev/null || true)" /usr/sbin/slapadd; do
        if [ -n "$c" ] && [ -x "$c" ]; then printf '%s\n' "$c"; return 0; fi
    done
    return 1
}

random_secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

make_certificates() {
    local dir="$1"
    # A test CA, a server certificate for localhost and 127.0.0.1 signed by it, and an unrelated second CA.
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Lifeline test LDAP CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
        -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Lifeline unrelated CA" \
        -keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
    chmod 600 "$dir"/*.key
}

start() {
    local dir="${1:?usage: slapd.sh start DIR PORT [TLSPORT]}" port="${2:-0}" tlsport="${3:-0}"
    local slapd slapadd base="dc=lifeline,dc=test" svc admin svcpw adminpw i
    slapd="$(find_slapd)" || { log "slapd not found (Debian package slapd)"; return 1; }
    slapadd="$(find_slapadd)" || { log "slapadd not found (Debian package slapd)"; return 1; }
    command -v openssl >/dev/null || { log "openssl not found"; return 1; }
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then log "$dir is not empty"; return 1; fi
    mkdir -p "$dir/data"
    chmod 700 "$dir"
    dir="$(cd "$dir" && pwd)"
    [ "$port" != "0" ] || port="$(free_port)"
    [ "$tlsport" != "0" ] || tlsport="$(free_port)"

    svc="cn=lifeline,ou=services,$base"
    admin="cn=admin,$base"
    svcpw="$(random_secret)"
    adminpw="$(random_secret)"

    make_certificates "$dir"

    cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy

pidfile $dir/slapd.pid
argsfile $dir/slapd.args
loglevel stats

TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key

database mdb
suffix "$base"
rootdn "$admin"
rootpw $adminpw
directory $dir/data
maxsize 104857600

overlay ppolicy
ppolicy_default "cn=default,ou=policies,$base"
ppolicy_hash_cleartext

# Lifeline's service account: write on userPassword (Password Modify), write on the lockout attributes (unlock).
access to attrs=userPassword
    by dn.exact="$svc" write
    by self write
    by anonymous auth
    by * none
access to attrs=pwdAccountLockedTime,pwdFailureTime
    by dn.exact="$svc" manage
    by * none
access to *
    by dn.exact="$svc" read
    by self read
    by * none
EOF

    {
        printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: lifeline\no: Lifeline test\n\n' "$base"
        for ou in people services policies; do
            printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$base" "$ou"
        done
        printf 'dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: lifeline\nuserPassword: %s\n\n' \
            "$svc" "$svcpw"
        printf '%s\n' "dn: cn=default,ou=policies,$base" "objectClass: pwdPolicy" "objectClass: device" "cn: default" \
            "pwdAttribute: userPassword" "pwdMinLength: 8" "pwdCheckQuality: 2" "pwdInHistory: 3" "pwdMaxFailure: 3" \
            "pwdLockout: TRUE" "pwdLockoutDuration: 0" "pwdAllowUserChange: TRUE" ""
        for i in alice bob carol; do
            printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: Test\nuserPassword: initial-%s\n\n' \
                "$i" "$base" "$i" "$i" "$i"
        done
    } >"$dir/base.ldif"

    "$slapadd" -f "$dir/slapd.conf" -l "$dir/base.ldif" >"$dir/slapadd.log" 2>&1 || {
        log "slapadd failed:"; cat "$dir/slapadd.log" >&2; return 1
    }
    # -d 0 would keep it in the foreground; slapd daemonizes and writes its pid file. Logs go to DIR/slapd.log.
    "$slapd" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tlsport/" -d stats \
        </dev/null >"$dir/slapd.log" 2>&1 &
    echo $! >"$dir/slapd.pid.launcher"
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$tlsport") 2>/dev/null; then
            break
        fi
        if ! kill -0 "$(cat "$dir/slapd.pid.launcher")" 2>/dev/null; then
            log "slapd exited; log:"; tail -n 30 "$dir/slapd.log" >&2; return 1
        fi
        if [ "$i" -eq 100 ]; then log "slapd did not listen on $port/$tlsport"; tail -n 30 "$dir/slapd.log" >&2; return 1; fi
        sleep 0.1
    done

    {
        printf 'LIFELINE_TEST_LDAP_URL=ldap://127.0.0.1:%s\n' "$port"
        printf 'LIFELINE_TEST_LDAPS_URL=ldaps://localhost:%s\n' "$tlsport"
        printf 'LIFELINE_TEST_LDAP_CA=%s\n' "$dir/ca.pem"
        printf 'LIFELINE_TEST_LDAP_OTHER_CA=%s\n' "$dir/other-ca.pem"
        printf 'LIFELINE_TEST_LDAP_BASE_DN=%s\n' "$base"
        printf 'LIFELINE_TEST_LDAP_BIND_DN=%s\n' "$svc"
        printf 'LIFELINE_TEST_LDAP_BIND_PASSWORD=%s\n' "$svcpw"
        printf 'LIFELINE_TEST_LDAP_ADMIN_DN=%s\n' "$admin"
        printf 'LIFELINE_TEST_LDAP_ADMIN_PASSWORD=%s\n' "$adminpw"
    } >"$dir/env"
    chmod 600 "$dir/env"
    cat "$dir/env"
    log "slapd on 127.0.0.1:$port (StartTLS) and 127.0.0.1:$tlsport (LDAPS), dir $dir"
}

stop() {
    local dir="${1:?usage: slapd.sh stop DIR}" pid="" i
    [ -d "$dir" ] || return 0
    # The launcher pid is slapd itself (run with -d, it stays in the foreground).
    if [ -s "$dir/slapd.pid.launcher" ]; then pid="$(cat "$dir/slapd.pid.launcher")"; fi
    if [ -z "$pid" ] && [ -s "$dir/slapd.pid" ]; then pid="$(cat "$dir/slapd.pid")"; fi
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while [ "$i" -lt 50 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf -- "$dir"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    *) printf 'usage: %s start DIR PORT [TLSPORT] | stop DIR\n' "$0" >&2; exit 2 ;;
esac
