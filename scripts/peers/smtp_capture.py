#!/usr/bin/env python3
"""SMTP capture server for the LifelineDelivery tests (aiosmtpd; `pip install aiosmtpd`).

Listens on 127.0.0.1, prints the bound port on the first line of stdout once it accepts connections, and appends
one JSON line per received message to --out:

    {"mail_from", "rcpt_tos", "data" (raw message, str), "tls", "auth", "mechanism",
     "parsed": {"subject", "from", "to", "content_type", "charset", "cte", "body", "defects", "headers"}}

"parsed" comes from Python's own email parser (an independent oracle for the MIME encoding).

Options:
  --port N               port (0 = any free port; default 0)
  --out FILE             where to append the JSON lines (required)
  --cert PEM --key PEM   enable STARTTLS with this certificate (without them, no STARTTLS is offered)
  --implicit-tls         with --cert/--key: TLS from the first byte (port 465 style) instead of STARTTLS
  --username U --password P
                         require AUTH (only after STARTTLS when a certificate is given)
  --mechanisms LIST      comma-separated AUTH mechanisms to offer (default PLAIN,LOGIN)
"""
import argparse
import asyncio
import email
import email.policy
import json
import threading
import time
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser(description="SMTP capture server for tests")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--username")
    p.add_argument("--password")
    p.add_argument("--mechanisms", default="PLAIN,LOGIN")
    p.add_argument("--implicit-tls", action="store_true")
    return p.parse_args()


def parse_message(raw: bytes) -> dict:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [type(d).__name__ for d in msg.defects]
    body = None
    try:
        body = msg.get_content()
    except Exception as e:  # noqa: BLE001 - recorded for the test to see
        defects.append("get_content: " + repr(e))
    for part in msg.walk():
        defects.extend(type(d).__name__ for d in part.defects if part is not msg)
    return {
        "subject": str(msg["subject"]) if msg["subject"] is not None else None,
        "from": str(msg["from"]) if msg["from"] is not None else None,
        "to": str(msg["to"]) if msg["to"] is not None else None,
        "content_type": msg.get_content_type(),
        "charset": msg.get_content_charset(),
        "cte": msg["content-transfer-encoding"],
        "body": body,
        "defects": defects,
        "headers": [k for k in msg.keys()],
    }


class Handler:
    def __init__(self, out, implicit):
        self.out = out
        self.implicit = implicit

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": raw.decode("utf-8", errors="replace"),
            "tls": session.ssl is not None or self.implicit,
            "auth": bool(session.authenticated),
            "mechanism": getattr(session, "lifeline_mechanism", None),
            "parsed": parse_message(raw),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 Message accepted for delivery"


def make_authenticator(username: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == username.encode()
              and auth_data.password == password.encode())
        if ok:
            session.lifeline_mechanism = mechanism
        # handled=False: aiosmtpd then answers a failure with 535 itself.
        return AuthResult(success=ok, handled=False)
    return authenticator


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


async def main():
    args = parse_args()
    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)
    auth = args.username is not None
    offered = {m.strip().upper() for m in args.mechanisms.split(",") if m.strip()}
    excluded = [m for m in ("PLAIN", "LOGIN") if m not in offered]
    handler = Handler(args.out, args.implicit_tls and tls_context is not None)

    starttls = tls_context if not args.implicit_tls else None

    def factory():
        return SMTP(
            handler,
            hostname="capture.test",
            tls_context=starttls,
            require_starttls=starttls is not None,
            auth_required=auth,
            auth_require_tls=starttls is not None,
            authenticator=make_authenticator(args.username, args.password) if auth else None,
            auth_exclude_mechanism=excluded,
            decode_data=False,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host="127.0.0.1", port=args.port,
                                      ssl=tls_context if args.implicit_tls else None)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    unblock_signals()
    exit_with_parent()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
