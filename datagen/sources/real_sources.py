"""The paper's real content sources, turned into the JSONL files the rendering pipelines read.

    python -m datagen.sources.real_sources codesearchnet --dataset code-search-net/code_search_net \\
        --config python --output code.jsonl --limit 300000          # -> --code-file (SimpleCodeOCR)
    python -m datagen.sources.real_sources fineweb2 --dataset HuggingFaceFW/fineweb-2 --config por_Latn \\
        --output texts.jsonl --limit 100000                         # -> --texts (PT-Render-Text, PT-OCR)

``--dataset`` is a Hub id or a local folder of Parquet/JSON files in the source's own schema; rows are
streamed, so a limit reads only what it needs. CodeSearchNet rows (``func_name``, ``whole_func_string``,
``language``, ...) become ``{"name", "source"}`` Python functions that parse and have at most 50 lines;
the calls SePIC and PTOutputsToCode need are a model's to write and are not made here. FineWeb-2 rows
(``text``, ``id``, ``url``, ...) become ``{"text", "id"}`` paragraphs the variety filter reads as pt-PT
(FineWeb-2's Portuguese is mostly Brazilian) that carry digits or symbols the shipped seed lacks.
"""

import argparse
import ast
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from datasets import load_dataset

from datagen.filtering.variety import VarietyFilter


MAX_FUNCTION_LINES = 50  # the paper's SePIC limit
PARAGRAPH_CHARS = (60, 900)  # a sign or a caption up to a long paragraph
RICH = re.compile(r"[\d€%?!«»:;]")


def codesearchnet_functions(rows: Iterable[dict], max_lines: int = MAX_FUNCTION_LINES) -> Iterator[dict]:
    """Python functions of CodeSearchNet rows that parse and fit ``max_lines``, as ``{"name", "source"}``."""
    for row in rows:
        source = row.get("whole_func_string") or ""
        if row.get("language", "python") != "python" or not source.strip() or len(source.splitlines()) > max_lines:
            continue
        try:
            ast.parse(source)
        except SyntaxError:  # methods cut out of a class keep their indentation; some are Python 2
            continue
        yield {"name": row["func_name"].split(".")[-1], "source": source.rstrip() + "\n"}


def fineweb2_texts(rows: Iterable[dict], variety: VarietyFilter | None = None) -> Iterator[dict]:
    """Paragraphs of FineWeb-2 rows that read as pt-PT and hold digits or punctuation, as ``{"text", "id"}``."""
    variety = variety or VarietyFilter()
    for row in rows:
        for k, paragraph in enumerate(p.strip() for p in row["text"].split("\n")):
            low, high = PARAGRAPH_CHARS
            if low <= len(paragraph) <= high and RICH.search(paragraph) and not variety.is_pt_br(paragraph):
                yield {"text": paragraph, "id": f"{row.get('id', 'row')}/{k}"}


CONVERTERS = {"codesearchnet": codesearchnet_functions, "fineweb2": fineweb2_texts}


def source_rows(dataset: str, config: str | None, split: str, streaming: bool = True) -> Iterable[dict]:
    """A source's rows from the Hub, or from a local folder of its Parquet/JSON files (the tests' fixtures,
    an offline mirror); streamed unless a pipeline needs them by index."""
    if Path(dataset).is_dir():
        files = sorted(str(p) for p in Path(dataset).iterdir() if p.suffix in (".parquet", ".json", ".jsonl"))
        if not files:
            raise ValueError(f"{dataset} holds no .parquet, .json or .jsonl files")
        kind = "parquet" if files[0].endswith(".parquet") else "json"
        return load_dataset(kind, data_files=files, split=split, streaming=streaming)
    return load_dataset(dataset, config, split=split, streaming=streaming)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=sorted(CONVERTERS))
    parser.add_argument("--dataset", required=True, help="Hub id or local folder in the source's schema")
    parser.add_argument("--config", help="e.g. python (CodeSearchNet) or por_Latn (FineWeb-2)")
    parser.add_argument("--split", default="train")
    parser.add_argument("--output", required=True, help="JSONL to write")
    parser.add_argument("--limit", type=int, help="stop after this many items")
    args = parser.parse_args(argv)
    written = 0
    with open(args.output, "w", encoding="utf-8") as out:
        for item in CONVERTERS[args.source](source_rows(args.dataset, args.config, args.split)):
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            written += 1
            if args.limit and written >= args.limit:
                break
    print(f"{written} items from {args.dataset} -> {args.output}")
    return written


if __name__ == "__main__":
    main()
