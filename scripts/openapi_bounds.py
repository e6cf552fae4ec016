#!/usr/bin/env python3
"""Fails when an integer in the OpenAPI document has no `minimum` and `maximum` (or an `enum`), or when an operation
with a request body does not document `415` (the server refuses a body not declared `application/json`).

Why: schemathesis generates integers only inside the document's bounds, and an unbounded integer is where an
overflow trap hides (issue 13 item 4). Run by scripts/api-fuzz.sh before fuzzing.

    scripts/openapi_bounds.py [docs/openapi.yaml]
"""
import sys

import yaml


def unbounded(node, path, out):
    if isinstance(node, dict):
        kind = node.get("type")
        is_int = kind == "integer" or (isinstance(kind, list) and "integer" in kind)
        if is_int and "enum" not in node and ("minimum" not in node or "maximum" not in node):
            out.append("/".join(path))
        for key, value in node.items():
            unbounded(value, path + [str(key)], out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            unbounded(value, path + [str(i)], out)


def without_415(doc):
    out = []
    for path, ops in (doc.get("paths") or {}).items():
        for method, op in ops.items():
            if isinstance(op, dict) and "requestBody" in op and "415" not in {str(k) for k in op.get("responses", {})}:
                out.append(f"{method.upper()} {path}")
    return out


def main():
    spec = sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.yaml"
    with open(spec, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    out = []
    unbounded(doc, [], out)
    for path in out:
        print(f"{spec}: integer without minimum and maximum: {path}", file=sys.stderr)
    missing = without_415(doc)
    for op in missing:
        print(f"{spec}: operation with a request body does not document 415: {op}", file=sys.stderr)
    sys.exit(1 if out or missing else 0)


if __name__ == "__main__":
    main()
