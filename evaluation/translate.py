"""Translate an English lmms-eval benchmark into pt-PT in the same schema, as the paper made its `<NAME>-PT` sets.

    python -m evaluation.translate --benchmark MME-PT --source lmms-lab/MME --split test \
        --output_dir data/eval-translated/MME-PT --base-url http://localhost:8000/v1 --model google/gemma-3-27b-it

An OpenAI-compatible server (vLLM, SGLang, ...) translates the benchmark's questions, options and, for the
captioning sets, the reference captions; every other column (answers that are letters, numbers, boxes, code or
OCR transcriptions, ids, images) is copied untouched, so the output has the source's columns and features and
`evaluation.run --data_dir` reads it like the published sets. Code and LaTeX are masked before the model sees them
and must come back byte for byte (datagen's translation step). An item is flagged for review in
OUTPUT_DIR/review.jsonl when its translation loses a number or an answer string that the source text contained
(an option that is the answer, a year a chart question asks about), when a translation lost its masked notation,
or when it reads as pt-BR; flagged items keep the source text. Every reply is cached in OUTPUT_DIR/replies.jsonl,
so an interrupted run resumes where it stopped and a finished one re-runs without a request.
"""

import argparse
import ast
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from datagen.filtering.variety import VarietyFilter
from datagen.model.chat_client import ChatClient, ReplyCache, add_chat_arguments, settings_from
from datagen.translate import translate_text


logger = logging.getLogger("evaluation.translate")


@dataclass(frozen=True)
class Plan:
    """What to translate in one benchmark: text columns (a string, a list of strings, or a string holding a Python
    list, as MMMU stores its options), and the answer columns whose values must survive in the translated text."""

    translate: tuple[str, ...]
    answers: tuple[str, ...] = ()


PLANS = {
    "MME-PT": Plan(("question",), ("answer",)),
    "POPE-PT": Plan(("question",), ("answer",)),
    "AI2D-PT": Plan(("question", "options")),
    "MMStar-PT": Plan(("question",), ("answer",)),
    "SEED-Bench-PT": Plan(("question", "choice_a", "choice_b", "choice_c", "choice_d"), ("answer",)),
    "RealWorldQA-PT": Plan(("question",), ("answer",)),
    "EmbSpatial-Bench-PT": Plan(("question", "answer_options")),
    "MMMU-PT": Plan(("question", "options"), ("answer",)),
    "MMMU-Pro-PT": Plan(("question", "options"), ("answer",)),
    "OCRBench-PT": Plan(("question",), ("answer",)),
    "TextVQA-PT": Plan(("question",), ("answers",)),
    "DocVQA-PT": Plan(("question",), ("answers",)),
    "InfographicVQA-PT": Plan(("question",), ("answers",)),
    "ChartQA-PT": Plan(("question",), ("answer",)),
    # Referring expressions and reference captions are what the model's pt-PT output is compared with.
    "RefCOCO-PT": Plan(("answer",)),
    "COCO-Caption2017-PT": Plan(("answer",)),
    "MATH-Vision-PT": Plan(("question", "options"), ("answer",)),
}

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)]


def answer_tokens(source_text: str, answers: list[str]) -> list[str]:
    """What the translation must keep: the numbers of the source text, and the answers that it quotes.

    A one-letter answer ("A") is an option label, not a quote, and "yes"/"no" are the language: neither counts.
    """
    tokens = _NUMBER.findall(source_text)
    for answer in answers:
        if len(answer) > 1 and answer.lower() not in ("yes", "no"):
            if re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", source_text, re.IGNORECASE):
                tokens.append(answer)
    return tokens


def lost_tokens(source_text: str, translation: str, answers: list[str]) -> list[str]:
    kept = translation.lower()
    return [token for token in answer_tokens(source_text, answers) if token.lower() not in kept]


class Translator:
    def __init__(self, client: ChatClient, plan: Plan, variety: VarietyFilter | None = None):
        self.client, self.plan, self.variety = client, plan, variety or VarietyFilter()

    def _text(self, text: str) -> str | None:
        return translate_text(self.client, self.variety, text) if text.strip() else text

    def _value(self, value):
        """(translated value, whether every part translated); keeps the value's shape."""
        if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
            try:
                items = ast.literal_eval(value)
            except (SyntaxError, ValueError):
                items = None
            if isinstance(items, list):
                translated, ok = self._value(items)
                return repr(translated), ok
        if isinstance(value, str):
            translated = self._text(value)
            return (value, False) if translated is None else (translated, True)
        if isinstance(value, list):
            parts = [self._value(item) if isinstance(item, str) else (item, True) for item in value]
            return [part for part, _ in parts], all(ok for _, ok in parts)
        return value, True

    def row(self, index: int, row: dict) -> tuple[dict, list[dict]]:
        """The translated columns of one row, and the review flags it raised (flagged columns keep the source)."""
        answers = [text for column in self.plan.answers for text in _strings(row.get(column))]
        translated, flags = {}, []
        for column in self.plan.translate:
            value, ok = self._value(row[column])
            source_text, target_text = (json.dumps(v, ensure_ascii=False) for v in (row[column], value))
            lost = lost_tokens(source_text, target_text, answers) if ok else []
            reason = "notation lost or reads as pt-BR" if not ok else f"answer tokens lost: {lost}" if lost else None
            if reason:
                flags.append(
                    {
                        "index": index,
                        "column": column,
                        "reason": reason,
                        "source": row[column],
                        "translation": value if ok else None,
                    }
                )
                value = row[column]
            translated[column] = value
        return translated, flags


def translate_dataset(dataset, plan: Plan, client: ChatClient, concurrency: int = 8):
    """The dataset with its plan's columns translated (same columns, order and features), and the review flags."""
    missing = [column for column in plan.translate + plan.answers if column not in dataset.column_names]
    if missing:
        raise ValueError(f"the source has no column {missing}; its columns are {dataset.column_names}")
    order = dataset.column_names
    translator = Translator(client, plan)
    # Only the text columns are read: images are never decoded, and they are copied as they are.
    texts = dataset.select_columns(list(dict.fromkeys(plan.translate + plan.answers)))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(
            tqdm(pool.map(lambda pair: translator.row(*pair), enumerate(texts)), total=len(texts), desc="translating")
        )
    for column in plan.translate:
        values = [translated[column] for translated, _ in results]
        dataset = dataset.remove_columns(column).add_column(column, values, feature=dataset.features[column])
    return dataset.select_columns(order), [flag for _, row_flags in results for flag in row_flags]


def load_source(source: str, split: str):
    """A split of a Hub dataset, or of a local `save_to_disk` folder."""
    from datasets import load_dataset, load_from_disk

    if Path(source).is_dir() and (Path(source) / "dataset_dict.json").exists():
        return load_from_disk(source)[split]
    return load_dataset(source, split=split)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", required=True, choices=sorted(PLANS), help="the pt-PT dataset to make")
    parser.add_argument("--source", required=True, help="the English dataset: a Hub id or a save_to_disk folder")
    parser.add_argument("--split", required=True, help="the evaluated split, e.g. test or validation")
    parser.add_argument(
        "--output_dir",
        required=True,
        type=Path,
        help="writes DIR/<benchmark> (what --data_dir reads), its review and reply files beside it",
    )
    parser.add_argument("--limit", type=int, help="the first N rows only")
    add_chat_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    from datasets import DatasetDict

    dataset = load_source(args.source, args.split)
    if args.limit:
        dataset = dataset.select(range(min(args.limit, len(dataset))))
    args.output_dir.mkdir(parents=True, exist_ok=True)
    settings = settings_from(args)
    client = ChatClient(settings, ReplyCache(args.output_dir / f"{args.benchmark}.replies.jsonl"))
    # The client caps requests in flight per server; enough rows in flight to keep every server busy.
    translated, flags = translate_dataset(dataset, PLANS[args.benchmark], client, sum(settings.concurrency))
    DatasetDict({args.split: translated}).save_to_disk(str(args.output_dir / args.benchmark))
    review = args.output_dir / f"{args.benchmark}.review.jsonl"
    review.write_text("".join(json.dumps(flag, ensure_ascii=False) + "\n" for flag in flags))
    logger.info(
        "translated %d rows of %s (%d requests sent, the rest cached); %d flags for review in %s",
        len(translated),
        args.source,
        client.sent,
        len(flags),
        review,
    )


if __name__ == "__main__":
    main()
