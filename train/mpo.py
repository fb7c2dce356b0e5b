"""Stage 3's MPO pairs: 100k preference pairs of MMPR (InternVL3.5's MPO data) from openly licensed sources only.

    # after unzipping OpenGVLab/MMPR-v1.2 (annotations.zip, images.zip_a*) into MMPR_DIR:
    python -m train.mpo --mmpr MMPR_DIR --output outputs/mpo --size 100000

MMPR's `meta.json` names each subset with its annotation file (JSON lines of `image`, `question`, `chosen`,
`rejected`) and its image folder. `train/mmpr_licenses.yaml` gives each subset the licence of the dataset it derives
from; only subsets with an open licence (train/licenses.py) are drawn from, uniformly over their pairs. The output is
`pairs.jsonl` in TRL's preference format, with image paths relative to MMPR_DIR (nothing is copied), and
`report.json`: the licence verdict of every subset and how many pairs each gave. The stage-3 mix entry reads it with
`source: {path: json, data_files: {train: outputs/mpo/pairs.jsonl}, format: messages, image_root: MMPR_DIR}`.
"""

import argparse
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from tqdm import tqdm

from train.licenses import OPEN_LICENSES
from train.sampling import draw_rows


logger = logging.getLogger(__name__)
LICENSE_TABLE = Path(__file__).with_name("mmpr_licenses.yaml")


@dataclass(frozen=True)
class Subset:
    name: str
    annotation: Path
    image_root: str  # relative to the MMPR folder
    dataset: str | None
    license: str

    @property
    def is_open(self) -> bool:
        return self.license in OPEN_LICENSES


def licence_of(name: str, table: list[dict]) -> tuple[str | None, str]:
    """The (dataset, licence) of the first table entry whose `match` fits `name`; (None, "unknown") if none does."""
    for entry in table:
        if re.search(entry["match"], name, re.IGNORECASE):
            return entry["dataset"], entry["license"]
    return None, "unknown"


def read_subsets(mmpr_dir: Path, table: list[dict]) -> list[Subset]:
    meta_path = mmpr_dir / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{meta_path} not found: unzip MMPR's annotations.zip and meta.json into {mmpr_dir}.")
    subsets = []
    for name, info in json.loads(meta_path.read_text()).items():
        annotation = mmpr_dir / info["annotation"]
        if not annotation.is_file():
            raise FileNotFoundError(f"MMPR subset {name!r}: its annotation file {annotation} is missing.")
        subsets.append(Subset(name, annotation, info.get("root", ""), *licence_of(name, table)))
    return subsets


def _count_lines(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def draw(subsets: list[Subset], size: int, seed: int) -> dict[str, set[int]]:
    """Which lines of each open subset to take: `size` drawn uniformly, without replacement, from all their pairs."""
    counts = {subset.name: _count_lines(subset.annotation) for subset in subsets if subset.is_open}
    total = sum(counts.values())
    if total == 0:
        raise ValueError("No MMPR subset has an open licence: nothing to draw (see mmpr_licenses.yaml).")
    if size > total:
        logger.warning("Asked for %d MPO pairs; the open subsets hold %d: taking all of them.", size, total)
    return draw_rows(counts, size, seed)


def to_preference_row(row: dict, image_root: str) -> dict:
    """One MMPR pair in TRL's preference format; TRL places the image placeholders, so `<image>` markers go."""
    images = row.get("image") or []
    images = [images] if isinstance(images, str) else list(images)
    question = row["question"].replace("<image>", "").strip()
    return {
        "prompt": [{"role": "user", "content": question}],
        "chosen": [{"role": "assistant", "content": row["chosen"]}],
        "rejected": [{"role": "assistant", "content": row["rejected"]}],
        "images": [os.path.join(image_root, image) for image in images],
    }


def _read_picked(subset: Subset, lines: set[int]):
    with subset.annotation.open(encoding="utf-8") as annotation:
        for number, line in enumerate(raw for raw in annotation if raw.strip()):
            if number in lines:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{subset.annotation}, pair {number}: not a JSON line ({error}).") from None


def prepare(mmpr_dir: Path, output: Path, size: int, seed: int = 0, table_path: Path = LICENSE_TABLE) -> dict:
    """Write `pairs.jsonl` and `report.json` into `output`; returns the report."""
    subsets = read_subsets(mmpr_dir, yaml.safe_load(table_path.read_text()))
    picks = draw(subsets, size, seed)
    output.mkdir(parents=True, exist_ok=True)
    partial = output / "pairs.jsonl.partial"
    with partial.open("w", encoding="utf-8") as out, tqdm(total=sum(map(len, picks.values())), desc="MPO pairs") as bar:
        for subset in subsets:
            for row in _read_picked(subset, picks.get(subset.name, set())):
                out.write(json.dumps(to_preference_row(row, subset.image_root), ensure_ascii=False) + "\n")
                bar.update()
    partial.replace(output / "pairs.jsonl")  # a killed run leaves no half file under the name the mix reads
    report = {
        "size": sum(map(len, picks.values())),
        "seed": seed,
        "subsets": [
            {
                "name": subset.name,
                "dataset": subset.dataset,
                "license": subset.license,
                "kept": subset.is_open,
                "pairs": len(picks.get(subset.name, ())),
            }
            for subset in subsets
        ],
    }
    (output / "report.json").write_text(json.dumps(report, indent=1))
    _log_report(report)
    return report


def _log_report(report: dict) -> None:
    excluded = [subset for subset in report["subsets"] if not subset["kept"]]
    logger.info(
        "%d MPO pairs from %d open subsets; %d subsets excluded:",
        report["size"],
        len(report["subsets"]) - len(excluded),
        len(excluded),
    )
    for subset in excluded:
        logger.info("  excluded %s (%s: %s)", subset["name"], subset["dataset"] or "no table entry", subset["license"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mmpr", type=Path, required=True, help="the unzipped MMPR folder (meta.json, annotations/)")
    parser.add_argument("--output", type=Path, required=True, help="where pairs.jsonl and report.json go")
    parser.add_argument("--size", type=int, default=100_000, help="pairs to draw (the paper: 100k)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--licenses-table", type=Path, default=LICENSE_TABLE, help="the subset licence table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare(args.mmpr, args.output, args.size, args.seed, args.licenses_table)


if __name__ == "__main__":
    main()
