"""Throughput of the code sandbox: snippets per second per core, bubblewrap against the old in-process route.

    python -m benchmarks.bench_sandbox [--snippets 100] [--rounds 3] [--pool 2]

Every route runs the same SePIC-style snippets (a template function and one call, the outcome parsed as
the pipelines parse it), in alternating rounds so that a busy machine slows all of them alike. "Per
core" divides by the CPU seconds of this process and everything it started; on cgroup v1 machines that
is read from a cpuacct cgroup holding the benchmark (rusage misses processes reaped inside a pid
namespace), else from rusage. "Wall" is one caller running snippets back to back.
"""

import argparse
import os
import random
import time

from benchmarks.cpu import cpu_meter
from datagen.sandbox import bubblewrap, cgroup
from datagen.sandbox.code_exec import call_program, parse_outcomes
from datagen.sandbox.runner import Limits, WarmPool, run_in, tree_limits_note
from datagen.sources.code_templates import make_function


def snippets(count: int) -> list[str]:
    rng = random.Random(0)
    sources = []
    for _ in range(count):
        function = make_function(rng, rng.choice(["pt", "en"]))
        sources.append(call_program(function.source, [function.calls[0]]))
    return sources


def run_all(pool: WarmPool, sources: list[str]) -> int:
    ok = 0
    for source in sources:
        result = run_in(pool, source)
        ok += result.status == "ok" and parse_outcomes(result.stdout, 1) is not None
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snippets", type=int, default=100, help="snippets per route and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=2, help="warm sandboxes kept started ahead of need")
    args = parser.parse_args()
    if bubblewrap.unavailable_reason():
        raise SystemExit(f"no bubblewrap route to measure: {bubblewrap.unavailable_reason()}")
    limits = Limits()
    routes = {
        "in-process, cold (the old route)": WarmPool(limits, "in-process", 0),
        "bubblewrap, cold": WarmPool(limits, "bubblewrap", 0),
        f"bubblewrap, warm pool of {args.pool}": WarmPool(limits, "bubblewrap", args.pool),
    }
    sources = snippets(args.snippets)
    totals = {name: [0, 0.0, 0.0] for name in routes}  # ok, cpu, wall
    with cpu_meter() as cpu:
        for pool in routes.values():
            run_all(pool, sources[:5])  # warm-up: page cache, the first pool fill
        for _ in range(args.rounds):
            for name, pool in routes.items():
                cpu_start, wall_start = cpu(), time.perf_counter()
                totals[name][0] += run_all(pool, sources)
                totals[name][1] += cpu() - cpu_start
                totals[name][2] += time.perf_counter() - wall_start
        for pool in routes.values():
            pool.close()
    print(f"{args.snippets} snippets x {args.rounds} rounds per route; {os.cpu_count()} cores; {tree_limits_note()}")
    print("| route | snippets ok | snippets/s per core (CPU time) | snippets/s (wall, one caller) | ms per snippet |")
    print("|---|---:|---:|---:|---:|")
    for name, (ok, cpu_seconds, wall) in totals.items():
        count = args.snippets * args.rounds
        print(f"| {name} | {ok}/{count} | {count / cpu_seconds:.1f} | {count / wall:.1f} | {wall / count * 1e3:.1f} |")
    print(f"cgroup layout: {cgroup.available() or 'none'}")


if __name__ == "__main__":
    main()
