"""Mirror the pt-PT benchmark datasets from the Hub for offline machines: DIR/<NAME>-PT, one per dataset.

    python -m evaluation.fetch_data data/eval                       # all 17 (RefCOCO-PT serves two tasks)
    python -m evaluation.fetch_data data/eval --tasks mme_pt,pope_pt,portexto_pt,caravela
    python -m evaluation.run --model ckpt --tasks amalia_vl_eval_pt --data_dir data/eval --output_dir out

Each dataset is `amalia-llm/<NAME>-PT` loaded whole (every split, every column) and written with
`DatasetDict.save_to_disk`, which is what `evaluation.run --data_dir` reads; a dataset with parts (PorTEXTO's
configs, CARAVELA's files) is written one part per folder, DIR/<NAME>/<part>. Run it on a machine that reaches the
Hub (set HF_TOKEN if the datasets are gated); existing copies are kept unless --overwrite.
"""

import argparse
import logging
import shutil
from pathlib import Path

from evaluation.tasks import TAG, select
from evaluation.tasks.spec import HUB_ORGANISATION, Benchmark


logger = logging.getLogger("evaluation.fetch_data")


def datasets_for(task_names: list[str]) -> list[Benchmark]:
    """One benchmark per dataset (or dataset part) the tasks read, in task order: RefCOCO-PT serves two tasks."""
    return list({(b.dataset, b.subset): b for b in select(task_names)}.values())


def fetch(benchmark: Benchmark, directory: Path, overwrite: bool = False) -> Path:
    from datasets import load_dataset

    target = benchmark.local_path(directory)
    if target.exists() and not overwrite:
        logger.info("%s is already there; kept (--overwrite to fetch it again)", target)
        return target
    dataset = load_dataset(f"{HUB_ORGANISATION}/{benchmark.dataset}", token=True, **benchmark.hub_arguments())
    if target.exists():
        shutil.rmtree(target)
    dataset.save_to_disk(str(target))
    sizes = ", ".join(f"{split} {len(rows)}" for split, rows in dataset.items())
    logger.info("wrote %s (%s)", target, sizes)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--tasks", default=TAG, help="comma-separated task names (default: all 18)")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.directory.mkdir(parents=True, exist_ok=True)
    for benchmark in datasets_for(args.tasks.split(",")):
        fetch(benchmark, args.directory, args.overwrite)


if __name__ == "__main__":
    main()
