"""Generation latency at the released size: one tiled image and a prompt, batch 1, bf16, sdpa, with the KV cache.

Time to first token is a whole `generate` of one new token (tiling excluded: it runs on the CPU before; the tower,
the connector and the prefill of every image token included); a decode step is the rest of a `generate` of
`new_tokens` tokens divided by the tokens after the first. Both are the best of a few runs after a warm-up.
"""

import torch

from benchmarks.gpu_models import build_model, model_config, processor_for
from benchmarks.gpu_sizes import Sizes
from benchmarks.timing import best_times
from tests.helpers import random_image


# A 3 x 2 grid and its thumbnail: 7 views (about 3,800 tokens at 384-px tiles), a photo of ordinary shape.
IMAGE_SHAPE = (2.7, 1.9)  # (height, width) in tiles
PROMPT = "Descreve esta imagem em pormenor."


def prompt_inputs(processor, sizes: Sizes, device: str) -> dict:
    image = random_image(int(IMAGE_SHAPE[0] * sizes.tile), int(IMAGE_SHAPE[1] * sizes.tile))
    messages = [{"role": "user", "content": [{"type": "image", "image": image}, {"type": "text", "text": PROMPT}]}]
    inputs = processor.apply_chat_template(
        messages,
        add_generation_prompt=True,
        tokenize=True,
        return_dict=True,
        return_tensors="pt",
        processor_kwargs={"add_special_tokens": False},
    )
    return inputs.to(device)


def run(sizes: Sizes, device: str) -> dict:
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    processor = processor_for(sizes)
    config = model_config(sizes, processor, sizes.generate_layers)
    model = build_model(config, device, torch.bfloat16).eval()
    inputs = prompt_inputs(processor, sizes, device)
    inputs["pixel_values"] = inputs["pixel_values"].to(torch.bfloat16)
    # Random weights may say <|im_end|> at once: min_new_tokens holds every run to the same length.
    generate = lambda tokens: model.generate(
        **inputs, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False, use_cache=True
    )
    with torch.no_grad():
        best = best_times(
            {"first": lambda: generate(1), "all": lambda: generate(sizes.new_tokens)}, sizes.repeats, device
        )
    decode = (best["all"] - best["first"]) / (sizes.new_tokens - 1)
    return {
        "layers": sizes.generate_layers,
        "parameters": model.num_parameters(),
        "tiles": int(inputs["pixel_values"].shape[0]),
        "prompt_tokens": int(inputs["input_ids"].shape[1]),
        "new_tokens": sizes.new_tokens,
        "time_to_first_token_ms": best["first"] * 1e3,
        "decode_ms_per_token": decode * 1e3,
        "decode_tokens_per_s": 1 / decode if decode > 0 else None,
        "generate_total_ms": best["all"] * 1e3,
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None,
    }
