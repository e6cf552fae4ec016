#!/usr/bin/env python3
"""An independent implementation of the Lifeline Authenticator's code constructions (hmac + hashlib only), used to
check the fixed test vectors of docs/authenticator-codes.md and of LifelineAuthenticatorKitTests.

    scripts/authenticator_vectors.py              # the vectors as JSON (what AuthenticatorCodeVectorTests compares)
    scripts/authenticator_vectors.py --markdown   # the vectors as the Markdown tables of docs/authenticator-codes.md
    scripts/authenticator_vectors.py --check docs/authenticator-codes.md   # exit 1 unless every row is in the file

The constructions (byte layouts in docs/authenticator-codes.md):
    mac(K, label, m)  = HMAC-SHA-256(K, utf8(label) || 0x00 || m)
    value(h)          = the first 8 bytes of h as a big-endian unsigned integer
    digits(h, n)      = value(h) mod 10^n, written with n digits (leading zeros kept)
    be64(step)        = step as 8 bytes, big-endian, two's complement
    V                 = mac(pinKey, "lifeline-pin-v1", utf8(PIN))
    offline code      = digits(mac(orgKey, "offline", be64(T) || V), 8)
    K_u               = mac(orgKey, "ubc", utf8(org) || 0x00 || utf8(UBC))
    pad               = value(mac(K_u, "pad", be64(T) || byte(n))) mod 10^n
    c                 = (PIN + pad) mod 10^n, n digits
    tag               = digits(mac(K_u, "tag", be64(T) || byte(n) || utf8(c)), 5)
    unblock code      = c || tag
"""
import hashlib
import hmac
import json
import sys

PIN_KEY = bytes(range(0x00, 0x20))
ORG_KEY = bytes(range(0x20, 0x40))
ORG_KEY_2 = hashlib.sha256(b"lifeline test org key 2").digest()
ORGANIZATION = "0b1e4d2c-7a3f-4e5b-9c8d-1f2a3b4c5d6e"
UBCS = ["40718265", "00917342"]
PINS = ["0472", "031985", "00738164", "8315"]
STEPS = [0, 1, 56666666, 59066667, 4294967296]


def mac(key, label, message):
    return hmac.new(key, label.encode() + b"\x00" + message, hashlib.sha256).digest()


def value(h):
    return int.from_bytes(h[:8], "big")


def digits(h, n):
    return str(value(h) % 10 ** n).zfill(n)


def be64(step):
    return (step & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def pin_verifier(pin_key, pin):
    return mac(pin_key, "lifeline-pin-v1", pin.encode())


def offline_code(org_key, verifier, step):
    return digits(mac(org_key, "offline", be64(step) + verifier), 8)


def unblock_key(org_key, organization, ubc):
    return mac(org_key, "ubc", organization.encode() + b"\x00" + ubc.encode())


def unblock_code(org_key, organization, ubc, pin, step):
    n = len(pin)
    key = unblock_key(org_key, organization, ubc)
    pad = value(mac(key, "pad", be64(step) + bytes([n]))) % 10 ** n
    c = str((int(pin) + pad) % 10 ** n).zfill(n)
    return c + digits(mac(key, "tag", be64(step) + bytes([n]) + c.encode()), 5)


def vectors():
    out = {"pin_key": PIN_KEY.hex(), "org_key": ORG_KEY.hex(), "org_key_2": ORG_KEY_2.hex(), "organization": ORGANIZATION,
           "pin_verifier": [], "offline": [], "unblock": []}
    for pin in PINS:
        out["pin_verifier"].append({"pin": pin, "verifier": pin_verifier(PIN_KEY, pin).hex()})
    for pin in PINS:
        v = pin_verifier(PIN_KEY, pin)
        for key_name, key in (("org_key", ORG_KEY), ("org_key_2", ORG_KEY_2)):
            for step in STEPS:
                out["offline"].append({"key": key_name, "pin": pin, "step": step, "code": offline_code(key, v, step)})
    for pin in PINS:
        for ubc in UBCS:
            for step in STEPS:
                out["unblock"].append({"ubc": ubc, "pin": pin, "step": step,
                                       "code": unblock_code(ORG_KEY, ORGANIZATION, ubc, pin, step)})
    return out


def markdown(v):
    lines = ["Inputs:", "",
             f"- `pinKey` = `{v['pin_key']}`",
             f"- `orgKey` = `{v['org_key']}`",
             f"- `orgKey2` = `{v['org_key_2']}` (SHA-256 of `lifeline test org key 2`)",
             f"- `organization` = `{v['organization']}`",
             "", "PIN verifiers `V = HMAC-SHA-256(pinKey, \"lifeline-pin-v1\" ‖ 0x00 ‖ PIN)`:", "",
             "| PIN | V (hex) |", "|---|---|"]
    lines += [f"| `{r['pin']}` | `{r['verifier']}` |" for r in v["pin_verifier"]]
    lines += ["", "Offline codes (8 digits) of `V(PIN)` at step T:", "", "| key | PIN | T | code |", "|---|---|---|---|"]
    lines += [f"| {'orgKey' if r['key'] == 'org_key' else 'orgKey2'} | `{r['pin']}` | {r['step']} | `{r['code']}` |" for r in v["offline"]]
    lines += ["", "Unblock codes (n + 5 digits) with `orgKey` and `organization`:", "",
              "| UBC | new PIN | T | code |", "|---|---|---|---|"]
    lines += [f"| `{r['ubc']}` | `{r['pin']}` | {r['step']} | `{r['code']}` |" for r in v["unblock"]]
    return "\n".join(lines)


def main(argv):
    v = vectors()
    if len(argv) > 1 and argv[1] == "--markdown":
        print(markdown(v))
    elif len(argv) > 2 and argv[1] == "--check":
        text = open(argv[2], encoding="utf-8").read()
        missing = [line for line in markdown(v).splitlines() if line.startswith("|") and line not in text]
        for line in missing:
            print("missing or different:", line, file=sys.stderr)
        return 1 if missing else 0
    else:
        print(json.dumps(v, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
