"""The paper's real content sources, turned into the JSONL files the rendering pipelines read.

    python -m datagen.sources.real_sources codesearchnet --dataset code-search-net/code_search_net \\
        --config python --output code.jsonl --limit 300000          # -> --code-file (SimpleCodeOCR)
    python -m datagen.sources.real_sources fineweb2 --dataset HuggingFaceFW/fineweb-2 --config por_Latn \\
        --output texts.jsonl --limit 100000                         # -> --texts (PT-Render-Text, PT-OCR)
    python -m datagen.sources.real_sources ocr-seed --dataset OCR_DATASET --image-column image \\
        --text-column text --output-dir out/ocr_seed               # -> PT-OCR's --seed-dataset

``--dataset`` is a Hub id or a local folder of Parquet/JSON files in the source's own schema; rows are
streamed, so a limit reads only what it needs. CodeSearchNet rows (``func_name``, ``whole_func_string``,
``language``, ...) become ``{"name", "source"}`` Python functions that parse and have at most 50 lines;
the calls SePIC and PTOutputsToCode need are written by a model with ``datagen.write_calls``. FineWeb-2 rows
(``text``, ``id``, ``url``, ...) become ``{"text", "id"}`` paragraphs the variety filter reads as pt-PT
(FineWeb-2's Portuguese is mostly Brazilian) that carry digits or symbols the shipped seed lacks. An
OCR dataset's image and transcription columns become the ``{"image", "text"}`` dataset PT-OCR's
``--seed-dataset`` reads (``save_to_disk``), pt-BR and empty transcriptions left out: the paper's seed [33]
("Portuguese OCR dataset", 2025) could not be identified for certain, so its columns are arguments.
"""

import argparse
import ast
import io
import json
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from datasets import Dataset, Features, Value, concatenate_datasets, load_dataset
from datasets import Image as ImageFeature
from PIL import Image

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


def as_image(value) -> Image.Image:
    """An image column's value decoded (``datasets`` decodes it; a bare Parquet struct holds its bytes)."""
    if isinstance(value, Image.Image):
        return value.convert("RGB")
    if isinstance(value, dict) and value.get("bytes"):
        return Image.open(io.BytesIO(value["bytes"])).convert("RGB")
    raise ValueError(f"an image column must hold images or {{'bytes': ...}}, not {type(value).__name__}")


SEED_FEATURES = Features({"image": ImageFeature(), "text": Value("string")})


def ocr_seed_documents(
    rows: Iterable[dict], image_column: str = "image", text_column: str = "text", variety: VarietyFilter | None = None
) -> Iterator[dict]:
    """An OCR dataset's rows as PT-OCR seed documents ``{"image", "text"}``; pt-BR or empty texts left out."""
    variety = variety or VarietyFilter()
    for row in rows:
        missing = [column for column in (image_column, text_column) if column not in row]
        if missing:
            raise ValueError(
                f"the rows have no column {missing[0]!r} (they have {sorted(row)}); set --image-column/--text-column"
            )
        text = (row[text_column] or "").strip()
        if text and not variety.is_pt_br(text):
            yield {"image": as_image(row[image_column]), "text": text}


CONVERTERS = {"codesearchnet": codesearchnet_functions, "fineweb2": fineweb2_texts}
DATASET_CONVERTERS = {"ocr-seed": ocr_seed_documents}  # these write a save_to_disk dataset, not JSONL


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


def _write_jsonl(items: Iterable[dict], path: str) -> int:
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            written += 1
    return written


def _write_dataset(items: Iterable[dict], path: str, chunk: int = 1000) -> int:
    """Written a chunk at a time, so that only encoded images, never a whole corpus of decoded ones, are held."""
    parts = []
    while batch := list(islice(items, chunk)):
        parts.append(Dataset.from_list(batch, features=SEED_FEATURES))
    if not parts:
        raise ValueError("no row was kept: every text was empty or read as pt-BR")
    dataset = concatenate_datasets(parts)
    dataset.save_to_disk(path)
    return len(dataset)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=sorted(CONVERTERS) + sorted(DATASET_CONVERTERS))
    parser.add_argument("--dataset", required=True, help="Hub id or local folder in the source's schema")
    parser.add_argument("--config", help="e.g. python (CodeSearchNet) or por_Latn (FineWeb-2)")
    parser.add_argument("--split", default="train")
    parser.add_argument("--output", help="JSONL to write (codesearchnet, fineweb2)")
    parser.add_argument("--output-dir", help="dataset folder to write (ocr-seed)")
    parser.add_argument("--image-column", default="image", help="ocr-seed: the column holding the images")
    parser.add_argument("--text-column", default="text", help="ocr-seed: the column holding the transcriptions")
    parser.add_argument("--limit", type=int, help="stop after this many items")
    args = parser.parse_args(argv)
    rows = source_rows(args.dataset, args.config, args.split)
    if args.source in DATASET_CONVERTERS:
        if not args.output_dir:
            parser.error(f"{args.source} writes a dataset: give --output-dir")
        items = DATASET_CONVERTERS[args.source](rows, args.image_column, args.text_column)
        written, target = _write_dataset(islice(items, args.limit), args.output_dir), args.output_dir
    else:
        if not args.output:
            parser.error(f"{args.source} writes JSONL: give --output")
        written, target = _write_jsonl(islice(CONVERTERS[args.source](rows), args.limit), args.output), args.output
    print(f"{written} items from {args.dataset} -> {target}")
    return written


if __name__ == "__main__":
    main()
