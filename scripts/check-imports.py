#!/usr/bin/env python3
"""Checks that every module a target imports is one of its declared dependencies in Package.swift.

    swift package dump-package | scripts/check-imports.py

Prints each target with undeclared imports and exits 1 if there is one. System modules (Foundation, Dispatch,
Synchronization, Glibc, Darwin, Testing) need no declaration. Why: a module reached only through another package's
dependencies builds by accident, and breaks when that package rearranges its targets (issue 14, item 8).
"""
import glob
import json
import os
import re
import sys

SYSTEM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Synchronization", "Darwin", "Glibc", "Testing", "XCTest"}
IMPORT = re.compile(r"\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public |internal |package |private |fileprivate )?import\s+"
                    r"(?:struct |class |enum |protocol |func |var |let |typealias )?(\w+)")

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = json.load(sys.stdin)
failed = 0
for target in package["targets"]:
    name = target["name"]
    declared = {value[0] for dep in target["dependencies"] for value in dep.values()}
    path = target.get("path") or (("Tests/" if target["type"] == "test" else "Sources/") + name)
    imported = set()
    for file in glob.glob(os.path.join(root, path, "**", "*.swift"), recursive=True):
        with open(file, encoding="utf-8") as f:
            imported.update(m.group(1) for m in map(IMPORT.match, f) if m)
    missing = sorted(imported - declared - SYSTEM - {name})
    if missing:
        failed += 1
        print(f"{name}: imports {', '.join(missing)} without declaring it in Package.swift")
print(f"check-imports: {failed} target(s) with undeclared imports")
sys.exit(1 if failed else 0)
