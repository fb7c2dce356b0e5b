"""A stage-2 training step at the released widths: tokens/s, MFU and peak memory for three ways of batching.

The model is the SigLIP2-so400m tower, the 1152 -> 4096 connector and AMALIA-9B's 4096-wide Llama with fewer
layers, trained as stage 2 trains it: every module, fp32 master weights under bf16 autocast, gradient checkpointing,
AdamW, sdpa. The same stage-2-shaped batches (tiled images, pt-PT text) go through TRL's padded vision collator, our
packing collator (rows of up to `max_length` tokens) and our one-row packing, taking turns on one model: warm-up
steps, then timed steps between `torch.cuda.synchronize` calls. Collation runs before the clock starts (it is CPU
work that a DataLoader overlaps with the GPU) and is reported apart.
"""

import time

import torch
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from amalia_vl import AmaliaVLConfig, AmaliaVLProcessor
from benchmarks.gpu_models import build_model, model_config, processor_for
from benchmarks.gpu_sizes import Sizes
from benchmarks.stage2_mix import stage2_examples
from train.packing import DataCollatorForPackedVision


MODES = ("trl_padded", "packed_rows", "packed_one_row")
# Dense bf16 tensor-core peak of the SXM parts (NVIDIA's data sheets), the usual denominator of MFU.
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0}
FLOPS_FORMULA = (
    "per step: 6 * N_llm * T + 12 * L_llm * d_llm * sum(s_i^2) "
    "+ 6 * (N_vision + N_connector) * V + 12 * L_vision * d_vision * tiles * p^2; "
    "N_llm: language-model parameters without the input embedding (lm_head included), T: real (non-padding) tokens, "
    "s_i: each sample's length, V = tiles * p: vision tokens, p: tokens per tile. The attention terms count the full "
    "score matrix (the PaLM / Megatron convention); the recomputation of gradient checkpointing is not counted (MFU, "
    "not HFU). MFU = flops / step seconds / peak."
)


def enable_checkpointing(model):
    """Non-reentrant activation checkpointing, as torch recommends (and train/stage.py sets); transformers 5.20 calls
    it `gradient_checkpointing_enable`, later versions `activation_checkpointing_enable`."""
    options = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=options)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=options)


def collator(mode: str, processor: AmaliaVLProcessor, max_length: int):
    if mode == "trl_padded":
        return DataCollatorForVisionLanguageModeling(processor, max_length=max_length, assistant_only_loss=True)
    return DataCollatorForPackedVision(
        processor, max_length=max_length, max_images=16, padding_free=mode == "packed_one_row"
    )


def parameter_counts(model) -> dict:
    """Parameters that run in a step, by part (the tower's unused final norm is frozen and left out)."""
    inner = model.model
    trainable = lambda module: sum(p.numel() for p in module.parameters() if p.requires_grad)
    return {
        "vision": trainable(inner.vision_tower),
        "connector": trainable(inner.multi_modal_projector),
        "llm_without_input_embedding": trainable(inner.language_model)
        - inner.language_model.get_input_embeddings().weight.numel()
        + trainable(model.lm_head),
        "total": trainable(model),
    }


def step_flops(config: AmaliaVLConfig, params: dict, sample_lengths: list[int], tiles: int) -> float:
    """Model FLOPs of one training step (FLOPS_FORMULA)."""
    text, vision = config.text_config, config.vision_config
    per_tile = (vision.image_size // vision.patch_size) ** 2
    vision_tokens = tiles * per_tile
    llm = 6 * params["llm_without_input_embedding"] * sum(sample_lengths)
    llm += 12 * text.num_hidden_layers * text.hidden_size * sum(length**2 for length in sample_lengths)
    tower = 6 * (params["vision"] + params["connector"]) * vision_tokens
    tower += 12 * vision.num_hidden_layers * vision.hidden_size * tiles * per_tile**2
    return float(llm + tower)


def prepare_batches(sizes: Sizes, processor: AmaliaVLProcessor, steps: int) -> list[dict]:
    """Per step: its examples, each sample's token count and the tile count (shared by every mode)."""
    examples = stage2_examples(
        processor.tokenizer, steps * sizes.samples_per_step, tile=sizes.tile, text_scale=sizes.text_scale
    )
    encoder = DataCollatorForPackedVision(processor, max_length=sizes.max_length)
    batches = []
    for start in range(0, len(examples), sizes.samples_per_step):
        step = examples[start : start + sizes.samples_per_step]
        encoded = [encoder.encode(example) for example in step]
        if None in encoded:
            raise ValueError(f"A drawn sample is longer than max_length={sizes.max_length}: raise it in gpu_sizes.py.")
        batches.append(
            {
                "examples": step,
                "lengths": [len(sample["input_ids"]) for sample in encoded],
                "tiles": sum(int(sample["pixel_values"].shape[0]) for sample in encoded if sample["num_images"]),
            }
        )
    return batches


def collate(mode_collator, batch: dict, device: str, pad_id: int) -> tuple[dict, dict]:
    start = time.perf_counter()
    # TRL's collator renames `image` keys in place; give it copies so every mode sees the same examples.
    inputs = mode_collator([dict(example) for example in batch["examples"]])
    seconds = time.perf_counter() - start
    inputs = {key: value.to(device) for key, value in inputs.items()}
    ids = inputs["input_ids"]
    shape = {
        "rows": int(ids.shape[0]),
        "positions": int(ids.numel()),
        "real_tokens": int((ids != pad_id).sum()),
        "collate_seconds": seconds,
    }
    return inputs, shape


def train_step(model, optimizer, inputs: dict, device: str) -> tuple[float, float]:
    """One optimizer step; (seconds, loss)."""
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        # Only the loss is kept: the 128k-wide logits of the output object would double the logits' memory.
        loss = model(**inputs, use_cache=False).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, loss.item()


def run_mode(mode: str, model, optimizer, processor, batches: list[dict], sizes: Sizes, device: str) -> dict:
    mode_collator = collator(mode, processor, sizes.max_length)
    pad_id = processor.tokenizer.pad_token_id
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    timed = {"seconds": 0.0, "rows": 0, "positions": 0, "real_tokens": 0, "collate_seconds": 0.0, "flops": 0.0}
    losses = []
    for index, batch in enumerate(batches):
        inputs, shape = collate(mode_collator, batch, device, pad_id)
        seconds, loss = train_step(model, optimizer, inputs, device)
        del inputs
        if index < sizes.warmup_steps:
            continue
        losses.append(loss)
        for key, value in shape.items():
            timed[key] += value
        timed["seconds"] += seconds
        timed["flops"] += batch["flops"]
    steps = len(batches) - sizes.warmup_steps
    peak = PEAK_TFLOPS.get(peak_name(device))
    achieved = timed["flops"] / timed["seconds"]
    return {
        "timed_steps": steps,
        "rows_per_step": timed["rows"] / steps,
        "real_tokens_per_step": timed["real_tokens"] / steps,
        "positions_per_step": timed["positions"] / steps,
        "pad_tokens_per_step": (timed["positions"] - timed["real_tokens"]) / steps,
        "padding_fraction": 1 - timed["real_tokens"] / timed["positions"],
        "step_seconds": timed["seconds"] / steps,
        "tokens_per_s": timed["real_tokens"] / timed["seconds"],
        "model_tflops_per_s": achieved / 1e12,
        "mfu": achieved / (peak * 1e12) if peak else None,
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None,
        "collate_seconds_per_step": timed["collate_seconds"] / steps,
        "losses": losses,
    }


def peak_name(device: str) -> str | None:
    """The PEAK_TFLOPS key naming this GPU, or None (then MFU is not computed)."""
    if device != "cuda":
        return None
    name = torch.cuda.get_device_name()
    return next((key for key in PEAK_TFLOPS if key in name), None)


def run(sizes: Sizes, device: str, record) -> dict:
    """`record(partial)` is called after each mode, so that a run stopped later still keeps what was measured."""
    processor = processor_for(sizes)
    config = model_config(sizes, processor, sizes.train_layers)
    batches = prepare_batches(sizes, processor, sizes.warmup_steps + sizes.timed_steps)
    model = build_model(config, device, torch.float32)  # fp32 master weights; autocast computes in bf16
    model.freeze_unused_vision_modules()
    enable_checkpointing(model)
    model.train()
    params = parameter_counts(model)
    for batch in batches:
        batch["flops"] = step_flops(config, params, batch["lengths"], batch["tiles"])
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-5, fused=device == "cuda")
    result = {
        "widths": {"vision": sizes.vision, "text": {**sizes.text, "num_hidden_layers": sizes.train_layers}},
        "vocab_size": config.text_config.vocab_size,
        "parameters": params,
        "precision": "fp32 master weights, bf16 autocast, AdamW (fused on CUDA), gradient checkpointing, sdpa",
        "samples_per_step": sizes.samples_per_step,
        "max_length": sizes.max_length,
        "sample_lengths": [batch["lengths"] for batch in batches[sizes.warmup_steps :]],
        "flops_formula": FLOPS_FORMULA,
        "peak_tflops": PEAK_TFLOPS.get(peak_name(device)),
        "peak_name": peak_name(device),
        "model_tflop_per_step": [batch["flops"] / 1e12 for batch in batches[sizes.warmup_steps :]],
        "modes": {},
    }
    for mode in MODES:
        try:
            result["modes"][mode] = run_mode(mode, model, optimizer, processor, batches, sizes, device)
        except Exception as error:  # an OOM in one layout must not cost the others their numbers
            result["modes"][mode] = {"error": f"{type(error).__name__}: {error}"}
            optimizer.zero_grad(set_to_none=True)
        record(result)
    return result
