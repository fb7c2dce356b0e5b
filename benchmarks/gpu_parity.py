"""Parity on a GPU: our logits against transformers' LlavaNext on the same weights, per attention implementation.

A random LlavaNext (tests.helpers.llava_next_reference at the given widths) is saved in bf16 and converted into our
classes by hub_release/convert_llava_next.py, as users convert the released checkpoints. Both models then run the
same batch (two tiled images of different shapes, left padding) in fp32 and in bf16, with sdpa, eager and, where
flash-attn imports, flash_attention_2; each of ours is compared with LlavaNext under the same attention. LlavaNext's
own fp32 against bf16 logits is the yardstick: a difference well under it is rounding, not a bug.
"""

import tempfile
from contextlib import contextmanager
from pathlib import Path

import torch
from transformers import AutoModel, AutoProcessor, LlavaNextForConditionalGeneration, LlavaNextProcessor

from benchmarks.gpu_sizes import Sizes
from hub_release.convert_llava_next import convert
from tests.helpers import llava_next_reference, random_image


# (height, width) in tiles: a 3 x 2 grid and a 1 x 4 strip, whatever the tile size.
IMAGE_SHAPES = [(2.9, 2.1), (0.9, 3.7)]
PROMPTS = ["<image>\nDescreve esta imagem em pormenor.", "<image>\nQue texto está escrito na imagem?"]
IMPLEMENTATIONS = ("sdpa", "eager", "flash_attention_2")


def flash_attention_status(device: str) -> str | None:
    """None when flash_attention_2 can run here, else why not (recorded in place of its numbers)."""
    if device != "cuda":
        return "not run: flash-attn needs CUDA"
    try:
        import flash_attn  # noqa: F401
    except Exception as error:  # an ImportError, or a wheel built for another torch failing to load its kernels
        return f"not importable: {type(error).__name__}: {error}"
    from transformers.utils import is_flash_attn_2_available

    return None if is_flash_attn_2_available() else "not importable: transformers rejects the installed flash-attn"


def compare(ours: torch.Tensor, reference: torch.Tensor, mask: torch.Tensor) -> dict:
    """Differences of two logit tensors over the real (non-padding) positions; padding rows differ between attention
    implementations by design (they attend to nothing)."""
    ours, reference = ours[mask].float(), reference[mask].float()
    difference = (ours - reference).abs()
    return {
        "max_abs_diff": difference.max().item(),
        "mean_abs_diff": difference.mean().item(),
        "top1_agreement": (ours.argmax(-1) == reference.argmax(-1)).float().mean().item(),
        "reference_max_abs_logit": reference.abs().max().item(),
    }


def build_pair(sizes: Sizes, workdir: Path, device: str):
    """(LlavaNext, its inputs, ours, our inputs), both fp32 on `device`, from one random checkpoint."""
    reference_dir, ours_dir = workdir / "llava_next", workdir / "amalia_vl"
    with torch.device(device):  # random initialisation on the GPU: seconds rather than a minute on the CPU
        model, processor = llava_next_reference(
            tile=sizes.tile,
            patch=sizes.patch,
            vision=sizes.vision,
            text={**sizes.text, "num_hidden_layers": sizes.parity_layers},
            vocab_size=4096,
        )
    # bf16 on disk halves the writing; loaded as fp32, both models hold the same bf16-exact weights.
    model.to(torch.bfloat16).save_pretrained(reference_dir)
    processor.save_pretrained(reference_dir)
    del model
    convert(reference_dir, ours_dir)
    load = {"dtype": torch.float32, "attn_implementation": "sdpa", "device_map": device}
    reference = LlavaNextForConditionalGeneration.from_pretrained(reference_dir, **load).eval()
    ours = AutoModel.from_pretrained(ours_dir, trust_remote_code=True, **load).eval()
    images = [
        [random_image(int(rows * sizes.tile), int(cols * sizes.tile), seed=i)]
        for i, (rows, cols) in enumerate(IMAGE_SHAPES)
    ]
    inputs = []
    for loaded in (
        LlavaNextProcessor.from_pretrained(reference_dir),
        AutoProcessor.from_pretrained(ours_dir, trust_remote_code=True),
    ):
        loaded.tokenizer.padding_side = "left"
        inputs.append(loaded(images=images, text=PROMPTS, padding=True, return_tensors="pt").to(device))
    return reference, inputs[0], ours, inputs[1]


def same_inputs(reference_inputs, our_inputs) -> bool:
    """Token ids equal, and our flat views equal LlavaNext's per-image views without its padding views."""
    views = (our_inputs["image_grids"].prod(-1) + 1).tolist()  # each grid's tiles and the thumbnail
    reference_views = torch.cat([pixels[:count] for pixels, count in zip(reference_inputs["pixel_values"], views)])
    return torch.equal(reference_inputs["input_ids"], our_inputs["input_ids"]) and torch.equal(
        reference_views, our_inputs["pixel_values"]
    )


@torch.no_grad()
def logits(model, inputs, dtype: torch.dtype) -> torch.Tensor:
    return model(**{**inputs, "pixel_values": inputs["pixel_values"].to(dtype)}).logits


@contextmanager
def strict_fp32():
    """TF32 off for matmuls and convolutions, which would make fp32 a low-precision yardstick; restored afterwards, so
    that the other sections run with torch's defaults."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def run(sizes: Sizes, device: str) -> dict:
    with strict_fp32():
        return _run(sizes, device)


def _run(sizes: Sizes, device: str) -> dict:
    flash = flash_attention_status(device)
    with tempfile.TemporaryDirectory() as scratch:
        reference, reference_inputs, ours, our_inputs = build_pair(sizes, Path(scratch), device)
    mask = our_inputs["attention_mask"].bool()
    result = {
        "widths": {"vision": sizes.vision, "text": {**sizes.text, "num_hidden_layers": sizes.parity_layers}},
        "tiles": int(our_inputs["pixel_values"].shape[0]),
        "tokens_per_row": int(our_inputs["input_ids"].shape[1]),
        "inputs_identical": same_inputs(reference_inputs, our_inputs),
        "ours_vs_llava_next": {},
        "ours_sdpa_vs_ours_eager": {},
    }
    kept = {}  # LlavaNext's sdpa logits per dtype, for the yardstick
    for dtype in (torch.float32, torch.bfloat16):
        name = str(dtype).removeprefix("torch.")
        reference.to(dtype), ours.to(dtype)
        per_implementation, ours_logits = {}, {}
        for implementation in IMPLEMENTATIONS:
            if implementation == "flash_attention_2" and (flash or dtype == torch.float32):
                per_implementation[implementation] = flash or "not run: flash-attn runs in fp16 / bf16 only"
                continue
            reference.set_attn_implementation(implementation), ours.set_attn_implementation(implementation)
            reference_logits = logits(reference, reference_inputs, dtype)
            ours_logits[implementation] = logits(ours, our_inputs, dtype)
            per_implementation[implementation] = compare(ours_logits[implementation], reference_logits, mask)
            if implementation == "sdpa":
                kept[name] = reference_logits
        result["ours_vs_llava_next"][name] = per_implementation
        result["ours_sdpa_vs_ours_eager"][name] = compare(ours_logits["sdpa"], ours_logits["eager"], mask)
    result["yardstick_llava_next_fp32_vs_bf16_sdpa"] = compare(kept["bfloat16"], kept["float32"], mask)
    return result
