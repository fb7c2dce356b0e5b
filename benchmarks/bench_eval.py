"""Evaluation throughput: our batched lmms-eval model class against the authors' route, on the same documents.

    python -m benchmarks.bench_eval                      # the tiny model on CPU, fixture documents
    python -m benchmarks.bench_eval --batch_size 16 --repeat 16 --device cuda

The authors evaluate with lmms-eval's `llava_hf` on the `llava_next` export, one document at a time; ours
(`amalia_vl`) batches documents with left padding. Both run through `evaluation.run` on the same fixture
datasets (each split repeated `--repeat` times) with the same generation budget; the script checks that every
prediction is identical, then prints each route's wall time and the ratio. A short warm-up of both routes first
loads lmms-eval, the datasets and the checkpoints, so the timed runs measure evaluation, not imports.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from evaluation import run
from evaluation.fixtures import write_fixtures
from hub_release.build_checkpoint import build_tiny
from hub_release.convert_llava_next import convert


# Short-answer tasks with the fixture datasets that repeat cleanly (MME's pairs would not), one of each kind.
TASKS = ["ai2d_pt", "pope_pt", "seedbench_pt", "docvqa_pt", "chartqa_pt", "ocrbench_pt", "refcoco_bbox_rec_pt"]


def evaluate(model: Path, model_class: str, data_dir: Path, output_dir: Path, args, limit: int | None = None) -> float:
    argv = [
        "--model",
        str(model),
        "--model_class",
        model_class,
        "--tasks",
        ",".join(TASKS),
        "--data_dir",
        str(data_dir),
        "--max_new_tokens",
        str(args.max_new_tokens),
        "--output_dir",
        str(output_dir),
        "--batch_size",
        str(args.batch_size if model_class == "amalia_vl" else 1),
    ]
    if args.device:
        argv += ["--device", args.device]
    if limit:
        argv += ["--limit", str(limit)]
    start = time.perf_counter()
    run.main(argv)
    return time.perf_counter() - start


def predictions(output_dir: Path) -> dict[str, list[str]]:
    return {
        task: [json.loads(line)["prediction"] for line in (output_dir / "samples" / f"{task}.jsonl").open()]
        for task in TASKS
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch_size", type=int, default=8, help="our class's batch (llava_hf always runs 1)")
    parser.add_argument("--repeat", type=int, default=8, help="copies of each fixture split")
    parser.add_argument("--max_new_tokens", type=int, default=16)
    parser.add_argument("--device", help="cpu or cuda (default: a GPU when there is one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        checkpoint = build_tiny(tmp / "amalia-vl-tiny")
        export = tmp / "amalia-vl-tiny-llava-next"
        convert(checkpoint, export)
        data_dir = write_fixtures(tmp / "data", repeat=args.repeat)
        routes = {
            "llava_hf (authors, batch 1)": ("llava_hf", export),
            f"amalia_vl (ours, batch {args.batch_size})": ("amalia_vl", checkpoint),
        }
        for model_class, model in routes.values():
            evaluate(model, model_class, data_dir, tmp / "warm-up" / model_class, args, limit=2)
        seconds, outputs = {}, {}
        for name, (model_class, model) in routes.items():
            seconds[name] = evaluate(model, model_class, data_dir, tmp / model_class, args)
            outputs[name] = predictions(tmp / model_class)

    authors, ours = outputs.values()
    mismatched = [task for task in TASKS if authors[task] != ours[task]]
    documents = sum(len(values) for values in ours.values())
    print(f"\n{documents} documents over {len(TASKS)} tasks, at most {args.max_new_tokens} new tokens each")
    for name, value in seconds.items():
        print(f"{name:32s} {value:8.1f} s  ({documents / value:6.2f} documents/s)")
    authors_time, our_time = seconds.values()
    print(f"speed-up: {authors_time / our_time:.2f}x; predictions identical: {not mismatched}")
    if mismatched:
        raise SystemExit(f"predictions differ between the routes on {mismatched}")


if __name__ == "__main__":
    main()
