"""Stage-2 sample shapes for the benchmarks: how long a sample's text is and how large its image, drawn the way the
paper's visual-SFT mix looks (photos, documents and charts of mixed shapes, 2 % text-only; text about 425 tokens a
sample: 2B text tokens over 4.7M samples), and TRL-format samples of those shapes made of pt-PT words."""

import numpy as np

from hub_release.build_checkpoint import TINY_CORPUS
from tests.helpers import random_image


# Image sides are drawn for 384-px tiles; other tile sizes scale them, so that a tiny model sees the same grids.
REFERENCE_TILE = 384


def draw_sample_shape(rng: np.random.Generator, tile: int = REFERENCE_TILE) -> tuple[int, tuple[int, int] | None]:
    """(text tokens, image (height, width) or None for a text-only sample)."""
    text = int(rng.lognormal(mean=np.log(300), sigma=0.8)) + 20
    if rng.random() < 0.02:
        return text, None
    side = rng.lognormal(mean=np.log(900), sigma=0.5) * tile / REFERENCE_TILE
    aspect = np.exp(rng.normal(0, 0.6))
    return text, (max(16, int(side / np.sqrt(aspect))), max(16, int(side * np.sqrt(aspect))))


def pt_text(tokenizer, num_tokens: int, rng: np.random.Generator) -> str:
    """About `num_tokens` tokens of pt-PT words (drawn from the tiny tokenizer's corpus, so they encode compactly)."""
    words = TINY_CORPUS.split()
    text = " ".join(rng.choice(words, size=max(1, num_tokens)))
    return tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"][:num_tokens])


def stage2_examples(
    tokenizer, num_samples: int, seed: int = 0, tile: int = REFERENCE_TILE, text_scale: float = 1.0
) -> list[dict]:
    """TRL vision samples (`messages` with string contents + `images`): a question about the image and a long answer.

    `text_scale` shortens the text for tiny models, whose images are small too.
    """
    # Words come from a generator of their own, so that the shapes are those `draw_sample_shape` gives for the seed.
    shapes, words = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    examples = []
    for index in range(num_samples):
        text_tokens, image_size = draw_sample_shape(shapes, tile)
        text_tokens = max(8, int(text_tokens * text_scale))
        question = pt_text(tokenizer, text_tokens // 5, words)
        answer = pt_text(tokenizer, text_tokens - text_tokens // 5, words)
        messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        images = [random_image(*image_size, seed=seed * 1000 + index)] if image_size else []
        examples.append({"messages": messages, "images": images})
    return examples
