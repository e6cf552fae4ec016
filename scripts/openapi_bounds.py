#!/usr/bin/env python3
"""Fails when an integer in the OpenAPI document has no `minimum` and `maximum` (or an `enum`).

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


def main():
    spec = sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.yaml"
    with open(spec, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    out = []
    unbounded(doc, [], out)
    for path in out:
        print(f"{spec}: integer without minimum and maximum: {path}", file=sys.stderr)
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
