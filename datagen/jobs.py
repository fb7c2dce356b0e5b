"""Run one pipeline as N independent jobs on a datatrove executor, then merge them into one dataset.

    python -m datagen.jobs --pipeline pt_ocr --tasks 8 --workers 2 --output-dir out/pt_ocr -- --num-samples 100000
    python -m datagen.jobs --pipeline pt_ocr --tasks 64 --executor slurm --partition cpu --output-dir out/pt_ocr \\
        -- --num-samples 1000000

Each datatrove task ``rank`` of ``world_size`` runs the pipeline with ``--num-jobs world_size --job-index
rank`` into ``OUTPUT_DIR/job-RANK``; datatrove schedules the tasks (processes here, a Slurm array or Ray on
a cluster), skips the ones already completed on a re-run and logs each under ``OUTPUT_DIR/logs``. Once all
are done, ``datagen.merge`` joins them into ``OUTPUT_DIR/merged``: the dataset one run would have made.
"""

import argparse
import importlib
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from datagen import merge


class GenerateJob(PipelineStep):
    """A datatrove step that makes job ``rank`` of ``world_size`` of a datagen pipeline's run."""

    name = "datagen job"
    type = "GENERATE"

    def __init__(self, pipeline: str, argv: list[str], output_dir: str):
        super().__init__()
        self.pipeline, self.argv, self.output_dir = pipeline, argv, output_dir

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        main = importlib.import_module(f"datagen.{self.pipeline}").main
        job = ["--num-jobs", str(world_size), "--job-index", str(rank), "--output-dir", job_dir(self.output_dir, rank)]
        kept = len(main(self.argv + job))
        self.stat_update("samples kept", value=kept)
        return data


def job_dir(output_dir: str, rank: int) -> str:
    return str(Path(output_dir) / f"job-{rank:05d}")


def executor(args: argparse.Namespace, step: GenerateJob):
    logs = str(Path(args.output_dir) / "logs")
    if args.executor == "local":
        return LocalPipelineExecutor([step], tasks=args.tasks, workers=args.workers, logging_dir=logs)
    from datatrove.executor import SlurmPipelineExecutor  # needs a Slurm cluster; imported only then

    return SlurmPipelineExecutor(
        [step], tasks=args.tasks, time=args.time, partition=args.partition, logging_dir=logs, job_name="datagen"
    )


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", required=True, help="a datagen pipeline, e.g. pt_ocr")
    parser.add_argument("--tasks", type=int, required=True, help="how many jobs the run is split into")
    parser.add_argument("--workers", type=int, default=-1, help="local: jobs running at once (-1: all)")
    parser.add_argument("--executor", choices=["local", "slurm"], default="local")
    parser.add_argument("--partition", help="slurm: the partition")
    parser.add_argument("--time", default="24:00:00", help="slurm: time limit per job")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("pipeline_args", nargs=argparse.REMAINDER, help="after --: the pipeline's own arguments")
    args = parser.parse_args(argv)
    pipeline_args = args.pipeline_args[1:] if args.pipeline_args[:1] == ["--"] else args.pipeline_args
    executor(args, GenerateJob(args.pipeline, pipeline_args, args.output_dir)).run()
    if args.executor == "local":  # on Slurm the jobs are queued; merge once they are done
        jobs = [job_dir(args.output_dir, rank) for rank in range(args.tasks)]
        return merge.main(jobs + ["--output-dir", str(Path(args.output_dir) / "merged")])
    return None


if __name__ == "__main__":
    main()
