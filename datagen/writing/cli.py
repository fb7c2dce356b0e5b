"""The command line every pipeline shares: arguments, logging, writing, card and push."""

import argparse
import logging
import shlex
import sys
from collections.abc import Callable

from datasets import Dataset
from datasets.utils.logging import disable_progress_bar

from datagen.writing.card import CardInfo, write_card
from datagen.writing.hub import push_dataset
from datagen.writing.messages import SFT_FORMAT, RowFormat
from datagen.writing.run_summary import write_summary
from datagen.writing.writer import NothingKept, ShardMaker, job_indices, write_sharded


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--num-samples", type=int, required=True, help="how many samples to make")
    parser.add_argument("--output-dir", required=True, help="where the dataset is saved (save_to_disk)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same dataset")
    parser.add_argument("--shard-size", type=int, default=100, help="samples per resumable shard")
    parser.add_argument("--num-proc", type=int, default=1, help="processes making shards in parallel")
    parser.add_argument(
        "--push-to-hub", "--push_to_hub", metavar="REPO_ID", help="also push the dataset and its card to the Hub"
    )
    parser.add_argument("--private", action="store_true", help="make the Hub repository private")
    parser.add_argument(
        "--num-jobs", type=int, default=1, help="split the run into this many independent jobs (join: datagen.merge)"
    )
    parser.add_argument("--job-index", type=int, default=0, help="which job this is (a Slurm array's task id)")
    return parser


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # One bar per pipeline: the per-shard "Saving the dataset" bars of datasets would bury it.
    disable_progress_bar()


def run(
    args: argparse.Namespace,
    make_shard: ShardMaker,
    card: CardInfo,
    argv: list[str] | None = None,
    row_format: RowFormat = SFT_FORMAT,
    content: dict | None = None,
) -> Dataset:
    """Write the dataset, its card and, if asked, push both; a run summary either way. ``content``: see
    ``write_sharded``."""
    requested = len(job_indices(args.num_samples, args.num_jobs, args.job_index))
    try:
        dataset = write_sharded(
            make_shard,
            num_samples=args.num_samples,
            output_dir=args.output_dir,
            seed=args.seed,
            shard_size=args.shard_size,
            num_proc=args.num_proc,
            desc=card.pretty_name,
            row_format=row_format,
            job=(args.num_jobs, args.job_index),
            content=content,
        )
    except NothingKept:
        write_summary(args.output_dir, requested, 0)  # where the samples went is the one thing left to say
        raise
    write_summary(args.output_dir, requested, len(dataset))
    argv = sys.argv[1:] if argv is None else argv
    command = "python -m " + _module_name() + " " + shlex.join(argv)
    card_path = write_card(card, dataset, args.output_dir, command, row_format.fields_doc)
    if args.push_to_hub:
        push_dataset(dataset, card_path, args.push_to_hub, private=args.private)
    return dataset


def _module_name() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else "datagen"


def main_for(
    description: str,
    card: CardInfo,
    build: Callable[[argparse.Namespace], ShardMaker],
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None,
    row_format: RowFormat = SFT_FORMAT,
    content: Callable[[argparse.Namespace], dict] = lambda args: {},
) -> Callable[[list[str] | None], Dataset]:
    """Make a pipeline's ``main(argv)``: parse, build its ShardMaker from the arguments, run. ``content`` says
    what of the arguments, besides the shared ones, decides the samples (see ``write_sharded``)."""

    def main(argv: list[str] | None = None) -> Dataset:
        parser = base_parser(description)
        add_arguments(parser)
        args = parser.parse_args(argv)
        setup_logging()
        return run(args, build(args), card, argv, row_format, content(args))

    return main
