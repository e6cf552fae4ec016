#!/usr/bin/env python3
"""Driver of benchmarks/offline.sh (Python stdlib only): the server's cost of one offline-data download (issue 17).

    offline.py run --base-url URL --pid PID --secrets FILE --validate-key K --agent-key K [--tenant T] [--out-json FILE]

FILE holds "username<TAB>secret" lines (totp_bench.py populate): the first half of the users are validated with
POST /api/v1/validate (the baseline: the same passcode check without offline data), the second half authenticate with
POST /api/v1/agent/authenticate (the passcode check plus the offline data of the tenant's days). Each user's code is
fresh (its first use). Requests go one after another on one keep-alive connection; the server's CPU time (user +
system, /proc/PID/stat) is read before and after each half. Prints the figures; asserts nothing. --out-json keeps the
last agent answer (the agent's state of one download) for the client-side measurement.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from totp_bench import PERIOD, Client, b32decode, hotp  # noqa: E402  (the benchmarks' TOTP math and HTTP client)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "r", encoding="ascii", errors="replace") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the ")": state is field 3, utime 14 and stime 15 (1-based) → indexes 11 and 12 here.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(args) -> int:
    users = []
    with open(args.secrets, encoding="ascii") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                users.append((parts[0], parts[1]))
    half = len(users) // 2
    if half == 0:
        print("offline.py: no users", file=sys.stderr)
        return 1

    def code(secret: str) -> str:
        return hotp(b32decode(secret), int(time.time()) // PERIOD)

    figures = {}
    for phase, key, batch in (("validate", args.validate_key, users[:half]), ("agent", args.agent_key, users[half:])):
        client = Client(args.base_url, key, 60.0)
        sizes, walls, answers = [], [], {}
        last = None
        before = cpu_seconds(args.pid)
        t0 = time.monotonic()
        for username, secret in batch:
            if phase == "validate":
                path, body = "/api/v1/validate", {"tenant": args.tenant, "username": username, "code": code(secret)}
            else:
                path, body = "/api/v1/agent/authenticate", {"user": username, "passcode": code(secret), "machine": "bench-laptop"}
            t = time.monotonic()
            status, data, _ = client.post(path, body)
            walls.append(time.monotonic() - t)
            sizes.append(len(data))
            try:
                doc = json.loads(data)
            except ValueError:
                doc = {}
            result = f"{status} {doc.get('result', '?')}"
            if phase == "agent" and doc.get("offline") is None and doc.get("result") == "accept":
                result += f" (no data: {doc.get('offline_reason')})"
            answers[result] = answers.get(result, 0) + 1
            if phase == "agent" and doc.get("offline") is not None:
                last = doc
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(args.pid) - before
        figures[phase] = {"n": len(batch), "cpu": cpu, "wall": elapsed, "sizes": sizes, "walls": walls, "answers": answers, "last": last}

    v, a = figures["validate"], figures["agent"]
    ms = lambda s: s * 1000.0  # noqa: E731
    print(f"answers: validate {v['answers']}, agent {a['answers']}")
    print(f"server CPU per POST /api/v1/validate:           {ms(v['cpu'] / v['n']):8.1f} ms  ({v['n']} requests)")
    print(f"server CPU per POST /api/v1/agent/authenticate: {ms(a['cpu'] / a['n']):8.1f} ms  ({a['n']} requests)")
    extra = (a["cpu"] / a["n"]) - (v["cpu"] / v["n"])
    print(f"  of which the offline data (the difference):   {ms(extra):8.1f} ms")
    walls = sorted(a["walls"])
    print(f"agent/authenticate latency p50 {ms(walls[len(walls) // 2]):.1f} ms, max {ms(walls[-1]):.1f} ms")
    print(f"size of one download (the JSON answer):        {max(a['sizes']):9,d} bytes ({max(a['sizes']) / 1048576:.2f} MiB)")
    if a["last"] is not None:
        data = a["last"]["offline"]
        print(f"  steps {data.get('steps')} of {data.get('period')} s = {data.get('steps', 0) * data.get('period', 0) / 86400:.1f} days, "
              f"tags {len(data.get('tags', ''))} base64 characters")
        if args.out_json:
            with open(args.out_json, "w", encoding="utf-8") as f:
                json.dump(a["last"], f)
    print(f"BENCH_SERVER_CPU_MS={ms(a['cpu'] / a['n']):.2f}")
    print(f"BENCH_BASELINE_CPU_MS={ms(v['cpu'] / v['n']):.2f}")
    print(f"BENCH_DOWNLOAD_BYTES={max(a['sizes'])}")
    return 0 if a["last"] is not None else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("run")
    s.add_argument("--base-url", required=True)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--secrets", required=True)
    s.add_argument("--validate-key", required=True)
    s.add_argument("--agent-key", required=True)
    s.add_argument("--tenant", default="bench")
    s.add_argument("--out-json")
    s.set_defaults(func=run)
    args = p.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
