"""Release a translated benchmark: a random sample for manual review, a dataset card, and the push to the Hub.

    # 1. after python -m evaluation.translate ... --output_dir DIR: a sample for reviewers
    python -m evaluation.release sample --benchmark ChartQA-PT --source lmms-lab/ChartQA --split test \
        --translated_dir DIR --size 100
    #    reviewers fill the `verdict` column of DIR/ChartQA-PT.review_sample.csv with ok, minor or wrong
    # 2. the card (DIR/ChartQA-PT/README.md), with the flags and the reviewers' verdicts read back
    python -m evaluation.release card --benchmark ChartQA-PT --source lmms-lab/ChartQA --split test \
        --translated_dir DIR --translator google/gemma-3-27b-it
    # 3. the dataset, in its source's schema, and its card on the Hub
    python -m evaluation.release push --benchmark ChartQA-PT --translated_dir DIR --repo_id my-org/ChartQA-PT
"""

import argparse
import csv
import json
import random
from collections import Counter
from pathlib import Path

from evaluation.translate import PLANS, load_source


VERDICTS = ("ok", "minor", "wrong")
SAMPLE_COLUMNS = ["index", "column", "source", "translation", "verdict", "comment"]


def _paths(translated_dir: Path, benchmark: str) -> dict[str, Path]:
    return {
        "dataset": translated_dir / benchmark,
        "review": translated_dir / f"{benchmark}.review.jsonl",
        "sample": translated_dir / f"{benchmark}.review_sample.csv",
    }


def _translated(translated_dir: Path, benchmark: str, split: str):
    from datasets import load_from_disk

    return load_from_disk(str(_paths(translated_dir, benchmark)["dataset"]))[split]


def write_sample(source, translated, benchmark: str, path: Path, size: int, seed: int = 0) -> Path:
    """A CSV of `size` random rows, one line per translated column: source text, translation, empty verdict."""
    rows = sorted(random.Random(seed).sample(range(len(translated)), min(size, len(translated))))
    columns = PLANS[benchmark].translate
    texts_source, texts_target = source.select_columns(list(columns)), translated.select_columns(list(columns))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=SAMPLE_COLUMNS)
        writer.writeheader()
        for index in rows:
            for column in columns:
                writer.writerow(
                    {
                        "index": index,
                        "column": column,
                        "verdict": "",
                        "comment": "",
                        "source": json.dumps(texts_source[index][column], ensure_ascii=False),
                        "translation": json.dumps(texts_target[index][column], ensure_ascii=False),
                    }
                )
    return path


def read_verdicts(path: Path) -> Counter:
    """The reviewers' verdicts (ok, minor, wrong; blank when not reviewed yet); another word is an error."""
    if not path.exists():
        return Counter()
    verdicts = Counter()
    with open(path, newline="", encoding="utf-8") as file:
        for line, row in enumerate(csv.DictReader(file), start=2):
            verdict = row["verdict"].strip().lower()
            if verdict and verdict not in VERDICTS:
                raise ValueError(f"{path}:{line}: verdict {row['verdict']!r}; write one of {', '.join(VERDICTS)}")
            verdicts[verdict or "not reviewed"] += 1
    return verdicts


def card(
    benchmark: str,
    source_id: str,
    split: str,
    translator: str,
    rows: int,
    columns: list[str],
    flags: list[dict],
    verdicts: Counter,
) -> str:
    plan = PLANS[benchmark]
    kept = [column for column in columns if column not in plan.translate]
    reasons = Counter(flag["reason"].split(":")[0] for flag in flags)
    reviewed = sum(count for verdict, count in verdicts.items() if verdict in VERDICTS)
    review = (
        "; ".join(f"{verdicts[verdict]} {verdict}" for verdict in VERDICTS) + f" (of {reviewed} reviewed)"
        if reviewed
        else "not reviewed yet"
    )
    lines = [
        "---",
        "language:",
        "- pt",
        f"pretty_name: {benchmark}",
        "source_datasets:",
        f"- {source_id}",
        "---",
        "",
        f"# {benchmark}",
        "",
        f"`{source_id}` (split `{split}`, {rows} rows) machine-translated into European Portuguese (pt-PT), in its "
        "source's schema, for the AMALIA-VL evaluation (`python -m evaluation.run`).",
        "",
        "## What was translated",
        "",
        f"- Translated: {', '.join(f'`{c}`' for c in plan.translate)}.",
        f"- Copied untouched: {', '.join(f'`{c}`' for c in kept)} (answers that are letters, numbers, boxes, code or "
        "OCR transcriptions are never translated; images and ids are the source's).",
        "",
        "## How",
        "",
        f"By `{translator}` behind an OpenAI-compatible server, told to write pt-PT (not pt-BR), keep names and keep "
        "mathematical notation; code and LaTeX were masked and restored byte for byte.",
        "",
        "## Flagged for review",
        "",
        f"{len(flags)} translated fields were flagged and keep their source text"
        + (": " + "; ".join(f"{count} {reason}" for reason, count in reasons.items()) if flags else "")
        + ".",
        "",
        "## Manual review",
        "",
        f"A random sample of translated fields, reviewed by people: {review}.",
        "",
    ]
    return "\n".join(lines)


def write_card(args: argparse.Namespace) -> Path:
    paths = _paths(args.translated_dir, args.benchmark)
    translated = _translated(args.translated_dir, args.benchmark, args.split)
    flags = [json.loads(line) for line in paths["review"].read_text().splitlines()] if paths["review"].exists() else []
    text = card(
        args.benchmark,
        args.source,
        args.split,
        args.translator,
        len(translated),
        translated.column_names,
        flags,
        read_verdicts(paths["sample"]),
    )
    path = paths["dataset"] / "README.md"
    path.write_text(text, encoding="utf-8")
    return path


def push(args: argparse.Namespace) -> None:
    """The translated DatasetDict and its card to `repo_id` (needs Hub access and a write token)."""
    from datasets import load_from_disk
    from huggingface_hub import HfApi

    paths = _paths(args.translated_dir, args.benchmark)
    if not (paths["dataset"] / "README.md").exists():
        raise FileNotFoundError(f"{paths['dataset']}/README.md is missing: run `evaluation.release card` first")
    load_from_disk(str(paths["dataset"])).push_to_hub(args.repo_id)
    HfApi().upload_file(
        path_or_fileobj=str(paths["dataset"] / "README.md"),
        path_in_repo="README.md",
        repo_id=args.repo_id,
        repo_type="dataset",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["sample", "card", "push"])
    parser.add_argument("--benchmark", required=True, choices=sorted(PLANS))
    parser.add_argument("--translated_dir", required=True, type=Path, help="evaluation.translate's --output_dir")
    parser.add_argument("--source", help="the English dataset translated (sample, card)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--translator", default="unknown", help="the model that translated (card)")
    parser.add_argument("--size", type=int, default=100, help="rows in the review sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repo_id", help="the Hub dataset to push to (push)")
    args = parser.parse_args(argv)
    if args.step == "sample":
        source = load_source(args.source, args.split)
        translated = _translated(args.translated_dir, args.benchmark, args.split)
        path = _paths(args.translated_dir, args.benchmark)["sample"]
        print(write_sample(source, translated, args.benchmark, path, args.size, args.seed))
    elif args.step == "card":
        print(write_card(args))
    else:
        if not args.repo_id:
            parser.error("push needs --repo_id")
        push(args)


if __name__ == "__main__":
    main()
