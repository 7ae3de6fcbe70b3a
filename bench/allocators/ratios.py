#!/usr/bin/env python3
"""Runs the allocator benchmarks and prints the ratio table (Markdown).

Usage: bench/allocators/ratios.py BUILD/bench/allocators/allocators_bench
           [--runs N] [--repetitions N] [--min-time SECONDS] [--json-out PREFIX]

The program runs twice: once with glibc's default malloc tuning, once with
GLIBC_TUNABLES=glibc.malloc.mxfast=0 (only the heap and Lua comparisons are
taken from that run). Each benchmark is repeated, the repetitions interleaved in
random order, and its median CPU time used. Every ratio
is "how many times faster memreg is" (the other's time / memreg's time), except
against the raw bump, where it is memreg's time / the bump's (lower is better).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys


def run(binary, min_time, repetitions, env_extra, bench_filter, json_out):
    env = dict(os.environ)
    env.update(env_extra)
    command = [
        binary,
        f"--benchmark_min_time={min_time}",
        f"--benchmark_repetitions={repetitions}",
        "--benchmark_report_aggregates_only=true",
        # Repetitions run in random order, so a burst of load on the machine hits
        # every contender alike instead of one of them.
        "--benchmark_enable_random_interleaving=true",
        "--benchmark_format=json",
        f"--benchmark_filter={bench_filter}",
    ]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    if json_out:
        with open(json_out, "w") as f:
            f.write(out)
    data = json.loads(out)
    times = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            times[b["run_name"]] = b["cpu_time"]
    return times, data["context"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--min-time", default="0.02")
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--runs", type=int, default=3, help="whole runs; ratios are their median")
    parser.add_argument("--json-out", default="",
                        help="save the raw JSON as PREFIX-{default,mxfast0}-RUN.json")
    args = parser.parse_args()

    json_out = lambda tag, i: f"{args.json_out}-{tag}-{i}.json" if args.json_out else ""
    runs = []  # (default tuning times, mxfast=0 times) per run
    for i in range(args.runs):
        times, context = run(args.binary, args.min_time, args.repetitions, {}, ".",
                             json_out("default", i))
        mxfast, _ = run(args.binary, args.min_time, args.repetitions,
                        {"GLIBC_TUNABLES": "glibc.malloc.mxfast=0"}, "heap/|lua/",
                        json_out("mxfast0", i))
        runs.append((times, mxfast))

    rows = []

    def add(what, memreg, other, tuning, target, lower_is_better):
        ratios, mine, theirs = [], [], []
        for r in runs:
            source = r[tuning]
            if memreg not in source or other not in source:
                sys.exit(f"ratios.py: missing benchmark {memreg} or {other}")
            mine.append(source[memreg])
            theirs.append(source[other])
            ratios.append(source[memreg] / source[other] if lower_is_better
                          else source[other] / source[memreg])
        ratio = statistics.median(ratios)
        spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""
        if lower_is_better:
            shown, goal = f"{ratio:.2f}× its time{spread}", f"≤ {target}×"
            met = "yes" if ratio <= target else "**no**"
        else:
            shown, goal = f"{ratio:.2f}× faster{spread}", "" if target is None else f"≥ {target}×"
            met = "" if target is None else ("yes" if ratio >= target else "**no**")
        rows.append((what, f"{statistics.median(mine):.0f}", f"{statistics.median(theirs):.0f}",
                     shown, goal, met))

    def faster(what, memreg, other, tuning=0, target=None):
        add(what, memreg, other, tuning, target, lower_is_better=False)

    def no_slower_than(what, memreg, floor, target):
        add(what, memreg, floor, 0, target, lower_is_better=True)

    for size in (16, 32, 64):
        no_slower_than(f"arena {size} B vs raw pointer bump (locals in registers)",
                       f"arena/memreg_arena/{size}", f"arena/raw_bump/{size}", 1.25)
        no_slower_than(f"arena over a fixed buffer {size} B vs raw pointer bump (registers)",
                       f"arena/memreg_arena_fixed/{size}", f"arena/raw_bump/{size}", 1.25)
        no_slower_than(f"arena {size} B vs raw pointer bump (state in an object)",
                       f"arena/memreg_arena/{size}", f"arena/raw_bump_object/{size}", 1.25)
        faster(f"arena {size} B vs pmr monotonic (called directly, devirtualized)",
               f"arena/memreg_arena/{size}", f"arena/pmr_monotonic/{size}", target=3)
        faster(f"arena {size} B vs pmr monotonic (through memory_resource*)",
               f"arena/memreg_arena/{size}", f"arena/pmr_monotonic_virtual/{size}", target=3)
        faster(f"arena {size} B vs malloc/free", f"arena/memreg_arena/{size}", f"arena/malloc/{size}")
    faster("pool 32 B alloc+free vs pmr unsynchronized_pool", "pool/memreg_pool",
           "pool/pmr_unsynchronized_pool", target=5)
    faster("pool 32 B alloc+free vs malloc/free", "pool/memreg_pool", "pool/malloc", target=2)
    faster("heap churn 8-512 B vs malloc/realloc/free", "heap/memreg_heap", "heap/malloc", target=1.0)
    faster("heap churn 8-512 B vs malloc, mxfast=0", "heap/memreg_heap", "heap/malloc",
           tuning=1, target=1.0)
    if "lua/malloc" in runs[0][0]:  # built only where Lua 5.4 is installed
        for tuning, name in ((0, ""), (1, ", mxfast=0")):
            faster(f"Lua 5.4 script, a fresh heap per state vs malloc{name}", "lua/memreg_heap",
                   "lua/malloc", tuning=tuning)
            faster(f"Lua 5.4 script, one heap kept across states vs malloc{name}",
                   "lua/memreg_heap_kept", "lua/malloc", tuning=tuning)
    for shape in ("list", "vector"):
        faster(f"std::{shape}<int> 1000 push_back: arena vs std::allocator",
               f"{shape}/memreg_arena", f"{shape}/std_allocator")
        faster(f"std::{shape}<int> 1000 push_back: arena vs pmr monotonic",
               f"{shape}/memreg_arena", f"{shape}/pmr_monotonic")

    unit = "ns per batch (CPU, median; Lua rows: µs per state)"
    print(f"Machine: {context.get('num_cpus')} cores at {context.get('mhz_per_cpu')} MHz, "
          f"{platform.system()} {platform.machine()}; {args.runs} runs of {args.repetitions} "
          f"interleaved repetitions, min time {args.min_time} s; times in {unit}; "
          f"ratio: median of the runs (lowest–highest).\n")
    print("| comparison | memreg | other | ratio | target | met |")
    print("|---|---:|---:|---:|---:|:---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
