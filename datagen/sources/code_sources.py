"""Where code pipelines get their functions and snippets: the templates, or a JSONL file of real ones."""

import argparse
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from datagen.sandbox.runner import Limits, OutcomeLog, choose_route
from datagen.sources.code_templates import CodeFunction, make_function, make_snippet
from datagen.writing.writer import ShardMaker, per_item


OUTCOME_LOG = "sandbox_outcomes.jsonl"


def _read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class CodeSource:
    """Functions (``{"name", "source", "calls"}`` lines) or snippets (``{"source"}`` lines) from ``path``,
    or made from templates when ``path`` is None."""

    path: str | None = None

    @cached_property
    def _rows(self) -> list[dict]:
        rows = _read_jsonl(self.path)
        if not rows:
            raise ValueError(f"{self.path} holds no code; give one JSON object per line")
        return rows

    def function(self, rng: random.Random, language: str) -> CodeFunction:
        if self.path is None:
            return make_function(rng, language)
        row = rng.choice(self._rows)
        return CodeFunction(row["name"], row["source"], tuple(row.get("calls", ())))  # OCR needs no calls

    def snippet(self, rng: random.Random) -> str:
        return make_snippet(rng) if self.path is None else rng.choice(self._rows)["source"]


def add_code_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--code-file",
        help="JSONL of functions ({name, source, calls}) or snippets ({source}) "
        "to use instead of the built-in templates",
    )
    add_sandbox_arguments(parser)


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox-seconds", type=float, default=Limits.wall_seconds, help="wall-clock limit per sandbox run"
    )
    parser.add_argument("--sandbox-memory-mb", type=int, default=Limits.memory_mb, help="memory limit per sandbox run")
    parser.add_argument(
        "--sandbox-scratch-mb", type=int, default=Limits.scratch_mb, help="size of each sandbox's private scratch"
    )
    parser.add_argument(
        "--unsafe-sandbox",
        action="store_true",
        help="where bubblewrap cannot start, run the code in-process as this user instead of refusing "
        "(no kernel boundary: only for code you trust)",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(
        wall_seconds=args.sandbox_seconds,
        cpu_seconds=max(1, int(args.sandbox_seconds)),
        memory_mb=args.sandbox_memory_mb,
        scratch_mb=args.sandbox_scratch_mb,
        unsafe_in_process=args.unsafe_sandbox,
    )


def outcome_log_path(args: argparse.Namespace) -> Path:
    """Every sandbox run of a pipeline is recorded beside its dataset."""
    return Path(args.output_dir) / OUTCOME_LOG


def sandboxed_pipeline(sampler_class) -> Callable[[argparse.Namespace], ShardMaker]:
    """Build a code pipeline's ShardMaker from its arguments: its code source, outcome log and sandbox limits."""

    def build(args: argparse.Namespace) -> ShardMaker:
        limits = limits_from(args)
        choose_route(limits)  # refuse before any work when there is no kernel boundary and no --unsafe-sandbox
        sampler = sampler_class(CodeSource(args.code_file), OutcomeLog(outcome_log_path(args)), limits)
        return per_item(sampler, args.seed)

    return build


def pick_language(rng: random.Random) -> str:
    """The code datasets are bilingual: half the prompts are pt-PT, half English."""
    return rng.choice(["pt", "en"])
