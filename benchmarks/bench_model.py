"""Forward and generate speed: AmaliaVLForConditionalGeneration against transformers'
LlavaNextForConditionalGeneration, on the same weights and inputs.

    python -m benchmarks.bench_model
    python -m benchmarks.bench_model --device cuda --dtype bfloat16 --attn sdpa   # on a GPU

The model is small enough for a CPU but not trivial: a 6-layer SigLIP tower of width 384 on 128 px tiles (64 tokens
each, up to 12 tiles), a 4-layer Llama of width 512. The script converts the LlavaNext weights into our classes with
hub_release/convert_llava_next.py, checks that both give the same logits, then prints the timings and the ratios.
"""

import argparse
import tempfile
from pathlib import Path

import torch
from transformers import (
    AutoModel,
    AutoProcessor,
    LlavaNextForConditionalGeneration,
    LlavaNextProcessor,
)

from benchmarks.timing import best_times
from hub_release.convert_llava_next import convert
from tests.helpers import llava_next_reference, random_image


TILE, PATCH = 128, 16
SIZES = [(300, 420), (120, 900), (640, 200), (256, 256)]


def reference_checkpoint(directory: Path):
    model, processor = llava_next_reference(
        tile=TILE,
        patch=PATCH,
        vocab_size=4096,
        vision={"hidden_size": 384, "intermediate_size": 1536, "num_hidden_layers": 6, "num_attention_heads": 6},
        text={
            "hidden_size": 512,
            "intermediate_size": 1024,
            "num_hidden_layers": 4,
            "num_attention_heads": 8,
            "num_key_value_heads": 4,
        },
    )
    model.save_pretrained(directory)
    processor.save_pretrained(directory)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--attn", default="sdpa", help="attention implementation: sdpa, eager, flash_attention_2")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=16)
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)

    with tempfile.TemporaryDirectory() as scratch:
        reference_dir, ours_dir = Path(scratch) / "llava_next", Path(scratch) / "amalia_vl"
        reference_checkpoint(reference_dir)
        convert(reference_dir, ours_dir)
        load = {"dtype": dtype, "attn_implementation": args.attn}
        reference = LlavaNextForConditionalGeneration.from_pretrained(reference_dir, **load).to(args.device).eval()
        ours = AutoModel.from_pretrained(ours_dir, trust_remote_code=True, **load).to(args.device).eval()
        reference_processor = LlavaNextProcessor.from_pretrained(reference_dir)
        our_processor = AutoProcessor.from_pretrained(ours_dir, trust_remote_code=True)

    images = [[random_image(*size, seed=i)] for i, size in enumerate(SIZES)]
    texts = ["<image>\nDescreve esta imagem em pormenor."] * len(SIZES)
    for processor in (reference_processor, our_processor):
        processor.tokenizer.padding_side = "left"
    reference_inputs = reference_processor(images=images, text=texts, padding=True, return_tensors="pt").to(args.device)
    our_inputs = our_processor(images=images, text=texts, padding=True, return_tensors="pt").to(args.device)
    for inputs in (reference_inputs, our_inputs):
        inputs["pixel_values"] = inputs["pixel_values"].to(dtype)

    with torch.no_grad():
        difference = (reference(**reference_inputs).logits.float() - ours(**our_inputs).logits.float()).abs().max()
        generation = {"max_new_tokens": args.new_tokens, "min_new_tokens": args.new_tokens, "do_sample": False}
        models = {
            "LlavaNextForConditionalGeneration": (reference, reference_inputs),
            "AmaliaVLForConditionalGeneration": (ours, our_inputs),
        }
        forward = best_times(
            {name: (lambda m=m, i=i: m(**i)) for name, (m, i) in models.items()}, args.repeats, args.device
        )
        generate = best_times(
            {name: (lambda m=m, i=i: m.generate(**i, **generation)) for name, (m, i) in models.items()},
            args.repeats,
            args.device,
        )

    tokens = our_inputs["input_ids"].shape[1]
    print(
        f"device {args.device}, {args.dtype}, {args.attn}; batch of {len(SIZES)} images "
        f"({our_inputs['pixel_values'].shape[0]} tiles), {tokens} tokens a row; max |logit difference| "
        f"{difference:.2e}"
    )
    for name in models:
        print(
            f"  {name:36s} forward {forward[name] * 1e3:8.1f} ms   generate {args.new_tokens} tokens "
            f"{generate[name] * 1e3:8.1f} ms"
        )
    reference_name, our_name = models
    print(
        f"  speed-up (LlavaNext time / ours)      forward {forward[reference_name] / forward[our_name]:6.2f}x   "
        f"generate {generate[reference_name] / generate[our_name]:6.2f}x"
    )


if __name__ == "__main__":
    main()
