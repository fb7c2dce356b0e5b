"""The GPU check: parity with LlavaNext, a stage-2 training step and generation latency, at the released widths.

    bash scripts/gpu_check.sh                                        # on the GPU machine (installs .whl/ first)
    python -m benchmarks.gpu_check --output-dir gpu_check_out        # the same, where the packages are installed
    python -m benchmarks.gpu_check --device cpu --tiny --output-dir /tmp/gpu_check   # every code path, in seconds

Random weights only: nothing is downloaded. Each section (benchmarks/gpu_parity.py, gpu_train_step.py,
gpu_generate.py) records its own failure and the run goes on; gpu_check.json and gpu_check.md are rewritten after
every section, so a run stopped by its time guard keeps what it had measured. A section is skipped when the time
left is below what it needs on an H200.
"""

import argparse
import gc
import importlib
import logging
import time
from pathlib import Path

import torch
from transformers.utils import logging as transformers_logging

from benchmarks.gpu_report import environment, error_record, write
from benchmarks.gpu_sizes import REAL, TINY


# Seconds each section needs at the real sizes on an H200: estimates (building, warm-up, timing), not yet measured.
NEEDS = {"parity": 90, "train_step": 150, "generate": 60}


def section_runners(sizes, device: str, record_train) -> dict:
    """Each section's module is imported when it runs: a package that fails to import there (trl, datasets) costs
    that section, not the run."""
    section = lambda name: importlib.import_module(f"benchmarks.gpu_{name}")
    return {
        "parity": lambda: section("parity").run(sizes, device),
        "train_step": lambda: section("train_step").run(sizes, device, record_train),
        "generate": lambda: section("generate").run(sizes, device),
    }


def free_memory(device: str):
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", choices=("cuda", "cpu"))
    parser.add_argument("--tiny", action="store_true", help="tiny widths: every code path in seconds, on a CPU")
    parser.add_argument("--output-dir", type=Path, default=Path("gpu_check_out"))
    parser.add_argument("--sections", nargs="+", choices=tuple(NEEDS), default=list(NEEDS))
    parser.add_argument(
        "--budget-seconds", type=float, default=420, help="a section that needs more than is left is skipped"
    )
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    transformers_logging.disable_progress_bar()  # the log is read as text, where bars are carriage-return noise
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"--device cuda, but torch {torch.__version__} sees no CUDA device.")
    sizes = TINY if args.tiny else REAL
    start = time.perf_counter()
    report = {"environment": environment(args.device), "sizes": sizes.name, "sections": {}}

    def record(name: str, result: dict):
        report["sections"][name] = result
        report["seconds"] = time.perf_counter() - start
        write(report, args.output_dir)

    runners = section_runners(sizes, args.device, lambda partial: record("train_step", partial))
    for name in args.sections:
        left = args.budget_seconds - (time.perf_counter() - start)
        if not args.tiny and left < NEEDS[name]:
            record(name, {"skipped": f"{left:.0f} s left of the budget, {NEEDS[name]} s needed"})
            continue
        print(f"gpu_check: {name} ...", flush=True)
        section_start = time.perf_counter()
        try:
            result = runners[name]()
        except Exception as error:  # a partial record beats none: the next section still runs
            result = {**report["sections"].get(name, {}), **error_record(error)}
        result["seconds"] = time.perf_counter() - section_start
        record(name, result)
        print(f"gpu_check: {name} done in {result['seconds']:.0f} s", flush=True)
        free_memory(args.device)
    print((args.output_dir / "gpu_check.md").read_text(), flush=True)
    return report


if __name__ == "__main__":
    main()
