"""Tiny models, processors and images the tests build themselves (nothing is downloaded)."""

import numpy as np
import torch
from PIL import Image
from transformers import (
    LlamaConfig,
    LlavaNextConfig,
    LlavaNextForConditionalGeneration,
    LlavaNextImageProcessor,
    LlavaNextProcessor,
    SiglipVisionConfig,
)

from configuration_amalia_vl import grid_pinpoints
from hub_release.build_checkpoint import IMAGE_TOKEN, tiny_tokenizer


TILE, PATCH = 32, 8

# Sizes (height, width) that exercise every branch of the tiling: square, wide, tall, extreme strips, tiny images,
# sizes that are not multiples of the tile, and sizes whose un-padding rounds.
IMAGE_SIZES = [
    (32, 32),
    (40, 90),
    (90, 40),
    (17, 300),
    (300, 17),
    (5, 5),
    (123, 77),
    (64, 96),
    (200, 199),
    (33, 365),
    (381, 31),
]


def random_image(height: int, width: int, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed + height * 1000 + width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def reference_tokenizer(vocab_size: int = 1024):
    tokenizer = tiny_tokenizer(vocab_size)
    tokenizer.add_tokens([IMAGE_TOKEN], special_tokens=True)
    tokenizer.padding_side = "left"
    return tokenizer


def llava_next_reference(
    max_tiles: int = 12,
    seed: int = 0,
    tile: int = TILE,
    patch: int = PATCH,
    vision: dict | None = None,
    text: dict | None = None,
    vocab_size: int = 1024,
):
    """A random LlavaNextForConditionalGeneration with a SigLIP tower and its processor, configured as AMALIA-VL.

    `vision` and `text` override the tiny default widths and depths (the benchmarks use larger ones).
    """
    torch.manual_seed(seed)
    tokenizer = reference_tokenizer(vocab_size)
    vision = SiglipVisionConfig(
        **{
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            **(vision or {}),
        },
        patch_size=patch,
        image_size=tile,
        vision_use_head=False,
    )
    text = LlamaConfig(
        **{
            "hidden_size": 48,
            "intermediate_size": 96,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            **(text or {}),
        },
        vocab_size=len(tokenizer),
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    pinpoints = grid_pinpoints(max_tiles, tile)
    config = LlavaNextConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        image_grid_pinpoints=pinpoints,
        image_seq_length=(tile // patch) ** 2,
    )
    model = LlavaNextForConditionalGeneration(config).eval()
    size = {"height": tile, "width": tile}
    image_processor = LlavaNextImageProcessor(
        size=size,
        crop_size=size,
        image_grid_pinpoints=pinpoints,
        image_mean=[0.5] * 3,
        image_std=[0.5] * 3,
        resample=Image.Resampling.BILINEAR,
    )
    processor = LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=patch,
        vision_feature_select_strategy="full",
        image_token=IMAGE_TOKEN,
    )
    return model, processor
