"""The sizes the GPU check runs at: the released widths on a GPU, tiny ones on a CPU (the test runs every code path).

Real: the SigLIP2-so400m tower as checkpoints store it (26 layers, no head) and AMALIA-9B's 4096-wide Llama, with
fewer layers where a model must train with AdamW on one GPU; generation keeps all 42 layers (bf16, no optimizer).
"""

from dataclasses import dataclass

from configuration_amalia_vl import AMALIA_9B, SIGLIP2_SO400M_CUT


# tests.helpers.llava_next_reference sets these itself (tile, patch, head, vocabulary, tying).
_SET_BY_REFERENCE = ("patch_size", "image_size", "vision_use_head", "vocab_size", "tie_word_embeddings")


def _widths(config: dict) -> dict:
    return {key: value for key, value in config.items() if key not in _SET_BY_REFERENCE}


@dataclass(frozen=True)
class Sizes:
    name: str
    tile: int
    patch: int
    vision: dict  # SigLIP widths and depth, without tile and patch
    text: dict  # Llama widths, without depth and vocabulary
    vocab_size: int | None  # of the trained and generating models; None: the tiny tokenizer's own
    parity_layers: int  # Llama layers of the LlavaNext pair
    train_layers: int  # Llama layers of the trained model
    generate_layers: int
    samples_per_step: int
    max_length: int  # token budget of a packed row (stage 2's maximum sequence)
    text_scale: float  # of the drawn text lengths (tiny images need less text to look like stage 2)
    warmup_steps: int
    timed_steps: int
    new_tokens: int
    repeats: int  # timed generations (best of)


REAL = Sizes(
    name="real",
    tile=SIGLIP2_SO400M_CUT["image_size"],
    patch=SIGLIP2_SO400M_CUT["patch_size"],
    vision=_widths(SIGLIP2_SO400M_CUT),
    text={key: value for key, value in _widths(AMALIA_9B).items() if key != "num_hidden_layers"},
    vocab_size=AMALIA_9B["vocab_size"],
    parity_layers=4,
    # 6 layers: about 2.6B parameters, 42 GB of fp32 weights, gradients and AdamW moments, which leaves room for a
    # padded batch's 128k-wide logits on an 80 GB or larger GPU.
    train_layers=6,
    generate_layers=AMALIA_9B["num_hidden_layers"],
    samples_per_step=4,
    max_length=16384,
    text_scale=1.0,
    warmup_steps=2,
    timed_steps=4,
    new_tokens=64,
    repeats=3,
)

TINY = Sizes(
    name="tiny",
    tile=32,
    patch=8,
    vision={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4},
    text={"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2},
    vocab_size=None,
    parity_layers=2,
    train_layers=2,
    generate_layers=2,
    # Eight samples (about 2,000 tokens) fill two or three rows of 1024: packed rows, several of them, then hold fewer
    # pad tokens than padding to the longest sample (for this seed's draws; tests/test_gpu_check.py relies on it).
    samples_per_step=8,
    max_length=1024,
    text_scale=0.25,
    warmup_steps=1,
    timed_steps=1,
    new_tokens=8,
    repeats=2,
)
