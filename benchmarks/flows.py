#!/usr/bin/env python3
"""Complete SMS + TOTP recovery flows through the JSON API, as fast as the server allows.

Each flow: create -> choose flow sms-totp -> choose number (typed in full) -> read the SMS code from the
development outbox (/dev/outbox.json?to=) -> submit it -> submit the user's TOTP code -> verified.
Users are seeded first through the admin API (one user per flow, because a TOTP code is single-use).
Prints figures; asserts nothing.
"""
import argparse, asyncio, os, base64, hashlib, hmac, json, statistics, struct, sys, time
from urllib.parse import quote


class Conn:
    """A minimal HTTP/1.1 keep-alive client (the stdlib has no async one)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.r = self.w = None

    async def request(self, method, path, body=None, headers=None):
        if self.w is None:
            self.r, self.w = await asyncio.open_connection(self.host, self.port)
        data = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(data)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        for k, v in (headers or {}).items():
            head.append(f"{k}: {v}")
        self.w.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status_line = await self.r.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
        payload = await self.r.readexactly(length) if length else b""
        return status, (json.loads(payload) if payload[:1] in (b"{", b"[") else payload)


def totp(secret, t=None, digits=6, period=30):
    counter = int((t or time.time()) // period)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return str((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 10 ** digits).zfill(digits)


def user(i):
    secret = hashlib.sha1(f"bench-{i}".encode()).digest()
    return f"bench{i:06d}", f"+4790{i:06d}", secret


async def seed(host, port, key, start, count, conns):
    auth = {"Authorization": f"Bearer {key}"}
    queue = list(range(start, start + count))

    async def worker():
        c = Conn(host, port)
        while queue:
            i = queue.pop()
            name, phone, secret = user(i)
            s, b = await c.request("POST", "/api/v1/admin/tenants/demo/users", {"username": name}, auth)
            if s not in (201, 409):
                raise SystemExit(f"seeding {name}: {s} {b}")
            if s == 201:
                await c.request("POST", f"/api/v1/admin/tenants/demo/users/{name}/contacts",
                                {"kind": "phone", "value": phone, "verified": True}, auth)
                await c.request("POST", f"/api/v1/admin/tenants/demo/users/{name}/tokens",
                                {"type": "totp", "secret": base64.b32encode(secret).decode()}, auth)
    await asyncio.gather(*(worker() for _ in range(conns)))


async def run_flows(host, port, start, count, conns):
    queue = list(range(start, start + count))
    latencies, failures, polls = [], [], [0]

    async def worker():
        c = Conn(host, port)
        while queue:
            i = queue.pop()
            name, phone, secret = user(i)
            t0 = time.perf_counter()
            try:
                s, f = await c.request("POST", "/api/v1/recovery/flows", {"tenant": "demo", "username": name})
                fid = f["id"]
                path = f"/api/v1/recovery/flows/{fid}"
                s, f = await c.request("POST", path, {"flow": "sms-totp"})
                s, f = await c.request("POST", path, {"contact": "0", "number": phone})
                assert f.get("state") == "enter_code", f
                code = None
                # A long-poll: the server answers as soon as the dispatcher has delivered the SMS (one request per
                # flow, instead of polling in a loop).
                polls[0] += 1
                s, box = await c.request("GET", "/dev/outbox.json?wait=10000&to=" + quote(phone))
                msgs = box.get("messages", [])
                if msgs:
                    code = next(w for w in msgs[0]["text"].replace(".", " ").split() if w.isdigit() and len(w) == 6)
                assert code, "no SMS arrived"
                s, f = await c.request("POST", path, {"code": code, "state": "enter_code"})
                assert f.get("state") == "enter_totp", f
                s, f = await c.request("POST", path, {"code": totp(secret), "state": "enter_totp"})
                assert f.get("state") == "verified", f
                latencies.append(time.perf_counter() - t0)
            except Exception as e:  # counted, not fatal: the figure says how many failed
                failures.append(repr(e)[:200])
                c = Conn(host, port)
    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return time.perf_counter() - t, latencies, failures, polls[0]


def server_cpu(pid):
    """The server's user + system CPU seconds so far (from /proc), or None without a pid."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--admin-key", required=True)
    ap.add_argument("--flows", type=int, default=3000)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--server-pid", type=int, default=0, help="the server's pid, to report its CPU time per flow")
    a = ap.parse_args()
    host = "127.0.0.1"
    t = time.perf_counter()
    asyncio.run(seed(host, a.port, a.admin_key, 0, a.flows, a.connections))
    print(f"seeded {a.flows} users in {time.perf_counter() - t:.1f} s")
    cpu0 = server_cpu(a.server_pid)
    elapsed, lat, fails, polls = asyncio.run(run_flows(host, a.port, 0, a.flows, a.connections))
    cpu1 = server_cpu(a.server_pid)
    ok = len(lat)
    print(f"verified flows: {ok} of {a.flows} in {elapsed:.2f} s with {a.connections} connections")
    print(f"throughput: {ok / elapsed:.0f} verified SMS+TOTP flows/s (target >= 500)")
    if lat:
        q = statistics.quantiles(lat, n=100)
        print(f"flow latency (6 API calls + outbox polls): p50 {q[49]*1000:.1f} ms, p99 {q[98]*1000:.1f} ms")
    print(f"outbox polls: {polls / max(a.flows, 1):.1f} per flow (each an API request)")
    if cpu0 is not None and cpu1 is not None and ok:
        # CPU time is steadier than throughput on a shared machine: it is what an optimisation changes.
        print(f"server CPU: {(cpu1 - cpu0) * 1000 / ok:.2f} ms per verified flow "
              f"({(cpu1 - cpu0) / elapsed * 100:.0f} % of one core on average)")
    if fails:
        print(f"failed flows: {len(fails)}; first: {fails[0]}")


if __name__ == "__main__":
    main()
