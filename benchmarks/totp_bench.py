#!/usr/bin/env python3
"""Helpers for benchmarks/validate.sh (Python stdlib only).

Subcommands:
  selftest   RFC 6238 test vectors + cross-check against oathtool on random secrets.
  populate   Create N users, each with one TOTP token (SHA-1, 6 digits, 30 s) whose secret
             we generate, through the admin API, concurrently (thread pool). Writes
             "username<TAB>secret" lines to --out.
  plan       Pick the next 30 s step boundary B, precompute the validate request list
             (all users at step t-1, then all at t, then all at t+1, where t = B/30),
             cross-check a few codes with oathtool, write "<k><TAB><json body>" lines
             (k = 0,1,2 for t-1,t,t+1) to --out, then sleep until B + offset and exit, so
             the caller can start wrk right after the boundary.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

PERIOD = 30
DIGITS = 6


# ---------------------------------------------------------------- TOTP (RFC 4226 / 6238)

def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def b32decode(secret: str) -> bytes:
    s = secret.strip().replace(" ", "").upper()
    s += "=" * (-len(s) % 8)
    return base64.b32decode(s)


def new_secret() -> str:
    """Random 20 bytes (160 bits), base32 without padding (32 chars)."""
    return base64.b32encode(os.urandom(20)).decode("ascii").rstrip("=")


def oathtool_code(oathtool: str, secret: str, step: int) -> str:
    # Middle of the step, so there is no ambiguity at the edges.
    ts = step * PERIOD + PERIOD // 2
    out = subprocess.run(
        [oathtool, "--totp", "-b", "-d", str(DIGITS), "-s", f"{PERIOD}s", "--now", f"@{ts}", secret],
        check=True, capture_output=True, text=True, timeout=10,
    )
    return out.stdout.strip()


def rfc6238_selftest() -> None:
    # RFC 6238 appendix B, SHA-1 seed "12345678901234567890", 8 digits.
    key = b"12345678901234567890"
    vectors = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
               (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]
    for t, want in vectors:
        got = hotp(key, t // PERIOD, 8)
        if got != want:
            raise SystemExit(f"RFC 6238 self-test failed at T={t}: got {got}, want {want}")
    # RFC 4226 appendix D, 6 digits.
    want4226 = ["755224", "287082", "359152", "969429", "338314",
                "254676", "287922", "162583", "399871", "520489"]
    for c, want in enumerate(want4226):
        if hotp(key, c, 6) != want:
            raise SystemExit(f"RFC 4226 self-test failed at counter {c}")


def cross_check(oathtool: str, pairs) -> int:
    """pairs: iterable of (secret, step, expected_code). Returns number checked."""
    n = 0
    for secret, step, want in pairs:
        got = oathtool_code(oathtool, secret, step)
        if got != want:
            raise SystemExit(f"oathtool mismatch: secret={secret} step={step} ours={want} oathtool={got}")
        n += 1
    return n


def find_oathtool(path):
    if path:
        return path
    return shutil.which("oathtool")


# ---------------------------------------------------------------- selftest

def cmd_selftest(args) -> int:
    rfc6238_selftest()
    print("RFC 4226/6238 vectors: ok", file=sys.stderr)
    tool = find_oathtool(args.oathtool)
    if not tool:
        print("oathtool not found: cross-check skipped", file=sys.stderr)
        return 0 if not args.require_oathtool else 1
    now_step = int(time.time()) // PERIOD
    pairs = []
    for _ in range(args.count):
        s = new_secret()
        for step in (now_step - 1, now_step, now_step + 1):
            pairs.append((s, step, hotp(b32decode(s), step)))
    n = cross_check(tool, pairs)
    print(f"oathtool cross-check: {n} codes ok", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- populate

class Client:
    """One keep-alive HTTP/1.1 connection per worker thread."""

    def __init__(self, base_url: str, key: str, timeout: float):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port or 80
        self.prefix = u.path.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def post(self, path: str, obj) -> tuple:
        body = json.dumps(obj).encode()
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
                   "Accept": "application/json"}
        last_exc = None
        for attempt in range(2):  # bounded: one reconnect on a connection-level failure
            if self.conn is None:
                self._connect()
            try:
                self.conn.request("POST", self.prefix + path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, data, attempt
            except (OSError, http.client.HTTPException) as e:
                last_exc = e
                try:
                    self.conn.close()
                except Exception:
                    pass
                self.conn = None
        raise ConnectionError(f"POST {path}: {last_exc!r}")


def cmd_populate(args) -> int:
    # --tenant A,B,...: users are spread round-robin over the tenants (each tenant has its own audit chain).
    tenants = args.tenant.split(",")
    n = args.users
    users = [f"{args.prefix}{i:05d}" for i in range(n)]
    tenant_of = {u: tenants[i % len(tenants)] for i, u in enumerate(users)}
    secrets = {u: new_secret() for u in users}
    local = threading.local()
    errors = []
    err_lock = threading.Lock()

    def client():
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = Client(args.base_url, args.admin_key, args.timeout)
        return c

    def create(u):
        c = client()
        t = urllib.parse.quote(tenant_of[u], safe="")
        uq = urllib.parse.quote(u, safe="")
        try:
            st, data, attempt = c.post(f"/api/v1/admin/tenants/{t}/users",
                                       {"username": u, "display_name": f"Bench {u}",
                                        "language": "en", "status": "active"})
            # A 409 after a reconnect means our first attempt did get through.
            if not (st == 201 or (st == 409 and attempt > 0)):
                raise RuntimeError(f"create user {u}: HTTP {st} {data[:200]!r}")
            token = {"type": "totp", "secret": secrets[u], "algorithm": "sha1",
                     "digits": DIGITS, "period": PERIOD, "label": "bench"}
            if args.pin:
                token["pin"] = args.pin   # issue 16: validate then takes PIN ‖ OTP
            st, data, attempt = c.post(f"/api/v1/admin/tenants/{t}/users/{uq}/tokens", token)
            if st != 201:
                raise RuntimeError(f"create token for {u}: HTTP {st} {data[:200]!r}")
        except Exception as e:  # collected and reported below
            with err_lock:
                errors.append(str(e))

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(create, users))
    elapsed = time.monotonic() - t0

    with open(args.out, "w") as f:
        for u in users:
            f.write(f"{u}\t{secrets[u]}\t{tenant_of[u]}\t{args.pin or ''}\n")

    ok = n - len(errors)
    print(f"populate: {ok}/{n} users with a TOTP token created in {elapsed:.2f} s "
          f"({2 * ok / elapsed if elapsed > 0 else 0:.0f} admin requests/s, {args.workers} workers)")
    print(f"POPULATE_SECONDS={elapsed:.3f}", file=sys.stderr)
    if errors:
        print(f"populate: {len(errors)} failures; first ones:", file=sys.stderr)
        for e in errors[:5]:
            print("  " + e, file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- plan

def cmd_plan(args) -> int:
    rows = []
    with open(args.secrets) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                # username, secret and (since --tenant A,B,...) the user's tenant
                parts = line.split("\t")
                u, s = parts[0], parts[1]
                tenant = parts[2] if len(parts) > 2 and parts[2] else args.tenant
                # (since issue 16) the token's PIN, sent as PIN ‖ OTP in code; empty: none
                rows.append((u, s, b32decode(s), tenant, parts[3] if len(parts) > 3 else ""))
    if not rows:
        raise SystemExit("plan: no users in secrets file")

    now = time.time()
    boundary = (int(now + args.margin) // PERIOD + 1) * PERIOD
    t = boundary // PERIOD
    steps = (t - 1, t, t + 1)

    # --pin-out: the requests of users with a PIN go to a list of their own (the PIN + OTP run of validate.sh --pin)
    lines, pin_lines = [], []
    for k, step in enumerate(steps):
        for u, _s, key, tenant, pin in rows:
            body = json.dumps({"tenant": tenant, "username": u, "code": pin + hotp(key, step)},
                              separators=(",", ":"))
            (pin_lines if pin and args.pin_out else lines).append(f"{k}\t{body}\n")
    with open(args.out, "w") as f:
        f.writelines(lines)
    if args.pin_out:
        with open(args.pin_out, "w") as f:
            f.writelines(pin_lines)

    checked = 0
    tool = find_oathtool(args.oathtool)
    if args.check > 0:
        if not tool:
            raise SystemExit("plan: oathtool not found for the cross-check (use --check 0 to skip)")
        idx = sorted({0, len(rows) - 1} | {(i * 7919) % len(rows) for i in range(args.check)})
        pairs = []
        for i in idx[: max(args.check, 2)]:
            u, s, key, _tenant, _pin = rows[i]
            for step in steps:
                pairs.append((s, step, hotp(key, step)))
        checked = cross_check(tool, pairs)

    start_at = boundary + args.offset
    wait = start_at - time.time()
    print(f"plan: {len(lines)} requests ({len(rows)} users x steps {steps[0]}..{steps[2]}), "
          f"{checked} codes cross-checked with oathtool; waiting {max(wait, 0):.1f} s "
          f"for step boundary {boundary} + {args.offset} s", flush=True)
    # Bounded sleep: at most margin + PERIOD + offset seconds.
    if wait > 0:
        time.sleep(wait)
    if time.time() > boundary + PERIOD - 1:
        raise SystemExit("plan: missed the step window (clock jump?)")
    print(f"PLAN_STEP={t}", file=sys.stderr)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("selftest")
    s.add_argument("--oathtool")
    s.add_argument("--count", type=int, default=5)
    s.add_argument("--require-oathtool", action="store_true")
    s.set_defaults(func=cmd_selftest)

    s = sub.add_parser("populate")
    s.add_argument("--base-url", required=True)
    s.add_argument("--admin-key", required=True)
    s.add_argument("--tenant", default="bench", help="a tenant, or several separated by commas (users round-robin)")
    s.add_argument("--users", type=int, default=10000)
    s.add_argument("--prefix", default="u")
    s.add_argument("--workers", type=int, default=16)
    s.add_argument("--timeout", type=float, default=30.0)
    s.add_argument("--out", required=True)
    s.add_argument("--pin", default="", help="give every token this PIN (issue 16)")
    s.set_defaults(func=cmd_populate)

    s = sub.add_parser("plan")
    s.add_argument("--secrets", required=True)
    s.add_argument("--tenant", default="bench")
    s.add_argument("--out", required=True)
    s.add_argument("--margin", type=float, default=2.0,
                   help="minimum seconds between now and the chosen boundary")
    s.add_argument("--offset", type=float, default=0.5, help="seconds after the boundary to return")
    s.add_argument("--check", type=int, default=5, help="users to cross-check with oathtool")
    s.add_argument("--pin-out", help="write the requests of users with a PIN (PIN ‖ OTP) to this file instead")
    s.add_argument("--oathtool")
    s.set_defaults(func=cmd_plan)

    args = p.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
