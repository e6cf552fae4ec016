#!/usr/bin/env python3
"""Helpers for scripts/e2e.sh (Python 3 standard library only).

    e2e_checks.py free-port                      a TCP port on 127.0.0.1 that is free right now
    e2e_checks.py secret                         20 random bytes as base32 (what `token enroll --secret` takes)
    e2e_checks.py kek                            32 random bytes as base64 (a keys.kek value)
    e2e_checks.py exec CMD [ARG...]              exec CMD with default SIGINT/SIGTERM/SIGQUIT handling (a background
                                                 job of a non-interactive bash starts with SIGINT ignored)
    e2e_checks.py wait-http URL [--status N] [--pid PID] [--timeout S] [--cafile PEM]
                                                 poll URL until it answers status N (default 200); fails early when
                                                 process PID is gone; an https URL is verified against PEM
    e2e_checks.py status URL [--key K]           print the HTTP status of GET URL, with the API key K as bearer
                                                 token if given (0 when there is no answer)
    e2e_checks.py validate BASE KEY TENANT USER CODE [--pin PIN]
                                                 POST BASE/api/v1/validate (with a separate "pin" field if given);
                                                 print the result ("accept"/"reject") or "http STATUS BODY"
    e2e_checks.py race --key K --tenant T --user U --code C --count N BASE [BASE...]
                                                 N validations of the same code at once (threads behind a barrier,
                                                 spread evenly over the BASE URLs); print "accept=A reject=R other=O"
    e2e_checks.py banner FILE [--pid PID] [--timeout S]
                                                 wait for `serve --demo`'s banner in FILE; print "VALIDATE_KEY ADMIN_KEY"
    e2e_checks.py long-poll BASE                 demo server: alice starts an SMS flow while a long-poll on
                                                 /dev/outbox.json?to=&wait= waits for her SMS; checks it is answered
                                                 with the SMS, that after= waits out its time, and that bad wait= and
                                                 after= values are 400; prints "ok" or what went wrong
    e2e_checks.py tamper DB SEQ                  UPDATE audit_events SET reason='x' WHERE seq=SEQ in the longest audit
                                                 chain of the SQLite file DB
    e2e_checks.py cut-tail DB N                  delete the last N audit events of the longest chain of the SQLite file
                                                 DB and move its head back onto the new last event (a database writer
                                                 hiding the tail)
    e2e_checks.py forge-anchor IN OUT            copy the anchor IN to OUT with its first chain's seq one lower and its
                                                 MAC kept
    e2e_checks.py slow-clients HOST PORT --key K [--heads N] [--bodies N] [--wait S] [--dribble S]
                                                 N connections that send an unfinished request head and N that send
                                                 a head and an unfinished body of POST /api/v1/validate (key K), each
                                                 dribbling one byte every S s (before them, --aborts N connections
                                                 that send part of that body and close); while they are open, GET /health on a
                                                 fresh connection; waits at most --wait s for the server to close
                                                 them all; prints "heads_closed=A/N bodies_closed=B/N meanwhile=STATUS"
                                                 and closes what is left
    e2e_checks.py stall HOST PORT [--cafile PEM] [--wait S]
                                                 one connection that sends nothing and, with --cafile, one that
                                                 completes a TLS handshake (verified against PEM) and sends half a
                                                 request head; prints "silent_closed=yes|no [tls_closed=yes|no]"
                                                 (closed by the server within --wait s)
    e2e_checks.py conn-cap HOST PORT --hold N --extra M [--wait S]
                                                 holds N fresh connections, then opens M more and counts those the
                                                 server closes within --wait s; then GET /health on a held one, and
                                                 waits for the server to close that one when idle; prints
                                                 "refused=R/M existing=STATUS idle_closed=yes|no"
    e2e_checks.py api METHOD URL [--key K] [--body JSON] [--out FILE]
                                                 one JSON request (bearer key K); print the HTTP status (0: no answer)
                                                 and write the answer's body to FILE
    e2e_checks.py json-field FILE NAME...        the value of NAME (dotted: a.b) in the JSON document FILE, one line
                                                 per NAME: strings as they are, anything else as JSON; empty when absent
    e2e_checks.py scan SECRET_BASE32 FILE...     exit 1 (and name what was found) when any FILE holds the secret as
                                                 base32, hex or raw bytes
"""

import argparse
import base64
import binascii
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import sys
import threading
import time
import urllib.parse


def free_port(_args):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def secret(_args):
    print(base64.b32encode(os.urandom(20)).decode("ascii"))


def kek(_args):
    print(base64.b64encode(os.urandom(32)).decode("ascii"))


def exec_cmd(args):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    os.execvp(args.cmd[0], args.cmd)


def request(method, url, body=None, headers=None, timeout=10.0, cafile=None):
    """One request on a fresh connection; returns (status, body text). An https URL is verified against cafile."""
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=ssl.create_default_context(cafile=cafile))
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def alive(pid):
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) still answers kill(0).
    try:
        with open(f"/proc/{pid}/stat", "r", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def wait_http(args):
    deadline = time.monotonic() + args.timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive(args.pid):
            print(f"process {args.pid} exited ({last})", file=sys.stderr)
            return 1
        try:
            status, body = request("GET", args.url, timeout=2, cafile=args.cafile)
            if status == args.status:
                return 0
            last = f"HTTP {status} {body[:200]}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    print(f"no HTTP {args.status} from {args.url} within {args.timeout:g} s ({last})", file=sys.stderr)
    return 1


def status(args):
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    try:
        code, _ = request("GET", args.url, headers=headers, timeout=5)
    except OSError:
        code = 0
    print(code)


def validate_once(base, key, tenant, user, code, timeout=15.0, pin=None):
    fields = {"tenant": tenant, "username": user, "code": code}
    if pin is not None:
        fields["pin"] = pin
    body = json.dumps(fields)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        st, text = request("POST", base.rstrip("/") + "/api/v1/validate", body, headers, timeout)
    except OSError as e:
        return f"error {e}"
    if st == 200:
        try:
            result = json.loads(text).get("result")
        except ValueError:
            result = None
        if result in ("accept", "reject"):
            return result
    return f"http {st} {text[:200]}"


def validate(args):
    print(validate_once(args.base, args.key, args.tenant, args.user, args.code, pin=args.pin))


def race(args):
    n = args.count
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        base = args.bases[i % len(args.bases)]
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            results[i] = "error barrier"
            return
        results[i] = validate_once(base, args.key, args.tenant, args.user, args.code, timeout=30)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    accept = sum(1 for r in results if r == "accept")
    reject = sum(1 for r in results if r == "reject")
    others = [r or "no result" for r in results if r not in ("accept", "reject")]
    line = f"accept={accept} reject={reject} other={len(others)}"
    if others:
        line += " (" + "; ".join(sorted(set(others))[:3]) + ")"
    print(line)


def banner(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with open(args.file, "r", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        v = re.search(r"^\s*validate:\s*(ll_\S+)\s*$", text, re.M)
        a = re.search(r"^\s*admin:\s*(ll_\S+)\s*$", text, re.M)
        if v and a and "Lifeline listening on" in text:
            print(v.group(1), a.group(1))
            return 0
        if not alive(args.pid):
            print(f"process {args.pid} exited without the full banner", file=sys.stderr)
            return 1
        time.sleep(0.1)
    print(f"no banner with validate: and admin: keys in {args.file} within {args.timeout:g} s", file=sys.stderr)
    return 1


def long_poll(args):
    base, phone = args.base, "+420777123789"
    box = base + "/dev/outbox.json?to=" + urllib.parse.quote(phone)
    # The long-poll starts first and has to wait: alice's SMS is queued only after it began.
    result = {}

    def poll():
        t = time.monotonic()
        result["answer"] = request("GET", box + "&after=00000000-0000-0000-0000-000000000000&wait=8000", timeout=15)
        result["waited"] = time.monotonic() - t
    before = request("GET", box)[1]
    old = json.loads(before)["messages"]
    waiter = threading.Thread(target=poll)
    if old:
        waiter = threading.Thread(target=lambda: result.update(
            answer=request("GET", box + "&after=" + old[0]["id"] + "&wait=8000", timeout=15), waited=0))
    waiter.start()
    time.sleep(0.5)
    headers = {"Content-Type": "application/json"}
    st, doc = request("POST", base + "/api/v1/recovery/flows", json.dumps({"tenant": "demo", "username": "alice"}), headers)
    if st != 201:
        print(f"flow start: HTTP {st} {doc[:200]}")
        return 0
    path = "/api/v1/recovery/flows/" + json.loads(doc)["id"]
    request("POST", base + path, json.dumps({"flow": "sms-totp"}), headers)
    st, doc = request("POST", base + path, json.dumps({"contact": "0", "number": phone}), headers)
    if st != 200 or json.loads(doc).get("state") != "enter_code":
        print(f"number: HTTP {st} {doc[:200]}")
        return 0
    waiter.join(20)
    st, doc = result.get("answer", (0, ""))
    msgs = json.loads(doc).get("messages", []) if st == 200 else []
    if not msgs or not any(w.isdigit() and len(w) == 6 for w in msgs[0]["text"].replace(".", " ").split()):
        print(f"long-poll answer: HTTP {st} {doc[:200]}")
        return 0
    t = time.monotonic()
    st, doc = request("GET", box + "&after=" + msgs[0]["id"] + "&wait=400")
    waited = time.monotonic() - t
    if st != 200 or json.loads(doc)["messages"] != [] or waited < 0.35:
        print(f"after= the newest: HTTP {st} after {waited:.2f} s: {doc[:200]}")
        return 0
    for bad in ("&wait=abc", "&wait=10001", "&wait=-1", "&after=nope"):
        st, doc = request("GET", box + bad)
        if st != 400 or "error" not in json.loads(doc):
            print(f"{bad}: HTTP {st} {doc[:200]}")
            return 0
    print("ok")
    return 0


def tamper(args):
    db = sqlite3.connect(args.db, timeout=10)
    try:
        chain = longest_chain(db)
        cur = db.execute("UPDATE audit_events SET reason = 'x' WHERE chain = ? AND seq = ?", (chain, args.seq))
        db.commit()
        if cur.rowcount != 1:
            print(f"no audit event with seq {args.seq}", file=sys.stderr)
            return 1
    finally:
        db.close()
    return 0


def longest_chain(db):
    (chain,) = db.execute("SELECT chain FROM audit_events GROUP BY chain ORDER BY COUNT(*) DESC, chain LIMIT 1").fetchone()
    return chain


def cut_tail(args):
    db = sqlite3.connect(args.db, timeout=10)
    try:
        chain = longest_chain(db)
        (last,) = db.execute("SELECT MAX(seq) FROM audit_events WHERE chain = ?", (chain,)).fetchone()
        keep = last - args.n
        if keep < 1:
            print(f"the chain {chain} has only {last} events", file=sys.stderr)
            return 1
        db.execute("DELETE FROM audit_events WHERE chain = ? AND seq > ?", (chain, keep))
        (h,) = db.execute("SELECT hash FROM audit_events WHERE chain = ? AND seq = ?", (chain, keep)).fetchone()
        db.execute("UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = ?", (keep, h, chain))
        db.commit()
    finally:
        db.close()
    return 0


def forge_anchor(args):
    with open(args.src) as f:
        anchor = json.load(f)
    if "chains" in anchor:
        anchor["chains"][0]["seq"] -= 1
    else:
        anchor["seq"] -= 1
    with open(args.dst, "w") as f:
        json.dump(anchor, f)
    return 0


def api(args):
    headers = {"Content-Type": "application/json"}
    if args.key:
        headers["Authorization"] = f"Bearer {args.key}"
    try:
        st, text = request(args.method, args.url, args.body, headers, timeout=30)
    except OSError as e:
        st, text = 0, str(e)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    print(st)


def json_field(args):
    try:
        with open(args.file, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = None
    for name in args.names:
        v = doc
        for part in name.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        print("" if v is None else v if isinstance(v, str) else json.dumps(v))


def scan(args):
    raw = base64.b32decode(args.secret.upper())
    needles = {
        "base32": args.secret.upper().encode(),
        "base32 (lower case)": args.secret.lower().encode(),
        "hex": binascii.hexlify(raw),
        "hex (upper case)": binascii.hexlify(raw).upper(),
        "raw bytes": raw,
    }
    found = []
    for path in args.files:
        with open(path, "rb") as f:
            data = f.read()
        for what, needle in needles.items():
            if needle in data:
                found.append(f"{what} in {os.path.basename(path)}")
    if found:
        print("; ".join(found))
        return 1
    return 0


def refused_within(args):
    """Validates with a key until the server answers 401, at most --timeout seconds; prints how long it took."""
    start = time.monotonic()
    while True:
        result = validate_once(args.base, args.key, args.tenant, args.user, args.code, timeout=5)
        elapsed = time.monotonic() - start
        if result.startswith("http 401"):
            print(f"refused after {elapsed:.1f} s")
            return
        if elapsed > args.timeout:
            print(f"still '{result[:60]}' after {elapsed:.1f} s")
            return
        time.sleep(0.2)


def closed_by_peer(sock):
    """Reads what the server sent; True once it closed the connection (EOF or reset)."""
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    except OSError:
        return True


def open_conn(host, port, first):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(first)
    s.setblocking(False)
    return s


def slow_clients(args):
    """Slowloris: unfinished heads and bodies, one byte every --dribble s; how many the server closes within --wait s."""
    host, port = args.host, args.port
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    body_head = (b"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + args.key.encode()
                 + b"\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"tenant\":\"demo\",\"username\":\"")
    # Clients that go away mid-body: the server must not log a line for each (it logged an error line per connection).
    aborted = [open_conn(host, port, body_head) for _ in range(args.aborts)]
    time.sleep(0.5)
    for s in aborted:
        s.close()
    conns = []  # [socket, kind, open]
    for _ in range(args.heads):
        conns.append([open_conn(host, port, head), "heads", True])
    for _ in range(args.bodies):
        conns.append([open_conn(host, port, body_head), "bodies", True])
    try:
        st, _ = request("GET", f"http://{host}:{port}/health", timeout=10)
    except OSError as e:
        st = f"error({e})"
    start = time.monotonic()
    next_drip = start + args.dribble
    while time.monotonic() - start < args.wait and any(c[2] for c in conns):
        time.sleep(0.1)
        drip = time.monotonic() >= next_drip
        if drip:
            next_drip += args.dribble
        for c in conns:
            if not c[2]:
                continue
            if closed_by_peer(c[0]):
                c[2] = False
            elif drip:
                try:
                    c[0].send(b"a")
                except OSError:
                    c[2] = False
    heads = sum(1 for c in conns if c[1] == "heads" and not c[2])
    bodies = sum(1 for c in conns if c[1] == "bodies" and not c[2])
    print(f"heads_closed={heads}/{args.heads} bodies_closed={bodies}/{args.bodies} meanwhile={st}")
    for c in conns:
        c[0].close()


def wait_closed(socks, wait):
    """Which of socks the server closes within wait seconds."""
    for s in socks:
        s.setblocking(False)
    closed = [False] * len(socks)
    start = time.monotonic()
    while time.monotonic() - start < wait and not all(closed):
        for i, s in enumerate(socks):
            if not closed[i]:
                closed[i] = closed_by_peer(s)
        time.sleep(0.1)
    return closed


def stall(args):
    """A silent connection, and a TLS one with half a head: both must be closed by the server."""
    socks = [socket.create_connection((args.host, args.port), timeout=5)]
    if args.cafile:
        ctx = ssl.create_default_context(cafile=args.cafile)
        t = ctx.wrap_socket(socket.create_connection((args.host, args.port), timeout=5), server_hostname=args.host)
        t.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(t)
    closed = wait_closed(socks, args.wait)
    words = ["yes" if c else "no" for c in closed]
    print(f"silent_closed={words[0]}" + (f" tls_closed={words[1]}" if args.cafile else ""))
    for s in socks:
        s.close()


def conn_cap(args):
    """Holds --hold connections, counts which of --extra more the server closes at once, then uses a held one."""
    host, port = args.host, args.port
    held = [open_conn(host, port, b"") for _ in range(args.hold)]
    time.sleep(0.5)  # the server accepts the held ones first
    extra = [[open_conn(host, port, b""), True] for _ in range(args.extra)]
    start = time.monotonic()
    while time.monotonic() - start < args.wait and any(e[1] for e in extra):
        time.sleep(0.1)
        for e in extra:
            if e[1] and closed_by_peer(e[0]):
                e[1] = False
    refused = sum(1 for e in extra if not e[1])
    # An existing connection keeps working: one request on a held connection, kept alive.
    s = held[0]
    existing = "none"
    try:
        s.setblocking(True)
        s.settimeout(10)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        existing = s.recv(4096).split(b"\r\n", 1)[0].decode("latin-1").split(" ")[1]
    except (OSError, IndexError) as e:
        existing = f"error({e})"
    s.setblocking(False)
    start = time.monotonic()
    idle_closed = "no"
    while time.monotonic() - start < args.wait:
        if closed_by_peer(s):
            idle_closed = "yes"
            break
        time.sleep(0.1)
    print(f"refused={refused}/{args.extra} existing={existing} idle_closed={idle_closed}")
    for c in held + [e[0] for e in extra]:
        c.close()


def main():
    p = argparse.ArgumentParser(description="helpers for scripts/e2e.sh")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("free-port").set_defaults(func=free_port)
    sub.add_parser("secret").set_defaults(func=secret)
    sub.add_parser("kek").set_defaults(func=kek)
    s = sub.add_parser("exec")
    s.add_argument("cmd", nargs=argparse.REMAINDER)
    s.set_defaults(func=exec_cmd)
    s = sub.add_parser("wait-http")
    s.add_argument("url")
    s.add_argument("--status", type=int, default=200)
    s.add_argument("--pid", type=int)
    s.add_argument("--timeout", type=float, default=60)
    s.add_argument("--cafile")
    s.set_defaults(func=wait_http)
    s = sub.add_parser("status")
    s.add_argument("url")
    s.add_argument("--key")
    s.set_defaults(func=status)
    s = sub.add_parser("validate")
    for name in ("base", "key", "tenant", "user", "code"):
        s.add_argument(name)
    s.add_argument("--pin")
    s.set_defaults(func=validate)
    s = sub.add_parser("refused-within")
    for name in ("base", "key", "tenant", "user", "code"):
        s.add_argument(name)
    s.add_argument("--timeout", type=float, default=5)
    s.set_defaults(func=refused_within)
    s = sub.add_parser("race")
    s.add_argument("--key", required=True)
    s.add_argument("--tenant", required=True)
    s.add_argument("--user", required=True)
    s.add_argument("--code", required=True)
    s.add_argument("--count", type=int, default=50)
    s.add_argument("bases", nargs="+")
    s.set_defaults(func=race)
    s = sub.add_parser("banner")
    s.add_argument("file")
    s.add_argument("--pid", type=int)
    s.add_argument("--timeout", type=float, default=60)
    s.set_defaults(func=banner)
    s = sub.add_parser("long-poll")
    s.add_argument("base")
    s.set_defaults(func=long_poll)
    s = sub.add_parser("tamper")
    s.add_argument("db")
    s.add_argument("seq", type=int)
    s.set_defaults(func=tamper)
    s = sub.add_parser("cut-tail")
    s.add_argument("db")
    s.add_argument("n", type=int)
    s.set_defaults(func=cut_tail)
    s = sub.add_parser("forge-anchor")
    s.add_argument("src")
    s.add_argument("dst")
    s.set_defaults(func=forge_anchor)
    s = sub.add_parser("api")
    s.add_argument("method")
    s.add_argument("url")
    s.add_argument("--key")
    s.add_argument("--body")
    s.add_argument("--out")
    s.set_defaults(func=api)
    s = sub.add_parser("json-field")
    s.add_argument("file")
    s.add_argument("names", nargs="+")
    s.set_defaults(func=json_field)
    s = sub.add_parser("scan")
    s.add_argument("secret")
    s.add_argument("files", nargs="+")
    s.set_defaults(func=scan)
    s = sub.add_parser("slow-clients")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("--key", required=True)
    s.add_argument("--heads", type=int, default=200)
    s.add_argument("--bodies", type=int, default=200)
    s.add_argument("--aborts", type=int, default=0)
    s.add_argument("--wait", type=float, default=15)
    s.add_argument("--dribble", type=float, default=1)
    s.set_defaults(func=slow_clients)
    s = sub.add_parser("stall")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("--cafile")
    s.add_argument("--wait", type=float, default=10)
    s.set_defaults(func=stall)
    s = sub.add_parser("conn-cap")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("--hold", type=int, required=True)
    s.add_argument("--extra", type=int, required=True)
    s.add_argument("--wait", type=float, default=10)
    s.set_defaults(func=conn_cap)
    args = p.parse_args()
    if args.command == "exec" and not args.cmd:
        p.error("exec needs a command")
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
