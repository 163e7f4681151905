#!/usr/bin/env python3
"""Times seaworthy against compose-lint and dclint on the same Compose files, and prints ratios.

Usage: bench/compose_speed.py [CORPUS_DIR] [--files-from LIST] [--runs R] [--seaworthy PATH]
           [--no-build]

CORPUS_DIR (default /tmp/compose-corpus) is searched for Compose files as
bench/compose_conformance.py does (compose.y(a)ml, docker-compose*.y(a)ml, templates/compose/*).
The competitors, installed when missing:

- compose-lint (PyPI `compose-lint`): `compose-lint check --format json
  --allow-partial-coverage --fail-on critical FILE...`, one process for every file (it lints each
  file on its own, merging a sibling compose.override.yml as Compose would); exit 2 when a file
  does not parse, which is accepted as long as it printed its JSON report;
- dclint (npm `dclint`, the docker-compose-linter project): `dclint -f json FILE...`, one process.

seaworthy is timed with the most complete thing it can do with Compose files, said in the output:
1. `seaworthy check --quiet --no-shellcheck --fail-on none FILE...` once `check` recognises
   Compose files (detected: checking a compose file does not report Dockerfile syntax errors
   such as "unknown instruction: services:");
2. else, once `seaworthy debug compose` exists, loading every file with it (one process per file,
   run one after another: a lower bound of what a check costs, labelled "loader only");
3. else nothing: the competitors' times are printed alone.

Each tool runs once untimed (warm caches), then R times (default 3); the median is reported, and
each tool's time as a ratio of seaworthy's (how many times slower than seaworthy it is). Ratios,
not absolute times, are the result: absolute times depend on the machine and its load.
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compose_conformance import ENV, HOME, ROOT, corpus_files  # noqa: E402


def ensure(exe, install):
    if shutil.which(exe) is None:
        subprocess.run(install, check=True, stdout=subprocess.DEVNULL)
    path = shutil.which(exe)
    if path is None:
        raise SystemExit(f"{exe} is not installed and `{' '.join(install)}` did not install it")
    return path


def timed(run, runs):
    run()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command(cmd, ok, cwd):
    def run():
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode not in ok or not p.stdout.strip():
            raise SystemExit(f"{Path(cmd[0]).name} exited {p.returncode}: {p.stderr[-500:]}")
    return run


def seaworthy_mode(binary, corpus, files):
    if not Path(binary).exists():
        return None
    probe = subprocess.run([binary, "check", "--quiet", "--no-shellcheck", "--fail-on", "none",
                            str(corpus / files[0])], capture_output=True, text=True)
    if probe.returncode == 0 and "unknown instruction" not in probe.stdout + probe.stderr:
        return "check"
    if subprocess.run([binary, "debug", "compose", "--help"], capture_output=True).returncode == 0:
        return "debug"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="?", default="/tmp/compose-corpus")
    ap.add_argument("--files-from")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seaworthy")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    corpus = Path(args.corpus).resolve()
    files = corpus_files(corpus, args.files_from)
    if not files:
        raise SystemExit(f"no compose files under {corpus}")
    size = sum((corpus / f).stat().st_size for f in files)
    print(f"corpus: {len(files)} Compose files, {size / 1e6:.2f} MB ({corpus})")
    names = [str(f) for f in files]

    if args.seaworthy:
        seaworthy = args.seaworthy
    else:
        if not args.no_build:
            subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "seaworthy"], cwd=ROOT,
                           check=True)
        seaworthy = str(ROOT / "target" / "release" / "seaworthy")
    compose_lint = ensure("compose-lint", [sys.executable, "-m", "pip", "install", "--quiet",
                                           "compose-lint"])
    dclint = ensure("dclint", ["npm", "install", "--global", "--silent", "dclint"])
    versions = {
        "compose-lint": subprocess.run([compose_lint, "--version"], capture_output=True,
                                       text=True).stdout.strip(),
        "dclint": "dclint " + subprocess.run([dclint, "--version"], capture_output=True,
                                             text=True).stdout.strip(),
    }
    print("competitors: " + ", ".join(versions.values()))

    tools = {}
    mode = seaworthy_mode(seaworthy, corpus, files)
    if mode == "check":
        label = "seaworthy check"
        # Exit 2: some files do not load (docker compose rejects them too); the rest were
        # checked, as compose-lint's exit 2 is accepted below.
        tools[label] = command([seaworthy, "check", "--quiet", "--no-shellcheck", "--fail-on",
                                "none", *names], {0, 2}, corpus)
    elif mode == "debug":
        label = "seaworthy (loader only)"

        def load_all():
            Path(HOME).mkdir(parents=True, exist_ok=True)
            for f in files:
                subprocess.run([seaworthy, "debug", "compose", "-f", f.name], cwd=corpus / f.parent,
                               env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tools[label] = load_all
        print("seaworthy: `check` does not check Compose files yet; timing `debug compose` "
              "(one process per file) instead")
    else:
        label = None
        print("seaworthy: neither `check` nor `debug compose` handles Compose files yet; "
              "only the competitors are timed")
    tools["compose-lint"] = command([compose_lint, "check", "--format", "json",
                                     "--allow-partial-coverage", "--fail-on", "critical", *names],
                                    {0, 1, 2}, corpus)
    tools["dclint"] = command([dclint, "-f", "json", *names], {0, 1}, corpus)

    results = {name: timed(run, args.runs) for name, run in tools.items()}
    print(f"median of {args.runs} runs over the whole corpus:")
    for name, t in results.items():
        ratio = f"{t / results[label]:8.1f}x seaworthy's time" if label else ""
        print(f"  {name:26} {t:8.2f} s  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
