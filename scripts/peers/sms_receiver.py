#!/usr/bin/env python3
"""HTTP receiver standing in for an SMS gateway in the LifelineDelivery tests (standard library only).

Listens on 127.0.0.1, prints the bound port on the first line of stdout once it accepts connections, and appends
one JSON line per request to --out: {"method", "path", "query", "headers" (lower-case names), "body" (str)}.

Options:
  --port N           port (0 = any free port; default 0)
  --out FILE         where to append the JSON lines (required)
  --fail-count N     answer the first N requests with --fail-status (default 0)
  --fail-status S    the status for those answers (default 500)
"""
import argparse
import json
import time
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def unblock_signals():
    """The parent (a test runner) may start us with TERM and INT blocked; unblock them so that stopping us by pid
    works."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def exit_with_parent():
    """Exits when the process that started us is gone (a killed test run must not leave us listening)."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def main():
    p = argparse.ArgumentParser(description="SMS gateway stand-in for tests")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--fail-count", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=500)
    args = p.parse_args()

    lock = threading.Lock()
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            record = {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            }
            with lock:
                state["seen"] += 1
                failing = state["seen"] <= args.fail_count
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            status = args.fail_status if failing else 200
            answer = json.dumps({"status": "failed" if failing else "queued"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = handle_any

        def log_message(self, format, *args):  # noqa: A002 - keep stderr quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    unblock_signals()
    exit_with_parent()
    sys.exit(main())
