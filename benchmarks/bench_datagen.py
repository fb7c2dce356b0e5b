"""Throughput of the rendering pipelines, in samples per second per core.

    python -m benchmarks.bench_datagen [--num-samples 60] [--pipelines pt_ocr,sepic]

Each pipeline writes ``--num-samples`` samples with one process (shards, checks and saving included).
"Per core" divides by the CPU seconds the process and all its descendants used (sandboxed code runs in
them; see ``benchmarks/cpu.py``), so the figure holds on a busy machine; wall-clock rates are shown beside it.
"""

import argparse
import importlib
import tempfile
import time

from benchmarks.cpu import cpu_meter
from datagen import RENDERING_PIPELINES


def measure(name: str, num_samples: int, _cpu_seconds) -> tuple[int, float, float]:
    """(samples kept, samples per CPU second, samples per wall second) for one pipeline."""
    main = importlib.import_module(f"datagen.{name}").main
    with tempfile.TemporaryDirectory() as out:
        main(["--num-samples", "2", "--output-dir", f"{out}/warm-up"])  # imports, fonts and caches are not throughput
        cpu, wall = _cpu_seconds(), time.perf_counter()
        kept = len(main(["--num-samples", str(num_samples), "--shard-size", "20", "--output-dir", f"{out}/run"]))
        cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
    return kept, kept / cpu, kept / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=60)
    parser.add_argument("--pipelines", default=",".join(RENDERING_PIPELINES))
    args = parser.parse_args()
    print("| pipeline | samples | samples/s per core (CPU time) | samples/s (wall) |")
    print("|---|---:|---:|---:|")
    with cpu_meter() as cpu_seconds:
        for name in args.pipelines.split(","):
            kept, per_core, per_wall = measure(name, args.num_samples, cpu_seconds)
            print(f"| `{name}` | {kept} | {per_core:.1f} | {per_wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
