"""Memory of the model's training state in full fine-tuning, LoRA and QLoRA, computed from parameter counts (not
measured): weights, gradients and AdamW states. Activations come on top and depend on the sequence length.

    python train/memory.py                                   # the 9B model (AmaliaVLConfig's defaults)
    python train/memory.py --model outputs/amalia-vl-tiny --lora_r 8

The counts come from the model built on the meta device, the adapters from the same LoRA targets `--use_peft` uses
(train/lora.py), with the dtypes the scripts train in (train/configs/stage2.yaml and lora.yaml):
- full: every module trains (the stage-2 table), bf16 weights, gradients and AdamW moments: 8 bytes a parameter;
- LoRA: the bf16 base frozen (2 bytes); peft keeps adapters in fp32 (4 + 4 + 8 bytes with AdamW) and the connector's
  trainable copy in bf16 (2 + 2 + 4 bytes);
- QLoRA: the language model's linear weights in nf4 (half a byte, plus an fp32 scale per block of 64 values);
  `prepare_model_for_kbit_training` holds every other parameter in fp32 (4 bytes); TRL trains the adapters and the
  connector's copy in bf16 (2 + 2 + 4 bytes).
"""

import argparse
import re
import sys
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModel


if __name__ == "__main__" and not __package__:
    # Run as a script (`python train/memory.py`): the repository root replaces train/ on the path, so that
    # `train` imports as a package and its module names (`data`, `stage`) never shadow a user's.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from train.lora import LORA_TARGETS


NF4_BYTES = 0.5 + 4 / 64  # 4 bits a weight, plus one fp32 absmax per block of 64 weights


def parameter_counts(model: torch.nn.Module, rank: int) -> dict[str, int]:
    """Parameters of the whole model, of the language model's linear layers (what 4-bit quantizes), of the
    connector (trained fully) and of rank-`rank` adapters on the language model's projections."""
    counts = {"all": sum(p.numel() for p in model.parameters()), "quantized": 0, "adapters": 0}
    counts["connector"] = sum(p.numel() for p in model.model.multi_modal_projector.parameters())
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and name.startswith("model.language_model."):
            counts["quantized"] += module.weight.numel()
        if re.fullmatch(LORA_TARGETS["language_model"], name):
            counts["adapters"] += rank * (module.in_features + module.out_features)
    return counts


def training_bytes(counts: dict[str, int]) -> dict[str, float]:
    """Bytes of weights, gradients and AdamW states per regime (see the module docstring)."""
    full_precision = counts["all"] - counts["quantized"]
    return {
        "full fine-tuning": 8 * counts["all"],
        "LoRA": 2 * counts["all"] + 16 * counts["adapters"] + 8 * counts["connector"],
        "QLoRA (4-bit nf4)": NF4_BYTES * counts["quantized"]
        + 4 * full_precision
        + 8 * (counts["adapters"] + counts["connector"]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a checkpoint whose config to count; default: the 9B model's")
    parser.add_argument("--lora_r", type=int, default=16)
    args = parser.parse_args(argv)
    import amalia_vl

    config = (
        AutoConfig.from_pretrained(args.model, trust_remote_code=True) if args.model else amalia_vl.AmaliaVLConfig()
    )
    with torch.device("meta"):
        model = AutoModel.from_config(config)
    counts = parameter_counts(model, args.lora_r)
    print(
        f"{counts['all'] / 1e9:.2f}B parameters; LoRA r={args.lora_r} adapters {counts['adapters'] / 1e6:.1f}M, "
        f"connector {counts['connector'] / 1e6:.1f}M, 4-bit linear layers {counts['quantized'] / 1e9:.2f}B"
    )
    print("training state (weights, gradients, AdamW), computed from parameter counts, activations not included:")
    for regime, size in training_bytes(counts).items():
        print(f"  {regime:<20}{size / 2**30:8.1f} GiB")


if __name__ == "__main__":
    main()
