"""What 1,000 samples of every rendering pipeline hold: the table of ``datagen/README.md``.

    python -m benchmarks.bench_datagen_stats --output-dir out/stats [--num-samples 1000] [--num-proc 2]

Generates (or, on a re-run, loads: finished datasets are not remade) each pipeline's dataset, runs
``datagen.stats`` on it, writes a contact sheet and the figures as JSON beside it, and prints one
markdown row per pipeline.
"""

import argparse
import importlib
import json
from dataclasses import asdict
from pathlib import Path

from datasets import load_from_disk

from datagen import RENDERING_PIPELINES, stats


HEADER = (
    "| pipeline | samples | duplicate samples | duplicate images | distinct questions | distinct answers "
    "| image sizes (min / median / max) | pt-BR flagged | closed question types | over fair share |\n"
    "|---|---:|---:|---:|---:|---:|---|---:|---:|---|"
)


def _size(size) -> str:
    return f"{size[0]}x{size[1]}"


def row(name: str, figures: stats.Stats) -> str:
    over = ", ".join(figures.unbalanced) or "none"
    sizes = " / ".join(_size(s) for s in (figures.min_size, figures.median_size, figures.max_size))
    return (
        f"| `{name}` | {figures.samples} | {figures.duplicate_samples:.1%} | {figures.duplicate_images:.1%} "
        f"| {figures.distinct_questions} | {figures.distinct_answers} | {sizes} | {figures.pt_br_share:.1%} "
        f"| {len(figures.balance)} | {over} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--pipelines", default=",".join(RENDERING_PIPELINES))
    args = parser.parse_args()
    out = Path(args.output_dir)
    print(HEADER)
    for name in args.pipelines.split(","):
        dataset_dir = out / name
        command = ["--num-samples", str(args.num_samples), "--output-dir", str(dataset_dir)]
        importlib.import_module(f"datagen.{name}").main(command + ["--num-proc", str(args.num_proc)])
        rows = load_from_disk(str(dataset_dir))
        figures = stats.compute(rows)
        stats.contact_sheet(rows, str(out / f"{name}_sheet.png"))
        (out / f"{name}_stats.json").write_text(json.dumps(asdict(figures), ensure_ascii=False, indent=1))
        print(row(name, figures), flush=True)


if __name__ == "__main__":
    main()
