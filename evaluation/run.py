"""Evaluate a checkpoint on the paper's pt-PT benchmarks through lmms-eval; fails loudly.

    # AMALIA-VL (ours or the released weights) through our batched model class
    python -m evaluation.run --model amalia-llm/AMALIA-VL-DPO --tasks amalia_vl_eval_pt --batch_size 8 \
        --output_dir results/amalia-vl-dpo
    # the authors' route: lmms-eval's llava_hf on a llava_next checkpoint, one document at a time
    python -m evaluation.run --model_class llava_hf --model checkpoints/amalia-vl-dpo-llava-next \
        --tasks amalia_vl_eval_pt --output_dir results/dpo-llava-hf
    # a peer through lmms-eval's own class for it
    python -m evaluation.run --model_class qwen3_vl --model Qwen/Qwen3-VL-8B-Instruct --tasks amalia_vl_eval_pt \
        --output_dir results/qwen3-vl-8b
    # offline: every benchmark from DIR/<NAME>-PT (python -m evaluation.fetch_data DIR makes them)
    python -m evaluation.run --model ckpt --tasks mme_pt,pope_pt --data_dir data/eval --limit 20 --output_dir out
    # data-parallel on a node: one process per GPU, documents sharded, the same scores as one process
    accelerate launch --num_processes 8 -m evaluation.run --model ckpt --tasks amalia_vl_eval_pt --output_dir out

Writes OUT/results.json (every metric of every task, the run's settings) and OUT/samples/<task>.jsonl (each
document's prediction), which `python -m evaluation.report OUT` turns into the Table 3 row. The lmms-eval CLI exits
0 when a run fails; this command calls `simple_evaluate`, which raises, and also fails when a task returns no
results, so a broken run never leaves a results file that looks finished.
"""

import argparse
import json
import logging
import sys
from pathlib import Path

from evaluation.tasks import lmms_tasks, select


logger = logging.getLogger("evaluation.run")

OUR_MODEL_CLASS = "amalia_vl"
# lmms-eval's classes mostly take the checkpoint as `pretrained`; the vLLM ones as `model`.
CHECKPOINT_ARGUMENT = {"vllm": "model", "vllm_generate": "model"}


def model_args(args: argparse.Namespace) -> str:
    """lmms-eval's `k=v,...` string for the chosen model class, with the settings each class needs."""
    pairs = {CHECKPOINT_ARGUMENT.get(args.model_class, "pretrained"): args.model}
    if args.model_class == OUR_MODEL_CLASS:
        pairs.update(dtype=args.dtype)
        if args.max_tiles is not None:
            pairs["max_tiles"] = args.max_tiles
        if args.device:
            pairs["device"] = args.device
    elif args.model_class == "llava_hf":
        # llava_hf's default device_map="" crashes on transformers 5, and it moves inputs to `device` (default
        # cuda) whatever the map: both are set to the one device. (So llava_hf runs one process, not data-parallel.)
        device = args.device or default_device()
        pairs.update(dtype=args.dtype, device=device, device_map=device)
    if args.disable_thinking:
        # The paper disabled thinking for unified models; lmms-eval's Qwen3-VL and Qwen3.5 classes take this switch
        # (classes without it refuse the argument, which is the loud failure wanted).
        pairs["enable_thinking"] = False
    extra = dict(pair.split("=", 1) for pair in args.model_args.split(",") if pair) if args.model_args else {}
    pairs.update(extra)
    return ",".join(f"{key}={value}" for key, value in pairs.items())


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def evaluate(args: argparse.Namespace) -> dict | None:
    """Runs lmms-eval; returns its result dict on the main process and None on the others."""
    from lmms_eval.evaluator import simple_evaluate
    from lmms_eval.models import get_model

    # The class lmms-eval will build for this name decides which task type (chat or simple) it reads.
    chat = not getattr(get_model(args.model_class), "is_simple", True)
    tasks = lmms_tasks(args.tasks, args.data_dir, model_name=args.model_class, chat=chat)
    return simple_evaluate(
        model=args.model_class,
        model_args=model_args(args),
        tasks=tasks,
        batch_size=args.batch_size,
        limit=args.limit,
        log_samples=True,
        # A cap on every task's generation budget, for smoke tests; it departs from the protocol.
        gen_kwargs=f"max_new_tokens={args.max_new_tokens}" if args.max_new_tokens else None,
        bootstrap_iters=0,
        random_seed=0,
        verbosity="WARNING",
    )


def _prediction(response) -> str:
    while isinstance(response, list | tuple) and response:
        response = response[0]
    return getattr(response, "text", response)


def write_outputs(results: dict, args: argparse.Namespace, task_names: list[str]) -> Path:
    """OUT/results.json and OUT/samples/<task>.jsonl; raises if a task asked for has no results."""
    missing = [name for name in task_names if name not in results.get("results", {})]
    if missing:
        raise RuntimeError(f"lmms-eval returned no results for {missing}; see the log above")
    output_dir = Path(args.output_dir)
    (output_dir / "samples").mkdir(parents=True, exist_ok=True)
    summary = {
        "model": args.model,
        "model_class": args.model_class,
        "model_args": model_args(args),
        "label": args.label or Path(args.model.rstrip("/")).name,
        "limit": args.limit,
        "max_new_tokens": args.max_new_tokens,
        "data_dir": str(args.data_dir) if args.data_dir else None,
        "results": {name: results["results"][name] for name in task_names},
        "n_samples": {name: len(results["samples"].get(name, [])) for name in task_names},
    }
    (output_dir / "results.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    for name in task_names:
        with open(output_dir / "samples" / f"{name}.jsonl", "w") as file:
            for sample in sorted(results["samples"].get(name, []), key=lambda s: s["doc_id"]):
                row = {
                    "doc_id": sample["doc_id"],
                    "target": sample.get("target"),
                    "prediction": _prediction(sample.get("resps")),
                }
                file.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return output_dir / "results.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="checkpoint directory or Hub id (lmms-eval's `pretrained`)")
    parser.add_argument("--tasks", required=True, help="comma-separated task names, or amalia_vl_eval_pt for all 18")
    parser.add_argument("--output_dir", required=True, type=Path)
    parser.add_argument(
        "--model_class",
        default=OUR_MODEL_CLASS,
        help="lmms-eval model name: amalia_vl (ours, default), llava_hf, qwen3_vl, internvl_hf, ...",
    )
    parser.add_argument("--model_args", default="", help="extra k=v,... for the model class (override ours)")
    parser.add_argument("--data_dir", type=Path, help="read each benchmark from DIR/<NAME>-PT (save_to_disk)")
    parser.add_argument("--limit", type=int, help="first N documents of each task (CIDEr and MME change with N)")
    parser.add_argument("--batch_size", type=int, default=1)
    parser.add_argument("--max_tiles", type=int, help="amalia_vl: tile budget per image (default: checkpoint's)")
    parser.add_argument("--dtype", default="auto", help="auto (bf16 on GPU, fp32 on CPU), bfloat16, float32")
    parser.add_argument("--device", help="cuda, cuda:N or cpu (default: a GPU when there is one)")
    parser.add_argument(
        "--disable_thinking",
        action="store_true",
        help="unified peers (qwen3_vl, qwen3_5): answer without thinking, as the paper ran them",
    )
    parser.add_argument(
        "--max_new_tokens",
        type=int,
        help="cap every task's generation budget (smoke tests only: the protocol sets its own)",
    )
    parser.add_argument("--label", help="the row name in reports (default: the model's last path part)")
    args = parser.parse_args(argv)
    args.tasks = [name.strip() for name in args.tasks.split(",") if name.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    task_names = [benchmark.task for benchmark in select(args.tasks)]
    logger.info(
        "evaluating %s (%s) on %d tasks: %s", args.model, args.model_class, len(task_names), ", ".join(task_names)
    )
    results = evaluate(args)
    if results is None:  # a non-main process of a data-parallel run: the main one writes the outputs
        return 0
    path = write_outputs(results, args, task_names)
    logger.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
