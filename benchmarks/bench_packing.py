"""Packing benchmark: the fraction of padding tokens on a paper-scale length mix, and training tokens per second and
peak memory with and without packing, and with TRL's own padded collator, on the same samples.

    python -m benchmarks.bench_packing                    # both parts: tiny model, sample set, CPU (or the GPU)
    python -m benchmarks.bench_packing --part padding     # the length-mix figures only (no model)

Part 1 draws 4096 sample lengths the way stage 2 sees them (384-px tiles, up to 12 per image, 576 tokens per tile,
text about 425 tokens a sample: 2B text tokens over 4.7M samples) and counts padding for steps of 16 samples:
padded to the longest sample (TRL's collator), packed into 16384-token rows, and packed into one unpadded row.
Part 2 trains one copy of the tiny checkpoint per mode on the same samples, the modes taking turns step by step, and
reports real tokens per second, the activations autograd keeps for the backward pass (peak per step), and on a GPU
the peak of allocated memory.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from amalia_vl import AmaliaVLImageProcessor  # noqa: E402
from benchmarks.stage2_mix import draw_sample_shape  # noqa: E402
from train.packing import DataCollatorForPackedVision, first_fit_decreasing  # noqa: E402


MODES = ("trl_padded", "padded", "packed", "packed_one_row")


def paper_scale_lengths(num_samples: int = 4096, seed: int = 0) -> tuple[list[int], list[int]]:
    """(tokens, images) per sample, of the shapes `draw_sample_shape` draws."""
    rng = np.random.default_rng(seed)
    tiler = AmaliaVLImageProcessor(tile_size=384, max_tiles=12)
    lengths, images = [], []
    for _ in range(num_samples):
        text, image_size = draw_sample_shape(rng)
        lengths.append(text + (tiler.num_image_tokens(image_size) if image_size else 0))
        images.append(1 if image_size else 0)
    return lengths, images


def padding_figures(batch: int = 16, max_length: int = 16384, max_images: int = 16) -> dict:
    lengths, images = paper_scale_lengths()
    real = padded_unpacked = padded_packed = rows_packed = 0
    for start in range(0, len(lengths), batch):
        step, step_images = lengths[start : start + batch], images[start : start + batch]
        real += sum(step)
        padded_unpacked += len(step) * max(step)
        bins = first_fit_decreasing(step, step_images, max_length, max_images)
        rows_packed += len(bins)
        padded_packed += len(bins) * max(sum(step[i] for i in members) for members in bins)
    return {
        "samples": len(lengths),
        "mean tokens per sample": round(real / len(lengths)),
        "padding, padded to the longest sample": 1 - real / padded_unpacked,
        "padding, packed into 16384-token rows": 1 - real / padded_packed,
        "padding, packed into one row": 0.0,
        "rows per step of 16 samples, packed": rows_packed / (len(lengths) / batch),
    }


def collator_for(mode: str, processor, max_length: int):
    if mode == "trl_padded":
        from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

        return DataCollatorForVisionLanguageModeling(processor, max_length=max_length, assistant_only_loss=True)
    return DataCollatorForPackedVision(
        processor, max_length=max_length, max_images=16, pack=mode != "padded", padding_free=mode == "packed_one_row"
    )


def train_step(model, optimizer, inputs) -> tuple[float, int]:
    """One optimizer step; (seconds, bytes of tensors autograd saved for the backward pass: the activations)."""
    saved = 0

    def count(tensor):
        nonlocal saved
        saved += tensor.numel() * tensor.element_size()
        return tensor

    start = time.perf_counter()
    with torch.autograd.graph.saved_tensors_hooks(count, lambda tensor: tensor):
        loss = model(**inputs, use_cache=False).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, saved


def throughput(checkpoint: str, mix_file: str, steps: int, batch: int, max_length: int = 2048) -> dict:
    """Train one copy of the model per mode on the same samples, the modes taking turns step by step, so that other
    jobs on the machine slow every mode alike. Real (non-padding) tokens per second of model time."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from train.data import load_mix

    device = "cuda" if torch.cuda.is_available() else "cpu"
    processor = AutoProcessor.from_pretrained(checkpoint, trust_remote_code=True)
    rows = load_mix("sample_sft", mix_file=mix_file)
    runs = {}
    for mode in MODES:
        model = AutoModelForImageTextToText.from_pretrained(checkpoint, trust_remote_code=True).to(device).train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        runs[mode] = {
            "model": model,
            "optimizer": optimizer,
            "collator": collator_for(mode, processor, max_length),
            "seconds": 0.0,
            "tokens": 0,
            "positions": 0,
            "activations": 0,
            "peak": 0,
        }
    for step in range(steps + 1):  # step 0 warms up and is not counted
        samples = [rows[index] for index in range(step * batch, (step + 1) * batch)]
        for run in runs.values():
            inputs = {key: value.to(device) for key, value in run["collator"](samples).items()}
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            seconds, saved = train_step(run["model"], run["optimizer"], inputs)
            if step:
                run["seconds"] += seconds
                run["tokens"] += int((inputs["input_ids"] != processor.tokenizer.pad_token_id).sum())
                run["positions"] += inputs["input_ids"].numel()
                run["activations"] = max(run["activations"], saved)
                run["peak"] = max(run["peak"], torch.cuda.max_memory_allocated() if device == "cuda" else 0)
    return {
        mode: {
            "tokens/s": run["tokens"] / run["seconds"],
            "padding": 1 - run["tokens"] / run["positions"],
            "activations MiB": run["activations"] / 2**20,
            "peak MiB": run["peak"] / 2**20,
        }
        for mode, run in runs.items()
    }


def prepare_inputs(workdir: Path) -> tuple[str, str]:
    """The tiny checkpoint and a data-mix file pointing at a fresh sample set, both in `workdir`."""
    import yaml

    from hub_release.build_checkpoint import build_tiny
    from train.sample_data import make_sample_data

    checkpoint = build_tiny(workdir / "amalia-vl-tiny")
    root = make_sample_data(workdir / "sample_data", num_train=800, num_test=10)
    mixes = yaml.safe_load((REPO / "train" / "data_mix.yaml").read_text())
    source = mixes["sample_sft"][0]["source"]
    source.update(
        image_root=str(root), data_files={"train": str(root / "sft_train.jsonl"), "test": str(root / "sft_test.jsonl")}
    )
    (workdir / "mix.yaml").write_text(yaml.safe_dump(mixes))
    return str(checkpoint), str(workdir / "mix.yaml")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("all", "padding", "throughput"), default="all")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    if args.part in ("all", "padding"):
        print("Padding on a paper-scale length mix (steps of 16 samples, max length 16384, 12 tiles):")
        for name, value in padding_figures().items():
            print(f"  {name:45s} {value:.1%}" if name.startswith("padding") else f"  {name:45s} {value:.4g}")
    if args.part in ("all", "throughput"):
        with tempfile.TemporaryDirectory() as workdir:
            results = throughput(*prepare_inputs(Path(workdir)), args.steps, args.batch)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        print(f"\nTraining the tiny model on the sample set, {args.steps} steps of {args.batch} samples ({device}):")
        print(f"  {'collator':16s} {'tokens/s':>9s} {'padding':>8s} {'activations MiB':>16s} {'peak MiB':>9s}")
        for mode, result in results.items():
            peak = f"{result['peak MiB']:9.0f}" if device == "cuda" else f"{'n/a':>9s}"
            activations = f"{result['activations MiB']:16.1f}"
            print(f"  {mode:16s} {result['tokens/s']:9.0f} {result['padding']:8.1%} {activations} {peak}")


if __name__ == "__main__":
    main()
