"""Packing benchmark: the fraction of padding tokens on a paper-scale length mix, and training tokens per second and
peak memory with and without packing, and with TRL's own padded collator, on the same samples.

    python benchmarks/bench_packing.py                    # both parts: tiny model, sample set, CPU (or the GPU)
    python benchmarks/bench_packing.py --part padding     # the length-mix figures only (no model)

Part 1 draws 4096 sample lengths the way stage 2 sees them (384-px tiles, up to 12 per image, 576 tokens per tile,
text about 425 tokens a sample: 2B text tokens over 4.7M samples) and counts padding for steps of 16 samples:
padded to the longest sample (TRL's collator), packed into 16384-token rows, and packed into one unpadded row.
Part 2 trains the tiny checkpoint for a few steps in each mode, each in a fresh process so that peak memory is its own,
and keeps the best of a few rounds.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "train")]

from amalia_vl import AmaliaVLImageProcessor  # noqa: E402
from packing import DataCollatorForPackedVision, first_fit_decreasing  # noqa: E402

MODES = ("trl_padded", "padded", "packed", "packed_one_row")


def paper_scale_lengths(num_samples: int = 4096, seed: int = 0) -> tuple[list[int], list[int]]:
    """(tokens, images) per sample: photos, documents and charts of mixed shapes, 2 % text-only."""
    rng = np.random.default_rng(seed)
    tiler = AmaliaVLImageProcessor(tile_size=384, max_tiles=12)
    lengths, images = [], []
    for _ in range(num_samples):
        text = int(rng.lognormal(mean=np.log(300), sigma=0.8)) + 20
        if rng.random() < 0.02:
            lengths.append(text), images.append(0)
            continue
        side = rng.lognormal(mean=np.log(900), sigma=0.5)
        aspect = np.exp(rng.normal(0, 0.6))
        size = (max(16, int(side / np.sqrt(aspect))), max(16, int(side * np.sqrt(aspect))))
        lengths.append(text + tiler.num_image_tokens(size)), images.append(1)
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


def train_steps(mode: str, checkpoint: str, mix_file: str, steps: int, batch: int, max_length: int) -> dict:
    """Train `steps` steps of `batch` samples in `mode`; real (non-padding) tokens per second of model time."""
    from data import load_mix
    from transformers import AutoModelForImageTextToText, AutoProcessor

    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForImageTextToText.from_pretrained(checkpoint, trust_remote_code=True).to(device).train()
    processor = AutoProcessor.from_pretrained(checkpoint, trust_remote_code=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    rows = load_mix("sample_sft", mix_file=mix_file)
    collator = collator_for(mode, processor, max_length)
    real_tokens = positions = 0
    model_seconds = 0.0
    for step in range(steps + 1):  # step 0 warms up and is not timed
        inputs = collator([rows[index] for index in range(step * batch, (step + 1) * batch)])
        inputs = {key: value.to(device) for key, value in inputs.items()}
        start = time.perf_counter()
        model(**inputs, use_cache=False).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if device == "cuda":
            torch.cuda.synchronize()
        if step:
            model_seconds += time.perf_counter() - start
            real_tokens += int((inputs["input_ids"] != processor.tokenizer.pad_token_id).sum())
            positions += inputs["input_ids"].numel()
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"tokens/s": real_tokens / model_seconds, "padding": 1 - real_tokens / positions, "peak MiB": peak / 2**20}


def run_mode_in_subprocess(mode: str, args) -> dict:
    command = [sys.executable, __file__, "--mode", mode, "--checkpoint", args.checkpoint, "--mix_file", args.mix_file,
               "--steps", str(args.steps), "--batch", str(args.batch)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        return {"error": result.stderr.strip().splitlines()[-1][:160]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare_inputs(workdir: Path) -> tuple[str, str]:
    """The tiny checkpoint and a data-mix file pointing at a fresh sample set, both in `workdir`."""
    import yaml
    from hub_release.build_checkpoint import build_tiny
    from sample_data import make_sample_data

    checkpoint = build_tiny(workdir / "amalia-vl-tiny")
    root = make_sample_data(workdir / "sample_data", num_train=800, num_test=10)
    mixes = yaml.safe_load((REPO / "train" / "data_mix.yaml").read_text())
    source = mixes["sample_sft"][0]["source"]
    source.update(image_root=str(root), data_files={"train": str(root / "sft_train.jsonl"), "test": str(root / "sft_test.jsonl")})
    (workdir / "mix.yaml").write_text(yaml.safe_dump(mixes))
    return str(checkpoint), str(workdir / "mix.yaml")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("all", "padding", "throughput"), default="all")
    parser.add_argument("--mode", choices=MODES, help="(internal) run one throughput mode and print JSON")
    parser.add_argument("--checkpoint"), parser.add_argument("--mix_file")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(train_steps(args.mode, args.checkpoint, args.mix_file, args.steps, args.batch, 2048)))
        return
    if args.part in ("all", "padding"):
        print("Padding on a paper-scale length mix (steps of 16 samples, max length 16384, 12 tiles):")
        for name, value in padding_figures().items():
            print(f"  {name:45s} {value:.1%}" if name.startswith("padding") else f"  {name:45s} {value:.4g}")
    if args.part in ("all", "throughput"):
        with tempfile.TemporaryDirectory() as workdir:
            args.checkpoint, args.mix_file = prepare_inputs(Path(workdir))
            device = "cuda" if torch.cuda.is_available() else "cpu"
            print(f"\nTraining the tiny model on the sample set, {args.steps} steps of {args.batch} samples ({device}),")
            print(f"best of {args.rounds} rounds that take the modes in turn (other jobs on the machine only slow a run down):")
            print(f"  {'collator':16s} {'tokens/s':>10s} {'padding':>9s} {'peak MiB':>9s}")
            rounds = [[run_mode_in_subprocess(mode, args) for mode in MODES] for _ in range(args.rounds)]
            for mode, results in zip(MODES, zip(*rounds)):
                if "error" in results[0]:
                    print(f"  {mode:16s} failed: {results[0]['error']}")
                    continue
                best = max(results, key=lambda result: result["tokens/s"])
                print(f"  {mode:16s} {best['tokens/s']:10.0f} {best['padding']:9.1%} {best['peak MiB']:9.0f}")


if __name__ == "__main__":
    main()
