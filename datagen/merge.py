"""Join the datasets of the independent jobs of one run into one dataset, in sample order.

    # one job per Slurm array task (or per machine, or per Ray task): same command, another --job-index
    python -m datagen.pt_ocr --num-samples 1000000 --num-jobs 64 --job-index $SLURM_ARRAY_TASK_ID \\
        --output-dir out/pt_ocr/job-$SLURM_ARRAY_TASK_ID
    python -m datagen.merge --output-dir out/pt_ocr/all out/pt_ocr/job-*

Each job made the contiguous block of sample indices ``datasets``' ``shard(num_jobs, index,
contiguous=True)`` gives it, and sample ``i`` depends only on ``(seed, i)``: the merged dataset is the
one a single run would have made. Jobs of different runs (seed, size, job count) are refused.
"""

import argparse
import json
import shutil
from pathlib import Path

from datasets import Dataset, concatenate_datasets, load_from_disk

from datagen.writing.writer import MANIFEST


RUN_KEYS = ("num_samples", "shard_size", "seed", "content", "num_jobs")


def _run_of(manifest: dict) -> dict:
    """What every job of one run shares: its settings, its inputs' digests and the number of jobs."""
    return {key: manifest.get(key, 1 if key == "num_jobs" else None) for key in RUN_KEYS}


def _manifest(job_dir: Path) -> dict:
    path = job_dir / MANIFEST
    if not path.exists():
        raise ValueError(f"{job_dir} holds no finished job (no {MANIFEST}); run or resume that job first")
    return json.loads(path.read_text())


def ordered_jobs(job_dirs: list[Path]) -> list[Path]:
    """The job folders in job order, checked to be every job of one run, each once."""
    manifests = {job_dir: _manifest(job_dir) for job_dir in job_dirs}
    runs = {json.dumps(_run_of(m), sort_keys=True) for m in manifests.values()}
    if len(runs) != 1:
        raise ValueError(f"the folders hold jobs of different runs: {sorted(runs)}")
    num_jobs = json.loads(next(iter(runs)))["num_jobs"]
    by_index = {m.get("job_index", 0): job_dir for job_dir, m in manifests.items()}
    if sorted(by_index) != list(range(num_jobs)) or len(by_index) != len(job_dirs):
        raise ValueError(f"expected jobs 0 to {num_jobs - 1} once each, got {sorted(by_index)} from {len(job_dirs)}")
    return [by_index[k] for k in range(num_jobs)]


def merge(job_dirs: list[Path], output_dir: Path) -> Dataset:
    jobs = ordered_jobs(job_dirs)
    dataset = concatenate_datasets([load_from_disk(str(job)) for job in jobs])
    output_dir.mkdir(parents=True, exist_ok=True)
    dataset.save_to_disk(str(output_dir))
    if (jobs[0] / "README.md").exists():  # the card of job 0 describes the run
        shutil.copy(jobs[0] / "README.md", output_dir / "README.md")
    single_run = {key: value for key, value in _manifest(jobs[0]).items() if key not in ("num_jobs", "job_index")}
    (output_dir / MANIFEST).write_text(json.dumps(single_run))  # as a single run would have left it
    return load_from_disk(str(output_dir))


def main(argv: list[str] | None = None) -> Dataset:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job_dirs", nargs="+", type=Path, help="the --output-dir of every job")
    parser.add_argument("--output-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    dataset = merge(args.job_dirs, args.output_dir)
    print(f"merged {len(args.job_dirs)} jobs: {len(dataset)} samples in {args.output_dir}")
    return dataset


if __name__ == "__main__":
    main()
