#!/usr/bin/env python3
"""memreg::heap against glibc, jemalloc, tcmalloc and mimalloc on Lua 5.4 workloads.

Every run is a process of its own: lua_workload_host runs one script of this
directory on realloc/free -- glibc's, or jemalloc's, tcmalloc's or mimalloc's put
in front of it by LD_PRELOAD of the Debian library -- or on memreg::heap (whose
chunks come from glibc's malloc). The runs of all workloads and allocators are
interleaved in a new random order each round; the table shows, per workload and
allocator, the median wall time and the median peak RSS (the kernel's ru_maxrss
of the process), and the heap against the best of the four others. Every run's
output (the script's checksum) must be the same under every allocator.

The C++ churn (allocators_bench's heap/ benchmarks: 20 000 Lua-like steps over
blocks of 8-512 B, in one process) runs in the same rounds: heap/malloc under each
LD_PRELOAD, heap/memreg_heap under glibc; its row is the median time per batch.

    python3 bench/lua/workloads/compare.py BUILD_DIR [--rounds 5] [--workloads a,b]

BUILD_DIR is a Release build with benchmarks (MEMREG_BUILD_BENCH=ON) in which
lua_workload_host and allocators_bench are built, e.g.
    cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMREG_BUILD_BENCH=ON
    cmake --build build/rel --target lua_workload_host allocators_bench
The allocators: Debian's libjemalloc-dev, libgoogle-perftools-dev, libmimalloc-dev
(scripts/install-deps bench).
"""
import argparse
import glob
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name, script, arguments: each about 1-2 s on glibc on a 2-core VM.
WORKLOADS = [
    ("binary-trees depth 15", "binary_trees.lua", ["15"]),
    ("strings", "strings.lua", []),
    ("tables and closures", "tables_closures.lua", []),
    ("live set grows and shrinks", "live_set.lua", []),
]

# name, the library LD_PRELOAD names (None: glibc's own malloc)
PRELOADS = [
    ("glibc", None),
    ("jemalloc", "libjemalloc.so.2"),
    ("tcmalloc", "libtcmalloc_minimal.so.4"),
    ("mimalloc", "libmimalloc.so.2"),
]
HEAP = "memreg heap"
ALLOCATORS = [name for name, _ in PRELOADS] + [HEAP]


def find_library(name):
    for pattern in ("/usr/lib/*-linux-gnu/" + name, "/usr/lib/" + name, "/usr/lib64/" + name,
                    "/usr/local/lib/" + name):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    sys.exit(f"compare.py: {name} not found (Debian: scripts/install-deps bench)")


def run(command, preload):
    """(wall seconds, peak RSS KiB, stdout) of one process."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"compare.py: {' '.join(command)} (LD_PRELOAD={preload}) failed: {process.returncode}")
    return seconds, usage.ru_maxrss, out.decode()


def churn_time(bench, allocator, preload):
    """Median real time (µs) of one heap/ benchmark in one process."""
    name = "heap/memreg_heap" if allocator == HEAP else "heap/malloc"
    _, _, out = run([bench, f"--benchmark_filter=^{name}$", "--benchmark_format=json",
                     "--benchmark_min_time=0.2"], preload)
    for b in json.loads(out)["benchmarks"]:
        if b["name"] == name:
            return b["real_time"] / 1000 if b["time_unit"] == "ns" else b["real_time"]
    sys.exit(f"compare.py: no {name} in allocators_bench's output")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="a Release build with lua_workload_host and allocators_bench")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workloads", help="comma-separated script names (default: all)")
    parser.add_argument("--no-churn", action="store_true", help="skip the C++ churn row")
    args = parser.parse_args()

    host = os.path.join(args.build, "bench/lua/lua_workload_host")
    bench = os.path.join(args.build, "bench/allocators/allocators_bench")
    if not os.access(host, os.X_OK):
        sys.exit(f"compare.py: {host} is not built (cmake --build {args.build} --target lua_workload_host)")
    churn = not args.no_churn
    if churn and not os.access(bench, os.X_OK):
        sys.exit(f"compare.py: {bench} is not built (--no-churn, or build allocators_bench)")
    workloads = WORKLOADS
    if args.workloads:
        wanted = args.workloads.split(",")
        workloads = [w for w in WORKLOADS if w[1].removesuffix(".lua") in wanted]
    preload = {name: (find_library(lib) if lib else None) for name, lib in PRELOADS}
    preload[HEAP] = None

    times = {}     # (workload, allocator) -> [seconds]
    rss = {}       # (workload, allocator) -> [KiB]
    outputs = {}   # workload -> {output: [allocators]}
    jobs = [(w, a) for w in workloads for a in ALLOCATORS]
    if churn:
        jobs += [(None, a) for a in ALLOCATORS]
    started = time.time()
    load = os.getloadavg()
    for round_ in range(args.rounds):
        random.shuffle(jobs)
        for workload, allocator in jobs:
            if workload is None:
                times.setdefault(("churn", allocator), []).append(
                    churn_time(bench, allocator, preload[allocator]))
                continue
            name, script, script_args = workload
            command = [host, "heap" if allocator == HEAP else "system", os.path.join(HERE, script)]
            seconds, kib, out = run(command + script_args, preload[allocator])
            times.setdefault((name, allocator), []).append(seconds)
            rss.setdefault((name, allocator), []).append(kib)
            outputs.setdefault(name, {}).setdefault(out.strip(), set()).add(allocator)
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    for name, seen in outputs.items():
        if len(seen) != 1:
            sys.exit(f"compare.py: {name}: the allocators' outputs differ: {seen}")
    load_after = os.getloadavg()

    def median(values):
        return statistics.median(values)

    print(f"Lua 5.4 workloads, one process per run, {args.rounds} interleaved rounds, medians "
          f"(wall time / peak RSS); {time.time() - started:.0f} s in all; {os.cpu_count()} cores, "
          f"load average {load[0]:.2f} before, {load_after[0]:.2f} after")
    print()
    print("| workload | " + " | ".join(ALLOCATORS) + " | heap vs best other (time / RSS) |")
    print("|---|" + "---:|" * len(ALLOCATORS) + "---:|")
    for name, _, _ in workloads:
        cells = []
        for a in ALLOCATORS:
            cells.append(f"{median(times[(name, a)]):.2f} s / {median(rss[(name, a)]) / 1024:.1f} MB")
        others = [a for a in ALLOCATORS if a != HEAP]
        best_time = min(median(times[(name, a)]) for a in others)
        best_rss = min(median(rss[(name, a)]) for a in others)
        ratio_time = median(times[(name, HEAP)]) / best_time
        ratio_rss = median(rss[(name, HEAP)]) / best_rss
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio_time:.2f}× / {ratio_rss:.2f}× |")
    if churn:
        cells = [f"{median(times[('churn', a)]):.0f} µs" for a in ALLOCATORS]
        others = [a for a in ALLOCATORS if a != HEAP]
        best = min(median(times[("churn", a)]) for a in others)
        print("| C++ churn, 20 000 steps 8-512 B (time per batch) | " + " | ".join(cells) +
              f" | {median(times[('churn', HEAP)]) / best:.2f}× / — |")
    print()
    print("MB = 2^20 bytes. The ratios: the heap's median over the best median of glibc, jemalloc, "
          "tcmalloc and mimalloc (below 1: the heap wins).")


if __name__ == "__main__":
    main()
