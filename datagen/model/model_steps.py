"""What every model-backed pipeline shares: its input images, its chat clients and their one cache."""

import argparse
from collections.abc import Callable
from pathlib import Path

from datasets import Dataset, load_from_disk

from datagen.filtering.classifier import add_variety_arguments
from datagen.model.chat_client import (
    BadReply,
    ChatClient,
    ReplyCache,
    add_chat_arguments,
    servers_for,
    settings_from,
)
from datagen.sources.image_inputs import ImageInputs
from datagen.writing.run_summary import SKIP_LOG, SkipLog
from datagen.writing.writer import ShardMaker, per_item_threaded


CACHE_FILE = "chat_cache.jsonl"


def add_model_arguments(
    parser: argparse.ArgumentParser, inputs_help: str = "images: a save_to_disk dataset or a folder"
) -> None:
    parser.add_argument("--inputs", required=True, help=inputs_help)
    parser.add_argument("--image-column", default="image", help="image column of an --inputs dataset")
    parser.add_argument("--cache", help=f"reply cache (JSONL); default <output-dir>/{CACHE_FILE}")
    add_chat_arguments(parser)
    add_variety_arguments(parser)


def check_model_run(args: argparse.Namespace, num_inputs: int) -> None:
    if args.num_proc != 1:
        raise ValueError("model-backed pipelines wait on a server, not a CPU: use --concurrency, not --num-proc")
    if args.num_samples > num_inputs:
        raise ValueError(f"--num-samples {args.num_samples} exceeds the {num_inputs} inputs in {args.inputs}")


TRAINING_SET_INPUTS = "a save_to_disk dataset in the training format (messages + images)"


def add_training_set_arguments(parser: argparse.ArgumentParser) -> None:
    """For steps that rework an existing training-format dataset rather than raw images."""
    add_model_arguments(parser, TRAINING_SET_INPUTS)


def load_training_set(args: argparse.Namespace) -> Dataset:
    dataset = load_from_disk(args.inputs)
    check_model_run(args, len(dataset))
    return dataset


def derived_task(row: dict, step: str) -> str:
    """The ``task`` of a row a step made from ``row``: the step, then where the row came from."""
    return f"{step}/{row.get('task') or 'source'}"


def load_inputs(args: argparse.Namespace) -> ImageInputs:
    inputs = ImageInputs(args.inputs, args.image_column)
    check_model_run(args, len(inputs))
    return inputs


class _SkippingBadReplies:
    """A sample whose model never gave a usable reply is skipped and recorded, and the run goes on."""

    def __init__(self, make_sample, log: SkipLog):
        self.make_sample, self.log = make_sample, log

    def __call__(self, rng, index: int) -> dict | None:
        try:
            return self.make_sample(rng, index)
        except BadReply as error:
            self.log.record(index, str(error))
            return None


def model_pipeline(sampler_class) -> Callable[[argparse.Namespace], ShardMaker]:
    """Build a model-backed pipeline's ShardMaker: ``sampler_class(args)``, as many samples at a time as the
    servers take requests, bad replies skipped and recorded in ``<output-dir>/skipped.jsonl``."""

    def build(args: argparse.Namespace) -> ShardMaker:
        sampler = _SkippingBadReplies(sampler_class(args), SkipLog(Path(args.output_dir) / SKIP_LOG))
        return per_item_threaded(sampler, args.seed, settings_from(args).total_concurrency)

    return build


class Clients:
    """One client per model name, all writing to the run's cache (the model is part of each key) and all
    sharing the servers, so that ``--concurrency`` caps the requests in flight per server, whatever the model."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cache = ReplyCache(args.cache or Path(args.output_dir) / CACHE_FILE)
        self.servers = servers_for(settings_from(args))
        self._clients: dict[str, ChatClient] = {}

    def get(self, model: str | None = None) -> ChatClient:
        model = model or self.args.model
        if model not in self._clients:
            self._clients[model] = ChatClient(settings_from(self.args, model), self.cache, self.servers)
        return self._clients[model]
